r"""Certified mean-field theory of wide SELU networks with LeCun-type weights (Arb).

The model, the closed forms and the lemmas are derived in :mod:`snn_verify.theory.meanfield`:
the layer maps the second moment ``q`` of its inputs to ``F(q) = E[selu(sqrt(Q) Z)^2]``,
``Q = s_w^2 q + s_b^2``.  Here every quantity is a ball of python-flint's Arb (outward
rounding) built from the trusted base's generated half-line integrals
(:func:`snn_verify.proofs.rigorous.trusted.generated`, ``blocks`` at ``m = 0, s = sqrt(Q)``),
with alpha and lambda the trusted balls of alpha01, lambda01 or intervals (float32).

The length-map theorem, for one ``(s_w^2, s_b^2)``
--------------------------------------------------
*F is increasing on (0, inf), has exactly one fixed point q* on (0, inf), which lies in the
certified enclosure [q_lo, q_hi], F(q) > q on (0, q*) and F(q) < q on (q*, inf); so every
q > 0 converges monotonically to q*, at the rate F'(q*) < 1.*

The proof covers ``(0, inf)`` with pieces, each closed by one rule (the lemmas are those of
:mod:`snn_verify.theory.meanfield`):

``monotone``  ``F'(q) >= s_w^2 lambda^2 (1/2 - alpha^2/16)`` for every q (``2y^2 - y >= -1/8``);
              certified ``> 0``: F is increasing.
``ratio``     ``(0, q0]``: ``F(q)/q`` is strictly decreasing, so ``F(q)/q >= F(q0)/q0 > 1``.
``above``     ``[a, b]`` left of q*: ``F(q) >= F(a) > b >= q`` (F increasing).
``crossing``  ``[a, b]`` around ``[q_lo, q_hi]``: ``F' < 1`` on ``[a, b]`` (balls over the
              pieces of a split), so ``F(q) - q`` is strictly decreasing there, ``> 0`` at
              ``q_lo`` and ``< 0`` at ``q_hi`` (point balls): one zero, in ``(q_lo, q_hi)``.
``below``     ``[a, b]`` right of q*: ``F(q) <= F(b) < a <= q``.
``linear``    ``[Q_max, inf)``: ``F(q) <= lambda^2 (s_w^2 q + s_b^2 + alpha^2)/2 < q`` since
              ``lambda^2 s_w^2 < 2`` and the bound holds at ``Q_max``.

The enclosure ``[q_lo, q_hi]`` comes from a Krawczyk operator: with ``g = F - id``, a centre
``c`` (mpmath Newton) and ``y ~ 1/g'(c)``, ``K(X) = c - y g(c) + (1 - y g'(X))(X - c)``
inside ``X`` proves one zero of g in X, and it lies in ``K(X)``.

At the fixed point: ``F'(q*)``; ``chi_1 = s_w^2 E[selu'(sqrt(Q*) Z)^2]`` (> 1: chaotic); the
pooled mean ``E[selu(sqrt(Q*) Z)]``; and without biases ``C(0) = E[selu]^2/q*``,
``C'(0) = s_w^2 E[selu']^2`` and ``C(-1) = -2 lambda^2 alpha Q* N_1 / q*``.

Correlation fixed points at LeCun (s_w^2 = 1, s_b^2 = 0, alpha01, lambda01).  By Mehler's
expansion ``C(c) = sum_k a_k c^k`` with ``a_k >= 0``.  ``C(0) = 0`` (alpha01 makes ``E[selu(Z)]
= 0``), ``C(1) = 1`` and ``C'(0) < 1 < C'(1) = chi_1`` make C strictly convex on [0, 1] and
below the chord: ``C(c) < c`` on (0, 1).  On [-1, 0), ``|C(c)| <= C(|c|) < |c|`` for ``c > -1``
and ``C(-1) > -1``.  So ``c = 0`` (attracting) and ``c = 1`` (unstable) are the only fixed
points in [-1, 1].

Every row is written as a certificate (format :data:`FORMAT`) that
:mod:`snn_verify.proofs.rigorous.recheck.meanfield` re-checks independently.

Example
-------
>>> row = certify_row("1", "0")
>>> row.certified, row.enclosures["q_star"][0] <= 1 <= row.enclosures["q_star"][1]
(True, True)
>>> lo, hi = row.enclosures["chi_1"]
>>> 1.0715749924 < lo < hi < 1.0715749925
True
"""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

