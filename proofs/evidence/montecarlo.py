r"""Monte-Carlo propagation through random networks: the empirical side of the moment map.

Every experiment runs on a backend from :func:`snn_verify.proofs.evidence.backends.get_backend` (numba CPU or
CUDA) with float32 arithmetic, counter-based random numbers keyed by (seed, stream, layer,
row, column) and weights generated inside the kernels (never stored).  Statistics are
accumulated on the host in float64.  Results are plain dicts of floats and numpy arrays,
documented per function, for ``figures/`` and the command line; **evidence, not proof**.
Every result has ``seconds`` (wall time, including numba compilation on first use),
``backend`` (which device ran it) and ``evidence`` (the label).  All sizes are parameters, so
a figure's ``--quick`` version can run in seconds.

Statistics of a layer
---------------------
A layer's output ``y`` has ``U units x B samples`` entries, a crossed design: the units of
one sample share its input vector, the samples seen by one unit share its weights.
:func:`pooled_moments` uses the per-sample (column) means ``Y_b`` and the per-unit (row)
means ``R_u``, and the two-way ("pigeonhole", Owen 2007) standard error, which counts both
sources of variation (conservatively, the residual twice):

.. math::

   \hat\mu = \bar y, \quad \mathrm{se}(\hat\mu)^2 = s^2_Y/B + s^2_R/U, \quad
   \hat\nu = \overline{y^2} - \bar y^2 + \mathrm{se}(\hat\mu)^2,

and the same for ``\hat\nu`` applied to ``y^2 - 2\bar y\,y`` (the delta method);
``se(mu)^2`` removes the bias of ``\bar y^2``.  So a z-score ``(empirical - analytic)/se``
compares with g the *expected* map over both inputs and weights: with random (``lecun``)
weights or non-Normal inputs each unit has its own small bias, and the spread of those
biases is part of the error bar.

Weights (``init``)
------------------
``normalized``: every row exactly has ``sum_j w_j = omega`` and ``sum_j w_j^2 = tau`` (the
paper's normalised weights); ``lecun``: iid Normal with those sums in expectation
(Normal(0, 1/n) for omega = 0, tau = 1); ``he``: Normal(0, 2/n); ``xavier``: Normal(0,
2/(n_in + n_out)) (the same as lecun for square layers); ``small``: Normal(0, 0.01^2).

Example
-------
>>> r = one_layer(0.0, 1.0, width=64, rows=64, samples=256, backend="cpu")
>>> bool(max(abs(r["z"][0]), abs(r["z"][1])) < 5)
True
"""
from __future__ import annotations

import math
import time

import numpy as np

from snn_verify.theory.activations import chi1 as chi1_quad
from snn_verify.theory.activations import get as get_activation
from snn_verify.theory.dropout import affine_correction, dropped_moments
from snn_verify.theory.parameters import ALPHA01, LAMBDA01
from snn_verify.theory.selu_map import moment_map

from .backends import get_backend
from .backends.device import DISTRIBUTIONS, derive_key

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
    raise ValueError(f"unknown initialisation {init!r}; known: {', '.join(INITS)}")


class Layer:
    """A dense layer ``z = W x`` whose weights are hashed from ``(seed, stream, layer)``."""

    def __init__(self, be, seed, layer, n_in, n_out, init="normalized", omega=0.0, tau=1.0, stream=WEIGHTS):
        self.be, self.n_in, self.n_out = be, n_in, n_out
        self.omega, self.tau, exact = init_moments(init, n_in, n_out, omega, tau)
        self.key = derive_key(seed, stream, layer)
        self.scales = be.weight_scales(self.key, n_out, n_in, self.omega, self.tau, exact)

    def __call__(self, x, out, transpose=False):
        return self.be.matmul(x, self.key, self.scales, out, transpose=transpose)


