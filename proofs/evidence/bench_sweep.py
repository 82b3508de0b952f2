"""``verify.py bench sweep``: a claim sweep on Dask with 2 workers against 1, and the cost of a
task against an in-process call.

- Scaling: ``claims`` hard-corner claims (drawn as ``bench corners`` draws them, from
  ``seed``) run as one :mod:`snn_verify.proofs.sweep` sweep on a LocalCluster of 1 worker
  process, then of 2; the baseline is the 1-worker run in this same benchmark.  The verdicts
  of both runs are compared.
- Overhead: ``tasks`` trivial tasks (:func:`snn_verify.proofs.sweep.echo`) called in this
  process one after the other, then sent as a sweep to the 1-worker cluster (already
  started); ``(sweep - in-process) / tasks`` is the overhead per task.
Cluster start-up is timed apart and not counted in either.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .. import sweep
from ..rigorous import batch
from .bench_corners import draw

#: default claims, per-claim budget (s), trivial tasks
CLAIMS, SECONDS, TASKS = 40, 20.0, 200


def claim_lines(claims, seed):
    """JSON claim lines of ``claims`` hard-corner claims drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    return [batch.line_of(draw(rng)[0]) for _ in range(claims)]


def _timed_sweep(tasks, workers):
    t0 = time.perf_counter()
    client, cluster = sweep.client_for(workers=workers)
    startup = time.perf_counter() - t0
    try:
        result = sweep.run(tasks, client=client)
        return result, startup, client, cluster
    except BaseException:
        client.close()
        cluster.close()
        raise


@dataclass(frozen=True)
class BenchSweepResult:
    claims: int
    seconds_1: float
    seconds_2: float
    same_verdicts: bool
    tasks: int
    in_process: float
    swept: float
    startup: float

    exit_code = 0

    @property
    def speedup(self):
        return self.seconds_1 / max(self.seconds_2, 1e-9)

    @property
    def overhead_ms(self):
        return 1000 * (self.swept - self.in_process) / self.tasks

    def to_json(self):
        return {"claims": self.claims, "seconds_1_worker": self.seconds_1, "seconds_2_workers": self.seconds_2,
                "speedup": self.speedup, "same_verdicts": self.same_verdicts, "tasks": self.tasks,
                "in_process_seconds": self.in_process, "sweep_seconds": self.swept,
                "overhead_ms_per_task": self.overhead_ms, "cluster_startup_seconds": self.startup}

    def render(self):
        return "\n".join([
            f"{self.claims} hard-corner claims: 1 worker {self.seconds_1:.1f} s, 2 workers {self.seconds_2:.1f} s: "
            f"x{self.speedup:.2f} against 1 worker (target >= 1.7); verdicts "
            f"{'equal' if self.same_verdicts else 'DIFFER'}",
            f"{self.tasks} trivial tasks: in-process {self.in_process:.3f} s, as a sweep on 1 worker {self.swept:.2f} s: "
            f"{self.overhead_ms:.1f} ms overhead per task (target <= 20)",
            f"(cluster start-up {self.startup:.1f} s, not counted)"])


def bench(claims=CLAIMS, seconds=SECONDS, seed=0, tasks=TASKS, progress=None):
    lines = claim_lines(claims, seed)
    claim_tasks = [batch.task_of(line, seconds, name=f"corner {k}") for k, line in enumerate(lines)]
    echo = [sweep.Task("snn_verify.proofs.sweep.echo", {"i": i}) for i in range(tasks)]
    results, timings = {}, {}
    for workers in (1, 2):
        result, startup, client, cluster = _timed_sweep(claim_tasks, workers)
        try:
            timings[workers], results[workers] = result.seconds, result
            if workers == 1:
                t0 = time.perf_counter()
                for t in echo:
                    sweep.call(t.to_json())
                in_process = time.perf_counter() - t0
                swept = sweep.run(echo, client=client).seconds
                first_startup = startup
        finally:
            client.close()
            cluster.close()
        if progress:
            progress(workers)

    def verdicts(r):
        return {line["name"]: line.get("result", {}).get("verdict", "ERROR") for line in r.lines}

    return BenchSweepResult(claims, timings[1], timings[2], verdicts(results[1]) == verdicts(results[2]), tasks,
                            in_process, swept, first_startup)
