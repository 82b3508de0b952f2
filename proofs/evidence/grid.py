r"""Dense float64 grids of g, its Jacobian and spectral norm, reduced on the fly.

A grid over a box in (mu, omega, nu, tau) has ``k_v`` evenly spaced points per variable
(``numpy.linspace``, both ends included; an interval with ``lo == hi`` gets one point).
Two variables form the *plotting plane* (default mu and nu, the paper's Figure 2 axes);
each backend reduces, for every plane cell, the other two variables' points to the cell's
min/max and their arg points, so memory holds the plane and never the grid.  The global
extremes follow from the plane, and the plane itself (min and max over the other two
variables for each (mu, nu)) is there for plotting.

**Evidence, not proof**: a grid sees only its points, and float64 rounding is not bounded.
The interval certification (``proofs/`` of the certification engine) is the proof.

:func:`numpy_quantity` evaluates the same generated formulas with numpy and scipy
(``scipy.special.erfcx``) instead of the compiled kernels: the baseline of
``verify.py bench grid`` and an independent route for the tests.

Example
-------
>>> r = grid_extrema("variance", [(0, 0), (0, 0), (0.9, 1.1), (1, 1)], shape=(1, 1, 3, 1), backend="cpu")
>>> r.points, round(r.min, 6), r.argmax["nu"]
(3, 0.920735, 1.1)
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np

from snn_verify.errors import InputError
from snn_verify.proofs.claims import VARIABLES, Box
from snn_verify.theory import numbers
from snn_verify.theory.jacobian import spectral_norm as _spectral_norm_np
from snn_verify.theory.parameters import ALPHA01, LAMBDA01
from snn_verify.theory.quantities import (D1_OUTPUTS, JACOBIAN_ENTRIES, MOMENT_OUTPUTS, N_MOMENT_QUANTITIES,
                                          SPECTRAL_NORM)

from .backends import get_backend
from .backends.device import GRID_QUANTITIES
from .results import Result, field, point_text

#: label carried by every grid result
EVIDENCE = "float64 grid evaluation: evidence, not proof"
#: what ``verify.py grid`` reduces when given no quantity
DEFAULT_QUANTITY = "spectral_norm"


@dataclass(frozen=True)
class GridResult(Result):
    """Min and max of ``quantity`` over a dense grid (:func:`grid_extrema`).

    ``argmin``/``argmax`` are dicts over (mu, omega, nu, tau) (None where every value was
    non-finite); ``shape`` the points per variable; ``box`` the four intervals;
    ``seconds`` the reduction, ``compile_seconds`` the one-point warm-up; ``plane`` (only
    with ``keep_plane``) has ``axes`` (two names), their coordinates under those names and
    ``min``, ``max`` (2-D arrays: extremes over the other two variables)."""

    quantity: str
    min: float
    max: float
    argmin: dict
    argmax: dict
    points: int
    shape: dict
    nonfinite: int
    seconds: float
    compile_seconds: float
    backend: str
    lambda_: float = field(json_name="lambda")
    alpha: float = 0.0
    evidence: str = EVIDENCE
    box: dict = None
    plane: dict = field(default=None, skip_none=True)

    def render(self):
        shape = " x ".join(str(n) for n in self.shape.values())
        box = ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in self.box.items())
        return "\n".join([
            f"{self.quantity} over {box}",
            f"grid     {shape} = {self.points:,} points ({self.evidence})",
            f"min      {self.min:.15g} at {point_text(self.argmin)}",
            f"max      {self.max:.15g} at {point_text(self.argmax)}",
            f"skipped  {self.nonfinite} non-finite values",
            f"seconds  {self.seconds:.2f} ({self.backend})"])

    def extremum(self, kind):
        """``(value, arg point)`` of ``kind`` ``"min"`` or ``"max"``."""
        return (self.min, self.argmin) if kind == "min" else (self.max, self.argmax)


@dataclass(frozen=True)
class GridVerdict(Result):
    """What a grid says about a claim (:func:`claim_verdict`): ``extremum`` (the value that
    decides it), ``arg`` (where), ``margin`` (positive when the grid agrees), ``agrees``
    (evidence, not proof) and the ``grid`` result itself."""

    claim: str
    extremum: float
    arg: dict
    margin: float
    agrees: bool
    grid: GridResult = field(default=None, json=False)

    def render(self):
        return (f"{self.claim}: {self.extremum:.10g} at {point_text(self.arg)}, margin {self.margin:.4g} "
                f"({'agrees' if self.agrees else 'DISAGREES'}; {EVIDENCE})")


def _intervals(box):
    return box.intervals() if isinstance(box, Box) else [tuple(map(float, iv)) for iv in box]


def grid_shape(box, points):
    """Points per variable: ``k`` on every non-degenerate interval, the least ``k`` with
    ``k^d >= points`` (``d`` such intervals); 1 on degenerate ones.

    >>> grid_shape([(-1, 1), (0, 0), (1, 2), (1, 1)], 10)
    (4, 1, 4, 1)
    """
    ivs = _intervals(box)
    d = sum(1 for lo, hi in ivs if hi > lo)
    k = 1
    if d:
        k = max(2, int(round(points ** (1.0 / d))))
        while k**d < points:
            k += 1
        while k > 2 and (k - 1) ** d >= points:
            k -= 1
    return tuple(k if hi > lo else 1 for lo, hi in ivs)


def axes_of(box, shape):
    """The grid's coordinates per variable (numpy.linspace, both ends included)."""
    return [np.linspace(lo, hi, n) if n > 1 else np.array([lo]) for (lo, hi), n in zip(_intervals(box), shape)]


