r"""Certified self-normalising constants of any registered activation (issue 20, item 4).

A unit ``phi`` is self-normalising at normalised weights (omega = 0, tau = 1) when
``(0, 1)`` is a fixed point of its moment map: ``E phi(Z) = 0`` and ``E phi(Z)^2 = 1`` for
``Z ~ N(0, 1)``.  Two families:

- **scale and shift** ``phi = lambda (f - beta)``: the solution is explicit,
  ``beta = E f(Z)``, ``lambda = 1 / sd f(Z)`` (it exists iff ``Var f(Z) > 0``, certified by the
  lower end of the variance's ball); the work is enclosing the two moments, done by
  :mod:`snn_verify.proofs.rigorous.expectations` at :data:`PREC` bits;
- **ELU-like** ``phi = lambda f_alpha`` (SELU's family: ``f_alpha`` = ELU with parameter
  alpha): ``F(lambda, alpha) = (lambda A(alpha), lambda^2 B(alpha) - 1) = 0`` with
  ``A = E f_alpha(Z)``, ``B = E f_alpha(Z)^2``.  A Krawczyk operator in Arb,

  .. math:: K(X) = c - Y F(c) + (I - Y F'(X)) (X - c),

  with ``c`` a Newton solution, ``Y ~ F'(c)^{-1}`` and ``F'(X)`` enclosed by integrals whose
  parameter alpha is the ball of X, proves that F has exactly one zero in X when
  ``K(X)`` lies inside X, and encloses it.  Two boxes are tried: a tight one (radius
  :data:`TIGHT_RADIUS`: the digits) and a wide one (radius :data:`WIDE_RADIUS`: the stated
  uniqueness box).  For ELU, ``A'(alpha) = E[(e^Z - 1); Z <= 0] < 0`` does not depend on
  alpha, so ``A`` is strictly decreasing and the solution is unique over all alpha > 0,
  lambda > 0; it is SELU's (alpha01, lambda01), compared with :func:`trusted.parameters`.
  For CELU (``alpha (e^{x/alpha} - 1)`` on ``x <= 0``) **no solution exists**: ``e^y - 1 >= y``
  gives ``celu_alpha(x) >= x`` with equality only at ``x = 0``, so ``E celu_alpha(Z) > E Z = 0``
  for every ``alpha > 0``, and ``lambda E celu_alpha(Z) = 0`` forces ``lambda = 0`` (variance 0).
  The result states this proof and encloses ``E celu_1(Z) > 0`` as an instance.

Then ``chi_1 = E[phi'(Z)^2]`` (tau = 1) at the constants: the mean-field gradient factor at
the fixed point (> 1: gradients grow, < 1: shrink).

**LeCun mean field** (``s_w^2 = 1``, ``s_b^2 = 0``; Poole et al. 2016): the length map
``F(q) = E[phi(sqrt(q) Z)^2]`` has the fixed point ``q* = 1`` by construction
(``E phi(Z)^2 = 1``), with slope ``F'(1) = E[phi(Z)^2 (Z^2 - 1)] / 2`` (Gaussian integration
by parts), enclosed too; ``chi_1`` at ``q* = 1`` then says on which side of the order-to-chaos
transition the scaled activation sits at LeCun initialisation: ``chaotic`` when its
enclosure lies above 1, ``ordered`` below 1, ``undecided`` when it contains 1.

Example
-------
>>> c = constants("relu")
>>> c.exists, c.widths["lambda"] <= 1e-30, c.values["lambda"][:12]
(True, True, '[1.712858550')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from flint import acb, arb, ctx

from snn_verify.theory.activation_registry import ACTS, get as get_activation, get_primitives

from .expectations import _poly_tail, expectations, growth, integrate, integrate_t, tail_bound
from .trusted import parameters

#: published scale constants: NF-Nets' ``gamma = 1 / sd f(Z)`` (Brock, De, Smith 2021,
#: deepmind-research/nfnets, as copied in timm's ``_nonlin_gamma``), estimated there by sampling;
#: for SELU (lambda01, alpha01 built in) the exact value is 1, for leaky_relu slope 0.01
PUBLISHED = {
    "relu": "1.7139588594436646", "leaky_relu": "1.70590341091156", "gelu": "1.7015043497085571",
    "silu": "1.7881293296813965", "softplus": "1.9203323125839233", "tanh": "1.5939117670059204",
    "sigmoid": "4.803835391998291", "selu": "1.0008515119552612",
    "elu": "1.2716004848480225", "celu": "1.270926833152771",
}
PUBLISHED_SOURCE = "NF-Nets gamma (Brock et al. 2021, deepmind-research/nfnets; by sampling)"

#: working precision of the constants (bits; about 48 digits, so widths ~ 1e-40)
PREC = 160
#: the target: every constant enclosed to a width at most this
TARGET_WIDTH = 1e-30
#: Krawczyk boxes around the Newton centre (lambda, alpha)
TIGHT_RADIUS = "1e-35"
WIDE_RADIUS = "0.02"


def _w(x):
    """Width (float, rounded up) of a ball."""
    return float(arb(2 * x.rad()).upper())


def _s(x, digits=40):
    return x.str(digits, radius=True)


@dataclass(frozen=True)
class Constants:
    """The certified constants of one activation (see the module docstring)."""

    name: str
    family: str
    formula: str
    exists: bool
    #: constant name -> Arb ball text (lambda, beta or alpha)
    values: dict
    widths: dict
    chi1: str
    chi1_width: float
    #: how existence (and uniqueness) is certified
    proof: str
    #: LeCun mean field at q* = 1: the length map's slope F'(1) (ball text) and the regime
    length_slope: str = ""
    regime: str = ""
    #: the box where the solution is certified unique (ELU-like), text
    unique_box: str = ""
    #: extra checks, e.g. agreement with trusted alpha01/lambda01
    checks: dict = field(default_factory=dict)
    #: the published scale (PUBLISHED) and its relative difference from 1/sd f(Z), certified
    published: dict = field(default_factory=dict)
    #: ELU-like activations at their default alpha (1): the scale-and-shift constants too
    scale_shift: dict = field(default_factory=dict)
    seconds: float = 0.0
    prec: int = PREC

    @property
    def ok(self):
        if not self.exists:
            return True
        return all(w <= TARGET_WIDTH for w in self.widths.values()) and all(self.checks.values())

    @property
    def exit_code(self):
        return 0 if self.ok else 1

    def to_json(self):
        return {"activation": self.name, "family": self.family, "formula": self.formula, "exists": self.exists,
                "constants": self.values, "widths": self.widths, "chi1": self.chi1,
                "chi1_width": self.chi1_width, "proof": self.proof, "unique_box": self.unique_box,
                "checks": self.checks, "published": self.published, "scale_shift": self.scale_shift, "lecun": {"q_star": "1", "dF_at_q_star": self.length_slope,
                                                  "chi_1": self.chi1, "regime": self.regime},
                "seconds": round(self.seconds, 3), "prec_bits": self.prec, "ok": self.ok}

    def render(self):
        lines = [f"{self.name}: {self.family} family, f(x) = {self.formula}"]
        if not self.exists:
            lines.append(f"  no self-normalising (lambda, alpha): {self.proof}")
        else:
            for k, v in self.values.items():
                lines.append(f"  {k:7s} in {v}   (width {self.widths[k]:.2e})")
            lines.append(f"  chi_1   in {self.chi1}   (width {self.chi1_width:.2e})")
            lines.append(f"  LeCun mean field: q* = 1, F'(q*) in {arb(self.length_slope).str(12)}, "
                         f"{self.regime} (chi_1 {'>' if self.regime == 'chaotic' else '<' if self.regime == 'ordered' else '?'} 1)")
            lines.append(f"  {self.proof}")
            if self.unique_box:
                lines.append(f"  unique in {self.unique_box}")
        for k, v in self.checks.items():
            lines.append(f"  check {k}: {'ok' if v else 'FAILED'}")
        if self.scale_shift:
            ss = self.scale_shift
            lines.append(f"  scale and shift at alpha = 1: lambda in {ss['lambda']}, beta in {ss['beta']} "
                         f"(widths <= {max(ss['widths'].values()):.1e})")
            if ss.get("published"):
                p = ss["published"]
                lines.append(f"    published: {p['source']}: {p['value']}; differs by {p['relative_difference']}")
        if self.published:
            p = self.published
            lines.append(f"  published: {p['source']}: {p['value']}; 1/sd f(Z) differs by {p['relative_difference']}")
        lines.append(f"  ({self.seconds:.2f} s at {self.prec} bits)")
        return "\n".join(lines)


@dataclass(frozen=True)
class ConstantsTable:
    """Constants of several activations."""

    rows: tuple

    @property
    def exit_code(self):
        return max((r.exit_code for r in self.rows), default=0)

    def to_json(self):
        return {"activations": [r.to_json() for r in self.rows], "ok": self.exit_code == 0}

    def render(self):
        head = (f"{'activation':11s} {'family':11s} {'lambda':>22s} {'beta/alpha':>22s} {'chi_1':>22s} {'width':>9s}"
                f"  {SLOPE_HEAD:>9s} LeCun")
        out = [head]
        for r in self.rows:
            if not r.exists:
                out.append(f"{r.name:11s} {r.family:11s} {'no (lambda, alpha)':>22s}"
                           + (f" (scale-shift at alpha = 1: lambda {_short(r.scale_shift['lambda'])}, "
                              f"beta {_short(r.scale_shift['beta'])})" if r.scale_shift else ""))
                continue
            other = r.values.get("beta", r.values.get("alpha", ""))
            width = max(r.widths.values())
            out.append(f"{r.name:11s} {r.family:11s} {_short(r.values['lambda']):>22s} {_short(other):>22s} "
                       f"{_short(r.chi1):>22s} {width:9.1e}  {arb(r.length_slope).str(5, radius=False):>9s} {r.regime}")
        out.append("(balls at 160 bits; every constant's width <= 1e-30; `activation NAME` for the full enclosures)")
        return "\n".join(out)


def _ends(x):
    """``[lo, hi]`` of a ball, rounded outward to 8 digits."""
    import math

    lo, hi = float(x.lower()), float(x.upper())
    return f"[{math.floor(lo * 1e8) / 1e8:.8f}, {math.ceil(hi * 1e8) / 1e8:.8f}]"


SLOPE_HEAD = "F'(q*=1)"


def _short(text):
    return arb(text).str(18, radius=False) if text else ""


def _lecun(phi2_he2, chi):
    """``(F'(1) text, regime)`` from ``E[phi^2 He_2]`` and the chi_1 ball."""
    slope = phi2_he2 / 2
    regime = "chaotic" if chi > 1 else "ordered" if chi < 1 else "undecided"
    return _s(slope, 20), regime


def _phi2_he2(act, lam, beta, params=None):
    """``E[phi(Z)^2 (Z^2 - 1)]`` for ``phi = lambda (f - beta)``, rigorous."""
    P = get_primitives("arb")
    vals = {k: acb(v) for k, v in (params or {}).items()}
    lc, bc = acb(lam), acb(beta)
    (a, b), _ = growth(act, params or {k: arb(v) for k, v in act.params.items()})
    A, B = lam * (a + abs(beta)), lam * b
    # |phi^2 (t^2 - 1)| <= (A + B|t|)^2 (t^2 + 1): a polynomial in |t|, tail moments J_0..J_4
    coeffs = [A * A, 2 * A * B, A * A + B * B, 2 * A * B, B * B]
    return integrate_t(lambda z, p, t: (lc * (act.value(P, z, p, **vals) - bc)) ** 2 * (t * t - 1),
                       act.kinks, arb(0), arb(1), _poly_tail(coeffs))


def _published(name, inv_sd):
    """The published scale of ``name`` against the certified ``1/sd f(Z)`` (ball)."""
    if name not in PUBLISHED:
        return {}
    value = arb(PUBLISHED[name])
    rel = (value - inv_sd) / inv_sd
    return {"source": PUBLISHED_SOURCE, "value": PUBLISHED[name], "certified_inv_sd": inv_sd.str(20),
            "relative_difference": rel.str(3, radius=False)}


def _scale_shift(name):
    act = get_activation(name)
    e = expectations(name, arb(0), arb(1))
    var = e.second - e.mean * e.mean
    if not var > 0:
        raise ArithmeticError(f"{name}: Var f(Z) > 0 not certified")
    lam = 1 / var.sqrt()
    chi = lam * lam * e.dsecond
    slope, regime = _lecun(_phi2_he2(act, lam, e.mean), chi)
    return Constants(name, "scale-shift", act.formula, True, {"lambda": _s(lam), "beta": _s(e.mean)},
                     {"lambda": _w(lam), "beta": _w(e.mean)}, _s(chi), _w(chi),
                     f"explicit: beta = E f(Z), lambda = 1/sd f(Z); Var f(Z) in {var.str(12)} > 0",
                     slope, regime, published=_published(name, lam))


# --- the ELU family: Krawczyk in (lambda, alpha) ------------------------------------------------

def _elu_moments(alpha):
    """Balls ``(A, B, A', B')`` of the ELU family at the alpha ball: ``A = E f``,
    ``B = E f^2``, ``A' = E d_alpha f``, ``B' = 2 E[f d_alpha f]`` (Z ~ N(0, 1))."""
    act = get_activation("elu")
    P = get_primitives("arb")
    al = acb(alpha)
    m, s2, s = arb(0), arb(1), arb(1)
    grow_f = (alpha, arb(1))

    def f(z, p):
        return act.value(P, z, p, alpha=al)

    def g(z, p):
        return act.d_alpha(P, z, p, alpha=al)

    A = integrate(f, act.kinks, m, s2, tail_bound(grow_f, m, s, 1))
    B = integrate(lambda z, p: f(z, p) ** 2, act.kinks, m, s2, tail_bound(grow_f, m, s, 2))
    # |d_alpha f| <= 1, so |f d_alpha f| <= alpha + |x|
    Ad = integrate(g, act.kinks, m, s2, tail_bound((arb(1), arb(0)), m, s, 1))
    Bd = 2 * integrate(lambda z, p: f(z, p) * g(z, p), act.kinks, m, s2, tail_bound(grow_f, m, s, 1))
    return A, B, Ad, Bd


def _F(lam, alpha):
    A, B, Ad, Bd = _elu_moments(alpha)
    F = [lam * A, lam * lam * B - 1]
    J = [[A, lam * Ad], [2 * lam * B, lam * lam * Bd]]
    return F, J


def _solve2(J, F):
    (a, b), (c, d) = J
    det = a * d - b * c
    return [(d * F[0] - b * F[1]) / det, (a * F[1] - c * F[0]) / det]


def _newton_centre(start=("1.05", "1.67"), steps=12):
    x = [arb(start[0]), arb(start[1])]
    with ctx.workprec(ctx.prec + 40):
        for _ in range(steps):
            F, J = _F(x[0], x[1])
            d = _solve2([[v.mid() for v in row] for row in J], [v.mid() for v in F])
            x = [arb((x[i] - d[i]).mid()) for i in range(2)]
            if all(abs(di.mid()) < arb(2) ** (-ctx.prec) for di in d):
                break
    return x


def _krawczyk(c, radius):
    r = arb(radius)
    X = [ci + arb(0, r.upper()) for ci in c]
    Fc, Jc = _F(c[0], c[1])
    (a, b), (cc, d) = [[float(v.mid()) for v in row] for row in Jc]
    det = a * d - b * cc
    Y = [[arb(d / det), arb(-b / det)], [arb(-cc / det), arb(a / det)]]
    _, JX = _F(X[0], X[1])
    dev = [X[i] - c[i] for i in range(2)]
    K = []
    for i in range(2):
        yf = Y[i][0] * Fc[0] + Y[i][1] * Fc[1]
        row = [(1 if i == j else 0) - (Y[i][0] * JX[0][j] + Y[i][1] * JX[1][j]) for j in range(2)]
        K.append(c[i] - yf + row[0] * dev[0] + row[1] * dev[1])
    inside = all(X[i].contains_interior(K[i]) for i in range(2))
    return X, K, inside


def _default_scale_shift(name):
    """``lambda``, ``beta`` of ``lambda (f - beta)`` at the activation's default parameters."""
    e = expectations(name, arb(0), arb(1), which=("mean", "second"))
    var = e.second - e.mean * e.mean
    if not var > 0:
        raise ArithmeticError(f"{name}: Var f(Z) > 0 not certified")
    lam = 1 / var.sqrt()
    return {"lambda": _s(lam), "beta": _s(e.mean), "widths": {"lambda": _w(lam), "beta": _w(e.mean)},
            "published": _published(name, lam)}


def _elu_like(name):
    act = get_activation(name)
    if name == "celu":
        ss = _default_scale_shift("celu")
        e = expectations("celu", arb(0), arb(1), which=("mean",))
        return Constants(name, "elu-like", act.formula, False, {}, {}, "", 0.0,
                         "e^y - 1 >= y gives celu_alpha(x) >= x, equality only at x = 0, so E celu_alpha(Z) > E Z = 0 "
                         f"for every alpha > 0 and lambda E celu_alpha(Z) = 0 forces lambda = 0 (instance: "
                         f"E celu_1(Z) in {e.mean.str(15)} > 0)",
                         checks={"E celu_1(Z) > 0": bool(e.mean > 0)}, scale_shift=ss)
    c = _newton_centre()
    X, K, inside = _krawczyk(c, TIGHT_RADIUS)
    Xw, Kw, inside_w = _krawczyk(c, WIDE_RADIUS)
    if not inside:
        raise ArithmeticError(f"{name}: Krawczyk K(X) not inside X")
    lam, alpha = K
    P = get_primitives("arb")
    elu = get_activation("elu")
    la, al = acb(lam), acb(alpha)
    grow_d = (arb.max(alpha, arb(1)) * lam, arb(0))
    chi = integrate(lambda z, p: (la * elu.derivative(P, z, p, alpha=al)) ** 2, elu.kinks, arb(0), arb(1),
                    tail_bound(grow_d, arb(0), arb(1), 2))
    lam01, alpha01 = parameters()
    checks = {"overlaps trusted lambda01 (closed form)": bool(lam.overlaps(lam01)),
              "overlaps trusted alpha01 (closed form)": bool(alpha.overlaps(alpha01)),
              "wide box Krawczyk": bool(inside_w)}
    box = (f"lambda in {_ends(Xw[0])}, alpha in {_ends(Xw[1])} (Krawczyk K(X) inside X)" if inside_w else "")
    proof = ("Krawczyk: K(X) inside X for X = centre +/- " + TIGHT_RADIUS + "; unique over all alpha > 0, "
             "lambda > 0 since A'(alpha) = E[e^Z - 1; Z <= 0] < 0 (A strictly decreasing)")
    slope, regime = _lecun(_phi2_he2(elu, lam, arb(0), {"alpha": alpha}), chi)
    # SELU as built into the frameworks: 1/sd selu(Z) = 1 exactly (E selu = 0, E selu^2 = 1)
    published = _published("selu", arb(1)) if name == "selu" else {}
    ss = _default_scale_shift(name) if name != "selu" else {}
    return Constants(name, "elu-like", act.formula, True, {"lambda": _s(lam), "alpha": _s(alpha)},
                     {"lambda": _w(lam), "alpha": _w(alpha)}, _s(chi), _w(chi), proof, slope, regime, box, checks,
                     published, ss)


def constants(name):
    """The certified :class:`Constants` of activation ``name`` (module docstring)."""
    act = get_activation(name)
    t0 = time.perf_counter()
    with ctx.workprec(PREC):
        out = _elu_like(act.name) if act.family == "elu-like" else _scale_shift(act.name)
    return Constants(**{**out.__dict__, "seconds": time.perf_counter() - t0})


def table(names=None):
    """:class:`ConstantsTable` of ``names`` (default: every registered activation)."""
    return ConstantsTable(tuple(constants(n) for n in (names or ACTS)))
