"""Benchmarks: throughput as ratios against a baseline measured in the same run.

- :func:`bench_grid`: grid points per second of the numba kernel (CPU, and CUDA where there
  is a GPU) against numpy + scipy evaluating the same generated formulas
  (:func:`snn_verify.proofs.evidence.grid.numpy_quantity`), on the Theorem 1 box; both must agree on the extremes
  of the points numpy evaluated.
- :func:`bench_montecarlo`: multiply-adds per second of one layer ``selu(W x)`` with the
  weights hashed in-kernel, against numpy matmul (float32, weights stored, their generation
  not timed) and PyTorch (``torch.nn.Linear`` + SELU, float32, TF32 off) where it is
  installed; and the widest layer each can hold, from memory arithmetic, with a layer of
  that width actually run by the hashed kernel.

Compilation is excluded from every timing (a warm-up call comes first); every figure is the
best of ``repeats`` runs.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import numpy as np

from .backends import cuda_available, get_backend
from .backends.device import derive_key
from .grid import axes_of, grid_extrema, grid_shape, numpy_quantity
from .montecarlo import INPUTS, Layer
from .results import Result, field
from ..theorem1 import BOX as THEOREM1_BOX


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
    (numba CPU / numpy), ``cuda_points_per_s`` (None without a GPU), ``agree`` (numba and numpy
    extremes over numpy's grid within 1e-12 relative) and ``rows`` (a table).
    """
    box = THEOREM1_BOX
    grid_extrema(quantity, box, shape=(2, 2, 2, 2), backend="cpu")  # compile
    cpu_s, r = _best_time(lambda: grid_extrema(quantity, box, points=points, backend="cpu"), repeats)
    n_cpu = r.points
    shape = grid_shape(box, numpy_points)
    n_np = int(np.prod(shape))
    axes = axes_of(box, shape)

    def numpy_run():
        lo, hi = math.inf, -math.inf
        for start in range(0, n_np, chunk):
            idx = np.unravel_index(np.arange(start, min(n_np, start + chunk)), shape)
            v = numpy_quantity(quantity, *(ax[i] for ax, i in zip(axes, idx)))
            lo, hi = min(lo, v.min()), max(hi, v.max())
        return lo, hi

    np_s, (lo, hi) = _best_time(numpy_run, repeats)
    ref = grid_extrema(quantity, box, shape=shape, backend="cpu")
    agree = all(abs(a - b) <= 1e-12 * max(1.0, abs(b)) for a, b in ((ref.min, lo), (ref.max, hi)))
    rows = [(f"numba kernel ({get_backend('cpu').description()})", n_cpu, cpu_s),
            ("numpy + scipy vectorised (1 thread)", n_np, np_s)]
    cuda_rate = None
    if cuda_available():
        gpu_points = max(points, 1 << 30)
        grid_extrema(quantity, box, shape=(2, 2, 2, 2), backend="cuda")
        gpu_s, r = _best_time(lambda: grid_extrema(quantity, box, points=gpu_points, backend="cuda"), repeats)
        cuda_rate = r.points / gpu_s
        rows.append((f"numba kernel ({get_backend('cuda').description()})", r.points, gpu_s))
    numpy_rate = n_np / np_s
    rows = [GridBenchRow(m, n, t, n / t, n / t / numpy_rate) for m, n, t in rows]
    return GridBench(quantity, box.as_dict(), rows[0].points_per_s, numpy_rate, rows[0].ratio_vs_numpy, cuda_rate,
                     agree, rows, rows[1].method)


def _available_memory():
    """Bytes of memory available to a new allocation (MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _gpu_free_memory():
    try:
        from numba import cuda

        return int(cuda.current_context().get_memory_info()[0])
    except Exception:  # noqa: BLE001 -- the simulator has no memory information
        return None


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_layer(torch, device, width, samples, repeats):
    """Seconds of ``selu(Linear(x))`` at ``width`` (float32, TF32 off), best of ``repeats``."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    with torch.no_grad():
        lin = torch.nn.Linear(width, width, bias=False).to(device)
        x = torch.randn(samples, width, device=device)

        def run():
            torch.nn.functional.selu(lin(x))
            if device == "cuda":
                torch.cuda.synchronize()

        run()
        return _best_time(run, repeats)[0]


@dataclass(frozen=True)
class MonteCarloBench(Result):
    """:func:`bench_montecarlo` (see there)."""

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

    def render(self):
        lines = [f"one SELU layer, width {self.width}, {self.samples} samples (baseline: {self.baseline}; "
                 f"torch: {self.torch})",
                 "  method                                        device                        MAC/s       ratio"]
        for row in self.rows:
            lines.append(f"  {row['method']:44s}  {row['device']:28s}  {row['macs_per_s']:9.3g}  "
                         f"{row['ratio_vs_numpy']:6.2f}x")
        for device, ratio in self.ratio_vs_torch.items():
            lines.append(f"  numba hashed / torch on {device}: {ratio:.2f}x")
        lines.append("  largest width by memory (float32; stored weights n^2; arithmetic, not attempted):")
        for w in self.widths:
            lines.append(f"    {w['method']:14s} {w['device']:5s} {w['largest_width'] if w['largest_width'] else '?':>10}")
        b = self.max_width_run
        lines.append(f"  ran width {b['width']:,} (fan-in) with hashed weights: {b['rows']} units x {b['samples']} "
                     f"samples in {b['seconds']:.2f} s ({b['macs_per_s']:.3g} MAC/s; full layer "
                     f"~{b['full_layer_seconds_extrapolated']:.0f} s); stored weights would need "
                     f"{b['stored_weights_bytes'] / 2**30:.1f} GiB")
        return "\n".join(lines)


