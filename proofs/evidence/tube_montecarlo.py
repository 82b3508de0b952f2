r"""Evidence beside the certified tube: a forward pass of Gaussian inputs through the real
network (numpy, float64).  Not a proof.

Inputs: ``samples`` rows, every feature independent ``N(mean, var)`` (the box centre).  Each
layer applies ``h -> selu(h W^T + b)`` (SELU after every layer, as the tube does).  Per layer:

- the empirical pooled mean ``M = avg over units and samples of h`` and pooled variance
  ``V = avg(h^2) - M^2`` (the tube's ``avg_k (nu_k + mu_k^2) - M^2`` with sample moments);
  standard errors from ``batches`` independent batches (the spread of the batch statistics);
  z-scores against the tube's midpoints;
- per unit: the z-scores of the sample mean and variance against the unit's tube interval
  midpoint (standard errors ``sd/sqrt(N)`` and ``sqrt((m4 - v^2)/N)``), reported as the
  largest ``|z|`` and the share of units with ``|z| > 5``.

Where they disagree, the model's assumptions are what the numbers measure: a layer's inputs
are *not* independent in a real network (units share their inputs), and a finite width
leaves each unit's net input only approximately Gaussian.  The tube is a theorem about the
model; this says how well the model fits these weights.

Example
-------
>>> import numpy as np
>>> rows = forward([(np.eye(4), None)], [[0.0] * 4], [[1.0] * 4], samples=2048, seed=1)
>>> abs(rows[0]["z_mean"]) < 6
True
"""
from __future__ import annotations

import numpy as np

from snn_verify.theory.parameters import ALPHA01, LAMBDA01

SAMPLES, BATCHES, Z_LIMIT = 8192, 16, 5.0
#: the random stream is keyed by this tag and the seed: ``default_rng(seed)`` alone would
#: draw, for a network whose weights were drawn by ``default_rng(seed)`` too, inputs equal
#: to its first layer's rows (correlated with them, not independent)
STREAM = 0x7475_6265


def selu(x):
    return LAMBDA01 * np.where(x > 0, x, ALPHA01 * np.expm1(np.minimum(x, 0.0)))


def forward(weights, tube_means, tube_vars, mean=0.0, var=1.0, samples=SAMPLES, batches=BATCHES, seed=0,
            pooled=None, data=None, dropout=None):
    """Rows of per-layer evidence (module docstring).  ``weights``: ``[(W, b)]`` with ``W`` as
    (units, inputs); ``tube_means``/``tube_vars``: per layer, the per-unit midpoints of the
    tube; ``pooled``: per layer ``(M, V)`` midpoints of the tube (default: from the units);
    ``mean``, ``var``: scalars or one per feature; ``data``: input rows instead of Gaussians;
    ``dropout``: alpha dropout at this rate (training mode) after every layer but the last."""
    rng = np.random.default_rng([STREAM, seed])
    features = weights[0][0].shape[1]
    if data is not None:
        h = np.asarray(data, dtype=np.float64)
        samples = h.shape[0]
        batches = max(2, min(batches, samples // 2))
    else:
        h = mean + np.sqrt(var) * rng.standard_normal((samples, features))
    rows = []
    for i, ((w, b), tm, tv) in enumerate(zip(weights, tube_means, tube_vars)):
        z = h @ np.asarray(w, dtype=np.float64).T
        if b is not None:
            z += b
        h = selu(z)
        if dropout and i + 1 < len(weights):
            q = 1.0 - float(dropout)
            ap = -LAMBDA01 * ALPHA01
            a = (q + ap * ap * q * (1 - q)) ** -0.5
            keep = rng.random(h.shape) < q
            h = a * np.where(keep, h, ap) - a * (1 - q) * ap
        tm, tv = np.asarray(tm, dtype=float), np.asarray(tv, dtype=float)
        if pooled is not None:
            pm, pv = pooled[i]
        else:
            pm = float(tm.mean())
            pv = float(np.mean(tv + tm * tm) - pm * pm)
        parts = np.array_split(h, batches)
        bm = np.array([p.mean() for p in parts])
        bv = np.array([np.mean(p * p) - p.mean() ** 2 for p in parts])
        m_all = float(h.mean())
        v_all = float(np.mean(h * h) - m_all ** 2)
        se_m = float(bm.std(ddof=1) / np.sqrt(batches))
        se_v = float(bv.std(ddof=1) / np.sqrt(batches))
        um = h.mean(axis=0)
        c = h - um
        uv = np.mean(c * c, axis=0)
        m4 = np.mean(c ** 4, axis=0)
        zm = (um - tm) / np.maximum(np.sqrt(uv / samples), 1e-300)
        zv = (uv - tv) / np.maximum(np.sqrt(np.maximum(m4 - uv * uv, 0) / samples), 1e-300)
        rows.append({"layer": i + 1, "samples": samples, "mean": m_all, "se_mean": se_m,
                     "z_mean": (m_all - pm) / se_m if se_m > 0 else 0.0,
                     "variance": v_all, "se_variance": se_v, "z_variance": (v_all - pv) / se_v if se_v > 0 else 0.0,
                     "units_max_abs_z_mean": float(np.max(np.abs(zm))),
                     "units_max_abs_z_variance": float(np.max(np.abs(zv))),
                     "units_share_abs_z_over_5": [float(np.mean(np.abs(zm) > Z_LIMIT)), float(np.mean(np.abs(zv) > Z_LIMIT))],
                     "pooled_agrees_within_5_se": bool(abs(m_all - pm) <= Z_LIMIT * se_m and
                                                      abs(v_all - pv) <= Z_LIMIT * se_v)})
    return rows
