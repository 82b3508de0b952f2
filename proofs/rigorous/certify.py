r"""Branch and bound: a verdict and a rigorous extremum enclosure for one claim.

A claim says ``Q < b`` (or ``Q > b``) over a box.  Writing ``sense = +1`` for "<" and ``-1``
for ">", both become "``max sense*Q < sense*b``", so everything here maximises.

The search keeps a priority queue of boxes keyed by their upper bound (from
:func:`snn_verify.proofs.rigorous.interval.bound_box`: monotone reduction to a face, mean-value form) and
``best``, the largest lower bound of ``sense*Q`` found at a point of the claim's box.  Then

- ``max sense*Q`` lies in ``[best, max of the open boxes' upper bounds]``: the extremum
  enclosure, narrowed until its width is at most ``tol`` (1e-6 by default);
- a box whose upper bound is below ``best`` can hold no maximiser and becomes a leaf;
- CERTIFIED when every box's upper bound is below ``sense*b``; REFUTED when a point's value
  is above ``sense*b`` *and* a 50-digit mpmath evaluation at that point confirms it;
  UNDECIDED when the box or time budget runs out first (the open boxes are reported).

Coordinates are floats.  The claim's decimal endpoints are rounded outward, so the search
box contains the stated one, while every reported point is inside the stated (decimal) box.
Batches of boxes are bounded in parallel worker processes (``workers``).

Example
-------
>>> from snn_verify.proofs.claims import Box, Claim
>>> c = Claim("demo", "-", "mean", Box((0.0, 0.1), (0.0, 0.1), (1.0, 1.2), (1.0, 1.0)), "<", 0.1)
>>> r = certify(c, workers=1)
>>> r.verdict, round(r.extremum[1], 6), r.argext
('CERTIFIED', 0.027556, ('0.1', '0.1', '1.2', '1.0'))
"""
from __future__ import annotations

import heapq
import itertools
import math
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass
from fractions import Fraction

import mpmath

from . import refute
from .coordinates import by_names, for_quantity
from .ball import float_down, float_up, lower_float
from ..claims import (DEFAULT_MODEL, VARIABLES, Box, Claim, parameter_corners, parse_spec, quantity_mp,
                      reference_parameters, spec)
from .interval import METHODS, enclose_point
from .outcome import (CERTIFIED, CLAIM_SECONDS, DECIDED_SHARE, MAX_BOXES, MAX_SECONDS,  # noqa: F401 (re-exported)
                      REFUTED, TOLERANCE, UNDECIDED, Result, bound_text, decimal_box, limits, sense_of,
                      verdict_exit)

#: candidate points (corners, local maxima) whose values seed the search
SEEDS = 8
#: local optimisations that seed the search (more run before an UNDECIDED)
SEED_STARTS = 1
#: open boxes whose points restart the refutation effort when the budget is spent
RESTARTS = 4
#: boxes split per round and worker when bounding in parallel (fewer rounds, less IPC)
BATCH = 16
#: digits of the mpmath re-evaluation that confirms a counterexample
REFUTATION_DIGITS = 50










def in_box(point, decimals):
    """Whether ``point`` (decimal strings or floats) lies in the decimal box ``decimals``,
    decided exactly with rationals: ``lo <= x <= hi`` for every coordinate.  ``False`` for
    ``None``, a point of another length, or a coordinate that is not a finite number.

    The search box is the decimal box rounded outward, so a float point of it may lie
    outside the claim; only a point for which this holds is used as a lower bound of the
    extremum, reported as ``argext`` or offered as a counterexample.

    >>> in_box(("0", "0", "1.1", "1"), (("0", "0"), ("0", "0"), ("1.1", "1.1"), ("1", "1")))
    True
    >>> in_box(("0", "0", 1.1, "1"), (("0", "0"), ("0", "0"), ("1.1", "1.1"), ("1", "1")))
    False
    """
    if point is None or len(point) != len(decimals):
        return False
    try:
        return all(Fraction(lo) <= _rational(x) <= Fraction(hi) for x, (lo, hi) in zip(point, decimals))
    except (ValueError, TypeError, OverflowError, ZeroDivisionError):
        return False


