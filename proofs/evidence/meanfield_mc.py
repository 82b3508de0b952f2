r"""Finite width, as evidence: LeCun-type SELU networks sampled at widths 64 to 4096 against
the certified mean-field maps (issue 18, part 5).

Three measurements per width n, each over many independent networks (``W ~ N(0, s_w^2/n)``,
``b ~ N(0, s_b^2)``), compared with the mean-field prediction by a z-score
``(mean - prediction) / standard error``:

- **length**: inputs with second moment ``q0 = 3``; the pooled second moment after layer l
  against the iterate ``F^l(q0)`` of the length map;
- **correlation**: two inputs at ``q*`` with correlation ``c0``; their pooled correlation after
  layer l against ``C^l(c0)``;
- **gradient**: at ``q*``, a random vector back-propagated from the top; the per-layer factor
  ``||delta_{l-1}||^2 / ||delta_l||^2`` against ``chi_1``.

The mean-field maps are exact only as ``n -> infinity``; the measured gap (mean minus
prediction) is reported with ``n * gap``, which stays of order one if the gap is ``O(1/n)``.

Example
-------
>>> r = finite_width(widths=(64,), depth=4, nets=64)
>>> r.rows[0].width, abs(r.rows[0].length_z) < 6
(64, True)
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from snn_verify.theory import meanfield as mf
from snn_verify.theory.parameters import ALPHA01, LAMBDA01

WIDTHS = (64, 256, 1024, 4096)
DEPTH = 10
#: networks per width: BUDGET // width^2 (4 to 4096), so the work per width is about even
BUDGET = 2 ** 24


def _selu(z):
    return LAMBDA01 * np.where(z > 0, z, ALPHA01 * np.expm1(np.minimum(z, 0)))


def _dselu(z):
    return LAMBDA01 * np.where(z > 0, 1.0, ALPHA01 * np.exp(np.minimum(z, 0)))


@dataclass(frozen=True)
class WidthRow:
    """One width: the last layer's measurements, predictions and z-scores."""

    width: int
    nets: int
    length: float
    length_pred: float
    length_z: float
    corr: float
    corr_pred: float
    corr_z: float
    grad: float
    grad_pred: float
    grad_z: float

    def to_json(self):
        return dict(self.__dict__)


def _z(values, prediction):
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / math.sqrt(len(values))
    return float(values.mean()), float((values.mean() - prediction) / se) if se > 0 else 0.0


