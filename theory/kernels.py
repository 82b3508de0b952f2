r"""Scalar kernels of the SELU moment map, built once over any numeric namespace.

The generated expressions (:mod:`snn_verify.theory._selu_generated`) work in ``m = mu*omega`` and
``s = sqrt(nu*tau)``.  This module adds, once, the chain rule to (mu, omega, nu, tau)

.. math::

   \partial_\mu = \omega\,\partial_m,\quad \partial_\omega = \mu\,\partial_m,\quad
   \partial_\nu = \tau\,\partial_{s^2},\quad \partial_\tau = \nu\,\partial_{s^2},

the choice between the two cancellation-free variance forms (``m < 0`` / ``m >= 0``, see
:func:`snn_verify.theory.symbolic.variance_forms`), and the
closed-form spectral norm of a 2x2 matrix ``[[a, b], [c, d]]``

.. math::

   \|J\|_2 = \tfrac12\left(\sqrt{(a+d)^2 + (c-b)^2} + \sqrt{(a-d)^2 + (b+c)^2}\right),

a sum of non-negative terms (no cancellation, unlike the eigenvalue form of J^T J).

:func:`make_kernels` compiles all of it for one backend: ``make_kernels("cpu")`` (numba.njit),
``make_kernels("cuda")`` (CUDA device functions), ``make_kernels("python")`` (plain float
Python), ``make_kernels("mpmath")`` (arbitrary precision at the caller's ``mp.dps``).

Example
-------
>>> k = make_kernels("python")
>>> mean, var = k.moments(0.0, 0.0, 1.0, 1.0, 1.0507009873554805, 1.6732632423543772)
>>> abs(mean) < 1e-15 and abs(var - 1.0) < 1e-14
True
"""
from __future__ import annotations

import functools
from types import SimpleNamespace

from . import numbers


def build_map(ns):
    """The moment map, its Jacobian and all partials over one :class:`NumberSystem`.

    Returns a namespace with (all arguments ``mu, omega, nu, tau, lambda_, alpha``):

    - ``moments`` -> ``(mean, var)``
    - ``jacobian`` -> ``(mean, var, dmean_dmu, dmean_dnu, dvar_dmu, dvar_dnu)``
    - ``partials`` -> ``(mean, var)`` then d/d(mu, omega, nu, tau) of mean, then of var
    - ``gradient_factor`` -> ``E[selu'(z)^2]`` (chi_1 = tau * this)
    - ``spectral_norm(a, b, c, d)``, ``generated`` (the raw m, s functions)
    """
    gen = ns.generated()
    sqrt, jit = ns.sqrt, ns.jit
    moments_mneg, moments_mpos = gen["moments_mneg"], gen["moments_mpos"]
    d1_mneg, d1_mpos = gen["moments_d1_mneg"], gen["moments_d1_mpos"]
    raw_gradient = gen["gradient_factor"]

    @jit
    def moments(mu, omega, nu, tau, lambda_, alpha):
        m = mu * omega
        if m < 0:
            return moments_mneg(m, sqrt(nu * tau), lambda_, alpha)
        return moments_mpos(m, sqrt(nu * tau), lambda_, alpha)

    @jit
    def d1(m, s, lambda_, alpha):
        if m < 0:
            return d1_mneg(m, s, lambda_, alpha)
        return d1_mpos(m, s, lambda_, alpha)

    @jit
    def partials(mu, omega, nu, tau, lambda_, alpha):
        mean, var, mean_m, mean_s2, var_m, var_s2 = d1(mu * omega, sqrt(nu * tau), lambda_, alpha)
        return (
            mean, var,
            omega * mean_m, mu * mean_m, tau * mean_s2, nu * mean_s2,
            omega * var_m, mu * var_m, tau * var_s2, nu * var_s2,
        )

    @jit
    def jacobian(mu, omega, nu, tau, lambda_, alpha):
        mean, var, mean_m, mean_s2, var_m, var_s2 = d1(mu * omega, sqrt(nu * tau), lambda_, alpha)
        return mean, var, omega * mean_m, tau * mean_s2, omega * var_m, tau * var_s2

    @jit
    def spectral_norm(a, b, c, d):
        return (sqrt((a + d) * (a + d) + (c - b) * (c - b)) + sqrt((a - d) * (a - d) + (b + c) * (b + c))) / 2

    @jit
    def gradient_factor(mu, omega, nu, tau, lambda_, alpha):
        return raw_gradient(mu * omega, sqrt(nu * tau), lambda_, alpha)[0]

    return SimpleNamespace(
        moments=moments, partials=partials, jacobian=jacobian,
        spectral_norm=spectral_norm, gradient_factor=gradient_factor, generated=gen,
    )


#: backend names of :func:`make_kernels` -> number system (:mod:`snn_verify.theory.numbers`)
BACKENDS = {"cpu": "numba_cpu", "cuda": "numba_cuda", "python": "python", "mpmath": "mpmath"}


@functools.lru_cache(maxsize=None)
def make_kernels(backend="cpu"):
    """Compile :func:`build_map` for ``backend`` in {"cpu", "cuda", "python", "mpmath"}."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    return build_map(numbers.get(BACKENDS[backend]))
