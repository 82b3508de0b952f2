"""Paper Figure 2: the vector field of g for omega = 0, tau = 1.

Arrows go from ``(mu, nu)`` toward ``g(mu, nu) = (mu~, nu~)``; the fixed point (0, 1) is
marked and Theorem 1's domain ``Omega = [-0.1, 0.1] x [0.8, 1.5]`` outlined.  At omega = 0 the
net input's mean is ``m = mu*omega = 0`` whatever mu is, so ``mu~`` depends on nu only: every
arrow in a row points to the same ``mu~``.  The second panel overlays the Monte-Carlo
one-layer map (a simulated layer of finite width) on the analytic arrows.
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, new_figure

NAME = "vector_field"
CAPTION = ("Paper Fig. 2: the moment map g(mu, nu) at omega = 0, tau = 1 pulls every (mu, nu) "
           "toward the fixed point (0, 1); right: a simulated layer agrees with the arrows.")

#: the (mu, nu) window (contains Omega) and Omega itself
WINDOW = {"mu": (-0.4, 0.4), "nu": (0.6, 1.8)}
OMEGA_DOMAIN = {"mu": (-0.1, 0.1), "nu": (0.8, 1.5)}


def analytic_field(k, omega=0.0, tau=1.0):
    """``(mu, nu, dmu, dnu)`` on a ``k x k`` grid over :data:`WINDOW`: d = g(x) - x."""
    from snn_verify.theory.selu_map import moment_map

    mu, nu = np.meshgrid(np.linspace(*WINDOW["mu"], k), np.linspace(*WINDOW["nu"], k))
    mt, nt = moment_map(mu, omega, nu, tau)
    return mu, nu, mt - mu, nt - nu


def boundary_field(n=41, omega=0.0, tau=1.0):
    """Points on the boundary of Omega with their outward normals and the arrows there.

    Returns a dict of arrays ``mu, nu, normal_mu, normal_nu, dmu, dnu``; an arrow points
    inward when ``d . normal < 0``.
    """
    from snn_verify.theory.selu_map import moment_map

    (m0, m1), (n0, n1) = OMEGA_DOMAIN["mu"], OMEGA_DOMAIN["nu"]
    t = np.linspace(0, 1, n)
    edges = [
        (m0 + 0 * t, n0 + (n1 - n0) * t, -1.0, 0.0), (m1 + 0 * t, n0 + (n1 - n0) * t, 1.0, 0.0),
        (m0 + (m1 - m0) * t, n0 + 0 * t, 0.0, -1.0), (m0 + (m1 - m0) * t, n1 + 0 * t, 0.0, 1.0),
    ]
    mu = np.concatenate([e[0] for e in edges])
    nu = np.concatenate([e[1] for e in edges])
    normal_mu = np.concatenate([np.full(n, e[2]) for e in edges])
    normal_nu = np.concatenate([np.full(n, e[3]) for e in edges])
    mt, nt = moment_map(mu, omega, nu, tau)
    return {"mu": mu, "nu": nu, "normal_mu": normal_mu, "normal_nu": normal_nu, "dmu": mt - mu, "dnu": nt - nu}


def monte_carlo_field(k, opts, width, samples):
    """The empirical one-layer map (:func:`snn_verify.proofs.evidence.montecarlo.map_grid`, normalised weights,
    omega = 0, tau = 1) on a ``k x k`` grid over :data:`WINDOW`, as arrows, with its largest
    |z-score| against g."""
    from snn_verify.proofs.evidence.montecarlo import map_grid

    r = map_grid(WINDOW["mu"], WINDOW["nu"], grid=k, width=width, samples=samples, seed=opts.seed,
                 backend=opts.device)
    mu, nu = np.meshgrid(r.mu, r.nu, indexing="ij")
    emp, ana = r.empirical, r.analytic
    return {"mu": mu, "nu": nu, "dmu": emp[..., 0] - mu, "dnu": emp[..., 1] - nu, "max_abs_z": r.max_abs_z,
            "analytic_dmu": ana[..., 0] - mu, "analytic_dnu": ana[..., 1] - nu,
            "label": f"width {width}, {samples} samples, max |z| = {r.max_abs_z:.1f}",
            "backend": r.backend, "evidence": r.evidence}


def data(opts):
    k = 9 if opts.quick else 15
    mu, nu, dmu, dnu = analytic_field(k)
    mc = monte_carlo_field(7, opts, 64, 128) if opts.quick else monte_carlo_field(11, opts, 512, 512)
    return {"mu": mu, "nu": nu, "dmu": dmu, "dnu": dnu, "boundary": boundary_field(), "montecarlo": mc}


def _frame(ax):
    (m0, m1), (n0, n1) = OMEGA_DOMAIN["mu"], OMEGA_DOMAIN["nu"]
    ax.plot([m0, m1, m1, m0, m0], [n0, n0, n1, n1, n0], color=COLORS["domain"], lw=1.2, ls="--",
            label=r"$\Omega$ (Theorem 1)")
    ax.plot([0], [1], marker="*", ms=12, color=COLORS["fixed_point"], ls="none", label="fixed point (0, 1)")
    ax.set_xlabel(r"$\mu$ (mean of the unit's inputs)")
    ax.set_ylabel(r"$\nu$ (variance of the unit's inputs)")
    ax.set_xlim(WINDOW["mu"][0] - 0.03, WINDOW["mu"][1] + 0.03)
    ax.set_ylim(WINDOW["nu"][0] - 0.05, WINDOW["nu"][1] + 0.05)


def draw(d, opts):
    fig, axes = new_figure(ncols=2, width=4.4, height=3.8)
    ax = axes[0, 0]
    speed = np.hypot(d["dmu"], d["dnu"])
    q = ax.quiver(d["mu"], d["nu"], d["dmu"], d["dnu"], speed, angles="xy", scale_units="xy", scale=1,
                  width=0.006, cmap="viridis")
    fig.colorbar(q, ax=ax, label=r"$|g(\mu,\nu) - (\mu,\nu)|$", shrink=0.8)
    _frame(ax)
    ax.set_title(r"analytic map $g$ ($\omega = 0$, $\tau = 1$)")
    ax.legend(loc="upper right")

    ax = axes[0, 1]
    mc = d["montecarlo"]
    ax.quiver(mc["mu"], mc["nu"], mc["analytic_dmu"], mc["analytic_dnu"], color=COLORS["analytic"], alpha=0.45,
              angles="xy", scale_units="xy", scale=1, width=0.008, label="analytic g")
    ax.quiver(mc["mu"], mc["nu"], mc["dmu"], mc["dnu"], color=COLORS["montecarlo"], angles="xy",
              scale_units="xy", scale=1, width=0.004, label=f"simulated layer ({mc['label']})")
    _frame(ax)
    ax.set_title("analytic arrows vs Monte-Carlo one-layer map")
    ax.legend(loc="upper right", fontsize=7)
    return fig
