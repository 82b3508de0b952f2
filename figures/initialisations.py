"""Activation statistics per layer under small-random, Xavier and He initialisation.

The classic plots of why initialisation matters (Glorot & Bengio 2010; He et al. 2015):
tanh and ReLU nets with weights Normal(0, 0.01^2) ("small"), Normal(0, 2/(n_in + n_out))
(Xavier) and Normal(0, 2/n_in) (He).  Small weights collapse the activations to zero within
a few layers; Xavier suits tanh; He keeps ReLU's scale.  SELU with LeCun weights is drawn
for reference: its mean and standard deviation stay at (0, 1).
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, evidence_title, new_figure

NAME = "initialisations"
CAPTION = ("Mean and standard deviation of activations per layer for tanh and ReLU under small, Xavier "
           "and He initialisation (SELU/LeCun for reference): small weights collapse.")

ACTS = ("tanh", "relu")
INITS = ("small", "xavier", "he")
STYLES = {"small": ":", "xavier": "--", "he": "-", "lecun": "-"}


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import zoo

    size = dict(depth=8, width=64, samples=64) if opts.quick else dict(depth=24, width=512, samples=256)
    r = zoo(activations=ACTS, inits=INITS, seed=opts.seed, backend=opts.device, **size)
    ref = zoo(activations=("selu",), inits=("lecun",), seed=opts.seed, backend=opts.device, **size)
    runs = {k: {"mean": np.asarray(v.mean), "std": np.sqrt(np.asarray(v.var))} for k, v in r.runs.items()}
    v = ref.runs["selu/lecun"]
    runs["selu/lecun"] = {"mean": np.asarray(v.mean), "std": np.sqrt(np.asarray(v.var))}
    return {"size": size, "runs": runs, "backend": r.backend}


def draw(d, opts):
    fig, axes = new_figure(ncols=2, width=4.2, height=3.3)
    for key, run in d["runs"].items():
        act, init = key.split("/")
        layers = np.arange(1, len(run["mean"]) + 1)
        kw = dict(color=COLORS[act], ls=STYLES[init], lw=1.3 if act != "selu" else 2.0, label=key)
        axes[0, 0].plot(layers, run["mean"], **kw)
        axes[0, 1].semilogy(layers, np.maximum(run["std"], 1e-30), **kw)
    axes[0, 0].set_title("mean of activations")
    axes[0, 1].set_title("standard deviation of activations (log)")
    for ax in axes[0]:
        ax.set_xlabel("layer")
    axes[0, 1].legend(fontsize=7, ncol=2)
    s = d["size"]
    evidence_title(fig, f"width {s['width']}, {s['samples']} samples", d["backend"])
    return fig
