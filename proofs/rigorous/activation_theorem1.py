r"""Theorem 1 for any self-normalised activation: a simple branch and bound of its own.

**Labelled plainly: this is a simple, separate branch and bound** (interval enclosures over
``(m, s^2)`` rectangles, mean-value form in ``m``, bisection, a leaf budget), not the project's
certifier (:mod:`snn_verify.proofs.rigorous.certify`, tight SELU enclosures by mean-value forms
and monotonicity).  It certifies or refutes, for ``phi`` = the activation scaled by its
certified constants (:mod:`snn_verify.proofs.rigorous.activations`), on the paper's box
``mu in [-0.1, 0.1], omega in [-0.1, 0.1], nu in [0.8, 1.5], tau in [0.95, 1.1]``:

- **contraction**: ``||J||_2 < 1`` with ``J = d(mu~, nu~)/d(mu, nu)``;
- **invariance**: ``mu~ in [-0.1, 0.1]`` and ``nu~ in [0.8, 1.5]``.

The moment map: ``z ~ N(m, s^2)``, ``m = mu omega``, ``s^2 = nu tau``;
``mu~ = E phi(z)``, ``nu~ = E phi(z)^2 - mu~^2``.  Its derivatives come from Gaussian
integration by parts, which needs no derivative of ``phi`` (kinks are harmless):

.. math:: \partial_m E h(z) = \frac{E[h(z)(z - m)]}{s^2},\qquad
          \partial_{s^2} E h(z) = \frac{E[h(z)((z - m)^2 - s^2)]}{2 s^4},

and ``J = [[omega mu~_m, tau mu~_{s^2}], [omega nu~_m, tau nu~_{s^2}]]`` with
``nu~_x = (E phi^2)_x - 2 mu~ mu~_x``.  Every quantity is a combination of the six integrals
``I_{p,j} = E[phi(m + s t)^p He_j(t)]`` (``p = 1, 2``, ``j = 0, 1, 2``; ``phi`` itself, with its
certified constants as balls, so nothing cancels), each enclosed over the whole ``(m, s^2)``
rectangle by ``acb.integral`` with ball parameters in the standard form
(:func:`snn_verify.proofs.rigorous.expectations.integrate_t`); over a range of ``m`` in
mean-value form with ``d I_{p,j} / dm = I_{p,j+1} / s``; tails from the growth bound and the
standard normal tail moments ``E[|t|^j; |t| > T]``.

A verdict per property: CERTIFIED (every leaf proves it), REFUTED (a *point* of the box,
evaluated as a point ball, violates it: the witness is reported), or UNDECIDED (the leaf
budget ran out).

Example
-------
>>> r = theorem1("selu")
>>> r.verdicts, r.image["variance"]
({'contraction': 'CERTIFIED', 'invariance': 'CERTIFIED'}, '[0.803129, 1.486936]')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from flint import acb, arb, ctx

from snn_verify.errors import InputError
from snn_verify.theory.activation_registry import get as get_activation, get_primitives

from .activations import constants
from .expectations import _halves, _mul, _poly_tail, growth, integrate_t
from .interval import spectral_norm_parts

#: the paper's box (Theorem 1), as decimal text
BOX = {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.8", "1.5"), "tau": ("0.95", "1.1")}
#: the image box that invariance asks for
TARGET = {"mean": ("-0.1", "0.1"), "variance": ("0.8", "1.5")}
#: working precision of the branch and bound (bits)
PREC = 64
#: split m only once its relative width exceeds this many times that of s^2
M_WEIGHT = 16
#: integration tolerance of each integral over a box
TOL = 2.0 ** -40


class NoConstants(InputError, ArithmeticError):
    """The activation has no self-normalising constants: the question asked of it has no
    answer, so it is the input's fault (exit 2); an ``ArithmeticError`` too, as before."""