def pooled_moments(y, chunk=4096):
    """Mean and variance of ``y`` (units x samples) with standard errors (module docstring).

    Returns ``(mean, var, stderr_mean, stderr_var)`` as floats; needs at least 2 samples.

    >>> rng = np.random.default_rng(0)
    >>> m, v, sm, sv = pooled_moments(rng.normal(1.0, 2.0, (50, 4000)))
    >>> abs(m - 1) < 5 * sm, abs(v - 4) < 5 * sv
    (True, True)
    """
    y = np.asarray(y)
    n_units, n_b = y.shape
    if n_b < 2:
        raise ValueError("need at least 2 samples for standard errors")
    col1, col2 = np.zeros(n_b), np.zeros(n_b)
    row1, row2 = np.empty(n_units), np.empty(n_units)
    for r in range(0, n_units, chunk):
        part = y[r:r + chunk].astype(np.float64)
        sq = part * part
        col1 += part.sum(axis=0)
        col2 += sq.sum(axis=0)
        row1[r:r + chunk] = part.mean(axis=1)
        row2[r:r + chunk] = sq.mean(axis=1)
    col1 /= n_units
    col2 /= n_units

    def stderr(col, row):
        between_units = row.var(ddof=1) / n_units if n_units > 1 else 0.0
        return math.sqrt(col.var(ddof=1) / n_b + between_units)

    mean = float(col1.mean())
    se_mean = stderr(col1, row1)
    var = float(col2.mean() - mean * mean + se_mean**2)
    return mean, var, se_mean, stderr(col2 - 2 * mean * col1, row2 - 2 * mean * row1)


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
        raise ValueError(f"dropout rate must be in [0, 1) (got {rate})")
    if mode == "none" or rate == 0:
        if mode not in DROPOUT_MODES:
            raise ValueError(f"unknown dropout {mode!r}; known: {', '.join(DROPOUT_MODES)}")
        return None
    q = 1.0 - rate
    if mode == "alpha":
        a, b = affine_correction(q, ALPHA_PRIME)
        return q, ALPHA_PRIME, float(a), float(b)
    if mode == "standard":
        return q, 0.0, 1.0 / q, 0.0
    raise ValueError(f"unknown dropout {mode!r}; known: {', '.join(DROPOUT_MODES)}")


def dropout_moments(mode, rate, mean, var):
    """The moments after dropout of a unit with moments ``(mean, var)`` (exact, by the law of
    total variance: :func:`snn_verify.theory.dropout.dropped_moments`)."""
    c = dropout_constants(mode, rate)
    if c is None:
        return mean, var
    q, dropped, scale, shift = c
    return dropped_moments(q, dropped, scale, shift, mean, var)


def _check(dist=None, init=None, act=None, sizes=(), samples=None):
    if samples is not None and int(samples) < 2:
        raise ValueError(f"samples must be >= 2 for standard errors (got {samples})")
    if dist is not None and dist not in DISTRIBUTIONS:
        raise ValueError(f"unknown input distribution {dist!r}; known: {', '.join(DISTRIBUTIONS)}")
    if init is not None:
        init_moments(init, 2, 2)
    if act is not None:
        get_activation(act)
    for name, v in sizes:
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1 (got {v})")


# --- a. one-layer empirical map -----------------------------------------------------------

def _one_layer_stats(be, layer, x, z, y, seed, point, mu, nu, inputs):
    be.draw(x, derive_key(seed, INPUTS, 0, point), inputs, mu, math.sqrt(nu))
    layer(x, z)
    be.activation("selu", z, y)
    return pooled_moments(be.to_host(y))


def one_layer(mu, nu, omega=0.0, tau=1.0, width=256, rows=None, samples=256, inputs="normal",
              weights="normalized", seed=0, backend="auto"):
    """The empirical SELU map at one point: ``samples`` input vectors of ``width`` iid inputs
    (mean ``mu``, variance ``nu``, distribution ``inputs``) through ``rows`` SELU units
    (default ``width``) with weights ``weights``.

    Returns ``{"mu", "nu", "analytic": [mean, var] (g), "empirical": [mean, var],
    "stderr": [...], "z": [...]}`` (one point of :func:`map_grid`).
    """
    return map_grid((mu, mu), (nu, nu), 1, omega, tau, width, rows, samples, inputs, weights, seed,
                    backend)["points"][0]


