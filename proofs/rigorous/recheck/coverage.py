r"""Coverage: the leaves cover every point of the claim's box.

1. The search box contains the claim's decimal box (exact rationals).
2. The search region contains the search box's image: in reduced coordinates ``m = mu*omega``
   and ``s2 = nu*tau`` (a bilinear map on a box takes its extremes at the corners, so the
   image of ``[a, b] x [c, d]`` is the interval between the least and largest corner product),
   ``nu`` and ``tau`` themselves; in ``(mu, omega, nu, tau)`` the region is the search box.
3. The leaves tile the region exactly (:func:`tiles`: no gap, no overlap).

Every coordinate is compared exactly: as a rational (:class:`fractions.Fraction`), or in the
tiling as the ordinal of a double (:func:`ordinal`, an order-isomorphism onto the integers).
"""
from __future__ import annotations

import struct
from fractions import Fraction

from ...claims import VARIABLES


def _exact_box(box):
    return tuple((Fraction(lo), Fraction(hi)) for lo, hi in box)


def ordinal(x):
    """The integer rank of the finite double ``x`` among the doubles: ``x < y`` exactly when
    ``ordinal(x) < ordinal(y)``, and ``0.0`` and ``-0.0`` (equal numbers) share rank 0.

    >>> ordinal(0.0), ordinal(-0.0), ordinal(5e-324), ordinal(-5e-324)
    (0, 0, 1, -1)
    """
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def _ordinal_box(box):
    return tuple((ordinal(lo), ordinal(hi)) for lo, hi in box)


def search_box_problems(decimals, search_box):
    """The search box must contain the claim's box (``decimals``: exact rationals)."""
    return [f"the search box does not contain the claim's {v} interval"
            for v, (dlo, dhi), (flo, fhi) in zip(VARIABLES, decimals, _exact_box(search_box))
            if not flo <= dlo <= dhi <= fhi]


def _image(x, y):
    """The exact range ``[min, max]`` of ``x*y`` over two intervals of rationals."""
    ends = [a * b for a in x for b in y]
    return min(ends), max(ends)


def region_problems(search_box, coordinates, region):
    """The reduced search region must contain the image of the search box (so the leaves,
    which tile the region, cover every point of the claim's box)."""
    if tuple(coordinates) == VARIABLES:
        return [] if _exact_box(region) == _exact_box(search_box) else ["the search region is not the search box"]
    mu, omega, nu, tau = _exact_box(search_box)
    image = {"m": _image(mu, omega), "s2": _image(nu, tau), "nu": nu, "tau": tau}
    return [f"the search region's {name} interval does not contain the search box's image"
            for name, (lo, hi) in zip(coordinates, _exact_box(region))
            if not lo <= image[name][0] <= image[name][1] <= hi]


#: work (box visits) the tiling check may spend per box and coordinate, beyond a fixed
#: allowance; a hostile tiling that needs more is rejected, never checked without end
WORK_PER_BOX, WORK_ALLOWANCE = 128, 10 ** 6


def tiles(region, boxes):
    """Whether the boxes (finite doubles) tile ``region`` exactly: every box lies in it, and recursively some
    hyperplane at a box face splits the set without cutting a box (the most balanced such
    cut), down to single boxes equal to their region.  Bisection leaves always pass; a
    missing or overlapping box fails, and so does a tiling that needs more than the work
    budget.

    >>> R = ((0.0, 1.0), (0.0, 1.0))
    >>> tiles(R, [((0.0, 0.5), (0.0, 1.0)), ((0.5, 1.0), (0.0, 1.0))]), tiles(R, [((0.0, 0.5), (0.0, 1.0))])
    (True, False)
    """
    n = len(region)
    work = WORK_PER_BOX * len(boxes) * n + WORK_ALLOWANCE
    stack = [(_ordinal_box(region), [_ordinal_box(b) for b in boxes])]
    while stack:
        reg, bs = stack.pop()
        work -= len(bs) * n
        if not bs or work < 0:
            return False
        if any(len(b) != n or any(b[i][0] < reg[i][0] or b[i][1] > reg[i][1] or not b[i][0] <= b[i][1]
                                  for i in range(n)) for b in bs):
            return False
        if len(bs) == 1:
            if bs[0] != reg:
                return False
            continue
        cut = _find_cut(reg, bs)
        if cut is None:
            return False
        i, x, low, high = cut
        stack.append((tuple(iv if k != i else (iv[0], x) for k, iv in enumerate(reg)), low))
        stack.append((tuple(iv if k != i else (x, iv[1]) for k, iv in enumerate(reg)), high))
    return True


def _find_cut(reg, bs):
    """The most balanced hyperplane ``x_i = x`` strictly inside ``reg`` that cuts no box, and
    the boxes below and above it: with the boxes sorted by their lower end in coordinate i,
    ``x`` is the lower end of box k when every box before it ends at or below ``x``.  Both
    sides are smaller, so the recursion ends."""
    best = None
    for i in range(len(reg)):
        order = sorted(bs, key=lambda b: b[i][0])
        reach = order[0][i][1]
        for k in range(1, len(order)):
            x = order[k][i][0]
            if reach <= x and reg[i][0] < x < reg[i][1] and (best is None or min(k, len(order) - k) > best[0]):
                best = (min(k, len(order) - k), i, x, order, k)
            reach = max(reach, order[k][i][1])
    if best is None:
        return None
    _, i, x, order, k = best
    return i, x, order[:k], order[k:]