def bench_montecarlo(width=1024, samples=256, max_width=131072, max_width_rows=256, max_width_samples=8,
                     repeats=3, seed=0):
    """Multiply-adds per second of one SELU layer and the widest layer each method can hold.

    Returns ``rows`` (method, device, width, samples, seconds, macs_per_s, ratio_vs_numpy),
    ``numba_macs_per_s``, ``numpy_macs_per_s``, ``ratio`` (numba CPU / numpy),
    ``torch`` (``"unavailable"`` or its version), ``ratio_vs_torch`` (numba / torch per
    device, where torch ran), ``widths`` (per method and device: the
    largest width whose float32 weights -- none for hashed ones -- and activations fit in
    the available memory: arithmetic, not attempted), and ``max_width_run`` (the hashed
    layer actually run at ``max_width``: ``max_width_rows`` of its units for
    ``max_width_samples`` samples, no weight matrix stored; ``fits_stored`` says whether a
    stored-weight method could hold that layer here).
    """
    macs = width * width * samples
    rows = []
    rng = np.random.default_rng(seed)
    x_host = rng.standard_normal((width, samples)).astype(np.float32)

    def hashed(be):
        layer = Layer(be, seed, 1, width, width, "normalized")
        x, z, y = be.to_device(x_host), be.zeros((width, samples)), be.zeros((width, samples))

        def run():
            layer(x, z)
            be.activation("selu", z, y)
            be.synchronize()

        run()
        return _best_time(run, repeats)[0]

    backends = ["cpu"] + (["cuda"] if cuda_available() else [])
    for name in backends:
        be = get_backend(name)
        s = hashed(be)
        rows.append({"method": "numba, weights hashed in-kernel", "device": be.description(), "width": width,
                     "samples": samples, "seconds": s, "macs_per_s": macs / s})
    from snn_verify.theory.activations import ACTIVATIONS

    selu = ACTIVATIONS["selu"].numpy()
    w = (rng.standard_normal((width, width)) / math.sqrt(width)).astype(np.float32)
    np_s, _ = _best_time(lambda: selu(w @ x_host), repeats)
    rows.append({"method": "numpy matmul + selu, weights stored", "device": "CPU (BLAS)", "width": width,
                 "samples": samples, "seconds": np_s, "macs_per_s": macs / np_s})
    torch = _torch()
    if torch is not None:
        torch.set_num_threads(len(os.sched_getaffinity(0)))
        for device in ["cpu"] + (["cuda"] if torch.cuda.is_available() else []):
            s = _torch_layer(torch, device, width, samples, repeats)
            rows.append({"method": "torch.nn.Linear + SELU (float32, TF32 off)", "device": device,
                         "width": width, "samples": samples, "seconds": s, "macs_per_s": macs / s})
    numpy_rate = rows[len(backends)]["macs_per_s"]
    for r in rows:
        r["ratio_vs_numpy"] = r["macs_per_s"] / numpy_rate
    # numba hashed against torch on the same kind of device
    vs_torch = {}
    for name, ours in zip(backends, rows):
        theirs = [r for r in rows if r["method"].startswith("torch") and r["device"] == name]
        if theirs:
            vs_torch[name] = ours["macs_per_s"] / theirs[0]["macs_per_s"]

    # the widest layer each can hold: stored float32 weights n^2 plus input and output n x samples;
    # hashed weights: input, pre-activation and output only
    host = _available_memory()
    gpu = _gpu_free_memory() if "cuda" in backends else None

    def stored_max(mem):
        return None if mem is None else math.isqrt(mem // 4 + samples**2) - samples

    def hashed_max(mem):
        return None if mem is None else mem // (4 * 3 * samples)

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
    layer = Layer(be, seed, 1, max_width, max_width_rows, "normalized")
    x = be.zeros((max_width, max_width_samples))
    be.draw(x, derive_key(seed, INPUTS, 0), "normal", 0.0, 1.0)
    z = be.zeros((max_width_rows, max_width_samples))
    t_big, _ = _best_time(lambda: (layer(x, z), be.to_host(z)), 1)
    big = {"width": max_width, "rows": max_width_rows, "samples": max_width_samples, "device": be.description(),
           "seconds": t_big, "macs_per_s": max_width * max_width_rows * max_width_samples / t_big,
           "full_layer_seconds_extrapolated": t_big * max_width / max_width_rows,
           "stored_weights_bytes": 4 * max_width**2,
           "fits_stored": {w["method"] + " " + w["device"]: w["largest_width"] is not None
                           and w["largest_width"] >= max_width for w in widths if "stored" in w["method"]}}
    return MonteCarloBench(width, samples, rows, rows[0]["macs_per_s"], numpy_rate, rows[0]["ratio_vs_numpy"],
                           torch.__version__ if torch is not None else "unavailable", vs_torch, widths, big,
                           rows[len(backends)]["method"])
