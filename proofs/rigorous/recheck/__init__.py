r"""The certificate checker: re-verifies a certificate with its own evaluator.

It imports only the trusted base (:mod:`snn_verify.proofs.rigorous.trusted`: Arb precision,
exact decimals, alpha01/lambda01, the generated expressions over *plain* Arb), the theory
(mpmath for counterexamples) and nothing of the engine: not :mod:`.ball`'s enclosures, not
:mod:`.interval`, :mod:`.certify` or :mod:`.fixed_point` (a test reads the imports).

**Its own evaluator.**  The generated ``moments_d1`` functions of ``(m, s)`` (values and
first partials, part of the trusted base) are run over :class:`Dual` numbers: a ball value
and its gradient, carried by forward-mode automatic differentiation,

.. math:: \frac{d}{dx}\big(e^{A}\operatorname{erfc}B\big)
          = e^{A}\operatorname{erfc}(B)\,A' - \tfrac{2}{\sqrt\pi}\,e^{D}\,B',\qquad D = A - B^2.

Its values are Arb balls, written here without the engine's code: where a ball is wide,
products, squares, quotients, ``exp`` and ``sqrt`` are taken from exact endpoints
(:func:`_product`, :func:`_increasing`; a centred ball product of two wide positive balls
reaches below 0), and ``exp(A) erfc(B)`` is met with the ranges that the decreasing
``erfc`` and ``erfcx`` give (:func:`_exp_erfc_value`).  Over a leaf, the rectangle of
``(m, s^2)`` it covers is bisected where wide (:func:`_rectangle`); on each piece the AD
runs in ``(m, s^2)``, each output's value is met with its mean-value form, and mean's and
var's AD gradients are met with the generated partials; the results are lifted to ``(mu, omega, nu, tau)`` (``m = mu*omega``,
``s^2 = nu*tau``) and composed by Dual arithmetic (Jacobian entries, spectral norm, the
alpha-dropout map of :mod:`snn_verify.proofs.claims`), so the gradients of the Jacobian
entries come from AD of the generated first derivatives.  A variance is met with
``[0, inf)``; a spectral norm with the largest row or column norm and the Frobenius norm
(:func:`_norm_bounds`), and a lower bound also with the bilinear form of the leading
singular vectors at the leaf's centre (:func:`_singular_form_lower`).

**Coordinates.**  Leaves of ``mean`` and ``variance`` may live in ``(m, s2)``, those of
``variance_change`` in ``(m, nu, tau)`` (:data:`COORDINATES`); the certificate then names
its ``region``, and the checker verifies with exact rationals that the region contains the
search box's image (the extremes of ``mu*omega`` and ``nu*tau`` over a box lie at corners).

It checks

1. the digest (any edit of the file is reported);
2. the claim: the search box contains the stated decimal box, and the search region the
   search box's image;
3. coverage: the leaves tile the search region exactly (a recursive guillotine check on exact
   float coordinates: no gap, no overlap), so a removed box is detected;
4. every leaf: ``sense*Q <= sense*bound`` over the whole leaf, by monotonicity (signs of
   the AD gradient) and the mean-value form, bisecting the leaf where needed; a bound that
   was tightened is detected;
5. the verdict: CERTIFIED needs every leaf bound strictly on the right side of the claim's
   bound; the extremum enclosure must contain every leaf bound's envelope and the value at
   its point; a REFUTED claim's counterexample is re-evaluated with mpmath at 50 digits.
"""
from __future__ import annotations

import functools
import json
import math
import time
from dataclasses import dataclass
from fractions import Fraction

from flint import arb, ctx

from ...claims import (DEFAULT_MODEL, VARIABLES, Model, dropout_jacobian, dropout_map, dropout_scale, pinned,
                      quantity_mp)
from .. import trusted
from ..trusted import at_working_precision, decimal_ball, exact, interval_ball

FORMAT = "snn-verify certificate 1"
#: the coordinates a certificate's leaves may live in, and the quantities each can carry:
#: every quantity is a function of ``m = mu*omega``, ``s^2 = nu*tau`` and (variance_change)
#: ``nu``, or (the Jacobian) ``omega`` and ``tau``
COORDINATES = {VARIABLES: ("mean", "variance", "variance_change", "spectral_norm"),
               ("m", "s2"): ("mean", "variance"),
               ("m", "nu", "tau"): ("mean", "variance", "variance_change")}
#: how many times the checker may bisect one leaf to prove its bound
MAX_DEPTH = 16


