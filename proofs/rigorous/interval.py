r"""Interval extensions of the theorem quantities over boxes in (mu, omega, nu, tau).

The quantities (:data:`snn_verify.proofs.claims.QUANTITIES`) are ``mean`` mu~, ``variance`` nu~,
``variance_change`` nu~ - nu and ``spectral_norm`` ||J||_2.  All go through the generated
functions of ``m = mu*omega`` and ``s = sqrt(nu*tau)`` (:func:`snn_verify.proofs.rigorous.ball.generated`), with
the chain rule

.. math::

   \nabla h = (\omega h_m,\ \mu h_m,\ \tau h_{s^2},\ \nu h_{s^2}),
   \qquad
   J = \begin{pmatrix} \omega\,\tilde\mu_m & \tau\,\tilde\mu_{s^2} \\
                       \omega\,\tilde\nu_m & \tau\,\tilde\nu_{s^2} \end{pmatrix},

so the gradient of a Jacobian entry needs the generated second derivatives, e.g.
``d(omega mu~_m)/domega = mu~_m + omega mu mu~_mm``.  For ``J = [[a, b], [c, d]]``

.. math::

   \|J\|_2 = \tfrac12 (p + q),\quad p = \sqrt{(a+d)^2 + (c-b)^2},\ q = \sqrt{(a-d)^2 + (b+c)^2},
   \qquad \frac{\partial\|J\|}{\partial a} = \tfrac12\Big(\frac{a+d}{p} + \frac{a-d}{q}\Big), \dots

where every ratio lies in ``[-1, 1]`` (used to keep them finite where p or q may vanish).

Three tools keep the enclosures tight over a box X (the natural interval extension alone
overestimates badly, see ``verify.py bench certify``):

- **mean-value form**: ``Q(X) in Q(c) + sum_i G_i (X_i - c_i)`` with ``G`` an enclosure of
  the gradient over X and c the centre; its overestimate shrinks like width^2;
- **monotonicity**: where ``dQ/dx_i`` has one sign on X, the maximum of Q over X lies on
  the face ``x_i = hi`` (or ``lo``); :func:`bound_box` fixes such coordinates, re-evaluates
  the gradient on the smaller face, and repeats, down to a vertex where possible;
- the special functions through :func:`snn_verify.proofs.rigorous.ball.exp_erfc` (monotone ``erfc``, ``erfcx``);
  for m of either sign both variance forms are evaluated and intersected; the generated
  outputs are enclosed over the (m, s^2) rectangle by their own mean-value form, on a
  rectangle bisected where it is wide (:func:`snn_verify.proofs.rigorous.ball.moment_enclosure`).

Everything is written for the maximum of ``sense * Q`` (``sense = -1`` turns a minimum into
a maximum).

Example
-------
>>> value, _ = jet("spectral_norm", box_balls(((0.0, 0.0), (0.0, 0.0), (1.0, 1.0), (1.0, 1.0))))
>>> round(float(value.mid()), 6)        # the paper's notebook: 0.787673
0.787673
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from flint import arb, ctx

from ..claims import dropout_jacobian, dropout_map, dropout_scale, parse_spec
from .coordinates import FULL, by_names
from .trusted import model_parameters

from .ball import (at_working_precision, decimal_ball, exact_decimal, interval_ball, lower_float, meet, moment_derivatives,
                   moment_enclosure, product_hull, upper_float)

#: the ball [-1, 1]
_UNIT = arb(0, 1)


def known_sign(var):
    """A variance enclosure met with ``[0, inf)``: a variance is never negative."""
    if not var.is_finite() or var >= 0:
        return var
    if var < 0:
        raise ArithmeticError(f"a variance enclosure {var} below 0")
    return arb(0).union(var.upper())


def box_balls(box):
    """Balls for a box given as four ``(lo, hi)`` float pairs (degenerate pairs are exact)."""
    return tuple(interval_ball(lo, hi) for lo, hi in box)


def ms_balls(balls):
    """``(m, s^2)`` over the balls of (mu, omega, nu, tau): ``m = mu*omega``, ``s^2 = nu*tau``."""
    return FULL.ms(balls)


def _chain(h_m, h_s2, balls):
    """Gradient in (mu, omega, nu, tau) of a function of (m, s^2) with partials h_m, h_s2."""
    return FULL.chain(h_m, h_s2, balls)


def _scaled_gradient(factor_index, h, h_m, h_s2, balls):
    """Gradient of ``x_k * h`` (``x_k`` = omega or tau, index ``factor_index``)."""
    factor = balls[factor_index]
    grad = [product_hull(factor, g) for g in _chain(h_m, h_s2, balls)]
    grad[factor_index] += h
    return tuple(grad)


def _ratio(x, p):
    """``x / p`` where ``|x| <= p`` is known: intersected with [-1, 1] (and [-1, 1] if p may be 0)."""
    r = x / p
    return r.intersection(_UNIT) if r.is_finite() and r.overlaps(_UNIT) else _UNIT


def _root_sum_squares(x, y):
    return (x * x + y * y).nonnegative_part().sqrt()


def _abs_range(x):
    """Exact balls ``(min |x|, max |x|)`` over the ball ``x``."""
    lo, hi = (abs(e) for e in (x.lower(), x.upper()))
    return (arb(0) if x.contains(0) else lo.min(hi)), lo.max(hi)


def norm_range(a, b, c, d):
    r"""A ball containing ``||J||_2`` for ``J = [[a, b], [c, d]]`` over balls of its entries,
    from the entries' ranges of ``|.|`` alone:

    .. math:: \max(\|Je_1\|, \|Je_2\|, \|e_1^TJ\|, \|e_2^TJ\|) \le \|J\|_2 \le \|J\|_F .

    Tight where one row or column dominates (a nearly diagonal J, where the smooth form's
    ratios lose their sign), and never below 0.
    """
    (la, ua), (lb, ub), (lc, uc), (ld, ud) = (_abs_range(x) for x in (a, b, c, d))
    lower = max((x * x + y * y).sqrt().lower() for x, y in ((la, lc), (lb, ld), (la, lb), (lc, ld)))
    upper = (ua * ua + ub * ub + uc * uc + ud * ud).sqrt().upper()
    return arb(lower).union(arb(upper)) if lower.is_finite() and upper.is_finite() else arb("nan")


def spectral_norm_parts(a, b, c, d):
    """``(||J||, d||J||/d(a, b, c, d))`` for ``J = [[a, b], [c, d]]`` (see module docstring);
    the value is also met with :func:`norm_range`."""
    p = _root_sum_squares(a + d, c - b)
    q = _root_sum_squares(a - d, b + c)
    u, v = _ratio(a + d, p), _ratio(c - b, p)
    w, z = _ratio(a - d, q), _ratio(b + c, q)
    return meet((p + q) / 2, norm_range(a, b, c, d)), ((u + w) / 2, (z - v) / 2, (v + z) / 2, (u - w) / 2)


def _derivatives(m, s2, order, naive, params=None):
    if naive:
        return moment_derivatives(m, s2.sqrt(), order, naive=True, params=params)
    return moment_enclosure(m, s2, order, params=params)


class _Dropout:
    """Alpha dropout after the layer (:func:`snn_verify.proofs.claims.dropout_map`) as balls:
    keep probability ``q``, ``alpha' = -lambda alpha``, scale ``a``."""

    def __init__(self, q, lambda_, alpha):
        self.q, self.alpha_prime = q, -lambda_ * alpha
        self.a = dropout_scale(q, self.alpha_prime, arb.sqrt)


