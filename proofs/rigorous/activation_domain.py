r"""The largest certified (mu, nu) box of any self-normalised activation (issue 20, item 5).

The project's ``mu-nu`` domain search (:mod:`snn_verify.proofs.rigorous.domain`, SELU only)
transplanted to any activation of the registry scaled by its certified constants
(:mod:`snn_verify.proofs.rigorous.activations`), with the activation's own branch and bound
(:func:`snn_verify.proofs.rigorous.activation_theorem1.theorem1`) as the certifying step.

**The box and its claims** (as ``domain.py``'s ``mu-nu`` kind): sides ``d``, ``nu_lo``,
``nu_hi``; the box ``B = [-d, d] x [nu_lo, nu_hi]`` in ``(mu, nu)`` at ``omega = 0``,
``tau = 1``, and the map ``g(mu, nu) = (mu~, nu~)`` of the scaled unit ``phi`` for
``z ~ N(mu omega, nu tau)``.  A box is *certified* when, over all of it,

- **contraction**: ``||J||_2 < 1``, ``J = d(mu~, nu~)/d(mu, nu)``;
- **invariance**: ``g(B) in B``, i.e. ``mu~ in [-d, d]`` and ``nu~ in [nu_lo, nu_hi]``.

Then (B convex, so ``g`` is Lipschitz with constant ``max ||J||_2 < 1`` on it) Banach's
theorem gives a unique, attracting fixed point in ``B``: for the scaled activation it is
``(0, 1)``.  At ``omega = 0`` the input ``z ~ N(0, nu)`` does not depend on ``mu``: ``J``'s
first column is zero, ``mu~`` and ``nu~`` are functions of ``nu`` alone, and ``d`` only has
to exceed ``|mu~|`` over ``[nu_lo, nu_hi]`` (so ``d`` grows until the doublings run out,
exactly as it does for SELU in ``domain.py``).

**The search** (``domain.py``'s, step for step): the sides start at the paper's box
(``d = 0.1``, ``nu in [0.8, 1.5]``) and grow one after the other (``d``, ``nu_lo``, ``nu_hi``),
each by doubling its distance from the start (first step a quarter of the start value)
until a step fails, then by bisection between the last certified and the first failed value
(:data:`STEPS` rounds, :data:`DOUBLINGS` doublings at most), the sides already grown held at
their final values; values are decimals of :data:`DIGITS` significant digits.  A REFUTED
step gives its witness (a point of the candidate box, evaluated as a point ball, that breaks
a claim), an UNDECIDED step (leaf budget) stops the side without one.  The final box is the
last all-certified box.

Two additions, because the start need not be certified here (``domain.py`` takes SELU's
for granted):

- **the fixed point**: the degenerate box ``{(0, 1)}`` is checked first.  Every candidate
  box contains ``(0, 1)`` (``mu = 0`` is inside ``[-d, d]``, ``nu_lo`` only falls and
  ``nu_hi`` only rises from around 1), so a REFUTED contraction there, ``||J(0, 1)||_2 > 1``,
  proves that **no box of this search is certified**; the result has ``box = None`` and
  that witness;
- **shrinking**: if the fixed point contracts but the paper's box fails, the sides' distances
  from ``(0, 1)`` are halved (at most :data:`SHRINKS` times) until a box is certified, and
  the search grows from there.

**The paper's (omega, tau) box** (``around_paper``): the same fixed-point test with
``omega in [-0.1, 0.1]``, ``tau in [0.95, 1.1]``: a REFUTED contraction at ``(mu, nu) =
(0, 1)`` there (a point ``(0, omega, 1, tau)`` with ``||J|| > 1``) proves that no ``(mu, nu)``
box around ``(0, 1)`` contracts for the paper's (omega, tau) box; it is the question that
``theorem1``'s ``no_box`` answers, asked through the certifying step.

**One box** (:func:`certify_box`; ``verify.py activation NAME --domain --box D NU_LO NU_HI``):
any box ``[-d, d] x [nu_lo, nu_hi]`` at ``omega = 0``, ``tau = 1``, also one around a fixed
point other than ``(0, 1)``: GELU's variance map has a second, attracting one,
``nu* = 24.33399970...`` (``mu~ = 2.80``, ``||J|| = 0.991``), and ``[-6, 6] x [14, 64]`` is
certified around it, while its ``(0, 1)`` repels.

Differences from ``domain.py``: the claims are certified by this module's simple branch and
bound, not the project's certifier (SELU's closed forms); invariance is the closed
containment of the enclosure (``domain.py`` asks for strict inequalities; an enclosure with a
positive radius decides both alike); witnesses are Arb point balls at 64 bits, not 50-digit
values.

Example
-------
>>> r = grow("tanh", doublings=1, steps_per_side=0)
>>> r.box, r.verdicts
({'d': '0.125', 'nu_lo': '0.600', 'nu_hi': '1.875'}, {'contraction': 'CERTIFIED', 'invariance': 'CERTIFIED'})
>>> grow("relu").box is None       # ||J(0, 1)|| = 1.0568 > 1: every candidate box contains (0, 1)
True
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

from snn_verify.errors import InputError

from .activation_theorem1 import theorem1
from .domain import DIGITS, DOUBLINGS, STEPS, _fmt, grow_side  # noqa: F401 (DIGITS: the docstring's)
from .domain import SIDES as SIDES_OF_KIND

#: the sides, their start values (the paper's box) and the direction they grow (``domain.py``'s)
SIDES = SIDES_OF_KIND["mu-nu"]
#: halvings of the start box towards (0, 1) at most, when the paper's box is not certified
SHRINKS = 6
#: (omega, tau) of the ``mu-nu`` kind, and the paper's (omega, tau) box
NORMALISED = {"omega": ("0", "0"), "tau": ("1", "1")}
PAPER = {"omega": ("-0.1", "0.1"), "tau": ("0.95", "1.1")}
#: an image box that every image lies in (the fixed-point tests ask only for contraction)
ANYWHERE = {"mean": ("-1e9", "1e9"), "variance": ("-1e9", "1e9")}


def _bounds(sides, omega_tau=NORMALISED):
    d = sides["d"]
    return ({"mu": (f"-{d}", d), "omega": omega_tau["omega"], "nu": (sides["nu_lo"], sides["nu_hi"]),
             "tau": omega_tau["tau"]},
            {"mean": (f"-{d}", d), "variance": (sides["nu_lo"], sides["nu_hi"])})


def certify_box(name, sides, max_leaves=2000, omega_tau=NORMALISED):
    """:func:`theorem1` on the box of ``sides`` (``d``, ``nu_lo``, ``nu_hi``: decimals, as
    texts; ``d > 0``, ``0 < nu_lo < nu_hi``, else :class:`InputError`) at ``omega_tau`` with
    the box itself as invariance's target."""
    bounds, target = _bounds(_checked(sides), omega_tau)
    _require(name)
    return theorem1(name, max_leaves=max_leaves, bounds=bounds, target=target)