def _rational(x):
    """``x`` (a float, or a decimal string) as an exact rational."""
    return Fraction(x) if isinstance(x, (int, float)) else Fraction(str(x).strip())


def outward_box(decimals):
    """Float box containing the decimal box: each endpoint rounded outward."""
    return tuple((float_down(Fraction(lo)), float_up(Fraction(hi))) for lo, hi in decimals)


def snap_table(decimals):
    """For :func:`snn_verify.proofs.rigorous.interval.bound_box`: the decimal endpoints, exact and as text."""
    return tuple(((Fraction(lo), lo), (Fraction(hi), hi)) for lo, hi in decimals)


# --- parallel evaluation ---------------------------------------------------------------------

def _bound_task(args):
    method, *rest = args
    return METHODS[method](*rest)


#: runtimes that start threads of their own (invisible to ``threading``): forking a process that
#: runs them can deadlock the child (and a fork server or spawn would re-import the user's main
#: module), so beside them the evaluator runs inline, in this process
_THREADED_RUNTIMES = ("jax", "jaxlib", "torch", "tensorflow")


def _pool_context():
    """The context of the worker pool: ``fork`` where the platform has it, ``None`` (run inline)
    where it has it but a runtime of :data:`_THREADED_RUNTIMES` is loaded, else the platform's
    default (spawn, as before)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context()
    if any(name in sys.modules for name in _THREADED_RUNTIMES):
        return None
    return multiprocessing.get_context("fork")


class Evaluator:
    """Maps :func:`snn_verify.proofs.rigorous.interval.bound_box` (or another of ``METHODS``) over task lists, in ``workers`` processes (inline for 1)."""

    def __init__(self, workers=None):
        self.workers = workers or os.cpu_count() or 1
        self._pool = None

    def __enter__(self):
        context = _pool_context() if self.workers > 1 else None
        if context is not None:
            self._pool = context.Pool(self.workers)
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None

    def map(self, tasks):
        if self._pool is None or len(tasks) < 2:
            return [_bound_task(t) for t in tasks]
        return self._pool.map(_bound_task, tasks, chunksize=max(1, -(-len(tasks) // self.workers)))


# --- the search --------------------------------------------------------------------------------

def _split(bound, zero_cut=(0, 1)):
    """Bisect a box (and its face) across the free coordinate with the largest weight.

    The coordinates ``zero_cut`` (mu and omega, or m) are cut at 0 when they straddle it
    (the sign of m selects the variance form, and the chain-rule factors change sign there);
    otherwise at the midpoint.  A coordinate whose ends are adjacent floats cannot be
    cut and the next one is tried.  Returns ``None`` when nothing can be split.
    """
    free = [k for k, (lo, hi) in enumerate(bound.face) if lo < hi]
    for i in sorted(free, key=lambda k: (bound.weights[k], bound.face[k][1] - bound.face[k][0]), reverse=True):
        lo, hi = bound.face[i]
        cut = 0.0 if i in zero_cut and lo < 0.0 < hi else lo + (hi - lo) / 2
        if not lo < cut < hi:
            continue
        children = []
        for part in ((lo, cut), (cut, hi)):
            box, face = list(bound.box), list(bound.face)
            box[i] = face[i] = part
            children.append((tuple(box), tuple(face)))
        return children
    return None


def search(quantity, sense, decimals, limit=None, tol=TOLERANCE, max_boxes=MAX_BOXES,
           max_seconds=MAX_SECONDS, evaluator=None, progress=None, method="smart", seeds=(),
           coordinates=None):
    """Branch and bound for ``max sense*Q`` over the decimal box (see module docstring).

    The boxes live in ``coordinates`` (names; default the quantity's, see
    :mod:`snn_verify.proofs.rigorous.coordinates`): the region searched is the image of the
    outward-rounded decimal box, and every point reported lies in the decimal box.

    ``limit`` is ``sense*b`` (``None``: extremum only); ``method`` names the box bound
    (:data:`snn_verify.proofs.rigorous.interval.METHODS`: ``"smart"``, or ``"natural"`` for the benchmark).
    ``seeds``: points (decimal strings in the box) whose rigorous values start ``best``.
    ``best`` is only ever the value at a point that :func:`in_box` accepts (a seed or box
    point outside the decimal box is skipped), so it is a lower bound of the extremum over
    the claim's own box.
    Once the claim is decided, the enclosure is narrowed for at most :data:`DECIDED_SHARE`
    of the time budget.
    Returns a dict with ``best`` (lower bound, at ``point``), ``upper``, ``leaves`` (every
    final box), ``boxes`` (boxes bounded) and ``exhausted`` (a budget ran out).
    """
    t0 = time.perf_counter()
    coords = for_quantity(quantity) if coordinates is None else by_names(coordinates)
    box = outward_box(decimals)
    region = coords.region(box)
    snap = snap_table(decimals)
    evaluator = evaluator or Evaluator(1)
    counter = itertools.count()
    heap, leaves, final = [], [], []
    best = [-math.inf, None]
    n_boxes = 0

    def add(bounds):
        nonlocal n_boxes
        n_boxes += len(bounds)
        for b in bounds:
            if b.point_lower > best[0] and in_box(b.point, decimals):
                best[:] = [b.point_lower, b.point]
        for b in bounds:
            if b.upper < best[0]:
                leaves.append(b)
            else:
                heapq.heappush(heap, (-b.upper, next(counter), b))

    for point in seeds:
        if not in_box(point, decimals):
            continue
        value = lower_float(sense * enclose_point(quantity, point))
        if value > best[0]:
            best[:] = [value, tuple(point)]
    add(evaluator.map([(method, quantity, sense, region, None, (), snap, coords.names, limit)]))
    batch = BATCH * evaluator.workers if evaluator.workers > 1 else 1
    exhausted = False
    while heap:
        hi = max(-heap[0][0], max((b.upper for b in final), default=-math.inf))
        decided = limit is None or hi < limit or best[0] > limit
        if decided and (hi - best[0] <= tol or time.perf_counter() - t0 > DECIDED_SHARE * max_seconds):
            break
        if n_boxes >= max_boxes or time.perf_counter() - t0 > max_seconds:
            exhausted = True
            break
        tasks = []
        while heap and len(tasks) < batch:
            _, _, b = heapq.heappop(heap)
            if b.upper < best[0]:
                leaves.append(b)
                continue
            children = _split(b, coords.zero_cut)
            if children is None:
                final.append(b)
                continue
            tasks += [(method, quantity, sense, cb, cf, b.steps, snap, coords.names, limit)
                      for cb, cf in children]
        if tasks:
            add(evaluator.map(tasks))
            if progress:
                progress(n_boxes, hi - best[0])
    open_ = [b for _, _, b in heap] + final
    hi = max((b.upper for b in open_), default=best[0])
    return {"best": best[0], "point": best[1], "upper": max(hi, best[0]), "leaves": leaves + open_,
            "boxes": n_boxes, "exhausted": exhausted, "seconds": time.perf_counter() - t0,
            "search_box": box, "region": region, "coordinates": coords.names}


def confirm_violation(quantity, point, relation, bound, digits=REFUTATION_DIGITS):
    """Q at ``point`` (decimal strings) to ``digits`` digits by mpmath, and whether it breaks
    ``Q relation bound``.  ``quantity`` may be a :func:`snn_verify.proofs.claims.spec` string
    (parameter intervals are evaluated at their lower ends).  Returns ``(value, violated)``."""
    name, model = parse_spec(quantity)
    value = quantity_mp(name, point, model, digits)
    with mpmath.workdps(digits + 20):
        b = mpmath.mpf(str(bound))
        violated = value >= b if relation == "<" else value <= b
    return value, violated


def _refutation_effort(quantity, sense, decimals, s):
    """Local maxima from the best point and the open boxes' points; a better rigorous value
    replaces ``s["best"]`` (and its point)."""
    open_ = sorted((b for b in s["leaves"] if b.upper >= s["best"]), key=lambda b: -b.upper)[:RESTARTS]
    starts = [s["point"]] + [b.point for b in open_]
    for point in refute.candidates(quantity, sense, decimals, starts=[p for p in starts if p])[:SEEDS]:
        if not in_box(point, decimals):
            continue
        value = lower_float(sense * enclose_point(quantity, point))
        if value > s["best"]:
            s["best"], s["point"] = value, tuple(point)


def _keep_points_of_the_claim(s, decimals):
    """The last guard before anything is reported: if the search's best point is not in the
    decimal box (:func:`in_box`; the guards in :func:`search` keep it there), its value is
    dropped, so it is neither the extremum's lower end, nor ``argext``, nor a counterexample."""
    if s["point"] is not None and not in_box(s["point"], decimals):
        s["best"], s["point"] = -math.inf, None
    if s["point"] is None:
        s["best"] = -math.inf


