"""The central-limit assumption: is the net input z = w . x Normal at small fan-in?

g assumes ``z ~ Normal(mu omega, nu tau)``.  With ``n`` inputs from a skewed distribution
(mean 0, variance 1) and normalised weights (omega = 0, tau = 1), the net input is a sum of
``n`` terms: its skewness shrinks like ``1/sqrt(n)`` and its excess kurtosis like ``1/n``.
Left: the distribution of z for n = 5, 20, 100 against the Normal density.  Right: the
resulting error of the one-layer map against g at (0, 1), with standard errors.
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, evidence_title, new_figure

NAME = "clt"
CAPTION = ("Central-limit assumption: the net input of a unit with n = 5, 20, 100 skewed inputs against "
           "the Normal density g assumes, and the resulting error of the layer's mean and variance.")

WIDTHS = (5, 20, 100)


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import net_input_check

    size = dict(rows=32, samples=1024) if opts.quick else dict(rows=256, samples=8192)
    r = net_input_check(widths=WIDTHS, inputs="skewed", seed=opts.seed, backend=opts.device, **size)
    runs = {}
    for n in WIDTHS:
        run = r.runs[n]
        mp = run.map
        runs[n] = {"density": np.asarray(run.density), "skewness": run.skewness,
                   "excess_kurtosis": run.excess_kurtosis,
                   "error": np.asarray(mp.empirical) - np.asarray(mp.analytic),
                   "stderr": np.asarray(mp.stderr), "z": np.asarray(mp.z)}
    return {"bin_edges": np.asarray(r.bin_edges), "normal_density": np.asarray(r.normal_density),
            "runs": runs, "size": size, "backend": r.backend}


def draw(d, opts):
    fig, axes = new_figure(ncols=2, width=4.2, height=3.3)
    edges = d["bin_edges"]
    centres = 0.5 * (edges[1:] + edges[:-1])
    ax = axes[0, 0]
    ax.plot(centres, d["normal_density"], color="k", lw=1.5, label="Normal(0, 1) (what g assumes)")
    colors = ["#d95f02", "#7570b3", "#1b9e77"]
    for c, n in zip(colors, WIDTHS):
        run = d["runs"][n]
        ax.step(centres, run["density"], where="mid", color=c,
                label=f"n = {n}: skew {run['skewness']:+.2f}, ex. kurt {run['excess_kurtosis']:+.2f}")
    ax.set_xlabel("standardised net input z")
    ax.set_ylabel("density")
    ax.set_title("distribution of z = w . x (skewed inputs)")
    ax.legend(fontsize=6.5)
    ax = axes[0, 1]
    x = np.arange(len(WIDTHS))
    for k, (name, off) in enumerate((("mean", -0.12), ("variance", 0.12))):
        err = [d["runs"][n]["error"][k] for n in WIDTHS]
        se = [d["runs"][n]["stderr"][k] for n in WIDTHS]
        ax.errorbar(x + off, err, yerr=se, fmt="o", capsize=3,
                    color=COLORS["analytic"] if k == 0 else COLORS["montecarlo"], label=f"{name} error")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, [f"n = {n}" for n in WIDTHS])
    ax.set_ylabel("simulated layer - g at (0, 1)")
    ax.set_title("resulting error in g (+/- 1 standard error)")
    ax.legend(fontsize=7)
    s = d["size"]
    evidence_title(fig, f"{s['rows']} units, {s['samples']} samples", d["backend"])
    return fig
