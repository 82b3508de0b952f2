r"""The SELU moment map g: (mu, nu) -> (mu~, nu~), float64 and arbitrary precision.

With ``z ~ Normal(m, s^2)``, ``m = mu*omega``, ``s^2 = nu*tau`` (the central-limit net input of
a unit with n inputs of mean mu, variance nu and weights summing to omega, squares to tau):

.. math::

   \tilde\mu = \tfrac{\lambda}{2}\Big(m\,\mathrm{erfc}\big(\tfrac{-m}{\sqrt2 s}\big)
      + \alpha e^{m + s^2/2}\mathrm{erfc}\big(\tfrac{m + s^2}{\sqrt2 s}\big)
      - \alpha\,\mathrm{erfc}\big(\tfrac{m}{\sqrt2 s}\big)
      + \sqrt{\tfrac{2}{\pi}}\, s\, e^{-m^2/(2s^2)}\Big),
   \qquad \tilde\nu = E[\mathrm{selu}(z)^2] - \tilde\mu^2,

derived by :mod:`snn_verify.theory.symbolic` and evaluated through ``erfcx`` forms and a
cancellation-free variance (:func:`snn_verify.theory.symbolic.variance_forms`).

- :func:`moment_map` -- float64, numpy-broadcasting, compiled with numba.  Measured accuracy
  against 50-digit mpmath (``tests/test_selu_map.py``): relative error below 1e-10 for the
  variance and below 1e-12 for the mean (or 1e-15 absolute where the mean is near 0) over
  ``nu in [1e-3, 100]``, ``tau in [0.1, 3]``, ``|mu*omega| <= 10``.
- :func:`moment_map_mp` -- mpmath, the same generated expressions, with a checked number of
  correct digits (:func:`snn_verify.theory.precision.evaluate`).

Example
-------
>>> mean, var = moment_map(0.0, 0.0, 1.0, 1.0)
>>> abs(float(mean)) < 1e-15, round(float(var), 12)
(True, 1.0)
"""
from __future__ import annotations

import functools

import numpy as np

from .kernels import make_kernels
from .parameters import ALPHA01, LAMBDA01, alpha01, lambda01
from .precision import evaluate
from snn_verify.errors import InputError


class DomainError(InputError):
    """An argument outside the map's domain (nu*tau must be > 0 and everything finite)."""


def check_domain(mu, omega, nu, tau, lambda_=1.0, alpha=1.0):
    """Raise :class:`DomainError` unless all arguments are finite and ``nu > 0``, ``tau > 0``."""
    arrays = [np.asarray(v, dtype=float) for v in (mu, omega, nu, tau, lambda_, alpha)]
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise DomainError("arguments must be finite numbers")
    if np.any(arrays[2] <= 0) or np.any(arrays[3] <= 0):
        raise DomainError("nu and tau must be > 0")


def broadcast_kernel(scalar_kernel, n_out):
    """Wrap a scalar numba kernel ``f(mu, omega, nu, tau, lambda_, alpha) -> tuple`` as a
    numpy-broadcasting function returning ``n_out`` float64 arrays."""
    import numba

    from .jitcache import cached

    @cached
    @numba.njit(parallel=True)
    def loop(args, out):
        for i in numba.prange(args.shape[1]):
            res = scalar_kernel(args[0, i], args[1, i], args[2, i], args[3, i], args[4, i], args[5, i])
            for k in range(n_out):
                out[k, i] = res[k]

    def apply(mu, omega, nu, tau, lambda_, alpha):
        check_domain(mu, omega, nu, tau, lambda_, alpha)
        parts = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in (mu, omega, nu, tau, lambda_, alpha)])
        shape = parts[0].shape
        args = np.ascontiguousarray(np.stack([p.ravel() for p in parts]))
        out = np.empty((n_out, args.shape[1]))
        if args.shape[1]:
            loop(args, out)
        return tuple(o.reshape(shape) for o in out)

    return apply


@functools.lru_cache(maxsize=None)
def _moment_map_float():
    return broadcast_kernel(make_kernels("cpu").moments, 2)


def moment_map(mu, omega=0.0, nu=1.0, tau=1.0, lambda_=LAMBDA01, alpha=ALPHA01):
    """``(mu~, nu~)`` as float64 arrays broadcast over all arguments."""
    return _moment_map_float()(mu, omega, nu, tau, lambda_, alpha)


def _parameter_args(lambda_, alpha):
    """Default parameters as callables, so they are recomputed at each working precision."""
    return [lambda01 if lambda_ is None else lambda_, alpha01 if alpha is None else alpha]


def moment_map_mp(mu, omega, nu, tau, lambda_=None, alpha=None, digits=50):
    """``(mu~, nu~)`` as mpf, correct to ``digits`` significant digits.

    Arguments may be strings (parsed as decimals), ints, floats (exact) or mpf;
    ``lambda_``/``alpha`` default to lambda01/alpha01 at full precision.
    """
    check_domain(*(float(v) for v in (mu, omega, nu, tau)))
    kern = make_kernels("mpmath")
    return evaluate(kern.moments, [mu, omega, nu, tau, *_parameter_args(lambda_, alpha)], digits=digits)
