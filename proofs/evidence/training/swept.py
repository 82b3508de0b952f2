r"""``train uci`` as a Dask sweep (:mod:`snn_verify.proofs.sweep`): one task per (data set,
method, hyperparameters, fold).

A task (:func:`uci_cell`) trains one method's nets of one (depth, width) on one fold of one
data set, every (learning rate, dropout) point of the grid at once (the points are one
vmapped, compiled call, as in :func:`snn_verify.proofs.evidence.training.experiments.uci`),
and returns every point's validation and test accuracy.  The client then keeps, per (data
set, fold, method), the point with the best validation accuracy over the (depth, width)
shapes in the one-process run's order, and builds the same :class:`UciResult`.

Seeds: the folds, the validation split and the nets' keys derive from ``seed``, the fold
and the grid point, all arguments of the task (what its key hashes), never from the worker
or the order of completion; so a sweep gives the one-process run's accuracies (on one
machine: XLA's reductions may differ across CPUs, as the experiments say).  A task loads
its data set itself: a bundled one by name, a ``--data`` path by its absolute path (the
workers must see the same file system).

JAX in Dask workers: the workers are processes (:func:`snn_verify.proofs.sweep.client_for`
starts a ``LocalCluster`` with ``processes=True``, one Dask thread each, and Dask starts its
worker processes with ``spawn``, so no process forks after XLA has started its threads);
each worker imports JAX and compiles once per network shape.
"""
from __future__ import annotations

import dataclasses
import os
import time


from . import data as datasets

UCI_TASK = "snn_verify.proofs.evidence.training.swept.uci_cell"


def _dataset(spec):
    if "builtin" in spec:
        return datasets.builtin(spec["builtin"])
    for d in datasets.load(spec["path"]):
        if d.name == spec["name"]:
            return d
    raise FileNotFoundError(f"no data set {spec['name']!r} in {spec['path']}")


def uci_cell(data, method, depth, width, fold, sizes, seed):
    """Train ``method``'s nets of ``depth`` x ``width`` at every grid point on fold ``fold``
    of the data set ``data`` (``{"builtin": name}`` or ``{"path", "name"}``): ``{"val":
    [...], "test": [...]}``, each point's accuracy
    (:func:`~snn_verify.proofs.evidence.training.experiments.uci_accuracies`)."""
    from .experiments import require_jax, uci_accuracies, uci_fold

    require_jax()
    d = _dataset(data)
    val, test = uci_accuracies(uci_fold(d, sizes, fold, seed), d.classes, method, depth, width, sizes, seed)
    return {"val": [float(v) for v in val], "test": [float(v) for v in test]}


def uci(session, data=None, quick=False, seed=0, methods=None, data_path=None, **overrides):
    """:func:`snn_verify.proofs.evidence.training.experiments.uci` on ``session``'s sweep
    (module docstring).  ``data``: the data sets loaded from ``data_path`` (``None``: the
    bundled ones)."""
    from ...sweep import Task
    from . import experiments
    from .experiments import UCI, _methods, _sizes, require_jax
    from .models import METHODS

    require_jax()
    s = _sizes(UCI, quick, overrides)
    methods = _methods(methods or METHODS)
    sets = data if data is not None else [datasets.builtin(n) for n in datasets.UCI_DATASETS]
    specs = [{"builtin": d.name} if data is None else {"path": os.path.abspath(data_path), "name": d.name}
             for d in sets]
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in s.items()}
    shapes = [(dp, w) for dp in s["depths"] for w in s["widths"]]
    t0 = time.perf_counter()
    cells = [(d, spec, k, m, dp, w) for d, spec in zip(sets, specs) for k in range(s["folds"]) for m in methods
             for dp, w in shapes]
    tasks = [Task(UCI_TASK, {"data": spec, "method": m, "depth": dp, "width": w, "fold": k, "sizes": plain,
                             "seed": seed}, name=f"{d.name} fold {k} {m} {dp}x{w}")
             for d, spec, k, m, dp, w in cells]
    results = dict(zip([(d.name, k, m, dp, w) for d, _, k, m, dp, w in cells], session.values(tasks)))

    def accuracies(d, k, m, depth, width):
        r = results[(d.name, k, m, depth, width)]
        return r["val"], r["test"]

    r = experiments.uci(sets, quick=quick, seed=seed, methods=methods, accuracies=accuracies, **overrides)
    return dataclasses.replace(r, seconds=time.perf_counter() - t0)
