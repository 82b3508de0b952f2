"""Highway networks (Srivastava et al. 2015): how much each layer transforms its input.

A highway layer is ``y = H(x) T(x) + x (1 - T(x))`` with ``T = sigmoid(W_T x + b)``: a gate
bias ``b`` of -1 to -4 starts the net carrying its input through (``T`` small).  The figure
shows, per layer, the mean transform-gate activity ``E[T]`` and how far the layer moves its
input, ``||y - x|| / ||x||``, for gate biases -1, -2 and -4 (``H`` a ReLU layer, He weights).
"""
from __future__ import annotations

import numpy as np

from .common import evidence_title, new_figure

NAME = "highway"
CAPTION = ("Highway nets: a more negative transform-gate bias (-1, -2, -4) lowers the gate activity "
           "and each layer moves its input less.")

BIASES = (-1.0, -2.0, -4.0)
ACT, INIT = "relu", "he"


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import zoo

    size = dict(depth=8, width=64, samples=64) if opts.quick else dict(depth=24, width=512, samples=256)
    out = {"size": size, "biases": list(BIASES), "runs": {}}
    for b in BIASES:
        r = zoo(activations=(ACT,), inits=(INIT,), highway_bias=b, seed=opts.seed, backend=opts.device, **size)
        run = r.runs[f"{ACT}/{INIT}"]
        out["runs"][b] = {"gate": np.asarray(run.gate), "move": np.asarray(run.move)}
        out["backend"] = r.backend
    return out


def draw(d, opts):
    fig, axes = new_figure(ncols=2, width=4.2, height=3.3)
    colors = ["#1b9e77", "#d95f02", "#7570b3"]
    for c, b in zip(colors, d["biases"]):
        run = d["runs"][b]
        layers = np.arange(1, len(run["gate"]) + 1)
        axes[0, 0].plot(layers, run["gate"], "o-", ms=3, color=c, label=f"gate bias {b:g}")
        axes[0, 1].semilogy(layers, run["move"], "o-", ms=3, color=c, label=f"gate bias {b:g}")
    axes[0, 0].set_ylabel(r"mean transform gate $E[T(x)]$")
    axes[0, 1].set_ylabel(r"$\|y - x\| / \|x\|$")
    axes[0, 0].set_title("transform-gate activity per layer")
    axes[0, 1].set_title("how far each layer moves its input")
    for ax in axes[0]:
        ax.set_xlabel("layer")
        ax.legend(fontsize=7)
    s = d["size"]
    evidence_title(fig, f"H: {ACT} ({INIT}), width {s['width']}, {s['samples']} samples", d["backend"])
    return fig
