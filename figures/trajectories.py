"""Trajectories: layer-wise (mean, variance) of deep SELU nets, simulated vs iterated g.

From several starting points ``(mu_0, nu_0)`` the inputs pass through ``L`` SELU layers with
normalised weights.  Lines: the iterated moment map ``g`` (followed, with dropout, by
dropout's exact effect on the moments); markers: a simulated network of finite width
(:func:`snn_verify.proofs.evidence.montecarlo.deep`).  Alpha dropout keeps the fixed point (0, 1); standard
dropout (dropped units set to 0, scaled by 1/q) moves it.
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, new_figure

NAME = "trajectories"
CAPTION = ("Deep SELU nets: layer-wise mean and variance converge to (0, 1) from any start, "
           "with and without alpha dropout (rate 0.1); standard dropout moves the fixed point.")

STARTS = ((0.0, 1.0), (0.5, 3.0), (-0.3, 0.2), (0.3, 0.5))
MODES = ("none", "alpha", "standard")
RATE = 0.1


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import deep

    size = dict(depth=10, width=64, samples=64) if opts.quick else dict(depth=32, width=512, samples=256)
    r = deep(starts=STARTS, dropout=MODES, rate=RATE, seed=opts.seed, backend=opts.device, **size)
    runs = [dict(vars(run)) for run in r.runs]   # the figure's data: plain dicts of the runs' fields
    return {"layers": np.asarray(r.layers), "runs": runs, "size": size, "backend": r.backend,
            "evidence": r.evidence}


def draw(d, opts):
    fig, axes = new_figure(ncols=3, nrows=2, width=3.4, height=2.8)
    colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a"]
    titles = {"none": "no dropout", "alpha": f"alpha dropout ({RATE})", "standard": f"standard dropout ({RATE})"}
    for col, mode in enumerate(MODES):
        runs = [r for r in d["runs"] if r["dropout"] == mode]
        for k, (ax, name) in enumerate(zip(axes[:, col], ("mean", "variance"))):
            for i, r in enumerate(runs):
                c = colors[i % len(colors)]
                ax.plot(d["layers"], r["analytic"][:, k], color=c, lw=1.2,
                        label=f"g iterated, start {tuple(r['start'])}" if k == 0 and col == 0 else None)
                ax.errorbar(d["layers"], r["empirical"][:, k], yerr=r["stderr"][:, k], fmt="o", ms=2.5, color=c,
                            elinewidth=0.8, label="simulated" if (k == 0 and col == 0 and i == 0) else None)
            ax.axhline(1.0 if k else 0.0, color=COLORS["fixed_point"], lw=0.8, ls=":")
            ax.set_xlabel("layer")
            ax.set_ylabel(name)
            if k == 0:
                ax.set_title(titles[mode])
    axes[0, 0].legend(fontsize=6, loc="upper right")
    s = d["size"]
    fig.suptitle(f"width {s['width']}, {s['samples']} samples, depth {s['depth']} ({d['backend']}; "
                 "markers: simulation, evidence not proof)", fontsize=8)
    return fig
