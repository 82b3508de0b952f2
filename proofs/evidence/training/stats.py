"""Statistics of training runs (numpy only): curve roughness, per-unit weight sums, ranks.

- roughness of a loss curve L_1..L_T: ``std(L_{t+1} - L_t) / mean(L)``, the spread of the
  step-to-step changes relative to the curve's level, and the scale-free
  ``std(log L_{t+1} - log L_t)``;
- per-unit omega_j = sum_i w_ij and tau_j = sum_i w_ij^2 over unit j's incoming weights (the
  paper's definitions; column j of a (fan-in, width) kernel);
- the fraction of units whose (omega, tau) lie in Theorem 1's box;
- average ranks of methods over data sets (rank 1 = most accurate, ties share the mean rank).
"""
from __future__ import annotations

import numpy as np

#: quantiles reported for omega and tau
QUANTILES = {"min": 0.0, "q05": 0.05, "median": 0.5, "q95": 0.95, "max": 1.0}


def roughness(loss):
    """std of successive differences over the mean, per curve (last axis).

    >>> roughness([1.0, 2.0, 1.0, 2.0])   # differences +1, -1, +1: std 0.943, mean 1.5
    0.6285393610547089
    >>> roughness([3.0, 2.0, 1.0])        # a straight line has no roughness
    0.0
    """
    loss = np.asarray(loss, dtype=float)
    r = np.std(np.diff(loss, axis=-1), axis=-1) / np.mean(loss, axis=-1)
    return float(r) if np.ndim(r) == 0 else r


def log_roughness(loss):
    """std of successive differences of log L, per curve: the spread of the relative
    step-to-step changes, which does not depend on the level the loss has reached.

    >>> round(log_roughness([1.0, 2.0, 1.0, 2.0]), 6)   # log 2 up, down, up: std log(2) sqrt(8) / 3
    0.653505
    """
    loss = np.asarray(loss, dtype=float)
    r = np.std(np.diff(np.log(loss), axis=-1), axis=-1)
    return float(r) if np.ndim(r) == 0 else r


def weight_sums(kernel):
    """``(omega, tau)``: per unit (column), the sum and the sum of squares of its incoming
    weights.

    >>> omega, tau = weight_sums(np.array([[0.6, 1.0], [-0.8, 0.0]]))
    >>> omega.round(12).tolist(), tau.round(12).tolist()
    ([-0.2, 1.0], [1.0, 1.0])
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    return kernel.sum(axis=0), (kernel ** 2).sum(axis=0)


def quantiles(values):
    """``{min, q05, median, q95, max}`` of ``values``."""
    q = np.quantile(np.asarray(values, dtype=float), list(QUANTILES.values()))
    return dict(zip(QUANTILES, (float(v) for v in q)))


def inside_fraction(omega, tau, box):
    """The fraction of units with omega in ``box.omega`` and tau in ``box.tau`` (closed)."""
    omega, tau = np.asarray(omega), np.asarray(tau)
    inside = (box.omega[0] <= omega) & (omega <= box.omega[1]) & (box.tau[0] <= tau) & (tau <= box.tau[1])
    return float(inside.mean())


def average_ranks(accuracy):
    """``{method: mean rank}`` from ``{dataset: {method: accuracy}}``; per data set the most
    accurate method has rank 1 and tied methods share their mean rank.

    >>> average_ranks({"a": {"x": 0.9, "y": 0.8, "z": 0.8}, "b": {"x": 0.5, "y": 0.7, "z": 0.6}})  # a: 1, 2.5, 2.5; b: 3, 1, 2
    {'x': 2.0, 'y': 1.75, 'z': 2.25}
    """
    from scipy.stats import rankdata

    methods = list(next(iter(accuracy.values())))
    ranks = np.array([rankdata([-accuracy[d][m] for m in methods]) for d in accuracy])
    return {m: float(r) for m, r in zip(methods, ranks.mean(axis=0))}
