r"""The largest domains: how far each side of a theorem's box can move before it breaks.

Every step is an ordinary :func:`snn_verify.proofs.rigorous.certify.certify` call on the
theorem's claims over a candidate box: all CERTIFIED means the side may move there, a REFUTED
claim gives a witness (its 50-digit counterexample) and stops the side there; an UNDECIDED
claim also stops it (no witness).  The sides grow one after the other, each by doubling its
distance from the start until a claim fails, then by bisection between the last certified and
the first failed value (:data:`STEPS` rounds), with the sides already grown at their final
values; so the final box is the last all-certified one.

- ``mu-nu`` (Theorem 1's conclusions at omega = 0, tau = 1): the box
  ``[-d, d] x [nu_lo, nu_hi]`` in (mu, nu), with claims g(box) in box (mean in (-d, d),
  variance in (nu_lo, nu_hi)) and ``||J||_2 < 1``;
- ``omega-tau`` (on the theorem's own (mu, nu) ranges): the box ``[-e, e] x [tau_lo, tau_hi]``
  in (omega, tau); Theorem 1's five claims, Theorem 2's or Theorem 3's.

Values are decimals with :data:`DIGITS` significant digits.  With ``certificates`` (a
directory), the final box's claims are certified once more and each writes its certificate
(``domain_<kind>_T<theorem>_<claim>.json``), and so does every claim refuted beyond a side
(``..._witness_<side>.json``, its counterexample inside): ``verify.py recheck`` validates
them all.

On a Dask sweep (``session``, :mod:`snn_verify.proofs.rigorous.swept`; ``verify.py domain
--out/--scheduler/--sweep-workers``) what is independent runs as tasks: the claims of one
candidate box are one round of tasks (all of them, the first that fails in the claims' order
stops the side, as in the one-process run, which stops at it), and so are the final box's
and the witnesses' certificates.  What is sequential by nature stays so, on the client: the
doublings and the bisection of a side (each candidate value depends on the verdict of the
one before), and the sides one after the other (each side grows with the sides before it at
their final values).  The kinds and theorems are independent searches (``theorems
--extended`` runs its two on one sweep, one after the other).  A resumed search retraces the
same candidates and reads each step's verdicts back from the results file.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import os

from snn_verify.errors import InputError

from ..claims import VARIABLES
from ..theorems import theorem_claims
from .certify import CERTIFIED, REFUTED, Evaluator, certificate_name, certify, make_claim

#: bisection rounds per side, doublings at most, significant digits of the values
STEPS, DOUBLINGS, DIGITS = 6, 6, 4
#: time budget of one claim in a step (s)
SECONDS = 10.0
KINDS = ("mu-nu", "omega-tau")


def _fmt(x):
    return f"{Decimal(x):.{DIGITS}g}"


def _theorem_boxes(theorem):
    """The decimal boxes and claims of a theorem: [(box dict, [(quantity, relation, bound)])]."""
    out = []
    for c in theorem_claims():
        if c.theorem == f"Theorem {theorem}":
            box = {v: (repr(lo), repr(hi)) for v, (lo, hi) in zip(VARIABLES, c.box.intervals())}
            out.append((box, (c.quantity, c.relation, repr(c.bound))))
    return out


def _mu_nu_claims(sides):
    d, lo, hi = sides["d"], sides["nu_lo"], sides["nu_hi"]
    box = {"mu": (f"-{d}", d), "omega": ("0", "0"), "nu": (lo, hi), "tau": ("1", "1")}
    return [make_claim(q, r, b, box, name=f"{q} {r} {b}") for q, r, b in
            (("spectral_norm", "<", "1"), ("mean", ">", f"-{d}"), ("mean", "<", d),
             ("variance", ">", lo), ("variance", "<", hi))]


def _omega_tau_claims(theorem):
    def make(sides):
        e, lo, hi = sides["e"], sides["tau_lo"], sides["tau_hi"]
        out = []
        for box, (q, r, b) in _theorem_boxes(theorem):
            box = dict(box, omega=(f"-{e}", e), tau=(lo, hi))
            out.append(make_claim(q, r, b, box, name=f"{q} {r} {b}"))
        return out
    return make


#: per kind: the sides, their start values (the paper's box), and the direction they grow
SIDES = {
    "mu-nu": {"d": ("0.1", +1), "nu_lo": ("0.8", -1), "nu_hi": ("1.5", +1)},
    "omega-tau": {"tau_lo": ("0.95", -1), "tau_hi": ("1.1", +1), "e": ("0.1", +1)},
}
#: Theorem 2's and 3's own tau ranges
TAU_STARTS = {1: ("0.95", "1.1"), 2: ("0.8", "1.25"), 3: ("0.9", "1.25")}


@dataclass(frozen=True)
class DomainResult:
    """The certified box, every step (side, value, verdict, the claim that failed) and a
    refuting witness per side where one was found."""

    kind: str
    theorem: int
    box: dict
    steps: tuple
    witnesses: dict
    seconds: float
    certificates: tuple = ()
    exit_code = 0

    def to_json(self):
        out = {"kind": self.kind, "theorem": self.theorem, "box": self.box, "steps": list(self.steps),
               "witnesses": self.witnesses, "seconds": round(self.seconds, 3)}
        if self.certificates:
            out["certificates"] = list(self.certificates)
        return out

    def render(self):
        lines = [f"largest {self.kind} box (Theorem {self.theorem}'s conclusions), certified: {self.box}"]
        for s in self.steps:
            lines.append(f"  {s['side']:7s} = {s['value']:>10s}: {s['verdict']}" +
                         (f" ({s['failed']})" if s.get("failed") else ""))
        for side, w in self.witnesses.items():
            lines.append(f"  witness beyond {side}: {w['claim']} broken at {w['point']} (value {w['value'][:20]})")
        if self.certificates:
            lines.append(f"  {len(self.certificates)} certificates written (verify.py recheck validates them)")
        return "\n".join(lines)


def _check(claims, evaluator):
    """``(verdict, failed claim name, counterexample, result)`` of the claims: CERTIFIED if
    all are (the result is the failed claim's)."""
    for c in claims:
        r = certify(c, tol=math.inf, max_seconds=SECONDS, evaluator=evaluator)   # a verdict, no narrowing
        if r.verdict != CERTIFIED:
            return r.verdict, c.name, r.counterexample, r
    return CERTIFIED, None, None, None


def _write(result, directory, stem):
    from . import certificate

    return certificate.write(result, os.path.join(directory, f"{stem}_{certificate_name(result.claim)}"))


def _check_swept(claims, session):
    """:func:`_check` with the claims as one round of tasks on ``session``: the same verdict
    and the same first failed claim (the claims after it are certified too, in parallel)."""
    from . import swept

    for c, r in zip(claims, swept.certify_all(session, claims, math.inf, SECONDS)):
        if r.verdict != CERTIFIED:
            return r.verdict, c.name, r.counterexample, r
    return CERTIFIED, None, None, None


def _certificates_swept(session, final, refuted, directory, stem):
    """The final box's and the witnesses' certificates, written by tasks (one round)."""
    from . import swept
    from .certify import TOLERANCE

    written = swept.certify_all(session, final, TOLERANCE, SECONDS, directory, prefix=f"{stem}_")
    sides = list(refuted)
    written += swept.certify_all(session, [refuted[s].claim for s in sides], math.inf, SECONDS, directory,
                                 prefix=[f"{stem}_witness_{s}_" for s in sides])
    return [r.certificate for r in written]


def grow_side(start, direction, check, doublings=DOUBLINGS, steps_per_side=STEPS):
    """One side's search: from ``start`` (decimal text) in ``direction`` (+1 or -1), by
    doubling its distance (a quarter of ``start``, or 0.1, times ``2^k``; a lower end that
    would reach 0 halves instead) until ``check(value)`` is not CERTIFIED, then by bisection
    between the last certified and the first failed value, for ``doublings + steps_per_side``
    steps in all, or fewer where the :data:`DIGITS`-digit values stop moving.  Returns the last
    certified value (``start`` if none).

    >>> grow_side("1", +1, lambda v: "CERTIFIED" if Decimal(v) < 2 else "REFUTED", doublings=3, steps_per_side=2)
    '1.75'
    """
    good, bad = Decimal(start), None
    step = good * Decimal("0.25") if good else Decimal("0.1")
    for k in range(doublings + steps_per_side):
        if bad is None:
            x = good + direction * step * 2 ** k
            if direction < 0 and x <= 0:
                x = good / 2
        else:
            x = (good + bad) / 2
        value = _fmt(x)
        if value in (_fmt(good), _fmt(bad) if bad is not None else None):
            break
        if check(value) == CERTIFIED:
            good = Decimal(value)
        else:
            bad = Decimal(value)
        if bad is None and k + 1 >= doublings:
            break
    return _fmt(good)


def grow(kind="omega-tau", theorem=1, workers=1, progress=None, steps_per_side=STEPS, doublings=DOUBLINGS,
         certificates=None, session=None):
    """Grow the sides of ``kind``'s box (module docstring): a :class:`DomainResult`.  A side
    that no claim breaks within ``doublings`` doublings stays at its last certified value
    and has no witness.  ``certificates``: a directory for the final box's and the
    witnesses' certificates.  ``session`` (a :class:`snn_verify.proofs.sweep.Session`):
    each candidate box's claims a round of Dask tasks instead of ``workers`` local
    processes."""
    import time

    if kind not in KINDS:
        raise InputError(f"unknown domain kind {kind!r}; known: {', '.join(KINDS)}")
    if kind == "mu-nu" and theorem != 1:
        raise InputError("the mu-nu domain is Theorem 1's (use --theorem 1)")
    t0 = time.perf_counter()
    starts = dict(SIDES[kind])
    if kind == "omega-tau":
        lo, hi = TAU_STARTS[theorem]
        starts.update(tau_lo=(lo, -1), tau_hi=(hi, +1))
    make = _mu_nu_claims if kind == "mu-nu" else _omega_tau_claims(theorem)
    sides = {k: v for k, (v, _) in starts.items()}
    steps, witnesses, refuted = [], {}, {}
    with Evaluator(workers if session is None else 1) as ev:
        for side, (start, direction) in starts.items():
            def check(value, side=side):
                trial = make(dict(sides, **{side: value}))
                verdict, failed, witness, result = (_check(trial, ev) if session is None
                                                    else _check_swept(trial, session))
                steps.append({"side": side, "value": value, "verdict": verdict, "failed": failed})
                if progress:
                    progress(side)
                if verdict == REFUTED:
                    witnesses[side] = {"value_of_side": value, "claim": failed, **witness}
                    refuted[side] = result
                return verdict

            sides[side] = grow_side(start, direction, check, doublings, steps_per_side)
        paths = []
        if certificates and session is not None:
            paths = [p for p in _certificates_swept(session, make(sides), refuted, certificates,
                                                    f"domain_{kind}_T{theorem}") if p]
        elif certificates:
            stem = f"domain_{kind}_T{theorem}"
            for c in make(sides):
                paths.append(_write(certify(c, max_seconds=SECONDS, evaluator=ev), certificates, stem))
            paths += [_write(r, certificates, f"{stem}_witness_{side}") for side, r in refuted.items()]
            paths = [p for p in paths if p]          # an UNDECIDED claim writes no certificate
    return DomainResult(kind, theorem, sides, tuple(steps), witnesses, time.perf_counter() - t0, tuple(paths))
