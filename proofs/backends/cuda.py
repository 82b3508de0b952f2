r"""The numba CUDA backend: the shared device code inside CUDA kernels.

- **Grids**: one thread block per cell of the plotting plane; its threads stride over the
  cell's inner points (float64), then a shared-memory tree reduction gives the cell's
  min/argmin/max/argmax (ties to the smaller index, as on the CPU).
- **Layers**: a tiled matrix product whose weight tile is *generated* in shared memory from
  the counter-based hash instead of loaded: a block of ``GEMM_THREADS_Y x GEMM_THREADS_X``
  (8 x 32) threads computes a ``TILE_R x TILE_B`` (32 x 64) output tile, each thread a 4 x 2
  register block; per ``TILE_K`` (32) step each thread makes 2 Box-Muller pairs of weights
  and loads 8 inputs into shared memory, then does 256 float32 multiply-adds.  The same
  kernel computes ``W^T x`` (the backward pass) by generating the transposed tile.
- **Elementwise**: grid-stride loops around the shared bodies.

Everything runs in numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) on tiny sizes; the
test suite compares it with the CPU backend there (``tests/cuda_sim_checks.py``).
"""
from __future__ import annotations

import functools

import numpy as np
from numba import cuda, float32, float64, int64, uint64

from theory.kernels import make_kernels

from . import Backend, device

#: threads per block of the grid reduction (a power of two)
GRID_THREADS = 128
#: blocks per launch of the grid reduction (each strides over plane cells)
GRID_BLOCKS = 65535
#: output tile (rows x samples) and reduction step of the matrix product
TILE_R, TILE_B, TILE_K = 32, 64, 32
GEMM_THREADS_X, GEMM_THREADS_Y = 32, 8
_GEMM_THREADS = GEMM_THREADS_X * GEMM_THREADS_Y
#: each thread accumulates a 4 x 2 register block: rows ty + 8m, samples tx + 32c
_ROWS_PER_THREAD = TILE_R // GEMM_THREADS_Y
_COLS_PER_THREAD = TILE_B // GEMM_THREADS_X
_PAIRS = TILE_R * TILE_K // 2
_ELEMENT_THREADS = 256


def _jit(fn):
    return cuda.jit(device=True)(fn)


@functools.lru_cache(maxsize=None)
def _grid_kernel():
    g = device.grid_functions(_jit, make_kernels("cuda"))
    scan, takes_min, takes_max = g.scan, g.takes_min, g.takes_max

    @cuda.jit
    def grid_cells(code, ax_a, ax_b, ax_c, ax_d, slots, row0, row1, lambda_, alpha,
                   vmin, jmin, vmax, jmax, bad):
        s_min = cuda.shared.array(GRID_THREADS, float64)
        s_jmin = cuda.shared.array(GRID_THREADS, int64)
        s_max = cuda.shared.array(GRID_THREADS, float64)
        s_jmax = cuda.shared.array(GRID_THREADS, int64)
        s_bad = cuda.shared.array(GRID_THREADS, int64)
        t = cuda.threadIdx.x
        kb = ax_b.shape[0]
        inner = ax_c.shape[0] * ax_d.shape[0]
        for cell in range(cuda.blockIdx.x, (row1 - row0) * kb, cuda.gridDim.x):
            r = scan(code, ax_a, ax_b, ax_c, ax_d, slots, row0 + cell // kb, cell % kb, t, inner,
                     GRID_THREADS, lambda_, alpha)
            s_min[t], s_jmin[t], s_max[t], s_jmax[t], s_bad[t] = r
            cuda.syncthreads()
            half = GRID_THREADS // 2
            while half > 0:
                if t < half:
                    o = t + half
                    if takes_min(s_min[o], s_jmin[o], s_min[t], s_jmin[t]):
                        s_min[t] = s_min[o]
                        s_jmin[t] = s_jmin[o]
                    if takes_max(s_max[o], s_jmax[o], s_max[t], s_jmax[t]):
                        s_max[t] = s_max[o]
                        s_jmax[t] = s_jmax[o]
                    s_bad[t] += s_bad[o]
                cuda.syncthreads()
                half //= 2
            if t == 0:
                vmin[cell], jmin[cell], vmax[cell], jmax[cell], bad[cell] = (
                    s_min[0], s_jmin[0], s_max[0], s_jmax[0], s_bad[0])
            cuda.syncthreads()

    return grid_cells


