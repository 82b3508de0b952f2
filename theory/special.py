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


def _mp_exp_erfc(a, d, b):
    """mpmath ``exp(a)*erfc(b)``: its exponent range is unbounded, so no rewriting is needed."""
    return mpmath.exp(a) * mpmath.erfc(b)


def _mp_erfcx(x):
    return mpmath.exp(x * x) * mpmath.erfc(x)


#: the mpmath special functions, same names as :func:`make_special`'s
MP = SimpleNamespace(erfcx=_mp_erfcx, exp_erfc=_mp_exp_erfc)
