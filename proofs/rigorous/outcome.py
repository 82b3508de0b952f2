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

from fractions import Fraction

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
