"""The one-layer empirical map against g (a 21 x 21 grid over Omega, or one point).

Evidence, not proof: see :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from snn_verify.theory.selu_map import moment_map

from ..results import Result, field, seconds_text
from . import blocks
from .blocks import EVIDENCE, check_arguments, Layer, one_layer_stats, z_scores


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


def mesh(mu, nu, grid, omega, tau, stats, progress=None):
    """The ``grid x grid`` mesh of (mu, nu) against g: ``stats(i, j, m, v)`` gives point
    ``(i, j)``'s ``(mean, var, se_mean, se_var)``.  ``(mus, nus, analytic, empirical,
    stderr, z, points)`` of :class:`MapResult`."""
    mus, nus = np.linspace(mu[0], mu[1], grid), np.linspace(nu[0], nu[1], grid)
    shape = (grid, grid, 2)
    analytic = np.stack(moment_map(mus[:, None], omega, nus[None, :], tau), axis=-1)
    empirical, stderr, zs = (np.empty(shape) for _ in range(3))
    points = []
    for i, m in enumerate(mus):
        for j, v in enumerate(nus):
            mean, var, se_m, se_v = stats(i, j, m, v)
            g = [float(t) for t in analytic[i, j]]
            empirical[i, j], stderr[i, j] = (mean, var), (se_m, se_v)
            zs[i, j] = z_scores((mean, var), g, (se_m, se_v))
            points.append(MapPoint(float(m), float(v), g, [mean, var], [se_m, se_v], [float(t) for t in zs[i, j]]))
            if progress:
                progress(len(points), grid * grid)
    return mus, nus, analytic, empirical, stderr, zs, points


def map_grid(mu=(-0.1, 0.1), nu=(0.8, 1.5), grid=21, omega=0.0, tau=1.0, width=256, rows=None,
             samples=256, inputs="normal", weights="normalized", seed=0, backend="auto", progress=None,
             path="auto"):
    """The one-layer empirical map on a ``grid x grid`` mesh of (mu, nu), against g.

    One weight matrix (``rows x width``, layer 0 of ``seed``) serves every point; each point
    draws its own inputs.  ``path`` picks the layer's path (:class:`Layer`).  Returns a
    :class:`MapResult`.
    """
    check_arguments(inputs, weights, sizes=(("grid", grid), ("width", width)), samples=samples)
    rows = rows or width
    be = blocks.get_backend(backend)
    t0 = time.perf_counter()
    layer = Layer(be, seed, 0, width, rows, weights, omega, tau, path=path)
    x, z, y = be.zeros((width, samples)), be.zeros((rows, samples)), be.zeros((rows, samples))
    def stats(i, j, m, v):
        return one_layer_stats(be, layer, x, z, y, seed, i * grid + j, m, v, inputs)

    mus, nus, analytic, empirical, stderr, zs, points = mesh(mu, nu, grid, omega, tau, stats, progress)
    return MapResult(mus, nus, analytic, empirical, stderr, zs, points, float(np.max(np.abs(zs))), omega, tau,
                     width, rows, samples, inputs, weights, seed, time.perf_counter() - t0, be.description(),
                     path=layer.path)


