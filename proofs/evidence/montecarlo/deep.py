"""Deep propagation: the empirical (mean, variance) trajectory of a deep net against iterates of g.

Evidence, not proof: see :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from snn_verify.theory.selu_map import moment_map

from ..backends.device import derive_key
from ..results import Result, seconds_text
from . import blocks
from .blocks import DEEP_STARTS, DROPOUT, DROPOUT_MODES, EVIDENCE, INPUTS, check_arguments, dropout_constants, dropout_moments, Layer, layer_moments


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
    check_arguments(inputs, weights, sizes=(("depth", depth), ("width", width)), samples=samples)
    modes = [dropout] if isinstance(dropout, str) else list(dropout)
    for mode in modes:
        dropout_constants(mode, rate)
    be = blocks.get_backend(backend)
    t0 = time.perf_counter()
    runs = [(s, start, mode) for s, start in enumerate(starts) for mode in modes]
    xs = [be.zeros((width, samples)) for _ in runs]
    z = be.zeros((width, samples))
    emp, se = np.empty((len(runs), depth + 1, 2)), np.empty((len(runs), depth + 1, 2))
    for r, ((s, start, mode), x) in enumerate(zip(runs, xs)):
        be.draw(x, derive_key(seed, INPUTS, 0, s), inputs, start[0], math.sqrt(start[1]))
        emp[r, 0], se[r, 0] = np.split(np.array(layer_moments(be, x)), 2)
    consts = [dropout_constants(mode, rate) for _, _, mode in runs]
    for l in range(1, depth + 1):
        layer = Layer(be, seed, l, width, width, weights, omega, tau, path=path)
        for r, ((s, start, mode), x) in enumerate(zip(runs, xs)):
            layer(x, z)
            be.activation("selu", z, x)
            if consts[r]:
                be.dropout(x, derive_key(seed, DROPOUT, l, s), *consts[r], out=x)
            emp[r, l], se[r, l] = np.split(np.array(layer_moments(be, x)), 2)
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


