r"""Activations defined once, over any number system: value, derivative, kinks, growth bounds.

Each :class:`Act` is written once as a Python function of a :class:`Primitives` object
(``P.exp``, ``P.expm1``, ``P.tanh``, ``P.erf``, ``P.erfc``, ``P.softplus``, ``P.sigmoid``,
``P.sqrt``, ``P.const``), the argument ``x`` and the *piece* ``k`` (the number of kinks left
of ``x``; on the integration pieces of a rigorous integral it is fixed, so the integrand is
analytic there).  As
mpmath has one context per arithmetic and :mod:`snn_verify.theory.numbers` one
``NumberSystem`` per arithmetic for the generated SELU forms, this module has one
``Primitives`` per arithmetic for the activations:

==========  =========================================  ==============================  ===========================
name        arithmetic                                 ``softplus(x) = log(1 + e^x)``  ``sigmoid(x) = 1/(1+e^-x)``
==========  =========================================  ==============================  ===========================
``python``  float64 scalars (``math``)                 ``max(x,0) + log1p(e^-|x|)``    ``e = e^-|x|``:
                                                                                       ``(1 or e) / (1 + e)``
``numpy``   float64 arrays (numpy, scipy.special)      ``np.logaddexp(0, x)``          the same, by ``np.where``
``mpmath``  the caller's ``mp.dps``                    ``log1p(exp(x))``               ``1 / (1 + exp(-x))``
``arb``     Arb complex balls (python-flint ``acb``)   ``log1p(exp(x))``, non-finite   ``(1 + tanh(x/2)) / 2``
                                                       where ``|Im x| >= 3`` (the
                                                       branch cut is at ``Im x = +-pi``)
==========  =========================================  ==============================  ===========================

``erfc`` is each system's own (``math.erfc``, ``scipy.special.erfc``, ``mpmath.erfc``,
``acb.erfc``).  No float form subtracts nearly equal numbers (no cancellation in a tail):
gelu is ``x erfc(-x/sqrt 2) / 2`` (not ``1 + erf``), gelu_tanh ``x sigma(2u)``
(``1 + tanh(u) = 2 sigma(2u)``), silu ``x sigma(x)``, and the derivatives
``sigma' = sigma(x) sigma(-x)``, ``tanh' = 4 sigma(2x) sigma(-2x)`` (not ``1 - tanh^2``).
sigmoid, silu and tanh are within a few ulps; gelu and gelu_tanh within about their condition
number for ``x < 0`` (``x^2`` and ``6 c k |x|^3``: one rounding of the argument of erfc or
sigma moves them that many ulps), like the frameworks' erf form of gelu
(``verify.py frameworks --activations``).  ``P.sigmoid`` branches on the sign of ``x`` only in
float64 (the scalar form, which numba compiles, and numpy's), where ``e^{-x}`` would overflow
(``math.exp`` raises); the mpmath and Arb forms have no branch, so a ball straddling 0 needs no
piece (Arb's is the tanh form: a ball's cancellation costs relative width in the far left
tail, not correctness, and Arb's tanh encloses more tightly on the integrator's complex
balls).

(Arb's primitives are made by :func:`arb_primitives`, which imports python-flint only when
called; the rigorous integrals of :mod:`snn_verify.proofs.rigorous.expectations` use them.)

The activations (``x`` real; ``sigma`` the logistic sigmoid, ``Phi`` the standard normal
CDF, ``sp(x) = log(1 + e^x)``):

==============  ==================================================  =====  =============  =============
name            phi(x)                                              kinks  abs(phi) <=    abs(phi') <=
==============  ==================================================  =====  =============  =============
selu            lambda x (x>0); lambda alpha (e^x - 1) (x<=0)       0      la*al + la|x|  la*max(1,al)
elu             x (x>0); alpha (e^x - 1) (x<=0), alpha = 1          0      al + |x|       max(1, al)
celu            x (x>0); alpha (e^(x/alpha) - 1) (x<=0), alpha = 1  0      al + |x|       1
relu            max(x, 0)                                           0      abs(x)         1
leaky_relu      x (x>0); slope x (x<=0), slope = 0.01 (<= 1)        0      abs(x)         1
gelu            x Phi(x) = x (1 + erf(x/sqrt 2)) / 2                -      abs(x)         1.25
gelu_tanh       x (1 + tanh(c (x + 0.044715 x^3))) / 2,             -      abs(x)         1.5
                c = sqrt(2/pi)
silu (swish)    x sigma(x)                                          -      abs(x)         1.25
mish            x tanh(sp(x))                                       -      abs(x)         2
softplus        sp(x)                                               -      1 + abs(x)     1
tanh            tanh(x)                                             -      1              1
sigmoid         sigma(x) = 1 / (1 + e^-x) = (1 + tanh(x/2)) / 2     -      1              1/4
==============  ==================================================  =====  =============  =============

The growth bounds ``|phi(x)| <= a + b|x|`` and ``|phi'(x)| <= a' + b'|x|`` hold for every
real x; they bound the Gaussian tails of the rigorous integrals.  Their proofs:
``|x g(x)| <= |x|`` for ``g`` in ``[0, 1]`` (gelu, gelu_tanh, silu, mish: ``tanh(sp) in (0, 1)``);
``sp(x) <= log 2 + max(x, 0)``; gelu' ``= Phi(x) + x varphi(x)`` with ``|x varphi(x)| <=
varphi(1) < 0.25``; silu' ``= sigma + x sigma (1 - sigma)`` with ``|x| sigma(1-sigma) =
|x| / (4 cosh^2(x/2)) < 0.23``; mish' ``= tanh(sp) + x sech^2(sp) sigma(x)``: for ``x > 0``,
``sp >= x`` so the second term is ``<= 4 x e^{-2x} <= 2/e``, for ``x < 0`` it is
``<= |x| e^x <= 1/e``; gelu_tanh' ``= (1 + t)/2 + x (1 - t^2) u'(x) / 2`` with
``u = c (x + k x^3)``, ``|x| <= |u|/c``, ``u' <= c + 3 k u^2 / c``, so the second term is at
most ``(|u| + (3k/c^2) |u|^3) sech^2(u) / 2 <= (0.45 + 0.211 * 0.62) / 2 < 0.3``
(``max |u| sech^2 u < 0.45``, ``max |u|^3 sech^2 u < 0.62``; the tests check these maxima).

Example
-------
>>> P = get_primitives("python")
>>> round(ACTS["gelu"].value(P, 1.0), 10), round(ACTS["selu"].value(P, -1.0), 10)
(0.8413447461, -1.1113307378)
>>> ACTS["relu"].kinks, ACTS["tanh"].growth
((0,), (1, 0))
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import mpmath
import numpy as np

from .parameters import ALPHA01, LAMBDA01
from snn_verify.errors import InputError


@dataclass(frozen=True)
class Primitives:
    """The primitives of one arithmetic that the activations are written in."""

    name: str
    exp: Callable
    expm1: Callable
    tanh: Callable
    erf: Callable
    erfc: Callable
    softplus: Callable
    #: the logistic sigmoid ``1 / (1 + e^-x)``, without overflow or cancellation
    sigmoid: Callable
    sqrt: Callable
    #: a number of this system from a decimal string (exact where the system can be)
    const: Callable
    #: pi in this system (a zero-argument function: at the current precision)
    pi: Callable
    #: ``where(cond, a, b)``: elementwise choice (numpy); scalars use Python's ``if``
    vectorised: bool = False


def _py_softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _py_sigmoid(x):
    e = math.exp(-abs(x))
    return (1.0 if x >= 0 else e) / (1.0 + e)


def _py_tanh(x):
    return math.tanh(x)


def _np_sigmoid(x):
    # as _py_sigmoid (scipy's expit is faster but 0 below x = -709: x sigma(x) and
    # gelu_tanh' lose their normal values just above the underflow)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _numpy_primitives():
    from scipy.special import erf, erfc

    return Primitives("numpy", np.exp, np.expm1, np.tanh, erf, erfc, lambda x: np.logaddexp(0.0, x), _np_sigmoid,
                      np.sqrt, float, lambda: math.pi, True)


def arb_primitives():
    """Primitives over python-flint's ``acb`` (complex balls), for rigorous integration."""
    from flint import acb, arb

    def softplus(x):
        x = acb(x)
        if not abs(x.imag).upper() < 3:  # log1p(e^x) is analytic for |Im x| < pi only
            return acb("nan")
        return x.exp().log1p()

    def sigmoid(x):
        # a ball has no rounding cancellation: Arb's tanh encloses tightly on the complex balls
        # of the integrator (1 / (1 + e^-x) widened them and slowed gelu_tanh's integrals 5-10x)
        return (1 + (acb(x) / 2).tanh()) / 2

    return Primitives("arb", lambda x: acb(x).exp(), lambda x: acb(x).expm1(), lambda x: acb(x).tanh(),
                      lambda x: acb(x).erf(), lambda x: acb(x).erfc(), softplus, sigmoid,
                      lambda x: acb(x).sqrt(), lambda s: acb(arb(str(s))), lambda: acb.pi())


