r"""The spectral norm of a 2x2 matrix of balls or Duals, and its bounds.

``||J||_2 = (p + q)/2`` with ``p = |(a+d, c-b)|`` and ``q = |(a-d, b+c)|`` (the singular
values of ``[[a, b], [c, d]]`` are ``(p +- q)/2``), met with the largest row or column norm
from below and the Frobenius norm from above (:func:`norm_bounds`).  Balls are ordered only
by Arb's comparisons.
"""
from __future__ import annotations

import functools

from flint import arb

from .arithmetic import Dual, grad_of, increasing, meet, product, value_of

def magnitudes(x):
    """Balls ``(min |x|, max |x|)`` over the ball ``x``: the first's lower end is at most, the
    second's upper end at least, the true extreme.  The two ends of ``x`` are ordered by
    Arb's own ``min``/``max`` (a float order of two ends closer than an ulp picks either,
    and once made a Frobenius bound fall below the norm)."""
    lo, hi = abs(x.lower()), abs(x.upper())
    return (arb(0) if x.contains(0) else lo.min(hi)), lo.max(hi)


def norm_bounds(a, b, c, d):
    """A ball around ``||J||_2`` from the ranges of the entries' magnitudes: at least the
    largest row or column norm, at most the Frobenius norm."""
    (la, ua), (lb, ub), (lc, uc), (ld, ud) = (magnitudes(x) for x in (a, b, c, d))
    rows_cols = [(la * la + lc * lc), (lb * lb + ld * ld), (la * la + lb * lb), (lc * lc + ld * ld)]
    lower = functools.reduce(lambda s, t: s.max(t), (x.sqrt().lower() for x in rows_cols))
    upper = (ua * ua + ub * ub + uc * uc + ud * ud).sqrt().upper()
    return lower.lower().union(upper)


def _within_unit(x, r):
    """``x / r`` where ``|x| <= r`` is known, as a ball inside [-1, 1] ([-1, 1] itself where
    ``r`` may be 0)."""
    unit = arb(0, 1)
    if not (r > 0):
        return unit
    ratio = x / r
    return ratio.intersection(unit) if ratio.is_finite() and ratio.overlaps(unit) else unit


def norm(a, b, c, d):
    r"""||[[a, b], [c, d]]||_2 = (p + q)/2 with ``p = |(a+d, c-b)|``, ``q = |(a-d, b+c)|``, its
    value met with :func:`norm_bounds`.  For Duals the gradient is the chain rule through

    .. math:: \partial_a = \tfrac12\big(\tfrac{a+d}{p} + \tfrac{a-d}{q}\big),\
              \partial_b = \tfrac12\big(\tfrac{b+c}{q} - \tfrac{c-b}{p}\big),\
              \partial_c = \tfrac12\big(\tfrac{c-b}{p} + \tfrac{b+c}{q}\big),\
              \partial_d = \tfrac12\big(\tfrac{a+d}{p} - \tfrac{a-d}{q}\big),

    every ratio in [-1, 1]: where p or q may vanish the norm has a kink, and [-1, 1] holds
    every limit of its gradient there (its generalised gradient, for which the mean-value
    theorem and monotonicity still hold), so the gradient stays finite."""
    values = [value_of(x) for x in (a, b, c, d)]
    av, bv, cv, dv = values
    p = (product(av + dv, av + dv, True) + product(cv - bv, cv - bv, True)).nonnegative_part()
    q = (product(av - dv, av - dv, True) + product(bv + cv, bv + cv, True)).nonnegative_part()
    p, q = increasing(arb.sqrt, p), increasing(arb.sqrt, q)
    value = (p + q) / 2
    bounds = norm_bounds(*values)
    if bounds.is_finite() and value.is_finite():
        value = meet(value, bounds)
    if not any(isinstance(x, Dual) for x in (a, b, c, d)):
        return value
    u, v, w, z = _within_unit(av + dv, p), _within_unit(cv - bv, p), _within_unit(av - dv, q), _within_unit(bv + cv, q)
    partials = ((u + w) / 2, (z - v) / 2, (v + z) / 2, (u - w) / 2)
    n = len(next(x for x in (a, b, c, d) if isinstance(x, Dual)).d)
    grad = tuple(sum((k * grad_of(x, n)[i] for k, x in zip(partials, (a, b, c, d))), arb(0)) for i in range(n))
    return Dual(value, grad)

