r"""Certified LeCun mean field (q*, chi_1, c*) of every registered activation (issue 20, item 6).

Each activation is scaled by its certified self-normalising constants
(:mod:`snn_verify.proofs.rigorous.activations`): ``phi = lambda (f - beta)`` or ``lambda f_alpha``
(ELU family; SELU's (lambda01, alpha01)), so that ``E phi(Z) = 0`` and ``E phi(Z)^2 = 1`` for
``Z ~ N(0, 1)``; CELU, which has no ``(lambda, alpha)``, enters with its scale and shift at
alpha = 1.  At LeCun initialisation (``s_w^2 = 1``, ``s_b^2 = 0``; Poole et al. 2016) this module
certifies, per activation:

**Length map** ``F(q) = E[phi(sqrt q Z)^2]``: ``q* = 1`` is a fixed point by construction, with
slope ``F'(1) = E[phi(Z)^2 (Z^2 - 1)] / 2`` (enclosed by activations.py).  ``|F'(1)| < 1``:
q* attracts; ``F'(1) > 1``: q* repels.  For positively homogeneous f (relu, leaky_relu)
``phi(sqrt q Z) = lambda (sqrt q f(Z) - beta)`` gives exactly
``F(q) = q + lambda^2 beta^2 (sqrt q - 1)^2``: ``F'(1) = 1``, q* attracts from below only.

**chi_1** ``= E[phi'(Z)^2]`` (``s_w^2 = q* = 1``), enclosed by activations.py.  The Gaussian
Poincare inequality ``Var phi(Z) <= E phi'(Z)^2`` (equality iff phi is affine) gives
``chi_1 >= 1`` for every self-normalised phi: at LeCun no activation can be ordered, and
critical (chi_1 = 1) means linear.  The regime is decided by the Arb ball: ``chaotic``
(chi_1 > 1), ``ordered`` (< 1), else ``undecided``.

**Correlation map** ``C(c) = E[phi(u) phi(v)] / q*``, ``(u, v)`` standard bivariate normal with
correlation c (Mehler's expansion, Hermite polynomials ``He_k``):

.. math::

    a_k = E[\phi(Z) He_k(Z)],\qquad b_k = a_k^2 / k!,\qquad
    C(c) = \sum_{k \ge 0} b_k c^k,\qquad C'(c) = \sum_{k \ge 1} k b_k c^{k-1}.

The ``a_k`` (``k <= K``) are 1-D Arb integrals (:func:`expectations.integrate_t`, kinks split,
tails from the growth bound times ``|He_k|``'s coefficients, the cut ``T`` raised until the
tail is below ``2^-200``).  Parseval: ``sum_k b_k = E phi^2 = 1`` exactly, so the remainder
``R_K = 1 - sum_{k <= K} b_k`` is ``>= 0``; its ball is clamped to ``[0, R_K.upper]``.  For
``|c| <= u <= 1`` the tail of C lies in ``[-u^(K+1) R_K, u^(K+1) R_K]`` (``[0, .]`` for c >= 0),
and the tail of C' in ``+- R_K max_{k > K} k u^(k-1)``, where ``k u^(k-1)`` decreases for
``k >= 1/(-ln u)``: the maximum is ``(K+1) u^K`` when ``u <= exp(-1/(K+1))``, else at most
``1 / (e u (-ln u))`` (``u < 1``) — both monotone in u, so one bound covers a ball of c.

**c*** is enclosed by a Krawczyk operator on ``G = C - id`` (as
:func:`meanfield.correlation_fixed_point`): a box X around the Newton centre m with
``K(X) = m - y G(m) + (1 - y G'(X)) (X - m)`` inside X proves exactly one zero of G in X, and
it lies in K(X) (iterated while it narrows).  Uniqueness on [0, 1): ``b_k >= 0`` makes G convex
on [0, 1]; ``G(1) = 0`` (E phi^2 = 1) and ``G'(1) = chi_1 - 1 > 0`` (certified), so three zeros
in [0, 1] would make G vanish on an interval ending at 1, against ``G'(1) > 0``: at most one
zero in [0, 1).  Attraction: ``|C'(X)| < 1`` (certified).  In fact ``a_0 = E phi(Z) = 0`` by
construction, so **c* = 0 exactly for every activation** (the enclosure is the independent
numerical confirmation), ``C'(0) = b_1 = E[phi'(Z)]^2 < 1`` (Cauchy-Schwarz, nonlinear phi)
and, since ``sum_{k >= 2} b_k = 1 - b_1 > 0``, ``C(c) < c`` on (0, 1); on [-1, 0),
``|C(c)| <= C(|c|) < |c|`` for ``c > -1``: every correlation in (-1, 1) converges to 0.
``c = 1`` repels at rate chi_1.  ``C(-1) = E[phi(Z) phi(-Z)]`` is -1 exactly for odd phi
(tanh; sigmoid, whose scaled form ``lambda tanh(x/2)/2`` is odd): then c = -1 is a fixed point
too (repelling: ``C'(-1) = chi_1`` there).  Its ball comes from one integral over the mirrored
pieces (and must overlap the Mehler sum at c = -1).

Example
-------
>>> r = lecun_meanfield("tanh")
>>> r.regime, r.q_star_stability, r.certified, r.c_star_hi - r.c_star_lo < 1e-30
('chaotic', 'attracting', True, True)
>>> arb(r.dC_at_c_star).str(8, radius=False)       # C'(0) = E[phi'(Z)]^2
'0.93046992'
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from flint import acb, arb, ctx

from snn_verify.errors import InputError
from snn_verify.theory.activation_registry import ACTS, get as get_activation, get_primitives

from . import activations as constants_mod
from .expectations import _poly_tail, growth, integrate_t

#: working precision (bits), as the constants
PREC = constants_mod.PREC
#: Hermite coefficients a_0..a_K in the Mehler sum (by default)
K_DEFAULT = 24
#: each a_k's Gaussian tail is cut below 2^-TAIL_BITS (the cut T grows with k)
TAIL_BITS = 200
#: positively homogeneous f: F(q) = q + lambda^2 beta^2 (sqrt q - 1)^2 exactly
HOMOGENEOUS = ("relu", "leaky_relu")
#: odd scaled phi: C(-1) = -1 exactly
ODD = ("tanh", "sigmoid")
#: Krawczyk half-widths tried around the centre of c*
C_RADII = ("1e-30", "1e-20", "1e-12", "1e-8", "1e-5", "1e-3", "0.05")


def _s(x, digits=30):
    return x.str(digits, radius=True)


def _w(x):
    return float(arb(2 * x.rad()).upper())


def _float_down(x):
    """The largest float ``<=`` the lower end of ball ``x``."""
    lo = x.lower()
    f = float(lo)
    return f if arb(f) <= lo else math.nextafter(f, -math.inf)


def _float_up(x):
    """The smallest float ``>=`` the upper end of ball ``x``."""
    hi = x.upper()
    f = float(hi)
    return f if arb(f) >= hi else math.nextafter(f, math.inf)


def _hermite(K):
    """Integer coefficient lists of the probabilists' ``He_0 .. He_K``."""
    h = [[1], [0, 1]]
    for n in range(1, K):
        nxt = [0] + h[n]
        for j, v in enumerate(h[n - 1]):
            nxt[j] -= n * v
        h.append(nxt)
    return h[:K + 1]


