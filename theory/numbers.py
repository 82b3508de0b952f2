r"""Number systems: one object per arithmetic, over which the generated expressions are built.

As mpmath has one context per number system, the verifier has one :class:`NumberSystem` per
arithmetic it runs the sympy-generated expressions (:mod:`snn_verify.theory._selu_generated`)
in.  Each supplies the primitives the expressions use,

.. math::

   \exp,\quad \sqrt{\cdot},\quad \operatorname{exp\_erfc}(A, D, B) = e^{A}\operatorname{erfc}(B)
   = e^{D}\operatorname{erfcx}(B)\ \ (D = A - B^2),\quad \pi,\quad 1,

and a ``jit`` decorator that compiles each generated function for it:

=============  =====================================================  =====================
name           arithmetic                                             compiled by
=============  =====================================================  =====================
``python``     float64 scalars (``math``)                              nothing
``numpy``      float64 arrays (numpy, scipy.special)                   nothing
``numba_cpu``  float64 scalars in numba-compiled CPU code             ``numba.njit``
``numba_cuda`` float64 scalars in CUDA device code                    ``cuda.jit(device)``
``mpmath``     arbitrary precision at the caller's ``mp.dps``         nothing
=============  =====================================================  =====================

Arb ball arithmetic (python-flint), the arithmetic of proofs, is built the same way by
:mod:`snn_verify.proofs.rigorous.ball`: its ``exp_erfc`` is part of the rigorous trusted
base and lives there.

Example
-------
>>> gen = get("python").generated()
>>> mean, var = gen["moments_mpos"](0.0, 1.0, 1.0507009873554805, 1.6732632423543772)
>>> abs(mean) < 1e-15 and abs(var - 1.0) < 1e-14
True
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable

import mpmath
import numpy as np

from . import _selu_generated
from .special import MP, make_special


def _identity(fn):
    return fn


@dataclass(frozen=True)
class NumberSystem:
    """The primitives of one arithmetic and the decorator that compiles for it."""

    name: str
    exp: Callable
    sqrt: Callable
    exp_erfc: Callable
    pi: Any
    one: Any
    jit: Callable = _identity

    def generated(self):
        """The generated functions (``moments_mneg``, ``moments_d1_mpos``, ...) built over
        this number system: a dict of name -> function of ``(m, s, lambda_, alpha)``."""
        return _selu_generated.build(self.exp, self.sqrt, self.exp_erfc, self.pi, self.one, self.jit)


def _np_exp_erfc(a, d, b):
    """``exp(a) erfc(b)`` elementwise: ``exp(d) erfcx(b)`` where ``b >= 0`` (``d = a - b^2``)."""
    from scipy.special import erfc, erfcx

    a, d, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, d, b)))
    out = np.empty(b.shape)
    pos = b >= 0
    out[pos] = np.exp(d[pos]) * erfcx(b[pos])
    out[~pos] = np.exp(a[~pos]) * erfc(b[~pos])
    return out


def _float64(name, jit):
    return NumberSystem(name, math.exp, math.sqrt, make_special(jit).exp_erfc, math.pi, 1.0, jit)


def _numba_cpu():
    import numba

    return _float64("numba_cpu", numba.njit(cache=False, fastmath=False))


def _numba_cuda():
    from numba import cuda

    return _float64("numba_cuda", cuda.jit(device=True))


_FACTORIES = {
    "python": lambda: _float64("python", _identity),
    "numpy": lambda: NumberSystem("numpy", np.exp, np.sqrt, _np_exp_erfc, np.pi, 1.0),
    "numba_cpu": _numba_cpu,
    "numba_cuda": _numba_cuda,
    "mpmath": lambda: NumberSystem("mpmath", mpmath.exp, mpmath.sqrt, MP.exp_erfc, mpmath.pi, mpmath.mpf(1)),
}
#: the number systems :func:`get` knows
NAMES = tuple(_FACTORIES)


@functools.lru_cache(maxsize=None)
def get(name):
    """The :class:`NumberSystem` called ``name`` (one of :data:`NAMES`; one object each)."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ValueError(f"unknown number system {name!r}; known: {', '.join(NAMES)}") from None
    return factory()
