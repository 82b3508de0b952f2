r"""Sweeps: many independent tasks on Dask, checkpointed to a JSON-lines file and resumable.

One task-execution layer for every sweep (claim lists, theorem suites, benchmarks), built on
:mod:`dask.distributed`: Dask schedules, retries and reaches clusters; nothing here is a
scheduler, a pool or a retry loop of its own.

- A :class:`Task` names a function by its dotted path and gives it JSON arguments.  Its
  ``key`` is the SHA-256 of ``(function, arguments, package version)``: the same task has the
  same key on every machine, and seeds derive from it (:func:`seed_of`), never from the
  worker or the order of completion, so results are identical whichever worker computed them.
- :func:`run` submits every task not already in the results file to a Dask client: by
  default a :class:`distributed.LocalCluster` of worker processes on this machine (nothing
  to start), or an existing cluster's scheduler (``scheduler="tcp://host:8786"`` or the
  ``SNN_VERIFY_SCHEDULER`` environment variable).  Each result is appended to the file as
  soon as it arrives (one line, flushed): a killed run loses only the tasks in flight, and
  ``resume=True`` skips every key already written.
- Faults: a task that raises is written as an error line with its message, and the sweep
  goes on; a worker that dies mid-task is rescheduled by Dask, once
  (``distributed.scheduler.allowed-failures = 1``): a second death of the same task is
  reported as an error line, not retried for ever.

Example
-------
>>> t = Task("snn_verify.proofs.sweep.echo", {"x": 1})
>>> t.key == Task("snn_verify.proofs.sweep.echo", {"x": 1}).key, len(t.key)
(True, 64)
>>> call(t.to_json()), call(Task("snn_verify.proofs.sweep.nothing", {}).to_json())
({'result': {'x': 1}}, {'error': "AttributeError: module 'snn_verify.proofs.sweep' has no attribute 'nothing'"})
"""
from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
from dataclasses import dataclass, field

from snn_verify.errors import InputError

#: environment variable naming a Dask scheduler to send sweeps to
SCHEDULER_ENV = "SNN_VERIFY_SCHEDULER"
#: how many times Dask may lose a worker while it runs the same task before it gives up
ALLOWED_FAILURES = 1


def _version():
    import snn_verify

    return snn_verify.__version__


@dataclass(frozen=True)
class Task:
    """``function(**arguments)``: ``function`` a dotted path, ``arguments`` JSON-able;
    ``name`` labels the task in the results file."""

    function: str
    arguments: dict
    name: str = ""
    key: str = field(init=False)

    def __post_init__(self):
        body = json.dumps({"function": self.function, "arguments": self.arguments, "version": _version()},
                          sort_keys=True, separators=(",", ":"))
        object.__setattr__(self, "key", hashlib.sha256(body.encode()).hexdigest())

    def to_json(self):
        return {"key": self.key, "name": self.name, "function": self.function, "arguments": self.arguments}


def seed_of(key):
    """A 32-bit seed derived from a task key (not from the worker or the order of runs).

    >>> seed_of("00000000000000000000000000000000000000000000000000000000000000ff")
    0
    """
    return int(key[:8], 16)


def echo(seconds=0.0, **arguments):
    """The identity task, after sleeping ``seconds`` (for tests and the overhead benchmark)."""
    if seconds:
        time.sleep(seconds)
    return arguments


def call(task):
    """Run one task (its JSON) where it lands: ``{"result": ...}`` or ``{"error": message}``.
    An exception becomes an error result, so that Dask never retries a task that fails the
    same way every time."""
    module, _, name = task["function"].rpartition(".")
    try:
        fn = getattr(importlib.import_module(module), name)
        return {"result": fn(**task["arguments"])}
    except Exception as exc:            # a task's failure is data: the sweep goes on
        # an InputError (the user's input) stays one across the process boundary: flagged
        flag = {"input_error": True} if isinstance(exc, InputError) else {}
        return {"error": f"{type(exc).__name__}: {exc}", **flag}


# --- the results file ----------------------------------------------------------------------------

def _result_line(line):
    """Whether a parsed line has a result line's shape: a task key, a name, and a result or an
    error."""
    return (isinstance(line, dict) and isinstance(line.get("key"), str) and len(line["key"]) == 64
            and isinstance(line.get("name"), str) and (("result" in line) != isinstance(line.get("error"), str)))


def finished(path):
    """The result lines already in a results file, by key.  A last line left half-written by a
    killed run is cut off (the file then ends with its last complete line); a damaged line
    before it raises :class:`~snn_verify.errors.InputError` naming it (the file was edited: nothing
    is cut)."""
    if not path or not os.path.exists(path):
        return {}
    with open(path, "rb") as fh:
        raws = fh.read().split(b"\n")
    lines, good = {}, 0
    for k, raw in enumerate(raws):
        if not raw:
            good += 1 if k < len(raws) - 1 else 0
            continue
        try:
            line = json.loads(raw)
            if not _result_line(line):
                raise ValueError("not a result line")
        except (ValueError, RecursionError) as exc:
            if any(r.strip() for r in raws[k + 1:]):
                raise InputError(f"{path}: line {k + 1} is not a result line ({str(exc)[:80]})") from None
            break
        lines[line["key"]] = line
        good += len(raw) + 1
    with open(path, "rb+") as fh:
        fh.truncate(good)
    return lines


