"""Finite width: error of a simulated layer against g as the width grows, log-log.

At each width ``n`` a layer of units with ``n`` skewed inputs (normalised weights) is
simulated at (mu, nu) = (0, 1); the error ``|empirical - g|`` is drawn with its standard
error, and the rate fitted to the signed errors (:func:`snn_verify.proofs.evidence.montecarlo.finite_width`).
The expected rate is ``1/n`` (the net input's fourth cumulant); widths whose error is below
the Monte-Carlo noise are drawn hollow.
"""
from __future__ import annotations

import numpy as np

from .common import COLORS, new_figure

NAME = "finite_width"
CAPTION = ("Finite width: the simulated layer's error against g falls with the fan-in n "
           "(log-log, fitted slope; hollow: below the Monte-Carlo noise).")


def data(opts):
    from snn_verify.proofs.evidence.montecarlo import finite_width

    kw = dict(widths=(16, 32, 64, 128, 256), outputs=1 << 16) if opts.quick else {}
    r = finite_width(seed=opts.seed, backend=opts.device, **kw)
    return {"widths": np.asarray(r.widths), "error": np.asarray(r.error), "stderr": np.asarray(r.stderr),
            "resolved": np.asarray(r.resolved), "slope": r.slope, "slope_stderr": r.slope_stderr,
            "amplitude": r.amplitude, "backend": r.backend}


def draw(d, opts):
    fig, axes = new_figure(ncols=1, width=4.6, height=3.5)
    ax = axes[0, 0]
    w = d["widths"]
    for k, (name, color) in enumerate((("mean", COLORS["analytic"]), ("var", COLORS["montecarlo"]))):
        res = d["resolved"][:, k].astype(bool)
        err, se = d["error"][:, k], d["stderr"][:, k]
        ax.errorbar(w[res], err[res], yerr=se[res], fmt="o", color=color, capsize=2)
        ax.errorbar(w[~res], np.maximum(err[~res], 1e-9), yerr=se[~res], fmt="o", mfc="none", color=color, capsize=2)
        ax.plot(w, se, ls=":", color=color, lw=0.8)
        slope = d["slope"][name]
        label = f"{name}: no rate (fewer than 2 widths resolved)"
        if slope is not None:
            fit = abs(d["amplitude"][name]) * (w / w[0]) ** slope
            ax.plot(w, fit, color=color, lw=1.2)
            label = f"{name}: slope {slope:.2f} +/- {d['slope_stderr'][name]:.2f}"
        ax.plot([], [], "o", color=color, label=label)
    ax.plot([], [], ls=":", color="grey", label="standard error (noise floor)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("width n (fan-in)")
    ax.set_ylabel("|simulated layer - g| at (0, 1)")
    ax.set_title("finite-width error of the moment map (expected rate 1/n)")
    ax.legend(fontsize=7)
    return fig