def default_plane(shape):
    """The plotting plane: mu and nu unless one of them has a single point, else the two
    variables with the most points."""
    if shape[0] > 1 and shape[2] > 1:
        return ("mu", "nu")
    order = sorted(range(4), key=lambda v: (-shape[v], v))
    return tuple(VARIABLES[v] for v in sorted(order[:2]))


def grid_extrema(quantity, box, points=None, shape=None, plane=None, backend="auto",
                 lambda_=LAMBDA01, alpha=ALPHA01, keep_plane=False, progress=None):
    """Min and max of ``quantity`` over a dense grid on ``box``, on the fly.

    ``quantity`` is one of :data:`GRID_QUANTITIES`; ``box`` a :class:`snn_verify.proofs.claims.Box` or
    four ``(lo, hi)`` pairs in the order (mu, omega, nu, tau); ``points`` the least number
    of points (default: the backend's ``default_grid_points``, 1e7 on the CPU and 1e9 on a
    GPU) or ``shape`` the points per variable.
    ``progress(done, total)`` is called after every chunk.

    Returns a :class:`GridResult` (``nonfinite``: points skipped as NaN/inf; with
    ``keep_plane`` also the plotting plane).
    """
    if quantity not in GRID_QUANTITIES:
        raise InputError(f"unknown quantity {quantity!r}; known: {', '.join(GRID_QUANTITIES)}")
    ivs = _intervals(box)
    Box(*ivs)  # validates: ordered intervals, nu > 0 and tau > 0
    be = get_backend(backend)
    shape = tuple(int(n) for n in shape) if shape is not None else grid_shape(ivs, points or be.default_grid_points)
    if len(shape) != 4 or min(shape) < 1:
        raise InputError(f"shape must be four positive counts (got {shape})")
    plane = tuple(plane or default_plane(shape))
    order = [VARIABLES.index(v) for v in plane] + [v for v in range(4) if VARIABLES[v] not in plane]
    slots = np.array([order.index(v) for v in range(4)], dtype=np.int64)
    axes = axes_of(ivs, shape)
    plane_axes = [axes[v] for v in order]
    ka, kb = len(plane_axes[0]), len(plane_axes[1])
    kd = len(plane_axes[3])
    inner = len(plane_axes[2]) * kd
    rows = max(1, be.grid_chunk_points // max(1, kb * inner))
    t0 = time.perf_counter()
    one = [ax[:1] for ax in plane_axes]
    code = GRID_QUANTITIES.index(quantity)
    be.grid_cells(code, one, slots, 0, 1, lambda_, alpha)  # compiles on first use
    compile_seconds = time.perf_counter() - t0
    # per plane cell: min, argmin, max, argmax (inner indices), nonfinite count
    cells = [np.empty(ka * kb, dtype) for dtype in (float, np.int64, float, np.int64, np.int64)]
    t0 = time.perf_counter()
    for row0 in range(0, ka, rows):
        row1 = min(ka, row0 + rows)
        for dst, src in zip(cells, be.grid_cells(code, plane_axes, slots, row0, row1, lambda_, alpha)):
            dst[row0 * kb:row1 * kb] = src
        if progress:
            progress(row1 * kb * inner, ka * kb * inner)
    seconds = time.perf_counter() - t0
    vmin, jmin, vmax, jmax, bad = cells

    def point(cell, j):
        idx = (cell // kb, cell % kb, j // kd, j % kd)
        return {VARIABLES[order[s]]: float(plane_axes[s][idx[s]]) for s in range(4)}

    def best(values, args, sign):
        valid = args >= 0
        if not valid.any():
            return float("nan"), None
        cell = int(np.flatnonzero(valid)[np.argmin(sign * values[valid])])
        return float(values[cell]), point(cell, int(args[cell]))

    lo, arg_lo = best(vmin, jmin, 1.0)
    hi, arg_hi = best(vmax, jmax, -1.0)
    kept = None
    if keep_plane:
        kept = {"axes": list(plane), plane[0]: plane_axes[0], plane[1]: plane_axes[1],
                "min": np.where(jmin >= 0, vmin, np.nan).reshape(ka, kb),
                "max": np.where(jmax >= 0, vmax, np.nan).reshape(ka, kb)}
    return GridResult(quantity, lo, hi, arg_lo, arg_hi, int(np.prod(shape)), dict(zip(VARIABLES, shape)),
                      int(bad.sum()), seconds, compile_seconds, be.description(), lambda_, alpha, EVIDENCE,
                      dict(zip(VARIABLES, (tuple(iv) for iv in ivs))), kept)


def claim_verdict(claim, result):
    """What a :class:`GridResult` says about a :class:`snn_verify.proofs.claims.Claim` over the
    same box, as a :class:`GridVerdict`: ``extremum`` is the max for ``<``, the min for ``>``;
    ``margin`` is bound - max, or min - bound."""
    value, arg = result.extremum(claim.extremum)
    margin = claim.bound - value if claim.relation == "<" else value - claim.bound
    return GridVerdict(claim.name, value, arg, margin, bool(margin > 0), result)


def claim_evidence(claim, points=None, backend="auto", progress=None):
    """:func:`grid_extrema` over ``claim``'s box and quantity, judged by :func:`claim_verdict`."""
    return claim_verdict(claim, grid_extrema(claim.quantity, claim.box, points=points, backend=backend,
                                             progress=progress))


# --- numpy + scipy evaluation of the same generated formulas (baseline, reference) --------

@functools.lru_cache(maxsize=None)
def _np_generated():
    return numbers.get("numpy").generated()


def numpy_quantity(quantity, mu, omega, nu, tau, lambda_=LAMBDA01, alpha=ALPHA01):
    """``quantity`` at arrays of points with numpy/scipy (no numba), the same generated
    formulas and the same ``m < 0`` / ``m >= 0`` choice as :mod:`snn_verify.theory.kernels`."""
    gen = _np_generated()
    mu, omega, nu, tau = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (mu, omega, nu, tau)))
    shape = mu.shape
    mu, omega, nu, tau = (v.ravel() for v in (mu, omega, nu, tau))
    m, s = mu * omega, np.sqrt(nu * tau)
    code = GRID_QUANTITIES.index(quantity)
    outputs = MOMENT_OUTPUTS if code < N_MOMENT_QUANTITIES else D1_OUTPUTS
    name, count = ("moments" if outputs is MOMENT_OUTPUTS else "moments_d1"), len(outputs)
    parts = np.empty((count, m.size))
    for suffix, sel in (("_mneg", m < 0), ("_mpos", m >= 0)):
        if sel.any():
            parts[:, sel] = gen[name + suffix](m[sel], s[sel], lambda_, alpha)
    mean, var = (parts[outputs.index(o)] for o in MOMENT_OUTPUTS)
    if code < N_MOMENT_QUANTITIES:
        value = {"mean": mean, "variance": var, "variance_change": var - nu}[quantity]
    else:
        factor = {"omega": omega, "tau": tau}
        a, b, c, d = (factor[f] * parts[D1_OUTPUTS.index(o)] for o, f in JACOBIAN_ENTRIES)
        if code == SPECTRAL_NORM:
            value = _spectral_norm_np(np.stack([np.stack([a, b], -1), np.stack([c, d], -1)], -2))
        else:
            value = (a, b, c, d)[code - SPECTRAL_NORM - 1]
    return value.reshape(shape)
