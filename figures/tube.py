"""Is this network self-normalising?  The certified tube of a LeCun-normal SELU network.

Per layer of a LeCun-normal 64-256-256-256-256-10 network (seeded): the certified pooled
mean and variance from standardised inputs (a point tube, as thin as rounding) and from the
box ``mean in [-0.01, 0.01], variance in [0.98, 1.02]`` (affine forms), the target band, the
per-unit spread (the certified per-unit intervals' 5%..95% and min..max), and the Monte
Carlo forward pass of Gaussian inputs (points with 5 standard errors).
(:func:`snn_verify.proofs.rigorous.tube.run_tube`,
:func:`snn_verify.proofs.networks.tube.evidence`.)
"""
from __future__ import annotations

import numpy as np

from .common import new_figure

NAME = "tube"
CAPTION = ("The certified mean-field tube of a LeCun-normal 64-256-256-256-256-10 SELU network: per layer, "
           "the pooled mean and variance certified from standardised inputs (line) and from the box "
           "mean in [-0.01, 0.01], variance in [0.98, 1.02] (band, affine forms), the target band (dashed), "
           "the per-unit certified spread (grey: 5%..95%, light: min..max), and a Monte Carlo forward pass "
           "(points, 5 standard errors).")
SIZES = (64, 256, 256, 256, 256, 10)
BOX = ("0.01", ("0.98", "1.02"))


def network(seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((b, a)) / np.sqrt(a), None) for a, b in zip(SIZES, SIZES[1:])]


def data(opts):
    from snn_verify.proofs.networks.tube import evidence
    from snn_verify.proofs.rigorous.tube import run_tube

    w = network(getattr(opts, "seed", 0))
    point = run_tube(w)
    box = run_tube(w, BOX[0], BOX[1])
    samples = 2048 if getattr(opts, "quick", False) else 8192
    return {"point": point.to_json(), "box": box.to_json(), "monte_carlo": list(evidence(point, w, samples)),
            "sizes": list(SIZES), "box_input": {"mean": BOX[0], "variance": list(BOX[1])}}


def draw(d, opts):
    fig, axes = new_figure(ncols=2, width=3.8, height=3.2)
    layers = np.arange(1, len(d["point"]["layers"]) + 1)
    for ax, key, label in ((axes[0, 0], "mean", "pooled mean"), (axes[0, 1], "variance", "pooled variance")):
        pl = d["point"]["layers"]
        units = [layer["units"][key] for layer in pl]
        ax.fill_between(layers, [u["min"][0] for u in units], [u["max"][1] for u in units], color="#dddddd",
                        step="mid", label="units min..max")
        ax.fill_between(layers, [u["q05"][0] for u in units], [u["q95"][1] for u in units], color="#aaaaaa",
                        step="mid", label="units 5%..95%")
        bl = d["box"]["layers"]
        if bl:
            lb = np.arange(1, len(bl) + 1)
            ax.fill_between(lb, [layer[key][0] for layer in bl], [layer[key][1] for layer in bl], color="#1b9e77",
                            alpha=0.45, step="mid", label=f"box tube ({d['box']['verdict']})")
        ax.plot(layers, [0.5 * (layer[key][0] + layer[key][1]) for layer in pl], "-", color="#1b9e77", lw=1.5,
                drawstyle="steps-mid", label=f"point tube ({d['point']['verdict']})")
        lo, hi = (float(v) for v in d["point"]["target"][key])
        for v in (lo, hi):
            ax.axhline(v, ls="--", color="k", lw=0.8)
        mc = d["monte_carlo"]
        ax.errorbar([r["layer"] for r in mc], [r[key] for r in mc], yerr=[5 * r[f"se_{key}"] for r in mc], fmt="o",
                    ms=3, color="#d95f02", label="Monte Carlo (5 SE)")
        ax.set_xlabel("layer")
        ax.set_ylabel(label)
        ax.set_xticks(layers)
        ax.set_title(label)
    axes[0, 0].legend(fontsize=6, loc="lower left")
    return fig
