r"""Monte-Carlo propagation through random networks: the empirical side of the moment map.

Every experiment runs on a backend from :func:`snn_verify.proofs.evidence.backends.get_backend` (numba CPU or
CUDA) with float32 arithmetic and counter-based random numbers keyed by (seed, stream, layer,
row, column).  A layer whose weight matrix fits in memory generates it once with that hash
and multiplies with BLAS (numpy; cuBLAS through CuPy on a GPU); wider layers regenerate
every weight inside the product kernel and store none (:class:`Layer`, ``path`` in every
result: ``stored`` or ``hashed``; both give the same weights, the sums agree to float32
rounding).  Each experiment is written once against the backend's array namespace ``xp``
(numpy or CuPy) and its kernels; statistics are reduced in float64 where the arrays live,
and only the few numbers go to the host.  Results are small frozen dataclasses (:mod:`.results`: ``to_json()``,
``render()``) defined beside the function that makes each, for ``figures/`` and the command
line; **evidence, not proof**.  Every result has ``seconds`` (wall time, including numba compilation on first use),
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
>>> bool(max(abs(r.z[0]), abs(r.z[1])) < 5)
True
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from snn_verify.theory.dropout import affine_correction, dropped_moments
from snn_verify.theory.parameters import ALPHA01, LAMBDA01
from snn_verify.theory.selu_map import moment_map

from .backends import get_backend
from .backends.base import PATHS
from .backends.device import DISTRIBUTIONS, derive_key
from .results import Result, field, seconds_text

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
    raise ValueError(f"unknown initialisation {init!r}; known: {', '.join(INITS)}")


class Layer:
    """A dense layer ``z = W x`` whose weights are hashed from ``(seed, stream, layer)``.

    ``path``: ``"stored"`` (W generated once, on first use, then BLAS), ``"hashed"`` (W
    regenerated inside every product) or ``"auto"`` (:meth:`Backend.layer_path`: stored when
    it fits in memory)."""

    def __init__(self, be, seed, layer, n_in, n_out, init="normalized", omega=0.0, tau=1.0, stream=WEIGHTS,
                 path="auto"):
        if path not in ("auto",) + PATHS:
            raise ValueError(f"unknown path {path!r}; known: auto, {', '.join(PATHS)}")
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


def _moments(be, y):
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
    return _moments(be, y)


@dataclass(frozen=True)
class MapPoint(Result):
    """The one-layer map at one point (mu, nu): ``analytic`` (g), ``empirical``, ``stderr``
    and ``z`` are ``[mean, var]`` lists."""

    mu: float
    nu: float
    analytic: list
    empirical: list
    stderr: list
    z: list

    def render(self):
        return (f"  {self.mu:+.4f}  {self.nu:.4f}  {self.analytic[0]:+.6f}  {self.analytic[1]:.6f}  "
                f"{self.empirical[0]:+.6f}  {self.empirical[1]:.6f}  {self.z[0]:+6.2f}  {self.z[1]:+6.2f}")


@dataclass(frozen=True)
class MapResult(Result):
    """:func:`map_grid`: coordinates ``mu``, ``nu``; arrays ``analytic``, ``empirical``,
    ``stderr``, ``z`` of shape ``(grid, grid, 2)`` indexed ``[i_mu, i_nu, (mean, var)]`` (in
    the JSON as ``points``, a list of :class:`MapPoint`), ``max_abs_z`` and the settings."""

    mu: np.ndarray
    nu: np.ndarray
    analytic: np.ndarray = field(json=False)
    empirical: np.ndarray = field(json=False)
    stderr: np.ndarray = field(json=False)
    z: np.ndarray = field(json=False)
    points: list = None
    max_abs_z: float = 0.0
    omega: float = 0.0
    tau: float = 1.0
    width: int = 0
    rows: int = 0
    samples: int = 0
    inputs: str = ""
    weights: str = ""
    seed: int = 0
    seconds: float = 0.0
    backend: str = ""
    evidence: str = EVIDENCE
    path: str = ""

    def render(self):
        worst = sorted(self.points, key=lambda p: -max(abs(z) for z in p.z))[:5]
        return "\n".join(
            [f"one-layer map, {len(self.points)} points, width {self.width}, {self.rows} units x {self.samples} "
             f"samples, {self.weights} weights, {self.inputs} inputs ({self.evidence})",
             f"largest |z| = {self.max_abs_z:.2f} (z = (empirical - g) / stderr, mean and variance)",
             "   mu        nu        g mean     g var      MC mean    MC var     z mean  z var"]
            + [p.render() for p in worst] + [seconds_text(self.seconds, self.backend)])


def one_layer(mu, nu, omega=0.0, tau=1.0, width=256, rows=None, samples=256, inputs="normal",
              weights="normalized", seed=0, backend="auto", path="auto"):
    """The empirical SELU map at one point: ``samples`` input vectors of ``width`` iid inputs
    (mean ``mu``, variance ``nu``, distribution ``inputs``) through ``rows`` SELU units
    (default ``width``) with weights ``weights``.

    Returns a :class:`MapPoint` (one point of :func:`map_grid`).
    """
    return map_grid((mu, mu), (nu, nu), 1, omega, tau, width, rows, samples, inputs, weights, seed,
                    backend, path=path).points[0]


def map_grid(mu=(-0.1, 0.1), nu=(0.8, 1.5), grid=21, omega=0.0, tau=1.0, width=256, rows=None,
             samples=256, inputs="normal", weights="normalized", seed=0, backend="auto", progress=None,
             path="auto"):
    """The one-layer empirical map on a ``grid x grid`` mesh of (mu, nu), against g.

    One weight matrix (``rows x width``, layer 0 of ``seed``) serves every point; each point
    draws its own inputs.  ``path`` picks the layer's path (:class:`Layer`).  Returns a
    :class:`MapResult`.
    """
    _check(inputs, weights, sizes=(("grid", grid), ("width", width)), samples=samples)
    rows = rows or width
    be = get_backend(backend)
    t0 = time.perf_counter()
    layer = Layer(be, seed, 0, width, rows, weights, omega, tau, path=path)
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
            points.append(MapPoint(float(m), float(v), g, [mean, var], [se_m, se_v], [float(t) for t in zs[i, j]]))
            if progress:
                progress(len(points), grid * grid)
    return MapResult(mus, nus, analytic, empirical, stderr, zs, points, float(np.max(np.abs(zs))), omega, tau,
                     width, rows, samples, inputs, weights, seed, time.perf_counter() - t0, be.description(),
                     path=layer.path)


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


@dataclass(frozen=True)
class DeepRun(Result):
    """One trajectory of :func:`deep`: ``(depth + 1, 2)`` arrays over layers (row 0 the
    inputs) of (mean, var)."""

    start: tuple
    dropout: str
    empirical: np.ndarray
    stderr: np.ndarray
    analytic: np.ndarray
    z: np.ndarray

    def render(self):
        depth = len(self.empirical) - 1
        lines = []
        for l in sorted({0, 1, depth // 2, depth}):
            e, a = self.empirical[l], self.analytic[l]
            z = max(abs(v) for v in self.z[l])
            lines.append(f"  ({self.start[0]:+.2f}, {self.start[1]:.2f})  {self.dropout:9s}  {l:5d}  "
                         f"{e[0]:+.5f}  {e[1]:.5f}  {a[0]:+.5f}  {a[1]:.5f}  {z:.2f}")
        return "\n".join(lines)


@dataclass(frozen=True)
class DeepResult(Result):
    """:func:`deep`: ``layers`` (0..depth), ``runs`` (:class:`DeepRun`) and the settings."""

    layers: np.ndarray
    runs: list
    depth: int
    width: int
    samples: int
    rate: float
    weights: str
    inputs: str
    seed: int
    seconds: float
    backend: str
    evidence: str = EVIDENCE
    path: str = ""

    def render(self):
        return "\n".join(
            [f"deep SELU network: {self.depth} layers of width {self.width}, {self.samples} samples, dropout rate "
             f"{self.rate} ({self.evidence})",
             "  start          dropout    layer  MC mean    MC var     g mean     g var      |z|"]
            + [run.render() for run in self.runs] + [seconds_text(self.seconds, self.backend)])


def deep(depth=32, width=512, samples=256, starts=DEEP_STARTS,
         dropout=DROPOUT_MODES, rate=0.1, weights="normalized", omega=0.0, tau=1.0, inputs="normal",
         seed=0, backend="auto", progress=None, path="auto"):
    """Mean/variance trajectories through ``depth`` SELU layers of ``width`` units.

    For every start ``(mu0, nu0)`` (the inputs' mean and variance) and every dropout mode
    in ``dropout`` (``none``, ``alpha``, ``standard``: training mode, rate ``rate``, a new
    mask per layer), the network (the same weights for all runs) is sampled with
    ``samples`` input vectors.  Returns a :class:`DeepResult`; its runs have ``(depth + 1, 2)``
    arrays (row 0 the inputs; row l the output of layer l after dropout), ``analytic`` the
    iterated map g followed by dropout's exact moments.

    The layers are the outer loop: each layer's weights are made once (``path``:
    :class:`Layer`) and applied to every run's activations, so at most one weight matrix is
    stored at a time.
    """
    _check(inputs, weights, sizes=(("depth", depth), ("width", width)), samples=samples)
    modes = [dropout] if isinstance(dropout, str) else list(dropout)
    for mode in modes:
        dropout_constants(mode, rate)
    be = get_backend(backend)
    t0 = time.perf_counter()
    runs = [(s, start, mode) for s, start in enumerate(starts) for mode in modes]
    xs = [be.zeros((width, samples)) for _ in runs]
    z = be.zeros((width, samples))
    emp, se = np.empty((len(runs), depth + 1, 2)), np.empty((len(runs), depth + 1, 2))
    for r, ((s, start, mode), x) in enumerate(zip(runs, xs)):
        be.draw(x, derive_key(seed, INPUTS, 0, s), inputs, start[0], math.sqrt(start[1]))
        emp[r, 0], se[r, 0] = np.split(np.array(_moments(be, x)), 2)
    consts = [dropout_constants(mode, rate) for _, _, mode in runs]
    for l in range(1, depth + 1):
        layer = Layer(be, seed, l, width, width, weights, omega, tau, path=path)
        for r, ((s, start, mode), x) in enumerate(zip(runs, xs)):
            layer(x, z)
            be.activation("selu", z, x)
            if consts[r]:
                be.dropout(x, derive_key(seed, DROPOUT, l, s), *consts[r], out=x)
            emp[r, l], se[r, l] = np.split(np.array(_moments(be, x)), 2)
        layer.release()
        if progress:
            progress(l * len(runs), depth * len(runs))
    results = []
    for r, (_, start, mode) in enumerate(runs):
        ana = analytic_trajectory(start, depth, layer.omega, layer.tau, mode, rate)
        with np.errstate(divide="ignore", invalid="ignore"):
            zs = (emp[r] - ana) / se[r]
        results.append(DeepRun(tuple(start), mode, emp[r], se[r], ana, zs))
    return DeepResult(np.arange(depth + 1), results, depth, width, samples, rate, weights, inputs, seed,
                      time.perf_counter() - t0, be.description(), path=layer.path)


# --- c. activation x initialisation zoo ---------------------------------------------------

@dataclass(frozen=True)
class ZooRun(Result):
    """One activation x initialisation of :func:`zoo`: ``(depth,)`` arrays over layers
    1..depth; ``gate`` and ``move`` only for highway nets (else None)."""

    mean: np.ndarray
    var: np.ndarray
    stderr_mean: np.ndarray
    stderr_var: np.ndarray
    frac_zero: np.ndarray
    frac_saturated: np.ndarray
    below: np.ndarray
    above: np.ndarray
    gate: np.ndarray = field(default=None, skip_none=True)
    move: np.ndarray = field(default=None, skip_none=True)
    histograms: np.ndarray = None

    def render(self, name):
        d = len(self.var)
        line = (f"  {name:18s}  {self.var[0]:10.4g}  {self.var[d // 2 - 1 if d > 1 else 0]:10.4g}  "
                f"{self.var[-1]:10.4g}  {self.mean[-1]:+10.4g}  {self.frac_saturated[-1]:10.3f}")
        if self.gate is not None:
            line += f"  {self.gate[-1]:7.3f}  {self.move[-1]:7.3f}"
        return line


@dataclass(frozen=True)
class ZooResult(Result):
    """:func:`zoo`: ``runs`` (``{"act/init": ZooRun}``), ``bin_edges`` and the settings.
    ``json_histograms`` (not itself in the JSON) says whether the JSON carries the
    histograms and their bin edges (``dataclasses.replace`` it to leave them out)."""

    bin_edges: np.ndarray
    runs: dict
    depth: int
    width: int
    samples: int
    batchnorm: bool
    highway_bias: float
    saturation: float
    seed: int
    seconds: float
    backend: str
    evidence: str = EVIDENCE
    path: str = ""
    json_histograms: bool = field(default=True, json=False)

    def to_json(self):
        out = super().to_json()
        if not self.json_histograms:
            del out["bin_edges"]
            for run in out["runs"].values():
                del run["histograms"]
        return out

    def render(self):
        highway = self.highway_bias is not None
        extra = (" highway (gate bias %g)" % self.highway_bias) if highway else ""
        lines = [f"activation x initialisation: {self.depth} layers{extra}{', batch norm' if self.batchnorm else ''}, "
                 f"width {self.width}, {self.samples} samples ({self.evidence})",
                 "  run                 var(1)      var(L/2)    var(L)      mean(L)     saturated(L)"
                 + ("  gate(L)  move(L)" if highway else "")]
        lines += [run.render(name) for name, run in self.runs.items()]
        lines.append(seconds_text(self.seconds, self.backend))
        return "\n".join(lines)


def zoo(activations=ZOO_ACTIVATIONS, inits=ZOO_INITS, depth=16, width=256, samples=256, batchnorm=False,
        highway_bias=None, bins=None, saturation=0.01, seed=0, backend="auto", progress=None, path="auto"):
    """Per-layer statistics of deep nets for every activation x initialisation.

    Inputs are Normal(0, 1); ``bins`` are histogram edges (default 80 bins on [-4, 4]).
    A plain layer is ``x <- phi(BN(W x))`` (BN, per unit over the
    batch without learned parameters, only with ``batchnorm``).  With ``highway_bias = b``
    every layer is a highway layer ``x <- H T + x (1 - T)``, ``H = phi(BN(W_H x))``,
    ``T = sigmoid(W_T x + b)`` (W_T from its own stream, same initialisation).

    Returns a :class:`ZooResult`; each run has ``(depth,)``
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
    xp = be.xp
    t0 = time.perf_counter()
    edges = np.linspace(-4.0, 4.0, 81) if bins is None else np.asarray(bins, dtype=float)
    edges_xp = xp.asarray(edges)
    shape = (width, samples)
    x, z, h = be.zeros(shape), be.zeros(shape), be.zeros(shape)
    t, y, d = be.zeros(shape), be.zeros(shape), be.zeros(shape)
    ones = be.to_device(np.ones(shape, np.float32))
    runs, paths = {}, set()
    total = len(activations) * len(inits) * depth
    for act in activations:
        for init in inits:
            be.draw(x, derive_key(seed, INPUTS, 0), "normal", 0.0, 1.0)
            stats = {k: np.empty(depth) for k in ("mean", "var", "stderr_mean", "stderr_var", "frac_zero",
                                                   "frac_saturated", "below", "above", "gate", "move")}
            hist = xp.empty((depth, len(edges) - 1), dtype=xp.int64)
            for l in range(1, depth + 1):
                layer = Layer(be, seed, l, width, width, init, path=path)
                layer(x, z)
                paths.add(layer.path)
                if batchnorm:
                    be.batchnorm(z, z)
                be.activation(act, z, h)
                if highway_bias is not None:
                    Layer(be, seed, l, width, width, init, stream=GATES, path=path)(x, t)
                    be.activation("sigmoid", t, t, bias=highway_bias)
                    be.highway(h, t, x, y)
                    x_in, x_out = be.asarray(x), be.asarray(y)
                    stats["gate"][l - 1] = float(xp.mean(be.asarray(t), dtype=xp.float64))
                    stats["move"][l - 1] = float(xp.linalg.norm(x_out - x_in) / xp.linalg.norm(x_in))
                    x, y = y, x
                else:
                    x, h = h, x
                    x_out = be.asarray(x)
                be.activation_grad(act, z, ones, d)          # phi'(z), evaluated in float64
                i = l - 1
                (stats["mean"][i], stats["var"][i], stats["stderr_mean"][i],
                 stats["stderr_var"][i]) = pooled_moments(x_out, xp=xp)
                stats["frac_zero"][i] = float(xp.mean(x_out == 0))
                stats["frac_saturated"][i] = float(xp.mean(xp.abs(be.asarray(d)) < saturation))
                hist[i] = xp.histogram(x_out, edges_xp)[0]
                stats["below"][i] = float(xp.mean(x_out < edges[0]))
                stats["above"][i] = float(xp.mean(x_out > edges[-1]))
                if progress:
                    progress(len(runs) * depth + l, total)
            if highway_bias is None:
                stats["gate"] = stats["move"] = None
            runs[f"{act}/{init}"] = ZooRun(**stats, histograms=be.to_numpy(hist))
    return ZooResult(edges, runs, depth, width, samples, batchnorm, highway_bias, saturation, seed,
                     time.perf_counter() - t0, be.description(), path="+".join(p for p in PATHS if p in paths))