def _require(name):
    """:class:`InputError` unless ``name`` is an activation with self-normalising constants."""
    from snn_verify.theory.activation_registry import get

    from .activations import constants

    try:
        get(name)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if not constants(name).exists:
        raise InputError(f"{name}: no self-normalising constants exist (proved: verify.py activation {name}), "
                         "so it has no domain")


def _checked(sides):
    """The sides as plain decimal texts, or :class:`InputError`."""
    from decimal import InvalidOperation

    try:
        v = {k: Decimal(str(sides[k]).strip()) for k in ("d", "nu_lo", "nu_hi")}
    except (KeyError, InvalidOperation):
        raise InputError(f"a (mu, nu) box needs decimal sides d, nu_lo, nu_hi: {sides!r}") from None
    if not all(x.is_finite() for x in v.values()) or not (v["d"] > 0 and 0 < v["nu_lo"] < v["nu_hi"]):
        raise InputError(f"a (mu, nu) box needs d > 0 and 0 < nu_lo < nu_hi: d = {sides['d']}, "
                         f"nu in [{sides['nu_lo']}, {sides['nu_hi']}]")
    return {k: format(x, "f") for k, x in v.items()}


def _verdict(r):
    v = set(r.verdicts.values())
    return "CERTIFIED" if v == {"CERTIFIED"} else "REFUTED" if "REFUTED" in v else "UNDECIDED"


