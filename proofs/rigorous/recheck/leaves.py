r"""One leaf proves its bound: ``sense*Q <= bound`` over the whole leaf.

Coordinates in which the AD gradient of ``sense*Q`` has one sign are fixed at the end where
``sense*Q`` is largest (monotonicity); then the mean-value form

.. math:: Q(x) \in Q(c) + \nabla Q(X)\cdot(X - c),\qquad c \in X,

and for a lower bound of the spectral norm also ``||J|| >= u^T J v / (|u| |v|)`` with fixed
``u``, ``v`` (:func:`_singular_form_lower`); failing those, the leaf is bisected, at most
:data:`MAX_DEPTH` times; every evaluation of the generated functions is counted against the
certificate's :class:`.quantities.Budget` (:func:`.quantities.metered`), so that no
certificate, however hostile, makes the checker run without end.
"""
from __future__ import annotations

import math

from flint import arb

from ...claims import DEFAULT_MODEL, VARIABLES
from ..trusted import interval_ball
from .arithmetic import meet, value_of
from .quantities import duals, evaluate, jacobian_entries, point_value

#: how many times the checker may bisect one leaf to prove its bound
MAX_DEPTH = 16


def midpoint(lo, hi):
    """A float in ``[lo, hi]`` near its middle (``lo + (hi - lo)/2`` may overflow or round
    out of the interval; the result is clamped into it by exact float comparisons)."""
    c = lo / 2 + hi / 2
    return min(max(c, lo), hi)


def prove_bound(quantity, sense, box, bound, depth=MAX_DEPTH, model=DEFAULT_MODEL, coordinates=VARIABLES):
    """Whether ``sense*Q <= bound`` on the box (of ``coordinates``) can be shown: monotone
    coordinates are fixed (AD gradient signs), then the mean-value form; failing that,
    bisect (up to ``depth``)."""
    face = [tuple(iv) for iv in box]
    while True:
        free = [i for i, (lo, hi) in enumerate(face) if lo < hi]
        if not free:
            return (sense * point_value(quantity, [arb(lo) for lo, _ in face], model, coordinates)) <= bound
        q = evaluate(quantity, duals(face), model, coordinates)
        value, grad = q.v, q.d
        if (sense * value) <= bound:
            return True
        fixed = False
        for i in free:
            g = sense * grad[i]
            if g >= 0 or g <= 0:
                lo, hi = face[i]
                face[i] = (hi, hi) if g >= 0 else (lo, lo)
                fixed = True
        if not fixed:
            break
    centre = [midpoint(lo, hi) for lo, hi in face]
    mvf = sense * point_value(quantity, [arb(c) for c in centre], model, coordinates)
    for g, (lo, hi), c in zip(grad, face, centre):
        if lo < hi:
            mvf += sense * g * (interval_ball(lo, hi) - arb(c))
    if mvf <= bound:
        return True
    if quantity == "spectral_norm" and sense < 0 and -_singular_form_lower(face, model) <= bound:
        return True
    if depth == 0:
        return False
    weights = [float(abs(g).upper()) * (hi - lo) if g.is_finite() else math.inf for g, (lo, hi) in zip(grad, face)]
    i = max(free, key=lambda k: (weights[k], face[k][1] - face[k][0]))
    lo, hi = face[i]
    cut = 0.0 if coordinates[i] in ("mu", "omega", "m") and lo < 0.0 < hi else midpoint(lo, hi)   # m's sign
    if not lo < cut < hi:
        return False
    halves = []
    for part in ((lo, cut), (cut, hi)):
        sub = list(face)
        sub[i] = part
        halves.append(sub)
    return all(prove_bound(quantity, sense, h, bound, depth - 1, model, coordinates) for h in halves)


def _leading_singular_vectors(entries):
    """Unit vectors (as floats) ``u``, ``v`` with ``u^T J v = ||J||_2`` for the 2x2 matrix of
    the entries' midpoints (closed form: the eigenvector of ``J^T J`` for its largest
    eigenvalue; only a direction is needed, its accuracy does not matter)."""
    a, b, c, d = (float(value_of(x).mid()) for x in entries)
    p, q, r = a * a + c * c, a * b + c * d, b * b + d * d          # J^T J = [[p, q], [q, r]]
    theta = 0.5 * math.atan2(2 * q, p - r)
    v = (math.cos(theta), math.sin(theta))
    u = (a * v[0] + b * v[1], c * v[0] + d * v[1])
    norm = math.hypot(*u)
    return ((u[0] / norm, u[1] / norm) if norm > 0 else (1.0, 0.0)), v


def _singular_form_lower(face, model):
    r"""A lower bound of ``||J||_2`` over the face: ``||J(x)|| >= u^T J(x) v / (|u| |v|)`` for
    any ``u``, ``v``; here the leading singular vectors at the face's centre.  The bilinear
    form is a fixed combination of the entries, so its AD gradient is tight: coordinates in
    which it has one sign are fixed at the end where it is least, then the mean-value form."""
    face = [tuple(iv) for iv in face]
    centre = [midpoint(lo, hi) for lo, hi in face]
    u, v = _leading_singular_vectors(jacobian_entries([arb(c) for c in centre], model))
    weights = [arb(x) * arb(y) for x in u for y in v]

    def form(entries):
        return sum((w * e for w, e in zip(weights, entries)), arb(0))

    while True:
        free = [i for i, (lo, hi) in enumerate(face) if lo < hi]
        if not free:
            value = form(jacobian_entries([arb(lo) for lo, _ in face], model))
            break
        f = form(jacobian_entries(duals(face), model))
        fixed = [i for i in free if f.d[i] >= 0 or f.d[i] <= 0]
        for i in fixed:
            lo, hi = face[i]
            face[i] = (lo, lo) if f.d[i] >= 0 else (hi, hi)
        if fixed:
            continue
        centre = [midpoint(lo, hi) for lo, hi in face]
        value = form(jacobian_entries([arb(c) for c in centre], model))
        for g, (lo, hi), c in zip(f.d, face, centre):
            if lo < hi:
                value += g * (interval_ball(lo, hi) - arb(c))
        value = meet(value, f.v)
        break
    scale = (arb(u[0]) ** 2 + arb(u[1]) ** 2).sqrt() * (arb(v[0]) ** 2 + arb(v[1]) ** 2).sqrt()
    return value / scale


