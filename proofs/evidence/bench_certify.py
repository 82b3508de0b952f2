"""``verify.py bench certify``: the interval engine against the plain natural interval extension.

For every theorem claim, the same branch and bound (:func:`snn_verify.proofs.rigorous.certify.search`) runs twice
on the same box: with the engine's box bound (:func:`snn_verify.proofs.rigorous.interval.bound_box`: monotone
reduction to faces, mean-value form, monotone special functions) and with the natural
interval extension (:func:`snn_verify.proofs.rigorous.interval.natural_bound`: the generated expressions over
the box, ``exp(A)*erfc(B)`` as a product of balls), the latter under a time cap.  Both aim at
the same extremum enclosure width.  The natural extension searches the original
coordinates (mu, omega, nu, tau); the engine its reduced ones (``(m, s2)`` for mean and
variance, ``(m, nu, tau)`` for variance_change, see
:mod:`snn_verify.proofs.rigorous.coordinates`).  The table gives boxes, seconds, the width reached,
whether the natural extension proved the claim itself within the cap (the engine always
does), and the ratios natural / engine ("> x" where the natural extension hit the cap).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..claims import VARIABLES
from ..rigorous.certify import TOLERANCE, Evaluator, decimal_box, limits, search
from ..theorems import theorem_claims

#: default time cap of the natural interval extension, per claim (seconds)
CAP = 5.0


def _run(claim, method, tol, max_seconds, evaluator):
    sense, limit, _ = limits(claim)
    s = search(claim.quantity, sense, decimal_box(claim), limit=limit, tol=tol, max_seconds=max_seconds,
               evaluator=evaluator, method=method, coordinates=None if method == "smart" else VARIABLES)
    width = s["upper"] - s["best"]
    return {"boxes": s["boxes"], "seconds": s["seconds"], "width": width, "reached": width <= tol,
            "proved": s["upper"] < limit}


def run(tol=TOLERANCE, cap=CAP, workers=None, claims=None, progress=None):
    """Rows ``{"claim", "engine": {...}, "natural": {...}, "seconds_ratio", "boxes_ratio"}``."""
    rows = []
    with Evaluator(workers) as ev:
        for claim in claims or theorem_claims():
            engine = _run(claim, "smart", tol, math.inf, ev)
            natural = _run(claim, "natural", tol, cap, ev)
            rows.append({"claim": claim.name, "engine": engine, "natural": natural,
                         "seconds_ratio": natural["seconds"] / max(engine["seconds"], 1e-9),
                         "boxes_ratio": natural["boxes"] / max(engine["boxes"], 1),
                         "capped": not natural["reached"]})
            if progress:
                progress(claim.name)
    return rows


@dataclass(frozen=True)
class BenchCertifyResult:
    """The benchmark's table: ``rows`` (see :func:`run`), the tolerance and the cap."""

    rows: tuple
    tolerance: float
    cap: float
    exit_code = 0

    def to_json(self):
        return {"rows": list(self.rows), "tolerance": self.tolerance, "cap": self.cap}

    def render(self):
        return render(self.to_json())


def bench(tol=TOLERANCE, cap=CAP, workers=None, progress=None):
    """:func:`run` on every theorem claim, as a :class:`BenchCertifyResult`."""
    return BenchCertifyResult(tuple(run(tol=tol, cap=cap, workers=workers, progress=progress)), tol, cap)


def render(result):
    rows = result["rows"]
    head = (f"{'claim':38s} {'engine boxes':>12s} {'s':>7s} | {'natural boxes':>13s} {'s':>7s} {'width':>9s} "
            f"{'proved':>6s} | {'x seconds':>9s} {'x boxes':>8s}")
    lines = [f"branch and bound to width {result['tolerance']:g}; natural extension capped at {result['cap']:g} s",
             head, "-" * len(head)]
    for r in rows:
        e, n = r["engine"], r["natural"]
        mark = ">" if r["capped"] else " "
        lines.append(f"{r['claim']:38s} {e['boxes']:12d} {e['seconds']:7.3f} | {n['boxes']:13d} {n['seconds']:7.2f} "
                     f"{n['width']:9.2g} {'yes' if n['proved'] else 'no':>6s} | "
                     f"{mark}{r['seconds_ratio']:8.0f} {mark}{r['boxes_ratio']:7.0f}")
    total_e = sum(r["engine"]["seconds"] for r in rows)
    total_n = sum(r["natural"]["seconds"] for r in rows)
    lines.append(f"total: engine {total_e:.2f} s, natural {total_n:.1f} s"
                 f"{' (capped)' if any(r['capped'] for r in rows) else ''}")
    return "\n".join(lines)
