"""Net-input checks: how Gaussian the net input of a unit is at small fan-in (the CLT behind g).

Evidence, not proof: see :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from snn_verify.theory.selu_map import moment_map

from ..results import Result
from . import blocks
from .blocks import EVIDENCE, check_arguments, Layer, one_layer_stats, z_scores
from .one_layer import MapPoint


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
    check_arguments(inputs, weights, sizes=[("width", w) for w in widths] + [("rows", rows)], samples=samples)
    be = blocks.get_backend(backend)
    edges = np.linspace(-4.0, 4.0, 41) if bins is None else np.asarray(bins, dtype=float)
    centres = (edges[:-1] + edges[1:]) / 2
    g = [float(t) for t in moment_map(0.0, 0.0, 1.0, 1.0)]
    xp = be.xp
    runs = {}
    for k, width in enumerate(widths):
        layer = Layer(be, seed, k, width, rows, weights)
        x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
        mean, var, se_m, se_v = one_layer_stats(be, layer, x, z, y, seed, k, 0.0, 1.0, inputs)
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
