"""Arbitrary-precision evaluation with a checked number of correct digits (mpmath).

:func:`evaluate` runs a function of mpf arguments at two working precisions, ``digits + 20``
and ``digits + 40`` decimal digits (more for arguments of extreme magnitude), and accepts
the result only when the two runs agree to ``10^-(digits+2)`` relative, or both lie below
``10^-(digits+10)`` (a quantity that is exactly zero, such as the mean at the fixed point,
is only ever known to an absolute accuracy; such values are returned as 0).  Otherwise it
keeps doubling the guard digits, and raises :class:`PrecisionError` after a few rounds.
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


def _floor(digits):
    return mpmath.mpf(10) ** (-(digits + 10))


def _agreement(x, y, digits):
    """``"relative"`` (to 10^-(digits+2)), ``"absolute"`` (both below the floor
    10^-(digits+10), e.g. an exact zero known only to the working precision) or ``None``."""
    if abs(x - y) <= mpmath.mpf(10) ** (-(digits + 2)) * max(abs(x), abs(y)):
        return "relative"
    if max(abs(x), abs(y)) <= _floor(digits):
        return "absolute"
    return None


def _checked(a, b, digits):
    """``b`` with each element that agrees with ``a`` only absolutely set to 0; ``None`` when
    some element does not agree (or the shapes differ)."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b)):
            return None
        out = [_checked(x, y, digits) for x, y in zip(a, b)]
        return None if any(v is None for v in out) else type(b)(out)
    kind = _agreement(a, b, digits)
    return None if kind is None else (mpmath.mpf(0) if kind == "absolute" else b)


def scale_guard(args):
    """Extra guard digits for arguments far from 1: cancellations in the moment formulas are
    of the relative size of the smallest input (e.g. the mean at ``nu = 1e-200`` is a term of
    size ``sqrt(nu)`` left after O(1) terms cancel), so each decimal order of magnitude of an
    argument beyond 10^+-2 buys one more digit."""
    extra = 0
    with mpmath.workdps(15):
        for a in args:
            if callable(a):
                continue
            x = to_mpf(a)
            if x and mpmath.isfinite(x):
                extra += max(0, int(abs(mpmath.log10(abs(x)))) - 2)
    return extra


def evaluate(fn, args, digits=50, max_rounds=4):
    """``fn(*mpf(args))`` to ``digits`` significant digits, confirmed at two precisions.

    ``args`` may hold callables, which are called (with no argument) at the working
    precision; use that for constants such as alpha01 that must be recomputed at each
    precision.  Returns ``fn``'s value computed at the higher precision (lists and tuples
    of mpf, nested, are compared element-wise; an element known only to the absolute floor
    is returned as 0).  The guard digits grow with the arguments' orders of magnitude
    (:func:`scale_guard`), so tiny and huge inputs are computed past their cancellations.
    """
    guard = 20
    base = digits + scale_guard(args)
    for _ in range(max_rounds):
        results = []
        for dps in (base + guard, base + 2 * guard):
            with mpmath.workdps(dps):
                vals = [a() if callable(a) else to_mpf(a) for a in args]
                results.append(fn(*vals))
        checked = _checked(results[0], results[1], digits)
        if checked is not None:
            return checked
        guard *= 2
    raise PrecisionError(f"could not confirm {digits} digits (guard up to {guard} digits)")


def to_decimal(x, digits=50):
    """A decimal string of ``x`` with ``digits`` significant digits (mpmath.nstr, no padding)."""
    return mpmath.nstr(x, digits, min_fixed=-4, max_fixed=8, strip_zeros=False)