# --- forward-mode AD over plain Arb ------------------------------------------------------------

class Dual:
    """``v + sum_i d_i eps_i``: a ball value and its gradient in (mu, omega, nu, tau).

    Arithmetic follows the rules of differentiation, so the chain rule from (m, s) to the four
    variables, the Jacobian entries' gradients and the spectral norm's gradient all come out
    of the arithmetic.  Plain numbers (int, arb) act as constants.

    >>> x = Dual(arb(3), (arb(1), arb(0), arb(0), arb(0)))
    >>> y = x * x / 2 + 1
    >>> float(y.v.mid()), float(y.d[0].mid())
    (5.5, 3.0)
    """

    __slots__ = ("v", "d")

    def __init__(self, v, d):
        self.v, self.d = v, d

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.v + o.v, tuple(a + b for a, b in zip(self.d, o.d)))
        return Dual(self.v + o, self.d)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.v, tuple(-a for a in self.d))

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(_product(self.v, o.v, o is self), tuple(self.v * b + o.v * a for a, b in zip(self.d, o.d)))
        return Dual(self.v * o, tuple(a * o for a in self.d))

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Dual):
            q = _quotient(self.v, o.v)
            return Dual(q, tuple((a - q * b) / o.v for a, b in zip(self.d, o.d)))
        return Dual(self.v / o, tuple(a / o for a in self.d))

    def __rtruediv__(self, o):
        q = _quotient(arb(o), self.v)
        return Dual(q, tuple(-q * a / self.v for a in self.d))


#: a ball whose radius exceeds this share of its midpoint is multiplied from its endpoints
_WIDE = 1e-3


def _wide(x):
    return not x.is_exact() and x.rad() > _WIDE * abs(x.mid())


def _product(x, y, square=False):
    """``x*y`` of two balls.  A ball product of wide balls overestimates and loses the sign
    (``[1, 3] * [1, 3]`` as balls reaches below 0, so ``s*s`` of a wide ``s`` would
    contain 0): wide factors are multiplied from their exact endpoints, a square as a square."""
    if not (_wide(x) or _wide(y)) or not (x.is_finite() and y.is_finite()):
        return x * y
    lo, hi = x.lower(), x.upper()
    if square:
        out = (lo * lo).union(hi * hi)
        return out.union(arb(0)) if x.contains(0) else out
    return _endpoint_product(x, y)


def _increasing(f, x):
    """``f`` (increasing) over the ball ``x``: from its exact endpoints where ``x`` is wide
    (Arb's own enclosure of a wide ball is centred, e.g. ``exp`` of one reaches below 0)."""
    if not _wide(x) or not x.is_finite():
        return f(x)
    return f(x.lower()).union(f(x.upper()))


def _quotient(x, y):
    """``x/y`` of balls, through the reciprocal's endpoints where ``y`` is wide."""
    if not _wide(y) or not y.is_finite() or y.contains(0):
        return x / y
    return _product(x, (1 / y.upper()).union(1 / y.lower()))


def _value(x):
    return x.v if isinstance(x, Dual) else arb(x)


def _grad(x, n):
    return x.d if isinstance(x, Dual) else (arb(0),) * n


def _exp(x):
    if not isinstance(x, Dual):
        return _increasing(arb.exp, arb(x))
    e = _increasing(arb.exp, x.v)
    return Dual(e, tuple(e * a for a in x.d))


def _sqrt(x):
    """Square root; of a Dual whose value may touch 0 only where it is known to be >= 0."""
    if not isinstance(x, Dual):
        return _increasing(arb.sqrt, arb(x).nonnegative_part()) if isinstance(x, arb) else arb(x).sqrt()
    r = _increasing(arb.sqrt, x.v.nonnegative_part())
    return Dual(r, tuple(a / (2 * r) for a in x.d))


@functools.lru_cache(maxsize=None)
def _two_over_sqrt_pi(prec):
    return 2 / arb.pi().sqrt()


def _decreasing_range(f, B):
    """The range of a decreasing ``f`` over the ball ``B``: from its exact endpoints."""
    lo, hi = B.lower(), B.upper()
    return f(hi).union(f(lo))


