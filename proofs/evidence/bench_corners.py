"""``verify.py bench corners``: the UNDECIDED rate of the engine on random hard claims.

How the claims are drawn (issue 13, section 4), with ``numpy.random.default_rng(seed)``:

- the quantity uniformly among mean, variance, variance_change, spectral_norm, the relation
  "<" or ">" with probability 1/2 each;
- each box side from two uniform draws, sorted: mu in [-20, 20], omega in [-2, 2],
  tau in [0.05, 3], and nu log-uniform in [1e-6, 100]; ends written with 4 significant digits;
- the "true extreme" is estimated by :func:`snn_verify.proofs.rigorous.refute.candidates`
  (corners, centre, local optimisation from the best; float64, evidence only);
- the threshold sits beside it, offset by ``10**U(-8, -2) * max(1, |extreme|)``, on the
  safe side (a true claim) or the unsafe side (a false one) with probability 1/2 each.

Every claim is certified with :func:`snn_verify.proofs.rigorous.certify.certify` under a
time budget.  A REFUTED verdict is confirmed at 50 digits, so it is never wrong; a CERTIFIED
claim whose threshold lies beyond a point value (a claim drawn false) would be a wrong
verdict and is counted.  A timing benchmark, not a test.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..rigorous.certify import CERTIFIED, REFUTED, UNDECIDED, certify, make_claim
from ..rigorous.refute import candidates, float_value

QUANTITIES = ("mean", "variance", "variance_change", "spectral_norm")
RANGES = {"mu": (-20.0, 20.0), "omega": (-2.0, 2.0), "nu": (1e-6, 100.0), "tau": (0.05, 3.0)}
#: defaults: claims drawn, time budget per claim (s), the issue's target UNDECIDED rate
CLAIMS, SECONDS, TARGET = 40, 20.0, 0.05


def draw(rng):
    """One random hard claim: ``(claim, drawn_true, extreme)``."""
    quantity = QUANTITIES[rng.integers(len(QUANTITIES))]
    relation = "<" if rng.random() < 0.5 else ">"
    box = {}
    for name, (lo, hi) in RANGES.items():
        if name == "nu":
            a, b = sorted(10 ** rng.uniform(math.log10(lo), math.log10(hi), 2))
        else:
            a, b = sorted(rng.uniform(lo, hi, 2))
        box[name] = (f"{a:.4g}", f"{b:.4g}")
    decimals = tuple(box[v] for v in ("mu", "omega", "nu", "tau"))
    sense = 1 if relation == "<" else -1
    best = candidates(quantity, sense, decimals)[0]
    extreme = float_value(quantity, [float(x) for x in best])
    offset = 10 ** rng.uniform(-8, -2) * max(1.0, abs(extreme))
    drawn_true = bool(rng.random() < 0.5)
    bound = extreme + sense * offset if drawn_true else extreme - sense * offset
    return make_claim(quantity, relation, repr(bound), box, name="hard corner"), drawn_true, extreme


@dataclass(frozen=True)
class CornersResult:
    """Per-claim rows and the counts; ``undecided_rate`` = UNDECIDED / claims."""

    rows: tuple
    seconds: float
    seed: int

    def counts(self):
        return {v: sum(r["verdict"] == v for r in self.rows) for v in (CERTIFIED, REFUTED, UNDECIDED)}

    @property
    def wrong(self):
        return sum(r["verdict"] == CERTIFIED and not r["drawn_true"] for r in self.rows)

    @property
    def exit_code(self):
        return 1 if self.wrong else 0

    def to_json(self):
        n = len(self.rows)
        return {"claims": n, "seconds_per_claim": self.seconds, "seed": self.seed, "counts": self.counts(),
                "undecided_rate": self.counts()[UNDECIDED] / max(n, 1), "target": TARGET,
                "wrong_verdicts": self.wrong, "rows": list(self.rows)}

    def render(self):
        j = self.to_json()
        lines = [f"{'quantity':16s} {'rel':3s} {'bound':>14s} {'drawn':6s} {'verdict':10s} {'boxes':>6s} {'s':>6s}"]
        for r in self.rows:
            lines.append(f"{r['quantity']:16s} {r['relation']:3s} {float(r['bound']):14.6g} "
                         f"{'true' if r['drawn_true'] else 'false':6s} {r['verdict']:10s} {r['boxes']:6d} "
                         f"{r['seconds']:6.2f}")
        c = j["counts"]
        lines.append(f"{j['claims']} claims (seed {self.seed}, {self.seconds:g} s each): {c[CERTIFIED]} CERTIFIED, "
                     f"{c[REFUTED]} REFUTED, {c[UNDECIDED]} UNDECIDED ({100 * j['undecided_rate']:.1f}%, "
                     f"target <= {100 * TARGET:g}%); wrong verdicts: {self.wrong}")
        return "\n".join(lines)


def _row(claim, drawn_true, extreme, verdict, boxes, seconds):
    return {"quantity": claim.quantity, "relation": claim.relation, "bound": claim.bound_text,
            "box": dict(zip(("mu", "omega", "nu", "tau"), claim.decimals)), "extreme_estimate": extreme,
            "drawn_true": drawn_true, "verdict": verdict, "boxes": boxes, "seconds": round(seconds, 3)}


def run(claims=CLAIMS, seconds=SECONDS, seed=0, workers=1, progress=None, sweep_workers=None, scheduler=None):
    """Draw ``claims`` claims and certify each under ``seconds``: a :class:`CornersResult`.
    With ``sweep_workers`` or ``scheduler`` the claims run as one Dask sweep
    (:mod:`snn_verify.proofs.sweep`, one process per claim); otherwise one after the other
    here, each with ``workers`` processes."""
    rng = np.random.default_rng(seed)
    drawn = [draw(rng) for _ in range(claims)]
    if sweep_workers or scheduler:
        return _swept(drawn, seconds, seed, progress, sweep_workers, scheduler)
    rows = []
    for claim, drawn_true, extreme in drawn:
        t0 = time.perf_counter()
        r = certify(claim, max_seconds=seconds, workers=workers)
        rows.append(_row(claim, drawn_true, extreme, r.verdict, r.boxes, time.perf_counter() - t0))
        if progress:
            progress(r.verdict)
    return CornersResult(tuple(rows), seconds, seed)


def _swept(drawn, seconds, seed, progress, workers, scheduler):
    from .. import sweep
    from ..rigorous import batch

    tasks = [batch.task_of(batch.line_of(claim), seconds, name=f"corner {k}") for k, (claim, _, _) in enumerate(drawn)]
    result = sweep.run(tasks, scheduler=scheduler, workers=workers,
                       progress=progress and (lambda line: progress(line.get("result", {}).get("verdict", "ERROR"))))
    by_key = {line["key"]: line for line in result.lines}
    rows = []
    for task, (claim, drawn_true, extreme) in zip(tasks, drawn):
        r = by_key[task.key].get("result", {"verdict": "ERROR", "boxes": 0, "seconds": 0.0})
        rows.append(_row(claim, drawn_true, extreme, r["verdict"], r["boxes"], r["seconds"]))
    return CornersResult(tuple(rows), seconds, seed)
