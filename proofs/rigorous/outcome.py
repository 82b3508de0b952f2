"""What a claim's search answers, shared by the engines (SELU's :mod:`.certify` and the
other activations' :mod:`.activation_claims`): the three verdicts, the default budgets, the
claim's decimal box and bound, and the exit status of a run.

A claim ``Q < b`` (``sense = +1``) or ``Q > b`` (``sense = -1``) is proved when
``max sense*Q < limit_down`` and broken when a value exceeds ``limit_up``, the floats just
below and above ``sense*b`` (:func:`limits`).

>>> verdict_exit([CERTIFIED, UNDECIDED]), verdict_exit([UNDECIDED, REFUTED])
(3, 1)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from ..claims import VARIABLES, Claim
from .ball import float_down, float_up

CERTIFIED, REFUTED, UNDECIDED = "CERTIFIED", "REFUTED", "UNDECIDED"
#: default width of the extremum enclosure
TOLERANCE = 1e-6
#: default budgets of one claim
MAX_BOXES = 200_000
MAX_SECONDS = 120.0
#: default time budget of one user claim (``verify.py claim``)
CLAIM_SECONDS = 60.0
#: share of the time budget spent narrowing the extremum once the verdict is known
DECIDED_SHARE = 0.25


def sense_of(relation):
    """+1 for ``"<"`` (maximise Q), -1 for ``">"`` (minimise Q)."""
    return 1 if relation == "<" else -1


def decimal_box(claim):
    """The claim's box as decimal strings ``((lo, hi),) * 4``: a float ``0.8`` means 8/10."""
    return getattr(claim, "decimals", ()) or tuple((repr(lo), repr(hi)) for lo, hi in claim.box.intervals())


def bound_text(claim):
    """The claim's bound as a decimal string (a float ``0.1`` means 1/10)."""
    return getattr(claim, "bound_text", "") or repr(claim.bound)


def limits(claim):
    """``(sense, limit_down, limit_up)``: the floats just below and above ``sense*b``.  A
    claim is proved when ``max sense*Q < limit_down`` and broken when a value exceeds
    ``limit_up``."""
    sense = sense_of(claim.relation)
    b = sense * Fraction(bound_text(claim))
    return sense, float_down(b), float_up(b)


def verdict_exit(verdicts):
    """Exit status of a run with these verdicts: 1 if any is REFUTED, else 3 if any is
    UNDECIDED, else 0."""
    if REFUTED in verdicts:
        return 1
    if UNDECIDED in verdicts:
        return 3
    return 0


@dataclass(frozen=True)
class Result:
    """The outcome for one claim (see :mod:`.certify`'s docstring).

    ``extremum`` is ``[lo, hi]`` for Q itself (not sense*Q): for "<" the max of Q lies in it,
    for ">" the min.  ``argext`` is the point (decimal strings) where the attained end holds
    (``lo`` for a max, ``hi`` for a min).  ``leaves`` are the final boxes, each a
    :class:`snn_verify.proofs.rigorous.interval.BoxBound` with ``sense*Q <= upper`` on it; ``open_boxes``
    counts those not below the claim's bound.  ``certificate``: the path it was written to.
    """

    claim: Claim
    verdict: str
    extremum: tuple
    argext: tuple
    boxes: int
    seconds: float
    leaves: tuple = field(repr=False, default=())
    open_boxes: tuple = field(repr=False, default=())
    counterexample: dict | None = None
    decimals: tuple = ()
    bound_text: str = ""
    search_box: tuple = ()
    tolerance: float = TOLERANCE
    note: str = ""
    certificate: str | None = None
    coordinates: tuple = VARIABLES
    region: tuple = ()

    @property
    def width(self):
        return self.extremum[1] - self.extremum[0]

    @property
    def exit_code(self):
        return verdict_exit([self.verdict])

    def to_json(self):
        """The JSON of ``theorems`` and ``claim``."""
        out = {"name": self.claim.name, "verdict": self.verdict, "quantity": self.claim.quantity,
               "relation": self.claim.relation, "bound": self.bound_text,
               "extremum_kind": self.claim.extremum, "boxes": self.boxes, "seconds": round(self.seconds, 3)}
        if all(math.isfinite(x) for x in self.extremum):
            out["extremum"] = [self.extremum[0], self.extremum[1]]
            out["argext"] = dict(zip(VARIABLES, self.argext))
        if self.counterexample:
            out["counterexample"] = self.counterexample
        if self.verdict == UNDECIDED:
            out["open_boxes"] = self.open_boxes_json()
            out["note"] = self.note
        if not self.claim.model.default:
            out["model"] = self.claim.model.as_dict()
        if getattr(self.claim, "published", None) is not None:
            out["published"] = self.claim.published
        if self.certificate is not None:
            out["certificate"] = self.certificate
        return out

    def open_boxes_json(self):
        """``{"count", "first"}``: the open boxes (:class:`.interval.BoxBound`), the first five."""
        return {"count": len(self.open_boxes), "first": [list(map(list, b.box)) for b in self.open_boxes[:5]]}

    def counterexample_text(self, ce):
        """How the counterexample's violation was decided (the render's wording)."""
        at = (f" at lambda = {ce['parameters']['lambda']}, alpha = {ce['parameters']['alpha']}"
              if "parameters" in ce else "")
        return f"{ce['point']}{at} gives {self.claim.quantity} = {ce['value']} (50-digit mpmath re-evaluation)"

    def render(self):
        r = self.to_json()
        lines = [f"verdict: {r['verdict']}" + (f" ({r['activation']} scaled by its certified constants)"
                                               if "activation" in r else "")]
        if "extremum" in r:
            lines.append(f"{r['extremum_kind']} of {r['quantity']} in [{r['extremum'][0]!r}, {r['extremum'][1]!r}] "
                         f"at {r['argext']}")
        if "counterexample" in r:
            lines.append(f"counterexample: {self.counterexample_text(r['counterexample'])}")
        if "open_boxes" in r:
            lines.append(f"undecided ({r['note']}): {r['open_boxes']['count']} boxes remain, "
                         f"e.g. {r['open_boxes']['first'][:2]}")
        lines.append(f"{r['boxes']} boxes, {r['seconds']} s")
        return "\n".join(lines)