class _Appender:
    """Appends one JSON line per result and flushes it at once (``path=None``: keeps none)."""

    def __init__(self, path, resume):
        self.fh = open(path, "a" if resume else "w", encoding="utf-8") if path else None

    def write(self, line):
        if self.fh:
            self.fh.write(json.dumps(line, sort_keys=True, default=str) + "\n")
            self.fh.flush()

    def close(self):
        if self.fh:
            self.fh.close()


# --- the client --------------------------------------------------------------------------------

def client_for(scheduler=None, workers=None):
    """A Dask client: to ``scheduler`` (or ``$SNN_VERIFY_SCHEDULER``), else to a new
    :class:`distributed.LocalCluster` of ``workers`` single-threaded processes (default: the
    cores).  Returns ``(client, cluster or None)``."""
    import dask
    from distributed import Client, LocalCluster

    dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES})
    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if address:
        return Client(address, timeout="10s"), None
    cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)
    return Client(cluster), cluster


@dataclass(frozen=True)
class SweepResult:
    """What a sweep did: the result lines of every task (those of earlier runs first, when
    resumed), how many tasks were skipped as done, and the seconds it took."""

    lines: tuple
    skipped: int
    seconds: float
    out: str | None = None

    @property
    def errors(self):
        return [line for line in self.lines if "error" in line]

    def to_json(self):
        return {"results": list(self.lines), "skipped": self.skipped, "errors": len(self.errors),
                "seconds": round(self.seconds, 3), **({"out": self.out} if self.out else {})}


def run(tasks, out=None, resume=False, scheduler=None, workers=None, client=None, progress=None,
        retry_errors=False):
    """Run the tasks on Dask (module docstring); a :class:`SweepResult`.  ``progress(line)``
    is called on the client as each result arrives.  ``retry_errors``: on resume, run again
    the tasks whose line in the file is an error (the new line, appended, is the one
    :func:`finished` keeps)."""
    from distributed import as_completed

    t0 = time.perf_counter()
    done = finished(out) if resume else {}
    if retry_errors:
        done = {k: line for k, line in done.items() if "error" not in line}
    todo = list({t.key: t for t in tasks if t.key not in done}.values())
    appender = _Appender(out, resume)
    own = client is None and bool(todo)
    cluster = None
    lines = [done[t.key] for t in tasks if t.key in done]
    try:
        if own:
            client, cluster = client_for(scheduler, workers)
        futures = {client.submit(call, t.to_json(), key=f"snn-{t.key}", pure=False, retries=0): t for t in todo}
        for future in as_completed(futures) if futures else ():
            task = futures[future]
            try:
                outcome = future.result()
            except Exception as exc:    # the task's worker died more than Dask allows (KilledWorker)
                outcome = {"error": f"{type(exc).__name__}: {exc}"}
            line = {"key": task.key, "name": task.name, **outcome}
            appender.write(line)
            lines.append(line)
            if progress:
                progress(line)
    finally:
        appender.close()
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
    return SweepResult(tuple(lines), len(tasks) - len(todo), time.perf_counter() - t0, out)


class Session:
    """Several rounds of tasks on one client and one results file, for a suite whose later
    tasks depend on earlier results (a bisection, a scan that stops at the first failure):
    the first round starts the file (or resumes it, with ``resume``), every later round
    appends to it and skips the keys already there (a task whose line is an error runs
    again: a suite needs every piece).  The client (a new LocalCluster of
    ``workers`` processes, ``scheduler``'s cluster, or ``client``) starts on the first round
    that has work.  ``progress(line)`` is called on the client for each result.

    >>> with Session(client=None) as s:
    ...     s.results([])
    {}
    """

    def __init__(self, out=None, resume=False, scheduler=None, workers=None, client=None, progress=None):
        self.out, self.resume, self.scheduler, self.workers = out, resume, scheduler, workers
        self.client, self.cluster, self.progress, self.rounds = client, None, progress, 0
        self._own = client is None
        self.skipped, self.computed = 0, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._own and self.client is not None:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
            self.client = self.cluster = None

    def results(self, tasks):
        """Run ``tasks`` (one round): ``{key: result line}`` of every task."""
        resume = self.resume or self.rounds > 0
        self.rounds += 1
        done = {k: line for k, line in (finished(self.out) if resume else {}).items() if "error" not in line}
        if self.client is None and any(t.key not in done for t in tasks):
            self.client, self.cluster = client_for(self.scheduler, self.workers)
        if self.client is None:          # nothing to compute: read back, start no cluster
            if not resume and self.out:
                _Appender(self.out, False).close()
            self.skipped += len({t.key for t in tasks})
            return {t.key: done[t.key] for t in tasks}
        r = run(tasks, out=self.out, resume=resume, client=self.client, progress=self.progress, retry_errors=True)
        self.skipped += r.skipped
        self.computed += len(r.lines) - r.skipped
        return {line["key"]: line for line in r.lines}

    def values(self, tasks):
        """The results of ``tasks`` in their order; a task that failed raises
        :class:`TaskFailed` naming it (a suite cannot go on without every piece); a
        :class:`TaskInputError` where the task failed on the user's input."""
        lines = self.results(tasks)
        out = []
        for t in tasks:
            line = lines[t.key]
            if "error" in line:
                failed = TaskInputError if line.get("input_error") else TaskFailed
                raise failed(f"task {t.name or t.key[:12]} failed: {line['error']}")
            out.append(line["result"])
        return out


class TaskFailed(RuntimeError):
    """A task of a suite raised (its message names the task and the error)."""


class TaskInputError(TaskFailed, InputError):
    """A task of a suite raised an :class:`~snn_verify.errors.InputError` in its worker: the
    user's input, as in a one-process run (exit 2), not an internal error."""
