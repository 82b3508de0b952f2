"""One small interface, two implementations: numba CPU (parallel) and numba CUDA.

Experiments (:mod:`snn_verify.proofs.evidence.grid`, :mod:`snn_verify.proofs.evidence.montecarlo`) ask :func:`get_backend` for a
backend and call only the methods of :class:`Backend`; they never learn which one runs.
``"auto"`` picks CUDA when ``numba.cuda.is_available()`` *and* the CUDA kernels compile and
run on the GPU there (:func:`cuda_problem`); otherwise the CPU, with one line on stderr saying
why.  ``"cuda"`` where CUDA cannot work raises :class:`BackendUnavailable` (the CLI: exit 2).

A backend holds arrays of its own kind (numpy arrays on the CPU, device arrays on CUDA):
``zeros``, ``to_device``, ``to_host`` move between them.  Its operations:

- ``grid_cells(code, axes, slots, row0, row1, lambda_, alpha)`` -> per-cell reductions of a
  dense grid (:mod:`snn_verify.proofs.evidence.grid`);
- ``draw(out, key, dist, mean, std)``: iid inputs;
- ``weight_scales(key, n_out, n_in, omega, tau, exact)`` and ``matmul(x, key, scales, out,
  transpose=False)``: a layer ``z = W x`` (or ``W^T x``) with the weights hashed in-kernel;
  ``weight_matrix`` generates the same W once and ``stored_matmul`` multiplies it by BLAS
  (``layer_path`` chooses between the two by memory: :mod:`.base`);
- ``xp``, ``asarray``, ``to_numpy``: the array namespace the statistics are written against
  (numpy; CuPy on a GPU);
- ``activation``, ``activation_grad``, ``dropout``, ``batchnorm``, ``highway``: elementwise.

The random numbers are counter-based (:mod:`snn_verify.proofs.evidence.backends.device`) and identical on both
backends; results agree to float32 rounding (the order of the float32 sums differs).
"""
from __future__ import annotations

import functools
import sys

import numpy as np

from snn_verify.errors import InputError

from .base import Backend

__all__ = ["DEVICES", "Backend", "BackendUnavailable", "cuda_available", "cuda_problem", "get_backend"]

DEVICES = ("auto", "cpu", "cuda")


class BackendUnavailable(InputError):
    """The requested backend cannot run here (no CUDA GPU)."""


@functools.lru_cache(maxsize=None)
def cuda_available():
    """True when numba sees a CUDA GPU (or its simulator, NUMBA_ENABLE_CUDASIM=1)."""
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001 -- a broken CUDA install means no CUDA
        return False


def get_backend(name="auto"):
    """The backend called ``name`` in :data:`DEVICES`; one instance per device, so its
    compiled kernels are shared by every caller ("auto" and "cpu" on a machine without a GPU
    are the same object).

    ``"auto"`` never turns a working CPU run into a crash: where CUDA is seen but its kernels
    fail to compile or to run, it warns once on stderr and returns the CPU backend."""
    if name not in DEVICES:
        raise InputError(f"unknown device {name!r}; choose from {', '.join(DEVICES)}")
    if name == "auto":
        if not cuda_available():
            return _backend("cpu")
        problem = cuda_problem()
        if problem is None:
            return _backend("cuda")
        _warn_fallback(problem)
        return _backend("cpu")
    if name == "cuda":
        if not cuda_available():
            raise BackendUnavailable("--device cuda: no CUDA GPU available (numba.cuda.is_available() is False)")
        problem = cuda_problem()
        if problem is not None:
            raise BackendUnavailable(f"--device cuda: the CUDA kernels do not work here: {problem}")
    return _backend(name)


@functools.lru_cache(maxsize=None)
def _warn_fallback(problem):
    print(f"snn-verify: CUDA seen but not usable, running on the CPU: {problem}", file=sys.stderr)


@functools.lru_cache(maxsize=None)
def cuda_problem():
    """None when the CUDA backend works here, else one line saying why not.

    "Works" means: the backend is built, and a tiny grid reduction and hashed-weight layer
    (both compiled by the real compiler for this GPU) run and agree with the CPU backend."""
    try:
        return _backend("cuda").self_test(_backend("cpu"))
    except Exception as exc:  # noqa: BLE001 -- any failure means "not usable", said in one line
        text = str(exc).strip().splitlines()
        return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


@functools.lru_cache(maxsize=None)
def _backend(name):
    if name == "cuda":
        from .cuda import CudaBackend

        return CudaBackend()
    from .cpu import CpuBackend

    return CpuBackend()