def map_grid(mu=(-0.1, 0.1), nu=(0.8, 1.5), grid=21, omega=0.0, tau=1.0, width=256, rows=None,
             samples=256, inputs="normal", weights="normalized", seed=0, backend="auto", progress=None):
    """The one-layer empirical map on a ``grid x grid`` mesh of (mu, nu), against g.

    One weight matrix (``rows x width``, layer 0 of ``seed``) serves every point; each point
    draws its own inputs.  Returns a dict with ``mu``, ``nu`` (1-D coordinates), arrays
    ``analytic``, ``empirical``, ``stderr``, ``z`` of shape ``(grid, grid, 2)`` (indexed
    ``[i_mu, i_nu, (mean, var)]``), ``points`` (the same as a list of dicts with keys mu, nu,
    analytic, empirical, stderr, z), ``max_abs_z``, the settings, ``seconds``, ``backend``
    and ``evidence``.
    """
    _check(inputs, weights, sizes=(("grid", grid), ("width", width)), samples=samples)
    rows = rows or width
    be = get_backend(backend)
    t0 = time.perf_counter()
    layer = Layer(be, seed, 0, width, rows, weights, omega, tau)
    x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
    mus, nus = np.linspace(mu[0], mu[1], grid), np.linspace(nu[0], nu[1], grid)
    shape = (grid, grid, 2)
    analytic = np.stack(moment_map(mus[:, None], omega, nus[None, :], tau), axis=-1)
    empirical, stderr, zs = (np.empty(shape) for _ in range(3))
    points = []
    for i, m in enumerate(mus):
        for j, v in enumerate(nus):
            mean, var, se_m, se_v = _one_layer_stats(be, layer, x, z, y, seed, i * grid + j, m, v, inputs)
            g = [float(t) for t in analytic[i, j]]
            empirical[i, j], stderr[i, j] = (mean, var), (se_m, se_v)
            zs[i, j] = z_scores((mean, var), g, (se_m, se_v))
            points.append({"mu": float(m), "nu": float(v), "analytic": g, "empirical": [mean, var],
                           "stderr": [se_m, se_v], "z": list(zs[i, j])})
            if progress:
                progress(len(points), grid * grid)
    return {"mu": mus, "nu": nus, "analytic": analytic, "empirical": empirical, "stderr": stderr, "z": zs,
            "points": points, "max_abs_z": float(np.max(np.abs(zs))), "omega": omega, "tau": tau,
            "width": width, "rows": rows, "samples": samples, "inputs": inputs, "weights": weights,
            "seed": seed, "seconds": time.perf_counter() - t0, "backend": be.description(), "evidence": EVIDENCE}


# --- b. deep propagation ------------------------------------------------------------------

def analytic_trajectory(start, depth, omega=0.0, tau=1.0, dropout="none", rate=0.0):
    """``(depth + 1, 2)`` array: ``start`` then ``(mean, var)`` after each SELU layer (g at
    lambda01, alpha01) followed by dropout's exact moment map."""
    traj = np.empty((depth + 1, 2))
    traj[0] = start
    for layer in range(1, depth + 1):
        mean, var = (float(t) for t in moment_map(traj[layer - 1, 0], omega, traj[layer - 1, 1], tau))
        traj[layer] = dropout_moments(dropout, rate, mean, var)
    return traj