def _failed(r):
    """The claim that failed: a REFUTED one first (it has a witness), else an UNDECIDED one."""
    bad = [k for k in ("contraction", "invariance") if r.verdicts.get(k) != "CERTIFIED"]
    return ([k for k in bad if r.verdicts[k] == "REFUTED"] or bad or [None])[0]


def fixed_point(name, omega_tau=NORMALISED):
    """Contraction at ``(mu, nu) = (0, 1)`` for the (omega, tau) box: ``(verdict, witness)``."""
    r = theorem1(name, bounds={"mu": ("0", "0"), "omega": omega_tau["omega"], "nu": ("1", "1"),
                               "tau": omega_tau["tau"]}, target=ANYWHERE)   # contraction is the question
    return r.verdicts["contraction"], r.witnesses.get("contraction", "")


def _spectrum(name):
    """At omega = 0 ``J(0, 1) = [[0, a], [0, b]]`` has the eigenvalues 0 and ``b = dnu~/dnu``:
    ``b > 1`` (spectral radius > 1) means that no norm at all, not only ``||.||_2``, makes
    ``g`` a contraction near (0, 1) (the variance map repels)."""
    from flint import arb

    from .activation_theorem1 import point

    b = point(name, 0, 0, 1, 1).jacobian[1][1]
    ball = arb(b)
    return {"dnu~/dnu": b, "spectral_radius_above_1": "yes" if ball > 1 else "no" if ball < 1 else "undecided"}


@dataclass(frozen=True)
class ActivationDomain:
    """The largest certified (mu, nu) box of one scaled activation (module docstring):
    ``box`` (``None`` when no box of the search is certified), the final box's verdicts,
    ``||J||`` bound and image, every step, a witness per side where one was found, and the
    fixed-point tests at ``omega = 0, tau = 1`` and over the paper's (omega, tau) box."""

    name: str
    box: dict | None
    verdicts: dict
    max_norm: str
    image: dict
    start: dict
    steps: tuple
    witnesses: dict
    fixed_point: dict
    around_paper: dict
    seconds: float
    exit_code = 0

    def to_json(self):
        return {"activation": self.name, "kind": "mu-nu", "omega": "0", "tau": "1", "box": self.box,
                "verdicts": self.verdicts, "max_norm_upper": self.max_norm, "image": self.image,
                "start": self.start, "steps": list(self.steps), "witnesses": self.witnesses,
                "fixed_point": self.fixed_point, "paper_omega_tau_around_0_1": self.around_paper,
                "seconds": round(self.seconds, 2),
                "method": "domain.py's mu-nu search; each box by activation_theorem1's branch and bound"}

    def render(self):
        if self.box is None:
            head = (f"{self.name}: no certified (mu, nu) box at omega = 0, tau = 1 "
                    f"({self.seconds:.1f} s)")
        else:
            b = self.box
            head = (f"{self.name}: largest certified (mu, nu) box at omega = 0, tau = 1: mu in [-{b['d']}, {b['d']}], "
                    f"nu in [{b['nu_lo']}, {b['nu_hi']}] (||J|| <= {self.max_norm}; mean~ in {self.image['mean']}, "
                    f"nu~ in {self.image['variance']}; {self.seconds:.1f} s)")
        lines = [head]
        fp = self.fixed_point
        if fp["verdict"] == "REFUTED":
            lines.append(f"  every candidate box contains (0, 1), where contraction fails: {fp['witness']}")
            if "dnu~/dnu" in fp:
                lines.append(f"  J(0, 1) has the eigenvalues 0 and dnu~/dnu in {fp['dnu~/dnu']}"
                             + ("; > 1: no norm contracts there" if fp["spectral_radius_above_1"] == "yes" else ""))
        if self.start.get("shrunk"):
            lines.append(f"  the paper's box failed; searched from {self.start['sides']}")
        for s in self.steps:
            lines.append(f"  {s['side']:7s} = {s['value']:>8s}: {s['verdict']}"
                         + (f" ({s['failed']})" if s.get("failed") else ""))
        for side, w in self.witnesses.items():
            lines.append(f"  witness beyond {side} = {w['value_of_side']}: {w['claim']} broken at {w['witness']}")
        p = self.around_paper
        lines.append("  paper's (omega, tau) box, (mu, nu) = (0, 1): contraction " + p["verdict"]
                     + (f": no (mu, nu) box around (0, 1) contracts ({p['witness']})" if p["verdict"] == "REFUTED"
                        else ""))
        return "\n".join(lines)


