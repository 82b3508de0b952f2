"""Arbitrary-precision evaluation with a checked number of correct digits (mpmath).

:func:`evaluate` runs a function of mpf arguments at two working precisions, ``digits + 20``
and ``digits + 40`` decimal digits, and accepts the result only when the two runs agree to
``10^-(digits+2)`` relative, or to ``10^-(digits+10)`` absolute (a quantity that is exactly
zero, such as the mean at the fixed point, is only ever known to an absolute accuracy);
values below that absolute floor are returned as 0.  Otherwise it keeps doubling the guard
digits, and raises :class:`PrecisionError` after a few rounds.
Arguments given as strings are parsed at the working precision, so ``"0.1"`` means the
decimal one tenth, not the nearest binary float.

Example
-------
>>> import mpmath
>>> v = evaluate(lambda x: mpmath.exp(x) - 1, ["1e-30"], digits=20)
>>> mpmath.nstr(v, 5)
'1.0e-30'
"""
from __future__ import annotations

import mpmath


class PrecisionError(ArithmeticError):
    """The requested digits could not be confirmed by two working precisions."""


def to_mpf(x):
    """Exact conversion of a float/int, decimal parse of a string, at the current ``mp.dps``."""
    if isinstance(x, (mpmath.mpf,)):
        return +x
    return mpmath.mpf(x)


def _flatten(value):
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out.extend(_flatten(v))
        return out
    return [value]


def _floor(digits):
    return mpmath.mpf(10) ** (-(digits + 10))


def _agree(a, b, digits):
    tol = mpmath.mpf(10) ** (-(digits + 2))
    flat_a, flat_b = _flatten(a), _flatten(b)
    if len(flat_a) != len(flat_b):
        return False
    for x, y in zip(flat_a, flat_b):
        if abs(x - y) > max(tol * max(abs(x), abs(y)), _floor(digits)):
            return False
    return True


def _clean(value, floor):
    if isinstance(value, (list, tuple)):
        return type(value)(_clean(v, floor) for v in value)
    if isinstance(value, mpmath.mpf) and abs(value) < floor:
        return mpmath.mpf(0)
    return value


def evaluate(fn, args, digits=50, max_rounds=4):
    """``fn(*mpf(args))`` to ``digits`` significant digits, confirmed at two precisions.

    ``args`` may hold callables, which are called (with no argument) at the working
    precision; use that for constants such as alpha01 that must be recomputed at each
    precision.  Returns ``fn``'s value computed at the higher precision (lists and tuples
    of mpf, nested, are compared and cleaned element-wise).
    """
    guard = 20
    for _ in range(max_rounds):
        results = []
        for dps in (digits + guard, digits + 2 * guard):
            with mpmath.workdps(dps):
                vals = [a() if callable(a) else to_mpf(a) for a in args]
                results.append(fn(*vals))
        if _agree(results[0], results[1], digits):
            return _clean(results[1], _floor(digits))
        guard *= 2
    raise PrecisionError(f"could not confirm {digits} digits (guard up to {guard} digits)")


def to_decimal(x, digits=50):
    """A decimal string of ``x`` with ``digits`` significant digits (mpmath.nstr, no padding)."""
    return mpmath.nstr(x, digits, min_fixed=-4, max_fixed=8, strip_zeros=False)
