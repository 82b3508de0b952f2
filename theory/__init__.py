"""The mathematics of self-normalising networks: the public API.

The moment map of a SELU unit (Klambauer et al. 2017) and everything derived from it.  A unit
with n inputs of mean mu and variance nu, weight sums omega = sum w_i and tau = sum w_i^2,
has net input z ~ Normal(mu*omega, nu*tau) and

    g(mu, nu) = (mu~, nu~) = (E[selu(z)], Var[selu(z)]).

=====================================  ====================================================
name                                   what
=====================================  ====================================================
``moment_map(mu, omega, nu, tau)``     g in float64 (numba), arrays broadcast
``moment_map_mp(...)``                 g with mpmath, checked to the requested digits
``jacobian``, ``spectral_norm``        J = d(mu~, nu~)/d(mu, nu) and ||J||_2 (float64)
``point_mp``                           g, J and ||J||_2 at one point to 50+ digits
``alpha01``, ``lambda01``              the SELU parameters as mpmath numbers (any digits)
``ALPHA01``, ``LAMBDA01``              the same as float64
``solve_parameters(mean, var, ...)``   (alpha, lambda) making (mean, var) a fixed point
``alpha_dropout(rate, ...)``           alpha-dropout affine correction a, b
``ACTIVATIONS``, ``chi1``              other activations and the mean-field factor chi_1
``quantities``                         the quantity registry (names, generated outputs)
``numbers``                            one number-system object per arithmetic
=====================================  ====================================================

Names are resolved on first use, so ``import snn_verify.theory`` stays light.

Example
-------
>>> from snn_verify import theory
>>> mean, var = theory.moment_map(0.0, 0.0, 1.0, 1.0)
>>> round(float(mean), 12) == 0.0, round(float(var), 12)
(True, 1.0)
"""
import importlib

_API = {
    "moment_map": "selu_map", "moment_map_mp": "selu_map", "DomainError": "selu_map",
    "jacobian": "jacobian", "partials": "jacobian", "spectral_norm": "jacobian", "point_mp": "jacobian",
    "alpha01": "parameters", "lambda01": "parameters", "alpha01_lambda01": "parameters",
    "ALPHA01": "parameters", "LAMBDA01": "parameters", "solve_parameters": "parameters",
    "NoFixedPointError": "parameters",
    "alpha_dropout": "dropout", "affine_correction": "dropout", "dropped_moments": "dropout",
    "ACTIVATIONS": "activations", "Activation": "activations", "chi1": "activations",
    "moments_quad": "activations",
}
__all__ = sorted(_API) + ["numbers", "quantities"]


def __getattr__(name):
    if name in ("numbers", "quantities"):
        return importlib.import_module(f"{__name__}.{name}")
    if name not in _API:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
