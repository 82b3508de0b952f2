"""``verify.py bench sweep``: a claim sweep on Dask with 2 workers against 1, and the cost of a
task against an in-process call.

- Scaling: ``claims`` hard-corner claims (drawn as ``bench corners`` draws them, from
  ``seed``) run as one :mod:`snn_verify.proofs.sweep` sweep on a LocalCluster of 1 worker
  process, then of 2; the baseline is the 1-worker run in this same benchmark.  The verdicts
  of both runs are compared.
- Overhead: ``tasks`` trivial tasks (:func:`snn_verify.proofs.sweep.echo`) called in this
  process one after the other, then sent as a sweep to the 1-worker cluster (already
  started); ``(sweep - in-process) / tasks`` is the overhead per task.
- Evaluator: the per-box work of one claim's branch and bound (the batches of
  :func:`snn_verify.proofs.rigorous.interval.bound_box` calls that
  :func:`snn_verify.proofs.rigorous.certify.certify` sends to its
  :class:`~snn_verify.proofs.rigorous.certify.Evaluator` with 2 workers, recorded from the
  theorem claims at the default tolerance, :func:`evaluator_batches`) run batch by batch
  three ways: in this process, on the Evaluator's local ``multiprocessing`` pool of 2
  processes, and as Dask tasks (``client.map`` then ``gather``, one batch at a time, as the
  search would have to) on the 2-worker cluster: each way's wall time per box and per batch
  (the least of 3 runs) and Dask's over the pool's (:func:`bench_evaluator`).
Cluster and pool start-up are timed apart and not counted.

Which the branch and bound uses: the local pool.  A box's bound takes milliseconds and the
search waits for each batch before it splits the next, so the per-box latency is paid on
the critical path; the row ``Evaluator`` of ``verify.py bench sweep`` gives the measured
ratio (Dask's latency per box over the pool's).  Dask parallelises *across* claims (one
claim, one task, ``workers=1`` inside), where its per-task cost is a small share of a task
that takes seconds.
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


def evaluator_batches():
    """The batches of per-box tasks the theorem claims' searches send to a 2-worker
    :class:`~snn_verify.proofs.rigorous.certify.Evaluator` (recorded while computed in this
    process), those of 2 or more boxes (a smaller batch runs in the searching process)."""
    from ..rigorous import certify as C
    from ..theorems import theorem_claims

    class Recorder(C.Evaluator):
        def __init__(self):
            super().__init__(2)
            self.batches = []

        def __enter__(self):
            return self

        def map(self, tasks):
            self.batches.append(list(tasks))
            return [C._bound_task(t) for t in tasks]

    batches = []
    for claim in theorem_claims():
        ev = Recorder()
        C.certify(claim, evaluator=ev)
        batches += [b for b in ev.batches if len(b) >= 2]
    return batches


def bench_evaluator(client, workers=2, batches=None, repeats=3):
    """Wall seconds of the recorded batches (module docstring), one batch after the other,
    in this process, on the Evaluator's pool of ``workers`` processes, and as Dask tasks on
    ``client``: the least of ``repeats`` runs of each (the machine may be busy), per box and
    per batch; the answers of the three ways are compared."""
    from ..rigorous.certify import Evaluator, _bound_task

    batches = batches or evaluator_batches()
    boxes = sum(len(b) for b in batches)
    times = {"in_process": [], "pool": [], "dask": []}
    t0 = time.perf_counter()
    with Evaluator(workers) as ev:
        startup = time.perf_counter() - t0
        for _ in range(repeats):
            t0 = time.perf_counter()
            inline = [[_bound_task(t) for t in b] for b in batches]
            times["in_process"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pooled = [ev.map(b) for b in batches]
            times["pool"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            dasked = [client.gather(client.map(_bound_task, b, pure=False)) for b in batches]
            times["dask"].append(time.perf_counter() - t0)

    def uppers(results):
        return [[r.upper for r in b] for b in results]

    best = {k: min(v) for k, v in times.items()}
    out = {"batches": len(batches), "boxes": boxes, "repeats": repeats, "pool_startup_seconds": startup,
           "same_bounds": uppers(inline) == uppers(pooled) == uppers(dasked),
           "dask_over_pool": best["dask"] / max(best["pool"], 1e-9)}
    for k, v in best.items():
        out[f"{k}_seconds"] = v
        out[f"{k}_ms_per_box"] = 1000 * v / boxes
        out[f"{k}_ms_per_batch"] = 1000 * v / len(batches)
    return out


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
    evaluator: dict | None = None

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
                "overhead_ms_per_task": self.overhead_ms, "cluster_startup_seconds": self.startup,
                **({"evaluator": self.evaluator} if self.evaluator else {})}

    def render(self):
        return "\n".join([
            f"{self.claims} hard-corner claims: 1 worker {self.seconds_1:.1f} s, 2 workers {self.seconds_2:.1f} s: "
            f"x{self.speedup:.2f} against 1 worker (target >= 1.7); verdicts "
            f"{'equal' if self.same_verdicts else 'DIFFER'}",
            f"{self.tasks} trivial tasks: in-process {self.in_process:.3f} s, as a sweep on 1 worker {self.swept:.2f} s: "
            f"{self.overhead_ms:.1f} ms overhead per task (target <= 20)",
            f"(cluster start-up {self.startup:.1f} s, not counted)"] + self._evaluator_row())

    def _evaluator_row(self):
        e = self.evaluator
        if not e:
            return []
        return [f"Evaluator (one claim's branch and bound: {e['boxes']} boxes in {e['batches']} batches, one batch "
                f"after the other, least of {e['repeats']}): in-process {e['in_process_ms_per_box']:.2f} ms per box; "
                f"local pool of 2 {e['pool_ms_per_box']:.2f} ms per box ({e['pool_ms_per_batch']:.1f} ms per batch); "
                f"Dask tasks on 2 workers {e['dask_ms_per_box']:.2f} ms per box ({e['dask_ms_per_batch']:.1f} ms per "
                f"batch): Dask/pool x{e['dask_over_pool']:.2f}; bounds {'equal' if e['same_bounds'] else 'DIFFER'} "
                f"(the branch and bound keeps the local pool)"]


def bench(claims=CLAIMS, seconds=SECONDS, seed=0, tasks=TASKS, progress=None, evaluator=True):
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
            elif evaluator:
                evaluator = bench_evaluator(client)
        finally:
            client.close()
            cluster.close()
        if progress:
            progress(workers)

    def verdicts(r):
        return {line["name"]: line.get("result", {}).get("verdict", "ERROR") for line in r.lines}

    return BenchSweepResult(claims, timings[1], timings[2], verdicts(results[1]) == verdicts(results[2]), tasks,
                            in_process, swept, first_startup, evaluator or None)
