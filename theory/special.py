r"""The special functions of the moment map: ``erfcx`` and ``exp(A)*erfc(B)``.

.. math::

   \operatorname{erfcx}(x) = e^{x^2}\operatorname{erfc}(x), \qquad
   \operatorname{exp\_erfc}(A, D, B) = e^{A}\operatorname{erfc}(B)
   = \begin{cases} e^{D}\,\operatorname{erfcx}(B) & B \ge 0,\\
                   e^{A}\,\operatorname{erfc}(B) & B < 0, \end{cases}

where ``D = A - B^2`` is supplied already simplified (the code generator does this), so the
product never overflows: for ``B >= 0`` both factors are at most 1 in the SELU map, and for
``B < 0`` ``erfc(B)`` lies in ``(1, 2)``.

Float64 kernels are written once, with ``math`` only, and compiled by whichever decorator
the caller passes (``numba.njit`` for CPU, ``numba.cuda.jit(device=True)`` for CUDA, the
identity for plain Python); :data:`MP` holds the mpmath counterparts.

Example
-------
>>> f = make_special(lambda fn: fn)
>>> round(f.erfcx(30.0) * 30.0 * math.sqrt(math.pi), 6)   # -> 1 - 1/(2 x^2) + ...: 1 - 1/1800
0.999445
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import mpmath

#: ``erfcx`` switches to the asymptotic series above this argument (erfc underflows near 26.5)
ERFCX_ASYMPTOTIC_FROM = 26.0
#: 2**20: splitting ``x = hi + lo`` with ``hi`` on this grid makes ``hi*hi`` exact in float64
_SPLIT = 1048576.0


def make_special(jit):
    """Float64 ``erfcx`` and ``exp_erfc`` compiled with ``jit`` (see module docstring).

    Accuracy (measured in ``tests/test_special.py`` against 50-digit mpmath): ``erfcx`` has
    relative error below 1e-14 on [0, 1e6]; for ``0.5 <= x < 26`` it uses
    ``exp(hi^2) exp(lo (x + hi)) erfc(x)`` with ``hi^2`` exact, above 26 the asymptotic
    series ``1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k`` to 12 terms.
    """
    exp = math.exp
    erfc = math.erfc
    floor = math.floor
    inv_sqrt_pi = 1.0 / math.sqrt(math.pi)
    cut = ERFCX_ASYMPTOTIC_FROM
    split = _SPLIT

    @jit
    def erfcx(x):
        if x < 0.5:
            return exp(x * x) * erfc(x)
        if x < cut:
            hi = floor(x * split) / split
            lo = x - hi
            return (exp(hi * hi) * erfc(x)) * exp(lo * (x + hi))
        inv2x2 = 0.5 / (x * x)
        term = 1.0
        total = 1.0
        for k in range(1, 12):
            term = -term * (2.0 * k - 1.0) * inv2x2
            total += term
        return total * inv_sqrt_pi / x

    @jit
    def exp_erfc(a, d, b):
        if b >= 0.0:
            return exp(d) * erfcx(b)
        return exp(a) * erfc(b)

    return SimpleNamespace(erfcx=erfcx, exp_erfc=exp_erfc)


#: above this argument mpmath's erfc is replaced by the asymptotic series of erfcx (mpmath's
#: own series test overflows a float near x ~ 1e154)
_MP_ASYMPTOTIC = 10**6


def _mp_erfcx_asymptotic(x):
    r"""``erfcx(x) = 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k`` for ``x >= 10^6``.

    The series envelops erfcx for real x > 0 (the error is below the first omitted term),
    and its terms fall by at least ``10^-12`` each here, so it is summed until a term is
    below the working precision.
    """
    inv2x2 = 1 / (2 * x * x)
    term = total = mpmath.mpf(1)
    k = 0
    while abs(term) > mpmath.eps * abs(total):
        k += 1
        term = -term * (2 * k - 1) * inv2x2
        total += term
    return total / (x * mpmath.sqrt(mpmath.pi))


def _mp_exp_erfc(a, d, b):
    """mpmath ``exp(a)*erfc(b)`` with ``d = a - b^2``: mpmath's exponent range is unbounded,
    so only arguments past :data:`_MP_ASYMPTOTIC` need ``exp(d)*erfcx(b)``."""
    if b > _MP_ASYMPTOTIC:
        return mpmath.exp(d) * _mp_erfcx_asymptotic(b)
    return mpmath.exp(a) * mpmath.erfc(b)


def _mp_erfcx(x):
    if x > _MP_ASYMPTOTIC:
        return _mp_erfcx_asymptotic(x)
    return mpmath.exp(x * x) * mpmath.erfc(x)


#: the mpmath special functions, same names as :func:`make_special`'s
MP = SimpleNamespace(erfcx=_mp_erfcx, exp_erfc=_mp_exp_erfc)
