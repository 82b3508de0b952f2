"""The operations every backend shares, written once over a backend's primitives
(:class:`Backend`); :mod:`.cpu` and :mod:`.cuda` implement the primitives.

Array namespace
---------------
Statistics and stored-weight products are written once against an array namespace ``xp``:
numpy on the CPU, CuPy on a GPU (sharing memory with numba's device arrays through the CUDA
array interface; imported only there, and without CuPy the CUDA backend reduces on the host
and keeps the hashed products).  ``asarray`` views a backend array in ``xp`` (no copy),
``to_numpy`` brings a (small) ``xp`` result to the host.

Layers: stored or hashed
------------------------
A layer ``z = W x`` has two paths (:data:`PATHS`): ``stored`` generates ``W`` once with the
counter-based hash (``weight_matrix``, the same numbers as the hashed products) and multiplies
with BLAS (``stored_matmul``: numpy's on the CPU, cuBLAS through CuPy on a GPU); ``hashed``
regenerates every weight inside the product kernel and never stores ``W`` (any width).
:meth:`Backend.layer_path` picks ``stored`` when BLAS is there and ``W`` takes at most
:data:`STORED_FRACTION` of the free memory.
"""
from __future__ import annotations

import numpy as np

from snn_verify.errors import InputError

from . import device

#: the two ways to apply a layer (see the module docstring)
PATHS = ("stored", "hashed")
#: the share of the free memory one stored weight matrix may take
STORED_FRACTION = 0.25


