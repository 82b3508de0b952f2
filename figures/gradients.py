"""Gradients: squared gradient norm per layer against the mean-field factor chi_1.

A random output gradient is back-propagated through ``L`` layers; mean-field theory
(gradient independence) predicts each layer multiplies the expected squared gradient by
``chi_1 = tau E[phi'(z)^2]`` (Poole et al. 2016, Schoenholz et al. 2017).  The paper says
vanishing and exploding gradients are impossible for SNNs; the figure shows what a finite
network does: SELU's chi_1 at (0, 1) is about 1.07, a slow, steady growth.
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, evidence_title, new_figure

NAME = "gradients"
CAPTION = ("Gradient norm per layer, SELU (LeCun) vs ReLU (He) vs tanh (Xavier): measured (markers) "
           "vs mean-field chi_1 (lines); SELU grows by chi_1 ~ 1.07 per layer.")

CONFIGS = (("selu", "lecun"), ("relu", "he"), ("tanh", "xavier"))


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import gradients

    size = dict(depth=10, width=64, samples=64) if opts.quick else dict(depth=32, width=512, samples=128)
    r = gradients(CONFIGS, seed=opts.seed, backend=opts.device, **size)
    out = {"size": size, "backend": r.backend, "runs": {}}
    for key, run in r.runs.items():
        g = np.asarray(run.grad_sq)
        depth = len(g) - 1
        # mean-field prediction from the output layer down: g_{l-1} = chi_1(l) g_l
        pred = np.empty_like(g)
        pred[depth] = g[depth]
        for layer in range(depth, 0, -1):
            pred[layer - 1] = pred[layer] * run.chi1[layer - 1]
        out["runs"][key] = {"grad_sq": g, "stderr": np.asarray(run.stderr), "predicted": pred,
                            "growth_per_layer": run.growth_per_layer, "chi1_mean": run.chi1_mean,
                            "total_growth": run.total_growth}
    return out


def draw(d, opts):
    fig, axes = new_figure(ncols=2, width=4.4, height=3.4)
    ax = axes[0, 0]
    for key, run in d["runs"].items():
        act = key.split("/")[0]
        layers = np.arange(len(run["grad_sq"]))
        ax.semilogy(layers, run["predicted"], color=COLORS[act], lw=1.2)
        ax.errorbar(layers, run["grad_sq"], yerr=run["stderr"], fmt="o", ms=3, color=COLORS[act],
                    label=f"{key}: x{run['growth_per_layer']:.3f}/layer (chi_1 {run['chi1_mean']:.3f})")
    ax.set_xlabel("layer l (0 = input)")
    ax.set_ylabel(r"mean squared gradient $E[g_l^2]$")
    ax.set_title("gradient norms: measured (markers), mean field (lines)")
    ax.legend(fontsize=7)
    ax = axes[0, 1]
    keys = list(d["runs"])
    x = np.arange(len(keys))
    ax.bar(x - 0.18, [d["runs"][k]["growth_per_layer"] for k in keys], 0.36, label="measured per layer",
           color=COLORS["montecarlo"])
    ax.bar(x + 0.18, [d["runs"][k]["chi1_mean"] for k in keys], 0.36, label=r"mean-field $\chi_1$",
           color=COLORS["analytic"])
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xticks(x, keys)
    ax.set_ylabel("factor per layer")
    values = [d["runs"][k][f] for k in keys for f in ("growth_per_layer", "chi1_mean")]
    ax.set_ylim(min(0.95, min(values) - 0.05), max(1.05, max(values) + 0.03))
    ax.set_title("> 1: grows with depth, < 1: vanishes")
    ax.legend(fontsize=7)
    s = d["size"]
    evidence_title(fig, f"width {s['width']}, depth {s['depth']}, {s['samples']} samples", d["backend"])
    return fig