def _exp_erfc_value(A, D, B):
    """``exp(A) erfc(B)`` over balls.  Over a wide ``B`` the plain product of the two factors
    overestimates by orders of magnitude, so it is met with the ranges from monotonicity:
    ``erfc`` and ``erfcx(x) = exp(x^2) erfc(x)`` both decrease, and
    ``exp(A) erfc(B) = exp(D) erfcx(B)`` with ``D = A - B^2``."""
    A, D, B = arb(A), arb(D), arb(B)
    plain = _product(_exp(A), B.erfc())
    if B.is_exact() or not B.is_finite():
        return plain
    by_erfc = _product(_exp(A), _decreasing_range(arb.erfc, B))
    by_erfcx = _product(_exp(D), _decreasing_range(lambda x: (x * x).exp() * x.erfc(), B))
    return _meet(_meet(plain, by_erfc), by_erfcx)


def _exp_erfc(A, D, B):
    """``exp(A) erfc(B)`` (:func:`_exp_erfc_value`), differentiated by the rule of the
    module docstring."""
    if not (isinstance(A, Dual) or isinstance(B, Dual)):
        return _exp_erfc_value(A, D, B)
    n = len((A if isinstance(A, Dual) else B).d)
    value = _exp_erfc_value(_value(A), _value(D), _value(B))
    slope = _two_over_sqrt_pi(ctx.prec) * _value(D).exp()
    return Dual(value, tuple(value * a - slope * b for a, b in zip(_grad(A, n), _grad(B, n))))


@functools.lru_cache(maxsize=None)
def _dual_generated(prec):
    from snn_verify.theory.numbers import NumberSystem

    return NumberSystem("arb_dual", _exp, _sqrt, _exp_erfc, arb.pi(), arb(1)).generated()


def _generated():
    return _dual_generated(ctx.prec)


def _endpoint_product(x, y):
    """The exact range of ``x*y`` over two balls, from the endpoint products."""
    ends = [a * b for a in (x.lower(), x.upper()) for b in (y.lower(), y.upper())]
    out = ends[0]
    for e in ends[1:]:
        out = out.union(e)
    return out


def _meet(a, b):
    """Intersection of two enclosures of one number (balls or Duals, component-wise)."""
    if isinstance(a, Dual):
        return Dual(_meet(a.v, b.v), tuple(_meet(x, y) for x, y in zip(a.d, b.d)))
    if not a.is_finite():
        return b
    if not b.is_finite():
        return a
    if not a.overlaps(b):
        raise ArithmeticError(f"inconsistent enclosures {a} and {b}")
    return a.intersection(b)


def _forms(m):
    m = _value(m)
    return ("mneg",) if m < 0 else ("mpos",) if m >= 0 else ("mneg", "mpos")


def _outputs(name, m, s, lambda_, alpha):
    """The generated outputs ``name_<form>`` (both forms intersected where m has both signs)."""
    gen = _generated()
    results = [gen[f"{name}_{form}"](m, s, lambda_, alpha) for form in _forms(m)]
    out = results[0]
    for r in results[1:]:
        out = tuple(_meet(a, b) for a, b in zip(out, r))
    return out


def _magnitudes(x):
    """Exact balls ``(min |x|, max |x|)`` over the ball ``x``."""
    ends = [abs(x.lower()), abs(x.upper())]
    return (arb(0) if x.contains(0) else min(ends, key=float)), max(ends, key=float)


def _norm_bounds(a, b, c, d):
    """A ball around ``||J||_2`` from the ranges of the entries' magnitudes: at least the
    largest row or column norm, at most the Frobenius norm."""
    (la, ua), (lb, ub), (lc, uc), (ld, ud) = (_magnitudes(x) for x in (a, b, c, d))
    rows_cols = [(la * la + lc * lc), (lb * lb + ld * ld), (la * la + lb * lb), (lc * lc + ld * ld)]
    lower = max((x.sqrt().lower() for x in rows_cols), key=float)
    upper = (ua * ua + ub * ub + uc * uc + ud * ud).sqrt().upper()
    return arb(lower).union(arb(upper))


def _within_unit(x, r):
    """``x / r`` where ``|x| <= r`` is known, as a ball inside [-1, 1] ([-1, 1] itself where
    ``r`` may be 0)."""
    unit = arb(0, 1)
    if not (r > 0):
        return unit
    ratio = x / r
    return ratio.intersection(unit) if ratio.is_finite() and ratio.overlaps(unit) else unit


