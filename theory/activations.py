r"""Activations in the float and Monte Carlo uses: the registry's one definition of each,
compiled for numba/CUDA, with its analytic moment map and its sampler.

Each activation is defined once, in :mod:`snn_verify.theory.activation_registry`, as a Python
function ``f(P, x, k, **params)`` over a primitives object ``P`` (one per arithmetic: float64,
numpy, mpmath, Arb).  This module adds no formula of its own.  It gives the registry's
definitions

- a **numba/CUDA form**: :func:`scalar` compiles the registry's own function with
  ``numba.njit`` or ``cuda.jit(device=True)`` (any ``jit``).  numba cannot take a Python
  object as ``P``, but it resolves attributes of a *module*: :func:`numba_primitives` is a
  module whose attributes are the registry's float64 (``python``) primitives, compiled by the
  same ``jit`` (``softplus``, ``sigmoid``, ``pi``) or left as the ``math`` functions numba
  knows (``exp``, ``expm1``, ``erf``, ``erfc``, ...), and ``const``, which numba folds from the
  decimal literal at compile time.  Helpers that a definition calls (``_silu`` calls
  ``_sigmoid``) are compiled the same way (:func:`compiled`).  Every registry activation
  compiles (CPU and the real NVVM compiler: ``tests/test_cuda_compile.py``);
- the **analytic map** ``(mu, nu) -> (E[phi(z)], Var[phi(z)])`` for ``z ~ Normal(m, s^2)``,
  ``m = mu*omega``, ``s^2 = nu*tau``, by quadrature over the standard normal split at the
  kinks (:func:`moments_quad`, float64 via scipy or mpmath at any precision), and for SELU
  also the closed form of :mod:`snn_verify.theory.selu_map`;
- the **empirical sampler**: the same moments from ``n`` samples of ``z``, with standard
  errors (:func:`sample_moments`);
- the **mean-field gradient factor** ``chi_1 = tau * E[phi'(z)^2]`` (Poole et al. 2016,
  Schoenholz et al. 2017): per layer, the expected factor by which squared gradient norms
  grow (> 1) or shrink (< 1) (:func:`chi1`).

The rigorous enclosures of the same expectations (Arb) are
:mod:`snn_verify.proofs.rigorous.expectations`.

Example
-------
>>> mean, var = moments_quad(ACTIVATIONS["relu"], 0.0, 0.0, 1.0, 1.0)
>>> round(mean, 10) == round(1 / math.sqrt(2 * math.pi), 10), round(var, 10) == round(0.5 - 1 / (2 * math.pi), 10)
(True, True)
>>> get("swish").name, scalar(ACTS["silu"], _identity)(1.0) == ACTS["silu"].value(get_primitives("python"), 1.0)
('silu', True)
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import math
import types
from dataclasses import dataclass, field

import mpmath
import numpy as np

from .activation_registry import ACTS, get as _registry_get, get_primitives
from .parameters import alpha01, lambda01
from .precision import evaluate
from snn_verify.errors import InputError


def _identity(fn):
    return fn


# --- numba: the registry's definitions compiled ----------------------------------------------

def _const(s):
    """``P.const`` of the compiled primitives: a float from a decimal literal (in numba code the
    literal is folded at compile time, :func:`_register_const`)."""
    return float(s)


@functools.lru_cache(maxsize=None)
def _register_const():
    from numba.core import types as nt
    from numba.extending import overload

    @overload(_const)
    def _ov_const(s):
        if isinstance(s, nt.StringLiteral):
            value = float(s.literal_value)
            return lambda s: value
        if isinstance(s, (nt.Float, nt.Integer)):
            return lambda s: float(s)
        return None

    return True


#: the registry's primitives the definitions use
_FIELDS = ("exp", "expm1", "tanh", "erf", "erfc", "softplus", "sigmoid", "sqrt", "pi")


@functools.lru_cache(maxsize=None)
def numba_primitives(jit=_identity):
    """The registry's float64 primitives as a module numba resolves (``P.exp``, ...):
    built-in ``math`` functions as they are, the registry's Python ones compiled by ``jit``."""
    python = get_primitives("python")
    values = {}
    for name in _FIELDS:
        fn = getattr(python, name)
        values[name] = fn if isinstance(fn, types.BuiltinFunctionType) else jit(fn)
    name = "snn_verify_activation_primitives"
    if jit is not _identity:
        _register_const()
        # the module's name carries its content: jitcache keys numba's disk cache by it
        from .jitcache import fingerprint

        name += "_" + hashlib.sha256(b"|".join(fingerprint(getattr(python, n)) for n in _FIELDS)).hexdigest()[:16]
    module = types.ModuleType(name)
    for name, fn in values.items():
        setattr(module, name, fn)
    module.const = _const
    return module


