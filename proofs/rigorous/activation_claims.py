r"""User claims about any self-normalised activation: a branch and bound over the claim's box.

A claim (:class:`snn_verify.proofs.claims.Claim`) whose model names an activation other than
SELU (``Model(activation="gelu")``) is "Q over the box B is < (or >) b" for the moment map
``g_phi`` of ``phi`` = the activation scaled by its certified self-normalising constants
(:mod:`snn_verify.proofs.rigorous.activations`, scaled as
:mod:`snn_verify.proofs.rigorous.activation_theorem1` scales them):

- ``mean`` = mu~ = E phi(z), ``variance`` = nu~ = Var phi(z), ``variance_change`` = nu~ - nu,
  ``spectral_norm`` = ||J||_2, ``J = d(mu~, nu~)/d(mu, nu)``, with ``z ~ N(m, s^2)``,
  ``m = mu omega``, ``s^2 = nu tau``.

Enclosures: :class:`snn_verify.proofs.rigorous.activation_theorem1._Family` (Arb integrals with
ball parameters, mean-value form in ``m``, analytic tails) over a rectangle of ``(m, s^2)`` and
balls of omega, tau.  The search runs in the coordinates each quantity needs, and every point
of the claim's box maps into some node:

- ``mean``, ``variance``: ``(m, s2)``: the image of the box under ``(mu omega, nu tau)`` is the
  rectangle between the least and the largest corner products (bilinear maps on a box);
- ``variance_change``: ``(m, nu, tau)`` with ``s2`` = the product range of each node's ``nu``
  and ``tau`` (nu~ - nu needs nu itself);
- ``spectral_norm``: ``(mu, omega, nu, tau)``, ``m`` and ``s2`` the product ranges of the node,
  ``omega`` and ``tau`` its balls (J's columns carry them).

Writing ``sense = +1`` for "<" and ``-1`` for ">", the search maximises ``sense*Q``: nodes in a
priority queue by their upper bound, bisected along the widest coordinate (relative to the
box; ``m`` and ``mu`` enter in mean-value form and weigh less).  Verdicts:

- CERTIFIED: every node's upper bound is below ``sense*b`` (outward-rounded throughout);
- REFUTED: a point with exact decimal coordinates inside the box at which the Arb ball of
  ``sense*Q`` (point balls, 64, then 128, then 256 bits) lies entirely above ``sense*b``;
  the points tried are the box's centre and corners and the nodes' centres lifted back to the
  box (:func:`lift`), checked to lie in the box with rationals;
- UNDECIDED: the node or time budget ran out; the open node with the worst enclosure is named.

The ELU family's constants are SELU's (alpha01, lambda01), so ``elu`` scaled is SELU; its
claims run here (not through SELU's closed-form certifier), which the tests use as a
cross-check.

Example
-------
>>> from snn_verify.proofs.claims import Model
>>> from snn_verify.proofs.rigorous.certify import make_claim
>>> box = {"mu": ("0", "0.1"), "omega": ("0", "0.1"), "nu": ("1", "1.2"), "tau": ("1", "1")}
>>> r = certify_activation(make_claim("mean", "<", "0.1", box, model=Model(activation="tanh")), tol=1e-3)
>>> r.verdict, r.to_json()["activation"]
('CERTIFIED', 'tanh')
"""
from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass
from fractions import Fraction

from flint import acb, arb, ctx

from snn_verify.errors import InputError

from ..claims import VARIABLES
from snn_verify.theory.activation_registry import get_primitives

from .activation_theorem1 import _Family, _norm
from .interval import spectral_norm_parts
from .ball import lower_float, meet, upper_float
from .expectations import _halves, _mul, _poly_tail, growth, integrate_t

from .outcome import (CERTIFIED, DECIDED_SHARE, MAX_BOXES, MAX_SECONDS, REFUTED, TOLERANCE,  # noqa: F401
                      UNDECIDED, Result, bound_text, decimal_box, limits)