def deep(depth=32, width=512, samples=256, starts=((0.0, 1.0), (0.5, 3.0), (-0.3, 0.2)),
         dropout=DROPOUT_MODES, rate=0.1, weights="normalized", omega=0.0, tau=1.0, inputs="normal",
         seed=0, backend="auto", progress=None):
    """Mean/variance trajectories through ``depth`` SELU layers of ``width`` units.

    For every start ``(mu0, nu0)`` (the inputs' mean and variance) and every dropout mode
    in ``dropout`` (``none``, ``alpha``, ``standard``: training mode, rate ``rate``, a new
    mask per layer), the network (the same weights for all runs) is sampled with
    ``samples`` input vectors.  Returns ``{"layers": arange(depth + 1), "runs": [{"start",
    "dropout", "empirical", "stderr", "analytic", "z"}], ...}`` with ``(depth + 1, 2)``
    arrays (row 0 the inputs; row l the output of layer l after dropout), ``analytic`` the
    iterated map g followed by dropout's exact moments.
    """
    _check(inputs, weights, sizes=(("depth", depth), ("width", width)), samples=samples)
    modes = [dropout] if isinstance(dropout, str) else list(dropout)
    for mode in modes:
        dropout_constants(mode, rate)
    be = get_backend(backend)
    t0 = time.perf_counter()
    layers = [Layer(be, seed, l, width, width, weights, omega, tau) for l in range(1, depth + 1)]
    x, z = be.zeros((width, samples)), be.zeros((width, samples))
    runs = []
    total = len(starts) * len(modes) * depth
    for s, start in enumerate(starts):
        for mode in modes:
            const = dropout_constants(mode, rate)
            be.draw(x, derive_key(seed, INPUTS, 0, s), inputs, start[0], math.sqrt(start[1]))
            emp, se = np.empty((depth + 1, 2)), np.empty((depth + 1, 2))
            m, v, sm, sv = pooled_moments(be.to_host(x))
            emp[0], se[0] = (m, v), (sm, sv)
            for l, layer in enumerate(layers, start=1):
                layer(x, z)
                be.activation("selu", z, x)
                if const:
                    be.dropout(x, derive_key(seed, DROPOUT, l, s), *const, out=x)
                m, v, sm, sv = pooled_moments(be.to_host(x))
                emp[l], se[l] = (m, v), (sm, sv)
                if progress:
                    progress(len(runs) * depth + l, total)
            ana = analytic_trajectory(start, depth, layers[0].omega, layers[0].tau, mode, rate)
            with np.errstate(divide="ignore", invalid="ignore"):
                zs = (emp - ana) / se
            runs.append({"start": tuple(start), "dropout": mode, "empirical": emp, "stderr": se,
                         "analytic": ana, "z": zs})
    return {"layers": np.arange(depth + 1), "runs": runs, "depth": depth, "width": width, "samples": samples,
            "rate": rate, "weights": weights, "inputs": inputs, "seed": seed,
            "seconds": time.perf_counter() - t0, "backend": be.description(), "evidence": EVIDENCE}


# --- c. activation x initialisation zoo ---------------------------------------------------

def zoo(activations=ZOO_ACTIVATIONS, inits=ZOO_INITS, depth=16, width=256, samples=256, batchnorm=False,
        highway_bias=None, bins=None, saturation=0.01, seed=0, backend="auto", progress=None):
    """Per-layer statistics of deep nets for every activation x initialisation.

    Inputs are Normal(0, 1); ``bins`` are histogram edges (default 80 bins on [-4, 4]).
    A plain layer is ``x <- phi(BN(W x))`` (BN, per unit over the
    batch without learned parameters, only with ``batchnorm``).  With ``highway_bias = b``
    every layer is a highway layer ``x <- H T + x (1 - T)``, ``H = phi(BN(W_H x))``,
    ``T = sigmoid(W_T x + b)`` (W_T from its own stream, same initialisation).

    Returns ``{"bin_edges", "runs": {"act/init": {...}}, ...}``; each run has ``(depth,)``
    arrays over layers 1..depth: ``mean``, ``var``, ``stderr_mean``, ``stderr_var``,
    ``frac_zero`` (outputs exactly 0), ``frac_saturated`` (``|phi'(z)| < saturation``),
    ``below``/``above`` (fractions outside the bins), ``histograms`` (``(depth, bins)``
    counts), and for highway nets ``gate`` (mean of T) and ``move``
    (``||x_out - x_in|| / ||x_in||``, how far each layer moves its input).
    """
    for act in activations:
        _check(act=act)
    for init in inits:
        _check(init=init)
    _check(sizes=(("depth", depth), ("width", width)), samples=samples)
    be = get_backend(backend)
    t0 = time.perf_counter()
    edges = np.linspace(-4.0, 4.0, 81) if bins is None else np.asarray(bins, dtype=float)
    shape = (width, samples)
    x, z, h = be.zeros(shape), be.zeros(shape), be.zeros(shape)
    t, y = be.zeros(shape), be.zeros(shape)
    runs = {}
    total = len(activations) * len(inits) * depth
    for act in activations:
        dphi = get_activation(act).numpy(derivative=True)
        for init in inits:
            be.draw(x, derive_key(seed, INPUTS, 0), "normal", 0.0, 1.0)
            stats = {k: np.empty(depth) for k in ("mean", "var", "stderr_mean", "stderr_var", "frac_zero",
                                                   "frac_saturated", "below", "above", "gate", "move")}
            hist = np.empty((depth, len(edges) - 1), dtype=np.int64)
            for l in range(1, depth + 1):
                Layer(be, seed, l, width, width, init)(x, z)
                if batchnorm:
                    be.batchnorm(z, z)
                be.activation(act, z, h)
                if highway_bias is not None:
                    Layer(be, seed, l, width, width, init, stream=GATES)(x, t)
                    be.activation("sigmoid", t, t, bias=highway_bias)
                    be.highway(h, t, x, y)
                    x_in, x_out = be.to_host(x), be.to_host(y)
                    stats["gate"][l - 1] = float(np.mean(be.to_host(t), dtype=np.float64))
                    stats["move"][l - 1] = float(np.linalg.norm(x_out - x_in) / np.linalg.norm(x_in))
                    x, y = y, x
                else:
                    x, h = h, x
                    x_out = be.to_host(x)
                zh = be.to_host(z)
                i = l - 1
                (stats["mean"][i], stats["var"][i], stats["stderr_mean"][i],
                 stats["stderr_var"][i]) = pooled_moments(x_out)
                stats["frac_zero"][i] = float(np.mean(x_out == 0))
                with np.errstate(over="ignore", invalid="ignore"):
                    stats["frac_saturated"][i] = float(np.mean(np.abs(dphi(zh.astype(np.float64))) < saturation))
                hist[i], _ = np.histogram(x_out, edges)
                stats["below"][i] = float(np.mean(x_out < edges[0]))
                stats["above"][i] = float(np.mean(x_out > edges[-1]))
                if progress:
                    progress(len(runs) * depth + l, total)
            if highway_bias is None:
                del stats["gate"], stats["move"]
            runs[f"{act}/{init}"] = dict(stats, histograms=hist)
    return {"bin_edges": edges, "runs": runs, "depth": depth, "width": width, "samples": samples,
            "batchnorm": batchnorm, "highway_bias": highway_bias, "saturation": saturation, "seed": seed,
            "seconds": time.perf_counter() - t0, "backend": be.description(), "evidence": EVIDENCE}