@functools.lru_cache(maxsize=None)
def compiled(fn, jit=_identity):
    """The registry function ``fn`` compiled by ``jit``, with the registry helpers it calls
    (``_sigmoid`` in ``_silu``) compiled too: the same code object, its globals rebound."""
    scope = dict(fn.__globals__)
    for name in fn.__code__.co_names:
        value = scope.get(name)
        if isinstance(value, types.FunctionType) and value.__module__ == fn.__module__:
            scope[name] = compiled(value, jit)
    copy = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return jit(copy)


def _param_tuple(act, fn, params):
    unknown = set(params) - set(act.params)
    if unknown:
        raise InputError(f"unknown parameter(s) {', '.join(sorted(unknown))} of {act.name}; "
                         f"known: {', '.join(act.params) or 'none'}")
    names = list(inspect.signature(fn).parameters)[3:]
    return tuple(float(params[n]) if n in params else float(act.params[n]) for n in names)


def scalar(act, jit=_identity, derivative=False, **params):
    """``phi`` (or ``phi'``) of the registry activation ``act`` as a scalar float64 function
    compiled by ``jit`` (``numba.njit``, ``cuda.jit(device=True)``, or none), from the
    registry's definition: the piece ``k`` is the number of kinks below ``x``."""
    act = act.act if isinstance(act, Activation) else act
    fn = act.df if derivative else act.f
    f = compiled(fn, jit)
    P = numba_primitives(jit)
    ps = _param_tuple(act, fn, params)
    kinks = tuple(float(k) for k in act.kinks)
    if not kinks:
        @jit
        def phi(x):
            return f(P, x, 0, *ps)
    else:
        @jit
        def phi(x):
            k = 0
            for kink in kinks:
                if x > kink:
                    k += 1
            return f(P, x, k, *ps)
    return phi


# --- the activations ----------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """A registry activation (:class:`snn_verify.theory.activation_registry.Act`) with the
    float, numpy, mpmath and compiled forms the quadrature, the sampler and the backends use.

    ``mp_params`` optionally gives zero-argument callables returning a parameter at the
    current mpmath precision (SELU's alpha01 and lambda01 carry more than the registry's 40
    digits)."""

    act: object
    mp_params: dict = field(default_factory=dict)

    @property
    def name(self):
        return self.act.name

    @property
    def kinks(self):
        return tuple(float(k) for k in self.act.kinks)

    @property
    def params(self):
        """The family's parameters and their defaults (decimal strings)."""
        return dict(self.act.params)

    @property
    def description(self):
        return self.act.formula

    def numpy(self, derivative=False, **params):
        """Vectorised float64 function of a numpy array."""
        P, fn = get_primitives("numpy"), self.act.derivative if derivative else self.act.value
        return lambda z: fn(P, z, **params)

    def mpmath(self, derivative=False, **params):
        """mpmath function; default parameters are taken at the current precision."""
        P, fn = get_primitives("mpmath"), self.act.derivative if derivative else self.act.value
        values = {k: (params[k] if k in params else self.mp_params[k]() if k in self.mp_params else P.const(v))
                  for k, v in self.act.params.items()}
        return lambda v: fn(P, v, **values)

    def scalar(self, jit=_identity, derivative=False, **params):
        """Scalar float function compiled by ``jit`` (numba.njit, cuda.jit(device=True)):
        :func:`scalar`."""
        return scalar(self.act, jit, derivative, **params)


#: every activation of the registry, by its registry name (``get`` takes the aliases too)
ACTIVATIONS = {name: Activation(a, {"lambda_": lambda01, "alpha": alpha01} if name == "selu" else {})
               for name, a in ACTS.items()}


def get(name):
    """The :class:`Activation` called ``name`` or an alias (``swish``); InputError listing the
    known ones otherwise."""
    try:
        return ACTIVATIONS[_registry_get(name).name]
    except ValueError:
        raise InputError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None


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
    with np.errstate(over="ignore", invalid="ignore"):  # the pieces are evaluated everywhere
        y = act.numpy(**params)(z)
    mean = float(np.mean(y))
    c = y - mean
    var = float(np.mean(c * c))
    m4 = float(np.mean(c**4))
    return {"mean": mean, "var": var, "stderr_mean": math.sqrt(var / n),
            "stderr_var": math.sqrt(max(m4 - var * var, 0.0) / n)}
