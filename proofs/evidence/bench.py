"""Benchmarks: throughput as ratios against a baseline measured in the same run.

- :func:`bench_grid`: grid points per second of the numba kernel (CPU, and CUDA where there
  is a GPU) against numpy + scipy evaluating the same generated formulas
  (:func:`snn_verify.proofs.evidence.grid.numpy_quantity`), on the Theorem 1 box, and PyTorch
  float64 (the same generated closed form over torch, the Jacobian by ``torch.func.jvp``)
  where it is installed; all must agree on the extremes of the points numpy evaluated.
- :func:`bench_montecarlo`: multiply-adds per second of one layer ``selu(W x)`` on both
  paths of :class:`snn_verify.proofs.evidence.montecarlo.Layer` (weights stored: hashed once,
  then BLAS; weights hashed inside the product), for every width and sample count of the
  sweep, against numpy matmul (float32, weights stored; their generation not timed, as the
  stored path's is not: it is reported on its own) and PyTorch (``torch.nn.Linear`` + SELU,
  float32, TF32 off) where it is installed; an experiment-level row, the whole
  :func:`snn_verify.proofs.evidence.montecarlo.deep` trajectory (LeCun weights), against a
  PyTorch loop doing the same work (weights drawn per layer, matmul, SELU, mean and variance
  per layer); and the widest layer each can hold, from memory arithmetic, with a layer of
  that width actually run on the hashed path.
- :func:`bench_startup`: seconds of a fresh process running a tiny grid and Monte-Carlo
  command, first with an empty numba cache (compiling) and then again (loading the cache).

Compilation is excluded from every throughput timing (a warm-up call comes first); every
figure is the best of ``repeats`` runs.
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from .backends import cuda_available, get_backend
from .backends.device import derive_key
from .grid import axes_of, grid_extrema, grid_shape, numpy_quantity
from .montecarlo import INPUTS, Layer, deep
from .results import Result, field
from ..theorems import THEOREM1_BOX


@dataclass(frozen=True)
class GridBenchRow(Result):
    """One method of :func:`bench_grid`."""

    method: str
    points: int
    seconds: float
    points_per_s: float
    ratio_vs_numpy: float = None

    def render(self):
        return (f"  {self.method:45s}  {self.points:12,d}  {self.seconds:8.3f}  {self.points_per_s:10.3g}  "
                f"{self.ratio_vs_numpy:6.2f}x")


@dataclass(frozen=True)
class GridBench(Result):
    """:func:`bench_grid`: ``rows`` (:class:`GridBenchRow`), the numba CPU and numpy rates, their
    ``ratio``, the CUDA rate (None without a GPU) and ``agree``."""

    quantity: str
    box: dict
    numba_points_per_s: float
    numpy_points_per_s: float
    ratio: float
    cuda_points_per_s: float
    agree: bool
    rows: list
    baseline: str
    torch_points_per_s: float = None

    @property
    def exit_code(self):
        return 0 if self.agree else 1

    def render(self):
        return "\n".join(
            [f"grid throughput, {self.quantity} on the Theorem 1 box (baseline: {self.baseline})",
             "  method                                         points        seconds    points/s      ratio"]
            + [row.render() for row in self.rows]
            + [f"  extremes agree with numpy on its grid: {'yes' if self.agree else 'NO'}"])


def _best_time(fn, repeats):
    """``(best wall time of repeats calls, the last call's result)``."""
    best, result = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def bench_grid(quantity="spectral_norm", points=10_000_000, numpy_points=1_000_000, repeats=2, chunk=1 << 18):
    """Grid throughput on the Theorem 1 box.

    Returns a :class:`GridBench`: ``numba_points_per_s``, ``numpy_points_per_s``, ``ratio``
    (numba CPU / numpy), ``cuda_points_per_s`` (None without a GPU), ``torch_points_per_s``
    (None without torch), ``agree`` (numba, numpy and torch extremes over numpy's grid within
    1e-12 relative) and ``rows`` (a table).
    """
    box = THEOREM1_BOX
    grid_extrema(quantity, box, shape=(2, 2, 2, 2), backend="cpu")  # compile
    cpu_s, r = _best_time(lambda: grid_extrema(quantity, box, points=points, backend="cpu"), repeats)
    n_cpu = r.points
    shape = grid_shape(box, numpy_points)
    n_np = int(np.prod(shape))
    axes = axes_of(box, shape)

    def chunked(evaluate):
        lo, hi = math.inf, -math.inf
        for start in range(0, n_np, chunk):
            idx = np.unravel_index(np.arange(start, min(n_np, start + chunk)), shape)
            v = evaluate(*(ax[i] for ax, i in zip(axes, idx)))
            lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        return lo, hi

    np_s, extremes = _best_time(lambda: chunked(lambda *p: numpy_quantity(quantity, *p)), repeats)
    ref = grid_extrema(quantity, box, shape=shape, backend="cpu")

    def close(lo_hi):
        return all(abs(a - b) <= 1e-12 * max(1.0, abs(b)) for a, b in zip((ref.min, ref.max), lo_hi))

    agree = close(extremes)
    rows = [(f"numba kernel ({get_backend('cpu').description()})", n_cpu, cpu_s),
            ("numpy + scipy vectorised (1 thread)", n_np, np_s)]
    cuda_rate = torch_rate = None
    if cuda_available():
        gpu_points = max(points, 1 << 30)
        grid_extrema(quantity, box, shape=(2, 2, 2, 2), backend="cuda")
        gpu_s, r = _best_time(lambda: grid_extrema(quantity, box, points=gpu_points, backend="cuda"), repeats)
        cuda_rate = r.points / gpu_s
        rows.append((f"numba kernel ({get_backend('cuda').description()})", r.points, gpu_s))
    torch = _torch()
    if torch is not None:
        for device in _torch_devices(torch):
            evaluate = _torch_quantity(torch, quantity, device)
            t_s, t_ext = _best_time(lambda: chunked(evaluate), repeats)
            agree = agree and close(t_ext)
            rows.append((f"torch float64, jvp Jacobian ({device})", n_np, t_s))
            torch_rate = torch_rate or n_np / t_s
    numpy_rate = n_np / np_s
    rows = [GridBenchRow(m, n, t, n / t, n / t / numpy_rate) for m, n, t in rows]
    return GridBench(quantity, box.as_dict(), rows[0].points_per_s, numpy_rate, rows[0].ratio_vs_numpy, cuda_rate,
                     agree, rows, rows[1].method, torch_rate)


def _torch_quantity(torch, quantity, device):
    """``evaluate(mu, omega, nu, tau) -> tensor``: ``quantity`` in PyTorch float64, the same
    generated closed form built over torch (``exp(a) erfc(b)`` as ``exp(a - b^2) erfcx(b)`` for
    ``b >= 0``), the Jacobian d(mean, var)/d(mu, nu) by two forward-mode ``torch.func.jvp``."""
    from snn_verify.theory.numbers import NumberSystem
    from snn_verify.theory.parameters import ALPHA01, LAMBDA01
    from snn_verify.theory.quantities import N_MOMENT_QUANTITIES, SPECTRAL_NORM, code

    f64 = torch.float64

    def tensor(v):
        return torch.as_tensor(v, dtype=f64, device=device)

    def exp_erfc(a, d, b):
        a, d, b = tensor(a), tensor(d), tensor(b)
        return torch.where(b >= 0, torch.exp(d) * torch.special.erfcx(b), torch.exp(a) * torch.erfc(b))

    gen = NumberSystem("torch", lambda v: torch.exp(tensor(v)), lambda v: torch.sqrt(tensor(v)), exp_erfc,
                       math.pi, 1.0).generated()
    k = code(quantity)

    def moments(mu, omega, nu, tau):
        m, s = mu * omega, torch.sqrt(nu * tau)
        neg = gen["moments_mneg"](m, s, LAMBDA01, ALPHA01)
        pos = gen["moments_mpos"](m, s, LAMBDA01, ALPHA01)
        return tuple(torch.where(m < 0, a, b) for a, b in zip(neg, pos))

    def evaluate(mu, omega, nu, tau):
        mu, omega, nu, tau = (tensor(v) for v in (mu, omega, nu, tau))
        if k < N_MOMENT_QUANTITIES:
            mean, var = moments(mu, omega, nu, tau)
            return (mean, var, var - nu)[k]
        f = lambda a, b: torch.stack(moments(a, omega, b, tau))   # noqa: E731
        _, d_mu = torch.func.jvp(f, (mu, nu), (torch.ones_like(mu), torch.zeros_like(nu)))
        _, d_nu = torch.func.jvp(f, (mu, nu), (torch.zeros_like(mu), torch.ones_like(nu)))
        a, b, c, d = d_mu[0], d_nu[0], d_mu[1], d_nu[1]
        if k != SPECTRAL_NORM:
            return (a, b, c, d)[k - SPECTRAL_NORM - 1]
        # largest singular value of [[a, b], [c, d]] in closed form
        t = (a * a + b * b + c * c + d * d) / 2
        det = a * d - b * c
        return torch.sqrt(t + torch.sqrt(torch.clamp(t * t - det * det, min=0)))

    return evaluate


def _available_memory():
    """Bytes of host memory available to a new allocation, or None."""
    return get_backend("cpu").memory_available() or None


def _gpu_free_memory():
    return get_backend("cuda").memory_available() or None


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    return torch


def _torch_devices(torch):
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _sync(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def _torch_layer(torch, device, width, samples):
    """A warmed-up call of ``selu(Linear(x))`` at ``width`` (float32, TF32 off)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    lin = torch.nn.Linear(width, width, bias=False).to(device).requires_grad_(False)
    x = torch.randn(samples, width, device=device)

    def run():
        with torch.no_grad():
            torch.nn.functional.selu(lin(x))
        _sync(torch, device)

    run()
    return run


def _torch_deep(torch, device, depth, width, samples, seed):
    """The work of ``deep(depth, width, samples, lecun)`` in a plain PyTorch loop: weights drawn
    per layer (Normal(0, 1/width), float32), matmul, SELU, mean and variance per layer."""
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.no_grad():
        g = torch.Generator(device=device).manual_seed(seed)
        x = torch.randn(samples, width, generator=g, device=device)
        stats = []
        for _ in range(depth):
            w = torch.randn(width, width, generator=g, device=device) / math.sqrt(width)
            x = torch.nn.functional.selu(x @ w.T)
            stats.append(torch.stack([x.mean(), x.var()]))
        return torch.stack(stats).cpu()


@dataclass(frozen=True)
class LayerRow(Result):
    """One method at one (width, samples) of :func:`bench_montecarlo`: ``path`` is ``stored``
    or ``hashed`` for ours; ``weights_seconds`` the stored path's one weight generation (not
    in ``seconds``)."""

    method: str
    device: str
    path: str
    width: int
    samples: int
    seconds: float
    macs_per_s: float
    ratio_vs_numpy: float = None
    ratio_vs_torch: float = field(default=None, skip_none=True)
    weights_seconds: float = field(default=None, skip_none=True)

    def render(self):
        vs_torch = f"  {self.ratio_vs_torch:6.2f}x" if self.ratio_vs_torch is not None else ""
        return (f"  {self.width:6d} {self.samples:6d}  {self.method:42s} {self.device:26s} {self.path:7s} "
                f"{self.macs_per_s:9.3g}  {self.ratio_vs_numpy:6.2f}x{vs_torch}")


@dataclass(frozen=True)
class DeepRow(Result):
    """The experiment-level row: ``deep`` against the PyTorch loop (per device)."""

    method: str
    device: str
    path: str
    depth: int
    width: int
    samples: int
    seconds: float
    ratio_vs_torch: float = None

    def render(self):
        vs = f"{self.ratio_vs_torch:6.2f}x" if self.ratio_vs_torch is not None else "     -"
        return (f"  {self.method:52s} {self.device:26s} {self.path:7s} {self.seconds:8.3f} s  "
                f"torch/ours {vs}")


@dataclass(frozen=True)
class MonteCarloBench(Result):
    """:func:`bench_montecarlo` (see there).  The headline (``numba_macs_per_s``, ``ratio``,
    ``path``) is the library's layer on the CPU, on the path it picks, at the first width and
    sample count of the sweep."""

    width: int
    samples: int
    rows: list
    numba_macs_per_s: float
    numpy_macs_per_s: float
    ratio: float
    torch: str
    ratio_vs_torch: dict
    widths: list
    max_width_run: dict
    baseline: str
    path: str = ""
    sweep: dict = None
    deep: list = None

    def render(self):
        lines = [f"one SELU layer (baseline: {self.baseline}; torch: {self.torch}); ratios: MAC/s over numpy's "
                 "at the same size (and over torch's on the same device)",
                 "   width samples  method                                     device                     path    "
                 "    MAC/s   vs numpy  vs torch"]
        lines += [row.render() for row in self.rows]
        lines.append(f"  headline: width {self.width}, {self.samples} samples, path {self.path}: "
                     f"{self.ratio:.2f}x numpy")
        for device, ratio in self.ratio_vs_torch.items():
            lines.append(f"  numba layer / torch on {device}: {ratio:.2f}x")
        if self.deep:
            lines.append("  experiment: deep trajectory (LeCun weights), whole run:")
            lines += [row.render() for row in self.deep]
        lines.append("  largest width by memory (float32; stored weights n^2; arithmetic, not attempted):")
        for w in self.widths:
            lines.append(f"    {w['method']:14s} {w['device']:5s} {w['largest_width'] if w['largest_width'] else '?':>10}")
        b = self.max_width_run
        lines.append(f"  ran width {b['width']:,} (fan-in) on the {b['path']} path: {b['rows']} units x {b['samples']} "
                     f"samples in {b['seconds']:.2f} s ({b['macs_per_s']:.3g} MAC/s; full layer "
                     f"~{b['full_layer_seconds_extrapolated']:.0f} s); stored weights would need "
                     f"{b['stored_weights_bytes'] / 2**30:.1f} GiB")
        return "\n".join(lines)


def _as_tuple(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v,)


def _layer_runs(be, width, samples, seed):
    """Our layer on both paths at one size, warmed up: ``[(method, device, path, run,
    weights_seconds)]`` (``weights_seconds``: the stored path's one weight generation)."""
    x_host = np.random.default_rng(seed).standard_normal((width, samples)).astype(np.float32)
    runs = []
    for path in ("stored", "hashed"):
        if path == "stored" and (not be.blas_available or be.layer_path(width, width) != "stored"):
            continue
        layer = Layer(be, seed, 1, width, width, "normalized", path=path)
        x, z, y = be.to_device(x_host), be.zeros((width, samples)), be.zeros((width, samples))
        gen_s = None
        if path == "stored":
            be.weight_matrix(layer.key, tuple(v[:2] for v in layer.scales), 2, 2)   # compiles
            be.synchronize()
            t0 = time.perf_counter()
            layer._w = be.weight_matrix(layer.key, layer.scales, width, width)
            be.synchronize()
            gen_s = time.perf_counter() - t0

        def run(layer=layer, x=x, z=z, y=y):
            layer(x, z)
            be.activation("selu", z, y)
            be.synchronize()

        run()
        method = "layer, weights stored (hashed once, BLAS)" if path == "stored" else "layer, weights hashed in-kernel"
        runs.append((method, be.description(), path, run, gen_s))
    return runs


def _interleaved_best(fns, repeats):
    """Best wall time of each of ``fns`` over ``repeats`` rounds, one call of each per round
    (so a load that comes and goes on a shared machine falls on all of them alike)."""
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def bench_montecarlo(width=(1024, 4096), samples=(256,), depth=32, max_width=131072, max_width_rows=256,
                     max_width_samples=8, repeats=10, seed=0):
    """Multiply-adds per second of one SELU layer over a sweep of widths and sample counts, the
    deep trajectory against PyTorch, and the widest layer each method can hold.

    ``width`` and ``samples`` are numbers or sequences (the sweep: every pair).  Returns a
    :class:`MonteCarloBench`: ``rows`` (:class:`LayerRow` per method, device and size, with
    ``path``), the headline ``numba_macs_per_s``, ``numpy_macs_per_s``, ``ratio`` and ``path``
    (the library's choice on the CPU at the first size), ``torch`` (``"unavailable"`` or its
    version), ``ratio_vs_torch`` (per device, at the first size), ``deep`` (:class:`DeepRow`:
    ``deep(depth, first width, first samples, lecun)`` per backend, and the PyTorch loop),
    ``widths`` (per method and device: the largest width whose float32 weights -- none for
    hashed ones -- and activations fit in the available memory: arithmetic, not attempted),
    and ``max_width_run`` (a layer of fan-in ``max_width``, on the path the library picks for
    the full square layer: ``max_width_rows`` of its units for ``max_width_samples`` samples).
    """
    from snn_verify.theory.activations import ACTIVATIONS

    widths_swept, samples_swept = _as_tuple(width), _as_tuple(samples)
    backends = ["cpu"] + (["cuda"] if cuda_available() else [])
    torch = _torch()
    selu = ACTIVATIONS["selu"].numpy()
    rows = []
    for w in widths_swept:
        for b in samples_swept:
            macs = w * w * b
            ours = [r for name in backends for r in _layer_runs(get_backend(name), w, b, seed)]
            rng = np.random.default_rng(seed)
            x_host = rng.standard_normal((w, b)).astype(np.float32)
            wm = (rng.standard_normal((w, w)) / math.sqrt(w)).astype(np.float32)
            theirs = [("numpy matmul + selu, weights stored", "CPU (BLAS)", lambda: selu(wm @ x_host))]
            if torch is not None:
                theirs += [("torch.nn.Linear + SELU (float32, TF32 off)", device, _torch_layer(torch, device, w, b))
                           for device in _torch_devices(torch)]
            seconds = _interleaved_best([r[3] for r in ours] + [t[2] for t in theirs], repeats)
            at_size = [LayerRow(m, dev, path, w, b, t, macs / t, weights_seconds=gen)
                       for (m, dev, path, _, gen), t in zip(ours, seconds)]
            numpy_row, *torch_rows = [LayerRow(m, dev, "stored", w, b, t, macs / t)
                                      for (m, dev, _), t in zip(theirs, seconds[len(ours):])]
            for row in at_size + [numpy_row] + torch_rows:
                theirs = [t for t in torch_rows if t.device == ("cuda" if "CUDA" in row.device else "cpu")]
                vs_torch = row.macs_per_s / theirs[0].macs_per_s if theirs and row in at_size else None
                rows.append(dataclasses.replace(row, ratio_vs_numpy=row.macs_per_s / numpy_row.macs_per_s,
                                                ratio_vs_torch=vs_torch))
    w0, b0 = widths_swept[0], samples_swept[0]
    first = [r for r in rows if (r.width, r.samples) == (w0, b0)]
    cpu = get_backend("cpu")
    auto_path = cpu.layer_path(w0, w0)
    ours = next(r for r in first if r.device == cpu.description() and r.path == auto_path)
    numpy_row = next(r for r in first if r.method.startswith("numpy"))
    vs_torch = {}
    for name in backends:
        be = get_backend(name)
        mine = [r for r in first if r.device == be.description() and r.path == be.layer_path(w0, w0)]
        if mine and mine[0].ratio_vs_torch is not None:
            vs_torch[name] = mine[0].ratio_vs_torch
    deep_rows = _deep_rows(backends, torch, depth, w0, b0, seed)

    # the widest layer each can hold: stored float32 weights n^2 plus input and output n x samples;
    # hashed weights: input, pre-activation and output only
    host = _available_memory()
    gpu = _gpu_free_memory() if "cuda" in backends else None

    def stored_max(mem):
        return None if mem is None else math.isqrt(mem // 4 + b0**2) - b0

    def hashed_max(mem):
        return None if mem is None else mem // (4 * 3 * b0)

    widths = [{"method": "numba hashed", "device": "cpu", "memory_bytes": host, "largest_width": hashed_max(host)},
              {"method": "numpy stored", "device": "cpu", "memory_bytes": host, "largest_width": stored_max(host)}]
    if gpu is not None:
        widths.insert(1, {"method": "numba hashed", "device": "cuda", "memory_bytes": gpu,
                          "largest_width": hashed_max(gpu)})
    if torch is not None:
        widths.append({"method": "torch stored", "device": "cpu", "memory_bytes": host,
                       "largest_width": stored_max(host)})
        if torch.cuda.is_available():
            widths.append({"method": "torch stored", "device": "cuda", "memory_bytes": gpu,
                           "largest_width": stored_max(gpu)})
    be = get_backend(backends[-1])
    layer = Layer(be, seed, 1, max_width, max_width_rows, "normalized", path=be.layer_path(max_width, max_width))
    x = be.zeros((max_width, max_width_samples))
    be.draw(x, derive_key(seed, INPUTS, 0), "normal", 0.0, 1.0)
    z = be.zeros((max_width_rows, max_width_samples))
    t_big, _ = _best_time(lambda: (layer(x, z), be.to_host(z)), 1)
    big = {"width": max_width, "rows": max_width_rows, "samples": max_width_samples, "device": be.description(),
           "path": layer.path, "seconds": t_big, "macs_per_s": max_width * max_width_rows * max_width_samples / t_big,
           "full_layer_seconds_extrapolated": t_big * max_width / max_width_rows,
           "stored_weights_bytes": 4 * max_width**2,
           "fits_stored": {w["method"] + " " + w["device"]: w["largest_width"] is not None
                           and w["largest_width"] >= max_width for w in widths if "stored" in w["method"]}}
    return MonteCarloBench(w0, b0, rows, ours.macs_per_s, numpy_row.macs_per_s, ours.ratio_vs_numpy,
                           torch.__version__ if torch is not None else "unavailable", vs_torch, widths, big,
                           numpy_row.method, auto_path, {"width": list(widths_swept), "samples": list(samples_swept)},
                           deep_rows)


def _deep_rows(backends, torch, depth, width, samples, seed, repeats=3):
    """``deep(depth, width, samples, lecun, one start, no dropout)`` per backend and the
    PyTorch loop per device, each warmed up by a small run, then timed in interleaved
    rounds (best of ``repeats``)."""
    ours, theirs = [], []
    for name in backends:
        be = get_backend(name)
        kw = dict(starts=((0.0, 1.0),), dropout=("none",), weights="lecun", seed=seed, backend=name)
        deep(2, 8, 4, **kw)
        ours.append((be, lambda be=be, kw=kw: (deep(depth, width, samples, **kw), be.synchronize())))
    for device in _torch_devices(torch) if torch is not None else ():
        _torch_deep(torch, device, 2, 8, 4, seed)
        theirs.append((device, lambda device=device: _torch_deep(torch, device, depth, width, samples, seed)))
    seconds = _interleaved_best([fn for _, fn in ours + theirs], repeats)
    torch_s = dict(zip((device for device, _ in theirs), seconds[len(ours):]))
    rows = []
    for (be, _), s in zip(ours, seconds):
        t = torch_s.get("cuda" if be.name == "cuda" else "cpu")
        rows.append(DeepRow(f"deep(depth={depth}, width={width}, samples={samples}, lecun)", be.description(),
                            be.layer_path(width, width), depth, width, samples, s, t / s if t else None))
    return rows + [DeepRow("torch loop: randn weights, matmul, selu, mean/var", device, "stored", depth, width,
                           samples, t) for device, t in torch_s.items()]


@dataclass(frozen=True)
class StartupRow(Result):
    """One command in a fresh process: ``cold`` with an empty numba cache (compiling), ``warm``
    with the cache the cold run left (loading)."""

    command: str
    cold_seconds: float
    warm_seconds: float
    ratio: float

    def render(self):
        return f"  {self.command:58s} {self.cold_seconds:7.2f} s  {self.warm_seconds:7.2f} s  {self.ratio:6.1f}x"


@dataclass(frozen=True)
class StartupBench(Result):
    """:func:`bench_startup`: per command, wall seconds of a whole fresh process."""

    rows: list
    python_seconds: float
    baseline: str = "the same command with an empty numba cache (compiling every kernel)"

    def render(self):
        return "\n".join([f"start-up: a fresh process per run (baseline: {self.baseline}); "
                          f"python + imports alone: {self.python_seconds:.2f} s",
                          "  command                                                      cold        warm      ratio"]
                         + [row.render() for row in self.rows])


#: tiny commands whose time is nearly all start-up: imports, kernel compilation or cache loads
STARTUP_COMMANDS = (("grid", "--points", "1000", "--device", "cpu", "--json"),
                    ("montecarlo", "map", "--grid", "2", "--width", "16", "--samples", "8", "--device", "cpu",
                     "--json"))


def bench_startup(commands=STARTUP_COMMANDS):
    """Wall seconds of each command in a fresh Python process: first with an empty numba cache
    directory (``NUMBA_CACHE_DIR``, so every kernel compiles) and then again (the cache is
    loaded).  ``python_seconds`` is a process that only imports the evidence side."""
    import subprocess
    import sys
    import tempfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__import__("snn_verify").__file__)))

    def timed(code, env):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        return time.perf_counter() - t0

    rows = []
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=root)
        python_s = timed("import snn_verify.proofs.evidence.montecarlo, snn_verify.proofs.evidence.grid", env)
        for argv in commands:
            code = f"import sys; from snn_verify.cli import main; sys.exit(main({list(argv)!r}))"
            cold = timed(code, env)
            warm = timed(code, env)
            rows.append(StartupRow(" ".join(argv), cold, warm, cold / warm))
    return StartupBench(rows, python_s)