import mpmath
from flint import arb, ctx

from snn_verify.errors import InputError

from .trusted import (PREC, at_working_precision, decimal_ball, digest, generated, generated_digest,
                      parameters)

#: the certificate's format string
FORMAT = "snn-verify meanfield certificate 1"
#: the default table of (s_w^2, s_b^2)
TABLE = (("1", "0"), ("1", "0.05"), ("0.95", "0.05"), ("1.05", "0"))
#: the ratio piece's end (0, Q0] when q* is well above it
Q0 = "0.01"
#: significant digits of the cover's piece ends
POINT_DIGITS = 8
#: significant digits of the enclosures' ends
ENCLOSURE_DIGITS = 17
#: significant digits of q*'s enclosure (narrow: c* depends on it)
Q_STAR_DIGITS = 21


# --- the maps in Arb ----------------------------------------------------------------------------

def maps(Q, lam, alpha):
    """Balls ``{F, dFdQ, mean, dphi, dphi2, N1}`` at net-input variance ``Q`` (a ball > 0)."""
    _, M1, M2, N0, _, _, N1, N2 = generated()["blocks"](arb(0), Q.sqrt())
    half = arb(1) / 2
    return {"F": lam * lam * (M2 + alpha * alpha * (N2 - 2 * N1 + N0)),
            "dFdQ": lam * lam * (half + alpha * alpha * (2 * N2 - N1)),
            "mean": lam * (M1 + alpha * (N1 - N0)),
            "dphi": lam * (half + alpha * N1),
            "dphi2": lam * lam * (half + alpha * alpha * N2),
            "N1": N1}


@dataclass(frozen=True)
class Setting:
    """Balls of one row: ``sw2``, ``sb2``, ``lam``, ``alpha`` (and the row's decimal texts)."""

    sw2_text: str
    sb2_text: str
    alpha_text: tuple = ()
    lambda_text: tuple = ()

    def balls(self):
        lam, alpha = parameters()
        if self.lambda_text:
            lam = decimal_ball(self.lambda_text[0]).union(decimal_ball(self.lambda_text[1]))
        if self.alpha_text:
            alpha = decimal_ball(self.alpha_text[0]).union(decimal_ball(self.alpha_text[1]))
        return decimal_ball(self.sw2_text), decimal_ball(self.sb2_text), lam, alpha

    @property
    def exact(self):
        return not (self.alpha_text or self.lambda_text)

    def model(self):
        out = {"sw2": self.sw2_text, "sb2": self.sb2_text}
        if self.alpha_text:
            out["alpha"] = list(self.alpha_text)
        if self.lambda_text:
            out["lambda"] = list(self.lambda_text)
        return out

    def F(self, q):
        sw2, sb2, lam, alpha = self.balls()
        return maps(sw2 * q + sb2, lam, alpha)["F"]

    def dF(self, q):
        sw2, sb2, lam, alpha = self.balls()
        return sw2 * maps(sw2 * q + sb2, lam, alpha)["dFdQ"]


def canonical(text):
    """The decimal text of ``text`` in the certificate's form (``".5"`` -> ``"0.5"``,
    ``"1e-1"`` -> ``"0.1"``); :class:`~snn_verify.errors.InputError` if it is not a finite decimal."""
    from decimal import InvalidOperation

    try:
        d = Decimal(str(text).strip())
    except InvalidOperation:
        raise InputError(f"not a decimal number: {text!r}") from None
    if not d.is_finite():
        raise InputError(f"not a finite number: {text!r}")
    return format(d.normalize(), "f") if d == d.to_integral_value() and abs(d) < 10 ** 6 else str(d)


def span(lo, hi):
    """A ball containing ``[lo, hi]`` (two decimal texts)."""
    return decimal_ball(lo).union(decimal_ball(hi))


# --- decimal ends ---------------------------------------------------------------------------------

def _round(value, digits, rounding):
    with localcontext() as c:
        c.prec, c.rounding = digits, rounding
        return +Decimal(value)


def decimal_below(x, digits=ENCLOSURE_DIGITS):
    """A decimal text ``t`` with ``t <= every point of x`` (checked in Arb)."""
    d = _round(_near(x.lower(), digits), digits, ROUND_FLOOR)
    while not decimal_ball(str(d)) <= x:
        d = _round(d - _ulp(d, digits), digits, ROUND_FLOOR)
    return str(d)