@dataclass(frozen=True)
class Scaled:
    """One activation scaled by its certified constants: ``phi = lam (f - beta)`` with the
    registry's ``act`` at ``params`` (balls), and what activations.py certified about it."""

    name: str
    act: object
    lam: arb
    beta: arb
    params: dict
    family: str
    constants: dict
    chi1: arb
    slope: arb

    def phi(self, P, z, piece):
        vals = {k: acb(v) for k, v in self.params.items()}
        return acb(self.lam) * (self.act.value(P, z, piece, **vals) - acb(self.beta))

    def dphi(self, P, z, piece):
        vals = {k: acb(v) for k, v in self.params.items()}
        return acb(self.lam) * self.act.derivative(P, z, piece, **vals)

    def growth(self):
        """``(A, B)`` with ``|phi(t)| <= A + B|t|`` and ``(A', B')`` for phi'."""
        params = self.params or {k: arb(v) for k, v in self.act.params.items()}
        (a, b), (da, db) = growth(self.act, params)
        return (self.lam * (a + abs(self.beta)), self.lam * b), (self.lam * da, self.lam * db)


def scaled(name, c=None):
    """:class:`Scaled` of activation ``name`` from its :class:`activations.Constants` ``c``
    (computed when not given); CELU (no (lambda, alpha)) by its scale and shift at alpha = 1."""
    act = get_activation(name)
    c = c or constants_mod.constants(act.name)
    if c.exists and c.family == "elu-like":
        alpha = arb(c.values["alpha"])
        return Scaled(act.name, get_activation("elu"), arb(c.values["lambda"]), arb(0), {"alpha": alpha},
                      "elu-like", {"lambda": c.values["lambda"], "alpha": c.values["alpha"]},
                      arb(c.chi1), arb(c.length_slope))
    if c.exists:
        lam, beta = arb(c.values["lambda"]), arb(c.values["beta"])
        return Scaled(act.name, act, lam, beta, {}, "scale-shift", dict(c.values), arb(c.chi1),
                      arb(c.length_slope))
    # no (lambda, alpha): the scale-and-shift family at the default parameters
    lam, beta = arb(c.scale_shift["lambda"]), arb(c.scale_shift["beta"])
    params = {k: arb(v) for k, v in act.params.items()}
    base = Scaled(act.name, act, lam, beta, params, "scale-shift (alpha = 1)",
                  {"lambda": c.scale_shift["lambda"], "beta": c.scale_shift["beta"]}, arb("nan"), arb("nan"))
    P = get_primitives("arb")
    _, (da, db) = base.growth()
    chi = integrate_t(lambda z, p, t: base.dphi(P, z, p) ** 2, act.kinks, arb(0), arb(1),
                      _poly_tail([da * da, 2 * da * db, db * db]))
    slope = constants_mod._phi2_he2(act, lam, beta, params) / 2
    return Scaled(**{**base.__dict__, "chi1": chi, "slope": slope})


