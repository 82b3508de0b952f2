"""The backward pass: gradient growth per layer against the mean-field chi_1.

Evidence, not proof: see :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from snn_verify.errors import InputError

from ..backends.device import derive_key
from ..results import Result, seconds_text
from . import blocks
from .blocks import EVIDENCE, GRADIENT_CONFIGS, GRADIENTS, INPUTS, check_arguments, chi1_quad, get_activation, Layer, pooled_moments


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
    """``"selu:lecun,relu:he"`` -> ``[("selu", "lecun"), ("relu", "he")]`` (:class:`~snn_verify.errors.InputError` on an
    item without ``:``).

    >>> parse_configs("selu:lecun, tanh:xavier")
    [('selu', 'lecun'), ('tanh', 'xavier')]
    """
    configs = []
    for item in text.split(","):
        act, _, init = item.strip().partition(":")
        if not init:
            raise InputError(f"--configs: expected ACTIVATION:INIT, got {item!r}")
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
        check_arguments(act=act, init=init)
    check_arguments(sizes=(("depth", depth), ("width", width)), samples=samples)
    be = blocks.get_backend(backend)
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