# --- d. backward pass ---------------------------------------------------------------------

def gradients(configs=GRADIENT_CONFIGS, depth=32, width=512, samples=128, seed=0, backend="auto",
              progress=None):
    r"""Gradient norms per layer against the mean-field factor chi_1.

    For each ``(activation, init)``: inputs Normal(0, 1), ``depth`` layers
    ``x_l = phi(z_l)``, ``z_l = W_l x_{l-1}``; a random output gradient ``g_L`` ~ Normal(0, 1),
    back-propagated as ``g_{l-1} = W_l^T (phi'(z_l) g_l)``.  Mean field (gradient
    independence) predicts ``E[g_{l-1}^2] / E[g_l^2] = chi_1 = tau E[phi'(z_l)^2]``.

    Returns ``{"runs": {"act/init": {...}}, ...}``, each run with ``grad_sq`` and ``stderr``
    (``(depth + 1,)``: mean squared gradient per unit of ``x_0 .. x_L``), and over layers
    1..depth: ``ratio`` (measured ``E[g_{l-1}^2] / E[g_l^2]``), ``chi1`` (quadrature at
    the measured pre-activation mean and variance, Gaussian), ``chi1_sampled`` (``tau`` times
    the sample mean of ``phi'(z_l)^2``), ``pre_mean``, ``pre_var``; and summaries
    ``growth_per_layer`` (geometric mean of ``ratio``), ``chi1_mean`` (geometric mean of
    ``chi1``) and ``total_growth`` (``grad_sq[0] / grad_sq[depth]``).
    """
    for act, init in configs:
        _check(act=act, init=init)
    _check(sizes=(("depth", depth), ("width", width)), samples=samples)
    be = get_backend(backend)
    t0 = time.perf_counter()
    shape = (width, samples)
    runs = {}
    for c, (act, init) in enumerate(configs):
        phi_prime = get_activation(act).numpy(derivative=True)
        x = be.zeros(shape)
        be.draw(x, derive_key(seed, INPUTS, 0), "normal", 0.0, 1.0)
        layers = [Layer(be, seed, l, width, width, init) for l in range(1, depth + 1)]
        pre = []
        pre_mean, pre_var, chi_q, chi_s = (np.empty(depth) for _ in range(4))
        for l, layer in enumerate(layers):
            z = be.zeros(shape)
            layer(x, z)
            be.activation(act, z, x)
            pre.append(z)
            zh = be.to_host(z).astype(np.float64)
            pre_mean[l], pre_var[l] = float(zh.mean()), float(zh.var())
            tau_col = layer.tau * layer.n_out / layer.n_in
            chi_q[l] = tau_col * float(chi1_quad(get_activation(act), pre_mean[l], 1.0, max(pre_var[l], 1e-300), 1.0))
            with np.errstate(over="ignore", invalid="ignore"):
                chi_s[l] = tau_col * float(np.mean(phi_prime(zh) ** 2))
        g, d = be.zeros(shape), be.zeros(shape)
        be.draw(g, derive_key(seed, GRADIENTS, 0), "normal", 0.0, 1.0)
        grad_sq, se = np.empty(depth + 1), np.empty(depth + 1)
        grad_sq[depth], _, se[depth], _ = pooled_moments(np.square(be.to_host(g)))
        for l in range(depth, 0, -1):
            be.activation_grad(act, pre[l - 1], g, d)
            layers[l - 1](d, g, transpose=True)
            grad_sq[l - 1], _, se[l - 1], _ = pooled_moments(np.square(be.to_host(g)))
            if progress:
                progress(c * depth + (depth - l + 1), len(configs) * depth)
        ratio = grad_sq[:-1] / grad_sq[1:]
        runs[f"{act}/{init}"] = {
            "grad_sq": grad_sq, "stderr": se, "ratio": ratio, "chi1": chi_q, "chi1_sampled": chi_s,
            "pre_mean": pre_mean, "pre_var": pre_var,
            "growth_per_layer": float(np.exp(np.mean(np.log(ratio)))),
            "chi1_mean": float(np.exp(np.mean(np.log(chi_q)))),
            "total_growth": float(grad_sq[0] / grad_sq[depth]),
        }
    return {"runs": runs, "depth": depth, "width": width, "samples": samples, "seed": seed,
            "seconds": time.perf_counter() - t0, "backend": be.description(), "evidence": EVIDENCE}