def _norm(a, b, c, d):
    r"""||[[a, b], [c, d]]||_2 = (p + q)/2 with ``p = |(a+d, c-b)|``, ``q = |(a-d, b+c)|``, its
    value met with :func:`_norm_bounds`.  For Duals the gradient is the chain rule through

    .. math:: \partial_a = \tfrac12\big(\tfrac{a+d}{p} + \tfrac{a-d}{q}\big),\
              \partial_b = \tfrac12\big(\tfrac{b+c}{q} - \tfrac{c-b}{p}\big),\
              \partial_c = \tfrac12\big(\tfrac{c-b}{p} + \tfrac{b+c}{q}\big),\
              \partial_d = \tfrac12\big(\tfrac{a+d}{p} - \tfrac{a-d}{q}\big),

    every ratio in [-1, 1]: where p or q may vanish the norm has a kink, and [-1, 1] holds
    every limit of its gradient there (its generalised gradient, for which the mean-value
    theorem and monotonicity still hold), so the gradient stays finite."""
    values = [_value(x) for x in (a, b, c, d)]
    av, bv, cv, dv = values
    p = (_product(av + dv, av + dv, True) + _product(cv - bv, cv - bv, True)).nonnegative_part()
    q = (_product(av - dv, av - dv, True) + _product(bv + cv, bv + cv, True)).nonnegative_part()
    p, q = _increasing(arb.sqrt, p), _increasing(arb.sqrt, q)
    value = (p + q) / 2
    bounds = _norm_bounds(*values)
    if bounds.is_finite() and value.is_finite():
        value = _meet(value, bounds)
    if not any(isinstance(x, Dual) for x in (a, b, c, d)):
        return value
    u, v, w, z = _within_unit(av + dv, p), _within_unit(cv - bv, p), _within_unit(av - dv, q), _within_unit(bv + cv, q)
    partials = ((u + w) / 2, (z - v) / 2, (v + z) / 2, (u - w) / 2)
    n = len(next(x for x in (a, b, c, d) if isinstance(x, Dual)).d)
    grad = tuple(sum((k * _grad(x, n)[i] for k, x in zip(partials, (a, b, c, d))), arb(0)) for i in range(n))
    return Dual(value, grad)


#: a rectangle in (m, s^2) wider than this (relative to s^2, or |m| range relative to s) is
#: bisected, up to TILE_DEPTH times, before the generated functions run over it
TILE, TILE_DEPTH = 0.03, 6
#: in the outputs of ``moments_d1``: mean's and var's partials in m and s^2 are outputs too
_PARTIAL_OUTPUTS = {0: (2, 3), 1: (4, 5)}


def _union(a, b):
    return Dual(a.v.union(b.v), tuple(x.union(y) for x, y in zip(a.d, b.d)))


def _rectangle(name, M, S2, params, depth=TILE_DEPTH):
    """The outputs ``name`` over the rectangle ``M x S2`` of (m, s^2), as Duals in (m, s^2):
    bisected where wide, each piece enclosed by its natural extension met with the mean-value
    form ``f(c) + f_m (M - c_m) + f_s2 (S2 - c_s2)``, the pieces united."""
    s_mid = S2.mid().sqrt()
    wide_s2, wide_m = S2.rad() > TILE * S2.mid(), M.rad() > TILE * s_mid
    if depth and (wide_s2 or wide_m):
        cut_s2 = wide_s2 and (not wide_m or S2.rad() / S2.mid() >= M.rad() / s_mid)
        x = S2 if cut_s2 else M
        mid = arb(x.mid())
        halves = [(M, h) if cut_s2 else (h, S2) for h in (x.lower().union(mid), mid.union(x.upper()))]
        a, b = (_rectangle(name, pm, ps, params, depth - 1) for pm, ps in halves)
        return tuple(_union(x, y) for x, y in zip(a, b))
    lambda_, alpha = params
    natural = _outputs(name, Dual(M, (arb(1), arb(0))), _sqrt(Dual(S2, (arb(0), arb(1)))), lambda_, alpha)
    if M.is_exact() and S2.is_exact():
        return natural
    cm, cs2 = arb(M.mid()), arb(S2.mid())
    centre = _outputs(name, cm, cs2.sqrt(), lambda_, alpha)
    dm, ds2 = M - cm, S2 - cs2
    out = [Dual(_meet(f.v, c + f.d[0] * dm + f.d[1] * ds2), f.d) for f, c in zip(natural, centre)]
    for k, (i, j) in _PARTIAL_OUTPUTS.items():   # AD gradient met with the generated partials
        out[k] = Dual(out[k].v, (_meet(out[k].d[0], out[i].v), _meet(out[k].d[1], out[j].v)))
    return tuple(out)


