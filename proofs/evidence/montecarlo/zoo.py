"""The activation x initialisation zoo: per-layer statistics of deep nets (and highway nets).

Evidence, not proof: see :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..backends.base import PATHS
from ..backends.device import derive_key
from ..results import Result, field, seconds_text
from . import blocks
from .blocks import EVIDENCE, GATES, INPUTS, ZOO_ACTIVATIONS, ZOO_INITS, check_arguments, Layer, pooled_moments


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
        check_arguments(act=act)
    for init in inits:
        check_arguments(init=init)
    check_arguments(sizes=(("depth", depth), ("width", width)), samples=samples)
    be = blocks.get_backend(backend)
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