# --- e. finite width ----------------------------------------------------------------------

def finite_width(widths=FINITE_WIDTHS, mu=0.0, nu=1.0, omega=0.0, tau=1.0, inputs="skewed",
                 weights="normalized", outputs=1 << 22, min_rows=128, max_rows=1024, seed=0, backend="auto",
                 progress=None):
    r"""Error of the one-layer empirical map against g as the width (fan-in) grows.

    At each width ``n``: ``rows = n`` clipped to ``[min_rows, max_rows]`` units with ``n``
    inputs each and ``samples = outputs // rows`` input vectors.  With Normal inputs and
    normalised weights the net input is exactly Normal, so only non-Normal inputs
    (``uniform``, ``skewed``) or random weights (``lecun``) show a finite-width error.  It
    is an average over units, each with its own bias: the net input's third cumulant
    ``kappa_3(x) sum_j w_j^3`` has a random sign per unit and averages out, its fourth
    ``kappa_4(x) sum_j w_j^4 ~ 3 kappa_4(x)/n`` does not, so the expected rate is ``1/n``.

    The error is *resolved* where ``|empirical - g|`` exceeds 3 standard errors.  The rate
    is fitted to the *signed* errors of all widths, ``empirical - g = c (n/n_0)^p`` weighted
    by their standard errors (scipy ``curve_fit``), so unresolved widths pull toward zero
    instead of being selected away (selecting the large errors flattens a log-log fit); it
    is fitted only where at least 2 widths are resolved.

    Returns ``widths``, ``analytic`` ([mean, var]), ``empirical``, ``stderr``, ``error``
    (``|empirical - g|``), ``resolved`` (``(len(widths), 2)`` arrays), ``slope``,
    ``slope_stderr`` and ``amplitude`` (``c``, the fitted error at the first width) as dicts
    with keys mean, var (None where not fitted), ``rows`` and ``samples`` (lists, per
    width), settings, ``seconds``, ``backend``.  The noise falls as ``1/sqrt(outputs)``
    while the error falls as ``1/n``: with the default budget the error is resolved up to n
    of about 100-300; larger widths (to 65,536) show it below the noise.
    """
    _check(inputs, weights, sizes=[("width", w) for w in widths] + [("outputs", outputs)])
    be = get_backend(backend)
    t0 = time.perf_counter()
    g = np.array([float(t) for t in moment_map(mu, omega, nu, tau)])
    n = len(widths)
    emp, se = np.empty((n, 2)), np.empty((n, 2))
    rows_used, samples_used = [], []
    for k, width in enumerate(widths):
        rows = min(max(width, min_rows), max_rows)
        samples = max(2, outputs // rows)
        rows_used.append(rows)
        samples_used.append(samples)
        layer = Layer(be, seed, k, width, rows, weights, omega, tau)
        x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
        m, v, sm, sv = _one_layer_stats(be, layer, x, z, y, seed, k, mu, nu, inputs)
        emp[k], se[k] = (m, v), (sm, sv)
        if progress:
            progress(k + 1, n)
    err = np.abs(emp - g)
    resolved = err > 3 * se
    slope, slope_se, amplitude = {}, {}, {}
    for c, name in enumerate(("mean", "var")):
        fit = _fit_rate(np.asarray(widths, dtype=float), emp[:, c] - g[c], se[:, c]) if resolved[:, c].sum() >= 2 \
            else None
        slope[name], slope_se[name], amplitude[name] = fit if fit else (None, None, None)
    return {"widths": np.asarray(widths), "analytic": g, "empirical": emp, "stderr": se, "error": err,
            "resolved": resolved, "slope": slope, "slope_stderr": slope_se, "amplitude": amplitude,
            "rows": rows_used,
            "samples": samples_used, "mu": mu, "nu": nu, "omega": omega, "tau": tau, "inputs": inputs,
            "weights": weights, "seed": seed, "seconds": time.perf_counter() - t0,
            "backend": be.description(), "evidence": EVIDENCE}


def _fit_rate(widths, signed, stderr):
    """``(p, se(p), c)`` of ``signed = c (n/n_0)^p`` by weighted least squares, or None when
    the fit does not converge."""
    from scipy.optimize import OptimizeWarning, curve_fit

    n0 = widths[0]
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error", OptimizeWarning)
            (c, p), cov = curve_fit(lambda n, c, p: c * (n / n0) ** p, widths, signed, p0=(signed[0], -1.0),
                                    sigma=stderr, absolute_sigma=True, maxfev=10_000)
    except (RuntimeError, OptimizeWarning):
        return None
    return float(p), float(np.sqrt(cov[1, 1])), float(c)


def net_input_check(widths=(5, 20, 100), inputs="skewed", weights="normalized", rows=64, samples=4096,
                    bins=None, seed=0, backend="auto"):
    """The central-limit assumption at small fan-in: the distribution of the net input
    ``z = sum_j w_j x_j`` for inputs of mean 0, variance 1 and normalised rows (omega = 0,
    tau = 1), where g assumes ``z ~ Normal(0, 1)``; ``bins`` are edges of the standardised
    net input (default 40 bins on [-4, 4]).

    Returns ``{"bin_edges", "normal_density" (at bin centres), "runs": {width: {"density",
    "skewness", "excess_kurtosis", "map": one-layer result at (0, 1)}}}``.
    """
    _check(inputs, weights, sizes=[("width", w) for w in widths] + [("rows", rows)], samples=samples)
    be = get_backend(backend)
    edges = np.linspace(-4.0, 4.0, 41) if bins is None else np.asarray(bins, dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    g = [float(t) for t in moment_map(0.0, 0.0, 1.0, 1.0)]
    runs = {}
    for k, width in enumerate(widths):
        layer = Layer(be, seed, k, width, rows, weights)
        x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
        mean, var, se_m, se_v = _one_layer_stats(be, layer, x, z, y, seed, k, 0.0, 1.0, inputs)
        zh = be.to_host(z).astype(np.float64).ravel()
        c = zh - zh.mean()
        s2 = np.mean(c * c)
        density, _ = np.histogram(zh, edges, density=True)
        runs[int(width)] = {"density": density, "skewness": float(np.mean(c**3) / s2**1.5),
                            "excess_kurtosis": float(np.mean(c**4) / s2**2 - 3),
                            "map": {"analytic": g, "empirical": [mean, var], "stderr": [se_m, se_v],
                                    "z": z_scores((mean, var), g, (se_m, se_v))}}
    return {"bin_edges": edges, "normal_density": np.exp(-centres**2 / 2) / math.sqrt(2 * math.pi),
            "runs": runs, "inputs": inputs, "weights": weights, "rows": rows, "samples": samples,
            "backend": be.description(), "evidence": EVIDENCE}