# --- d. backward pass ---------------------------------------------------------------------

@dataclass(frozen=True)
class GradientRun(Result):
    """One configuration of :func:`gradients` (see there)."""

    grad_sq: np.ndarray
    stderr: np.ndarray
    ratio: np.ndarray
    chi1: np.ndarray
    chi1_sampled: np.ndarray
    pre_mean: np.ndarray
    pre_var: np.ndarray
    growth_per_layer: float
    chi1_mean: float
    total_growth: float

    def render(self, name):
        return (f"  {name:14s} {self.growth_per_layer:12.4f}          {self.chi1_mean:12.4f}       "
                f"{self.total_growth:14.4g}")


@dataclass(frozen=True)
class GradientsResult(Result):
    """:func:`gradients`: ``runs`` (``{"act/init": GradientRun}``) and the settings."""

    runs: dict
    depth: int
    width: int
    samples: int
    seed: int
    seconds: float
    backend: str
    evidence: str = EVIDENCE
    path: str = ""

    def render(self):
        return "\n".join(
            [f"backward pass: {self.depth} layers of width {self.width}, {self.samples} samples, random output "
             f"gradient ({self.evidence})",
             "  run            measured growth/layer   chi_1 (mean field)   total E[g_0^2]/E[g_L^2]"]
            + [run.render(name) for name, run in self.runs.items()]
            + ["  (squared gradient norms; > 1 grows toward the input, < 1 vanishes)",
               seconds_text(self.seconds, self.backend)])


