r"""The verdict: what the proved leaf bounds and the counterexample establish about the claim.

With ``sense = +1`` for ``<`` and ``-1`` for ``>``, every leaf proves ``sense*Q <= sense*bound``
on its box (:mod:`.leaves`), and the leaves cover the claim's box (:mod:`.coverage`).  Then

- CERTIFIED needs every leaf bound strictly on the claim's side: ``sense*bound < sense*b``
  (exact rationals);
- the extremum enclosure ``[lo, hi]`` holds the leaves' envelope (a leaf without a bound
  counts as infinite) and its attained end holds at ``argext``, a point of the claim's box;
- REFUTED needs a counterexample: a point of the claim's box (and parameter values in the
  claim's intervals), checked with exact rationals, where Arb decides ``Q >= b`` (for ``<``)
  or ``Q <= b`` (for ``>``): the enclosure of Q at the point is computed at a precision raised
  from :data:`PRECISIONS` until the comparison is decided.  No floating-point comparison and
  no unverified evaluation (mpmath) decides it.  The 50-digit value the certificate states
  must lie within ``1e-30 (1 + |Q|)`` of the enclosure.
"""
from __future__ import annotations

import math
from fractions import Fraction

from flint import arb, ctx

from ...claims import Model
from ..trusted import decimal_ball
from .quantities import point_value

#: precisions (bits) at which a counterexample's violation is tried, in order
PRECISIONS = (80, 160, 320, 640, 1280, 2560, 5120)
#: precision (bits) at which the counterexample's stated value is compared with Arb's
VALUE_PRECISION = 320


def inside(point, box):
    """Whether the point (exact rationals) lies in the closed box (pairs of rationals)."""
    return all(lo <= x <= hi for x, (lo, hi) in zip(point, box))


def certified_problems(cert):
    """CERTIFIED: every leaf has a bound, strictly on the claim's side of the claim's bound."""
    if cert.verdict != "CERTIFIED":
        return []
    sense, b = cert.claim.sense, cert.claim.bound
    if any(bound is None for _, bound in cert.leaves):
        return ["CERTIFIED, but some leaf has no bound"]
    if not all(sense * Fraction(bound) < sense * b for _, bound in cert.leaves):
        return ["CERTIFIED, but some leaf bound does not prove the claim"]
    return []


def extremum_problems(cert):
    """The extremum enclosure holds the leaves' envelope, and its attained end is confirmed at
    ``argext``, a point of the claim's box."""
    sense = cert.claim.sense
    lo, hi = (None if math.isinf(x) else Fraction(x) for x in cert.extremum)
    problems = []
    bounds = [None if b is None else Fraction(b) for _, b in cert.leaves]
    if None in bounds:
        envelope = None                              # unbounded on the open side
    else:
        envelope = max(bounds) if sense == 1 else min(bounds)
    open_end = hi if sense == 1 else lo
    if envelope is None:
        if open_end is not None:
            problems.append("the extremum enclosure is finite, but some leaf has no bound")
    elif open_end is None or not ((lo is None or lo <= envelope) and (hi is None or envelope <= hi)):
        problems.append("the extremum enclosure does not contain the leaves' envelope")
    if not inside(cert.argext, cert.claim.box):
        return problems + ["argext is outside the claim's box"]
    value = point_value(cert.claim.quantity, [decimal_ball(x) for x in cert.argext_text], cert.claim.model)
    attained = cert.extremum[0] if sense == 1 else cert.extremum[1]
    if not (value >= arb(attained) if sense == 1 else value <= arb(attained)):
        problems.append("the extremum's attained end is not confirmed at argext")
    return problems


def _pinned(model, parameters):
    """The claim's model at the counterexample's parameter values, or a problem: each value is
    ``lambda01``/``alpha01`` where the claim has no interval, else a decimal in its interval."""
    if parameters is None:
        return model, None
    pinned = {}
    for key, name in (("alpha", "alpha"), ("lambda", "lambda_")):
        value, interval = parameters[key], getattr(model, name)
        if not interval:
            if value != f"{key}01":
                return None, f"the counterexample's {key} must be {key}01 (the claim has no {key} interval)"
            pinned[name] = ()
        elif value == f"{key}01" or not Fraction(interval[0]) <= Fraction(value) <= Fraction(interval[1]):
            return None, f"the counterexample's {key} lies outside the claim's interval"
        else:
            pinned[name] = (value, value)
    return Model(model.dropout, pinned["alpha"], pinned["lambda_"]), None


def decide_violation(quantity, point_text, relation, bound_text, model):
    """``(violated, enclosure)``: Arb decides ``Q >= b`` (relation ``<``) or ``Q <= b``
    (``>``) at the point, at the first precision of :data:`PRECISIONS` that decides it
    (``violated`` is ``None`` if none does).

    >>> decide_violation("mean", ("0", "0", "1.1", "1"), "<", "0.0089269318218336196", Model())[0]
    False
    """
    value = None
    for prec in PRECISIONS:
        with ctx.workprec(prec):
            value = point_value(quantity, [decimal_ball(x) for x in point_text], model)
            b = decimal_ball(bound_text)
            broken, holds = (value >= b, value < b) if relation == "<" else (value <= b, value > b)
        if broken or holds:
            return broken, value
    return None, value


def counterexample_problems(cert):
    """REFUTED: the counterexample lies in the claim's box and intervals, and Arb decides that
    it breaks the bound; the value it states agrees with Arb's enclosure."""
    if cert.verdict != "REFUTED":
        return []
    ce, claim = cert.counterexample, cert.claim
    if not inside(ce.point, claim.box):
        return ["the counterexample lies outside the claim's box"]
    model, problem = _pinned(claim.model, ce.parameters)
    if problem:
        return [problem]
    violated, value = decide_violation(claim.quantity, ce.point_text, claim.relation, claim.bound_text, model)
    if violated is None:
        return [f"the counterexample's violation of {claim.bound_text} is not decided by Arb "
                f"(up to {PRECISIONS[-1]} bits)"]
    if not violated:
        return [f"the counterexample does not violate the bound {claim.bound_text} (decided by Arb)"]
    with ctx.workprec(VALUE_PRECISION):
        value = point_value(claim.quantity, [decimal_ball(x) for x in ce.point_text], model)
        if not abs(decimal_ball(ce.value_text) - value) <= (1 + abs(value)) * arb(10) ** -30:
            return ["the counterexample's stated value disagrees with its Arb enclosure"]
    return []
