"""The numba CPU backend: ``prange`` loops around the shared device code.

Layers whose weight matrix fits in memory generate it once with the counter-based hash
(``fill_weights``) and multiply with numpy's BLAS (:class:`.base.Backend`).  The hashed
products generate their weights on the fly (:mod:`snn_verify.proofs.evidence.backends.device`)
in blocks of :data:`ROW_BLOCK` output rows, so each loaded input row feeds several
accumulators; the accumulators are float32 (the network's arithmetic); statistics are
reduced with numpy in float64.

Every kernel is cached on disk (:func:`snn_verify.theory.jitcache.cached`): numba stores the machine code (next
to this file, or in its user-wide cache directory where that is not writable) keyed by the
content of the kernel and of every device function it calls, so a second process loads
instead of compiling.
"""
from __future__ import annotations

import functools

import numba
import numpy as np

from snn_verify.theory.kernels import make_kernels

from . import device
from .base import Backend
from snn_verify.theory.jitcache import cached

#: output rows that share one pass over the inputs in the forward product
ROW_BLOCK = 4
#: elementwise operations on fewer elements run on one thread: waking the others costs more
#: (milliseconds on a busy machine) than they save; elementwise results do not depend on it
PARALLEL_MIN_ELEMENTS = 1 << 20


def _jit(fn):
    """A device function (compiled into the kernels that call it, and cached with them)."""
    return numba.njit(fn)


def _kernel(fn):
    """A parallel kernel, cached on disk (keyed by content: :mod:`snn_verify.theory.jitcache`)."""
    return cached(numba.njit(parallel=True)(fn))


@functools.lru_cache(maxsize=None)
def _grid_kernel():
    scan = device.grid_functions(_jit, make_kernels("cpu")).scan

    @_kernel
    def grid_cells(code, ax_a, ax_b, ax_c, ax_d, slots, row0, row1, lambda_, alpha,
                   vmin, jmin, vmax, jmax, bad):
        kb = ax_b.shape[0]
        inner = ax_c.shape[0] * ax_d.shape[0]
        for cell in numba.prange((row1 - row0) * kb):
            r = scan(code, ax_a, ax_b, ax_c, ax_d, slots, row0 + cell // kb, cell % kb, 0, inner, 1,
                     lambda_, alpha)
            vmin[cell], jmin[cell], vmax[cell], jmax[cell], bad[cell] = r

    return grid_cells