def parse_configs(text):
    """``"selu:lecun,relu:he"`` -> ``[("selu", "lecun"), ("relu", "he")]`` (ValueError on an item
    without ``:``).

    >>> parse_configs("selu:lecun, tanh:xavier")
    [('selu', 'lecun'), ('tanh', 'xavier')]
    """
    configs = []
    for item in text.split(","):
        act, _, init = item.strip().partition(":")
        if not init:
            raise ValueError(f"--configs: expected ACTIVATION:INIT, got {item!r}")
        configs.append((act, init))
    return configs


def gradients(configs=GRADIENT_CONFIGS, depth=32, width=512, samples=128, seed=0, backend="auto",
              progress=None, path="auto"):
    r"""Gradient norms per layer against the mean-field factor chi_1.

    For each ``(activation, init)``: inputs Normal(0, 1), ``depth`` layers
    ``x_l = phi(z_l)``, ``z_l = W_l x_{l-1}``; a random output gradient ``g_L`` ~ Normal(0, 1),
    back-propagated as ``g_{l-1} = W_l^T (phi'(z_l) g_l)``.  Mean field (gradient
    independence) predicts ``E[g_{l-1}^2] / E[g_l^2] = chi_1 = tau E[phi'(z_l)^2]``.

    Returns a :class:`GradientsResult`, each run with ``grad_sq`` and ``stderr``
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
    xp = be.xp
    t0 = time.perf_counter()
    shape = (width, samples)
    ones = be.to_device(np.ones(shape, np.float32))
    runs = {}
    for c, (act, init) in enumerate(configs):
        x = be.zeros(shape)
        be.draw(x, derive_key(seed, INPUTS, 0), "normal", 0.0, 1.0)
        layers = [Layer(be, seed, l, width, width, init, path=path) for l in range(1, depth + 1)]
        pre = []
        g, d = be.zeros(shape), be.zeros(shape)
        pre_mean, pre_var, chi_q, chi_s = (np.empty(depth) for _ in range(4))
        for l, layer in enumerate(layers):
            z = be.zeros(shape)
            layer(x, z)
            layer.release()        # one stored matrix at a time: the backward pass makes it again
            be.activation(act, z, x)
            pre.append(z)
            zx = be.asarray(z).astype(xp.float64)
            pre_mean[l], pre_var[l] = float(zx.mean()), float(zx.var())
            tau_col = layer.tau * layer.n_out / layer.n_in
            chi_q[l] = tau_col * float(chi1_quad(get_activation(act), pre_mean[l], 1.0, max(pre_var[l], 1e-300), 1.0))
            be.activation_grad(act, z, ones, d)          # phi'(z), evaluated in float64
            chi_s[l] = tau_col * float(xp.mean(xp.square(be.asarray(d).astype(xp.float64))))
        be.draw(g, derive_key(seed, GRADIENTS, 0), "normal", 0.0, 1.0)
        grad_sq, se = np.empty(depth + 1), np.empty(depth + 1)
        grad_sq[depth], _, se[depth], _ = pooled_moments(xp.square(be.asarray(g)), xp=xp)
        for l in range(depth, 0, -1):
            be.activation_grad(act, pre[l - 1], g, d)
            layers[l - 1](d, g, transpose=True)
            layers[l - 1].release()
            grad_sq[l - 1], _, se[l - 1], _ = pooled_moments(xp.square(be.asarray(g)), xp=xp)
            if progress:
                progress(c * depth + (depth - l + 1), len(configs) * depth)
        ratio = grad_sq[:-1] / grad_sq[1:]
        runs[f"{act}/{init}"] = GradientRun(grad_sq, se, ratio, chi_q, chi_s, pre_mean, pre_var,
                                            float(np.exp(np.mean(np.log(ratio)))),
                                            float(np.exp(np.mean(np.log(chi_q)))),
                                            float(grad_sq[0] / grad_sq[depth]))
    return GradientsResult(runs, depth, width, samples, seed, time.perf_counter() - t0, be.description(),
                           path=layers[0].path)


# --- e. finite width ----------------------------------------------------------------------

@dataclass(frozen=True)
class WidthResult(Result):
    """:func:`finite_width` (see there)."""

    widths: np.ndarray
    analytic: np.ndarray
    empirical: np.ndarray
    stderr: np.ndarray
    error: np.ndarray
    resolved: np.ndarray
    slope: dict
    slope_stderr: dict
    amplitude: dict
    rows: list
    samples: list
    mu: float
    nu: float
    omega: float
    tau: float
    inputs: str
    weights: str
    seed: int
    seconds: float
    backend: str
    evidence: str = EVIDENCE
    path: list = None

    def render(self):
        lines = [f"finite width: one SELU layer at (mu, nu) = ({self.mu:g}, {self.nu:g}), {self.inputs} inputs, "
                 f"{self.weights} weights ({self.evidence})",
                 "  width    units  samples  |err mean|   stderr      |err var|    stderr      resolved"]
        for k, w in enumerate(self.widths):
            e, s, res = self.error[k], self.stderr[k], self.resolved[k]
            lines.append(f"  {w:6d}  {self.rows[k]:6d}  {self.samples[k]:7d}  {e[0]:10.3g}  {s[0]:10.3g}  "
                         f"{e[1]:10.3g}  {s[1]:10.3g}  {'mean ' if res[0] else ''}{'var' if res[1] else ''}")
        for name in ("mean", "var"):
            slope, se = self.slope[name], self.slope_stderr[name]
            lines.append(f"  fitted rate ({name}): " + (f"error ~ width^({slope:.2f} +- {se:.2f})" if slope is not None
                                                        else "not fitted (fewer than 2 widths resolved)"))
        lines.append(seconds_text(self.seconds, self.backend))
        return "\n".join(lines)


def finite_width(widths=FINITE_WIDTHS, mu=0.0, nu=1.0, omega=0.0, tau=1.0, inputs="skewed",
                 weights="normalized", outputs=1 << 22, min_rows=128, max_rows=1024, seed=0, backend="auto",
                 progress=None, path="auto"):
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

    Returns a :class:`WidthResult`: ``widths``, ``analytic`` ([mean, var]), ``empirical``, ``stderr``, ``error``
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
    rows_used, samples_used, paths = [], [], []
    for k, width in enumerate(widths):
        rows = min(max(width, min_rows), max_rows)
        samples = max(2, outputs // rows)
        rows_used.append(rows)
        samples_used.append(samples)
        layer = Layer(be, seed, k, width, rows, weights, omega, tau, path=path)
        paths.append(layer.path)
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
    return WidthResult(np.asarray(widths), g, emp, se, err, resolved, slope, slope_se, amplitude, rows_used,
                       samples_used, mu, nu, omega, tau, inputs, weights, seed, time.perf_counter() - t0,
                       be.description(), path=paths)


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


@dataclass(frozen=True)
class NetInputRun(Result):
    """One fan-in of :func:`net_input_check`."""

    density: np.ndarray
    skewness: float
    excess_kurtosis: float
    map: MapPoint

    def render(self):
        return (f"skewness {self.skewness:+.3f}, excess kurtosis {self.excess_kurtosis:+.3f}, "
                f"z = ({self.map.z[0]:+.2f}, {self.map.z[1]:+.2f})")


@dataclass(frozen=True)
class NetInputResult(Result):
    """:func:`net_input_check`: ``runs`` (``{width: NetInputRun}``), the histogram's
    ``bin_edges`` and ``normal_density`` at the bin centres, and the settings."""

    bin_edges: np.ndarray
    normal_density: np.ndarray
    runs: dict
    inputs: str
    weights: str
    rows: int
    samples: int
    backend: str
    evidence: str = EVIDENCE

    def render(self):
        return "\n".join([f"net input at small fan-in, {self.inputs} inputs ({self.evidence})"]
                         + [f"  n = {n:5d}: {run.render()}" for n, run in self.runs.items()])


def net_input_check(widths=(5, 20, 100), inputs="skewed", weights="normalized", rows=64, samples=4096,
                    bins=None, seed=0, backend="auto"):
    """The central-limit assumption at small fan-in: the distribution of the net input
    ``z = sum_j w_j x_j`` for inputs of mean 0, variance 1 and normalised rows (omega = 0,
    tau = 1), where g assumes ``z ~ Normal(0, 1)``; ``bins`` are edges of the standardised
    net input (default 40 bins on [-4, 4]).

    Returns a :class:`NetInputResult` (each run's ``map`` the one-layer :class:`MapPoint` at
    (0, 1)).
    """
    _check(inputs, weights, sizes=[("width", w) for w in widths] + [("rows", rows)], samples=samples)
    be = get_backend(backend)
    edges = np.linspace(-4.0, 4.0, 41) if bins is None else np.asarray(bins, dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    g = [float(t) for t in moment_map(0.0, 0.0, 1.0, 1.0)]
    xp = be.xp
    runs = {}
    for k, width in enumerate(widths):
        layer = Layer(be, seed, k, width, rows, weights)
        x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
        mean, var, se_m, se_v = _one_layer_stats(be, layer, x, z, y, seed, k, 0.0, 1.0, inputs)
        zx = be.asarray(z).astype(xp.float64).ravel()
        c = zx - zx.mean()
        s2 = float(xp.mean(c * c))
        counts = be.to_numpy(xp.histogram(zx, xp.asarray(edges))[0])
        density = counts / counts.sum() / np.diff(edges)      # numpy's density=True
        point = MapPoint(0.0, 1.0, g, [mean, var], [se_m, se_v], z_scores((mean, var), g, (se_m, se_v)))
        runs[int(width)] = NetInputRun(density, float(xp.mean(c**3)) / s2**1.5, float(xp.mean(c**4)) / s2**2 - 3,
                                       point)
    return NetInputResult(edges, np.exp(-centres**2 / 2) / math.sqrt(2 * math.pi), runs, inputs, weights, rows,
                          samples, be.description())