def _grad_combination(pairs):
    """``sum_k c_k * g_k`` for gradients ``g_k`` (tuples of balls, one per coordinate)."""
    return tuple(sum((c * g[i] for c, g in pairs), arb(0)) for i in range(len(pairs[0][1])))


def _jacobian_jet(balls, m, s2, gradient, naive, params=None, dropout=None):
    """The Jacobian's entries (of g, or of g_q with ``dropout``) over the balls, and their
    gradients in (mu, omega, nu, tau) (``None`` unless ``gradient``)."""
    mu, omega, nu, tau = balls
    d = _derivatives(m, s2, 2 if gradient else 1, naive, params)
    mean_m, mean_s2, var_m, var_s2 = d[2:6]
    entries = (product_hull(omega, mean_m), product_hull(tau, mean_s2), product_hull(omega, var_m),
               product_hull(tau, var_s2))
    if dropout is not None:
        g = dropout
        entries_q = dropout_jacobian(entries, d[0], g.q, g.alpha_prime, g.a)
    if not gradient:
        return (entries if dropout is None else entries_q), None
    mean_mm, mean_ms2, mean_s2s2, var_mm, var_ms2, var_s2s2 = d[6:12]
    entry_grads = (
        _scaled_gradient(1, mean_m, mean_mm, mean_ms2, balls),
        _scaled_gradient(3, mean_s2, mean_ms2, mean_s2s2, balls),
        _scaled_gradient(1, var_m, var_mm, var_ms2, balls),
        _scaled_gradient(3, var_s2, var_ms2, var_s2s2, balls),
    )
    if dropout is not None:   # J_q = [[a q, 0], [c, a^2 q]] J with c = 2 a^2 q (1-q)(mu~ - alpha')
        aq, a2q = g.a * g.q, g.a * g.a * g.q
        c = 2 * g.a * g.a * g.q * (1 - g.q) * (d[0] - g.alpha_prime)
        grad_c = tuple(2 * g.a * g.a * g.q * (1 - g.q) * x for x in _chain(d[2], d[3], balls))
        j11, j12 = entries[0], entries[1]
        entry_grads = (
            _grad_combination([(aq, entry_grads[0])]),
            _grad_combination([(aq, entry_grads[1])]),
            _grad_combination([(c, entry_grads[0]), (j11, grad_c), (a2q, entry_grads[2])]),
            _grad_combination([(c, entry_grads[1]), (j12, grad_c), (a2q, entry_grads[3])]),
        )
    return (entries if dropout is None else entries_q), entry_grads