def _measure(n, nets, depth, sw2, sb2, q0, q_star, c0, rng):
    """Per-network measurements (arrays of shape (nets,)): q after the last layer from q0; the
    correlation after the last layer from c0 at q*; the mean per-layer gradient factor at q*.
    Each network carries three input columns (the length input and the correlated pair); the
    weights are float32 (their sampling dominates the cost), the sums float64."""
    chunk = max(1, min(nets, 2 ** 22 // (n * n)))
    qs, cs, gs = [], [], []
    for start in range(0, nets, chunk):
        k = min(chunk, nets - start)
        u = rng.standard_normal(size=(k, n, 3))
        x = np.stack([math.sqrt(q0) * u[..., 0], math.sqrt(q_star) * u[..., 1],
                      math.sqrt(q_star) * (c0 * u[..., 1] + math.sqrt(1 - c0 * c0) * u[..., 2])], -1)
        dphis, weights = [], []
        for _ in range(depth):
            W = rng.standard_normal(size=(k, n, n), dtype=np.float32)
            W *= np.float32(math.sqrt(sw2 / n))
            z = np.matmul(W, x.astype(np.float32)).astype(np.float64)
            if sb2:
                z += rng.normal(0.0, math.sqrt(sb2), size=(k, n, 1))
            x = _selu(z)
            dphis.append(_dselu(z[..., 1]))
            weights.append(W)
        qs.append(np.mean(x[..., 0] ** 2, axis=1))
        xa, xb = x[..., 1], x[..., 2]
        cs.append(np.mean(xa * xb, axis=1) / np.sqrt(np.mean(xa * xa, axis=1) * np.mean(xb * xb, axis=1)))
        delta = rng.standard_normal(size=(k, n))
        factors = []
        for W, d in zip(reversed(weights), reversed(dphis)):
            new = np.matmul((delta * d)[:, None, :].astype(np.float32), W)[:, 0, :].astype(np.float64)
            factors.append(np.sum(new * new, axis=1) / np.sum(delta * delta, axis=1))
            delta = new
        gs.append(np.mean(factors, axis=0))
    return np.concatenate(qs), np.concatenate(cs), np.concatenate(gs)


@dataclass(frozen=True)
class MonteCarloResult:
    """``verify.py meanfield --montecarlo``: one :class:`WidthRow` per width (evidence)."""

    rows: tuple
    depth: int
    q0: float
    c0: float
    sw2: float
    sb2: float
    seconds: float
    exit_code: int = 0

    def to_json(self):
        return {"depth": self.depth, "q0": self.q0, "c0": self.c0, "sw2": self.sw2, "sb2": self.sb2,
                "rows": [r.to_json() for r in self.rows], "seconds": round(self.seconds, 2)}

    def render(self):
        lines = [f"Finite width (evidence, not proof): {self.depth} SELU layers, s_w^2 = {self.sw2}, "
                 f"s_b^2 = {self.sb2}; last layer, mean over networks, z = (mean - mean field)/s.e., "
                 f"n*gap in brackets",
                 f"  {'width':>6} {'nets':>5}  {'q (from ' + format(self.q0, 'g') + ')':>26}  "
                 f"{'correlation (from ' + format(self.c0, 'g') + ')':>30}  {'gradient factor':>26}"]
        for r in self.rows:
            def cell(v, p, z):
                return f"{v:.5f} z={z:+5.1f} [{r.width * (v - p):+7.3f}]"
            lines.append(f"  {r.width:>6} {r.nets:>5}  {cell(r.length, r.length_pred, r.length_z):>26}  "
                         f"{cell(r.corr, r.corr_pred, r.corr_z):>30}  {cell(r.grad, r.grad_pred, r.grad_z):>26}")
        p = self.rows[0]
        lines.append(f"  mean field: q = F^{self.depth}(q0) = {p.length_pred:.5f}, c = C^{self.depth}(c0) = "
                     f"{p.corr_pred:.5f}, chi_1 = {p.grad_pred:.5f} ({self.seconds:.1f} s)")
        return "\n".join(lines)


def finite_width(widths=WIDTHS, depth=DEPTH, nets=None, sw2=1.0, sb2=0.0, q0=3.0, c0=0.5, seed=0):
    """Measure at each width (:data:`BUDGET` // width^2 networks, 4 to 4096, unless ``nets``)
    and compare with the mean-field maps of :mod:`snn_verify.theory.meanfield`."""
    start = time.perf_counter()
    q_star = mf.fixed_point(sw2, sb2)
    q_pred, c_pred = q0, c0
    for _ in range(depth):
        q_pred = mf.length_map(q_pred, sw2, sb2)
        c_pred = mf.correlation_map(c_pred, sw2, sb2, q=q_star)
    g_pred = mf.chi1(sw2, sb2, q=q_star)
    rng = np.random.default_rng(seed)
    rows = []
    for n in widths:
        k = nets or min(4096, max(4, BUDGET // (n * n)))
        qs, cs, gs = _measure(n, k, depth, sw2, sb2, q0, q_star, c0, rng)
        (lq, zq), (lc, zc), (lg, zg) = _z(qs, q_pred), _z(cs, c_pred), _z(gs, g_pred)
        rows.append(WidthRow(n, k, lq, q_pred, zq, lc, c_pred, zc, lg, g_pred, zg))
    return MonteCarloResult(tuple(rows), depth, q0, c0, sw2, sb2, time.perf_counter() - start)


@dataclass(frozen=True)
class WithMonteCarlo:
    """The certified mean-field result followed by the finite-width evidence; the exit status
    is the certified part's (evidence never fails a run)."""

    certified: object
    montecarlo: MonteCarloResult

    @property
    def exit_code(self):
        return self.certified.exit_code

    def to_json(self):
        return dict(self.certified.to_json(), montecarlo=self.montecarlo.to_json())

    def render(self):
        return self.certified.render() + "\n" + self.montecarlo.render()
