r"""The coordinates the engine's branch and bound runs in (engine side).

Every quantity depends on ``(mu, omega, nu, tau)`` only through ``m = mu*omega`` and
``s^2 = nu*tau``, and besides through ``nu`` (``variance_change``) or ``omega`` and ``tau``
(the Jacobian's entries); :data:`snn_verify.proofs.claims.REDUCED` names the coordinates of
each quantity:

- ``(m, s2)`` for ``mean`` and ``variance``: the extreme over the box is the extreme over
  the rectangle ``M x S2``, where ``M = [min, max]`` of the four corner products of
  ``(mu, omega)`` and ``S2`` that of ``(nu, tau)`` (a bilinear map on a connected box takes
  exactly the values between its least and largest corner value);
- ``(m, nu, tau)`` for ``variance_change = nu~(m, nu tau) - nu``;
- ``(mu, omega, nu, tau)`` for ``spectral_norm``.

In reduced coordinates a ridge of maximisers such as ``mu*omega = m*`` (a curve in the
box, which a search in ``(mu, omega)`` must cover with many small boxes) is a single value
of ``m``.  The search region is the image of the (outward-rounded) search box, rounded
outward again (:meth:`Coordinates.region`); a point of the region is carried back to a point
of the claim's own decimal box (:meth:`Coordinates.full_point`), where the quantity is
evaluated for the lower bound of the extremum and for a counterexample.

>>> MS.region(((-1.0, 2.0), (0.5, 1.0), (1.0, 2.0), (0.5, 0.75)))
((-1.0, 2.0), (0.5, 1.5))
>>> table = tuple(((Fraction(lo), lo), (Fraction(hi), hi)) for lo, hi in
...               (("-1", "2"), ("0.5", "1"), ("1", "2"), ("0.5", "0.75")))
>>> MS.full_point((2.0, 0.5), table)           # the corners reaching m = 2 and s2 = 0.5
('2', '1', '1', '0.5')
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..claims import REDUCED, VARIABLES
from .ball import exact_decimal, float_down, float_up, product_hull

#: bisection steps of :meth:`Coordinates.full_point` (far below a float's resolution)
_STEPS = 80


def snap_point(point, snap):
    """Decimal strings for a float point of (mu, omega, nu, tau), clamped into the claim's box.

    ``snap`` holds per coordinate the claim's decimal endpoints ``((lo, "lo"), (hi, "hi"))``
    (Fractions and their texts).  The search box is the decimal box rounded outward, so a
    coordinate at or beyond a decimal endpoint is reported as that endpoint; any other is
    written out exactly.  Every reported point thus lies in the claim's own box.
    """
    out = []
    for x, ((lo, lo_text), (hi, hi_text)) in zip(point, snap):
        q = Fraction(x)
        out.append(lo_text if q <= lo else hi_text if q >= hi else exact_decimal(x))
    return tuple(out)


def product_range(x, y):
    """Floats ``(lo, hi)`` around the exact range of ``x*y`` over two float intervals."""
    ends = [Fraction(a) * Fraction(b) for a in x for b in y]
    return float_down(min(ends)), float_up(max(ends))


def _pair_point(target, xs, ys):
    """A point ``(x, y)`` of the rectangle ``xs x ys`` (pairs of (Fraction, text)) with
    ``x*y`` as close to ``target`` as floats find: the corner of the least or largest product
    when ``target`` lies beyond it, else a point on the segment between those corners
    (``x*y`` is continuous along it, so bisection closes in on ``target``)."""
    corners = sorted(((a[0] * b[0], a, b) for a in xs for b in ys), key=lambda c: c[0])
    (p_lo, xa, ya), (p_hi, xb, yb) = corners[0], corners[-1]
    t = Fraction(target)
    if t <= p_lo:
        return xa[1], ya[1]
    if t >= p_hi:
        return xb[1], yb[1]
    x0, y0, x1, y1 = float(xa[0]), float(ya[0]), float(xb[0]), float(yb[0])
    lo, hi = 0.0, 1.0
    for _ in range(_STEPS):
        mid = (lo + hi) / 2
        if (x0 + mid * (x1 - x0)) * (y0 + mid * (y1 - y0)) < target:
            lo = mid
        else:
            hi = mid
    return x0 + hi * (x1 - x0), y0 + hi * (y1 - y0)


@dataclass(frozen=True)
class Coordinates:
    """One coordinate system of :data:`snn_verify.proofs.claims.REDUCED` (``names``)."""

    names: tuple

    @property
    def full(self):
        return self.names == VARIABLES

    @property
    def zero_cut(self):
        """Indices cut at 0 when they straddle it (the sign of m switches the variance form)."""
        return tuple(i for i, n in enumerate(self.names) if n in ("mu", "omega", "m"))

    @property
    def nu_index(self):
        return self.names.index("nu") if "nu" in self.names else None

    def ms(self, balls, naive=False):
        """``(m, s^2)`` over balls of these coordinates (``naive``: plain ball products)."""
        product = (lambda x, y: x * y) if naive else product_hull
        if self.full:
            return product(balls[0], balls[1]), product(balls[2], balls[3])
        if self.names == ("m", "s2"):
            return balls
        return balls[0], product(balls[1], balls[2])

    def chain(self, h_m, h_s2, balls):
        """Gradient in these coordinates of a function of (m, s^2) with partials h_m, h_s2
        (products of ranges from their endpoints, so that a sign known for both factors is
        kept: a ball product of two wide positive balls reaches below 0)."""
        if self.full:
            mu, omega, nu, tau = balls
            return (product_hull(omega, h_m), product_hull(mu, h_m), product_hull(tau, h_s2), product_hull(nu, h_s2))
        if self.names == ("m", "s2"):
            return (h_m, h_s2)
        _, nu, tau = balls
        return (h_m, product_hull(tau, h_s2), product_hull(nu, h_s2))

    def region(self, box):
        """The search region: the image of the float box of (mu, omega, nu, tau), outward."""
        if self.full:
            return tuple(box)
        m = product_range(box[0], box[1])
        if self.names == ("m", "s2"):
            return m, product_range(box[2], box[3])
        return m, tuple(box[2]), tuple(box[3])

    def full_point(self, point, snap):
        """Decimal strings of a point of the claim's box whose coordinates are (about)
        ``point``; in full coordinates :func:`snap_point`."""
        if self.full:
            return snap_point(point, snap)
        mu, omega = _pair_point(point[0], *snap[:2])
        if self.names == ("m", "s2"):
            nu, tau = _pair_point(point[1], *snap[2:])
        else:
            nu, tau = point[1], point[2]
        return snap_point((mu, omega, nu, tau), snap)


FULL, MS, MNT = (Coordinates(VARIABLES), Coordinates(("m", "s2")), Coordinates(("m", "nu", "tau")))
_BY_NAMES = {c.names: c for c in (FULL, MS, MNT)}


def for_quantity(quantity):
    """The :class:`Coordinates` of a quantity name or spec string."""
    return _BY_NAMES[REDUCED[quantity.split("|")[0]]]


def by_names(names):
    return _BY_NAMES[tuple(names)]