def _norm_of(entries, entry_grads):
    """``(||J||, grad ||J||)`` from the entries and their gradients (``None``: no gradient)."""
    value, dnorm = spectral_norm_parts(*entries)
    if entry_grads is None:
        return value, None
    return value, tuple(sum((dn * g[i] for dn, g in zip(dnorm, entry_grads)), arb(0)) for i in range(4))


def _norm_jet(balls, m, s2, gradient, naive, params=None, dropout=None):
    return _norm_of(*_jacobian_jet(balls, m, s2, gradient, naive, params, dropout))


def jacobian_jet(quantity, balls, gradient=False):
    """The Jacobian's entries ``(j11, j12, j21, j22)`` over balls of (mu, omega, nu, tau)
    and (with ``gradient``) their gradients, for a spec string's model (see :func:`jet`)."""
    _, model = parse_spec(quantity)
    lambda_, alpha, q = model_parameters(model)
    dropout = _Dropout(q, lambda_, alpha) if q is not None else None
    m, s2 = ms_balls(balls)
    return _jacobian_jet(balls, m, s2, gradient, False, (lambda_, alpha), dropout)


@functools.lru_cache(maxsize=8)
def _face_jacobian(quantity, face, prec):
    """:func:`jacobian_jet` with gradients over a face (float pairs), remembered: the
    monotone reduction and :func:`norm_lower_bound` read the same face one after the other."""
    return jacobian_jet(quantity, box_balls(face), gradient=True)


def _face_jet(quantity, face, coords):
    """``jet(quantity, face, gradient=True)``; for the spectral norm from :func:`_face_jacobian`."""
    if parse_spec(quantity)[0] != "spectral_norm" or not coords.full:
        return jet(quantity, box_balls(face), gradient=True, coords=coords)   # (raises for the norm)
    return _norm_of(*_face_jacobian(quantity, tuple(map(tuple, face)), ctx.prec))


def jet(quantity, balls, gradient=False, naive=False, coords=FULL):
    """Enclosures ``(Q, grad Q)`` over the balls of (mu, omega, nu, tau), or of the reduced
    coordinates ``coords`` (:mod:`snn_verify.proofs.rigorous.coordinates`).

    ``quantity`` is a quantity name or a :func:`snn_verify.proofs.claims.spec` string (alpha
    dropout after the layer, parameter intervals).  The generated outputs are enclosed over
    the (m, s^2) rectangle by :func:`snn_verify.proofs.rigorous.ball.moment_enclosure` and
    composed by ball arithmetic (chain rule, Jacobian entries, spectral norm, dropout map).
    ``grad`` is ``None`` unless ``gradient``.  ``naive=True``: the plain natural extension
    instead (the benchmark's baseline).
    """
    quantity, model = parse_spec(quantity)
    lambda_, alpha, q = model_parameters(model)
    params = (lambda_, alpha)
    dropout = _Dropout(q, lambda_, alpha) if q is not None else None
    m, s2 = coords.ms(balls, naive)
    if quantity == "spectral_norm":
        if not coords.full:
            raise ValueError("the spectral norm is evaluated in (mu, omega, nu, tau) only")
        return _norm_jet(balls, m, s2, gradient, naive, params, dropout)
    d = _derivatives(m, s2, 1 if gradient else 0, naive, params)
    mean, var = d[0], known_sign(d[1])
    grad_mean = coords.chain(d[2], d[3], balls) if gradient else None
    grad_var = coords.chain(d[4], d[5], balls) if gradient else None
    if dropout is not None:
        g = dropout
        mean_q, var_q = dropout_map(mean, var, g.q, g.alpha_prime, g.a)
        if gradient:
            grad_var = _grad_combination([(g.a * g.a * g.q, grad_var),
                                          (2 * g.a * g.a * g.q * (1 - g.q) * (mean - g.alpha_prime), grad_mean)])
            grad_mean = _grad_combination([(g.a * g.q, grad_mean)])
        mean, var = mean_q, known_sign(var_q)
    if quantity == "mean":
        return mean, grad_mean
    value = var if quantity == "variance" else var - balls[coords.nu_index]
    if not gradient:
        return value, None
    grad = list(grad_var)
    if quantity == "variance_change":
        grad[coords.nu_index] -= 1
    return value, tuple(grad)


