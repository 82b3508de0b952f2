r"""The Jacobian of g, its spectral norm, and the partials in omega and tau.

.. math::

   J(\mu, \nu) = \begin{pmatrix}
      \partial\tilde\mu/\partial\mu & \partial\tilde\mu/\partial\nu \\
      \partial\tilde\nu/\partial\mu & \partial\tilde\nu/\partial\nu \end{pmatrix},
   \qquad
   \|J\|_2 = \tfrac12\Big(\sqrt{(a+d)^2 + (c-b)^2} + \sqrt{(a-d)^2 + (b+c)^2}\Big)

for ``J = [[a, b], [c, d]]``.  All partials are sympy derivatives of the closed forms
(:func:`snn_verify.theory.symbolic.with_derivatives`), in ``m`` and ``s^2`` and mapped by the chain rule
(:mod:`snn_verify.theory.kernels`).  At ``(mu, omega, nu, tau) = (0, 0, 1, 1)`` the paper's notebook has
``J = [[0, 0.0888348], [0, 0.782648]]`` and ``||J|| = 0.787673``.

Example
-------
>>> J = jacobian(0.0, 0.0, 1.0, 1.0)
>>> [round(float(v), 6) for v in J.ravel()], round(float(spectral_norm(J)), 6)
([0.0, 0.088835, 0.0, 0.782648], 0.787673)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .kernels import make_kernels
from .parameters import ALPHA01, LAMBDA01
from .precision import evaluate, to_decimal
from .selu_map import _parameter_args, broadcast_kernel, check_domain

#: order of :func:`partials` outputs after (mean, var)
PARTIAL_NAMES = (
    "dmean_dmu", "dmean_domega", "dmean_dnu", "dmean_dtau",
    "dvar_dmu", "dvar_domega", "dvar_dnu", "dvar_dtau",
)


@functools.lru_cache(maxsize=None)
def _float_kernels():
    k = make_kernels("cpu")
    return broadcast_kernel(k.jacobian, 6), broadcast_kernel(k.partials, 10)


def jacobian(mu, omega=0.0, nu=1.0, tau=1.0, lambda_=LAMBDA01, alpha=ALPHA01):
    """J as a float64 array of shape ``broadcast_shape + (2, 2)``."""
    _, _, a, b, c, d = _float_kernels()[0](mu, omega, nu, tau, lambda_, alpha)
    return np.stack([np.stack([a, b], -1), np.stack([c, d], -1)], -2)


def partials(mu, omega=0.0, nu=1.0, tau=1.0, lambda_=LAMBDA01, alpha=ALPHA01):
    """``{"mean", "var", "dmean_dmu", ..., "dvar_dtau"}`` as float64 arrays (see PARTIAL_NAMES)."""
    out = _float_kernels()[1](mu, omega, nu, tau, lambda_, alpha)
    return dict(zip(("mean", "var") + PARTIAL_NAMES, out))


def spectral_norm(J):
    """Largest singular value of ``J[..., 2, 2]`` by the closed form above (float64)."""
    J = np.asarray(J, dtype=float)
    a, b, c, d = J[..., 0, 0], J[..., 0, 1], J[..., 1, 0], J[..., 1, 1]
    return 0.5 * (np.hypot(a + d, c - b) + np.hypot(a - d, b + c))


def _point_here(mu, omega, nu, tau, lambda_, alpha):
    k = make_kernels("mpmath")
    mean, var, a, b, c, d = k.jacobian(mu, omega, nu, tau, lambda_, alpha)
    return mean, var, a, b, c, d, k.spectral_norm(a, b, c, d)


def point_mp(mu, omega, nu, tau, lambda_=None, alpha=None, digits=50):
    """Everything at one point, mpf to ``digits`` digits.

    Returns ``{"mean", "variance", "jacobian": [[a, b], [c, d]], "spectral_norm"}``.
    """
    check_domain(*(float(v) for v in (mu, omega, nu, tau)))
    mean, var, a, b, c, d, norm = evaluate(
        _point_here, [mu, omega, nu, tau, *_parameter_args(lambda_, alpha)], digits=digits
    )
    return {"mean": mean, "variance": var, "jacobian": [[a, b], [c, d]], "spectral_norm": norm}


def partials_mp(mu, omega, nu, tau, lambda_=None, alpha=None, digits=50):
    """:func:`partials` in mpmath, to ``digits`` digits."""
    check_domain(*(float(v) for v in (mu, omega, nu, tau)))
    out = evaluate(make_kernels("mpmath").partials, [mu, omega, nu, tau, *_parameter_args(lambda_, alpha)],
                   digits=digits)
    return dict(zip(("mean", "var") + PARTIAL_NAMES, out))


@dataclass(frozen=True)
class Point:
    """g, its Jacobian and spectral norm at one point, as decimal strings of ``digits``
    significant digits (:func:`point`)."""

    mean: str
    variance: str
    jacobian: tuple
    spectral_norm: str
    inputs: dict
    digits: int
    exit_code = 0

    def to_json(self):
        return {"mean": self.mean, "variance": self.variance, "jacobian": [list(r) for r in self.jacobian],
                "spectral_norm": self.spectral_norm, "inputs": dict(self.inputs), "digits": self.digits}

    def render(self):
        (a, b), (c, d) = self.jacobian
        return "\n".join([f"mean          = {self.mean}", f"variance      = {self.variance}",
                          f"jacobian      = [[{a}, {b}],", f"                 [{c}, {d}]]",
                          f"spectral_norm = {self.spectral_norm}"])


def point(mu=0, omega=0, nu=1, tau=1, lambda_=None, alpha=None, digits=50):
    """:func:`point_mp` at decimal-string inputs, as a :class:`Point` of decimal strings
    (``lambda_``/``alpha`` ``None``: lambda01/alpha01; the default point is the fixed point
    (0, 1) at normalised weights).

    >>> p = point("0", "0", "1", "1", digits=12)
    >>> p.variance, p.jacobian[1][1]
    ('1.00000000000', '0.782647883197')
    """
    p = point_mp(mu, omega, nu, tau, lambda_, alpha, digits=digits)
    return Point(mean=to_decimal(p["mean"], digits), variance=to_decimal(p["variance"], digits),
                 jacobian=tuple(tuple(to_decimal(v, digits) for v in row) for row in p["jacobian"]),
                 spectral_norm=to_decimal(p["spectral_norm"], digits),
                 inputs={"mu": mu, "omega": omega, "nu": nu, "tau": tau,
                         "lambda": lambda_ or "lambda01", "alpha": alpha or "alpha01"}, digits=digits)
