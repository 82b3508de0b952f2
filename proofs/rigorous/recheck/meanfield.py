r"""Proof kernel: the independent check of a mean-field certificate ("snn-verify meanfield
certificate 1", written by :mod:`snn_verify.proofs.rigorous.meanfield`).

This module imports only the trusted base (:mod:`snn_verify.proofs.rigorous.trusted`: Arb
balls, exact decimals, the generated closed forms, alpha01/lambda01, digests), python-flint,
:mod:`fractions` and the standard library.  It validates the certificate strictly before it
computes anything, then re-derives every certified inequality from the certificate's data in
Arb (outward rounding).  No decision rests on a float: decimal texts become exact
:class:`~fractions.Fraction` values or Arb balls, and balls are compared only by Arb's own
comparisons (true only when every point of one ball is on the right side of the other).

The theorem a row states
------------------------
With ``Q = s_w^2 q + s_b^2``, ``s = sqrt(Q)``, the generated half-line integrals at ``m = 0``
(``N_1 = E[e^{sZ} 1_{Z<0}]``, ...) and ``phi = selu`` at (alpha, lambda) (alpha01, lambda01, or
every value in the model's intervals):

``F(q) = lambda^2 (M_2 + alpha^2 (N_2 - 2 N_1 + N_0))`` is increasing on (0, inf), has one
fixed point q* in (0, inf), ``q* in [q_lo, q_hi]``, ``F(q) > q`` below it, ``F(q) < q`` above it.

Lemmas (proved in the docstring of :mod:`snn_verify.theory.meanfield`):
(L1) ``F'(q) = s_w^2 lambda^2 (1/2 + alpha^2 (2N_2 - N_1)) >= s_w^2 lambda^2 (1/2 - alpha^2/16)``;
(L2) ``F(q)/q`` is strictly decreasing on (0, inf);
(L3) ``F(q) <= lambda^2 (Q + alpha^2) / 2``.

What :func:`check` verifies
---------------------------
1. Schema: exactly the keys ``format, model, claims, cover, sha256, generated_sha256``;
   the format string; ``sha256 = trusted.digest(body)``; ``generated_sha256 =
   trusted.generated_digest()``; every number a decimal text of bounded length and exponent
   (checked before a Fraction is built); types exact (``bool`` is not a number; no NaN).
2. ``dF_lower`` (required): ``s_w^2 lambda^2 (1/2 - alpha^2/16)`` lies in [lo, hi] and ``lo > 0``
   (so F is increasing, L1).
3. ``q_star`` (required): ``lo < hi``, ``F(lo) - lo > 0`` and ``F(hi) - hi < 0`` (point balls),
   and ``[lo, hi]`` inside the crossing piece.
4. The cover: pieces ordered ``ratio, above..., crossing, below..., linear``, adjacent ends
   equal, from exactly 0 to ``"inf"``:

   - ``ratio (0, q0]``: ``F(q0) > q0`` (with L2, ``F(q) > q`` on (0, q0]);
   - ``above [a, b]``: ``F(a) > b`` (F increasing: ``F(q) > q`` on [a, b]);
   - ``crossing [a, b]`` with ``split``: ``F' < 1`` over the ball of every sub-interval (so
     ``F(q) - q`` is strictly decreasing on [a, b]: with 3, its only zero there is in
     ``(q_lo, q_hi)``, it is positive left of it and negative right of it);
   - ``below [a, b]``: ``F(b) < a``;
   - ``linear [Q_max, inf)``: ``lambda^2 s_w^2 < 2`` and
     ``lambda^2 (s_w^2 Q_max + s_b^2 + alpha^2) < 2 Q_max`` (with L3, ``F(q) < q`` there).
5. Every other claim: its value over the ball ``[q_lo, q_hi]`` lies in [lo, hi], and its
   relation to its bound holds in Arb: ``dF_at_q_star`` (``F'(q*)``), ``chi_1`` (``s_w^2
   E[phi'^2]``), ``mean_at_q_star`` (``E[phi]``), and without biases only (``s_b^2 = 0``):
   ``C_at_0`` (``E[phi]^2 / q*``), ``dC_at_0`` (``s_w^2 E[phi']^2``), ``C_at_minus_1``
   (``-2 lambda^2 alpha Q* N_1 / q*``).
6. ``c_star``: a box X of the correlation map ``C(c) = E[phi(u) phi(v)]/q*`` (``(u, v)`` of
   variance Q*, correlation ``rho = (s_w^2 q* c + s_b^2)/Q*``) whose Krawczyk operator lies
   strictly inside X (one fixed point c* in X), with the pair expectations re-integrated here
   (Arb's ``acb.integral`` on each side of the kink, tails bounded analytically; see
   :func:`_pair_moments`); ``dC_at_c_star``: ``C'(X) = s_w^2 E[phi'(u) phi'(v)]`` in [lo, hi].

Example
-------
>>> check({"format": "snn-verify meanfield certificate 1"})[0]
'keys: missing cover, claims, generated_sha256, model, sha256'
"""
from __future__ import annotations