@at_working_precision
def enclose_point(quantity, point):
    """A ball containing Q at a point given as four decimal strings (or floats)."""
    return jet(quantity, tuple(decimal_ball(x) for x in point))[0]


# --- one box: monotone reduction to a face, then the mean-value form ------------------------

@dataclass(frozen=True)
class BoxBound:
    """What one box tells about ``max sense*Q``: ``sense*Q <= upper`` on the whole box.

    ``face`` is the box with the coordinates fixed by monotonicity (``steps``: per round the
    ``(index, "lo"|"hi")`` fixed), ``point`` a point of the face where
    ``sense*Q >= point_lower`` (decimal strings, inside the claim's decimal box), and
    ``weights`` each free coordinate's share of the overestimate (to choose the split).
    """

    box: tuple
    face: tuple
    steps: tuple
    upper: float
    point: tuple
    point_lower: float
    weights: tuple


def _monotone(grad, face, sense):
    """``[(index, "lo"|"hi")]``: the free coordinates where ``sense*dQ/dx_i`` has one sign."""
    fixed = []
    for i, (g, (lo, hi)) in enumerate(zip(grad, face)):
        if lo == hi:
            continue
        g = sense * g
        if g >= 0:
            fixed.append((i, "hi"))
        elif g <= 0:
            fixed.append((i, "lo"))
    return fixed


def _fix(face, fixed):
    face = list(face)
    for i, end in fixed:
        lo, hi = face[i]
        face[i] = (hi, hi) if end == "hi" else (lo, lo)
    return tuple(face)


def _centre(face):
    return tuple(lo if lo == hi else lo + (hi - lo) / 2 for lo, hi in face)


def reduce_box(quantity, sense, face, steps=(), coords=FULL):
    """Fix every coordinate in which ``sense*Q`` is monotone, repeatedly.

    Returns ``(face, steps, value, grad)``: the final face, the rounds of fixings, and the
    natural enclosures of Q and its gradient over that face (both ``None`` when the face is
    a vertex; ``grad`` is ``None`` when it is not finite).
    """
    steps = list(steps)
    while any(lo < hi for lo, hi in face):
        value, grad = _face_jet(quantity, face, coords)
        if not all(g.is_finite() for g in grad):
            return face, tuple(steps), value, None
        fixed = _monotone(grad, face, sense)
        if not fixed:
            return face, tuple(steps), value, grad
        steps.append(tuple(fixed))
        face = _fix(face, fixed)
    return face, tuple(steps), None, None


def mean_value_form(centre_value, grad, face, centre):
    """``Q(c) + sum_i G_i (X_i - c_i)``: a ball containing Q over the face."""
    out = centre_value
    for g, (lo, hi), c in zip(grad, face, centre):
        if lo < hi:
            out += g * (interval_ball(lo, hi) - arb(c))
    return out