@dataclass(frozen=True)
class Mehler:
    """The correlation map ``C(c) = sum_k b_k c^k`` of one scaled activation: ``b_0..b_K``
    (balls) and the remainder bound ``R`` (``0 <= R_K <= R``)."""

    b: tuple
    R: arb
    a: tuple = ()
    #: the remainder's ball reaches 0 or above (Parseval: R_K >= 0)
    parseval_ok: bool = True

    @property
    def K(self):
        return len(self.b) - 1

    def _u(self, c):
        u = arb(abs(c).upper())
        if not u <= 1:
            raise InputError(f"the correlation c must lie in [-1, 1], got {c}")
        return u

    def C(self, c):
        """Ball of ``C(c)`` for a ball ``c`` in [-1, 1]."""
        c = arb(c)
        u = self._u(c)
        tail = u ** (self.K + 1) * self.R
        body = sum((bk * c ** k for k, bk in enumerate(self.b)), arb(0))
        return body + ((tail / 2 + arb(0, tail / 2)) if c >= 0 else arb(0, tail))

    def dC(self, c):
        """Ball of ``C'(c)`` for a ball ``c`` in [-1, 1] (``c`` in (-1, 1) unless ``R = 0``)."""
        c = arb(c)
        u = self._u(c)
        K = self.K
        if u <= (-arb(1) / (K + 1)).exp():
            m = (K + 1) * u ** K
        elif u < 1:
            m = 1 / (arb(math.e) * u * (-u.log()))
            m = arb(m.upper())
        else:
            raise InputError("C'(c) at |c| = 1 is chi_1; the Mehler tail bound needs |c| < 1")
        body = sum((k * bk * c ** (k - 1) for k, bk in enumerate(self.b) if k), arb(0))
        return body + arb(0, (self.R * m).upper())


