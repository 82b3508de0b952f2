r"""The engine's Arb arithmetic for the SELU moment map: the number systems the generated
expressions run in while the branch and bound tightens its enclosures.

Every number here is a python-flint ``arb``: a ball ``[mid +/- rad]`` that is guaranteed to
contain the exact real value, every operation rounded outward.  This is *engine* code: the
certificate checker (:mod:`snn_verify.proofs.rigorous.recheck`) does not import it; both
share only :mod:`snn_verify.proofs.rigorous.trusted` (precision, decimal balls, alpha01 and
lambda01, plain-Arb generated expressions).  It holds

- :func:`exp_erfc`, the tight enclosure of ``exp(A)*erfc(B)`` over balls;
- :func:`number_system` / :func:`generated`: the sympy-generated moment functions of
  :mod:`snn_verify.theory._selu_generated` built over Arb as
  :class:`snn_verify.theory.numbers.NumberSystem` objects (``ball``, ``interval``, ``naive``);
- :func:`moment_derivatives` and :func:`moment_enclosure`, the generated functions
  evaluated as tightly as the arguments allow (both variance forms, interval arithmetic for
  wide arguments, tiling and the mean-value form in (m, s^2));
- conversions between float intervals, decimal strings and balls, rounded outward.

Why :func:`exp_erfc` is not ``A.exp() * B.erfc()``: over a wide ball the two factors are
evaluated independently and their product overestimates badly (``exp(x^2) erfc(x)`` over
``x in [0, 3]`` spans ``[0.16, 1]`` but the naive product spans ``[0.0001, 8103]``).  Both
``erfc`` and ``erfcx(x) = exp(x^2) erfc(x)`` are decreasing on the whole real line, so over
``B in [b0, b1]``

.. math::

   e^{A}\,\mathrm{erfc}(B) \in e^{A}\,[\mathrm{erfc}(b_1), \mathrm{erfc}(b_0)]
   \quad\text{and}\quad
   e^{A}\,\mathrm{erfc}(B) = e^{D}\,\mathrm{erfcx}(B) \in e^{D}\,[\mathrm{erfcx}(b_1), \mathrm{erfcx}(b_0)]

with ``D = A - B^2`` (simplified symbolically by the generator: always ``-m^2/(2 s^2)``).
Both are enclosures of the same number; their intersection is returned.  The endpoint
values are computed on exact points, so they are tight.  (A ball stores its radius to 30
bits, so a ball around an interval is wider than the interval by about 1e-9 of its width.)

Example
-------
>>> with ctx.workprec(PREC):
...     x = interval_ball(0.0, 3.0)
...     wide = exp_erfc(x * x, arb(0), x)
>>> round(float(wide.lower()), 4), round(float(wide.upper()), 4)    # erfcx(3), erfcx(0)
(0.179, 1.0)
"""
from __future__ import annotations

import functools
import math
import sys
from decimal import Decimal
from fractions import Fraction

from flint import arb, ctx

from snn_verify.theory.numbers import NumberSystem

from .trusted import PREC, at_working_precision, decimal_ball, interval_ball, parameters  # noqa: F401 (re-exported)
from .trusted import arb_exp as _exp
from .trusted import arb_sqrt as _sqrt
from .trusted import plain_exp_erfc


# --- conversions ----------------------------------------------------------------------------

def to_fraction(x):
    """The exact rational value of an exact, finite arb (e.g. an endpoint)."""
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp)


#: binary exponents beyond which an arb endpoint is certainly outside the float range: above
#: ``2**1025`` it exceeds every finite float, below ``2**-1080`` it is under half the least
#: subnormal, so its exact value need not (and for exponents like 2**(10**12) cannot) be formed
_TOO_LARGE, _TOO_SMALL = 1025, -1080


def _float_round(q, direction):
    """The float next to the rational ``q`` in ``direction`` (-inf: largest float <= q, +inf:
    smallest float >= q); a rational past the largest finite float in ``direction`` gives
    ``direction`` itself, one past it the other way gives the largest finite float."""
    try:
        f = float(q)
    except OverflowError:
        f = math.inf if q > 0 else -math.inf
    if math.isinf(f):
        return f if f == direction else math.copysign(sys.float_info.max, f)
    if Fraction(f) == q:
        return f
    return f if (Fraction(f) < q) == (direction < 0) else math.nextafter(f, direction)