#: the coordinates of the search, per quantity (module docstring)
COORDINATES = {"mean": ("m", "s2"), "variance": ("m", "s2"), "variance_change": ("m", "nu", "tau"),
               "spectral_norm": VARIABLES}
#: working precision of the nodes (bits)
PREC = 64
#: precisions at which a point's violation is decided, in turn
POINT_PRECS = (64, 128, 256)
#: a point's next precision is taken to cost this many times its last (the budget's guard)
PREC_COST = 4
#: split weights: ``m`` and ``mu`` enter in mean-value form (their width costs less)
WEIGHTS = {"m": 0.25, "mu": 0.5}
#: a coordinate narrower than this share of the box's is not split further
MIN_SHARE = 2.0 ** -40
#: open nodes whose centres are tried as counterexamples before an UNDECIDED
RESTARTS = 8

_FAMILIES = {}

#: ``He_0 .. He_4`` as coefficient lists (ascending powers)
_HE = ((1,), (0, 1), (-1, 0, 1), (0, -3, 0, 1), (3, 0, -6, 0, 1))


class TightFamily(_Family):
    r"""The moment map of :class:`activation_theorem1._Family` in mean-value form in both
    ``m`` and ``s``, on the quantities the map is made of.

    With ``I_j(m, s) = E[phi(m + s t)^p He_j(t)]`` (``t ~ N(0, 1)``), Gaussian integration by
    parts gives ``dI_j/dm = I_{j+1}/s`` and, differentiating the density ``varphi((z-m)/s)/s``
    in ``s`` (``u^2 He_j - u He_j' - He_j = He_{j+2} + j He_j``), ``dI_j/ds = (I_{j+2} + j I_j)/s``.
    So ``G_j = I_j / s^j`` has

    .. math:: \partial_m G_j = I_{j+1} / s^{j+1},\qquad \partial_s G_j = I_{j+2} / s^{j+1},

    and ``E phi^p = G_0``, ``d E phi^p / dm = G_1``, ``d E phi^p / ds^2 = G_2 / 2``: the mean,
    the variance and J are made of ``G_0, G_1, G_2`` (``p = 1, 2``).  Over a box ``M x S``
    the mean-value theorem gives ``G_j(M, S) in G_j(m_c, s_c) + (I_{j+1}/s^{j+1})(M, S) (M - m_c)
    + (I_{j+2}/s^{j+1})(M, S) (S - s_c)``: enclosures whose excess shrinks quadratically with
    the box (no derivative of phi, so kinks are harmless; no ``s^2`` divides a ball that
    grows with ``s^2``, which the plain form's ``s^2 I_2 / (2 s^4)`` does).

    >>> with ctx.workprec(64):
    ...     m, s2 = arb("0.01").union(arb("0.02")), arb(1).union(arb("1.01"))
    ...     a, b = (f.map_ms(m, s2, s2.sqrt(), arb(1), arb(1))[2][1][1] for f in (TightFamily("elu"), _Family("elu")))
    >>> a.overlaps(b), a.rad() < b.rad() / 4
    (True, True)
    """

    def _hermite(self, m, s, p, j):
        """``E[phi(m + s t)^p He_j(t)]`` (``j <= 4``) over the balls."""
        P = get_primitives("arb")
        vals = {k: acb(v) for k, v in self.params.items()}
        (a, b), _ = growth(self.act, self.params)
        lam, beta = self.lam, self.beta
        lin = [lam * (a + abs(beta) + b * abs(m).upper()), lam * b * s.upper()]      # |phi| <= A + B|t|
        lc, bc = acb(lam), acb(beta)
        bound = lin if p == 1 else _mul(lin, lin)
        weight = [arb(abs(c)) for c in _HE[j]]                                       # |He_j| <= sum |c_i| |t|^i
        coeffs = _HE[j]
        act = self.act

        def h(z, piece, t):
            he = sum((c * t ** i for i, c in enumerate(coeffs) if c), acb(0))
            return (lc * (act.value(P, z, piece, **vals) - bc)) ** p * he

        return integrate_t(h, act.kinks, m, s, _poly_tail(_mul(bound, weight)), rel_tol=self.tol, abs_tol=self.tol)

    def scaled(self, m, s):
        """``{(p, j): G_j}`` for ``p = 1, 2``, ``j = 0, 1, 2`` over the balls ``m``, ``s``."""
        G = {}
        tiny = arb(2) ** -(ctx.prec // 2)             # a point's ball: no mean-value form needed
        if m.rad() < tiny and s.rad() < tiny:
            for p in (1, 2):
                for j in range(3):
                    G[p, j] = self._hermite(m, s, p, j) / s ** j
            return G
        mc, sc = arb(m.mid()), arb(s.mid())
        for p in (1, 2):
            box = [None] + [self._hermite(m, s, p, k) for k in range(1, 5)]
            for j in range(3):
                G[p, j] = (self._hermite(mc, sc, p, j) / sc ** j + box[j + 1] / s ** (j + 1) * (m - mc)
                           + box[j + 2] / s ** (j + 1) * (s - sc))
        return G

    def variance_parts(self, m, s):
        """Balls of ``nu~``, ``d nu~/dm`` and ``d nu~/ds^2`` over the balls ``m``, ``s``."""
        G = self.scaled(m, s)
        mean = G[1, 0]
        return G[2, 0] - mean * mean, G[2, 1] - 2 * mean * G[1, 1], (G[2, 2] - 2 * mean * G[1, 2]) / 2

    def map_ms(self, m, s2, s, omega, tau):
        """Balls ``(mu~, nu~, J)`` over the rectangle ``m x s2`` and the balls omega, tau."""
        G = self.scaled(m, s)
        mean, second = G[1, 0], G[2, 0]
        mean_m, mean_s, sec_m, sec_s = G[1, 1], G[1, 2] / 2, G[2, 1], G[2, 2] / 2
        var = second - mean * mean
        var_m, var_s = sec_m - 2 * mean * mean_m, sec_s - 2 * mean * mean_s
        return mean, var, ((omega * mean_m, tau * mean_s), (omega * var_m, tau * var_s))


def family(name, prec=PREC):
    """The (cached) :class:`TightFamily` of ``name`` at ``prec`` bits (integration tolerance
    ``2^-(prec - 24)``); :class:`InputError` when the activation has no constants."""
    key = (name, prec)
    if key not in _FAMILIES:
        try:
            with ctx.workprec(prec):
                _FAMILIES[key] = TightFamily(name, tol=2.0 ** -(prec - 24))
        except ArithmeticError as exc:
            raise InputError(f"{exc} (verify.py activation {name} says why)") from None
    return _FAMILIES[key]


def product_range(x, y):
    """The ball ``[min, max]`` of ``a b`` over the balls ``x``, ``y`` (the corners decide a
    bilinear map on a box), rounded outward.

    >>> r = product_range(arb(-1).union(arb(2)), arb(3).union(arb(4)))
    >>> float(r.lower()) <= -4, float(r.upper()) >= 8
    (True, True)
    """
    prods = [a * b for a in (arb(x.lower()), arb(x.upper())) for b in (arb(y.lower()), arb(y.upper()))]
    lo = min((p.lower() for p in prods), key=float)
    hi = max((p.upper() for p in prods), key=float)
    return arb(lo).union(arb(hi))


def quantity_of(quantity, mean, var, J, nu):
    """The claim's quantity from ``g``'s balls (``nu``: the input variance's ball)."""
    if quantity == "mean":
        return mean
    if quantity == "variance":
        return var
    if quantity == "variance_change":
        return var - nu
    return _norm(J)


def node_value(fam, quantity, coords, node, full):
    """Ball of ``quantity`` over one node (a tuple of balls in ``coords``) of the box ``full``
    (balls of mu, omega, nu, tau): it holds at every point of the box that maps into the node."""
    d = dict(zip(coords, node))
    omega, tau, nu = d.get("omega", full["omega"]), d.get("tau", full["tau"]), d.get("nu", full["nu"])
    m = d["m"] if "m" in d else product_range(d["mu"], omega)
    s2 = d["s2"] if "s2" in d else product_range(nu, tau)
    if not s2 > 0:
        return arb("nan")
    if quantity == "variance_change":
        return _variance_change(fam, m, nu, tau, s2)
    if quantity == "spectral_norm" and "mu" in d:
        return _spectral_norm(fam, (d["mu"], omega, nu, tau), m, s2)
    mean, var, J = fam.map_ms(m, s2, s2.sqrt(), omega, tau)
    return quantity_of(quantity, mean, var, J, nu)


def _spectral_norm(fam, x, m, s2):
    r"""``||J||_2`` over the 4-box ``x = (mu, omega, nu, tau)`` (balls) with ``m``, ``s2`` its
    product ranges: the meet of the plain enclosure and two mean-value forms about the
    centre ``c``.  The entries ``e = (omega G_1, tau G_2 / 2, omega (H_1 - 2 G_0 G_1),
    tau (H_2 / 2 - G_0 G_2))`` (``G_j``, ``H_j``: :class:`TightFamily`'s ``G_j`` for ``phi``
    and ``phi^2``) have gradients from ``dG_j/dm = G_{j+1}``, ``dG_j/ds = s G_{j+2}``,
    ``dm = (omega, mu, 0, 0)``, ``ds = (0, 0, tau, nu) / (2 s)``, all over the box; then
    ``e in e(c) + grad e . (x - c)``, and ``||J|| in ||J(c)|| + sum_k (d||J||/de_k) grad e_k . (x - c)``
    (:func:`interval.spectral_norm_parts` gives ``d||J||/de`` over the box)."""
    mu, omega, nu, tau = x
    s = s2.sqrt()
    G = fam.scaled(m, s)
    box = {(p, k): fam._hermite(m, s, p, k) / s ** k for p in (1, 2) for k in (3, 4)}
    A = [G[1, j] for j in range(3)] + [box[1, 3], box[1, 4]]
    B = [G[2, j] for j in range(3)] + [box[2, 3], box[2, 4]]
    zero, half = arb(0), 1 / (2 * s)
    dm, ds = (omega, mu, zero, zero), (zero, zero, tau * half, nu * half)

    def grad(F, j):
        return tuple(F[j + 1] * a + s * F[j + 2] * b for a, b in zip(dm, ds))

    def lin(*terms):                     # sum of coefficient * gradient
        return tuple(sum((c * g[i] for c, g in terms), zero) for i in range(4))

    unit = [tuple(arb(int(i == k)) for i in range(4)) for k in range(4)]
    gA0, gA1, gA2, gB1, gB2 = grad(A, 0), grad(A, 1), grad(A, 2), grad(B, 1), grad(B, 2)
    V1, V2 = B[1] - 2 * A[0] * A[1], B[2] / 2 - A[0] * A[2]
    gV1 = lin((arb(1), gB1), (-2 * A[1], gA0), (-2 * A[0], gA1))
    gV2 = lin((arb("0.5"), gB2), (-A[2], gA0), (-A[0], gA2))
    entries = (omega * A[1], tau * A[2] / 2, omega * V1, tau * V2)
    grads = (lin((A[1], unit[1]), (omega, gA1)), lin((A[2] / 2, unit[3]), (tau / 2, gA2)),
             lin((V1, unit[1]), (omega, gV1)), lin((V2, unit[3]), (tau, gV2)))
    centre = tuple(arb(v.mid()) for v in x)
    dx = tuple(v - c for v, c in zip(x, centre))
    _, _, Jc = fam.map(*centre)
    ec = (Jc[0][0], Jc[0][1], Jc[1][0], Jc[1][1])
    mv_entries = [meet(e, c + sum((g * d for g, d in zip(gr, dx)), zero)) for e, c, gr in zip(entries, ec, grads)]
    norm, dnorm = spectral_norm_parts(*mv_entries)
    mv_norm = spectral_norm_parts(*ec)[0] + sum((dn * g * d for dn, gr in zip(dnorm, grads) for g, d in zip(gr, dx)),
                                                zero)
    return meet(norm, mv_norm) if mv_norm.is_finite() else norm


def _variance_change(fam, m, nu, tau, s2):
    r"""``Q = nu~(m, nu tau) - nu`` over the balls: the narrower of the plain enclosure and the
    mean-value form about the centre ``c`` (``dQ/dm = nu~_m``, ``dQ/dnu = tau nu~_{s^2} - 1``,
    ``dQ/dtau = nu nu~_{s^2}``, with ``nu~_m``, ``nu~_{s^2}`` over the box), which keeps the
    cancellation between ``nu~`` and ``nu`` that the plain form loses."""
    var, var_m, var_s = fam.variance_parts(m, s2.sqrt())
    plain = var - nu
    mc, nc, tc = arb(m.mid()), arb(nu.mid()), arb(tau.mid())
    s2c = nc * tc
    if not s2c > 0:
        return plain
    centre = fam.variance_parts(mc, s2c.sqrt())[0] - nc
    mv = centre + var_m * (m - mc) + (tau * var_s - 1) * (nu - nc) + nu * var_s * (tau - tc)
    return mv if mv.is_finite() and (not plain.is_finite() or mv.rad() < plain.rad()) else plain


def decide_point(name, quantity, point, relation, bound, deadline=None):
    """Q at ``point`` (decimal strings, exact) as an Arb ball, and whether it breaks
    ``Q relation bound``: ``True`` (the ball lies beyond the bound), ``False`` (within it) or
    ``None`` (the ball straddles the bound at every precision of :data:`POINT_PRECS` tried:
    no higher precision is started where it would end past ``deadline``, a
    ``time.perf_counter()`` value, taking it to cost :data:`PREC_COST` times the last one).
    Returns ``(ball, decided, prec)``."""
    sense = 1 if relation == "<" else -1
    spent = 0.0
    for prec in POINT_PRECS:
        start = time.perf_counter()
        if deadline is not None and prec != POINT_PRECS[0] and start + PREC_COST * spent > deadline:
            break
        with ctx.workprec(prec):
            fam = family(name, prec)
            balls = [arb(str(x)) for x in point]
            if not balls[2] * balls[3] > 0:
                return arb("nan"), None, prec
            mean, var, J = fam.map(*balls)
            q = quantity_of(quantity, mean, var, J, balls[2])
            v, lim = sense * q, sense * arb(str(bound))
            if v > lim:
                return q, True, prec
            if v < lim:
                return q, False, prec
        spent = time.perf_counter() - start
    return q, None, prec


def _ends(decimals):
    return {v: (Fraction(lo), Fraction(hi), lo, hi) for v, (lo, hi) in zip(VARIABLES, decimals)}


def _clip(ends, v, x):
    """A decimal text of the float ``x`` pulled into ``v``'s interval (its end texts outside)."""
    lo, hi, lt, ht = ends[v]
    if not math.isfinite(x):
        return lt
    q = Fraction(repr(x))
    return lt if q <= lo else ht if q >= hi else repr(x)


def _pair(ends, a, b, target):
    """Decimal texts ``(x_a, x_b)`` in the box with ``x_a x_b`` as near ``target`` as the
    candidates (the corners, and one coordinate at an end with the other solved) get."""
    cands = [(x, y) for x in (ends[a][2], ends[a][3]) for y in (ends[b][2], ends[b][3])]
    for y in (ends[b][2], ends[b][3]):
        if float(y):
            cands.append((_clip(ends, a, target / float(y)), y))
    for x in (ends[a][2], ends[a][3]):
        if float(x):
            cands.append((x, _clip(ends, b, target / float(x))))
    return min(cands, key=lambda c: abs(float(c[0]) * float(c[1]) - target))


def lift(coords, node, decimals):
    """A point of the decimal box (decimal texts) that maps near the centre of ``node``.

    >>> lift(("m", "s2"), (arb("0.005"), arb("1.1")), (("0", "0.1"), ("0", "0.1"), ("1", "1.2"), ("1", "1")))
    ('0.049999999999999996', '0.1', '1.1', '1')
    """
    ends = _ends(decimals)
    d = {c: float(x.mid()) for c, x in zip(coords, node)}
    out = {v: _clip(ends, v, d[v]) for v in VARIABLES if v in d}
    if "m" in d:
        out["mu"], out["omega"] = _pair(ends, "mu", "omega", d["m"])
    if "s2" in d:
        out["nu"], out["tau"] = _pair(ends, "nu", "tau", d["s2"])
    return tuple(out[v] for v in VARIABLES)


def _in_box(point, ends):
    return all(ends[v][0] <= Fraction(x) <= ends[v][1] for v, x in zip(VARIABLES, point))


def _seed_points(decimals):
    ends = _ends(decimals)
    centre = tuple(_clip(ends, v, float((ends[v][0] + ends[v][1]) / 2)) for v in VARIABLES)
    return [centre] + list(itertools.product(*({lo: None, hi: None} for lo, hi in decimals)))


@dataclass(frozen=True)
class ActivationResult(Result):
    """The outcome for one claim about a scaled activation: :class:`.outcome.Result` (its
    JSON) plus ``activation``.

    ``extremum``: ``[lo, hi]`` of Q's max (for "<") or min (for ">") over the box; ``argext``:
    the point (decimal texts) where the attained end holds; ``open_boxes``: ``(node, upper)``
    pairs (intervals in ``coordinates``) not below the bound when UNDECIDED, worst first."""

    @property
    def activation(self):
        return self.claim.model.activation

    def to_json(self):
        """The JSON of ``verify.py claim --activation NAME --json``: the model always, and the
        activation."""
        out = super().to_json()
        if not self.argext:
            out.pop("extremum", None)
            out.pop("argext", None)
        certificate = out.pop("certificate", None)
        out["model"] = self.claim.model.as_dict()
        out["activation"] = self.activation
        if certificate is not None:
            out["certificate"] = certificate
        return out

    def open_boxes_json(self):
        return {"count": len(self.open_boxes), "coordinates": list(self.coordinates),
                "first": [[list(iv) for iv in b] for b, _ in self.open_boxes[:5]]}

    def counterexample_text(self, ce):
        return f"{ce['point']} gives {self.claim.quantity} in {ce['value']} ({ce['decided_by']})"


def _intervals(node):
    return tuple((float(x.lower()), float(x.upper())) for x in node)


def certify_activation(claim, tol=TOLERANCE, max_boxes=MAX_BOXES, max_seconds=MAX_SECONDS, progress=None):
    """Verdict and extremum enclosure of a claim about ``claim.model.activation`` scaled by
    its certified constants (module docstring); an :class:`ActivationResult`."""
    t0 = time.perf_counter()
    name, quantity = claim.model.activation, claim.quantity
    sense, limit_down, _ = limits(claim)
    decimals, text = decimal_box(claim), bound_text(claim)
    ends = _ends(decimals)
    coords = COORDINATES[quantity]
    fam = family(name, PREC)
    best = [-math.inf, None]                  # lower float of sense*Q at a point of the box
    tried, refutation = set(), {}

    deadline = t0 + (1 + DECIDED_SHARE) * max_seconds     # points are tried until then (the budget's slack)

    def try_point(point):
        if point in tried or refutation or not _in_box(point, ends) or time.perf_counter() > deadline:
            return
        tried.add(point)
        q, violated, prec = decide_point(name, quantity, point, claim.relation, text, deadline)
        value = lower_float(sense * q)
        if value > best[0]:
            best[:] = [value, point]
        if violated:
            refutation.update(point=dict(zip(VARIABLES, point)), value=q.str(30),
                              decided_by=f"Arb ball at {prec} bits, point balls")
            best[:] = [max(value, best[0]), point]

    with ctx.workprec(PREC):
        full = {v: arb(lo).union(arb(hi)) for v, (lo, hi) in zip(VARIABLES, decimals)}
        root = tuple(full[c] if c in full else product_range(full["mu"], full["omega"]) if c == "m"
                     else product_range(full["nu"], full["tau"]) for c in coords)
        width0 = [float(x.rad()) for x in root]
        for point in _seed_points(decimals):
            try_point(point)
        counter = itertools.count()
        n_boxes, pruned, final = 1, 0, []
        heap = [(-upper_float(sense * node_value(fam, quantity, coords, root, full)), next(counter), root)]
        exhausted = False
        while heap and not refutation:
            hi = -heap[0][0]
            elapsed = time.perf_counter() - t0
            if hi < limit_down and (hi - best[0] <= tol or elapsed > DECIDED_SHARE * max_seconds):
                break
            if n_boxes >= max_boxes or elapsed > max_seconds:
                exhausted = True
                break
            neg, _, node = heapq.heappop(heap)
            if -neg < best[0]:
                pruned += 1
                continue
            try_point(lift(coords, node, decimals))
            shares = [float(x.rad()) / w * WEIGHTS.get(c, 1.0) if w else 0.0
                      for c, x, w in zip(coords, node, width0)]
            i = max(range(len(coords)), key=lambda k: shares[k])
            if shares[i] <= MIN_SHARE:
                final.append((neg, node))
                continue
            for h in _halves(node[i]):
                child = node[:i] + (arb(h),) + node[i + 1:]
                up = upper_float(sense * node_value(fam, quantity, coords, child, full))
                n_boxes += 1
                heapq.heappush(heap, (-up, next(counter), child))
            if progress:
                progress(n_boxes, -heap[0][0] - best[0])
        open_ = sorted([(-neg, node) for neg, _, node in heap] + [(-neg, node) for neg, node in final],
                       key=lambda p: -p[0])
        if not refutation and open_ and open_[0][0] >= limit_down:
            for _, node in open_[:RESTARTS]:              # a last refutation effort
                try_point(lift(coords, node, decimals))
    upper = max(open_[0][0] if open_ else -math.inf, best[0])
    lo = best[0]
    extremum = (lo, upper) if sense == 1 else (-upper, -lo)
    note, counterexample = "", None
    if refutation:
        verdict, counterexample = REFUTED, dict(refutation)
        extremum = (lo, max(upper, lo)) if sense == 1 else (-max(upper, lo), -lo)
    elif upper < limit_down:
        verdict = CERTIFIED
    else:
        verdict = UNDECIDED
        worst_up, worst = open_[0] if open_ else (math.inf, root)
        where = ", ".join(f"{c} in [{x.lower().str(8, radius=False)}, {x.upper().str(8, radius=False)}]"
                          for c, x in zip(coords, worst))
        bound_q = f"{quantity} <= {worst_up!r}" if sense == 1 else f"{quantity} >= {-worst_up!r}"
        note = (f"{'budget spent' if exhausted else 'bound within the enclosure width'} after {n_boxes} boxes "
                f"({time.perf_counter() - t0:.1f} s); the open box with the worst enclosure: {where} "
                f"({bound_q} there)")
    open_boxes = tuple((_intervals(node), up) for up, node in open_ if up >= limit_down) if verdict == UNDECIDED else ()
    return ActivationResult(claim, verdict, extremum, best[1] or (), n_boxes, time.perf_counter() - t0,
                            open_boxes=open_boxes, counterexample=counterexample, decimals=decimals, bound_text=text,
                            tolerance=tol, note=note, coordinates=coords)