def _lift(f, mu, omega, nu, tau):
    """A Dual in (m, s^2) as a Dual in (mu, omega, nu, tau): m = mu*omega, s^2 = nu*tau."""
    f_m, f_s2 = f.d
    p = _endpoint_product
    return Dual(f.v, (p(f_m, omega.v), p(f_m, mu.v), p(f_s2, tau.v), p(f_s2, nu.v)))


def _scaled(x, f):
    """The Dual ``x*f``, its value the endpoint product (a sign known for both is kept)."""
    if not isinstance(x, Dual):
        return x * f
    return Dual(_endpoint_product(x.v, f.v), tuple(x.v * b + f.v * a for a, b in zip(x.d, f.d)))


def _moment_outputs(name, variables, coordinates, params):
    """The generated outputs ``name`` at the variables (balls or Duals) of ``coordinates``,
    as functions of them: ``m = mu*omega`` or ``m``; ``s^2 = nu*tau`` or ``s2``."""
    if coordinates == ("m", "s2"):
        m, s2 = variables
        if isinstance(m, Dual):
            return _rectangle(name, m.v, s2.v, params)
        return _outputs(name, m, _sqrt(s2), *params)
    if coordinates == ("m", "nu", "tau"):
        m, nu, tau = variables
        if isinstance(m, Dual):
            p = _endpoint_product
            out = _rectangle(name, m.v, p(nu.v, tau.v), params)
            return [Dual(f.v, (f.d[0], p(f.d[1], tau.v), p(f.d[1], nu.v))) for f in out]
        return _outputs(name, m, _sqrt(nu * tau), *params)
    mu, omega, nu, tau = variables
    if isinstance(mu, Dual):
        M, S2 = _endpoint_product(mu.v, omega.v), _endpoint_product(nu.v, tau.v)
        return [_lift(f, mu, omega, nu, tau) for f in _rectangle(name, M, S2, params)]
    return _outputs(name, mu * omega, _sqrt(nu * tau), *params)


def jacobian_entries(variables, model=DEFAULT_MODEL):
    """The Jacobian's entries ``(j11, j12, j21, j22)`` of g (or g_q) at the variables
    (balls or Duals) of (mu, omega, nu, tau)."""
    lambda_, alpha, q = trusted.model_parameters(model)
    _, omega, _, tau = variables
    mean, _, mean_m, mean_s2, var_m, var_s2 = _moment_outputs("moments_d1", variables, VARIABLES, (lambda_, alpha))
    entries = (_scaled(omega, mean_m), _scaled(tau, mean_s2), _scaled(omega, var_m), _scaled(tau, var_s2))
    if q is not None:
        alpha_prime = -lambda_ * alpha
        entries = dropout_jacobian(entries, mean, q, alpha_prime, dropout_scale(q, alpha_prime, _sqrt))
    return entries


def evaluate(quantity, variables, model=DEFAULT_MODEL, coordinates=VARIABLES):
    """Q at ``variables`` (of ``coordinates``, default (mu, omega, nu, tau)): balls give a
    ball; Duals (a box and the unit gradients) give Q's enclosure and gradient over the box.
    ``model``: alpha dropout after the layer and parameter intervals
    (:class:`snn_verify.proofs.claims.Model`)."""
    if quantity not in COORDINATES[tuple(coordinates)]:
        raise ValueError(f"{quantity} is not a function of {coordinates}")
    if quantity == "spectral_norm":
        return _norm(*jacobian_entries(variables, model))
    lambda_, alpha, q = trusted.model_parameters(model)
    mean, var = _moment_outputs("moments_d1" if isinstance(variables[0], Dual) else "moments", variables,
                                tuple(coordinates), (lambda_, alpha))[:2]
    if q is not None:
        alpha_prime = -lambda_ * alpha
        mean, var = dropout_map(mean, _nonnegative(var), q, alpha_prime, dropout_scale(q, alpha_prime, _sqrt))
    if quantity == "mean":
        return mean
    var = _nonnegative(var)
    return var if quantity == "variance" else var - variables[list(coordinates).index("nu")]


def _nonnegative(var):
    """A variance is never negative: its enclosure met with [0, inf)."""
    v = _value(var)
    if not v.is_finite() or v >= 0:
        return var
    clipped = arb(0).union(v.upper()) if not v < 0 else arb(0)
    return Dual(clipped, var.d) if isinstance(var, Dual) else clipped