@dataclass(frozen=True)
class ActivationDomainTable:
    """:class:`ActivationDomain` of several activations."""

    rows: tuple
    exit_code = 0

    def to_json(self):
        return {"domains": [r.to_json() for r in self.rows]}

    def render(self):
        return "\n".join(r.render() for r in self.rows)


def _start(name, max_leaves):
    """The sides to grow from and their certifying result: the paper's box, or halved
    towards (0, 1) while it fails; ``(sides, result, shrunk)`` (``result`` None: none certified)."""
    sides = {k: v for k, (v, _) in SIDES.items()}
    for k in range(SHRINKS + 1):
        r = certify_box(name, sides, max_leaves)
        if _verdict(r) == "CERTIFIED":
            return sides, r, k > 0
        sides = {"d": _fmt(Decimal(sides["d"]) / 2), "nu_lo": _fmt(1 - (1 - Decimal(sides["nu_lo"])) / 2),
                 "nu_hi": _fmt(1 + (Decimal(sides["nu_hi"]) - 1) / 2)}
    return sides, None, True


def grow(name, max_leaves=2000, steps_per_side=STEPS, doublings=DOUBLINGS):
    """Grow the (mu, nu) box of activation ``name`` scaled by its constants (module
    docstring): an :class:`ActivationDomain`."""
    t0 = time.perf_counter()
    _require(name)
    fp_verdict, fp_witness = fixed_point(name)
    pv, pw = fixed_point(name, PAPER)
    fixed = {"verdict": fp_verdict, "witness": fp_witness}
    around = {"verdict": pv, "witness": pw}
    steps, witnesses = [], {}
    if fp_verdict == "REFUTED":
        fixed.update(_spectrum(name))
        return ActivationDomain(name, None, {}, "", {}, {"sides": {k: v for k, (v, _) in SIDES.items()}},
                                (), {}, fixed, around, time.perf_counter() - t0)
    sides, last, shrunk = _start(name, max_leaves)
    if last is None:
        return ActivationDomain(name, None, {}, "", {}, {"sides": sides, "shrunk": True}, (), {}, fixed, around,
                                time.perf_counter() - t0)
    start = {"sides": dict(sides), "shrunk": shrunk}
    for side, (_, direction) in SIDES.items():
        def check(value, side=side):
            nonlocal last
            r = certify_box(name, dict(sides, **{side: value}), max_leaves)
            verdict = _verdict(r)
            steps.append({"side": side, "value": value, "verdict": verdict, "failed": _failed(r),
                          "seconds": round(r.seconds, 2)})
            if verdict == "CERTIFIED":
                last = r
            elif verdict == "REFUTED":
                claim = _failed(r)
                witnesses[side] = {"value_of_side": value, "claim": claim, "witness": r.witnesses[claim]}
            return verdict

        sides[side] = grow_side(sides[side], direction, check, doublings, steps_per_side)
    return ActivationDomain(name, dict(sides), dict(last.verdicts), last.max_norm, dict(last.image), start,
                            tuple(steps), witnesses, fixed, around, time.perf_counter() - t0)


def table(names=None, max_leaves=2000):
    """:class:`ActivationDomainTable` for ``names`` (default: every activation with constants,
    elu's family being selu's)."""
    from snn_verify.theory.activation_registry import ACTS

    names = names or [n for n in ACTS if n not in ("celu", "elu")]
    return ActivationDomainTable(tuple(grow(n, max_leaves) for n in names))