def decimal_above(x, digits=ENCLOSURE_DIGITS):
    """A decimal text ``t`` with ``t >= every point of x`` (checked in Arb)."""
    d = _round(_near(x.upper(), digits), digits, ROUND_CEILING)
    while not decimal_ball(str(d)) >= x:
        d = _round(d + _ulp(d, digits), digits, ROUND_CEILING)
    return str(d)


def _near(x, digits):
    """A Decimal near the exact ball end ``x`` (to about ``digits + 5`` digits; the callers
    round it and then confirm the side in Arb)."""
    return Decimal(x.mid().str(digits + 5, radius=False).replace(" ", "")) if x != 0 else Decimal(0)


def _ulp(d, digits):
    """A few units in the last of ``digits`` places of ``d`` (1e-40 at 0)."""
    return Decimal(4).scaleb(d.adjusted() - digits + 1) if d else Decimal("1e-40")


def point(x, digits=POINT_DIGITS, rounding=ROUND_FLOOR):
    """A short decimal text near the float ``x``."""
    return str(_round(x, digits, rounding))


# --- the fixed point: Krawczyk ------------------------------------------------------------------

def krawczyk(setting, centre, radii=(1e-14, 1e-11, 1e-8, 1e-6, 1e-4)):
    """``(X, K)``: the first box ``X = centre +- r`` with ``K(X)`` inside X (one zero of
    ``F(q) - q`` in X, and it lies in ``K``), or ``None``."""
    c = arb(centre)
    gc = setting.F(c) - c
    y = arb(1 / (float(setting.dF(c).mid()) - 1))
    for r in radii:
        X = arb(centre, r)
        K = c - y * gc + (1 - y * (setting.dF(X) - 1)) * (X - c)
        if K.lower() > X.lower() and K.upper() < X.upper():
            return X, K
    return None


def _fixed_enclosure(setting, K):
    """Decimal ends ``lo < hi`` around K with ``F(lo) > lo`` and ``F(hi) < hi`` in Arb."""
    lo, hi = decimal_below(K, Q_STAR_DIGITS), decimal_above(K, Q_STAR_DIGITS)
    for _ in range(60):
        ok_lo = setting.F(decimal_ball(lo)) - decimal_ball(lo) > 0
        ok_hi = setting.F(decimal_ball(hi)) - decimal_ball(hi) < 0
        if ok_lo and ok_hi:
            return lo, hi
        w = max(float(K.rad()), 1e-20) * 2
        if not ok_lo:
            lo = decimal_below(decimal_ball(lo) - w, Q_STAR_DIGITS)
        if not ok_hi:
            hi = decimal_above(decimal_ball(hi) + w, Q_STAR_DIGITS)
    raise ArithmeticError("no enclosure of q* with certified end signs")


# --- the correlation map's fixed point c* ------------------------------------------------------------

def correlation_parts(setting, qs, c):
    """Balls ``(C(c) - c, C'(c))`` over the q* ball ``qs`` and the c ball ``c``:
    ``C(c) = E[phi(u) phi(v)]/q*``, ``C'(c) = s_w^2 E[phi'(u) phi'(v)]``, with
    ``rho = (s_w^2 q* c + s_b^2)/Q*`` (:mod:`snn_verify.proofs.rigorous.gaussian`)."""
    from .gaussian import selu_pairs

    sw2, sb2, lam, alpha = setting.balls()
    Q = sw2 * qs + sb2
    rho = (sw2 * qs * c + sb2) / Q
    phiphi, dphidphi = selu_pairs(Q, rho, lam, alpha)
    return phiphi / qs - c, sw2 * dphidphi


#: half-widths tried for the Krawczyk box of c*
C_RADII = (1e-16, 1e-15, 1e-14, 1e-13, 4e-13, 1e-11, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4)


def _newton_start(setting, q_lo):
    """c* in float64: Newton from c = 0 on the float64 map of :mod:`snn_verify.theory.meanfield`
    (G = C - id is convex where rho >= 0 and decreasing at 0, so Newton climbs to the smaller
    zero)."""
    from snn_verify.theory.meanfield import correlation_map

    sw2, sb2, lam, alpha = (float(v.mid()) for v in setting.balls())
    C = lambda c: correlation_map(c, sw2, sb2, lam, alpha, q=float(q_lo))  # noqa: E731
    c, h = 0.0, 1e-6
    for _ in range(30):
        G, dG = C(c) - c, (C(c + h) - C(c - h)) / (2 * h) - 1
        step = G / dG
        c = min(max(c - step, 0.0), 0.999)
        if abs(step) < 1e-9:
            break
    return c


