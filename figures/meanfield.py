"""LeCun initialisation in the mean field: the length map, the order-to-chaos curve, the
correlation map, and finite networks.

(a) The length map F(q) = E[selu(sqrt(s_w^2 q + s_b^2) Z)^2] at LeCun (s_w^2 = 1, s_b^2 = 0) and
its cobweb from q0 = 0.1 and q0 = 3.5: the certified theorem says every q > 0 converges
monotonically to q* = 1 (the enclosure of F is thinner than the line).  (b) The curve
chi_1(s_w^2, s_b^2) = 1 (float64 root finding, evidence) with its certified brackets
(:func:`snn_verify.proofs.rigorous.meanfield.phase_point`) and the SELU LeCun point.  (c) The
correlation map C(c) at (1, 0) and (1, 0.05) with its certified attracting fixed point c*.
(d) The pooled second moment per layer of random LeCun SELU networks (Monte Carlo, evidence) at
three widths against the iterated F.
"""
from __future__ import annotations

import numpy as np

from .common import new_figure

NAME = "meanfield"
CAPTION = ("LeCun-normal SELU networks in the mean field: (a) the length map F and its cobweb to the certified "
           "unique fixed point q* = 1; (b) the order-to-chaos curve chi_1 = 1 (line: float64; bars: certified "
           "brackets) and LeCun (1, 0) on the chaotic side; (c) the correlation map C(c) and its certified "
           "attracting fixed point c*; (d) the pooled second moment per layer of random networks at three widths "
           "(Monte Carlo, evidence) against the iterated F.")
SETTINGS = ((1.0, 0.0), (1.0, 0.05))


def _critical_sw2(sb2):
    """s_w^2 where chi_1 = 1 at ``sb2`` (float64); at s_b^2 = 0 the threshold
    2/(lambda^2 (1 + alpha^2)) below which no q* > 0 exists, where chi_1 tends to 1."""
    from scipy.optimize import brentq

    from snn_verify.theory import meanfield as mf
    from snn_verify.theory.parameters import ALPHA01, LAMBDA01

    if sb2 == 0:
        return 2.0 / (LAMBDA01 ** 2 * (1.0 + ALPHA01 ** 2))
    return brentq(lambda sw2: mf.chi1(sw2, sb2) - 1.0, 0.3, 1.4, xtol=1e-12)


def data(opts):
    from snn_verify.proofs.rigorous import meanfield as certified
    from snn_verify.theory import meanfield as mf

    quick = getattr(opts, "quick", False)
    seed = getattr(opts, "seed", 0)
    q = np.linspace(0.0, 4.0, 201)[1:]
    cobweb = {}
    for q0 in (0.1, 3.5):
        path = [q0]
        for _ in range(8):
            path.append(mf.length_map(path[-1]))
        cobweb[str(q0)] = path
    result = certified.run()
    c_star = {}
    for row in result.rows:
        s = row.setting
        if row.setting.exact and "c_star" in row.enclosures:
            c_star[(float(s.sw2_text), float(s.sb2_text))] = list(row.enclosures["c_star"])
    c = np.linspace(-1.0, 1.0, 41 if quick else 81)
    corr = {f"{sw2},{sb2}": [mf.correlation_map(x, sw2, sb2) for x in c] for sw2, sb2 in SETTINGS}
    sb2_grid = np.linspace(0.0, 0.3, 16 if quick else 31)
    widths = (64, 256) if quick else (64, 256, 1024)
    depth = 10
    mc = {str(n): mf.montecarlo(q0=3.5, width=n, depth=depth, samples=4, seed=seed + k).tolist()
          for k, n in enumerate(widths)}
    iterates = [3.5]
    for _ in range(depth):
        iterates.append(mf.length_map(iterates[-1]))
    return {"q": q.tolist(), "F": [mf.length_map(x) for x in q], "cobweb": cobweb,
            "sb2": sb2_grid.tolist(), "critical": [_critical_sw2(x) for x in sb2_grid],
            "brackets": [{"sb2": float(p.sb2), "lo": float(p.lo), "hi": float(p.hi)} for p in result.phase],
            "chi1_lecun": mf.chi1(1.0, 0.0), "c": c.tolist(), "C": corr,
            "c_star": {f"{k[0]},{k[1]}": v for k, v in c_star.items()}, "montecarlo": mc,
            "iterates": iterates[1:], "rechecked": not result.problems}