def _duals(box):
    n = len(box)
    return tuple(Dual(interval_ball(lo, hi), tuple(arb(int(i == k)) for k in range(n)))
                 for i, (lo, hi) in enumerate(box))


def quantity_dual(quantity, balls, model=DEFAULT_MODEL):
    """Q and its gradient over balls of (mu, omega, nu, tau), as a :class:`Dual`."""
    duals = tuple(Dual(x, tuple(arb(int(i == k)) for k in range(4))) for i, x in enumerate(balls))
    return evaluate(quantity, duals, model)


def _point_value(quantity, point, model=DEFAULT_MODEL, coordinates=VARIABLES):
    return _value(evaluate(quantity, point, model, coordinates))


# --- one leaf -----------------------------------------------------------------------------------

def prove_bound(quantity, sense, box, bound, depth=MAX_DEPTH, model=DEFAULT_MODEL, coordinates=VARIABLES):
    """Whether ``sense*Q <= bound`` on the box (of ``coordinates``) can be shown: monotone
    coordinates are fixed (AD gradient signs), then the mean-value form; failing that,
    bisect (up to ``depth``)."""
    face = [tuple(iv) for iv in box]
    while True:
        free = [i for i, (lo, hi) in enumerate(face) if lo < hi]
        if not free:
            return (sense * _point_value(quantity, [arb(lo) for lo, _ in face], model, coordinates)) <= bound
        q = evaluate(quantity, _duals(face), model, coordinates)
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
    centre = [lo + (hi - lo) / 2 for lo, hi in face]
    mvf = sense * _point_value(quantity, [arb(c) for c in centre], model, coordinates)
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
    cut = 0.0 if coordinates[i] in ("mu", "omega", "m") and lo < 0.0 < hi else lo + (hi - lo) / 2   # m's sign
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
    a, b, c, d = (float(_value(x).mid()) for x in entries)
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
    centre = [lo + (hi - lo) / 2 for lo, hi in face]
    u, v = _leading_singular_vectors(jacobian_entries([arb(c) for c in centre], model))
    weights = [arb(x) * arb(y) for x in u for y in v]

    def form(entries):
        return sum((w * e for w, e in zip(weights, entries)), arb(0))

    while True:
        free = [i for i, (lo, hi) in enumerate(face) if lo < hi]
        if not free:
            value = form(jacobian_entries([arb(lo) for lo, _ in face], model))
            break
        f = form(jacobian_entries(_duals(face), model))
        fixed = [i for i in free if f.d[i] >= 0 or f.d[i] <= 0]
        for i in fixed:
            lo, hi = face[i]
            face[i] = (lo, lo) if f.d[i] >= 0 else (hi, hi)
        if fixed:
            continue
        centre = [lo + (hi - lo) / 2 for lo, hi in face]
        value = form(jacobian_entries([arb(c) for c in centre], model))
        for g, (lo, hi), c in zip(f.d, face, centre):
            if lo < hi:
                value += g * (interval_ball(lo, hi) - arb(c))
        value = _meet(value, f.v)
        break
    scale = (arb(u[0]) ** 2 + arb(u[1]) ** 2).sqrt() * (arb(v[0]) ** 2 + arb(v[1]) ** 2).sqrt()
    return value / scale


# --- coverage ------------------------------------------------------------------------------------

def tiles(region, boxes):
    """Whether the boxes (exact float coordinates) tile ``region`` exactly: every box lies in
    it, and recursively some hyperplane at a box face splits the set without cutting a box,
    down to single boxes equal to their region.  Bisection leaves always pass; a missing or
    overlapping box fails."""
    n = len(region)
    stack = [(tuple(map(tuple, region)), [tuple(map(tuple, b)) for b in boxes])]
    while stack:
        reg, bs = stack.pop()
        if not bs:
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
        i, x = cut
        low = [b for b in bs if b[i][1] <= x]
        high = [b for b in bs if b[i][0] >= x]
        stack.append((tuple(iv if k != i else (iv[0], x) for k, iv in enumerate(reg)), low))
        stack.append((tuple(iv if k != i else (x, iv[1]) for k, iv in enumerate(reg)), high))
    return True


def _find_cut(reg, bs):
    """A hyperplane ``x_i = x`` strictly inside ``reg`` that cuts no box (so both halves are
    smaller and the recursion ends; a zero-width box cannot sit alone on a face)."""
    for i in range(len(reg)):
        for x in sorted({b[i][1] for b in bs if reg[i][0] < b[i][1] < reg[i][1]}):
            if all(b[i][1] <= x or b[i][0] >= x for b in bs):
                return i, x
    return None


