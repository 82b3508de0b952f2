r"""``montecarlo map`` and ``montecarlo zoo`` as Dask sweeps (:mod:`snn_verify.proofs.sweep`).

- :func:`map_grid`: each grid cell (i, j) is a task (:func:`map_cell`): the cell builds the
  layer (layer 0 of ``seed``, the one weight matrix every cell shares) and draws its inputs
  from the counter-based stream ``(seed, inputs, 0, i * grid + j)``.
- :func:`zoo`: each activation x initialisation is a task (:func:`zoo_run`), a one-run
  :func:`snn_verify.proofs.evidence.montecarlo.zoo` (its inputs and weights keyed by
  ``(seed, stream, layer)``).

Seeds.  Every random number of a task comes from the counter-based streams keyed by the
task's own arguments (``seed`` and the cell or the run), which are what the task's key
hashes; nothing depends on the worker, the number of workers or the order of completion.
The streams are the ones the one-process run uses, so a sweep gives exactly the numbers of
``montecarlo map`` / ``zoo`` without the sweep flags, whatever runs it (1 or 2 workers, or
a cluster) -- on the same backend.  (A seed *drawn from* the key would change with the code
version, which the key also hashes, and would part from the one-process run; the streams
above are as independent of the worker and give the same numbers.)  The client assembles
the :class:`MapResult` / :class:`ZooResult` of the one-process run from the task results;
``seconds`` is the sweep's wall time.  Evidence, not proof.

Example
-------
>>> cell = map_cell(0, 1, (-0.1, 0.1), (0.8, 1.5), 2, width=16, rows=16, samples=32, backend="cpu")
>>> len(cell["stats"]), cell["path"]
(4, 'stored')
"""
from __future__ import annotations

import time

import numpy as np

from . import blocks
from .blocks import check_arguments, Layer, one_layer_stats

MAP_TASK = "snn_verify.proofs.evidence.montecarlo.swept.map_cell"
ZOO_TASK = "snn_verify.proofs.evidence.montecarlo.swept.zoo_run"


def map_cell(i, j, mu, nu, grid, omega=0.0, tau=1.0, width=256, rows=None, samples=256, inputs="normal",
             weights="normalized", seed=0, backend="auto", path="auto"):
    """Cell ``(i, j)`` of :func:`snn_verify.proofs.evidence.montecarlo.map_grid`'s mesh:
    ``{"stats": [mean, var, se_mean, se_var], "backend", "path"}``."""
    rows = rows or width
    be = blocks.get_backend(backend)
    layer = Layer(be, seed, 0, width, rows, weights, omega, tau, path=path)
    x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
    m, v = np.linspace(mu[0], mu[1], grid)[i], np.linspace(nu[0], nu[1], grid)[j]
    stats = one_layer_stats(be, layer, x, z, y, seed, i * grid + j, m, v, inputs)
    return {"stats": [float(s) for s in stats], "backend": be.description(), "path": layer.path}


def _run(session, tasks):
    return session.values(tasks)


def map_grid(session, mu=(-0.1, 0.1), nu=(0.8, 1.5), grid=21, omega=0.0, tau=1.0, width=256, rows=None,
             samples=256, inputs="normal", weights="normalized", seed=0, backend="auto", progress=None,
             path="auto"):
    """:func:`snn_verify.proofs.evidence.montecarlo.map_grid` on ``session``'s sweep, one
    task per cell: the same :class:`MapResult`."""
    from ...sweep import Task
    from .one_layer import MapResult, mesh

    check_arguments(inputs, weights, sizes=(("grid", grid), ("width", width)), samples=samples)
    t0 = time.perf_counter()
    common = {"mu": [float(mu[0]), float(mu[1])], "nu": [float(nu[0]), float(nu[1])], "grid": grid,
              "omega": float(omega), "tau": float(tau), "width": width, "rows": rows, "samples": samples,
              "inputs": inputs, "weights": weights, "seed": seed, "backend": backend, "path": path}
    tasks = [Task(MAP_TASK, dict(common, i=i, j=j), name=f"cell {i},{j}") for i in range(grid) for j in range(grid)]
    cells = _run(session, tasks)
    mus, nus, analytic, empirical, stderr, zs, points = mesh(
        mu, nu, grid, omega, tau, lambda i, j, m, v: tuple(cells[i * grid + j]["stats"]))
    if progress:
        progress(len(points), grid * grid)
    return MapResult(mus, nus, analytic, empirical, stderr, zs, points, float(np.max(np.abs(zs))), omega, tau,
                     width, rows or width, samples, inputs, weights, seed, time.perf_counter() - t0,
                     cells[0]["backend"], path=cells[0]["path"])


def zoo_run(act, init, depth=16, width=256, samples=256, batchnorm=False, highway_bias=None, bins=None,
            saturation=0.01, seed=0, backend="auto", path="auto"):
    """One activation x initialisation of :func:`snn_verify.proofs.evidence.montecarlo.zoo`:
    its run's JSON (with histograms), ``backend`` and ``path``."""
    from .zoo import zoo

    r = zoo([act], [init], depth, width, samples, batchnorm, highway_bias, bins, saturation, seed, backend,
            path=path)
    return {"run": r.runs[f"{act}/{init}"].to_json(), "backend": r.backend, "path": r.path}


def zoo(session, activations=blocks.ZOO_ACTIVATIONS, inits=blocks.ZOO_INITS, depth=16, width=256, samples=256,
        batchnorm=False, highway_bias=None, bins=None, saturation=0.01, seed=0, backend="auto", progress=None,
        path="auto"):
    """:func:`snn_verify.proofs.evidence.montecarlo.zoo` on ``session``'s sweep, one task
    per activation x initialisation: the same :class:`ZooResult`."""
    from ...sweep import Task
    from ..backends.base import PATHS
    from .zoo import ZooResult, ZooRun

    for act in activations:
        check_arguments(act=act)
    for init in inits:
        check_arguments(init=init)
    check_arguments(sizes=(("depth", depth), ("width", width)), samples=samples)
    t0 = time.perf_counter()
    edges = np.linspace(-4.0, 4.0, 81) if bins is None else np.asarray(bins, dtype=float)
    common = {"depth": depth, "width": width, "samples": samples, "batchnorm": bool(batchnorm),
              "highway_bias": highway_bias, "bins": None if bins is None else [float(b) for b in bins],
              "saturation": saturation, "seed": seed, "backend": backend, "path": path}
    pairs = [(a, i) for a in activations for i in inits]
    tasks = [Task(ZOO_TASK, dict(common, act=a, init=i), name=f"{a}/{i}") for a, i in pairs]
    outs = _run(session, tasks)
    runs = {}
    for (a, i), out in zip(pairs, outs):
        r = out["run"]
        arrays = {k: None if r.get(k) is None else np.asarray(r[k], dtype=float) for k in
                  ("mean", "var", "stderr_mean", "stderr_var", "frac_zero", "frac_saturated", "below", "above",
                   "gate", "move")}
        runs[f"{a}/{i}"] = ZooRun(**arrays, histograms=np.asarray(r["histograms"], dtype=np.int64))
    if progress:
        progress(len(runs) * depth, len(pairs) * depth)
    paths = set("+".join(o["path"] for o in outs).split("+"))
    return ZooResult(edges, runs, depth, width, samples, batchnorm, highway_bias, saturation, seed,
                     time.perf_counter() - t0, outs[0]["backend"] if outs else "",
                     path="+".join(p for p in PATHS if p in paths))
