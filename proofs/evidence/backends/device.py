r"""Device code written once and compiled by either backend (numba.njit or CUDA device functions).

Every function here is built by a factory that takes ``jit`` (``numba.njit`` for the CPU
backend, ``numba.cuda.jit(device=True)`` for CUDA), so the CPU and CUDA paths share the
kernel bodies and differ only in their loops (``proofs/backends/cpu.py``, ``cuda.py``).

Grids (:func:`grid_functions`)
------------------------------
``quantity(code, mu, omega, nu, tau, lambda_, alpha)`` evaluates one of :data:`GRID_QUANTITIES`
with the theory kernels (:func:`snn_verify.theory.kernels.make_kernels`); ``scan`` walks the inner two
axes of one cell of the plotting plane and reduces to ``(min, argmin, max, argmax,
nonfinite)``; ties go to the smaller index, so every backend returns the same arg point.

Counter-based random numbers (:func:`rng_functions`)
----------------------------------------------------
No generator state: every number is a hash of its coordinates.  ``mix64`` is the SplitMix64
finaliser (a bijection of 64-bit words).  A weight matrix has one *row key* per row,
``row_key(key, i) = mix64(key ^ mix64(i))``, and its entries come in pairs along the row,

.. math::

   h_{ik} = \mathrm{mix64}(\mathrm{row\_key}_i + (k+1)\,\gamma), \qquad
   (W_{i,2k}, W_{i,2k+1}) = \text{Box-Muller}(h_{ik}),

with ``gamma`` the golden-ratio increment of SplitMix64: the 24 high bits of ``h`` and 24
bits below them give two uniforms in (0, 1) and Box-Muller turns them into two independent
standard normals (float32; the 24-bit uniforms cut the tails at |x| = 5.9, a mass of 4e-9).  ``key`` itself is derived on the host from
``(seed, stream, layer)``, so a weight is keyed by (seed, layer, row, column) and is never
stored: a width of 65,536 needs no matrix in memory.  Elementwise draws (inputs, dropout
masks, output gradients) use ``element(key, i)`` for flat index ``i``.

Elementwise bodies (:func:`elementwise_bodies`, :func:`activation_body`)
------------------------------------------------------------------------
All have the signature ``body(i, key, a, b, c, p) -> value`` for element ``i`` of the output,
input arrays ``a, b, c`` (flat, float32) and a float64 parameter vector ``p``.  Activations
come from their one definition in the activation registry, compiled by numba
(:func:`snn_verify.theory.activations.scalar`).
"""
from __future__ import annotations

import functools
import math
from types import SimpleNamespace

import numpy as np

from snn_verify.theory.quantities import N_MOMENT_QUANTITIES, NAMES, SPECTRAL_NORM

#: what a grid can evaluate: every quantity of the registry, by code
GRID_QUANTITIES = NAMES
#: the moment quantities in code order, as ``quantity()`` below selects them (device code needs
#: literal positions; this guard ties them to the registry)
assert NAMES[:N_MOMENT_QUANTITIES] == ("mean", "variance", "variance_change"), NAMES

#: input distributions for the Monte Carlo (all standardised to mean 0, variance 1)
DISTRIBUTIONS = ("normal", "uniform", "skewed")