import re
from fractions import Fraction

from flint import acb, arb, ctx

from snn_verify.proofs.rigorous import trusted
from snn_verify.proofs.rigorous.recheck.fields import Invalid
from snn_verify.proofs.rigorous.recheck.fields import short_decimal_or_invalid as _decimal

FORMAT = "snn-verify meanfield certificate 1"
TOP_KEYS = frozenset({"format", "model", "claims", "cover", "sha256", "generated_sha256"})
MODEL_KEYS = frozenset({"sw2", "sb2", "alpha", "lambda"})
#: quantities at the fixed point; the last three only without biases
QUANTITIES = ("dF_lower", "q_star", "dF_at_q_star", "chi_1", "mean_at_q_star",
              "C_at_0", "dC_at_0", "C_at_minus_1", "c_star", "dC_at_c_star")
#: claims about the correlation map's fixed point c* (rigorous integrals)
CORRELATION = frozenset({"c_star", "dC_at_c_star"})
#: the integrals run over [-T, T], T = TAIL_SIGMAS sqrt(Q); the tails are bounded analytically
TAIL_SIGMAS = 13
BIAS_FREE = frozenset({"C_at_0", "dC_at_0", "C_at_minus_1"})
RULES = ("ratio", "above", "crossing", "below", "linear")
MAX_PIECES = 10_000
MAX_SPLIT = 100_000
#: the model's s_w^2, s_b^2 and parameters stay in a sane range (Arb costs stay bounded)
MAX_SETTING = Fraction(1000)


def _keys(d, required, optional=frozenset(), where=""):
    if type(d) is not dict:
        raise Invalid(f"{where or 'certificate'}: an object expected")
    keys = set(d)
    missing, extra = set(required) - keys, keys - set(required) - set(optional)
    if missing or extra:
        parts = ([f"missing {', '.join(sorted(missing))}"] if missing else []) + \
                ([f"unknown {', '.join(sorted(map(str, extra)))}"] if extra else [])
        raise Invalid(f"{where + ': ' if where else ''}keys: {'; '.join(parts)}")