# --- the result ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RecheckResult:
    """The outcome of re-checking one certificate: ``ok`` only if every check passed.

    Item access (``r["ok"]``) reads the JSON fields."""

    ok: bool
    verdict: str | None
    problems: tuple
    leaves: int
    seconds: float
    file: str | None = None

    def to_json(self):
        out = {"ok": self.ok, "verdict": self.verdict, "problems": list(self.problems), "leaves": self.leaves,
               "seconds": round(self.seconds, 3)}
        if self.file is not None:
            out["file"] = self.file
        return out

    def __getitem__(self, key):
        return self.to_json()[key] if key != "seconds" else self.seconds

    @property
    def exit_code(self):
        return 0 if self.ok else 1

    def render(self):
        head = (f"{'OK' if self.ok else 'REJECTED'}: {self.file} ({self.verdict}, {self.leaves} leaves, "
                f"{round(self.seconds, 3)} s)")
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


def _rejected(verdict, problem, file=None):
    return RecheckResult(False, verdict, (problem,), 0, 0.0, file)


# --- re-checking -----------------------------------------------------------------------------------

def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@at_working_precision
def recheck(cert, progress=None, file=None):
    """Re-verify a certificate dict (see module docstring); a :class:`RecheckResult`."""
    t0 = time.perf_counter()
    problems = []
    body = {k: v for k, v in cert.items() if k != "sha256"}
    if cert.get("format") != FORMAT:
        return _rejected(cert.get("verdict"), "not a snn-verify certificate", file)
    if cert.get("sha256") != trusted.digest(body):
        problems.append("digest mismatch: the file was altered after it was written")
    if cert.get("generated_sha256") != trusted.generated_digest():
        problems.append("the generated expressions differ from those the certificate was made with")
    claim = cert["claim"]
    quantity, relation = claim["quantity"], claim["relation"]
    model = Model.from_dict(claim.get("model", {}))
    sense = 1 if relation == "<" else -1
    b = exact(claim["bound"])
    decimals = [claim["box"][v] for v in VARIABLES]
    search_box = [tuple(iv) for iv in cert["search_box"]]
    for v, (dlo, dhi), (flo, fhi) in zip(VARIABLES, decimals, search_box):
        if not (Fraction(flo) <= exact(dlo) <= exact(dhi) <= Fraction(fhi)):
            problems.append(f"search box does not contain the claim's {v} interval")
    coordinates = tuple(cert.get("coordinates", VARIABLES))
    region = [tuple(iv) for iv in cert.get("region", search_box)]
    if quantity not in COORDINATES.get(coordinates, ()):
        return _rejected(cert["verdict"], f"{quantity} cannot be checked in coordinates {coordinates}", file)
    problems += _region_problems(search_box, coordinates, region)
    leaves = cert["leaves"]
    if not tiles(region, [lf["box"] for lf in leaves]):
        problems.append("the leaves do not tile the search region (a box is missing or overlaps)")
    for k, lf in enumerate(leaves):
        if lf["bound"] is None:  # an open box with no finite bound (undecided claims only)
            continue
        if not prove_bound(quantity, sense, lf["box"], arb(sense * lf["bound"]), model=model,
                           coordinates=coordinates):
            problems.append(f"leaf {k}: bound {lf['bound']} not confirmed on {lf['box']}")
        if progress:
            progress(k + 1)
    _check_verdict(cert, quantity, relation, sense, b, decimals, problems, model)
    return RecheckResult(not problems, cert["verdict"], tuple(problems), len(leaves), time.perf_counter() - t0, file)


def _image(x, y):
    """The exact range ``[min, max]`` of ``x*y`` over two float intervals (a bilinear map
    on a rectangle takes its extremes at the corners)."""
    ends = [Fraction(a) * Fraction(b) for a in x for b in y]
    return min(ends), max(ends)


