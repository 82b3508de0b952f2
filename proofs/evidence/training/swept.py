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

import os
import time

import numpy as np

from . import data as datasets

UCI_TASK = "snn_verify.proofs.evidence.training.swept.uci_cell"


def _dataset(spec):
    if "builtin" in spec:
        return datasets.builtin(spec["builtin"])
    for d in datasets.load(spec["path"]):
        if d.name == spec["name"]:
            return d
    raise FileNotFoundError(f"no data set {spec['name']!r} in {spec['path']}")


def _split(d, s, fold, seed):
    from sklearn.model_selection import StratifiedKFold, train_test_split

    train_rows, test_rows = list(StratifiedKFold(s["folds"], shuffle=True, random_state=seed).split(d.x, d.y))[fold]
    fit_rows, val_rows = train_test_split(train_rows, test_size=s["validation"], stratify=d.y[train_rows],
                                          random_state=seed + fold)
    return fit_rows, val_rows, test_rows


def uci_cell(data, method, depth, width, fold, sizes, seed):
    """Train ``method``'s nets of ``depth`` x ``width`` at every grid point on fold ``fold``
    of the data set ``data`` (``{"builtin": name}`` or ``{"path", "name"}``): ``{"val":
    [...], "test": [...]}``, each point's accuracy."""
    from .experiments import _grid, require_jax

    require_jax()
    from .models import Net
    from .train import accuracy, fit

    d = _dataset(data)
    fit_rows, val_rows, test_rows = _split(d, sizes, fold, seed)
    x_fit, x_val, x_test = datasets.standardise(d.x[fit_rows], d.x[val_rows], d.x[test_rows])
    points, lrs, drop = _grid(sizes, method)
    net = Net(method, depth, width, d.classes)
    seeds = [seed + 2 * j for j in range(len(points))]
    variables, _ = fit(net, seeds, x_fit, d.y[fit_rows], sizes["steps"], sizes["batch"], lrs, drop)
    return {"val": [float(v) for v in accuracy(net, variables, x_val, d.y[val_rows])],
            "test": [float(v) for v in accuracy(net, variables, x_test, d.y[test_rows])]}


def uci(session, data=None, quick=False, seed=0, methods=None, data_path=None, **overrides):
    """:func:`snn_verify.proofs.evidence.training.experiments.uci` on ``session``'s sweep
    (module docstring).  ``data``: the data sets loaded from ``data_path`` (``None``: the
    bundled ones)."""
    from ...sweep import Task
    from .experiments import UCI, UciResult, _methods, _sizes, require_jax
    from .models import METHODS
    from .stats import average_ranks

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
    acc, chosen = {}, {}
    for d in sets:
        scores = {m: [] for m in methods}
        chosen[d.name] = {m: [] for m in methods}
        for k in range(s["folds"]):
            for m in methods:
                points = [(lr, p) for lr in s["lrs"] for p in s["dropouts"]]
                best = (-1.0, None, None)
                for depth, width in shapes:
                    r = results[(d.name, k, m, depth, width)]
                    j = int(np.argmax(r["val"]))
                    if r["val"][j] > best[0]:
                        best = (r["val"][j], r["test"][j], {"depth": depth, "width": width, "lr": points[j][0],
                                                            "dropout": points[j][1]})
                scores[m].append(best[1])
                chosen[d.name][m].append(best[2])
        acc[d.name] = {m: float(np.mean(v)) for m, v in scores.items()}
    sizes = dict(plain, seed=seed, datasets=[d.name for d in sets])
    return UciResult(sizes, acc, average_ranks(acc), chosen, time.perf_counter() - t0)