class Backend:
    """The operations written once over a backend's primitives.

    Subclasses set ``name``, ``jit`` (the device-function decorator) and implement
    ``zeros``, ``to_device``, ``to_host``, ``_compile_elementwise(body)``,
    ``_launch(kernel, key, a, b, c, p, out)``, ``_weight_row_sums``, ``_row_moments``,
    ``matmul``, ``weight_matrix``, ``memory_available`` and ``grid_cells`` (and, off the host,
    ``xp``, ``asarray``, ``to_numpy``, ``blas_available``).
    """

    name = "?"
    #: how many grid points one call of ``grid_cells`` should cover (progress granularity)
    grid_chunk_points = 1 << 22
    #: grid points per box when the caller gives none (seconds on this device)
    default_grid_points = 10_000_000

    def __init__(self):
        self.rng = device.rng_functions(self.jit)
        self._bodies = device.elementwise_bodies(self.jit, self.rng)
        self._kernels = {}
        self._dummy = self.zeros((1,))

    def synchronize(self):
        """Wait for queued device work (timings); nothing to wait for on the CPU."""

    # --- array namespace -----------------------------------------------------------------
    #: the array module of this backend's arrays (numpy here; CuPy on a GPU)
    xp = np

    def asarray(self, arr):
        """``arr`` (a backend array) as an ``xp`` array, without a copy."""
        return arr

    def to_numpy(self, arr):
        """A (small) ``xp`` array or scalar on the host."""
        return np.asarray(arr)

    @property
    def blas_available(self):
        """Can this backend multiply stored weights with a BLAS (``stored_matmul``)?"""
        return True

    def memory_available(self):
        """Bytes free for a new allocation on this device (0 when unknown)."""
        return 0

    def layer_path(self, n_out, n_in):
        """``"stored"`` when a float32 ``n_out x n_in`` matrix takes at most
        :data:`STORED_FRACTION` of the free memory and BLAS is there, else ``"hashed"``."""
        fits = 4 * n_out * n_in <= STORED_FRACTION * self.memory_available()
        return "stored" if fits and self.blas_available else "hashed"

    def stored_matmul(self, w, x, out, transpose=False):
        """``out = W x`` (or ``W^T x``) for a stored ``W`` (from :meth:`weight_matrix`), by BLAS."""
        xp = self.xp
        a = self.asarray(w)
        xp.matmul(a.T if transpose else a, self.asarray(x), out=self.asarray(out))
        return out

    def description(self):
        return self.name

    # --- elementwise ---------------------------------------------------------------------
    def _kernel(self, name):
        if name not in self._kernels:
            from snn_verify.theory.activations import get as get_activation

            kind, _, act = name.partition(":")
            body = self._bodies[kind] if not act else device.activation_body(
                self.jit, get_activation(act), derivative=(kind == "grad"))
            self._kernels[name] = self._compile_elementwise(body)
        return self._kernels[name]

    def _apply(self, name, out, a=None, b=None, c=None, p=(0.0,), key=0):
        flat = [self._flat(v) if v is not None else self._dummy for v in (a, b, c)]
        self._launch(self._kernel(name), np.uint64(key), *flat, np.asarray(p, dtype=np.float64),
                     self._flat(out))
        return out

    @staticmethod
    def _flat(arr):
        return arr.reshape(-1) if arr.ndim != 1 else arr

    def draw(self, out, key, dist="normal", mean=0.0, std=1.0):
        """Fill ``out`` with iid ``mean + std * X``, X standard from ``dist`` (see DISTRIBUTIONS)."""
        return self._apply("draw", out, p=(device.DISTRIBUTIONS.index(dist), mean, std), key=key)

    def activation(self, act, x, out, bias=0.0):
        """``out = phi(x + bias)`` for the activation named ``act``."""
        return self._apply(f"act:{act}", out, x, p=(bias,))

    def activation_grad(self, act, z, grad, out):
        """``out = phi'(z) * grad`` (one step of the backward pass)."""
        return self._apply(f"grad:{act}", out, z, grad)

    def dropout(self, y, key, q, dropped, scale, shift, out):
        """``out = (y if U < q else dropped) * scale + shift`` with U uniform, keyed by element."""
        return self._apply("dropout", out, y, p=(q, dropped, scale, shift), key=key)

    def batchnorm(self, z, out, eps=1e-5):
        """Per unit (row) over the samples (columns): ``(z - mean) / sqrt(var + eps)``."""
        mean, var = self._row_moments(z)
        inv = 1.0 / np.sqrt(var + eps)
        return self._apply("batchnorm", out, z, self.to_device(mean.astype(np.float32)),
                           self.to_device(inv.astype(np.float32)), p=(z.shape[1],))

    def highway(self, h, t, x, out):
        """``out = h t + x (1 - t)``."""
        return self._apply("highway", out, h, t, x)

    # --- weights -------------------------------------------------------------------------
    def weight_scales(self, key, n_out, n_in, omega=0.0, tau=1.0, exact=True):
        r"""Per-row ``(mean, centre, scale)`` with ``W_ij = mean_i + (r_ij - centre_i) scale_i``,
        ``r`` the hashed standard normals (float32 on the device).

        ``exact=True``: every row has ``sum_j W_ij = omega`` and ``sum_j W_ij^2 = tau`` up to
        float32 rounding: ``centre = rbar_i`` (the row's mean of r, rounded to float32),
        ``scale = sqrt((tau - omega^2/n)/S_i)`` with ``S_i = sum_j (r_ij - rbar_i)^2``, and
        ``mean = (omega - scale d_i)/n`` where ``d_i = sum_j (r_ij - centre_i)`` is what the
        rounding of the centre left (``sum_j (r_ij - c)^2 - (sum_j (r_ij - c))^2/n = S_i`` for
        any ``c``, so both sums come out exact).  Centring before scaling keeps rows with a
        tiny ``S_i`` (a small fan-in) accurate.  ``exact=False``: iid Normal(omega/n, tau/n -
        omega^2/n^2), which has those sums in expectation (LeCun-normal for omega = 0, tau = 1).
        """
        spread = tau / n_in - (omega / n_in) ** 2
        if spread <= 0:
            raise InputError(f"need tau > omega^2/n (got omega={omega}, tau={tau}, n={n_in})")
        if exact:
            if n_in < 2:
                raise InputError("exactly normalised rows need at least 2 inputs")
            s1, s2 = self._weight_row_sums(key, n_out, n_in)
            centre = (s1 / n_in).astype(np.float32)
            scale = np.sqrt(spread * n_in / (s2 - s1 * s1 / n_in)).astype(np.float32)
            mean = (omega - scale.astype(np.float64) * (s1 - n_in * centre.astype(np.float64))) / n_in
        else:
            mean = np.full(n_out, omega / n_in)
            centre = np.zeros(n_out)
            scale = np.full(n_out, np.sqrt(spread))
        return tuple(self.to_device(np.asarray(v, dtype=np.float32)) for v in (mean, centre, scale))

    def weights(self, key, scales, n_out, n_in):
        """The weight matrix ``W`` (n_out x n_in) as a host array, by applying the layer to the
        identity (for tests and small figures; the experiments never store it)."""
        eye = self.to_device(np.eye(n_in, dtype=np.float32))
        out = self.zeros((n_out, n_in))
        return self.to_host(self.matmul(eye, key, scales, out))