def float_down(q):
    """The largest float <= the rational ``q`` (a Fraction, int or exact decimal string)."""
    return _float_round(Fraction(q), -math.inf)


def float_up(q):
    """The smallest float >= the rational ``q``."""
    return _float_round(Fraction(q), math.inf)


def _endpoint_float(e, direction):
    """Round the exact arb ``e`` to a float toward ``direction`` without forming huge rationals."""
    if not e.is_finite():
        return direction
    man, exp = e.man_exp()
    man, exp = int(man), int(exp)
    if man == 0:
        return 0.0
    sign, top = (1 if man > 0 else -1), abs(man).bit_length() + exp   # |e| < 2**top
    if top > _TOO_LARGE:   # past every finite float: round a stand-in just as far out
        return _float_round(Fraction(sign * 2**(_TOO_LARGE + 1)), direction)
    if top < _TOO_SMALL:   # 0 < |e| < half the least subnormal: round a stand-in as small
        return _float_round(Fraction(sign, 2**-_TOO_SMALL), direction)
    return _float_round(to_fraction(e), direction)


def lower_float(x):
    """A float <= every point of the ball ``x`` (``-inf`` when ``x`` is not finite)."""
    return _endpoint_float(x.lower(), -math.inf) if x.is_finite() else -math.inf


def upper_float(x):
    """A float >= every point of the ball ``x`` (``+inf`` when ``x`` is not finite)."""
    return _endpoint_float(x.upper(), math.inf) if x.is_finite() else math.inf


def exact_decimal(x):
    """The exact decimal expansion of a float (``0.1`` -> ``'0.1000000000000000055511...'``):
    a point reported this way is exactly the point that was evaluated."""
    return str(Decimal(x))


# --- special functions --------------------------------------------------------------------

def endpoints(x):
    """The exact endpoints ``(lower, upper)`` of a ball, as exact balls."""
    return (x, x) if x.is_exact() else (x.lower(), x.upper())


def product_hull(x, y):
    """The range of ``x*y`` over two balls, from the four endpoint products (tighter than the
    ball product ``x*y`` when both are wide)."""
    if x.is_exact() or y.is_exact():
        return x * y
    return hull([a * b for a in endpoints(x) for b in endpoints(y)])


def hull(balls):
    """The smallest ball containing all of ``balls`` (their union)."""
    out = balls[0]
    for b in balls[1:]:
        out = out.union(b)
    return out


def meet(a, b):
    """The intersection of two enclosures of the same real number (either may be non-finite)."""
    if not a.is_finite():
        return b
    if not b.is_finite():
        return a
    if not a.overlaps(b):  # two correct enclosures of one number always overlap
        raise ArithmeticError(f"inconsistent enclosures {a} and {b}")
    return a.intersection(b)


def _decreasing_hulls(B):
    """``erfc`` and ``erfcx`` over the finite ball ``B``, from its endpoints (both decrease)."""
    b0, b1 = endpoints(B)
    e0, e1 = b0.erfc(), b1.erfc()
    return e0.union(e1), ((b0 * b0).exp() * e0).union((b1 * b1).exp() * e1)


def exp_erfc(A, D, B):
    """Enclosure of ``exp(A) * erfc(B)`` given balls ``A``, ``D = A - B^2`` and ``B``.

    See the module docstring: the intersection of ``exp(A) erfc(B)`` and
    ``exp(D) erfcx(B)``, both with the decreasing special function evaluated at the exact
    endpoints of ``B``.
    """
    A, D, B = arb(A), arb(D), arb(B)
    if not B.is_finite():
        return arb("nan")
    erfc_hull, erfcx_hull = _decreasing_hulls(B)
    return meet(D.exp() * erfcx_hull, A.exp() * erfc_hull)


#: ``exp(A) * erfc(B)`` by plain ball arithmetic (the natural interval extension): the
#: trusted base's own evaluation, here the benchmark's baseline
naive_exp_erfc = plain_exp_erfc