_FACTORIES = {
    "python": lambda: Primitives("python", math.exp, math.expm1, _py_tanh, math.erf, math.erfc, _py_softplus,
                                 _py_sigmoid, math.sqrt, float, lambda: math.pi),
    "numpy": _numpy_primitives,
    "mpmath": lambda: Primitives("mpmath", mpmath.exp, mpmath.expm1, mpmath.tanh, mpmath.erf, mpmath.erfc,
                                 lambda x: mpmath.log1p(mpmath.exp(x)), lambda x: 1 / (1 + mpmath.exp(-x)),
                                 mpmath.sqrt, mpmath.mpf, lambda: +mpmath.pi),
}
#: number systems :func:`get_primitives` knows (``arb`` too: built on first use)
NAMES = ("python", "numpy", "mpmath", "arb")


@functools.lru_cache(maxsize=None)
def get_primitives(name):
    """The :class:`Primitives` called ``name`` (one of :data:`NAMES`)."""
    if name == "arb":
        return arb_primitives()
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ValueError(f"unknown number system {name!r}; known: {', '.join(NAMES)}") from None


@dataclass(frozen=True)
class Act:
    """One activation, written once (module docstring).

    ``f(P, x, k, **params)`` and ``df(P, x, k, **params)`` are the value and the derivative
    on piece ``k`` (``k`` = number of kinks ``< x``); ``params`` are the family's parameters
    with decimal-string defaults; ``growth = (a, b)`` and ``dgrowth = (a', b')`` the growth
    bounds (functions of the parameters where they depend on them: ``growth_of``).
    """

    name: str
    formula: str
    f: Callable
    df: Callable
    kinks: tuple = ()
    growth: Any = (0, 1)
    dgrowth: Any = (1, 0)
    params: dict = field(default_factory=dict)
    #: "elu-like" (solve for (lambda, alpha)) or "scale-shift" (lambda (f - beta))
    family: str = "scale-shift"
    #: the derivative of f in the family parameter alpha (elu-like families)
    dalpha: Callable | None = None
    aliases: tuple = ()

    def param_values(self, P, **params):
        """The parameters as numbers of ``P`` (``params`` overriding the defaults)."""
        return {k: params[k] if k in params else P.const(v) for k, v in self.params.items()}

    def piece(self, x):
        """The piece of a real float/mpf ``x``: the number of kinks below it."""
        return sum(1 for k in self.kinks if x > k)

    def growth_of(self, **params):
        """``(a, b)`` and ``(a', b')`` at the given parameters (numbers supporting max/*)."""
        g, dg = self.growth, self.dgrowth
        return (g(**params) if callable(g) else g), (dg(**params) if callable(dg) else dg)

    def _eval(self, fn, P, x, piece, params):
        vals = self.param_values(P, **params)
        if P.vectorised:
            x = np.asarray(x, dtype=float)
        if piece is not None or not self.kinks:
            return fn(P, x, piece or 0, **vals)
        if P.vectorised:
            with np.errstate(all="ignore"):
                out = fn(P, x, 0, **vals)
                for i, k in enumerate(self.kinks):
                    out = np.where(x > k, fn(P, x, i + 1, **vals), out)
            return out
        return fn(P, x, self.piece(x), **vals)

    def value(self, P, x, piece=None, **params):
        """``phi(x)`` in the number system ``P`` (``piece`` fixed, or from ``x`` when real)."""
        return self._eval(self.f, P, x, piece, params)

    def derivative(self, P, x, piece=None, **params):
        """``phi'(x)`` (on a kink: the derivative of the piece ``piece`` or of the left piece)."""
        return self._eval(self.df, P, x, piece, params)

    def d_alpha(self, P, x, piece=None, **params):
        """``d phi / d alpha`` (elu-like families)."""
        return self._eval(self.dalpha, P, x, piece, params)


