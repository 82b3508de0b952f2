"""Theorem maps: where the theorems' inequalities hold, with the certified extremes marked.

(a) The Jacobian's spectral norm over Omega at the (omega, tau) of its certified maximum
(Theorem 1: below 1).  (b) ``nu~ - nu`` over Theorem 2's (mu, nu) window at the (omega, tau)
of the certified maximum (negative: variance decreases).  (c) ``nu~ - nu`` at small variance,
Theorem 3's domains outlined, at the (omega, tau) of the certified minimum (positive:
variance increases), with the zero contour where it stops (the fixed point's variance).  (d) The image ``g(Omega)``
(dense float64 samples at the corners and centre of omega x tau) against Omega, the
paper's published image bounds and the certified ones.

Colour maps are float64 grids (evidence); the marked extremes and the certified rectangle
come from the Arb engine (:mod:`snn_verify.proofs.rigorous.certify`, proof).
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, new_figure

NAME = "theorem_maps"
CAPTION = ("Theorems 1-3 as maps: spectral norm < 1 on Omega, variance change < 0 above nu = 3 and > 0 "
           "below nu = 0.16/0.24; the image g(Omega) in the certified and published bounds.")

IMAGE_CLAIMS = {"mean_min": "T1 mean above -0.1", "mean_max": "T1 mean below 0.1",
                "var_min": "T1 variance above 0.8", "var_max": "T1 variance below 1.5"}


def _mesh(mu, nu, k):
    return np.meshgrid(np.linspace(*mu, k), np.linspace(*nu, k))


def _at(result):
    """(omega, tau) of a certified extremum's attaining point."""
    p = dict(zip(("mu", "omega", "nu", "tau"), (float(v) for v in result.argext)))
    return p["omega"], p["tau"], p


def data(opts):
    from snn_verify.proofs.rigorous.certify import certify_suite
    from snn_verify.proofs.theorems import theorem_claims
    from snn_verify.theory.jacobian import jacobian, spectral_norm
    from snn_verify.theory.selu_map import moment_map

    tol = 1e-3 if opts.quick else 1e-6
    results = {r.claim.name: r for r in certify_suite(theorem_claims(), tol=tol)}
    k = 41 if opts.quick else 161
    out = {"tolerance": tol, "verdicts": {n: r.verdict for n, r in results.items()}}

    r = results["T1 contraction"]
    omega, tau, p = _at(r)
    mu, nu = _mesh((-0.1, 0.1), (0.8, 1.5), k)
    out["norm"] = {"mu": mu, "nu": nu, "value": spectral_norm(jacobian(mu, omega, nu, tau)), "omega": omega,
                   "tau": tau, "certified": list(r.extremum), "argmax": p}

    r = results["T2 variance decreases"]
    omega, tau, p = _at(r)
    mu, nu = _mesh((-1.0, 1.0), (1.0, 17.0), k)
    out["t2"] = {"mu": mu, "nu": nu, "value": moment_map(mu, omega, nu, tau)[1] - nu, "omega": omega, "tau": tau,
                 "certified": list(r.extremum), "argmax": p, "box": r.claim.box}

    r = results["T3 variance increases (tau >= 0.8)"]
    omega, tau, p = _at(r)
    mu, nu = _mesh((-0.1, 0.1), (0.005, 1.2), k)
    out["t3"] = {"mu": mu, "nu": nu, "value": moment_map(mu, omega, nu, tau)[1] - nu, "omega": omega, "tau": tau,
                 "certified": list(r.extremum), "argmin": p,
                 "boxes": [results[n].claim.box for n in ("T3 variance increases (tau >= 0.8)",
                                                           "T3 variance increases (tau >= 0.9)")]}

    kk = 31 if opts.quick else 81
    mu, nu = _mesh((-0.1, 0.1), (0.8, 1.5), kk)
    pts = [moment_map(mu, w, nu, t) for w in (-0.1, 0.0, 0.1) for t in (0.95, 1.0, 1.1)]
    out["image"] = {"mean": np.concatenate([p_[0].ravel() for p_ in pts]),
                    "var": np.concatenate([p_[1].ravel() for p_ in pts]),
                    "certified": {key: list(results[name].extremum) for key, name in IMAGE_CLAIMS.items()},
                    "published": {key: results[name].claim.published for key, name in IMAGE_CLAIMS.items()}}
    return out


def _outline(ax, box, **kw):
    (m0, m1), (n0, n1) = box.mu, box.nu
    ax.plot([m0, m1, m1, m0, m0], [n0, n0, n1, n1, n0], **kw)