class _Family:
    """``phi = lambda (f - beta)`` (or ``lambda f_alpha``: ``beta = 0``) with balls."""

    def __init__(self, name, tol=None):
        self.tol = TOL if tol is None else tol
        c = constants(name)
        if not c.exists:
            raise NoConstants(f"{name}: no self-normalising constants")
        self.name, self.c = name, c
        self.act = get_activation(name if c.family == "scale-shift" else "elu")
        self.lam = arb(c.values["lambda"])
        self.beta = arb(c.values["beta"]) if "beta" in c.values else arb(0)
        self.params = {"alpha": arb(c.values["alpha"])} if "alpha" in c.values else {}

    def _hermite(self, m, s, p, j):
        """``E[phi(m + s t)^p He_j(t)]`` (``phi = lambda (f - beta)``) (``He_0..He_3`` = 1, t, t^2 - 1, t^3 - 3t) over the balls."""
        P = get_primitives("arb")
        vals = {k: acb(v) for k, v in self.params.items()}
        (a, b), _ = growth(self.act, self.params)
        lam, beta = self.lam, self.beta
        A, B = lam * (a + abs(beta) + b * abs(m).upper()), lam * b * s.upper()
        lin = [A, B]                                     # |phi| <= A + B|t|
        lc, bc = acb(lam), acb(beta)
        bound = lin if p == 1 else _mul(lin, lin)
        weight = ([arb(1)], [arb(0), arb(1)], [arb(1), arb(0), arb(1)], [arb(0), arb(3), arb(0), arb(1)])[j]
        He = (lambda t: 1, lambda t: t, lambda t: t * t - 1, lambda t: t * t * t - 3 * t)[j]
        act = self.act

        def h(z, piece, t):
            return (lc * (act.value(P, z, piece, **vals) - bc)) ** p * He(t)

        return integrate_t(h, act.kinks, m, s, _poly_tail(_mul(bound, weight)), rel_tol=self.tol, abs_tol=self.tol)

    def integrals(self, m, s2):
        """Balls of ``E phi, E phi^2, E[phi (z-m)], E[phi^2 (z-m)], E[phi ((z-m)^2 - s2)],
        E[phi^2 ((z-m)^2 - s2)]`` over the rectangle ``m x s2``.

        Over a range of ``m`` each ``I_j = E[f^p He_j(t)]`` is taken in mean-value form,
        ``I_j(M) in I_j(m_c) + (I_{j+1}(M) / s) (M - m_c)``: Gaussian integration by parts gives
        ``d/dm I_j = I_{j+1} / s`` (``t He_j - He_j' = He_{j+1}``)."""
        s = s2.sqrt()
        I = {}
        if m.rad() == 0:
            for p in (1, 2):
                for j in range(3):
                    I[p, j] = self._hermite(m, s, p, j)
        else:
            mc = arb(m.mid())
            for p in (1, 2):
                centre = [self._hermite(mc, s, p, j) for j in range(3)]
                slope = [self._hermite(m, s, p, j) for j in range(1, 4)]
                for j in range(3):
                    I[p, j] = centre[j] + slope[j] / s * (m - mc)
        # E[h (z - m)] = s E[h t],  E[h ((z-m)^2 - s^2)] = s^2 E[h (t^2 - 1)]
        return I[1, 0], I[2, 0], s * I[1, 1], s * I[2, 1], s2 * I[1, 2], s2 * I[2, 2]

    def map(self, mu, omega, nu, tau):
        """Balls ``(mu~, nu~, J)`` over the box of the four balls."""
        m, s2 = mu * omega, nu * tau
        return self.map_ms(m, s2, s2.sqrt(), omega, tau)

    def map_ms(self, m, s2, s, omega, tau):
        """Balls ``(mu~, nu~, J)`` over the rectangle ``m x s2`` and the balls omega, tau."""
        mean, second, D1m, D2m, D1s, D2s = self.integrals(m, s2)
        mean_m, mean_s = D1m / s2, D1s / (2 * s2 * s2)
        sec_m, sec_s = D2m / s2, D2s / (2 * s2 * s2)
        var = second - mean * mean
        var_m, var_s = sec_m - 2 * mean * mean_m, sec_s - 2 * mean * mean_s
        J = ((omega * mean_m, tau * mean_s), (omega * var_m, tau * var_s))
        return mean, var, J


def _norm(J):
    (a, b), (c, d) = J
    return spectral_norm_parts(a, b, c, d)[0]


def _box(bounds):
    return {k: arb(lo).union(arb(hi)) for k, (lo, hi) in bounds.items()}


def _centre(bounds):
    return {k: arb(repr((float(lo) + float(hi)) / 2)) for k, (lo, hi) in bounds.items()}


@dataclass(frozen=True)
class Theorem1Table:
    """Theorem 1 verdicts of several activations."""

    rows: tuple

    @property
    def exit_code(self):
        codes = {r.exit_code for r in self.rows}
        return 3 if 3 in codes else 1 if 1 in codes else 0

    def to_json(self):
        return {"theorem1": [r.to_json() for r in self.rows]}

    def render(self):
        return "\n".join(r.render() for r in self.rows)