# --- the definitions -----------------------------------------------------------------------

def _max(a, b):
    """``max`` of numbers or Arb balls (an upper bound for balls: Arb's max)."""
    if hasattr(a, "mid") or hasattr(b, "mid"):
        from flint import arb

        return arb.max(arb(a), arb(b)) if not hasattr(a, "imag") else arb.max(arb(a.real), arb(b))
    return max(a, b)


def _selu(P, x, k, lambda_, alpha):
    return lambda_ * x if k else lambda_ * alpha * P.expm1(x)


def _dselu(P, x, k, lambda_, alpha):
    return lambda_ + 0 * x if k else lambda_ * alpha * P.exp(x)


def _elu(P, x, k, alpha):
    return x if k else alpha * P.expm1(x)


def _delu(P, x, k, alpha):
    return 1 + 0 * x if k else alpha * P.exp(x)


def _elu_dalpha(P, x, k, alpha):
    return 0 * x if k else P.expm1(x)


def _celu(P, x, k, alpha):
    return x if k else alpha * P.expm1(x / alpha)


def _dcelu(P, x, k, alpha):
    return 1 + 0 * x if k else P.exp(x / alpha)


def _celu_dalpha(P, x, k, alpha):
    if k:
        return 0 * x
    y = x / alpha
    return P.expm1(y) - y * P.exp(y)


