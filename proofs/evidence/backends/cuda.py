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
- **Stored layers and statistics** (:mod:`.base`): ``fill_weights`` generates a layer's W once
  with the same hash; the product is cuBLAS through CuPy, which views numba's device arrays
  without a copy (CUDA array interface), and the statistics reduce with CuPy on the device.
  CuPy is imported on first use; without it, layers stay hashed and statistics are reduced
  on the host.
- Kernels are compiled in every process (the CPU backend's on-disk cache, :mod:`snn_verify.theory.jitcache`,
  is not applied to numba-cuda's dispatchers yet).

Everything runs in numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) on tiny sizes; the
test suite compares it with the CPU backend there (``tests/cuda_sim_checks.py``).
"""
from __future__ import annotations

import contextlib
import functools
import types

import numpy as np
from numba import cuda, float32, float64, int64, uint64

from snn_verify.theory.kernels import make_kernels

from . import device
from .base import Backend

#: threads per block of the grid reduction (a power of two)
GRID_THREADS = 128
#: blocks per launch of the grid reduction (each strides over plane cells)
GRID_BLOCKS = 65535
#: output tile (rows x samples) and reduction step of the matrix product
TILE_R, TILE_B, TILE_K = 32, 64, 32
#: shared tile of weights, one padding column against bank conflicts.  A CUDA shared array's
#: shape must be a compile-time constant: an expression such as ``(TILE_R, TILE_K + 1)``
#: inside the kernel is typed as ``Tuple(Literal[int], int64)`` and the real compiler rejects
#: it (numba's simulator does not), so every shape is a module-level constant.
SHARED_A_SHAPE = (TILE_R, TILE_K + 1)
SHARED_X_SHAPE = (TILE_K, TILE_B)
GEMM_THREADS_X, GEMM_THREADS_Y = 32, 8
_GEMM_THREADS = GEMM_THREADS_X * GEMM_THREADS_Y
#: each thread accumulates a 4 x 2 register block: rows ty + 8m, samples tx + 32c
_ROWS_PER_THREAD = TILE_R // GEMM_THREADS_Y
_COLS_PER_THREAD = TILE_B // GEMM_THREADS_X
_ACC_SHAPE = (_ROWS_PER_THREAD, _COLS_PER_THREAD)
_PAIRS = TILE_R * TILE_K // 2
_ELEMENT_THREADS = 256


def _jit(fn):
    return cuda.jit(device=True)(fn)


def _kernel(fn):
    """A CUDA kernel (compiled per process: numba-cuda's ``cache=True`` keys closures by
    pickles that differ per process, see :mod:`snn_verify.theory.jitcache`; not yet cached)."""
    return cuda.jit(fn)


@functools.lru_cache(maxsize=None)
def _grid_kernel():
    g = device.grid_functions(_jit, make_kernels("cuda"))
    scan, takes_min, takes_max = g.scan, g.takes_min, g.takes_max

    @_kernel
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

    @_kernel
    def gemm(transpose, x, key, mean, centre, scale, out):
        """``out = A x`` with ``A = W`` (forward) or ``A = W^T`` (``transpose``), W hashed.

        W has ``mean.shape[0]`` rows; pairs of weights run along W's rows."""
        n_k, n_b = x.shape
        n_out = out.shape[0]
        n_w = mean.shape[0]
        s_a = cuda.shared.array(SHARED_A_SHAPE, float32)
        s_x = cuda.shared.array(SHARED_X_SHAPE, float32)
        s_key = cuda.shared.array(TILE_R, uint64)
        tx = cuda.threadIdx.x
        ty = cuda.threadIdx.y
        t = ty * GEMM_THREADS_X + tx
        r0 = cuda.blockIdx.y * TILE_R
        b0 = cuda.blockIdx.x * TILE_B
        acc = cuda.local.array(_ACC_SHAPE, float32)
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

    @_kernel
    def weight_row_sums(key, n_in, s1, s2):
        for i in range(cuda.grid(1), s1.shape[0], cuda.gridsize(1)):
            s1[i], s2[i] = row_sums(row_key(key, i), n_in)

    @_kernel
    def fill_weights(key, mean, centre, scale, w):
        """w[i, j] = W_ij, the same hashed weights as ``gemm`` (one thread per pair of a row)."""
        n_out, n_in = w.shape
        half = (n_in + 1) // 2
        for p in range(cuda.grid(1), n_out * half, cuda.gridsize(1)):
            i = p // half
            k = p % half
            g0, g1 = normal_pair(element(row_key(key, i), k))
            w[i, 2 * k] = mean[i] + (g0 - centre[i]) * scale[i]
            if 2 * k + 1 < n_in:
                w[i, 2 * k + 1] = mean[i] + (g1 - centre[i]) * scale[i]

    row_mean_var = device.row_statistics(_jit)

    @_kernel
    def row_moments(z, mean, var):
        for i in range(cuda.grid(1), z.shape[0], cuda.gridsize(1)):
            mean[i], var[i] = row_mean_var(z, i)

    return gemm, weight_row_sums, row_moments, fill_weights