def _validate(cert):
    """Strict schema check; returns the parsed data (Fractions and texts)."""
    if type(cert) is not dict:
        raise Invalid("certificate: an object expected")
    missing = TOP_KEYS - set(cert)
    extra = set(cert) - TOP_KEYS
    if missing or extra:
        text = [f"missing {', '.join(sorted(missing, key=lambda k: (k != 'cover', k)))}"] if missing else []
        text += [f"unknown {', '.join(sorted(map(str, extra)))}"] if extra else []
        raise Invalid("keys: " + "; ".join(text))
    if cert["format"] != FORMAT or type(cert["format"]) is not str:
        raise Invalid("format: not " + FORMAT)
    for k in ("sha256", "generated_sha256"):
        if type(cert[k]) is not str or not re.fullmatch(r"[0-9a-f]{64}", cert[k]):
            raise Invalid(f"{k}: 64 hex digits expected")

    model = cert["model"]
    _keys(model, {"sw2", "sb2"}, {"alpha", "lambda"}, "model")
    sw2, sb2 = _decimal(model["sw2"], "model.sw2"), _decimal(model["sb2"], "model.sb2")
    if not (0 < sw2 <= MAX_SETTING and 0 <= sb2 <= MAX_SETTING):
        raise Invalid("model: 0 < sw2 <= 1000 and 0 <= sb2 <= 1000 expected")
    for name in ("alpha", "lambda"):
        if name in model:
            pair = model[name]
            if type(pair) is not list or len(pair) != 2:
                raise Invalid(f"model.{name}: a pair [lo, hi] expected")
            lo, hi = (_decimal(v, f"model.{name}") for v in pair)
            if not 0 < lo <= hi <= MAX_SETTING:
                raise Invalid(f"model.{name}: 0 < lo <= hi <= 1000 expected")

    claims = cert["claims"]
    if type(claims) is not list or not 0 < len(claims) <= len(QUANTITIES):
        raise Invalid(f"claims: a list of 1 to {len(QUANTITIES)} claims expected")
    parsed = {}
    for i, c in enumerate(claims):
        where = f"claims[{i}]"
        _keys(c, {"quantity", "lo", "hi"}, {"relation", "bound"}, where)
        if type(c["quantity"]) is not str or c["quantity"] not in QUANTITIES:
            raise Invalid(f"{where}: unknown quantity")
        if c["quantity"] in parsed:
            raise Invalid(f"{where}: {c['quantity']} twice")
        if c["quantity"] in BIAS_FREE and sb2 != 0:
            raise Invalid(f"{where}: {c['quantity']} is stated only without biases (sb2 = 0)")
        lo, hi = _decimal(c["lo"], where + ".lo"), _decimal(c["hi"], where + ".hi")
        if not lo <= hi:
            raise Invalid(f"{where}: lo <= hi expected")
        if ("relation" in c) != ("bound" in c):
            raise Invalid(f"{where}: relation and bound go together")
        if "relation" in c:
            if type(c["relation"]) is not str or c["relation"] not in ("<", ">"):
                raise Invalid(f"{where}: relation must be '<' or '>'")
            _decimal(c["bound"], where + ".bound")
        parsed[c["quantity"]] = c
    for need in ("dF_lower", "q_star"):
        if need not in parsed:
            raise Invalid(f"claims: {need} missing")
    if "dC_at_c_star" in parsed and "c_star" not in parsed:
        raise Invalid("claims: dC_at_c_star needs c_star")

    cover = cert["cover"]
    if type(cover) is not list or not 3 <= len(cover) <= MAX_PIECES:
        raise Invalid(f"cover: a list of 3 to {MAX_PIECES} pieces expected")
    pieces = []
    for i, p in enumerate(cover):
        where = f"cover[{i}]"
        if type(p) is not dict or type(p.get("rule")) is not str or p["rule"] not in RULES:
            raise Invalid(f"{where}: a piece with a known rule expected")
        _keys(p, {"rule", "lo", "hi"} | ({"split"} if p["rule"] == "crossing" else set()), where=where)
        lo = _decimal(p["lo"], where + ".lo")
        hi = None if (p["rule"] == "linear" and p["hi"] == "inf") else _decimal(p["hi"], where + ".hi")
        if hi is not None and not lo < hi:
            raise Invalid(f"{where}: lo < hi expected")
        split = []
        if p["rule"] == "crossing":
            if type(p["split"]) is not list or len(p["split"]) > MAX_SPLIT:
                raise Invalid(f"{where}.split: a list of at most {MAX_SPLIT} points expected")
            split = [_decimal(t, f"{where}.split") for t in p["split"]]
            if not all(a < b for a, b in zip([lo] + split, split + [hi])):
                raise Invalid(f"{where}.split: increasing points inside (lo, hi) expected")
        pieces.append((p["rule"], lo, hi, p))
    rules = [r for r, *_ in pieces]
    n_above = rules.index("crossing") - 1 if "crossing" in rules else -1
    expected = ["ratio"] + ["above"] * max(n_above, 0) + ["crossing"]
    expected += ["below"] * (len(rules) - len(expected) - 1) + ["linear"]
    if rules != expected:
        raise Invalid("cover: pieces must be ratio, above..., crossing, below..., linear")
    if pieces[0][1] != 0:
        raise Invalid("cover: the ratio piece must start at 0")
    if pieces[-1][2] is not None:
        raise Invalid("cover: the linear piece must end at inf")
    for (_, _, hi, _), (_, lo, _, _) in zip(pieces, pieces[1:]):
        if hi != lo:
            raise Invalid("cover: a gap or an overlap between adjacent pieces")
    return model, parsed, pieces


# --- the maps, in Arb -----------------------------------------------------------------------------

def _setting(model):
    lam, alpha = trusted.parameters()
    if "lambda" in model:
        lam = trusted.decimal_ball(model["lambda"][0]).union(trusted.decimal_ball(model["lambda"][1]))
    if "alpha" in model:
        alpha = trusted.decimal_ball(model["alpha"][0]).union(trusted.decimal_ball(model["alpha"][1]))
    return trusted.decimal_ball(model["sw2"]), trusted.decimal_ball(model["sb2"]), lam, alpha