@dataclass(frozen=True)
class Theorem1Result:
    """Verdicts of Theorem 1 for one activation (module docstring)."""

    name: str
    verdicts: dict
    max_norm: str
    image: dict
    witnesses: dict
    leaves: int
    seconds: float
    box: dict = field(default_factory=lambda: dict(BOX))
    #: where contraction is refuted: a point (mu, omega, nu, tau) = (0, 0, 1, tau) with
    #: ||J|| > 1, so that no (mu, nu) box around the fixed point (0, 1) contracts for the
    #: (omega, tau) box (empty when no such point was found)
    no_box: str = ""

    @property
    def exit_code(self):
        """The project's convention: 3 if a verdict is UNDECIDED, else 1 if one is REFUTED, else 0."""
        verdicts = set(self.verdicts.values())
        return 3 if "UNDECIDED" in verdicts else 1 if "REFUTED" in verdicts else 0

    def to_json(self):
        return {"activation": self.name, "verdicts": self.verdicts, "max_norm_upper": self.max_norm,
                "image": self.image, "witnesses": self.witnesses, "leaves": self.leaves,
                "seconds": round(self.seconds, 2), "box": self.box, "no_contracting_box_around_0_1": self.no_box,
                "method": "simple branch and bound (natural interval extension, bisection)"}

    def render(self):
        bound = (f"||J|| <= {self.max_norm}; mean~ in {self.image['mean']}, nu~ in {self.image['variance']}; "
                 if self.max_norm else "")
        return (f"{self.name}: contraction {self.verdicts['contraction']}, invariance {self.verdicts['invariance']} "
                f"({bound}{self.leaves} leaves, {self.seconds:.1f} s)"
                + "".join(f"\n  witness of {k}: {v}" for k, v in self.witnesses.items())
                + (f"\n  no (mu, nu) box around (0, 1) contracts for this (omega, tau) box: {self.no_box}"
                   if self.no_box else ""))


def theorem1(name, max_leaves=2000, bounds=None, target=None):
    """Certify or refute Theorem 1's contraction and invariance for activation ``name``
    scaled by its certified constants, on ``bounds`` (default: the paper's box); invariance
    asks for ``mean~`` and ``nu~`` in ``target`` (default :data:`TARGET`, the paper's).

    The moments depend on ``(m, s^2)`` only, and ``J``'s columns carry the factors ``omega``
    and ``tau``; so the branch and bound runs over the rectangle ``m in mu*omega``,
    ``s^2 in nu*tau`` (the product ranges of the box), with ``omega`` and ``tau`` their full
    balls on every leaf: every point of the 4-box maps into some leaf, so a leaf's
    enclosure holds for the points that map into it."""
    t0 = time.perf_counter()
    bounds = dict(bounds or BOX)
    with ctx.workprec(PREC):
        fam = _Family(name)
        target = _box(target or TARGET)
        full = _box(bounds)
        omega, tau = full["omega"], full["tau"]
        open_ = {"contraction": True, "invariance": True}
        verdicts, witnesses = {}, {}
        for pt in _probe_points(bounds):
            mean, var, J = fam.map(*(pt[k] for k in ("mu", "omega", "nu", "tau")))
            if "contraction" not in witnesses and _norm(J) > 1:
                witnesses["contraction"] = _point_text(pt, f"||J|| in {_norm(J).str(8)} > 1")
            if "invariance" not in witnesses and (not mean.overlaps(target["mean"])
                                                  or not var.overlaps(target["variance"])):
                witnesses["invariance"] = _point_text(pt, f"mean~ in {mean.str(8)}, nu~ in {var.str(8)}")
        for k in witnesses:
            verdicts[k] = "REFUTED"
            open_[k] = False
        # the product ranges from the ends (ball multiplication would widen them: a ball
        # product of [0.8, 1.5] and [0.95, 1.1] reaches down to 0.7075)
        m0, s0 = _product_range(bounds["mu"], bounds["omega"]), _product_range(bounds["nu"], bounds["tau"])
        width0 = (float(m0.rad()), float(s0.rad()))
        stack = [(m0, s0)]
        leaves, max_norm, img_mean, img_var = 0, arb(0), None, None
        while stack and any(open_.values()):
            if leaves >= max_leaves:
                break
            m, s2 = stack.pop()
            s = s2.sqrt()
            mean, var, J = fam.map_ms(m, s2, s, omega, tau)
            leaves += 1
            norm = _norm(J)
            ok_c = bool(norm < 1) if open_["contraction"] else True
            ok_i = bool(target["mean"].contains(mean) and target["variance"].contains(var)) \
                if open_["invariance"] else True
            if ok_c and ok_i:
                max_norm = arb.max(max_norm, arb(norm.upper()))
                img_mean = mean if img_mean is None else img_mean.union(mean)
                img_var = var if img_var is None else img_var.union(var)
                continue
            # m enters in mean-value form (its width costs little): split s^2 first
            # (a range of zero width, e.g. m at omega = 0, is never split)
            rel_m = float(m.rad()) / width0[0] if width0[0] else 0.0
            rel_s = float(s2.rad()) / width0[1] if width0[1] else 0.0
            if rel_m >= M_WEIGHT * rel_s and rel_m:
                stack.extend((arb(h), s2) for h in _halves(m))
            else:
                stack.extend((m, arb(h)) for h in _halves(s2))
        for k, still in open_.items():
            if still:
                verdicts[k] = "CERTIFIED" if not stack else "UNDECIDED"
        no_box = _no_box(fam, bounds) if verdicts.get("contraction") == "REFUTED" else ""
    done = not stack
    image = {"mean": _ends(img_mean) if img_mean is not None and done else "",
             "variance": _ends(img_var) if img_var is not None and done else ""}
    return Theorem1Result(name, verdicts, str(float(max_norm.upper())) if done else "", image, witnesses,
                          leaves, time.perf_counter() - t0, bounds, no_box)