def correlation_fixed_point(setting, q_lo, q_hi, radii=C_RADII):
    """``(X, dC)``: decimal ends of a box X with one fixed point c* of C inside (Krawczyk), and
    C' over X; the centre by Newton in Arb (64 bits) from :func:`_newton_start`."""
    qs = span(q_lo, q_hi)
    c = _newton_start(setting, q_lo)
    with ctx.workprec(64):
        for _ in range(8):
            G, dC = correlation_parts(setting, span(q_lo, q_hi), arb(c))
            step = float(G.mid()) / (float(dC.mid()) - 1)
            c -= step
            if abs(step) < 1e-17:
                break
    m = arb(repr(c))
    G, dC = correlation_parts(setting, qs, m)
    y = arb(1 / (float(dC.mid()) - 1))
    for r in radii:
        lo, hi = point(c - r, 17), point(c + r, 17, ROUND_CEILING)
        X = span(lo, hi)
        mid = (decimal_ball(lo) + decimal_ball(hi)) / 2
        Gm, _ = correlation_parts(setting, qs, mid)
        _, dCX = correlation_parts(setting, qs, X)
        K = mid - y * Gm + (1 - y * (dCX - 1)) * (X - mid)
        if K > decimal_ball(lo) and K < decimal_ball(hi):
            return (lo, hi), dCX
    raise ArithmeticError("Krawczyk: no box around c* contracted")


# --- the cover of (0, inf) ------------------------------------------------------------------------

def _dF_below_one(setting, lo, hi, depth=0):
    """Points splitting ``[lo, hi]`` into pieces with ``F' < 1`` over each ball, or ``None``."""
    if setting.dF(span(lo, hi)) < 1:
        return [lo, hi]
    if depth >= 10:
        return None
    mid = point((float(lo) + float(hi)) / 2, 12)
    if not Fraction(lo) < Fraction(mid) < Fraction(hi):
        return None
    left = _dF_below_one(setting, lo, mid, depth + 1)
    right = left and _dF_below_one(setting, mid, hi, depth + 1)
    return left[:-1] + right if right else None


def _crossing(setting, q_lo, q_hi):
    for f in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
        a, b = point(float(q_lo) * f), point(float(q_hi) * (2 - f / 2) + 1e-6, rounding=ROUND_CEILING)
        points = _dF_below_one(setting, a, b)
        if points:
            return {"rule": "crossing", "lo": a, "hi": b, "split": points[1:-1]}
    raise ArithmeticError("F' < 1 not certified around q*")


def _pieces(setting, rule, lo, end):
    """``rule`` pieces ``[a, b]`` from ``lo`` to ``end``: ``"above"`` with F(a) > b on each
    (below q*), ``"below"`` with F(b) < a on each (above q*).  Each piece starts at half the
    distance to F's value and halves until Arb decides its inequality."""
    above = rule == "above"
    pieces = []
    while Fraction(lo) < Fraction(end):
        F = setting.F(decimal_ball(lo))
        step = 0.5 * (float(F.mid()) - float(lo)) * (1 if above else -1)
        for _ in range(60):
            hi = point(float(lo) + step, rounding=ROUND_FLOOR if above else ROUND_CEILING)
            if Fraction(hi) >= Fraction(end):
                hi = end
            if Fraction(hi) > Fraction(lo) and (F > decimal_ball(hi) if above
                                                else setting.F(decimal_ball(hi)) < decimal_ball(lo)):
                break
            step /= 2
        else:
            raise ArithmeticError(f"no {rule}-piece from {lo}")
        pieces.append({"rule": rule, "lo": lo, "hi": hi})
        lo = hi
    return pieces


def _q_max(setting, start):
    """An integer text ``Q_max >= start`` with the ``linear`` rule's bound certified."""
    sw2, sb2, lam, alpha = setting.balls()
    if not lam * lam * sw2 < 2:
        raise ArithmeticError("lambda^2 s_w^2 < 2 not certified: F(q)/q does not fall below 1")
    bound = lam * lam * (sb2 + alpha * alpha) / (2 - lam * lam * sw2)
    n = max(math.ceil(float(bound.upper()) * 1.25), math.ceil(float(start)) + 1)
    while True:
        Q = arb(n)
        if lam * lam * (sw2 * Q + sb2 + alpha * alpha) < 2 * Q:
            return str(n)
        n *= 2