def _field(fig, ax, d, cmap, label, levels=None):
    from matplotlib.colors import TwoSlopeNorm

    v = d["value"]
    norm = None
    if levels is not None and v.min() < 0 < v.max():
        norm = TwoSlopeNorm(vcenter=0.0, vmin=v.min(), vmax=v.max())  # the sign reads off the colour
    pc = ax.pcolormesh(d["mu"], d["nu"], v, shading="auto", cmap=cmap, norm=norm)
    fig.colorbar(pc, ax=ax, label=label, shrink=0.85)
    if levels is not None and d["value"].min() < levels[0] < d["value"].max():
        cs = ax.contour(d["mu"], d["nu"], d["value"], levels=levels, colors="k", linewidths=1.2)
        ax.clabel(cs, fmt={levels[0]: "0"}, fontsize=7)
    ax.set_xlabel(r"$\mu$")
    ax.set_ylabel(r"$\nu$")


def _star(ax, point, label):
    """Mark the certified extremiser ``point`` ({"mu", "nu"}) on a map."""
    ax.plot(point["mu"], point["nu"], "*", ms=14, color=COLORS["certified"], clip_on=False, zorder=5, label=label)


def draw(d, opts):
    fig, axes = new_figure(ncols=2, nrows=2, width=4.4, height=3.5)
    ax = axes[0, 0]
    n = d["norm"]
    _field(fig, ax, n, "magma", r"$\|J\|_2$")
    lo, hi = n["certified"]
    _star(ax, n["argmax"], f"certified max in [{lo:.7f}, {hi:.7f}]")
    ax.set_title(f"(a) Thm 1: spectral norm (omega {n['omega']:g}, tau {n['tau']:g})")
    ax.legend(fontsize=7, loc="lower right")

    ax = axes[0, 1]
    t2 = d["t2"]
    _field(fig, ax, t2, "coolwarm", r"$\tilde\nu - \nu$", levels=[0.0])
    _outline(ax, t2["box"], color=COLORS["domain"], ls="--", lw=1.2, label="Theorem 2 domain")
    _star(ax, t2["argmax"], f"certified max {t2['certified'][1]:.5f} < 0")
    ax.set_title(f"(b) Thm 2: variance change (omega {t2['omega']:g}, tau {t2['tau']:g})")
    ax.legend(fontsize=7, loc="upper left")

    ax = axes[1, 0]
    t3 = d["t3"]
    _field(fig, ax, t3, "coolwarm_r", r"$\tilde\nu - \nu$", levels=[0.0])
    for box, ls, name in zip(t3["boxes"], ("--", ":"), ("tau >= 0.8", "tau >= 0.9")):
        _outline(ax, box, color=COLORS["domain"], ls=ls, lw=1.2, label=f"Theorem 3 domain ({name})")
    _star(ax, t3["argmin"], f"certified min {t3['certified'][0]:.5f} > 0")
    ax.set_title(f"(c) Thm 3: variance change (omega {t3['omega']:g}, tau {t3['tau']:g})")
    ax.legend(fontsize=7, loc="upper right")

    ax = axes[1, 1]
    im = d["image"]
    ax.plot(im["mean"], im["var"], ".", ms=1, color=COLORS["analytic"], alpha=0.3, label="g(Omega) (float64 samples)")
    c, p = im["certified"], im["published"]
    ax.plot([-0.1, 0.1, 0.1, -0.1, -0.1], [0.8, 0.8, 1.5, 1.5, 0.8], color=COLORS["domain"], ls="--", lw=1,
            label="Omega")
    ax.plot([p["mean_min"], p["mean_max"], p["mean_max"], p["mean_min"], p["mean_min"]],
            [p["var_min"], p["var_min"], p["var_max"], p["var_max"], p["var_min"]], color=COLORS["published"], lw=2.5,
            ls=":", label=f"published: [{p['mean_min']}, {p['mean_max']}] x [{p['var_min']}, {p['var_max']}]")
    cm0, cm1, cv0, cv1 = c["mean_min"][0], c["mean_max"][1], c["var_min"][0], c["var_max"][1]
    ax.plot([cm0, cm1, cm1, cm0, cm0], [cv0, cv0, cv1, cv1, cv0], color=COLORS["certified"], lw=1.0,
            label=f"certified: [{cm0:.5f}, {cm1:.5f}] x [{cv0:.5f}, {cv1:.5f}]")
    ax.set_xlabel(r"$\tilde\mu$")
    ax.set_ylabel(r"$\tilde\nu$")
    ax.set_title("(d) Thm 1: g maps Omega into itself")
    ax.set_xlim(-0.11, 0.2)
    ax.legend(fontsize=6, loc="lower right")
    fig.suptitle(f"colour: float64 grids (evidence); stars and green rectangle: Arb certification "
                 f"(proof, enclosure width <= {d['tolerance']:g})", fontsize=8)
    return fig
