"""Finite width: the gap between one layer's empirical moments and g, as a function of width.

Evidence, not proof: see :mod:`snn_verify.proofs.evidence.montecarlo`."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from snn_verify.theory.selu_map import moment_map

from ..results import Result, seconds_text
from . import blocks
from .blocks import EVIDENCE, FINITE_WIDTHS, check_arguments, Layer, one_layer_stats


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
    check_arguments(inputs, weights, sizes=[("width", w) for w in widths] + [("outputs", outputs)])
    be = blocks.get_backend(backend)
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
        m, v, sm, sv = one_layer_stats(be, layer, x, z, y, seed, k, mu, nu, inputs)
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