# --- one row ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One certified row: its setting, the certificate, the enclosures ``{name: (lo, hi)}``
    (floats of the certified decimal ends) and the theorem's statements."""

    setting: Setting
    certificate: dict
    enclosures: dict
    statements: tuple
    seconds: float
    certified: bool = True
    path: str = ""

    @property
    def name(self):
        s = self.setting
        tag = "" if s.exact else " (float32 alpha, lambda)"
        return f"s_w^2 = {s.sw2_text}, s_b^2 = {s.sb2_text}{tag}"

    def to_json(self):
        return {"name": self.name, "model": self.setting.model(), "certified": self.certified,
                "enclosures": {k: list(v) for k, v in self.enclosures.items()},
                "statements": list(self.statements), "pieces": len(self.certificate["cover"]),
                "seconds": round(self.seconds, 3), "certificate": self.path or None}


def _claim(quantity, ball, relation=None, bound=None):
    # padded, so that a checker evaluating the same closed form in another order of
    # operations, or integrating over another range (ball radii differ in second order),
    # still finds its ball inside
    pad = ball.rad() / 4 + (abs(ball.mid()) + 1) * arb("1e-19")
    out = {"quantity": quantity, "lo": decimal_below(ball - pad), "hi": decimal_above(ball + pad)}
    if relation:
        out.update(relation=relation, bound=bound)
    return out


def _relation(ball, bound="1"):
    b = decimal_ball(bound)
    return ">" if ball > b else "<" if ball < b else None


@at_working_precision
def certify_row(sw2="1", sb2="0", alpha=(), lambda_=(), correlation=True):
    """Certify the length-map theorem and the fixed-point quantities for one row; returns a
    :class:`Row` (raises :class:`ArithmeticError` where a step cannot be certified).  With
    ``correlation``, ``chi_1 > 1`` and alpha01, lambda01 (not intervals), also the correlation
    map's fixed point c* (Krawczyk over rigorous integrals) and ``C'(c*) < 1``."""
    from snn_verify.theory.meanfield import fixed_point

    start = time.perf_counter()
    setting = Setting(canonical(sw2), canonical(sb2), tuple(alpha), tuple(lambda_))
    sw2_b, sb2_b, lam, al = setting.balls()
    if not (sw2_b > 0 and sb2_b >= 0):
        raise InputError("s_w^2 > 0 and s_b^2 >= 0 expected")
    mono = sw2_b * lam * lam * (arb(1) / 2 - al * al / 16)
    if not mono > 0:
        raise ArithmeticError("F increasing not certified")
    if not lam * lam * sw2_b < 2:
        raise ArithmeticError("lambda^2 s_w^2 < 2 not certified: F(q)/q need not fall below 1, "
                              "q* may not exist")
    try:
        centre = fixed_point(float(sw2), float(sb2), float(lam.mid()), float(al.mid()), digits=30)
        if not (isinstance(centre, mpmath.mpf) and mpmath.isfinite(centre) and centre > 0):
            raise ValueError(centre)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise ArithmeticError("Newton found no fixed point q* > 0 (F(q) < q near 0?)") from None
    box = krawczyk(setting, str(centre))
    if box is None:
        raise ArithmeticError("Krawczyk: no box around q* contracted")
    q_lo, q_hi = _fixed_enclosure(setting, box[1])
    crossing = _crossing(setting, q_lo, q_hi)
    q0 = Q0 if float(q_lo) > 4 * float(Q0) else point(float(q_lo) / 4)
    if not setting.F(decimal_ball(q0)) > decimal_ball(q0):
        raise ArithmeticError("F(q0) > q0 not certified")
    q_max = _q_max(setting, crossing["hi"])
    cover = ([{"rule": "ratio", "lo": "0", "hi": q0}] + _pieces(setting, "above", q0, crossing["lo"]) + [crossing]
             + _pieces(setting, "below", crossing["hi"], q_max) + [{"rule": "linear", "lo": q_max, "hi": "inf"}])

    qs = span(q_lo, q_hi)
    Qs = sw2_b * qs + sb2_b
    m = maps(Qs, lam, al)
    dF, chi = sw2_b * m["dFdQ"], sw2_b * m["dphi2"]
    claims = [_claim("dF_lower", mono, ">", "0"), {"quantity": "q_star", "lo": q_lo, "hi": q_hi},
              _claim("dF_at_q_star", dF, "<", "1"), _claim("chi_1", chi, _relation(chi), "1"),
              _claim("mean_at_q_star", m["mean"])]
    if not dF < 1:
        raise ArithmeticError("F'(q*) < 1 not certified")
    if claims[3]["relation"] is None:
        del claims[3]["relation"], claims[3]["bound"]
    if setting.sb2_text and Fraction(setting.sb2_text) == 0:
        dC0 = sw2_b * m["dphi"] * m["dphi"]
        Cm1 = -2 * lam * lam * al * Qs * m["N1"] / qs
        claims += [_claim("C_at_0", m["mean"] * m["mean"] / qs),
                   _claim("dC_at_0", dC0, _relation(dC0), "1"),
                   _claim("C_at_minus_1", Cm1, ">", "-1")]
        if claims[-2]["relation"] is None:
            del claims[-2]["relation"], claims[-2]["bound"]
    if correlation and setting.exact and _claim_relation(claims, "chi_1") == ">":
        (c_lo, c_hi), dCX = correlation_fixed_point(setting, q_lo, q_hi)
        if not (dCX < 1 and dCX > 0):
            raise ArithmeticError("|C'(c*)| < 1 not certified")
        claims += [{"quantity": "c_star", "lo": c_lo, "hi": c_hi},
                   _claim("dC_at_c_star", dCX, "<", "1")]
    body = {"format": FORMAT, "model": setting.model(), "claims": claims, "cover": cover,
            "generated_sha256": generated_digest()}
    cert = dict(body, sha256=digest(body))
    enclosures = {c["quantity"]: (float(c["lo"]), float(c["hi"])) for c in claims}
    return Row(setting, cert, enclosures, statements(cert), time.perf_counter() - start)