class _Maps:
    """The closed forms at ``Q = s_w^2 q + s_b^2`` for a ball ``q > 0``."""

    def __init__(self, model):
        self.sw2, self.sb2, self.lam, self.alpha = _setting(model)

    def integrals(self, q):
        Q = self.sw2 * q + self.sb2
        if not Q > 0:
            raise ArithmeticError("Q > 0 not certified")
        _, M1, M2, N0, _, _, N1, N2 = trusted.generated()["blocks"](arb(0), Q.sqrt())
        return Q, M1, M2, N0, N1, N2

    def F(self, q):
        _, _, M2, N0, N1, N2 = self.integrals(q)
        lam2, a2 = self.lam * self.lam, self.alpha * self.alpha
        return lam2 * (M2 + a2 * ((N2 - 2 * N1) + N0))

    def dF(self, q):
        _, _, _, _, N1, N2 = self.integrals(q)
        return self.sw2 * self.lam * self.lam * (arb(1) / 2 + self.alpha * self.alpha * (2 * N2 - N1))

    def at_fixed_point(self, qs):
        Q, M1, _, N0, N1, N2 = self.integrals(qs)
        lam, alpha, half = self.lam, self.alpha, arb(1) / 2
        mean = lam * (M1 + alpha * (N1 - N0))
        dphi = lam * (half + alpha * N1)
        return {"dF_at_q_star": self.dF(qs),
                "chi_1": self.sw2 * lam * lam * (half + alpha * alpha * N2),
                "mean_at_q_star": mean,
                "C_at_0": mean * mean / qs,
                "dC_at_0": self.sw2 * dphi * dphi,
                "C_at_minus_1": -2 * lam * lam * alpha * Q * N1 / qs}


# --- E[f(u) g(v)] for jointly normal (u, v): condition on u, integrate u rigorously ---------------

def _acb_half_line_integrals():
    """The generated half-line integrals ``blocks(m, s)`` over complex balls (entire in m)."""
    system = trusted.NumberSystem("acb", lambda x: acb(x).exp(), lambda x: acb(x).sqrt(),
                                  lambda A, D, B: acb(A).exp() * acb(B).erfc(), acb.pi(), acb(1))
    return system.generated()["blocks"]


def _pair_moments(Q, rho, lam, alpha):
    """Balls ``(E[phi(u) phi(v)], E[phi'(u) phi'(v)])``, ``(u, v)`` of variance Q, correlation rho:
    ``v | u ~ N(rho u, s^2)``, ``s^2 = Q (1 - rho^2)``; ``E[phi(v) | u] = lambda (M1 + alpha (N1 - N0))``,
    ``E[phi'(v) | u] = lambda (P1 + alpha N1)`` at ``m = rho u``; the u-integral by ``acb.integral``
    on [-T, 0] and [0, T] (the integrand is entire on each), the tails |u| > T bounded by
    ``|phi(x)| <= lambda (|x| + alpha)``, ``|E[phi(v)|u]| <= lambda (|rho u| + s + alpha)``,
    ``0 < phi' <= lambda max(1, alpha)``."""
    if not (Q > 0 and rho < 1 and rho > -1):
        raise ArithmeticError("Q > 0 and |rho| < 1 not certified")
    blocks = _acb_half_line_integrals()
    s = (Q * (1 - rho * rho)).sqrt()
    S, R, L, A, Qc = acb(s), acb(rho), acb(lam), acb(alpha), acb(Q)
    T = TAIL_SIGMAS * Q.sqrt()
    scale = 1 / (2 * arb.pi() * Q).sqrt()

    def integral(kind, side):
        def f(u, analytic):
            P1, M1, _, N0, _, _, N1, _ = blocks(R * u, S)
            weight = (-(u * u) / (2 * Qc)).exp()
            if kind == "phi":
                outer = L * u if side > 0 else L * A * (u.exp() - 1)
                return outer * L * (M1 + A * (N1 - N0)) * weight
            outer = L if side > 0 else L * A * u.exp()
            return outer * L * (P1 + A * N1) * weight
        a, b = (arb(0), T) if side > 0 else (-T, arb(0))
        return acb.integral(f, a, b).real * scale

    density_T = (-(T * T) / (2 * Q)).exp() * scale
    I0 = (T / (2 * Q).sqrt()).erfc() / 2            # int_T^inf u^k varphi_Q(u) du, k = 0, 1, 2
    I1 = Q * density_T
    I2 = Q * T * density_T + Q * I0
    r, lam2 = abs(rho), lam * lam
    tail_phi = 2 * lam2 * (r * I2 + (s + alpha + alpha * r) * I1 + alpha * (s + alpha) * I0)
    big = arb.max(arb(1), alpha)
    tail_dphi = 2 * lam2 * big * big * I0
    phiphi = integral("phi", -1) + integral("phi", 1) + arb(0, tail_phi.upper())
    dphidphi = integral("dphi", -1) + integral("dphi", 1) + arb(0, tail_dphi.upper())
    return phiphi, dphidphi