class Interval:
    """Interval arithmetic (endpoints) on top of Arb, for wide arguments.

    A ball ``[mid +/- rad]`` is a poor container for a wide interval: the product of two
    wide positive balls reaches below zero (``[1, 3] * [1, 3]`` as balls is ``[-2, 10]``
    instead of ``[1, 9]``), and so do ``exp`` and ``1/x``.  This class keeps the same ball
    but computes products, squares (``x*x`` with the same operand), quotients, ``exp``
    and ``sqrt`` from the exact endpoints, so it is as tight as interval arithmetic;
    sums are already exact in ball arithmetic.  Costlier than plain balls, so
    :func:`snn_verify.proofs.rigorous.interval.moment_derivatives` uses it only for wide arguments.

    >>> with ctx.workprec(PREC):
    ...     x = Interval(interval_ball(1.0, 3.0))
    ...     y = x * x
    >>> round(float(y.ball.lower()), 6), round(float(y.ball.upper()), 6)
    (1.0, 9.0)
    """

    __slots__ = ("ball",)

    def __init__(self, value):
        self.ball = value.ball if isinstance(value, Interval) else arb(value)

    def __add__(self, other):
        return Interval(self.ball + Interval(other).ball)

    __radd__ = __add__

    def __sub__(self, other):
        return Interval(self.ball - Interval(other).ball)

    def __rsub__(self, other):
        return Interval(Interval(other).ball - self.ball)

    def __neg__(self):
        return Interval(-self.ball)

    def __mul__(self, other):
        if other is self:
            lo, hi = endpoints(self.ball)
            squares = [lo * lo, hi * hi] + ([arb(0)] if self.ball.contains(0) else [])
            return Interval(hull(squares))
        return Interval(product_hull(self.ball, Interval(other).ball))

    __rmul__ = __mul__

    def _reciprocal(self):
        if self.ball.contains(0) or not self.ball.is_finite():
            return Interval(arb("nan"))
        return Interval(hull([1 / e for e in endpoints(self.ball)]))

    def __truediv__(self, other):
        return self * Interval(other)._reciprocal()

    def __rtruediv__(self, other):
        return Interval(other) * self._reciprocal()

    def monotone(self, fn):
        """``fn`` (increasing) of the interval, from its endpoints."""
        if not self.ball.is_finite():
            return Interval(arb("nan"))
        return Interval(hull([fn(e) for e in endpoints(self.ball)]))


def _interval_exp(x):
    return Interval(x).monotone(arb.exp)


def _interval_sqrt(x):
    x = Interval(x)
    if not x.ball >= 0:
        return Interval(arb("nan"))
    return x.monotone(arb.sqrt)


def _interval_exp_erfc(A, D, B):
    """:func:`exp_erfc` for :class:`Interval` arguments (products taken as intervals)."""
    B = Interval(B)
    if not B.ball.is_finite():
        return Interval(arb("nan"))
    erfc_hull, erfcx_hull = _decreasing_hulls(B.ball)
    return Interval(meet((_interval_exp(D) * erfcx_hull).ball, (_interval_exp(A) * erfc_hull).ball))


@functools.lru_cache(maxsize=None)
def number_system(kind="ball", prec=None):
    """The :class:`snn_verify.theory.numbers.NumberSystem` ``kind`` of the engine, at
    precision ``prec`` (default: the current one; ``PI`` is a ball of that precision).

    ``"ball"``: plain balls with :func:`exp_erfc`; ``"interval"``: :class:`Interval`
    arguments and results; ``"naive"``: balls with :func:`naive_exp_erfc` (the benchmark's
    baseline).
    """
    if prec is None:
        return number_system(kind, ctx.prec)
    if kind == "ball":
        return NumberSystem("arb_ball", _exp, _sqrt, exp_erfc, arb.pi(), arb(1))
    if kind == "naive":
        return NumberSystem("arb_naive", _exp, _sqrt, naive_exp_erfc, arb.pi(), arb(1))
    if kind == "interval":
        return NumberSystem("arb_interval", _interval_exp, _interval_sqrt, _interval_exp_erfc,
                            Interval(arb.pi()), Interval(1))
    raise ValueError(f"unknown Arb number system {kind!r}")


@functools.lru_cache(maxsize=None)
def _generated_at(prec, kind):
    return number_system(kind, prec).generated()


def generated(kind="ball"):
    """The generated moment functions (``moments_mneg``, ``moments_d1_mpos``, ...) over the
    number system ``kind`` (:func:`number_system`), cached per precision."""
    return _generated_at(ctx.prec, kind)


_ORDER_NAME = {0: "moments", 1: "moments_d1", 2: "moments_d2"}
#: relative width of s above which the generated functions also run in interval arithmetic
WIDE = 0.02


def _forms(m):
    return ["mneg"] if m < 0 else ["mpos"] if m >= 0 else ["mneg", "mpos"]