@dataclass(frozen=True)
class PointResult:
    """g_phi and its Jacobian at one point, as balls (text)."""

    name: str
    point: dict
    mean: str
    variance: str
    jacobian: list
    spectral_norm: str
    exit_code = 0

    def to_json(self):
        return {"activation": self.name, "point": self.point, "mean": self.mean, "variance": self.variance,
                "jacobian": self.jacobian, "spectral_norm": self.spectral_norm}

    def render(self):
        p = ", ".join(f"{k} = {v}" for k, v in self.point.items())
        return "\n".join([f"{self.name} scaled by its constants at {p}:", f"  mean~     in {self.mean}",
                          f"  nu~       in {self.variance}",
                          f"  J         = [[{self.jacobian[0][0]}, {self.jacobian[0][1]}],",
                          f"               [{self.jacobian[1][0]}, {self.jacobian[1][1]}]]",
                          f"  ||J||_2   in {self.spectral_norm}"])


def point(name, mu, omega, nu, tau, prec=128):
    """g_phi(mu, omega, nu, tau) and J for ``name`` scaled by its certified constants
    (decimal texts; exact where the decimals are), as Arb balls at ``prec`` bits."""
    with ctx.workprec(prec):
        fam = _Family(name, tol=2.0 ** -(prec - 8))
        vals = [arb(str(v)) for v in (mu, omega, nu, tau)]
        if not vals[2] * vals[3] > 0:
            raise InputError("nu * tau must be > 0")
        mean, var, J = fam.map(*vals)
        if not all(x.is_finite() for x in (mean, var, *J[0], *J[1])):
            raise InputError(f"{name} at mu = {mu}, omega = {omega}, nu = {nu}, tau = {tau}: the Gaussian integrals "
                             f"gave no finite enclosure there (m or s^2 too large for this activation's Arb form)")
        return PointResult(name, {"mu": str(mu), "omega": str(omega), "nu": str(nu), "tau": str(tau)},
                           mean.str(25), var.str(25), [[v.str(20) for v in row] for row in J],
                           _norm(J).str(20))


def table(names=None, max_leaves=2000):
    """:class:`Theorem1Table` for ``names`` (default: every activation with constants)."""
    from snn_verify.theory.activation_registry import ACTS

    names = names or [n for n in ACTS if n not in ("celu", "elu")]   # elu's family is selu's
    return Theorem1Table(tuple(theorem1(n, max_leaves) for n in names))


def _no_box(fam, bounds):
    """A point ``(0, 0, 1, tau)`` (tau an end of the box) where ``||J|| > 1``, as text: every
    (mu, nu) box that contains the fixed point (0, 1) contains it, so none contracts."""
    for tau in bounds["tau"]:
        pt = {"mu": arb(0), "omega": arb(0), "nu": arb(1), "tau": arb(tau)}
        _, _, J = fam.map(pt["mu"], pt["omega"], pt["nu"], pt["tau"])
        if _norm(J) > 1:
            return _point_text(pt, f"||J|| in {_norm(J).str(8)} > 1")
    return ""


def _ends(x):
    """``[lo, hi]`` of a ball, 6 decimals, rounded outward."""
    import math

    lo, hi = float(x.lower()), float(x.upper())
    return f"[{math.floor(lo * 1e6) / 1e6:.6f}, {math.ceil(hi * 1e6) / 1e6:.6f}]"


def _product_range(x, y):
    """The ball ``[min, max]`` of ``a * b`` over the ends of two decimal intervals (exact ends)."""
    prods = [arb(a) * arb(b) for a in x for b in y]
    lo, hi = prods[0], prods[0]
    for p in prods[1:]:
        lo, hi = arb.min(lo, p), arb.max(hi, p)
    return arb(lo.lower()).union(arb(hi.upper()))


def _probe_points(bounds):
    c = _centre(bounds)
    pts = [c]
    for mu in (0, 1):
        for nu in (0, 1):
            for om in (0, 1):
                for ta in (0, 1):
                    pts.append({"mu": arb(bounds["mu"][mu]), "nu": arb(bounds["nu"][nu]),
                                "omega": arb(bounds["omega"][om]), "tau": arb(bounds["tau"][ta])})
    return pts


def _point_text(pt, what):
    return ", ".join(f"{k} = {v.str(6)}" for k, v in pt.items()) + f": {what}"