def _claim_relation(claims, name):
    return next((c.get("relation") for c in claims if c["quantity"] == name), None)


def statements(cert):
    """The theorem a certificate states, in words (from its claims)."""
    model, claims = cert["model"], {c["quantity"]: c for c in cert["claims"]}
    q = claims["q_star"]
    out = [f"F is increasing on (0, inf): F'(q) >= {claims['dF_lower']['lo'][:8]} > 0",
           f"q* is the unique fixed point of F on (0, inf), q* in [{q['lo']}, {q['hi']}]",
           "F(q) > q on (0, q*) and F(q) < q on (q*, inf): every q > 0 converges monotonically to q*",
           f"rate F'(q*) in [{claims['dF_at_q_star']['lo']}, {claims['dF_at_q_star']['hi']}] < 1"]
    chi = claims["chi_1"]
    side = {">": "> 1: c = 1 is unstable (chaotic side)", "<": "< 1: c = 1 attracts (ordered side)"}
    out.append(f"chi_1 in [{chi['lo']}, {chi['hi']}] " + side.get(chi.get("relation"), "(side undecided)"))
    if "dC_at_0" in claims:
        d, c0 = claims["dC_at_0"], claims["C_at_0"]
        out.append(f"C(0) in [{c0['lo']}, {c0['hi']}], C'(0) in [{d['lo']}, {d['hi']}]"
                   + (" < 1" if d.get("relation") == "<" else ""))
        if ("alpha" not in model and "lambda" not in model and Fraction(model["sw2"]) == 1
                and chi.get("relation") == ">" and d.get("relation") == "<"
                and claims.get("C_at_minus_1", {}).get("relation") == ">"):
            out.append("c = 0 (attracting) and c = 1 (unstable) are the only fixed points of C in [-1, 1]")
    if "c_star" in claims:
        cs, dcs = claims["c_star"], claims["dC_at_c_star"]
        out.append(f"c* in [{cs['lo']}, {cs['hi']}]: the only fixed point of C in that box and, with c = 1, "
                   f"the only ones where rho(c) >= 0; C'(c*) in [{dcs['lo']}, {dcs['hi']}] < 1 (attracting)")
    return tuple(out)


# --- the phase diagram ------------------------------------------------------------------------------

#: s_b^2 of the phase-diagram points
PHASE_SB2 = ("0.05", "0.1", "0.2")
#: half-width of the bracket of a phase-diagram point
PHASE_HALF_WIDTH = 5e-14


