"""Activation histograms per layer: SELU vs ReLU vs Leaky ReLU in a deep net.

The comparison popularised alongside the paper (a TensorFlow visualisation of activations
per layer): with SELU the distribution of a layer's outputs keeps its shape and scale with
depth; with ReLU half the outputs are exactly zero and the scale drifts.  Each net has
``L`` layers of width ``n``, Normal(0, 1) inputs; SELU with LeCun-normal weights (its
initialisation), ReLU and Leaky ReLU with He-normal weights (theirs).
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, evidence_title, new_figure

NAME = "histograms"
CAPTION = ("Activations per layer in deep nets: SELU (LeCun) keeps its distribution from layer to layer; "
           "ReLU (He) puts half its outputs at exactly zero, Leaky ReLU (He) half of them just below it.")

RUNS = (("selu", "lecun"), ("relu", "he"), ("leaky_relu", "he"))


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import zoo

    size = dict(depth=8, width=64, samples=64) if opts.quick else dict(depth=32, width=512, samples=256)
    out = {"size": size, "runs": {}}
    for act, init in RUNS:
        r = zoo(activations=(act,), inits=(init,), seed=opts.seed, backend=opts.device, **size)
        run = r.runs[f"{act}/{init}"]
        out["runs"][f"{act}/{init}"] = {k: np.asarray(getattr(run, k)) for k in ("mean", "var", "frac_zero",
                                                                                  "histograms")}
        out["bin_edges"] = np.asarray(r.bin_edges)
        out["backend"] = r.backend
    return out


def shown_layers(depth):
    """Up to five layers, first and last included."""
    return sorted({1, *np.linspace(1, depth, 5).round().astype(int).tolist()})


def draw(d, opts):
    keys = list(d["runs"])
    fig, axes = new_figure(ncols=len(keys), width=3.4, height=3.0, sharey=True)
    edges = d["bin_edges"]
    centres = 0.5 * (edges[1:] + edges[:-1])
    width = edges[1] - edges[0]
    depth = len(d["runs"][keys[0]]["mean"])
    layers = shown_layers(depth)
    cmap = __import__("matplotlib").colormaps["viridis"]
    for ax, key in zip(axes[0], keys):
        run = d["runs"][key]
        for i, layer in enumerate(layers):
            counts = run["histograms"][layer - 1]
            density = counts / max(counts.sum(), 1) / width
            ax.plot(centres, density, color=cmap(i / max(len(layers) - 1, 1)), lw=1.1, label=f"layer {layer}")
        act = key.split("/")[0]
        ax.set_title(f"{key}: zeros {run['frac_zero'][-1]:.0%} (last layer)", color=COLORS[act])
        ax.set_xlabel("activation value")
        ax.set_yscale("log")
        ax.set_ylim(1e-4, 10)
    axes[0, 0].set_ylabel("density (log)")
    axes[0, 0].legend(fontsize=7)
    s = d["size"]
    evidence_title(fig, f"width {s['width']}, {s['samples']} samples", d["backend"])
    return fig