@functools.lru_cache(maxsize=None)
def _cupy():
    """CuPy, or None where it is not installed (imported on first use only)."""
    try:
        import cupy
    except ImportError:
        return None
    return cupy


def _elementwise_kernel(body):
    """A grid-stride kernel ``out[i] = body(i, key, a, b, c, p)`` around one shared body."""
    @_kernel
    def run(key, a, b, c, p, out):
        for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
            out[i] = body(i, key, a, b, c, p)

    return run


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
        self._gemm, self._row_sums, self._row_mom, self._fill = _layer_kernels()
        cp = _cupy()
        from numba import config

        #: CuPy where it is installed and this is a real GPU, else numpy on the host
        self.xp = cp if cp is not None and not config.ENABLE_CUDASIM else np

    def self_test(self, cpu):
        """Run a tiny layer (forward and transposed) and grid reduction; ``None`` when they
        agree with the ``cpu`` backend, else what differs (one line).  Compile and launch
        errors propagate to the caller."""
        be = self
        x = np.linspace(-1.0, 1.0, 3 * 5, dtype=np.float32).reshape(3, 5)
        for transpose in (False, True):
            shape = (3, 4) if transpose else (4, 3)      # W; the output is 4 x 5 either way
            results = []
            for b in (cpu, be):
                scales = b.weight_scales(7, *shape)
                out = b.zeros((4, 5))
                results.append(np.asarray(b.to_host(b.matmul(b.to_device(x), 7, scales, out, transpose=transpose))))
            if not np.allclose(results[0], results[1], rtol=1e-4, atol=1e-5):
                return f"hashed-weight product (transpose={transpose}) differs from the CPU backend"
        axes = [np.array([v]) for v in (0.05, 0.02, 1.1, 1.03)]
        slots = np.arange(4, dtype=np.int64)
        from snn_verify.theory.parameters import ALPHA01, LAMBDA01
        from snn_verify.theory.quantities import code

        mean = code("mean")
        a = cpu.grid_cells(mean, axes, slots, 0, 1, LAMBDA01, ALPHA01)
        b = be.grid_cells(mean, axes, slots, 0, 1, LAMBDA01, ALPHA01)
        if not np.allclose(a[0], b[0], rtol=1e-12, atol=1e-15):
            return "grid reduction differs from the CPU backend"
        be.synchronize()
        return None

    def description(self):
        from numba import config

        if config.ENABLE_CUDASIM:
            return "numba CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"
        name = cuda.get_current_device().name
        return f"numba CUDA, {name.decode() if isinstance(name, bytes) else name}"

    def zeros(self, shape):
        return cuda.to_device(np.zeros(shape, dtype=np.float32))

    def asarray(self, arr):
        """A CuPy view of a numba device array (no copy); a host copy without CuPy."""
        if self.xp is np:
            return arr.copy_to_host() if hasattr(arr, "copy_to_host") else np.asarray(arr)
        return self.xp.asarray(arr)

    def to_numpy(self, arr):
        return self.xp.asnumpy(arr) if self.xp is not np else np.asarray(arr)

    @property
    def blas_available(self):
        return self.xp is not np

    def memory_available(self):
        try:
            return int(cuda.current_context().get_memory_info()[0])
        except Exception:  # noqa: BLE001 -- the simulator has no memory information
            return 0

    def weight_matrix(self, key, scales, n_out, n_in):
        w = cuda.device_array((n_out, n_in), np.float32)
        blocks, threads = _launch_1d(n_out * ((n_in + 1) // 2))
        self._fill[blocks, threads](np.uint64(key), *scales, w)
        return w

    def to_device(self, arr):
        return cuda.to_device(np.ascontiguousarray(arr))

    def to_host(self, arr):
        return arr.copy_to_host()

    def synchronize(self):
        cuda.synchronize()

    def _compile_elementwise(self, body):
        return _elementwise_kernel(body)

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


# --- the real compiler -----------------------------------------------------------------------

#: compute capabilities every kernel must compile for: Ampere (A100) and Hopper (H100/H200)
COMPUTE_CAPABILITIES = ((8, 0), (9, 0))


def kernel_signatures():
    """Every CUDA kernel of this backend with the argument types it is launched with:
    ``[(name, python_function, signature), ...]``.

    The device functions (the theory kernels, the hash, Box-Muller, the grid scan) are
    compiled as part of the kernels that call them; :func:`device_function_signatures` lists
    the theory kernels on their own as well, so that one no kernel calls is still compiled.
    """
    from numba import types as t

    from snn_verify.theory.activations import ACTIVATIONS

    f32v, f64v, i64v = t.float32[::1], t.float64[::1], t.int64[::1]
    f32m = t.float32[:, ::1]
    grid = _grid_kernel()
    gemm, row_sums, row_mom, fill = _layer_kernels()
    rows = [
        ("grid_cells", grid, (t.int64, f64v, f64v, f64v, f64v, i64v, t.int64, t.int64, t.float64, t.float64,
                              f64v, i64v, f64v, i64v, i64v)),
        ("gemm", gemm, (t.boolean, f32m, t.uint64, f32v, f32v, f32v, f32m)),
        ("weight_row_sums", row_sums, (t.uint64, t.int64, f64v, f64v)),
        ("row_moments", row_mom, (f32m, f64v, f64v)),
        ("fill_weights", fill, (t.uint64, f32v, f32v, f32v, f32m)),
    ]
    rng = device.rng_functions(_jit)
    bodies = dict(device.elementwise_bodies(_jit, rng))
    for act in ACTIVATIONS.values():
        for derivative in (False, True):
            bodies[f"{'grad' if derivative else 'act'}:{act.name}"] = device.activation_body(_jit, act, derivative)
    element_sig = (t.uint64, f32v, f32v, f32v, f64v, f32v)
    rows += [(f"elementwise[{name}]", _elementwise_kernel(body), element_sig) for name, body in bodies.items()]
    return [(name, kernel.py_func, sig) for name, kernel, sig in rows]


def device_function_signatures():
    """The theory kernels compiled for CUDA as device functions: ``[(name, function, sig)]``
    (all float64 scalars)."""
    from numba import types as t

    k = make_kernels("cuda")
    f = t.float64
    six, four = (f,) * 6, (f,) * 4
    return [(name, getattr(k, name).py_func, sig) for name, sig in (
        ("moments", six), ("partials", six), ("jacobian", six), ("gradient_factor", six),
        ("spectral_norm", four))]


def compile_all(cc=(9, 0)):
    """Compile every kernel and theory device function to PTX with numba-cuda's real NVVM
    compiler for compute capability ``cc`` (no GPU needed).  Returns ``[(name, error or
    None)]``; numba's simulator never does this, so only this catches code that the simulator
    runs and the compiler rejects."""
    results = []
    with _target_cc(cc):
        for name, fn, sig in kernel_signatures():
            results.append((name, _compile_error(fn, sig, cc, device=False)))
        for name, fn, sig in device_function_signatures():
            results.append((f"device:{name}", _compile_error(fn, sig, cc, device=True)))
    return results


@contextlib.contextmanager
def _target_cc(cc):
    """Let device functions called from a kernel compile for ``cc`` without a GPU.

    ``compile_ptx`` takes the target's compute capability, but numba-cuda compiles each
    device function that a kernel calls for ``get_current_device().compute_capability``,
    which needs a driver.  Where no device can be had, that one lookup answers ``cc``; on a
    machine with a GPU nothing is replaced."""
    from numba.cuda import dispatcher

    original = dispatcher.get_current_device
    if cuda.is_available():
        yield
        return
    dispatcher.get_current_device = lambda: types.SimpleNamespace(compute_capability=cc)
    try:
        yield
    finally:
        dispatcher.get_current_device = original


def _compile_error(fn, sig, cc, device):
    try:
        cuda.compile_ptx(fn, sig, device=device, cc=cc)
    except Exception as exc:  # noqa: BLE001 -- any failure is the answer
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None