def mehler(s, K=K_DEFAULT):
    """:class:`Mehler` of the :class:`Scaled` activation ``s`` with ``K + 1`` coefficients."""
    if not isinstance(K, int) or K < 2:
        raise InputError(f"K (Hermite terms) must be an integer >= 2, got {K!r}")
    P = get_primitives("arb")
    (A, B), _ = s.growth()
    a = []
    for k, coeffs in enumerate(_hermite(K)):
        # |phi He_k| <= (A + B|t|) sum_j |h_kj| |t|^j
        poly = [arb(0)] * (len(coeffs) + 1)
        for j, v in enumerate(coeffs):
            poly[j] += A * abs(v)
            poly[j + 1] += B * abs(v)
        T = 16
        while not _poly_tail(poly, T) < arb(2) ** -TAIL_BITS:
            T += 2

        def h(z, p, t, k=k):
            prev, cur = acb(1), t
            for n in range(1, k):
                prev, cur = cur, t * cur - n * prev
            return s.phi(P, z, p) * (cur if k else prev)

        a.append(integrate_t(h, s.act.kinks, arb(0), arb(1), _poly_tail(poly, T), T=T))
    b = tuple(ak * ak / arb.fac_ui(k) for k, ak in enumerate(a))
    R = 1 - sum(b, arb(0))
    # R_K >= 0 by Parseval; a ball below 0 would be a wrong integral: parseval_ok is then False
    return Mehler(b, arb.max(arb(R.upper()), arb(0)), tuple(a), bool(R.upper() >= 0))


def _newton_centre(M):
    """c* in float64: Newton from 0 on the partial sum (G convex, decreasing at 0)."""
    b = [float(x.mid()) for x in M.b]
    c = 0.0
    for _ in range(60):
        G = sum(bk * c ** k for k, bk in enumerate(b)) - c
        dG = sum(k * bk * c ** (k - 1) for k, bk in enumerate(b) if k) - 1
        step = G / dG
        c = min(max(c - step, -0.999), 0.999)
        if abs(step) < 1e-300:
            break
    return c


def correlation_fixed_point(M, radii=C_RADII):
    """``(X, K(X), dC over the final box, steps)``: a Krawczyk box of c* for the :class:`Mehler` ``M``,
    narrowed by iterating ``X <- K(X)`` while it shrinks; ``None`` when no box contracts."""
    m = arb(repr(_newton_centre(M)))
    y = 1 / arb(float(M.dC(m).mid()) - 1)
    for r in radii:
        X = m + arb(0, arb(r))
        if not abs(X).upper() < 1:
            continue
        K = m - y * (M.C(m) - m) + (1 - y * (M.dC(X) - 1)) * (X - m)
        if not (K > X.lower() and K < X.upper()):
            continue
        steps = 1
        for _ in range(12):
            X, old = K, K
            mid = arb(X.mid())
            y = 1 / arb(float(M.dC(mid).mid()) - 1)
            K = mid - y * (M.C(mid) - mid) + (1 - y * (M.dC(X) - 1)) * (X - mid)
            steps += 1
            K = K.intersection(X) if K.overlaps(X) else X
            if not _w(K) < 0.5 * _w(old):
                break
        return K, M.dC(K), steps
    return None