@at_working_precision
def bound_box(quantity, sense, box, face=None, steps=(), snap=None, coordinates=FULL.names, target=None):
    """Bound ``max sense*Q`` over ``box`` (see :class:`BoxBound`).

    ``face``/``steps`` are fixings already proved on a box containing this one (a child
    inherits its parent's); ``snap`` gives the claim's decimal box, into which the reported
    point is clamped (:func:`snn_verify.proofs.rigorous.coordinates.snap_point`).
    ``coordinates``: the names of the box's coordinates (reduced ones need ``snap``: the
    reported point is carried back into the claim's box).  ``target``: where the bound
    already lies below it, the costlier refinements (:func:`norm_lower_bound`) are skipped.
    """
    coords = by_names(coordinates)
    if not (coords.full or snap):
        raise ValueError("a box in reduced coordinates needs the claim's decimal box (snap)")
    face, steps, natural, grad = reduce_box(quantity, sense, box if face is None else face, steps, coords)
    centre = _centre(face)
    value = sense * jet(quantity, tuple(arb(c) for c in centre), coords=coords)[0]
    if natural is None:  # a vertex
        upper, weights = value, tuple(0.0 for _ in face)
    elif grad is None:
        upper, weights = sense * natural, tuple(float(hi - lo) for lo, hi in face)
    else:
        upper = meet(mean_value_form(value, [sense * g for g in grad], face, centre), sense * natural)
        weights = tuple(upper_float(abs(g)) * (hi - lo) if lo < hi else 0.0 for g, (lo, hi) in zip(grad, face))
    upper = upper_float(upper)
    if sense < 0 and grad is not None and parse_spec(quantity)[0] == "spectral_norm" \
            and (target is None or upper >= target):
        upper = min(upper, -norm_lower_bound(quantity, face, centre))
    exact = tuple(exact_decimal(c) for c in centre)
    point = coords.full_point(centre, snap) if snap else exact
    point_value = value if coords.full and point == exact else sense * enclose_point(quantity, point)
    return BoxBound(tuple(box), face, steps, upper, point, lower_float(point_value), weights)


def norm_lower_bound(quantity, face, centre):
    r"""A float below ``||J||_2`` on the whole face, from the bilinear form of the leading
    singular vectors ``u``, ``v`` of ``J`` at the centre (found in floats):

    .. math:: \|J(x)\|_2 \ge \frac{u^T J(x)\, v}{|u|\,|v|}\quad\text{for every } x,

    with equality at the centre.  ``u^T J v`` is a fixed linear combination of the entries,
    smooth where the norm has a kink (two singular values equal, or ``(a+d, c-b)`` near 0,
    where the smooth form's ratios lose their sign), so its gradient is enclosed tightly:
    coordinates in which it has one sign are fixed at the end where the form is least (its
    minimum over the face lies there), then its mean-value form bounds it on what is left.
    """
    at_centre, _ = jacobian_jet(quantity, tuple(arb(c) for c in centre))
    mids = np.array([float(e.mid()) for e in at_centre]).reshape(2, 2)
    if not np.isfinite(mids).all():
        return -math.inf
    left, _, right = np.linalg.svd(mids)
    u, v = left[:, 0], right[0]
    weights = [arb(float(x)) * arb(float(y)) for x in u for y in v]   # u^T J v = sum w_k j_k

    def form(values):
        return sum((w * x for w, x in zip(weights, values)), arb(0))

    while True:
        entries, grads = _face_jacobian(quantity, tuple(map(tuple, face)), ctx.prec)
        gradient = [form([g[i] for g in grads]) for i in range(4)]
        fixed = _monotone(gradient, face, -1)
        if not fixed:
            break
        face = _fix(face, fixed)
        if all(lo == hi for lo, hi in face):
            entries, gradient = jacobian_jet(quantity, box_balls(face))[0], None
            break
    bilinear = form(entries)
    if gradient is not None:
        centre = _centre(face)
        at_centre, _ = jacobian_jet(quantity, tuple(arb(c) for c in centre))
        bilinear = meet(bilinear, mean_value_form(form(at_centre), gradient, face, centre))
    length_u, length_v = ((arb(float(x[0])) ** 2 + arb(float(x[1])) ** 2).sqrt() for x in (u, v))
    return lower_float(bilinear / (length_u * length_v))


@at_working_precision
def natural_bound(quantity, sense, box, face=None, steps=(), snap=None, coordinates=FULL.names, target=None):
    """The benchmark's baseline: the plain natural interval extension over the whole box.

    No monotonicity, no mean-value form, and ``exp(A)*erfc(B)`` as a product of balls
    (:func:`snn_verify.proofs.rigorous.ball.naive_exp_erfc`); a :class:`BoxBound` like :func:`bound_box`'s.
    """
    coords = by_names(coordinates)
    upper = sense * jet(quantity, box_balls(box), naive=True, coords=coords)[0]
    centre = _centre(box)
    point = coords.full_point(centre, snap) if snap else tuple(exact_decimal(c) for c in centre)
    value = sense * jet(quantity, tuple(decimal_ball(x) for x in point), naive=True)[0]
    return BoxBound(tuple(box), tuple(box), (), upper_float(upper), point, lower_float(value),
                    tuple(float(hi - lo) for lo, hi in box))


#: the box-bounding methods of the branch and bound, by name
METHODS = {"smart": bound_box, "natural": natural_bound}
