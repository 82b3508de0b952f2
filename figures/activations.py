"""Any activation, self-normalised (issue 20): the scaled activations, their variance maps at
normalised weights with the basin of the fixed point, and chi_1 side by side.

(a) ``phi = lambda (f - beta)`` (or ``lambda f_alpha`` for SELU) with the certified constants
(:mod:`snn_verify.proofs.rigorous.activations`).  (b) The variance map ``nu -> nu~`` at
``omega = 0``, ``tau = 1`` (then ``mu~`` does not depend on ``mu``), float64 trapezoidal
quadrature (evidence): every curve passes through (1, 1); its slope there, ``F'(1)``, is
certified (< 1: attracting, = 1 for the positively homogeneous ReLUs).  (c) The variance over
10 layers of the mean-field iteration from ``nu = 0.2`` and ``nu = 3`` (float64): the basin.
(d) The certified ``chi_1`` at the fixed point (all above 1: chaotic side at LeCun), and the
Theorem 1 verdicts on the paper's box.

Not yet in :data:`snn_verify.figures.FIGURE_MODULES` (the gallery's order is kept there).
"""
from __future__ import annotations

import numpy as np

from .common import new_figure

NAME = "activations"
CAPTION = ("Self-normalised activations (certified constants): (a) the scaled activations; (b) their variance maps "
           "at normalised weights through the fixed point (1, 1) (float64 quadrature, evidence); (c) the variance "
           "over 10 layers from nu = 0.2 and nu = 3 (the basin); (d) the certified chi_1 at the fixed point and the "
           "Theorem 1 verdicts (contraction, invariance) on the paper's box.")
NAMES = ("selu", "relu", "gelu", "silu", "mish", "softplus", "tanh", "sigmoid")


def _scaled(name, constants):
    """A float64 numpy function of the scaled activation and its (lambda, beta, params)."""
    from flint import arb, ctx

    from snn_verify.theory.activation_registry import get, get_primitives

    P = get_primitives("numpy")
    with ctx.workprec(128):
        lam = float(arb(constants.values["lambda"]).mid())
        beta = float(arb(constants.values.get("beta", "0")).mid())
        params = ({"alpha": float(arb(constants.values["alpha"]).mid())} if "alpha" in constants.values else {})
    act = get("elu" if "alpha" in constants.values else name)
    return lambda x: lam * (act.value(P, np.asarray(x, dtype=float), **params) - beta)


def _variance_map(phi, nodes, weights):
    def g(nu):
        y = phi(np.sqrt(nu) * nodes)
        mean = np.dot(weights, y)
        return float(np.dot(weights, (y - mean) ** 2))

    return g


def data(opts):
    from snn_verify.proofs.rigorous import activation_theorem1, activations

    quick = getattr(opts, "quick", False)
    # trapezoid on [-12, 12] with t = 0 a node: the kinks at x = 0 sit on a node, so the rule
    # keeps O(h^2) there and is spectrally accurate elsewhere
    t = np.linspace(-12.0, 12.0, 2401 if quick else 4801)
    w = np.exp(-t * t / 2)
    w[0] = w[-1] = w[0] / 2
    w = w / w.sum()
    x = np.linspace(-4, 4, 161)
    nu = np.linspace(0.05, 3.0, 60 if quick else 120)
    out = {"x": x.tolist(), "nu": nu.tolist(), "phi": {}, "map": {}, "layers": {}, "chi1": {}, "slope": {},
           "theorem1": {}, "at_one": {}}
    for name in NAMES:
        c = activations.constants(name)
        phi = _scaled(name, c)
        g = _variance_map(phi, t, w)
        out["phi"][name] = phi(x).tolist()
        out["map"][name] = [g(v) for v in nu]
        out["at_one"][name] = g(1.0)
        paths = []
        for v0 in (0.2, 3.0):
            path = [v0]
            for _ in range(10):
                path.append(g(path[-1]))
            paths.append(path)
        out["layers"][name] = paths
        out["chi1"][name] = c.chi1
        out["slope"][name] = c.length_slope
        r = activation_theorem1.theorem1(name)
        out["theorem1"][name] = [r.verdicts["contraction"], r.verdicts["invariance"]]
    return out


def draw(d, opts):
    from flint import arb, ctx

    fig, axes = new_figure(ncols=2, nrows=2, width=3.8, height=3.0)
    colors = dict(zip(NAMES, ("#e7298a", "#666666", "#1b9e77", "#d95f02", "#7570b3", "#66a61e", "#e6ab02",
                              "#a6761d")))
    ax = axes[0, 0]
    for name in NAMES:
        ax.plot(d["x"], d["phi"][name], color=colors[name], lw=1.1, label=name)
    ax.set(xlabel="x", ylabel="lambda (f(x) - beta)", title="(a) scaled activations", ylim=(-3, 6))
    ax.legend(fontsize=6, ncol=2)
    ax = axes[0, 1]
    for name in NAMES:
        ax.plot(d["nu"], d["map"][name], color=colors[name], lw=1.0, label=name)
    ax.plot(d["nu"], d["nu"], "--", color="black", lw=0.7)
    ax.plot([1], [1], "o", color="black", ms=3)
    ax.set(xlabel="nu", ylabel="nu~ (omega = 0, tau = 1)", title="(b) variance maps (evidence)")
    ax = axes[1, 0]
    layers = np.arange(11)
    for name in NAMES:
        for path in d["layers"][name]:
            ax.plot(layers, path, color=colors[name], lw=0.9)
    ax.axhline(1.0, ls=":", color="black", lw=0.8)
    ax.set(xlabel="layer", ylabel="variance", title="(c) basin of nu* = 1 (evidence)")
    ax = axes[1, 1]
    with ctx.workprec(128):
        chi = [float(arb(d["chi1"][n]).mid()) for n in NAMES]
    ax.bar(range(len(NAMES)), chi, color=[colors[n] for n in NAMES])
    ax.axhline(1.0, ls=":", color="black", lw=0.8)
    for i, n in enumerate(NAMES):
        c, inv = d["theorem1"][n]
        ax.text(i, chi[i] + 0.02, f"{c[0]}{inv[0]}", ha="center", fontsize=6)
    ax.set_xticks(range(len(NAMES)))
    ax.set_xticklabels(NAMES, rotation=45, fontsize=6)
    ax.set(ylabel="chi_1 (certified)", ylim=(0.9, 1.6), title="(d) chi_1; Theorem 1 C/R, C/R")
    return fig