@dataclass(frozen=True)
class PhasePoint:
    r"""A point of the order-to-chaos curve ``chi_1(s_w^2, s_b^2) = 1``: at ``s_b^2 = sb2`` a
    critical ``s_w^2`` lies in ``[lo, hi]``, proved by two certified rows: ``chi_1 < 1`` at ``lo``
    and ``chi_1 > 1`` at ``hi``.

    Between them q*(s_w^2) exists, is unique and continuous: ``F(q)/q`` is strictly decreasing
    in q (lemma L2) and increasing in s_w^2, it exceeds 1 near 0 (``s_b^2 > 0``) and falls below
    1 at infinity (``lambda^2 s_w^2 < 2``, certified at ``hi``); ``F'(q*) < F(q*)/q* = 1``, so
    the implicit function theorem applies.  So ``chi_1`` is continuous in ``s_w^2`` and takes
    the value 1 in ``(lo, hi)``."""

    sb2: str
    lo: str
    hi: str
    rows: tuple

    def to_json(self):
        return {"sb2": self.sb2, "sw2_critical": [self.lo, self.hi],
                "certificates": [r.path or None for r in self.rows]}


def phase_point(sb2, half_width=PHASE_HALF_WIDTH):
    """The critical ``s_w^2`` at ``sb2 > 0`` as a :class:`PhasePoint` (brentq in float64 for the
    centre, then the two rows certified in Arb)."""
    from scipy.optimize import brentq

    from snn_verify.theory.meanfield import chi1

    if not float(sb2) > 0:
        raise InputError("phase points are for s_b^2 > 0 (at s_b^2 = 0, q* -> 0 where chi_1 -> 1)")
    centre = brentq(lambda a: chi1(a, float(sb2)) - 1, 0.5, 1.6, xtol=1e-16)
    w = half_width
    for _ in range(8):
        lo, hi = point(centre - w, 16), point(centre + w, 16, ROUND_CEILING)
        rows = certify_row(lo, sb2, correlation=False), certify_row(hi, sb2, correlation=False)
        rel = [_claims_of(r)["chi_1"].get("relation") for r in rows]
        if rel == ["<", ">"]:
            return PhasePoint(str(sb2), lo, hi, rows)
        w *= 10
    raise ArithmeticError(f"no certified bracket of chi_1 = 1 at s_b^2 = {sb2}")


def _claims_of(row):
    return {c["quantity"]: c for c in row.certificate["claims"]}


def critical_sw2_without_biases():
    """``2 / (lambda^2 (1 + alpha^2))`` as a ball: without biases q* > 0 exists iff s_w^2 is above
    it (``F(q)/q -> s_w^2 lambda^2 (1 + alpha^2)/2`` at 0), and ``chi_1 -> 1`` there as q* -> 0."""
    with_prec = at_working_precision(lambda: (lambda l, a: 2 / (l * l * (1 + a * a)))(*parameters()))
    return with_prec()


# --- the suite --------------------------------------------------------------------------------------

def float32_row():
    """``(alpha, lambda_)`` intervals: alpha01, lambda01 rounded to float32 +- half an ulp."""
    from .suite import float32_model

    model = float32_model()
    return tuple(model.alpha), tuple(model.lambda_)


@dataclass(frozen=True)
class MeanfieldResult:
    """``verify.py meanfield``: the certified rows, each re-checked by the independent checker."""

    rows: tuple
    problems: tuple = field(default_factory=tuple)   # (row name, [checker problems]) per rejected row
    seconds: float = 0.0
    undecided: tuple = field(default_factory=tuple)  # (row name, reason) per row not certified
    phase: tuple = field(default_factory=tuple)      # PhasePoint, ...

    @property
    def exit_code(self):
        """1: a certificate was rejected; 3: a row was left undecided; else 0."""
        return 1 if self.problems else 3 if self.undecided else 0

    def to_json(self):
        return {"format": FORMAT, "rows": [r.to_json() for r in self.rows],
                "undecided": [{"name": n, "reason": why} for n, why in self.undecided],
                "phase_diagram": [p.to_json() for p in self.phase],
                "rechecked": not self.problems, "problems": [list(p) for p in self.problems],
                "seconds": round(self.seconds, 3)}

    def render(self):
        lines = ["LeCun initialisation (mean field, certified): F(q) = E[selu(sqrt(s_w^2 q + s_b^2) Z)^2]"]
        for r in self.rows:
            lines.append(f"  {r.name}: CERTIFIED ({len(r.certificate['cover'])} pieces cover (0, inf), "
                         f"{r.seconds:.2f} s){'  -> ' + r.path if r.path else ''}")
            lines += [f"    - {s}" for s in r.statements]
        lines += [f"  {n}: UNDECIDED ({why})" for n, why in self.undecided]
        if self.phase:
            lines.append("  order-to-chaos curve chi_1(s_w^2, s_b^2) = 1 (CERTIFIED brackets; chaotic above):")
            lines += [f"    s_b^2 = {p.sb2}: critical s_w^2 in [{p.lo}, {p.hi}]" for p in self.phase]
            c = critical_sw2_without_biases()
            lines.append(f"    s_b^2 = 0: q* > 0 exists only for s_w^2 > 2/(lambda^2 (1 + alpha^2)) = "
                         f"{c.str(12, radius=False)}, where chi_1 -> 1; LeCun (1, 0) has chi_1 = 1.0716 > 1")
        if self.problems:
            verdict = "REJECTED by the checker: " + "; ".join(f"{n}: {p[0]}" for n, p in self.problems)
        elif self.rows or self.phase:
            verdict = "every certificate re-checked and accepted by the independent checker"
        else:
            verdict = "no certificate made"
        lines.append(f"  {verdict} ({self.seconds:.2f} s in all)")
        return "\n".join(lines)