def _correlation(m, qs, c):
    """``(C(c) - c, C'(c))`` over the q* ball qs: ``rho = (s_w^2 q c + s_b^2) / Q``,
    ``C = E[phi phi]/q``, ``C' = s_w^2 E[phi' phi']``."""
    Q = m.sw2 * qs + m.sb2
    phiphi, dphidphi = _pair_moments(Q, (m.sw2 * qs * c + m.sb2) / Q, m.lam, m.alpha)
    return phiphi / qs - c, m.sw2 * dphidphi


def _span(lo, hi):
    return trusted.decimal_ball(str(lo)).union(trusted.decimal_ball(str(hi)))


def _in(value, lo_text, hi_text):
    return bool(value >= trusted.decimal_ball(lo_text) and value <= trusted.decimal_ball(hi_text))


def _relation_holds(value, c):
    bound = trusted.decimal_ball(c["bound"])
    return bool(value < bound) if c["relation"] == "<" else bool(value > bound)


def _verify(model, claims, pieces):
    problems = []
    m = _Maps(model)
    # 2. F increasing (L1)
    c = claims["dF_lower"]
    lower = m.sw2 * m.lam * m.lam * (arb(1) / 2 - m.alpha * m.alpha / 16)
    if not _in(lower, c["lo"], c["hi"]):
        problems.append("dF_lower: the bound s_w^2 lambda^2 (1/2 - alpha^2/16) is not inside [lo, hi]")
    if not Fraction(c["lo"]) > 0 or not lower > 0:
        problems.append("dF_lower: F increasing not certified (the bound is not > 0)")
    if "relation" in c and not _relation_holds(lower, c):
        problems.append("dF_lower: its relation to its bound fails")
    increasing = not problems

    # 3. the fixed point's enclosure
    star = claims["q_star"]
    q_lo, q_hi = Fraction(star["lo"]), Fraction(star["hi"])
    star_ok = q_lo < q_hi and q_lo > 0
    if not star_ok:
        problems.append("q_star: 0 < lo < hi expected")
    else:
        lo_b, hi_b = trusted.decimal_ball(star["lo"]), trusted.decimal_ball(star["hi"])
        if not m.F(lo_b) - lo_b > 0:
            problems.append("q_star: F(lo) > lo not certified")
            star_ok = False
        if not m.F(hi_b) - hi_b < 0:
            problems.append("q_star: F(hi) < hi not certified")
            star_ok = False
        if "relation" in star:
            bound = Fraction(star["bound"])
            if not (q_hi < bound if star["relation"] == "<" else q_lo > bound):
                problems.append("q_star: its relation to its bound fails")

    # 4. the cover
    for rule, lo, hi, p in pieces:
        name = f"{rule} [{p['lo']}, {p['hi']}]"
        if rule == "ratio":
            q0 = trusted.decimal_ball(p["hi"])
            if not m.F(q0) > q0:
                problems.append(f"{name}: F(q0) > q0 not certified")
        elif rule in ("above", "below"):
            if not increasing:
                problems.append(f"{name}: needs F increasing")
                continue
            a, b = trusted.decimal_ball(p["lo"]), trusted.decimal_ball(p["hi"])
            if rule == "above" and not m.F(a) > b:
                problems.append(f"{name}: F(lo) > hi not certified")
            if rule == "below" and not m.F(b) < a:
                problems.append(f"{name}: F(hi) < lo not certified")
        elif rule == "crossing":
            if star_ok and not (lo <= q_lo and q_hi <= hi):
                problems.append(f"{name}: the q_star enclosure is not inside the crossing piece")
            ends = [p["lo"]] + list(p["split"]) + [p["hi"]]
            for a, b in zip(ends, ends[1:]):
                if not m.dF(_span(a, b)) < 1:
                    problems.append(f"{name}: F' < 1 not certified on [{a}, {b}]")
                    break
        else:  # linear
            Q = trusted.decimal_ball(p["lo"])
            lam2 = m.lam * m.lam
            if not lam2 * m.sw2 < 2:
                problems.append(f"{name}: lambda^2 s_w^2 < 2 not certified")
            elif not lam2 * (m.sw2 * Q + m.sb2 + m.alpha * m.alpha) < 2 * Q:
                problems.append(f"{name}: lambda^2 (s_w^2 Q + s_b^2 + alpha^2) < 2 Q not certified")

    # 5. the quantities at the fixed point
    others = [k for k in claims if k not in ("dF_lower", "q_star") and k not in CORRELATION]
    if others and not star_ok:
        problems.append("claims at q*: not checked, the q_star enclosure failed")
        return problems
    values = m.at_fixed_point(_span(star["lo"], star["hi"])) if others else {}
    for k in others:
        ck = claims[k]
        if not _in(values[k], ck["lo"], ck["hi"]):
            problems.append(f"{k}: the value is not inside [{ck['lo']}, {ck['hi']}]")
        if "relation" in ck and not _relation_holds(values[k], ck):
            problems.append(f"{k}: {k} {ck['relation']} {ck['bound']} not certified")
    if "c_star" in claims:
        problems += _verify_c_star(m, star, claims)
    return problems


