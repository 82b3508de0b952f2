"""The building blocks of the Monte-Carlo experiments: layers, pooled moments, z-scores,
dropout constants, argument checks.  See :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import math

import numpy as np

from snn_verify.errors import InputError
from snn_verify.theory.dropout import affine_correction, dropped_moments
from snn_verify.theory.parameters import ALPHA01, LAMBDA01

from ..backends import get_backend  # noqa: F401 (experiments call blocks.get_backend; a test substitutes it)
from ..backends.base import PATHS
from ..backends.device import DISTRIBUTIONS, derive_key

EVIDENCE = "Monte Carlo (float32 network, float64 statistics): evidence, not proof"
INITS = ("normalized", "lecun", "he", "xavier", "small")
#: standard deviation of the "small" initialisation
SMALL_STD = 0.01
#: key streams: one per kind of random number
WEIGHTS, INPUTS, DROPOUT, GATES, GRADIENTS = 1, 2, 3, 4, 5
DROPOUT_MODES = ("none", "alpha", "standard")
ZOO_ACTIVATIONS = ("selu", "relu", "leaky_relu", "elu", "tanh", "sigmoid")
ZOO_INITS = ("lecun", "he", "xavier", "small")
GRADIENT_CONFIGS = (("selu", "lecun"), ("relu", "he"), ("tanh", "xavier"))
#: start points (input mean, variance) of the deep trajectories
DEEP_STARTS = ((0.0, 1.0), (0.5, 3.0), (-0.3, 0.2))
#: widths of the finite-width experiment: dense where the error is resolvable, then to 65,536
FINITE_WIDTHS = (16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536)
#: SELU's negative saturation value, the value alpha dropout sets dropped units to
ALPHA_PRIME = -LAMBDA01 * ALPHA01


# --- building blocks ----------------------------------------------------------------------

def init_moments(init, n_in, n_out, omega=0.0, tau=1.0):
    """``(omega, tau, exact)``: the per-row weight sum and sum of squares an initialisation
    gives (exactly when ``exact``, else in expectation).

    >>> init_moments("he", 100, 100), init_moments("small", 100, 100)[1]
    ((0.0, 2.0, False), 0.01)
    """
    if init == "normalized":
        return omega, tau, True
    if init == "lecun":
        return omega, tau, False
    if init == "he":
        return 0.0, 2.0, False
    if init == "xavier":
        return 0.0, 2.0 * n_in / (n_in + n_out), False
    if init == "small":
        return 0.0, n_in * SMALL_STD**2, False
    raise InputError(f"unknown initialisation {init!r}; known: {', '.join(INITS)}")


class Layer:
    """A dense layer ``z = W x`` whose weights are hashed from ``(seed, stream, layer)``.

    ``path``: ``"stored"`` (W generated once, on first use, then BLAS), ``"hashed"`` (W
    regenerated inside every product) or ``"auto"`` (:meth:`Backend.layer_path`: stored when
    it fits in memory)."""

    def __init__(self, be, seed, layer, n_in, n_out, init="normalized", omega=0.0, tau=1.0, stream=WEIGHTS,
                 path="auto"):
        if path not in ("auto",) + PATHS:
            raise InputError(f"unknown path {path!r}; known: auto, {', '.join(PATHS)}")
        self.be, self.n_in, self.n_out = be, n_in, n_out
        self.omega, self.tau, exact = init_moments(init, n_in, n_out, omega, tau)
        self.key = derive_key(seed, stream, layer)
        self.scales = be.weight_scales(self.key, n_out, n_in, self.omega, self.tau, exact)
        self.path = be.layer_path(n_out, n_in) if path == "auto" else path
        self._w = None

    def __call__(self, x, out, transpose=False):
        if self.path == "hashed":
            return self.be.matmul(x, self.key, self.scales, out, transpose=transpose)
        if self._w is None:
            self._w = self.be.weight_matrix(self.key, self.scales, self.n_out, self.n_in)
        return self.be.stored_matmul(self._w, x, out, transpose=transpose)

    def release(self):
        """Free the stored weight matrix (it is generated again on the next call)."""
        self._w = None


def path_of(layers):
    """The path the ``layers`` took: ``stored``, ``hashed`` or both (``stored+hashed``)."""
    return "+".join(p for p in PATHS if any(layer.path == p for layer in layers))


def pooled_moments(y, chunk=4096, xp=np):
    """Mean and variance of ``y`` (units x samples) with standard errors (module docstring),
    reduced with the array namespace ``xp`` (numpy, or CuPy where ``y`` lives on a GPU).

    Returns ``(mean, var, stderr_mean, stderr_var)`` as floats; needs at least 2 samples.

    >>> rng = np.random.default_rng(0)
    >>> m, v, sm, sv = pooled_moments(rng.normal(1.0, 2.0, (50, 4000)))
    >>> abs(m - 1) < 5 * sm, abs(v - 4) < 5 * sv
    (True, True)
    """
    y = xp.asarray(y)
    n_units, n_b = y.shape
    if n_b < 2:
        raise ValueError("need at least 2 samples for standard errors")
    col1, col2 = xp.zeros(n_b), xp.zeros(n_b)
    row1, row2 = xp.empty(n_units), xp.empty(n_units)
    for r in range(0, n_units, chunk):
        part = y[r:r + chunk].astype(xp.float64)
        sq = part * part
        col1 += part.sum(axis=0)
        col2 += sq.sum(axis=0)
        row1[r:r + chunk] = part.mean(axis=1)
        row2[r:r + chunk] = sq.mean(axis=1)
    col1 /= n_units
    col2 /= n_units

    def stderr(col, row):
        between_units = float(row.var(ddof=1)) / n_units if n_units > 1 else 0.0
        return math.sqrt(float(col.var(ddof=1)) / n_b + between_units)

    mean = float(col1.mean())
    se_mean = stderr(col1, row1)
    var = float(col2.mean() - mean * mean + se_mean**2)
    return mean, var, se_mean, stderr(col2 - 2 * mean * col1, row2 - 2 * mean * row1)


def layer_moments(be, y):
    """:func:`pooled_moments` of the backend array ``y``, reduced where it lives."""
    return pooled_moments(be.asarray(y), xp=be.xp)


def z_scores(empirical, analytic, stderr):
    """``(empirical - analytic) / stderr`` per component (0 where both agree exactly)."""
    return [float((e - a) / s) if s > 0 else (0.0 if e == a else math.inf)
            for e, a, s in zip(empirical, analytic, stderr)]


def dropout_constants(mode, rate):
    """``(q, dropped value, scale, shift)`` for the dropout body, or None for ``"none"``.

    Alpha dropout: dropped units take alpha' = -lambda01 alpha01, then ``a x + b`` restores
    (0, 1) (:func:`snn_verify.theory.dropout.affine_correction`); standard (inverted) dropout: dropped
    units take 0, kept ones are scaled by 1/q.
    """
    if not 0 <= rate < 1:
        raise InputError(f"dropout rate must be in [0, 1) (got {rate})")
    if mode == "none" or rate == 0:
        if mode not in DROPOUT_MODES:
            raise InputError(f"unknown dropout {mode!r}; known: {', '.join(DROPOUT_MODES)}")
        return None
    q = 1.0 - rate
    if mode == "alpha":
        a, b = affine_correction(q, ALPHA_PRIME)
        return q, ALPHA_PRIME, float(a), float(b)
    if mode == "standard":
        return q, 0.0, 1.0 / q, 0.0
    raise InputError(f"unknown dropout {mode!r}; known: {', '.join(DROPOUT_MODES)}")


def dropout_moments(mode, rate, mean, var):
    """The moments after dropout of a unit with moments ``(mean, var)`` (exact, by the law of
    total variance: :func:`snn_verify.theory.dropout.dropped_moments`)."""
    c = dropout_constants(mode, rate)
    if c is None:
        return mean, var
    q, dropped, scale, shift = c
    return dropped_moments(q, dropped, scale, shift, mean, var)


def get_activation(name):
    """:func:`snn_verify.theory.activations.get`, imported on first use (sympy: about 0.3 s of
    start-up that the command line and the other experiments need not pay)."""
    from snn_verify.theory.activations import get

    return get(name)


def chi1_quad(*args):
    """:func:`snn_verify.theory.activations.chi1` (mean-field chi_1 by quadrature), imported on
    first use."""
    from snn_verify.theory.activations import chi1

    return chi1(*args)


def check_arguments(dist=None, init=None, act=None, sizes=(), samples=None):
    if samples is not None and int(samples) < 2:
        raise InputError(f"samples must be >= 2 for standard errors (got {samples})")
    if dist is not None and dist not in DISTRIBUTIONS:
        raise InputError(f"unknown input distribution {dist!r}; known: {', '.join(DISTRIBUTIONS)}")
    if init is not None:
        init_moments(init, 2, 2)
    if act is not None:
        get_activation(act)
    for name, v in sizes:
        if int(v) < 1:
            raise InputError(f"{name} must be >= 1 (got {v})")



def one_layer_stats(be, layer, x, z, y, seed, point, mu, nu, inputs):
    be.draw(x, derive_key(seed, INPUTS, 0, point), inputs, mu, math.sqrt(nu))
    layer(x, z)
    be.activation("selu", z, y)
    return layer_moments(be, y)