def _corner_refutation(claim, sense, decimals, limit_up, text):
    """A counterexample at fixed parameter values: a claim over parameter intervals is false
    as soon as it fails at one value, which the search (it bounds Q at a point for all values
    at once) cannot show.  At each corner of the intervals, candidate points are enclosed
    and one beyond the bound is confirmed at 50 digits with those values."""
    for model in parameter_corners(claim.model):
        quantity = spec(claim.quantity, model)
        for point in refute.candidates(quantity, sense, decimals)[:SEEDS]:
            if not in_box(point, decimals) or lower_float(sense * enclose_point(quantity, point)) <= limit_up:
                continue
            value, violated = confirm_violation(quantity, point, claim.relation, text)
            if violated:
                lam, alpha = reference_parameters(model)
                return {"point": dict(zip(VARIABLES, point)), "value": mpmath.nstr(value, REFUTATION_DIGITS),
                        "parameters": {"lambda": lam or "lambda01", "alpha": alpha or "alpha01"}}
    return None


def certify(claim, tol=TOLERANCE, max_boxes=MAX_BOXES, max_seconds=MAX_SECONDS, workers=None,
            evaluator=None, progress=None, coordinates=None):
    """Verdict, extremum enclosure and leaves for one :class:`snn_verify.proofs.claims.Claim`.

    The search runs in the quantity's reduced coordinates
    (:data:`snn_verify.proofs.claims.REDUCED`) unless ``coordinates`` names others.

    Float endpoints and bound are taken as the decimals they print as (``0.8`` is 8/10); a
    :class:`DecimalClaim` carries its decimal strings.

    A claim about another activation than SELU (``claim.model.activation``) goes to
    :func:`snn_verify.proofs.rigorous.activation_claims.certify_activation` (its own branch and
    bound; ``workers``, ``evaluator`` and ``coordinates`` do not apply).
    """
    if claim.model.activation != "selu":
        from .activation_claims import certify_activation

        return certify_activation(claim, tol=tol, max_boxes=max_boxes, max_seconds=max_seconds, progress=progress)
    sense, limit_down, limit_up = limits(claim)
    decimals, text = decimal_box(claim), bound_text(claim)

    quantity = spec(claim.quantity, claim.model)
    seeds = refute.candidates(quantity, sense, decimals, n_starts=SEED_STARTS)[:SEEDS]

    def run(ev):
        # prove "sense*Q <= upper < limit": compare with the float just below sense*b
        return search(quantity, sense, decimals, limit=limit_down, tol=tol, max_boxes=max_boxes,
                      max_seconds=max_seconds, evaluator=ev, progress=progress, seeds=seeds,
                      coordinates=coordinates)

    if evaluator is None:
        with Evaluator(workers) as ev:
            s = run(ev)
    else:
        s = run(evaluator)
    if s["upper"] >= limit_down and s["best"] <= limit_up:   # undecided: a last refutation effort
        _refutation_effort(quantity, sense, decimals, s)
    _keep_points_of_the_claim(s, decimals)
    lo, hi = s["best"], s["upper"]
    extremum = (lo, hi) if sense == 1 else (-hi, -lo)
    verdict, counterexample, note = UNDECIDED, None, ""
    if hi < limit_down:
        verdict = CERTIFIED
    elif lo > limit_up:
        value, violated = confirm_violation(quantity, s["point"], claim.relation, text)
        if violated:
            verdict = REFUTED
            counterexample = {"point": dict(zip(VARIABLES, s["point"])),
                              "value": mpmath.nstr(value, REFUTATION_DIGITS)}
            if claim.model.alpha or claim.model.lambda_:
                lam, alpha = reference_parameters(claim.model)
                counterexample["parameters"] = {"lambda": lam or "lambda01", "alpha": alpha or "alpha01"}
        else:  # never refute without the independent confirmation
            note = "a point seemed to violate the bound but the 50-digit re-evaluation did not confirm it"
    if verdict == UNDECIDED and not note and not claim.model.default and (claim.model.alpha or claim.model.lambda_):
        counterexample = _corner_refutation(claim, sense, decimals, limit_up, text)
        verdict = REFUTED if counterexample else UNDECIDED
    if verdict == UNDECIDED and not note:
        note = "budget spent" if s["exhausted"] else "bound within the enclosure's width"
    open_boxes = [b for b in s["leaves"] if not b.upper < limit_down]
    return Result(claim, verdict, extremum, s["point"], s["boxes"], s["seconds"], tuple(s["leaves"]),
                  tuple(open_boxes) if verdict == UNDECIDED else (), counterexample, decimals, text, s["search_box"],
                  tol, note, coordinates=s["coordinates"], region=s["region"])