def _region_problems(search_box, coordinates, region):
    """Problems with a reduced search region: it must contain the image of the search box
    (so the leaves, which tile the region, cover every point of the claim's box)."""
    if coordinates == VARIABLES:
        return [] if region == search_box else ["the search region is not the search box"]
    mu, omega, nu, tau = search_box
    image = {"m": _image(mu, omega), "s2": _image(nu, tau), "nu": tuple(map(Fraction, nu)),
             "tau": tuple(map(Fraction, tau))}
    if len(region) != len(coordinates):
        return ["the search region does not match its coordinates"]
    return [f"the search region's {name} interval does not contain the search box's image"
            for name, (lo, hi) in zip(coordinates, region)
            if not Fraction(lo) <= image[name][0] <= image[name][1] <= Fraction(hi)]


def _inside(point, decimals):
    return all(exact(lo) <= exact(x) <= exact(hi) for x, (lo, hi) in zip(point, decimals))


def _check_verdict(cert, quantity, relation, sense, b, decimals, problems, model):
    leaves = cert["leaves"]
    verdict = cert["verdict"]
    if any(lf["bound"] is None for lf in leaves):
        if verdict == "CERTIFIED":
            problems.append("CERTIFIED, but some leaf has no bound")
        return
    bounds = [Fraction(lf["bound"]) for lf in leaves]
    if not bounds:
        problems.append("the certificate has no leaves")
        return
    if verdict == "CERTIFIED" and not all(sense * x < sense * b for x in bounds):
        problems.append("CERTIFIED, but some leaf bound does not prove the claim")
    lo, hi = (Fraction(x) for x in cert["extremum"])
    envelope = max(bounds) if sense == 1 else min(bounds)
    if bounds and not lo <= envelope <= hi:
        problems.append("the extremum enclosure does not contain the leaves' envelope")
    point = [cert["argext"][v] for v in VARIABLES]
    if not _inside(point, decimals):
        problems.append("argext is outside the claim's box")
    else:
        value = _point_value(quantity, [decimal_ball(x) for x in point], model)
        attained = value >= arb(float(lo)) if sense == 1 else value <= arb(float(hi))
        if not attained:
            problems.append("the extremum's attained end is not confirmed at argext")
    if verdict == "REFUTED":
        _check_counterexample(cert, quantity, relation, b, decimals, problems, model)


def _check_counterexample(cert, quantity, relation, b, decimals, problems, model):
    import mpmath

    ce = cert.get("counterexample") or {}
    point = [ce.get("point", {}).get(v) for v in VARIABLES]
    if None in point or not _inside(point, decimals):
        problems.append("REFUTED without a counterexample inside the box")
        return
    if model.alpha or model.lambda_:   # the counterexample's parameter values, inside the claim's intervals
        model = pinned(model, ce.get("parameters") or {})
        if model is None:
            problems.append("the counterexample's parameters lie outside the claim's intervals")
            return
    value = quantity_mp(quantity, point, model, digits=50)
    with mpmath.workdps(70):
        bound = mpmath.mpf(str(cert["claim"]["bound"]))
        violated = value >= bound if relation == "<" else value <= bound
    if not violated:
        problems.append(f"the counterexample does not violate the bound {cert['claim']['bound']} at 50 digits")


@dataclass(frozen=True)
class RecheckAll:
    """The re-checks of several certificates: ``ok`` only if every one passed."""

    results: tuple

    @property
    def ok(self):
        return all(r.ok for r in self.results)

    @property
    def exit_code(self):
        return 0 if self.ok else 1

    def to_json(self):
        return {"ok": self.ok, "certificates": [r.to_json() for r in self.results],
                "rejected": sum(not r.ok for r in self.results)}

    def render(self):
        lines = [r.render() for r in self.results]
        lines.append(f"{len(self.results)} certificates: {sum(r.ok for r in self.results)} OK, "
                     f"{sum(not r.ok for r in self.results)} rejected")
        return "\n".join(lines)


def recheck_files(paths, progress=None):
    """:func:`recheck_file` of each path: one :class:`RecheckResult`, or :class:`RecheckAll`
    for several."""
    results = tuple(recheck_file(p, progress) for p in paths)
    return results[0] if len(results) == 1 else RecheckAll(results)


def recheck_file(path, progress=None):
    """:func:`recheck` of a JSON file; a file that cannot be read or parsed is rejected."""
    try:
        cert = load(path)
    except (OSError, ValueError) as exc:
        return _rejected(None, f"cannot read {path}: {exc}", path)
    if not isinstance(cert, dict):
        return _rejected(None, f"malformed certificate: a JSON object expected, got {type(cert).__name__}", path)
    try:
        return recheck(cert, progress, file=path)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError) as exc:
        return _rejected(cert.get("verdict"), f"malformed certificate: {exc!r}", path)