@dataclass(frozen=True)
class LecunMeanField:
    """The certified LeCun mean field of one scaled activation (module docstring)."""

    name: str
    family: str
    constants: dict
    #: length map: q* = 1 (by construction), F'(1) ball, attracting / repelling / neutral / undecided
    length_slope: str
    q_star_stability: str
    q_star_proof: str
    chi1: str
    chi1_width: float
    regime: str
    #: the Krawczyk enclosure of c* (ball text, outward float ends), C'(c*) over it
    c_star: str
    c_star_lo: float
    c_star_hi: float
    dC_at_c_star: str
    c_star_attracting: bool
    #: C(-1) = E[phi(Z) phi(-Z)] (ball text)
    C_at_minus_1: str
    K: int
    remainder: float
    checks: dict = field(default_factory=dict)
    proof: str = ""
    seconds: float = 0.0
    prec: int = PREC

    @property
    def c_star_width(self):
        return self.c_star_hi - self.c_star_lo

    @property
    def certified(self):
        return (self.regime != "undecided" and self.c_star_attracting and self.q_star_stability != "undecided"
                and all(self.checks.values()))

    @property
    def exit_code(self):
        return 0 if self.certified else 3

    def to_json(self):
        return {"activation": self.name, "family": self.family, "constants": self.constants,
                "q_star": "1", "dF_at_q_star": self.length_slope, "q_star_stability": self.q_star_stability,
                "q_star_proof": self.q_star_proof, "chi_1": self.chi1, "chi_1_width": self.chi1_width,
                "regime": self.regime, "c_star": self.c_star, "c_star_enclosure": [self.c_star_lo, self.c_star_hi],
                "c_star_width": self.c_star_width, "dC_at_c_star": self.dC_at_c_star,
                "c_star_attracting": self.c_star_attracting, "C_at_minus_1": self.C_at_minus_1,
                "hermite_terms_K": self.K, "parseval_remainder": self.remainder, "checks": self.checks,
                "proof": self.proof, "certified": self.certified, "seconds": round(self.seconds, 3),
                "prec_bits": self.prec}

    def render(self):
        consts = ", ".join(f"{k} = {arb(v).str(17, radius=False)}" for k, v in self.constants.items())
        lines = [f"{self.name}: LeCun mean field (s_w^2 = 1, s_b^2 = 0) of {self.family} phi ({consts})",
                 f"  q*  = 1 (by construction), F'(q*) in {arb(self.length_slope).str(15)}: {self.q_star_stability}",
                 f"        {self.q_star_proof}",
                 f"  chi_1 in {self.chi1}   (width {self.chi1_width:.1e}): {self.regime}",
                 f"  c*  in [{self.c_star_lo:.3e}, {self.c_star_hi:.3e}]   (width {self.c_star_width:.1e}; "
                 f"c* = 0 exactly since E phi(Z) = 0)",
                 f"  C'(c*) in {arb(self.dC_at_c_star).str(15)} < 1: "
                 f"{'attracting' if self.c_star_attracting else 'NOT CERTIFIED'}; C(-1) in {arb(self.C_at_minus_1).str(10)}",
                 f"  Mehler: K = {self.K} Hermite terms, Parseval remainder R_K <= {self.remainder:.2e}",
                 f"  {self.proof}"]
        for k, v in self.checks.items():
            lines.append(f"  check {k}: {'ok' if v else 'FAILED'}")
        lines.append(f"  ({self.seconds:.2f} s at {self.prec} bits)")
        return "\n".join(lines)


@dataclass(frozen=True)
class LecunMeanFieldTable:
    """:class:`LecunMeanField` rows: which activations are ordered, critical or chaotic at LeCun."""

    rows: tuple

    @property
    def exit_code(self):
        return max((r.exit_code for r in self.rows), default=0)

    def to_json(self):
        return {"lecun_meanfield": [r.to_json() for r in self.rows], "ok": self.exit_code == 0}

    def render(self):
        out = [f"{'activation':11s} {'q*':>3s} {'F_prime(q*)':>12s} {'q* is':>11s} {'chi_1':>20s} {'regime':8s} "
               f"{'c* enclosure':>25s} {'C_prime(c*)':>14s} {'K':>3s} {'s':>5s}"]
        for r in self.rows:
            out.append(f"{r.name:11s} {'1':>3s} {arb(r.length_slope).str(7, radius=False):>12s} "
                       f"{r.q_star_stability:>11s} {arb(r.chi1).str(15, radius=False):>20s} {r.regime:8s} "
                       f"{f'[{r.c_star_lo:.1e}, {r.c_star_hi:.1e}]':>25s} "
                       f"{arb(r.dC_at_c_star).str(9, radius=False):>14s} {r.K:3d} {r.seconds:5.2f}")
        out.append("(LeCun: s_w^2 = 1, s_b^2 = 0; Arb balls at 160 bits.  chi_1 >= 1 for every self-normalised phi "
                   "(Gaussian Poincare), so none is ordered; c* = 0 exactly (E phi = 0), enclosed by Krawczyk on "
                   "the Mehler series and attracting (C'(0) = E[phi']^2 < 1); `activation NAME --meanfield` for "
                   "the proofs)")
        return "\n".join(out)


def _C_minus_1(s, A, B):
    """``C(-1) = E[phi(Z) phi(-Z)]`` by one integral: ``-z`` lies on the mirrored piece (the
    kinks are ``()`` or ``(0,)``, symmetric about 0)."""
    kinks = s.act.kinks
    if any(k != 0 for k in kinks):
        raise ArithmeticError("C(-1) by mirroring needs kinks symmetric about 0")
    P = get_primitives("arb")
    n = len(kinks)
    return integrate_t(lambda z, p, t: s.phi(P, z, p) * s.phi(P, -z, n - p), kinks, arb(0), arb(1),
                       _poly_tail([A * A, 2 * A * B, B * B]))


