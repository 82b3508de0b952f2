r"""Activations: each one described once, with its analytic moment map and its sampler.

Every activation ``phi`` is a sympy expression in ``x`` (``Piecewise`` where it has a kink),
from which come its float64 (numpy), mpmath and scalar-kernel (numba/CUDA) forms and its
derivative.  Following neural-tangents, each has, side by side:

- the **analytic map** ``(mu, nu) -> (E[phi(z)], Var[phi(z)])`` for ``z ~ Normal(m, s^2)``,
  ``m = mu*omega``, ``s^2 = nu*tau``, by quadrature over the standard normal split at the
  kinks (:func:`moments_quad`, float64 via scipy or mpmath at any precision), and for SELU
  also the closed form of :mod:`snn_verify.theory.selu_map`;
- the **empirical sampler**: the same moments from ``n`` samples of ``z``, with standard
  errors (:func:`sample_moments`);
- the **mean-field gradient factor** ``chi_1 = tau * E[phi'(z)^2]`` (Poole et al. 2016,
  Schoenholz et al. 2017): per layer, the expected factor by which squared gradient norms
  grow (> 1) or shrink (< 1) (:func:`chi1`).

Example
-------
>>> mean, var = moments_quad(ACTIVATIONS["relu"], 0.0, 0.0, 1.0, 1.0)
>>> round(mean, 10) == round(1 / math.sqrt(2 * math.pi), 10), round(var, 10) == round(0.5 - 1 / (2 * math.pi), 10)
(True, True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from .parameters import ALPHA01, LAMBDA01, alpha01, lambda01
from .precision import evaluate
from .symbolic import alpha as _alpha, lambda_ as _lambda

x = sp.Symbol("x", real=True)
_slope = sp.Symbol("slope", positive=True)


@dataclass(frozen=True)
class Activation:
    """One activation: ``expr`` in :data:`x`, parameters with float defaults.

    ``mp_params`` optionally gives zero-argument callables returning a parameter at the
    current mpmath precision (SELU's alpha01 and lambda01 carry more than 17 digits).
    """

    name: str
    expr: sp.Expr
    params: dict = field(default_factory=dict)
    mp_params: dict = field(default_factory=dict)
    kinks: tuple = ()
    description: str = ""
    #: optional derivative written to evaluate without overflow (tests check it equals diff)
    dexpr: sp.Expr | None = None

    def formula(self, **params):
        """The sympy expression with parameters substituted (defaults where not given)."""
        values = {sym: params.get(str(sym), default) for sym, default in self.params.items()}
        return self.expr.subs(values)

    def derivative_formula(self, **params):
        """``phi'(x)``: :attr:`dexpr` when given, else sympy's derivative of :attr:`expr`."""
        values = {sym: params.get(str(sym), default) for sym, default in self.params.items()}
        return (sp.diff(self.expr, x) if self.dexpr is None else self.dexpr).subs(values)

    def numpy(self, derivative=False, **params):
        """Vectorised float64 function of a numpy array."""
        expr = self.derivative_formula(**params) if derivative else self.formula(**params)
        return sp.lambdify(x, expr, modules=["numpy", "scipy"])

    def mpmath(self, derivative=False, **params):
        """mpmath function; default parameters are taken at the current precision."""
        values = {sym: params[str(sym)] if str(sym) in params else
                  (self.mp_params[str(sym)]() if str(sym) in self.mp_params else default)
                  for sym, default in self.params.items()}
        base = (sp.diff(self.expr, x) if self.dexpr is None else self.dexpr) if derivative else self.expr
        return sp.lambdify(x, base.subs(values), modules="mpmath")

    def scalar(self, jit, derivative=False, **params):
        """Scalar float function compiled by ``jit`` (numba.njit, cuda.jit(device=True))."""
        expr = self.derivative_formula(**params) if derivative else self.formula(**params)
        return jit(sp.lambdify(x, expr, modules="math"))


def _piecewise(pos, neg):
    return sp.Piecewise((pos, x > 0), (neg, True))


_sigmoid = 1 / (1 + sp.exp(-x))
#: sigmoid(x) (1 - sigmoid(x)) as one fraction: finite wherever exp(|x|) is
_sigmoid_slope = 1 / ((1 + sp.exp(-x)) * (1 + sp.exp(x)))


#: the activations the project studies, by name
ACTIVATIONS = {
    a.name: a
    for a in (
        Activation("selu", _piecewise(_lambda * x, _lambda * _alpha * (sp.exp(x) - 1)),
                   {_lambda: LAMBDA01, _alpha: ALPHA01}, {"lambda_": lambda01, "alpha": alpha01}, (0.0,),
                   "scaled ELU, lambda01 and alpha01 by default"),
        Activation("elu", _piecewise(x, _alpha * (sp.exp(x) - 1)), {_alpha: 1.0}, {}, (0.0,),
                   "exponential linear unit, alpha = 1"),
        Activation("relu", _piecewise(x, sp.S.Zero), {}, {}, (0.0,), "max(x, 0)"),
        Activation("leaky_relu", _piecewise(x, _slope * x), {_slope: 0.01}, {}, (0.0,),
                   "slope 0.01 for x <= 0"),
        Activation("tanh", sp.tanh(x), {}, {}, (), "hyperbolic tangent"),
        Activation("sigmoid", _sigmoid, {}, {}, (), "logistic sigmoid", _sigmoid_slope),
        Activation("gelu", x * (1 + sp.erf(x / sp.sqrt(2))) / 2, {}, {}, (), "x * Phi(x), exact (erf) form"),
        Activation("swish", x * _sigmoid, {}, {}, (), "x * sigmoid(x) (SiLU)", _sigmoid + x * _sigmoid_slope),
    )
}


def get(name):
    """The :class:`Activation` called ``name`` (ValueError listing the known ones otherwise)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None


def _breaks(act, m, s):
    return sorted((k - m) / s for k in act.kinks)


#: float quadrature runs over t in [-T, T] of the standard normal: the mass outside is
#: below 1e-340, and exp() of the activation's argument stays finite
_T = 38.0


def _expect_float(f, m, s, breaks):
    from scipy.integrate import quad

    def integrand(t):
        return f(m + s * t) * math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)

    edges = [-_T, *(b for b in breaks if -_T < b < _T), _T]
    return sum(quad(integrand, lo, hi, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
               for lo, hi in zip(edges[:-1], edges[1:]))


def _identity(fn):
    return fn


def _expect_mp(f, m, s, breaks):
    def integrand(t):
        return f(m + s * t) * mpmath.npdf(t)

    return mpmath.quad(integrand, [-mpmath.inf, *breaks, mpmath.inf])


def moments_quad(act, mu, omega, nu, tau, digits=None, **params):
    """``(E[phi(z)], Var[phi(z)])`` by quadrature; float64, or mpf to ``digits`` digits.

    The variance is integrated as ``E[(phi(z) - mean)^2]`` (no cancellation).
    """
    if digits is None:
        f = act.scalar(_identity, **params)
        m, s = mu * omega, math.sqrt(nu * tau)
        br = _breaks(act, m, s)
        mean = _expect_float(f, m, s, br)
        var = _expect_float(lambda v: (f(v) - mean) ** 2, m, s, br)
        return mean, var

    def here(mu_, omega_, nu_, tau_):
        f = act.mpmath(**params)
        m, s = mu_ * omega_, mpmath.sqrt(nu_ * tau_)
        br = _breaks(act, m, s)
        mean = _expect_mp(f, m, s, br)
        return [mean, _expect_mp(lambda v: (f(v) - mean) ** 2, m, s, br)]

    return tuple(evaluate(here, [mu, omega, nu, tau], digits=digits))


def chi1(act, mu, omega, nu, tau, digits=None, **params):
    """Mean-field gradient factor ``chi_1 = tau * E[phi'(z)^2]``, by quadrature."""
    if digits is None:
        fp = act.scalar(_identity, derivative=True, **params)
        m, s = mu * omega, math.sqrt(nu * tau)
        return tau * _expect_float(lambda v: fp(v) ** 2, m, s, _breaks(act, m, s))

    def here(mu_, omega_, nu_, tau_):
        fp = act.mpmath(derivative=True, **params)
        m, s = mu_ * omega_, mpmath.sqrt(nu_ * tau_)
        return tau_ * _expect_mp(lambda v: fp(v) ** 2, m, s, _breaks(act, m, s))

    return evaluate(here, [mu, omega, nu, tau], digits=digits)


def sample_moments(act, mu, omega, nu, tau, n=100_000, seed=0, **params):
    """Empirical ``(mean, var)`` of ``phi(z)`` from ``n`` normal samples, with standard errors.

    Returns ``{"mean", "var", "stderr_mean", "stderr_var"}``; the standard error of the
    sample variance is ``sqrt((m4 - var^2)/n)`` with ``m4`` the fourth central moment.
    """
    rng = np.random.default_rng(seed)
    z = mu * omega + math.sqrt(nu * tau) * rng.standard_normal(n)
    with np.errstate(over="ignore", invalid="ignore"):  # numpy.select evaluates every branch
        y = act.numpy(**params)(z)
    mean = float(np.mean(y))
    c = y - mean
    var = float(np.mean(c * c))
    m4 = float(np.mean(c**4))
    return {"mean": mean, "var": var, "stderr_mean": math.sqrt(var / n),
            "stderr_var": math.sqrt(max(m4 - var * var, 0.0) / n)}