def _relu(P, x, k):
    return x if k else 0 * x


def _drelu(P, x, k):
    return 1 + 0 * x if k else 0 * x


def _leaky(P, x, k, slope):
    return x if k else slope * x


def _dleaky(P, x, k, slope):
    return 1 + 0 * x if k else slope + 0 * x


def _gelu(P, x, k):
    # erfc(-x / sqrt 2) = 1 + erf(x / sqrt 2), without the cancellation for x < 0
    return x * P.erfc(-x / P.sqrt(P.const("2"))) / 2


def _dgelu(P, x, k):
    two = P.const("2")
    return P.erfc(-x / P.sqrt(two)) / 2 + x * P.exp(-x * x / 2) / P.sqrt(two * P.pi())



_GELU_K = "0.044715"


def _gelu_tanh(P, x, k):
    # (1 + tanh u) / 2 = sigma(2u), u = c (x + k x^3): no cancellation for x < 0
    c = P.sqrt(2 / P.pi())
    return x * P.sigmoid(2 * c * (x + P.const(_GELU_K) * x * x * x))


def _dgelu_tanh(P, x, k):
    # (1 + t) / 2 = sigma(2u), (1 - t^2) / 2 = 2 sigma(2u) sigma(-2u)
    kk = P.const(_GELU_K)
    c = P.sqrt(2 / P.pi())
    v = 2 * c * (x + kk * x * x * x)
    s = P.sigmoid(v)
    return s + 2 * x * s * P.sigmoid(-v) * c * (1 + 3 * kk * x * x)


def _sigmoid(P, x, k):
    return P.sigmoid(x)


def _dsigmoid(P, x, k):
    # sigma (1 - sigma), with 1 - sigma(x) = sigma(-x) (no cancellation for x > 0)
    return P.sigmoid(x) * P.sigmoid(-x)


