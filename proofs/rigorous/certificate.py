r"""Certificates: one JSON file per claim, and an independent re-check of it.

A certificate lists the leaf boxes of the branch and bound, each with the bound proved on
it (``Q <= bound`` for a "<" claim, ``Q >= bound`` for ">"), the verdict, the extremum
enclosure and its point, the counterexample of a refuted claim, the working precision, the
library versions, the SHA-256 of the generated expressions, and a SHA-256 of its own content.

:func:`recheck` trusts none of it.  It uses none of the branch-and-bound code
(:mod:`snn_verify.proofs.rigorous.certify`, :mod:`snn_verify.proofs.rigorous.interval`): only the Arb namespace of
:mod:`snn_verify.proofs.rigorous.ball` (the generated expressions evaluated over Arb by
:func:`snn_verify.proofs.rigorous.ball.moment_derivatives`, ``exp_erfc``, alpha01/lambda01) and its own small
evaluator, which composes them by forward-mode automatic differentiation (:class:`Dual`)
instead of the engine's hand-written chain rule and spectral-norm gradient.  It checks

1. the digest (any edit of the file is reported);
2. the claim: the search box contains the stated decimal box;
3. coverage: the leaves tile the search box exactly (a recursive guillotine check on exact
   float coordinates: no gap, no overlap), so a removed box is detected;
4. every leaf: ``sense*Q <= sense*bound`` over the whole leaf, by monotonicity (signs of
   the AD gradient) and the mean-value form, bisecting the leaf where needed; a bound
   that was tightened is detected;
5. the verdict: CERTIFIED needs every leaf bound strictly on the right side of the claim's
   bound; the extremum enclosure must contain every leaf bound's envelope and the value
   at its point; a REFUTED claim's counterexample is re-evaluated with mpmath at 50 digits.

Files are written atomically (temporary file + rename).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import tempfile
import time
from fractions import Fraction

from flint import arb

from .ball import PREC, at_working_precision, decimal_ball, interval_ball, moment_enclosure, product_hull

FORMAT = "snn-verify certificate 1"
VARIABLES = ("mu", "omega", "nu", "tau")
#: how many times recheck may bisect one leaf to prove its bound
MAX_DEPTH = 10
#: leaf bounds are recorded this much weaker than the engine proved (absolute + relative),
#: so that an independent evaluation with other rounding can confirm them
SLACK = 1e-12


# --- writing ---------------------------------------------------------------------------------

def _versions():
    import flint
    import mpmath
    import numpy
    import sympy

    return {"python": platform.python_version(), "python-flint": flint.__version__,
            "mpmath": mpmath.__version__, "sympy": sympy.__version__, "numpy": numpy.__version__}


def _generated_digest():
    from snn_verify.theory import _selu_generated

    with open(_selu_generated.__file__, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _digest(body):
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _weakened(x, sense):
    """``x`` moved by :data:`SLACK` in the safe direction (up for sense +1)."""
    return x + sense * SLACK * (1 + abs(x))


def build(result):
    """The certificate (a JSON-ready dict) of a :class:`snn_verify.proofs.rigorous.certify.Result`."""
    claim = result.claim
    sense = 1 if claim.relation == "<" else -1
    leaves = []
    for b in result.leaves:
        bound = _weakened(sense * b.upper, sense) if math.isfinite(b.upper) else None
        leaves.append({"box": [list(iv) for iv in b.box],
                       "bound": bound,
                       "face": [list(iv) for iv in b.face],
                       "steps": [[[VARIABLES[i], end] for i, end in step] for step in b.steps]})
    lo, hi = result.extremum
    body = {
        "format": FORMAT,
        "claim": {"name": claim.name, "theorem": claim.theorem, "quantity": claim.quantity,
                  "relation": claim.relation, "bound": result.bound_text,
                  "box": {v: list(iv) for v, iv in zip(VARIABLES, result.decimals)}},
        "verdict": result.verdict,
        "extremum": [_weakened(lo, -1), _weakened(hi, 1)],
        "extremum_kind": "max" if sense == 1 else "min",
        "argext": dict(zip(VARIABLES, result.argext)),
        "counterexample": result.counterexample,
        "search_box": [list(iv) for iv in result.search_box],
        "leaves": leaves,
        "boxes": result.boxes,
        "seconds": round(result.seconds, 3),
        "tolerance": result.tolerance,
        "precision_bits": PREC,
        "versions": _versions(),
        "generated_sha256": _generated_digest(),
    }
    return dict(body, sha256=_digest(body))


def write(result, path):
    """Write the certificate of ``result`` to ``path`` atomically; returns the path."""
    cert = build(result)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cert-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(cert, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# --- an independent evaluator: forward-mode AD over Arb ------------------------------------

class Dual:
    """``v + sum_i d_i eps_i``: a ball value and its gradient in (mu, omega, nu, tau).

    Arithmetic follows the rules of differentiation, so the chain rule from (m, s^2) to the
    four variables, the Jacobian entries' gradients and the spectral norm's gradient all come
    out of the arithmetic (:func:`quantity_dual`) instead of hand-written formulas.
    """

    __slots__ = ("v", "d")

    def __init__(self, v, d=None):
        if isinstance(v, Dual):
            self.v, self.d = v.v, v.d
        else:
            self.v, self.d = arb(v), d if d is not None else (arb(0),) * 4

    def __add__(self, o):
        o = Dual(o)
        return Dual(self.v + o.v, tuple(a + b for a, b in zip(self.d, o.d)))

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.v, tuple(-a for a in self.d))

    def __sub__(self, o):
        return self + (-Dual(o))

    def __mul__(self, o):
        o = Dual(o)
        return Dual(self.v * o.v, tuple(self.v * b + o.v * a for a, b in zip(self.d, o.d)))

    __rmul__ = __mul__

    def __truediv__(self, o):
        o = Dual(o)
        q = self.v / o.v
        return Dual(q, tuple((a - q * b) / o.v for a, b in zip(self.d, o.d)))

    def sqrt(self):
        """Square root of a quantity known to be >= 0 (a sum of squares)."""
        r = self.v.nonnegative_part().sqrt()
        return Dual(r, tuple(a / (2 * r) for a in self.d))


def _lift(value, h_m, h_s2, m, s2):
    """The Dual of ``h(m, s^2)`` from its value and partials and the Duals of m and s^2."""
    return Dual(value, tuple(h_m * a + h_s2 * b for a, b in zip(m.d, s2.d)))


def _norm(a, b, c, d):
    """||[[a, b], [c, d]]||_2 = ((a+d)^2 + (c-b)^2)^(1/2)/2 + ((a-d)^2 + (b+c)^2)^(1/2)/2."""
    return (((a + d) * (a + d) + (c - b) * (c - b)).sqrt() + ((a - d) * (a - d) + (b + c) * (b + c)).sqrt()) / 2


def quantity_dual(quantity, balls):
    """Q and its gradient over balls of (mu, omega, nu, tau), as a :class:`Dual`."""
    mu, omega, nu, tau = (Dual(x, tuple(arb(int(i == k)) for k in range(4))) for i, x in enumerate(balls))
    m, s2 = mu * omega, nu * tau
    m.v, s2.v = product_hull(mu.v, omega.v), product_hull(nu.v, tau.v)  # the exact ranges
    d = moment_enclosure(m.v, s2.v, 2 if quantity == "spectral_norm" else 1)
    if quantity == "mean":
        return _lift(d[0], d[2], d[3], m, s2)
    if quantity in ("variance", "variance_change"):
        var = _lift(d[1], d[4], d[5], m, s2)
        return var if quantity == "variance" else var - nu
    mean_m, mean_s2 = _lift(d[2], d[6], d[7], m, s2), _lift(d[3], d[7], d[8], m, s2)
    var_m, var_s2 = _lift(d[4], d[9], d[10], m, s2), _lift(d[5], d[10], d[11], m, s2)
    return _norm(omega * mean_m, tau * mean_s2, omega * var_m, tau * var_s2)


def _box_balls(box):
    return [interval_ball(lo, hi) for lo, hi in box]


def _point_value(quantity, point):
    """Q at a point given as balls."""
    return quantity_dual(quantity, point).v


def prove_bound(quantity, sense, box, bound, depth=MAX_DEPTH):
    """Whether ``sense*Q <= bound`` on the box can be shown: monotone coordinates are fixed
    (AD gradient signs), then the mean-value form; failing that, bisect (up to ``depth``)."""
    face = [tuple(iv) for iv in box]
    while True:
        free = [i for i, (lo, hi) in enumerate(face) if lo < hi]
        if not free:
            return (sense * _point_value(quantity, [arb(lo) for lo, _ in face])) <= bound
        q = quantity_dual(quantity, _box_balls(face))
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
    mvf = sense * _point_value(quantity, [arb(c) for c in centre])
    for g, (lo, hi), c in zip(grad, face, centre):
        if lo < hi:
            mvf += sense * g * (interval_ball(lo, hi) - arb(c))
    if mvf <= bound:
        return True
    if depth == 0:
        return False
    weights = [float(abs(g).upper()) * (hi - lo) if g.is_finite() else math.inf for g, (lo, hi) in zip(grad, face)]
    i = max(free, key=lambda k: (weights[k], face[k][1] - face[k][0]))
    lo, hi = face[i]
    cut = lo + (hi - lo) / 2
    if not lo < cut < hi:
        return False
    halves = []
    for part in ((lo, cut), (cut, hi)):
        sub = list(face)
        sub[i] = part
        halves.append(sub)
    return all(prove_bound(quantity, sense, h, bound, depth - 1) for h in halves)


# --- coverage ----------------------------------------------------------------------------------

def tiles(region, boxes):
    """Whether the boxes (exact float coordinates) tile ``region`` exactly: every box lies in
    it, and recursively some hyperplane at a box face splits the set without cutting a box,
    down to single boxes equal to their region.  Bisection leaves always pass; a missing or
    overlapping box fails."""
    stack = [(tuple(map(tuple, region)), [tuple(map(tuple, b)) for b in boxes])]
    while stack:
        reg, bs = stack.pop()
        if not bs:
            return False
        if any(any(b[i][0] < reg[i][0] or b[i][1] > reg[i][1] or not b[i][0] <= b[i][1] for i in range(4))
               for b in bs):
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
    for i in range(4):
        for x in sorted({b[i][1] for b in bs if reg[i][0] < b[i][1] < reg[i][1]}):
            if all(b[i][1] <= x or b[i][0] >= x for b in bs):
                return i, x
    return None


# --- re-checking -----------------------------------------------------------------------------

def load(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _exact(x):
    return Fraction(str(x)) if isinstance(x, str) else Fraction(x)


@at_working_precision
def recheck(cert, progress=None):
    """Re-verify a certificate dict (see module docstring).

    Returns ``{"ok", "verdict", "problems": [...], "leaves", "seconds"}``; ``ok`` is True
    only if every check passed.
    """
    t0 = time.perf_counter()
    problems = []
    body = {k: v for k, v in cert.items() if k != "sha256"}
    if cert.get("format") != FORMAT:
        return {"ok": False, "verdict": cert.get("verdict"), "problems": ["not a snn-verify certificate"],
                "leaves": 0, "seconds": 0.0}
    if cert.get("sha256") != _digest(body):
        problems.append("digest mismatch: the file was altered after it was written")
    if cert.get("generated_sha256") != _generated_digest():
        problems.append("the generated expressions differ from those the certificate was made with")
    claim = cert["claim"]
    quantity, relation = claim["quantity"], claim["relation"]
    sense = 1 if relation == "<" else -1
    b = _exact(claim["bound"])
    decimals = [claim["box"][v] for v in VARIABLES]
    region = [tuple(iv) for iv in cert["search_box"]]
    for v, (dlo, dhi), (flo, fhi) in zip(VARIABLES, decimals, region):
        if not (Fraction(flo) <= _exact(dlo) <= _exact(dhi) <= Fraction(fhi)):
            problems.append(f"search box does not contain the claim's {v} interval")
    leaves = cert["leaves"]
    if not tiles(region, [lf["box"] for lf in leaves]):
        problems.append("the leaves do not tile the search box (a box is missing or overlaps)")
    for k, lf in enumerate(leaves):
        if lf["bound"] is None:  # an open box with no finite bound (undecided claims only)
            continue
        if not prove_bound(quantity, sense, lf["box"], arb(sense * lf["bound"])):
            problems.append(f"leaf {k}: bound {lf['bound']} not confirmed on {lf['box']}")
        if progress:
            progress(k + 1)
    _check_verdict(cert, quantity, relation, sense, b, decimals, problems)
    return {"ok": not problems, "verdict": cert["verdict"], "problems": problems, "leaves": len(leaves),
            "seconds": time.perf_counter() - t0}


def _inside(point, decimals):
    return all(_exact(lo) <= _exact(x) <= _exact(hi) for x, (lo, hi) in zip(point, decimals))


def _check_verdict(cert, quantity, relation, sense, b, decimals, problems):
    leaves = cert["leaves"]
    verdict = cert["verdict"]
    if any(lf["bound"] is None for lf in leaves):
        if verdict == "CERTIFIED":
            problems.append("CERTIFIED, but some leaf has no bound")
        return
    bounds = [Fraction(lf["bound"]) for lf in leaves]
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
        value = _point_value(quantity, [decimal_ball(x) for x in point])
        attained = value >= arb(float(lo)) if sense == 1 else value <= arb(float(hi))
        if not attained:
            problems.append("the extremum's attained end is not confirmed at argext")
    if verdict == "REFUTED":
        _check_counterexample(cert, quantity, relation, b, decimals, problems)


def _check_counterexample(cert, quantity, relation, b, decimals, problems):
    import mpmath

    from snn_verify.theory.jacobian import point_mp

    ce = cert.get("counterexample") or {}
    point = [ce.get("point", {}).get(v) for v in VARIABLES]
    if None in point or not _inside(point, decimals):
        problems.append("REFUTED without a counterexample inside the box")
        return
    p = point_mp(*point, digits=50)
    with mpmath.workdps(70):
        value = {"mean": p["mean"], "variance": p["variance"], "spectral_norm": p["spectral_norm"],
                 "variance_change": p["variance"] - mpmath.mpf(point[2])}[quantity]
        bound = mpmath.mpf(str(cert["claim"]["bound"]))
        violated = value >= bound if relation == "<" else value <= bound
    if not violated:
        problems.append(f"the counterexample does not violate the bound {cert['claim']['bound']} at 50 digits")


def recheck_file(path, progress=None):
    """:func:`recheck` of a JSON file; a file that cannot be read or parsed is rejected."""
    try:
        cert = load(path)
    except (OSError, ValueError) as exc:
        return {"ok": False, "verdict": None, "problems": [f"cannot read {path}: {exc}"], "leaves": 0,
                "seconds": 0.0}
    if not isinstance(cert, dict):
        return {"ok": False, "verdict": None, "problems": [f"malformed certificate: a JSON object expected, got "
                                                           f"{type(cert).__name__}"], "leaves": 0, "seconds": 0.0}
    try:
        return recheck(cert, progress)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError) as exc:
        return {"ok": False, "verdict": cert.get("verdict") if isinstance(cert, dict) else None,
                "problems": [f"malformed certificate: {exc!r}"], "leaves": 0, "seconds": 0.0}
