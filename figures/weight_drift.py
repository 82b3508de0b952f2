"""Do trained SNNs stay where Theorem 1 applies?  The units' (omega, tau) during training.

Theorem 1 holds for per-unit weight sums omega = sum_i w_i in [-0.1, 0.1] and
tau = sum_i w_i^2 in [0.95, 1.1] (:data:`snn_verify.proofs.theorems.THEOREM1_BOX`).  Left and middle:
every hidden unit's (omega, tau) at the first and the last checkpoint of SGD training, for
an SNN (SELU, LeCun) and a BatchNorm net (ReLU, He) for contrast, over the certified box.
Right: the fraction of each layer's units inside the box over training
(:func:`snn_verify.proofs.evidence.training.experiments.drift`).
"""
from __future__ import annotations

import numpy as np

from .common import evidence_title, new_figure

#: optional packages this figure needs (the ``train`` extra)
REQUIRES = ("jax", "optax", "flax")
NAME = "weight_drift"
CAPTION = ("Per-unit (omega, tau) of an SNN's and a BatchNorm net's hidden layers at the first and last "
           "checkpoint of SGD training on scikit-learn's digits, over Theorem 1's box (rectangle), and the "
           "fraction of each SNN layer's units inside it during training.")

COLORS = {"snn": "#1b9e77", "batchnorm": "#d95f02"}


def from_result(result):
    """The figure's data from a :class:`~snn_verify.proofs.evidence.training.experiments.DriftResult`."""
    d = result.to_json()
    d["clouds"] = {m: [[np.concatenate(omegas), np.concatenate(taus)] for omegas, taus in pair]
                   for m, pair in result.clouds.items()}
    return d


def data(opts):
    from snn_verify.proofs.evidence.training.experiments import drift

    return from_result(drift(quick=opts.quick, seed=opts.seed))


def draw(d, opts):
    from matplotlib.patches import Rectangle

    fig, axes = new_figure(ncols=3, width=3.5, height=3.3)
    (o0, o1), (t0, t1) = d["theorem1_box"]["omega"], d["theorem1_box"]["tau"]
    for k, title in enumerate(("first checkpoint", "last checkpoint")):
        ax = axes[0, k]
        for m, clouds in d["clouds"].items():
            omega, tau = clouds[k]
            step = d["runs"][m]["checkpoints"][-k]["step"]
            ax.scatter(omega, tau, s=2, alpha=0.4, color=COLORS.get(m, "#444444"), label=f"{m} (step {step})")
        ax.add_patch(Rectangle((o0, t0), o1 - o0, t1 - t0, fill=False, lw=1.2, color="k",
                               label="Theorem 1 box"))
        ax.set_xlabel(r"$\omega = \sum_i w_i$")
        ax.set_ylabel(r"$\tau = \sum_i w_i^2$")
        ax.set_title(title)
        ax.legend(fontsize=6, markerscale=4)
    ax = axes[0, 2]
    for m, run in d["runs"].items():
        steps = [c["step"] for c in run["checkpoints"]]
        layers = np.array([[layer["inside_theorem1"] for layer in c["layers"]] for c in run["checkpoints"]])
        for i in range(layers.shape[1]):
            ax.plot(steps, layers[:, i], "-" if m == "snn" else ":", lw=1, color=COLORS.get(m, "#444444"),
                    alpha=0.35 + 0.65 * (i + 1) / layers.shape[1], label=f"{m}" if i == layers.shape[1] - 1 else None)
    ax.set_xlabel("SGD step")
    ax.set_ylabel("fraction of units inside the box")
    ax.set_title("per layer (darker = deeper)")
    ax.legend(fontsize=6)
    s = d["sizes"]
    evidence_title(fig, f"{d['dataset']}, depth {s['depth']}, width {s['width']}, SGD lr {s['lr']}, {s['steps']} steps",
                   "JAX")
    return fig