def _matmul_kernels(rng):
    row_key, element, normal_pair, row_sums = rng.row_key, rng.element, rng.normal_pair, rng.weight_row_sums

    @_kernel
    def fill_weights(key, mean, centre, scale, w):
        """w[i, j] = W_ij, the same hashed weights as the products below."""
        n_out, n_in = w.shape
        for i in numba.prange(n_out):
            rk = row_key(key, i)
            for k in range(n_in // 2):
                g0, g1 = normal_pair(element(rk, k))
                w[i, 2 * k] = mean[i] + (g0 - centre[i]) * scale[i]
                w[i, 2 * k + 1] = mean[i] + (g1 - centre[i]) * scale[i]
            if n_in % 2:
                w[i, n_in - 1] = mean[i] + (normal_pair(element(rk, n_in // 2))[0] - centre[i]) * scale[i]

    @_kernel
    def forward(x, key, mean, centre, scale, out):
        """out[i, :] = sum_j W_ij x[j, :]."""
        n_in, n_b = x.shape
        n_out = out.shape[0]
        for blk in numba.prange((n_out + ROW_BLOCK - 1) // ROW_BLOCK):
            i0 = blk * ROW_BLOCK
            nr = min(ROW_BLOCK, n_out - i0)
            acc = np.zeros((ROW_BLOCK, n_b), np.float32)
            keys = np.empty(ROW_BLOCK, np.uint64)
            w0 = np.empty(ROW_BLOCK, np.float32)
            w1 = np.empty(ROW_BLOCK, np.float32)
            for r in range(nr):
                keys[r] = row_key(key, i0 + r)
            for k in range(n_in // 2):
                for r in range(nr):
                    g0, g1 = normal_pair(element(keys[r], k))
                    w0[r] = mean[i0 + r] + (g0 - centre[i0 + r]) * scale[i0 + r]
                    w1[r] = mean[i0 + r] + (g1 - centre[i0 + r]) * scale[i0 + r]
                x0 = x[2 * k]
                x1 = x[2 * k + 1]
                for r in range(nr):
                    a = acc[r]
                    wa = w0[r]
                    wb = w1[r]
                    for b in range(n_b):
                        a[b] += wa * x0[b] + wb * x1[b]
            if n_in % 2:
                k = n_in // 2
                xl = x[n_in - 1]
                for r in range(nr):
                    wa = mean[i0 + r] + (normal_pair(element(keys[r], k))[0] - centre[i0 + r]) * scale[i0 + r]
                    a = acc[r]
                    for b in range(n_b):
                        a[b] += wa * xl[b]
            for r in range(nr):
                out[i0 + r] = acc[r]

    @_kernel
    def transposed(d, key, mean, centre, scale, out):
        """out[j, :] = sum_i W_ij d[i, :] (W has d.shape[0] rows and out.shape[0] columns)."""
        n_rows, n_b = d.shape
        n_cols = out.shape[0]
        keys = np.empty(n_rows, np.uint64)
        for i in numba.prange(n_rows):
            keys[i] = row_key(key, i)
        for k in numba.prange((n_cols + 1) // 2):
            acc0 = np.zeros(n_b, np.float32)
            acc1 = np.zeros(n_b, np.float32)
            for i in range(n_rows):
                g0, g1 = normal_pair(element(keys[i], k))
                wa = mean[i] + (g0 - centre[i]) * scale[i]
                wb = mean[i] + (g1 - centre[i]) * scale[i]
                di = d[i]
                for b in range(n_b):
                    acc0[b] += wa * di[b]
                    acc1[b] += wb * di[b]
            out[2 * k] = acc0
            if 2 * k + 1 < n_cols:
                out[2 * k + 1] = acc1

    @_kernel
    def weight_row_sums(key, n_in, s1, s2):
        for i in numba.prange(s1.shape[0]):
            s1[i], s2[i] = row_sums(row_key(key, i), n_in)

    row_mean_var = device.row_statistics(_jit)

    @_kernel
    def row_moments(z, mean, var):
        for i in numba.prange(z.shape[0]):
            mean[i], var[i] = row_mean_var(z, i)

    return forward, transposed, weight_row_sums, row_moments, fill_weights


class CpuBackend(Backend):
    """numba ``njit(parallel=True)`` on the host's cores; arrays are numpy arrays."""

    name = "cpu"
    jit = staticmethod(_jit)

    def __init__(self):
        super().__init__()
        self._forward, self._transposed, self._row_sums, self._row_mom, self._fill = _matmul_kernels(self.rng)

    def description(self):
        return f"numba CPU, {numba.get_num_threads()} threads"

    def zeros(self, shape):
        return np.zeros(shape, dtype=np.float32)

    def to_device(self, arr):
        return np.ascontiguousarray(arr)

    def to_host(self, arr):
        return arr

    def memory_available(self):
        """Bytes a new host allocation can take (MemAvailable), 0 when unknown."""
        try:
            with open("/proc/meminfo") as fh:
                for line in fh:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def weight_matrix(self, key, scales, n_out, n_in):
        w = np.empty((n_out, n_in), np.float32)
        self._fill(np.uint64(key), *scales, w)
        return w

    def _compile_elementwise(self, body):
        def run(key, a, b, c, p, out):
            for i in numba.prange(out.shape[0]):
                out[i] = body(i, key, a, b, c, p)

        return _kernel(run), cached(numba.njit(run))

    def _launch(self, kernel, key, a, b, c, p, out):
        parallel, serial = kernel
        (parallel if out.shape[0] >= PARALLEL_MIN_ELEMENTS else serial)(key, a, b, c, p, out)

    def _weight_row_sums(self, key, n_out, n_in):
        s1, s2 = np.empty(n_out), np.empty(n_out)
        self._row_sums(np.uint64(key), n_in, s1, s2)
        return s1, s2

    def _row_moments(self, z):
        mean, var = np.empty(z.shape[0]), np.empty(z.shape[0])
        self._row_mom(z, mean, var)
        return mean, var

    def matmul(self, x, key, scales, out, transpose=False):
        """``out = W x`` (or ``W^T x``) with W hashed from ``key`` and ``scales = (mean, centre, scale)``."""
        kernel = self._transposed if transpose else self._forward
        kernel(x, np.uint64(key), *scales, out)
        return out

    def grid_cells(self, code, axes, slots, row0, row1, lambda_, alpha):
        n = (row1 - row0) * axes[1].shape[0]
        vmin, vmax = np.empty(n), np.empty(n)
        jmin, jmax, bad = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
        _grid_kernel()(code, *axes, slots, row0, row1, lambda_, alpha, vmin, jmin, vmax, jmax, bad)
        return vmin, jmin, vmax, jmax, bad