def default_rows(sw2=None, sb2=None):
    """``(sw2, sb2, alpha, lambda_)`` rows: :data:`TABLE` and LeCun (1, 0) with float32
    constants; with ``sw2`` or ``sb2`` given, that setting with alpha01/lambda01 and float32."""
    if sw2 is None and sb2 is None:
        return [(a, b, (), ()) for a, b in TABLE] + [("1", "0", *float32_row())]
    sw2, sb2 = sw2 or "1", sb2 or "0"
    return [(sw2, sb2, (), ()), (sw2, sb2, *float32_row())]


def _write(row, certificates, name):
    os.makedirs(certificates, exist_ok=True)
    path = os.path.join(certificates, name)
    with open(path, "w") as fh:
        json.dump(row.certificate, fh, indent=1)
    return Row(row.setting, row.certificate, row.enclosures, row.statements, row.seconds, path=path)


def run(rows=None, certificates=None, phase=None):
    """Certify ``rows`` (``(sw2, sb2, alpha, lambda_)`` tuples; default :func:`default_rows`),
    write each certificate to ``certificates/`` if given, and re-check each with
    :func:`snn_verify.proofs.rigorous.recheck.meanfield.check`.  A row that cannot be
    certified (no fixed point, ...) is listed as undecided.  ``phase``: the s_b^2 of the
    phase-diagram points (default :data:`PHASE_SB2` with the default rows, none otherwise);
    their rows are written and re-checked too."""
    from .recheck.meanfield import check

    start = time.perf_counter()
    default = rows is None
    rows = default_rows() if default else rows
    done, problems, undecided = [], [], []
    for i, (sw2, sb2, alpha, lambda_) in enumerate(rows):
        try:
            row = certify_row(sw2, sb2, alpha, lambda_)
        except ArithmeticError as exc:
            tag = " (float32 alpha, lambda)" if alpha or lambda_ else ""
            undecided.append((f"s_w^2 = {sw2}, s_b^2 = {sb2}{tag}", str(exc)))
            continue
        if certificates:
            tag = "" if row.setting.exact else "-float32"
            row = _write(row, certificates,
                         f"meanfield-{i}-sw2-{row.setting.sw2_text}-sb2-{row.setting.sb2_text}{tag}.json")
        found = check(row.certificate)
        if found:
            problems.append((row.name, found))
        done.append(row)
    points = []
    for sb2 in (PHASE_SB2 if phase is None and default else phase or ()):
        try:
            p = phase_point(sb2)
        except ArithmeticError as exc:
            undecided.append((f"phase point at s_b^2 = {sb2}", str(exc)))
            continue
        if certificates:
            p = PhasePoint(p.sb2, p.lo, p.hi, tuple(_write(r, certificates, f"meanfield-phase-sb2-{sb2}-{side}.json")
                                                    for r, side in zip(p.rows, ("lo", "hi"))))
        for r in p.rows:
            found = check(r.certificate)
            if found:
                problems.append((f"phase point at s_b^2 = {sb2}: {r.name}", found))
        points.append(p)
    return MeanfieldResult(tuple(done), tuple(problems), time.perf_counter() - start, tuple(undecided),
                           tuple(points))


__all__ = ["FORMAT", "TABLE", "PREC", "certify_row", "run", "maps", "krawczyk", "statements"]