_U = np.uint64
#: SplitMix64 constants (Steele, Lea, Flood 2014)
GOLDEN = _U(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = _U(0xBF58476D1CE4E5B9), _U(0x94D049BB133111EB)
_S16, _S27, _S30, _S31, _S40 = _U(16), _U(27), _U(30), _U(31), _U(40)
_ONE = _U(1)
_SEED_TAG = _U(0x5EED5EED5EED5EED)
_MASK24 = _U(0xFFFFFF)
_F32 = np.float32
_HALF, _INV24 = _F32(0.5), _F32(1.0 / 16777216.0)
_TWO_PI, _MINUS_TWO = _F32(2.0 * math.pi), _F32(-2.0)
_SQRT3, _F1, _F2 = _F32(math.sqrt(3.0)), _F32(1.0), _F32(2.0)


def grid_functions(jit, kernels):
    """Grid evaluation and reduction device functions over ``kernels`` (a
    :func:`snn_verify.theory.kernels.make_kernels` namespace compiled for the same ``jit``)."""
    moments, jacobian, spectral_norm = kernels.moments, kernels.jacobian, kernels.spectral_norm
    inf = math.inf

    @jit
    def select4(k, a, b, c, d):
        if k == 0:
            return a
        if k == 1:
            return b
        if k == 2:
            return c
        return d

    @jit
    def quantity(code, mu, omega, nu, tau, lambda_, alpha):
        """``GRID_QUANTITIES[code]`` at one point (moments only where the Jacobian is not needed)."""
        if code < N_MOMENT_QUANTITIES:
            mean, var = moments(mu, omega, nu, tau, lambda_, alpha)
            return select4(code, mean, var, var - nu, var)
        mean, var, a, b, c, d = jacobian(mu, omega, nu, tau, lambda_, alpha)
        if code == SPECTRAL_NORM:
            return spectral_norm(a, b, c, d)
        return select4(code - SPECTRAL_NORM - 1, a, b, c, d)

    @jit
    def takes_min(v, j, best, best_j):
        """Does ``(v, j)`` beat ``(best, best_j)`` for the minimum (ties: smaller index)?"""
        return j >= 0 and (best_j < 0 or v < best or (v == best and j < best_j))

    @jit
    def takes_max(v, j, best, best_j):
        return j >= 0 and (best_j < 0 or v > best or (v == best and j < best_j))

    @jit
    def scan(code, ax_a, ax_b, ax_c, ax_d, slots, i_a, i_b, j0, j1, step, lambda_, alpha):
        """Reduce the points ``(ax_a[i_a], ax_b[i_b], ax_c[j // len(ax_d)], ax_d[j % len(ax_d)])``
        for ``j in range(j0, j1, step)``.  The axes are in plane order; ``slots[v]`` says which
        of them holds variable ``v`` of (mu, omega, nu, tau).  Non-finite values are counted
        and skipped.  Returns ``(min, argmin, max, argmax, nonfinite)`` (arg -1 when empty)."""
        kd = ax_d.shape[0]
        a = ax_a[i_a]
        b = ax_b[i_b]
        vmin, jmin, vmax, jmax, bad = inf, -1, -inf, -1, 0
        for j in range(j0, j1, step):
            c = ax_c[j // kd]
            d = ax_d[j % kd]
            v = quantity(code, select4(slots[0], a, b, c, d), select4(slots[1], a, b, c, d),
                         select4(slots[2], a, b, c, d), select4(slots[3], a, b, c, d), lambda_, alpha)
            if (v - v) != 0.0:  # nan or inf
                bad += 1
                continue
            if takes_min(v, j, vmin, jmin):
                vmin, jmin = v, j
            if takes_max(v, j, vmax, jmax):
                vmax, jmax = v, j
        return vmin, jmin, vmax, jmax, bad

    return SimpleNamespace(quantity=quantity, scan=scan, takes_min=takes_min, takes_max=takes_max)


def rng_functions(jit):
    """Counter-based random numbers (see the module docstring)."""

    @jit
    def mix64(z):
        z = (z ^ (z >> _S30)) * _MIX1
        z = (z ^ (z >> _S27)) * _MIX2
        return z ^ (z >> _S31)

    @jit
    def row_key(key, i):
        return mix64(key ^ mix64(_U(i)))

    @jit
    def element(key, k):
        return mix64(key + (_U(k) + _ONE) * GOLDEN)

    @jit
    def uniform_pair(h):
        """Two float32 uniforms in (0, 1) from bits 40-63 and 16-39 of ``h``."""
        u1 = (_F32(h >> _S40) + _HALF) * _INV24
        u2 = (_F32((h >> _S16) & _MASK24) + _HALF) * _INV24
        return u1, u2

    @jit
    def normal_pair(h):
        """Two independent standard normals (Box-Muller, float32)."""
        u1, u2 = uniform_pair(h)
        r = math.sqrt(_MINUS_TWO * math.log(u1))
        t = _TWO_PI * u2
        return r * math.cos(t), r * math.sin(t)

    @jit
    def standard_draw(dist, h):
        """Mean 0, variance 1: ``dist`` 0 normal, 1 uniform, 2 skewed (Exp(1) - 1: skewness 2,
        excess kurtosis 6)."""
        if dist == 0:
            return normal_pair(h)[0]
        u1, u2 = uniform_pair(h)
        if dist == 1:
            return _SQRT3 * (_F2 * u1 - _F1)
        return -math.log(u1) - _F1

    @jit
    def absorb(h, part):
        """Fold ``part`` into the key ``h`` (order-sensitive; a bijection of ``part``)."""
        return mix64(mix64(h + GOLDEN) ^ _U(part))

    @jit
    def weight_row_sums(rowkey, n_in):
        """``(sum_j r_j, sum_j r_j^2)`` of the raw normals of one weight row, float64."""
        s1 = 0.0
        s2 = 0.0
        for k in range((n_in + 1) // 2):
            r0, r1 = normal_pair(element(rowkey, k))
            a = np.float64(r0)
            s1 += a
            s2 += a * a
            if 2 * k + 1 < n_in:
                b = np.float64(r1)
                s1 += b
                s2 += b * b
        return s1, s2

    return SimpleNamespace(mix64=mix64, row_key=row_key, element=element, absorb=absorb, uniform_pair=uniform_pair,
                           normal_pair=normal_pair, standard_draw=standard_draw,
                           weight_row_sums=weight_row_sums)


@functools.lru_cache(maxsize=None)
def _host_rng():
    import numba

    from snn_verify.theory.jitcache import cached

    return rng_functions(lambda fn: cached(numba.njit(fn)))


def derive_key(seed, *parts):
    """The 64-bit key of ``(seed, *parts)`` (e.g. stream, layer), on the host with the same
    compiled ``mix64`` as the kernels: ``h = mix64(seed ^ SEED_TAG)``, then for each part
    ``h = absorb(h, part) = mix64(mix64(h + gamma) ^ part)`` (a bijection of the part for a
    given prefix, and order-sensitive).

    >>> keys = {int(derive_key(s, a, b)) for s in range(4) for a in range(4) for b in range(4)}
    >>> len(keys), int(derive_key(0, 1, 2)) == int(derive_key(0, 1, 2))
    (64, True)
    """
    rng = _host_rng()
    h = np.uint64(rng.mix64(np.uint64(seed % 2**64) ^ _SEED_TAG))
    for part in parts:
        h = np.uint64(rng.absorb(h, np.uint64(part)))
    return h


def elementwise_bodies(jit, rng):
    """The elementwise operations of the Monte Carlo, as ``body(i, key, a, b, c, p)``:

    - ``draw``: ``p[1] + p[2] * X`` with ``X`` standard of distribution ``p[0]`` (inputs, gradients)
    - ``dropout``: ``(a_i if U < p[0] else p[1]) * p[2] + p[3]``; alpha dropout is
      ``(q, alpha', a, b)``, standard dropout ``(q, 0, 1/q, 0)``
    - ``batchnorm``: ``(a_i - b_row) * c_row`` with ``row = i // p[0]`` (per-unit statistics)
    - ``highway``: ``a_i b_i + c_i (1 - b_i)``, i.e. ``H T + x (1 - T)``
    """
    element, standard_draw, uniform_pair = rng.element, rng.standard_draw, rng.uniform_pair

    @jit
    def draw(i, key, a, b, c, p):
        return p[1] + p[2] * standard_draw(int(p[0]), element(key, i))

    @jit
    def dropout(i, key, a, b, c, p):
        u = uniform_pair(element(key, i))[0]
        kept = a[i] if u < p[0] else p[1]
        return kept * p[2] + p[3]

    @jit
    def batchnorm(i, key, a, b, c, p):
        row = i // int(p[0])
        return (a[i] - b[row]) * c[row]

    @jit
    def highway(i, key, a, b, c, p):
        return a[i] * b[i] + c[i] * (1.0 - b[i])

    return {"draw": draw, "dropout": dropout, "batchnorm": batchnorm, "highway": highway}


def row_statistics(jit):
    """``row_mean_var(z, i)``: mean and (population) variance of row ``i`` of ``z``, two
    passes in float64 (batch normalisation's per-unit statistics over the samples)."""

    @jit
    def row_mean_var(z, i):
        n_b = z.shape[1]
        s = 0.0
        for b in range(n_b):
            s += z[i, b]
        m = s / n_b
        v = 0.0
        for b in range(n_b):
            v += (z[i, b] - m) ** 2
        return m, v / n_b

    return row_mean_var


def activation_body(jit, act, derivative=False):
    """``phi(a_i + p[0])`` (a bias, used by highway gates), or with ``derivative=True``
    ``phi'(a_i) b_i`` (the backward pass), for the :class:`snn_verify.theory.activations.Activation`
    ``act`` compiled from its one definition (the registry's); evaluated in float64 (``1 - tanh^2``
    loses digits in float32), stored in float32."""
    if derivative:
        dphi = act.scalar(jit, derivative=True)

        @jit
        def body(i, key, a, b, c, p):
            return dphi(np.float64(a[i])) * b[i]

        return body
    phi = act.scalar(jit)

    @jit
    def body(i, key, a, b, c, p):
        return phi(a[i] + p[0])

    return body
