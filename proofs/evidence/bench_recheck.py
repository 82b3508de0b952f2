"""``verify.py bench recheck``: the certificate checker's time against the engine's.

For every claim of the theorem suite (``--extended``: also the results beyond the paper, as
``verify.py theorems --extended`` certifies them), the engine certifies the claim in one
worker process (:func:`snn_verify.proofs.rigorous.certify.certify`, its wall-clock seconds)
and the checker re-verifies the certificate it built
(:func:`snn_verify.proofs.rigorous.recheck.recheck`, its wall-clock seconds), both in this
process, one after the other.  The table gives both times and their ratio per claim and in
total: the baseline is the engine, measured in the same run.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from ..rigorous import certificate
from ..rigorous.certify import Evaluator, certify
from ..rigorous.recheck import recheck


def _claims(extended):
    from ..rigorous import suite
    from ..theorems import theorem_claims

    claims = list(theorem_claims())
    if extended:
        claims += [c for rate in suite.DROPOUT_RATES for c in suite.dropout_claims(rate)]
        claims += list(suite.float32_claims())
    return claims


def run(extended=False, progress=None):
    """Rows ``{"claim", "verdict", "leaves", "engine", "recheck", "ratio", "ok"}`` (seconds)."""
    rows = []
    with Evaluator(1) as ev:
        for claim in _claims(extended):
            t0 = time.perf_counter()
            r = certify(claim, evaluator=ev)
            engine = time.perf_counter() - t0
            cert = certificate.build(r)
            t0 = time.perf_counter()
            checked = recheck(cert)
            seconds = time.perf_counter() - t0
            rows.append({"claim": claim.name, "verdict": r.verdict, "leaves": len(cert["leaves"]), "engine": engine,
                         "recheck": seconds, "ratio": seconds / max(engine, 1e-9), "ok": checked.ok})
            if progress:
                progress(claim.name)
    return rows


@dataclass(frozen=True)
class BenchRecheckResult:
    """The benchmark's table (``rows`` of :func:`run`)."""

    rows: tuple

    @property
    def exit_code(self):
        return 0 if all(r["ok"] for r in self.rows) else 1

    def totals(self):
        engine = sum(r["engine"] for r in self.rows)
        checker = sum(r["recheck"] for r in self.rows)
        return engine, checker, checker / max(engine, 1e-9)

    def to_json(self):
        engine, checker, ratio = self.totals()
        return {"rows": list(self.rows), "engine_seconds": engine, "recheck_seconds": checker, "ratio": ratio}

    def render(self):
        head = f"{'claim':44s} {'verdict':>9s} {'leaves':>6s} {'engine s':>9s} {'recheck s':>9s} {'x engine':>8s}"
        lines = ["the checker against the engine (one process each, baseline: the engine in this run)", head,
                 "-" * len(head)]
        for r in self.rows:
            lines.append(f"{r['claim'][:44]:44s} {r['verdict']:>9s} {r['leaves']:6d} {r['engine']:9.3f} "
                         f"{r['recheck']:9.3f} {r['ratio']:8.2f}" + ("" if r["ok"] else "  REJECTED"))
        engine, checker, ratio = self.totals()
        lines.append(f"total: engine {engine:.2f} s, recheck {checker:.2f} s, recheck / engine = {ratio:.2f}")
        return "\n".join(lines)


def bench(extended=False, progress=None):
    """:func:`run` as a :class:`BenchRecheckResult`."""
    return BenchRecheckResult(tuple(run(extended, progress)))
