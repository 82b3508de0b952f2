"""The paper's Figure 1: training loss of deep SNN and BatchNorm nets under plain SGD.

SNN: SELU, LeCun-normal weights, no normalisation; BN: ReLU, He weights, BatchNorm before
every activation.  Both train with the same SGD learning rate and mini-batch from the same
seeds (:func:`snn_verify.proofs.evidence.training.experiments.figure1`).  Left: the
mini-batch training loss per iteration (mean over seeds, SNN solid, BN dashed) for each
depth.  Middle: each curve's roughness, std(L_{t+1} - L_t) / mean(L); right: the scale-free
std(log L_{t+1} - log L_t); mean and spread over seeds.  The paper's claim: BN's curves vary
far more than SNN's.
"""
from __future__ import annotations

import numpy as np

from .common import evidence_title, new_figure

#: optional packages this figure needs (the ``train`` extra)
REQUIRES = ("jax", "optax", "flax")
NAME = "training_loss"
CAPTION = ("Figure 1 on scikit-learn's digits (8x8 optdigits, standing in for MNIST): training loss of SNN "
           "(solid) and BatchNorm (dashed) nets per depth under the same plain SGD, and each curve's roughness: "
           "std of successive loss differences / mean loss, and std of successive log-loss differences "
           "(mean and spread over seeds).")

STYLE = {"snn": ("-", "SNN"), "batchnorm": ("--", "BN")}
DEPTH_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e")


def from_result(result):
    """The figure's data from a :class:`~snn_verify.proofs.evidence.training.experiments.Figure1Result`."""
    return result.to_json()


def data(opts):
    from snn_verify.proofs.evidence.training.experiments import figure1

    return from_result(figure1(quick=opts.quick, seed=opts.seed))


def draw(d, opts):
    fig, axes = new_figure(ncols=3, width=3.6, height=3.4)
    methods = d["methods"]
    depths = list(next(iter(methods.values())))
    for color, depth in zip(DEPTH_COLORS, depths):
        for m, (ls, label) in STYLE.items():
            loss = np.asarray(methods[m][depth]["loss"])
            steps = np.arange(1, loss.shape[1] + 1)
            axes[0, 0].plot(steps, loss.mean(0), ls, color=color, lw=1, label=f"{label} {depth} layers")
    axes[0, 0].set_yscale("log")
    axes[0, 0].set_xlabel("iteration")
    axes[0, 0].set_ylabel("training loss (mini-batch, mean over seeds)")
    axes[0, 0].legend(fontsize=6, ncol=2)
    x = np.arange(len(depths))
    panels = (("roughness", "std(diff L) / mean L", "roughness_ratio_bn_over_snn"),
              ("log_roughness", "std(diff log L)", "log_roughness_ratio_bn_over_snn"))
    for ax, (key, ylabel, ratio_key) in zip(axes[0, 1:], panels):
        for k, (m, (_, label)) in enumerate(STYLE.items()):
            per_seed = np.array([methods[m][dp][f"{key}_per_seed"] for dp in depths])
            ax.bar(x + (k - 0.5) * 0.38, per_seed.mean(1), 0.38, yerr=per_seed.std(1), capsize=3,
                   color=("#1b9e77", "#d95f02")[k], label=label)
        ax.set_xticks(x, [f"{dp} layers" for dp in depths])
        ax.set_ylabel(ylabel)
        ratio = d[ratio_key]
        ax.set_title("BN / SNN: " + ", ".join(f"{ratio[dp]:.2f}" for dp in depths), fontsize=8)
        ax.legend()
    s = d["sizes"]
    evidence_title(fig, f"{d['dataset']}, width {s['width']}, SGD lr {s['lr']}, batch {s['batch']}, {s['steps']} "
                        f"steps, {s['seeds']} seeds", "JAX")
    return fig