def _stability(s, slope):
    if s.name in HOMOGENEOUS:
        exact = bool(slope.contains(1))
        return ("neutral" if exact else "undecided",
                "F(q) = q + lambda^2 beta^2 (sqrt q - 1)^2 exactly (f positively homogeneous): F'(1) = 1, "
                "q* attracts from below and repels above" + ("" if exact else " [ball misses 1: FAILED]"))
    if abs(slope) < 1:
        return "attracting", "|F'(1)| < 1 certified: q* = 1 attracts nearby q"
    if slope > 1:
        return "repelling", "F'(1) > 1 certified: q* = 1 repels (the length map leaves it)"
    return "undecided", "the ball of F'(1) meets +-1"


def lecun_meanfield(name, K=K_DEFAULT, c=None):
    """The certified :class:`LecunMeanField` of activation ``name`` (module docstring);
    ``c``: its :class:`activations.Constants` when already computed."""
    try:
        act = get_activation(name)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    t0 = time.perf_counter()
    with ctx.workprec(PREC):
        s = scaled(act.name, c)
        M = mehler(s, K)
        P = get_primitives("arb")
        (A, B), _ = s.growth()
        second = integrate_t(lambda z, p, t: s.phi(P, z, p) ** 2, s.act.kinks, arb(0), arb(1),
                             _poly_tail([A * A, 2 * A * B, B * B]))
        stability, q_proof = _stability(s, s.slope)
        chi = s.chi1
        regime = "chaotic" if chi > 1 else "ordered" if chi < 1 else "undecided"
        fp = correlation_fixed_point(M)
        if fp is None:
            X, dCX, steps, inside = arb(0, 1), arb("nan"), 0, False
        else:
            (X, dCX, steps), inside = fp, True
        attracting = inside and bool(abs(dCX) < 1)
        partial_chi = sum((k * bk for k, bk in enumerate(M.b)), arb(0))
        Cm1 = _C_minus_1(s, A, B)
        if not Cm1.overlaps(M.C(arb(-1))):
            raise ArithmeticError(f"{s.name}: C(-1) by the Mehler sum and by E[phi(Z) phi(-Z)] disagree")
        checks = {"a_0 = E phi(Z) contains 0 (E phi = 0 by construction)": bool(M.a[0].contains(0)),
                  "E phi(Z)^2 contains 1": bool(second.contains(1)),
                  "Parseval: sum_{k<=K} b_k <= E phi^2 = 1": M.parseval_ok,
                  "Mehler: sum_{k<=K} k b_k <= chi_1": bool(partial_chi.lower() <= chi.upper()),
                  "Krawczyk: K(X) inside X": inside,
                  "c* enclosure contains 0": bool(X.contains(0)),
                  "chi_1 > 1 (G'(1) > 0: c* unique in [0, 1))": bool(chi > 1)}
        if s.name in ODD:
            checks["C(-1) contains -1 (phi odd)"] = bool(Cm1.contains(-1))
        proof = (f"Krawczyk on G = C - id over the Mehler series ({steps} steps); unique in [0, 1) as G is convex "
                 "(b_k >= 0) with G(1) = 0, G'(1) = chi_1 - 1 > 0")
    return LecunMeanField(
        act.name, s.family, s.constants, _s(s.slope, 40), stability, q_proof, _s(chi, 40), _w(chi), regime,
        _s(X, 20), _float_down(X) if inside else -1.0, _float_up(X) if inside else 1.0,
        _s(dCX, 40), attracting, _s(Cm1, 15), M.K, float(M.R), checks, proof,
        time.perf_counter() - t0)


def table(names=None, K=K_DEFAULT, constants=None):
    """:class:`LecunMeanFieldTable` of ``names`` (default: every registered activation);
    ``constants``: name -> :class:`activations.Constants` already computed (the report's)."""
    constants = constants or {}
    return LecunMeanFieldTable(tuple(lecun_meanfield(n, K, constants.get(n)) for n in (names or ACTS)))