def moment_derivatives(m, s, order, naive=False, params=None):
    """Generated outputs up to ``order`` (0: mean, var; 1: + first; 2: + second derivatives).

    The ``_mneg`` form is used for ``m < 0``, ``_mpos`` for ``m >= 0``; where ``m`` has both
    signs, both are evaluated.  Over a wide ``s`` (relative radius above :data:`WIDE`) the
    functions also run in :class:`Interval` arithmetic.  All results are
    enclosures of the same numbers and are intersected.  ``naive=True``: plain balls and
    :func:`naive_exp_erfc` only (the benchmark's baseline).  ``params``: balls
    ``(lambda_, alpha)`` (default: lambda01, alpha01).
    """
    lambda_, alpha = params or parameters()
    name = _ORDER_NAME[order]
    if naive:
        return generated("naive")[f"{name}_mpos"](m, s, lambda_, alpha)
    results = [generated()[f"{name}_{form}"](m, s, lambda_, alpha) for form in _forms(m)]
    if s.rad() > WIDE * s.mid():
        gen = generated("interval")
        args = (Interval(m), Interval(s), Interval(lambda_), Interval(alpha))
        results += [tuple(v.ball for v in gen[f"{name}_{form}"](*args)) for form in _forms(m)]
    out = results[0]
    for r in results[1:]:
        out = tuple(meet(a, b) for a, b in zip(out, r))
    return out


#: for each output of ``moments_d2``, the indices of its partials in m and s^2 (if generated)
_PARTIALS = {0: (2, 3), 1: (4, 5), 2: (6, 7), 3: (7, 8), 4: (9, 10), 5: (10, 11)}


#: a rectangle in (m, s^2) wider than this (relative radius of s^2, or radius of m over s)
#: is bisected, up to :data:`TILE_DEPTH` times, and the enclosures on the pieces united
TILE = 0.03
TILE_DEPTH = 6


def _bisect(x):
    lo, hi = endpoints(x)
    mid = arb(x.mid())
    return lo.union(mid), mid.union(hi)


def moment_enclosure(m, s2, order, depth=TILE_DEPTH, params=None):
    """Enclosures of the generated outputs up to ``order`` over the rectangle ``m x s2``.

    Wide rectangles are first bisected (the generated expressions depend on m and s only,
    so subdividing this 2-d rectangle is far cheaper than subdividing the 4-d box), and the
    pieces' enclosures united: see :func:`_moment_enclosure_tile` for one piece.
    """
    s_mid = s2.mid().sqrt()
    wide_s2, wide_m = s2.rad() > TILE * s2.mid(), m.rad() > TILE * s_mid
    if depth == 0 or not (wide_s2 or wide_m):
        return _moment_enclosure_tile(m, s2, order, params)
    parts = [(m, h) for h in _bisect(s2)] if wide_s2 and (not wide_m or s2.rad() / s2.mid() >= m.rad() / s_mid) \
        else [(h, s2) for h in _bisect(m)]
    a, b = (moment_enclosure(pm, ps, order, depth - 1, params) for pm, ps in parts)
    return tuple(x.union(y) for x, y in zip(a, b))


def _moment_enclosure_tile(m, s2, order, params=None):
    r"""Enclosures of the generated outputs up to ``order`` over the rectangle ``m x s2``.

    Each output whose partials in (m, s^2) are among the outputs (all but the highest
    order) is also enclosed by the mean-value form in (m, s^2),

    .. math:: f(M, S) \subset f(m_c, s^2_c) + f_m(M, S)(M - m_c) + f_{s^2}(M, S)(S - s^2_c),

    which overestimates far less than the natural extension on a rectangle of any size;
    the two enclosures are intersected.  ``s2`` is the range of ``s^2 = nu*tau``.
    """
    s = s2.sqrt()
    natural = moment_derivatives(m, s, order, params=params)
    if order == 0 or (m.is_exact() and s2.is_exact()):
        return natural
    mc, s2c = arb(m.mid()), arb(s2.mid())
    centre = moment_derivatives(mc, s2c.sqrt(), order - 1, params=params)
    dm, ds2 = m - mc, s2 - s2c
    out = list(natural)
    for k, value in enumerate(centre):
        i, j = _PARTIALS[k]
        out[k] = meet(natural[k], value + natural[i] * dm + natural[j] * ds2)
    return tuple(out)