def _verify_c_star(m, star, claims):
    """6. ``c_star``: the Krawczyk operator of ``G = C - id`` over the box ``X = [lo, hi]``,
    ``K = c - y G(c) + (1 - y G'(X)) (X - c)`` with ``c`` the box's midpoint and ``y`` the
    midpoint of ``1/G'(c)``, lies strictly inside (lo, hi): one fixed point c* of C in X.
    ``dC_at_c_star``: ``C'(X)`` lies in its [lo, hi] and its relation holds."""
    problems = []
    qs = _span(star["lo"], star["hi"])
    cs = claims["c_star"]
    lo_b, hi_b = trusted.decimal_ball(cs["lo"]), trusted.decimal_ball(cs["hi"])
    if not Fraction(cs["lo"]) < Fraction(cs["hi"]):
        return ["c_star: lo < hi expected"]
    X = _span(cs["lo"], cs["hi"])
    mid = (lo_b + hi_b) / 2
    G_mid, dC_mid = _correlation(m, qs, mid)
    G_X, dC_X = _correlation(m, qs, X)
    y = arb(1 / (dC_mid - 1).mid()) if (dC_mid - 1) != 0 else arb(0)
    y = y.mid()
    K = mid - y * G_mid + (1 - y * (dC_X - 1)) * (X - mid)
    if not (K > lo_b and K < hi_b):
        problems.append("c_star: the Krawczyk operator does not map the box strictly into itself")
    if "relation" in cs:
        bound = Fraction(cs["bound"])
        if not (Fraction(cs["hi"]) < bound if cs["relation"] == "<" else Fraction(cs["lo"]) > bound):
            problems.append("c_star: its relation to its bound fails")
    if "dC_at_c_star" in claims:
        d = claims["dC_at_c_star"]
        if not _in(dC_X, d["lo"], d["hi"]):
            problems.append("dC_at_c_star: the value is not inside [lo, hi]")
        if "relation" in d and not _relation_holds(dC_X, d):
            problems.append(f"dC_at_c_star: dC_at_c_star {d['relation']} {d['bound']} not certified")
    return problems


def check(cert):
    """Problems of a mean-field certificate (an empty list: accepted).  See the module
    docstring for what is verified."""
    try:
        model, claims, pieces = _validate(cert)
        body = {k: v for k, v in cert.items() if k != "sha256"}
        if trusted.digest(body) != cert["sha256"]:
            return ["sha256: does not match the certificate's body"]
        if cert["generated_sha256"] != trusted.generated_digest():
            return ["generated_sha256: the generated expressions differ from the certified ones"]
        with ctx.workprec(trusted.PREC):
            return _verify(model, claims, pieces)
    except Invalid as exc:
        return [str(exc)]
    except (ArithmeticError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        return [f"rejected: {type(exc).__name__}: {exc}"]
    except Exception as exc:  # noqa: BLE001  (anything unforeseen rejects; it never accepts)
        return [f"rejected: unexpected {type(exc).__name__}: {exc}"]