@functools.lru_cache(maxsize=None)
def _layer_kernels():
    rng = device.rng_functions(_jit)
    row_key, element, normal_pair, row_sums = rng.row_key, rng.element, rng.normal_pair, rng.weight_row_sums

    @cuda.jit
    def gemm(transpose, x, key, mean, centre, scale, out):
        """``out = A x`` with ``A = W`` (forward) or ``A = W^T`` (``transpose``), W hashed.

        W has ``mean.shape[0]`` rows; pairs of weights run along W's rows."""
        n_k, n_b = x.shape
        n_out = out.shape[0]
        n_w = mean.shape[0]
        s_a = cuda.shared.array((TILE_R, TILE_K + 1), float32)
        s_x = cuda.shared.array((TILE_K, TILE_B), float32)
        s_key = cuda.shared.array(TILE_R, uint64)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        t = ty * GEMM_THREADS_X + tx
        r0 = cuda.blockIdx.y * TILE_R
        b0 = cuda.blockIdx.x * TILE_B
        acc = cuda.local.array((_ROWS_PER_THREAD, _COLS_PER_THREAD), float32)
        for m in range(_ROWS_PER_THREAD):
            for c in range(_COLS_PER_THREAD):
                acc[m, c] = 0.0
        if not transpose and t < TILE_R and r0 + t < n_w:
            s_key[t] = row_key(key, r0 + t)
        for k0 in range(0, n_k, TILE_K):
            if transpose and t < TILE_K and k0 + t < n_w:
                s_key[t] = row_key(key, k0 + t)
            cuda.syncthreads()
            for pid in range(t, _PAIRS, _GEMM_THREADS):
                # tile entry (row, 2q), (row, 2q + 1) of W, row local to the tile's W rows
                row = pid // (TILE_K // 2) if not transpose else pid // (TILE_R // 2)
                q = pid % (TILE_K // 2) if not transpose else pid % (TILE_R // 2)
                w_row = (r0 if not transpose else k0) + row
                w0 = float32(0.0)
                w1 = float32(0.0)
                if w_row < n_w:
                    g0, g1 = normal_pair(element(s_key[row], ((k0 if not transpose else r0) >> 1) + q))
                    w0 = mean[w_row] + (g0 - centre[w_row]) * scale[w_row]
                    w1 = mean[w_row] + (g1 - centre[w_row]) * scale[w_row]
                if transpose:
                    s_a[2 * q, row] = w0
                    s_a[2 * q + 1, row] = w1
                else:
                    s_a[row, 2 * q] = w0
                    s_a[row, 2 * q + 1] = w1
            for idx in range(t, TILE_K * TILE_B, _GEMM_THREADS):
                kl = idx // TILE_B
                bl = idx % TILE_B
                s_x[kl, bl] = x[k0 + kl, b0 + bl] if (k0 + kl < n_k and b0 + bl < n_b) else float32(0.0)
            cuda.syncthreads()
            for kk in range(TILE_K):
                for m in range(_ROWS_PER_THREAD):
                    a = s_a[ty + m * GEMM_THREADS_Y, kk]
                    for c in range(_COLS_PER_THREAD):
                        acc[m, c] += a * s_x[kk, tx + c * GEMM_THREADS_X]
            cuda.syncthreads()
        for m in range(_ROWS_PER_THREAD):
            r = r0 + ty + m * GEMM_THREADS_Y
            for c in range(_COLS_PER_THREAD):
                b = b0 + tx + c * GEMM_THREADS_X
                if r < n_out and b < n_b:
                    out[r, b] = acc[m, c]

    @cuda.jit
    def weight_row_sums(key, n_in, s1, s2):
        for i in range(cuda.grid(1), s1.shape[0], cuda.gridsize(1)):
            s1[i], s2[i] = row_sums(row_key(key, i), n_in)

    row_mean_var = device.row_statistics(_jit)

    @cuda.jit
    def row_moments(z, mean, var):
        for i in range(cuda.grid(1), z.shape[0], cuda.gridsize(1)):
            mean[i], var[i] = row_mean_var(z, i)

    return gemm, weight_row_sums, row_moments


def _launch_1d(n):
    threads = min(_ELEMENT_THREADS, max(32, n))
    return max(1, min((n + threads - 1) // threads, 4096)), threads


class CudaBackend(Backend):
    """numba CUDA kernels on the current GPU; arrays are device arrays."""

    name = "cuda"
    jit = staticmethod(_jit)
    grid_chunk_points = 1 << 28
    default_grid_points = 1_000_000_000

    def __init__(self):
        super().__init__()
        self._gemm, self._row_sums, self._row_mom = _layer_kernels()

    def description(self):
        from numba import config

        if config.ENABLE_CUDASIM:
            return "numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"
        name = cuda.get_current_device().name
        return f"numba CUDA, {name.decode() if isinstance(name, bytes) else name}"

    def zeros(self, shape):
        return cuda.to_device(np.zeros(shape, dtype=np.float32))

    def to_device(self, arr):
        return cuda.to_device(np.ascontiguousarray(arr))

    def to_host(self, arr):
        return arr.copy_to_host()

    def synchronize(self):
        cuda.synchronize()

    def _compile_elementwise(self, body):
        @cuda.jit
        def run(key, a, b, c, p, out):
            for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
                out[i] = body(i, key, a, b, c, p)

        return run

    def _launch(self, kernel, key, a, b, c, p, out):
        blocks, threads = _launch_1d(out.shape[0])
        kernel[blocks, threads](key, a, b, c, cuda.to_device(p), out)

    def _weight_row_sums(self, key, n_out, n_in):
        s1, s2 = cuda.device_array(n_out, np.float64), cuda.device_array(n_out, np.float64)
        blocks, threads = _launch_1d(n_out)
        self._row_sums[blocks, threads](np.uint64(key), n_in, s1, s2)
        return s1.copy_to_host(), s2.copy_to_host()

    def _row_moments(self, z):
        mean, var = cuda.device_array(z.shape[0], np.float64), cuda.device_array(z.shape[0], np.float64)
        blocks, threads = _launch_1d(z.shape[0])
        self._row_mom[blocks, threads](z, mean, var)
        return mean.copy_to_host(), var.copy_to_host()

    def matmul(self, x, key, scales, out, transpose=False):
        """``out = W x`` (or ``W^T x``) with W hashed from ``key`` and ``scales = (mean, centre, scale)``."""
        grid = ((out.shape[1] + TILE_B - 1) // TILE_B, (out.shape[0] + TILE_R - 1) // TILE_R)
        self._gemm[grid, (GEMM_THREADS_X, GEMM_THREADS_Y)](transpose, x, np.uint64(key), *scales, out)
        return out

    def grid_cells(self, code, axes, slots, row0, row1, lambda_, alpha):
        n = (row1 - row0) * axes[1].shape[0]
        vmin, vmax = cuda.device_array(n, np.float64), cuda.device_array(n, np.float64)
        jmin, jmax, bad = (cuda.device_array(n, np.int64) for _ in range(3))
        dev_axes = [cuda.to_device(a) for a in axes]
        _grid_kernel()[min(n, GRID_BLOCKS), GRID_THREADS](
            code, *dev_axes, cuda.to_device(slots), row0, row1, lambda_, alpha, vmin, jmin, vmax, jmax, bad)
        return tuple(a.copy_to_host() for a in (vmin, jmin, vmax, jmax, bad))