def draw(d, opts):
    fig, axes = new_figure(ncols=2, nrows=2, width=3.6, height=3.0)
    ax = axes[0, 0]
    ax.plot(d["q"], d["F"], color="#1b9e77", lw=1.5, label="F(q) (certified)")
    ax.plot(d["q"], d["q"], "--", color="#777777", lw=0.8, label="q")
    for q0, path in d["cobweb"].items():
        xs, ys = [path[0]], [0.0]
        for a, b in zip(path, path[1:]):
            xs += [a, b]
            ys += [b, b]
        ax.plot(xs, ys, "-", color="#d95f02", lw=0.8, alpha=0.8)
    ax.plot([1.0], [1.0], "o", color="black", ms=4, label="q* = 1 (unique, certified)")
    ax.set(xlabel="q (second moment in)", ylabel="F(q) (out)", title="(a) length map, LeCun")
    ax.legend(loc="upper left", fontsize=6)

    ax = axes[0, 1]
    ax.plot(d["critical"], d["sb2"], color="#7570b3", lw=1.2, label="chi_1 = 1 (float64)")
    for b in d["brackets"]:
        ax.errorbar([(b["lo"] + b["hi"]) / 2], [b["sb2"]], xerr=[[(b["hi"] - b["lo"]) / 2]], fmt="s", color="#7570b3",
                    ms=3, label="certified bracket" if b is d["brackets"][0] else None)
    ax.plot([1.0], [0.0], "*", color="#e7298a", ms=9, label=f"SELU, LeCun (chi_1 = {d['chi1_lecun']:.4f})")
    ax.text(0.62, 0.25, "ordered\n(chi_1 < 1)", fontsize=7, ha="center")
    ax.text(1.45, 0.05, "chaotic\n(chi_1 > 1)", fontsize=7, ha="center")
    ax.set(xlabel="s_w^2", ylabel="s_b^2", xlim=(0.4, 1.8), title="(b) order to chaos")
    ax.legend(loc="upper right", fontsize=6)

    ax = axes[1, 0]
    colors = ("#1b9e77", "#d95f02")
    for (key, values), color in zip(d["C"].items(), colors):
        sw2, sb2 = key.split(",")
        ax.plot(d["c"], values, color=color, lw=1.2, label=f"C(c), s_w^2 = {sw2}, s_b^2 = {sb2}")
        if key in d["c_star"]:
            lo, hi = d["c_star"][key]
            ax.plot([(lo + hi) / 2], [(lo + hi) / 2], "o", color=color, ms=4)
    ax.plot([-1, 1], [-1, 1], "--", color="#777777", lw=0.8, label="c")
    ax.set(xlabel="c (correlation in)", ylabel="C(c) (out)", title="(c) correlation map; dots: certified c*")
    ax.legend(loc="upper left", fontsize=6)

    ax = axes[1, 1]
    layers = np.arange(1, len(d["iterates"]) + 1)
    ax.plot(layers, d["iterates"], color="#1b9e77", lw=1.5, label="iterated F (mean field)")
    for (n, qs), marker in zip(d["montecarlo"].items(), ("o", "s", "^")):
        ax.plot(layers, qs, marker, ms=3.5, alpha=0.8, label=f"width {n} (Monte Carlo)")
    ax.axhline(1.0, ls=":", color="black", lw=0.8)
    ax.set(xlabel="layer", ylabel="pooled second moment q", title="(d) finite networks (evidence)")
    ax.legend(loc="upper right", fontsize=6)
    return fig