def _silu(P, x, k):
    return x * _sigmoid(P, x, k)


def _dsilu(P, x, k):
    s = _sigmoid(P, x, k)
    return s + x * s * _sigmoid(P, -x, k)


def _mish(P, x, k):
    return x * P.tanh(P.softplus(x))


def _dmish(P, x, k):
    t = P.tanh(P.softplus(x))
    return t + x * (1 - t * t) * _sigmoid(P, x, k)


def _softplus(P, x, k):
    return P.softplus(x)


def _dsoftplus(P, x, k):
    return _sigmoid(P, x, k)


def _tanh(P, x, k):
    return P.tanh(x)


def _dtanh(P, x, k):
    # sech^2 x = 1 - tanh^2 x = 4 sigma(2x) sigma(-2x) (no cancellation for large |x|)
    return 4 * P.sigmoid(2 * x) * P.sigmoid(-2 * x)


#: SELU's default parameters: 40 digits of lambda01 and alpha01 (the rigorous code passes
#: the trusted balls instead)
SELU_LAMBDA = "1.050700987355480493419334985294951210206"
SELU_ALPHA = "1.673263242354377284817042991671743157640"

#: the activations, by name
ACTS = {
    a.name: a
    for a in (
        Act("selu", "lambda x (x > 0); lambda alpha (e^x - 1) (x <= 0)", _selu, _dselu, (0,),
            lambda lambda_, alpha: (lambda_ * alpha, lambda_), lambda lambda_, alpha: (lambda_ * _max(alpha, 1), 0),
            {"lambda_": SELU_LAMBDA, "alpha": SELU_ALPHA}, "elu-like"),
        Act("elu", "x (x > 0); alpha (e^x - 1) (x <= 0)", _elu, _delu, (0,),
            lambda alpha: (alpha, 1), lambda alpha: (_max(alpha, 1), 0), {"alpha": "1"}, "elu-like", _elu_dalpha),
        Act("celu", "x (x > 0); alpha (e^(x/alpha) - 1) (x <= 0)", _celu, _dcelu, (0,),
            lambda alpha: (alpha, 1), (1, 0), {"alpha": "1"}, "elu-like", _celu_dalpha),
        Act("relu", "max(x, 0)", _relu, _drelu, (0,), (0, 1), (1, 0)),
        Act("leaky_relu", "x (x > 0); slope x (x <= 0)", _leaky, _dleaky, (0,), (0, 1), (1, 0), {"slope": "0.01"}),
        Act("gelu", "x Phi(x) = x (1 + erf(x / sqrt 2)) / 2", _gelu, _dgelu, (), (0, 1), ("1.25", 0)),
        Act("gelu_tanh", "x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2", _gelu_tanh, _dgelu_tanh, (), (0, 1),
            ("1.5", 0)),
        Act("silu", "x sigma(x) (swish)", _silu, _dsilu, (), (0, 1), ("1.25", 0), aliases=("swish",)),
        Act("mish", "x tanh(log(1 + e^x))", _mish, _dmish, (), (0, 1), (2, 0)),
        Act("softplus", "log(1 + e^x)", _softplus, _dsoftplus, (), (1, 1), (1, 0)),
        Act("tanh", "tanh(x)", _tanh, _dtanh, (), (1, 0), (1, 0)),
        Act("sigmoid", "1 / (1 + e^-x) = (1 + tanh(x/2)) / 2", _sigmoid, _dsigmoid, (), (1, 0), ("0.25", 0)),
    )
}
_ALIASES = {alias: a.name for a in ACTS.values() for alias in a.aliases}


def get(name):
    """The :class:`Act` called ``name`` (or an alias: ``swish``)."""
    key = _ALIASES.get(name, name)
    try:
        return ACTS[key]
    except KeyError:
        raise InputError(f"unknown activation {name!r}; known: {', '.join(ACTS)}") from None


# the module-level float defaults agree with theory.parameters (checked at import)
assert abs(float(SELU_LAMBDA) - LAMBDA01) < 1e-15 and abs(float(SELU_ALPHA) - ALPHA01) < 1e-15