@dataclass(frozen=True)
class DecimalClaim(Claim):
    """A :class:`Claim` whose box and bound were given as decimal strings (``"0.1"``): the
    certified box must contain exactly that box, and the bound is that number."""

    decimals: tuple = ()
    bound_text: str = ""


def make_claim(quantity, relation, bound, box, name="claim", model=DEFAULT_MODEL):
    """A :class:`DecimalClaim` from decimal strings: ``box = {"mu": (lo, hi), ...}``."""
    floats = Box(**{v: (float(box[v][0]), float(box[v][1])) for v in VARIABLES})
    decimals = tuple((str(box[v][0]).strip(), str(box[v][1]).strip()) for v in VARIABLES)
    return DecimalClaim(name, "user", quantity, floats, relation, float(bound), decimals=decimals,
                        bound_text=str(bound).strip(), model=model)


def certify_suite(claims, tol=TOLERANCE, workers=None, certificates=None, max_seconds=MAX_SECONDS,
                  max_boxes=MAX_BOXES, progress=None):
    """:func:`certify` every claim (one worker pool for all); with ``certificates`` (a
    directory) also write one certificate per claim.  Returns the list of :class:`Result`."""
    from . import certificate

    results = []
    with Evaluator(workers) as ev:
        for claim in claims:
            r = certify(claim, tol=tol, max_boxes=max_boxes, max_seconds=max_seconds, evaluator=ev)
            if certificates:
                certificate.write(r, os.path.join(certificates, certificate_name(claim)))
            results.append(r)
            if progress:
                progress(claim.name)
    return results


def certificate_name(claim):
    """File name of a claim's certificate: ``T1_contraction.json``."""
    safe = "".join(ch if ch.isalnum() or ch in "-." else "_" for ch in claim.name)
    return "_".join(filter(None, safe.split("_"))) + ".json"
