r"""The certified tube of a concrete network: is it self-normalising, in the paper's mean-field
model, for *these* weights? (issue 19)

The model (the per-unit, "vector" mean-field map): the inputs of a layer are independent
and net inputs Gaussian, so unit ``k`` of a layer with weights ``W`` (a row per unit) and
bias ``b`` maps the previous layer's per-unit moments ``(mu_j, nu_j)`` to

.. math:: m_k = \sum_j W_{kj}\mu_j + b_k,\quad s_k^2 = \sum_j W_{kj}^2\nu_j,\quad
          (\mu_k', \nu_k') = \big(E\,\mathrm{selu}(z),\ \mathrm{Var}\,\mathrm{selu}(z)\big),
          \ z \sim N(m_k, s_k^2).

Every weight enters exactly; there is no pooling approximation and no (omega, tau) hull.
Every layer is taken as followed by SELU (alpha01, lambda01), the last one too.

Method
------
All in Arb (python-flint, :data:`~snn_verify.proofs.rigorous.trusted.PREC` = 80 bits,
outward rounding), one layer at a time, by the kernel's own step
(:func:`snn_verify.proofs.rigorous.recheck.tube.layer_step`):

- ``m`` and ``s^2`` by Arb matrix-vector products (``arb_mat``, in C): the float64 weights are
  exact balls, ``W^2`` is squared entry by entry in Arb;
- each unit's moments by the generated closed form in ``(m, s)`` of the trusted base, over
  the unit's ``(m, s^2)`` ball (over a wide one: bisected tiles, each the natural
  extension met with the mean-value form);
- each interval is then written as two decimal texts, outward (:func:`outward`), and the
  next layer starts from the balls of *those* texts, exactly as the checker does, so that
  the certificate's leaves are re-derivable one layer from the previous one;
- the pooled moments ``M = avg mu_k``, ``V = avg (nu_k + mu_k^2) - M^2`` in Arb from the
  per-unit intervals.

From a point (the default: every input feature with mean exactly 0 and variance exactly 1)
the tube is as thin as the rounding: a unit's width grows by about ``||W_k||_1`` per layer
from ~1e-24 (80-bit balls, 24-digit decimals).

From a box (``input_mean=E``: every feature's mean in [-E, E]; ``input_var``: its variance)
plain interval propagation runs first: each unit's worst case is taken independently, so a
mean interval of width ``w`` grows to about ``w ||W_k||_1 ~ 0.8 sqrt(n) w`` per LeCun layer,
and the pooled moments inherit it.  Where that does not decide, **affine forms** (zonotopes,
as DeepZ) take over (:func:`~snn_verify.proofs.rigorous.recheck.tube.affine_step`): every
unit's mean and variance are affine in noise symbols ``e in [-1, 1]^N`` (one per input
feature's mean and variance, plus one fresh symbol per unit's mean remainder), the linear
maps act exactly (Arb matrices), each unit's moments are linearised at the centre of its
(m, s^2) range with a Taylor remainder bounded by the second partials over the range
(finer tiles), and the pooled ``M``, ``V`` are bounded as functions of the forms (their
linear parts kept, the quadratic parts bounded).  :attr:`TubeResult.wrapping` reports, per
layer, the pooled widths of both and the affine variance width by source (linear part,
quadratic bound, unshared remainders): where wrapping still costs width.  Measured on the
seeded LeCun 64-256-256-256-256-10 net (``verify.py bench tube``): intervals stop at
layer 2 from ``E = 0.01, var [0.98, 1.02]``; affine forms certify it, up to E ~ 0.014.

Verdict against a target (default: pooled mean in [-0.1, 0.1] and pooled variance in
[0.8, 1.5] at every layer; ``scope="units"``: every unit's intervals too), decided exactly
on the decimal texts:

- CERTIFIED: every interval of the tube from the whole box lies inside the target;
- REFUTED: a tube from a start point (or sub-box) of the input box has, at some layer, an
  interval strictly outside the target, so every trajectory from there leaves the target
  (the interval is an Arb enclosure: "confirmed in Arb").  Tried in order: the box itself,
  then its centre and its corners, each with every feature alike;
- UNDECIDED: neither; the layer and by how much the tube pokes out of the target.

Example
-------
>>> import numpy as np
>>> w = np.array([[0.6, -0.6, 0.5291502622129182], [0.0, 1.0, 0.0]])
>>> r = run_tube([(w, None)])
>>> r.verdict, r.layers[0]["mean"][1] - r.layers[0]["mean"][0] < 1e-20
('CERTIFIED', True)
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
from flint import arb

from snn_verify.errors import InputError

from . import trusted
from .recheck import tube as kernel
from .recheck.tube import FORMAT
from .recheck.fields import SHORT_DECIMAL, SHORT_EXPONENT

TARGET_MEAN = ("-0.1", "0.1")
TARGET_VARIANCE = ("0.8", "1.5")
CERTIFIED, REFUTED, UNDECIDED = "CERTIFIED", "REFUTED", "UNDECIDED"
EXIT_CODES = {CERTIFIED: 0, REFUTED: 1, UNDECIDED: 3}
#: digits of a decimal leaf (beyond the 80-bit working precision's 24)
DIGITS = 24
QUANTILES = (("min", 0.0), ("q05", 0.05), ("median", 0.5), ("q95", 0.95), ("max", 1.0))


# --- decimals -----------------------------------------------------------------------------

def canonical(text):
    """A decimal text in the kernel's pattern (``"0.01"`` stays, ``".5"`` becomes ``"5e-1"``).
    Raises :class:`~snn_verify.errors.InputError` for a number with more than 40 digits or an exponent beyond 300."""
    text = str(text).strip()
    match = SHORT_DECIMAL.fullmatch(text)
    if match and abs(int(match.group(3) or 0)) <= SHORT_EXPONENT:
        return text
    sign, digits, exp = Decimal(text).as_tuple()
    if len(digits) > 40 or not -300 <= exp <= 300:
        raise InputError(f"{text!r}: at most 40 digits and an exponent in [-300, 300]")
    return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exp}"


def outward(x, variance=False):
    """Two decimal texts ``[lo, hi]`` whose interval holds the ball ``x``, checked with the
    kernel's own test (:func:`~snn_verify.proofs.rigorous.recheck.tube.inside`); for a
    ``variance``, a lower end below 0 becomes 0."""
    if variance and not x >= 0:
        hi = outward(x)[1]
        if kernel.inside(x, ["0", hi], True):
            return ["0", hi]
    slack = 2.0 ** -70
    for _ in range(8):
        y = x + arb(0, float(abs(x).upper()) * slack + 1e-200)
        mid, rad, exp = y.mid_rad_10exp(DIGITS)
        pair = [f"{mid - rad}e{int(exp)}", f"{mid + rad}e{int(exp)}"]
        if kernel.inside(x, pair):
            return pair
        slack *= 2 ** 8
    raise ArithmeticError(f"no decimal interval found for {x}")


def _f(text):
    return Fraction(text)


def _floats(pair):
    """A float pair holding the decimal interval (reports only)."""
    lo, hi = float(_f(pair[0])), float(_f(pair[1]))
    return [float(np.nextafter(lo, -np.inf)), float(np.nextafter(hi, np.inf))]


# --- the tube ----------------------------------------------------------------------------

def propagate(mats, biases, start, features, target=None, scope="pooled", dropout=None):
    """The tube from a start box ``{"mean": [lo, hi], "variance": [lo, hi]}`` (decimal texts,
    every feature alike): ``(layers, stop)``; each layer a dict of decimal texts (``mean``,
    ``variance``: one pair per unit; ``pooled_mean``, ``pooled_variance``); ``stop`` is
    ``None`` or ``(layer index, reason)`` where the map could not be enclosed further.
    With a ``target`` (given for a box start), the tube stops after the first layer not
    inside it (its intervals only widen from there, and wide ones cost many tiles)."""
    means, variances = kernel.start_balls(start, features)
    out = []
    for i, (m, b) in enumerate(zip(mats, biases)):
        try:
            mu, nu = kernel.layer_step(m, b, means, variances)
            if i + 1 < len(mats):
                mu, nu = kernel.dropout_balls(mu, nu, kernel.dropout_params(dropout))
            layer = {"mean": [outward(x) for x in mu], "variance": [outward(kernel.nonneg(x), True) for x in nu]}
        except (ArithmeticError, ValueError) as exc:
            return out, (i, str(exc))
        means = [kernel.ball(t) for t in layer["mean"]]
        variances = [kernel.nonneg(kernel.ball(t)) for t in layer["variance"]]
        pm, pv = kernel.pooled(means, variances)
        layer["pooled_mean"], layer["pooled_variance"] = outward(pm), outward(pv, True)
        out.append(layer)
        if target is not None and i + 1 < len(mats) and any(_status([layer], target, scope)):
            return out, (i + 1, "stopped: the layer before is not inside the target")
    return out, None


def propagate_affine(weights, mats, start, features, dropout=None):
    """The affine tube (:func:`~snn_verify.proofs.rigorous.recheck.tube.affine_step`) from a
    start box: ``(layers, stop, parts)`` as :func:`propagate`, ``parts`` the pooled widths
    by source per layer."""
    state = kernel.affine_start(start, features)
    out, parts = [], []
    for i, ((_, b), m) in enumerate(zip(weights, mats)):
        try:
            state, rows_a, rows_b = kernel.affine_step(m, b, state)
            if i + 1 < len(mats):
                state, rows_a, rows_b = kernel.affine_dropout(state, rows_a, rows_b, kernel.dropout_params(dropout))
            mu, nu = kernel.affine_ranges(state, rows_a, rows_b)
            p = {}
            pm, pv = kernel.affine_pooled(state, rows_a, p)
            layer = {"mean": [outward(x) for x in mu], "variance": [outward(x, True) for x in nu],
                     "pooled_mean": outward(pm), "pooled_variance": outward(pv, True)}
        except (ArithmeticError, ValueError) as exc:
            return out, (i, str(exc)), parts
        out.append(layer)
        parts.append(p)
    return out, None, parts


def _rows(layer, scope):
    rows = [("pooled mean", layer["pooled_mean"], "mean"), ("pooled variance", layer["pooled_variance"], "variance")]
    if scope == "units":
        rows += [(f"unit {j} {k}", p, k) for k in ("mean", "variance") for j, p in enumerate(layer[k])]
    return rows


def _status(layers, target, scope):
    """``(first layer index outside, first layer not inside with its worst excess)``."""
    outside, straddle = None, None
    for i, layer in enumerate(layers):
        for name, pair, k in _rows(layer, scope):
            lo, hi = _f(pair[0]), _f(pair[1])
            tlo, thi = _f(target[k][0]), _f(target[k][1])
            if hi < tlo or lo > thi:
                if outside is None:
                    outside = (i, name, pair)
            elif lo < tlo or hi > thi:
                excess = max(tlo - lo, hi - thi)
                if straddle is None or (straddle[0] == i and excess > straddle[3]):
                    straddle = (i, name, pair, excess)
        if outside is not None:
            break
    return outside, straddle


@dataclass(frozen=True)
class TubeResult:
    """The tube of one network from one input box, and its verdict."""

    verdict: str
    layers: tuple                      # per layer: name, units, pooled enclosures, unit quantiles
    input: dict                        # {"features", "mean", "variance"} (decimal texts)
    start: dict                        # the start box of the tube the verdict rests on
    target: dict
    refuted_at: int | None
    note: str
    wrapping: tuple                    # per layer: growth of the widest unit interval
    seconds: float
    certificate_body: dict = field(repr=False, compare=False, default=None)
    method: str = "intervals"
    dropout: str | None = None
    certificate: str | None = None
    recheck: dict | None = None
    monte_carlo: tuple = ()
    file: str = ""
    fixed_points: tuple = ()           # per square layer (tube_fixed_point.fixed_point), when asked

    @property
    def exit_code(self):
        return EXIT_CODES[self.verdict]

    def to_json(self):
        return {"file": self.file, "verdict": self.verdict, "method": self.method, "dropout": self.dropout,
                "note": self.note,
                "input": self.input,
                "start": self.start, "target": self.target, "refuted_at": self.refuted_at,
                "layers": list(self.layers), "wrapping": list(self.wrapping), "seconds": round(self.seconds, 3),
                "certificate": self.certificate, "recheck": self.recheck, "monte_carlo": list(self.monte_carlo),
                "fixed_points": list(self.fixed_points),
                "model": "per-unit mean-field map (independent inputs, Gaussian net inputs), SELU after every "
                         "layer; the tube is a theorem about the model, the Monte Carlo is evidence"}

    def render(self):
        t = self.target
        lines = [f"{self.file + ': ' if self.file else ''}tube {self.verdict}: {self.note}",
                 f"  method: {self.method}" + ("" if self.method == "intervals" else
                                               " (interval propagation wraps; see the wrapping rows)"),
                 "  model: per-unit mean-field map, SELU after every layer"
                 + (f", alpha dropout at rate {self.dropout} after every layer but the last" if self.dropout else "")
                 + "; input:"
                 f" {self.input['features']} "
                 f"features, mean {_describe(self.input['mean'])}, variance "
                 f"{_describe(self.input['variance'])}; target ({t['scope']}): mean "
                 f"[{', '.join(t['mean'])}], variance [{', '.join(t['variance'])}]"]
        if self.start != {k: self.input[k] for k in ("mean", "variance")}:
            lines.append(f"  tube from the start point: mean {_describe(self.start['mean'])}, variance "
                         f"{_describe(self.start['variance'])}")
        lines.append("  layer  units  pooled mean (certified)                 pooled variance (certified)"
                     "             width     unit mean min..max     unit var min..max")
        for i, layer in enumerate(self.layers):
            pm, pv = layer["mean"], layer["variance"]
            um, uv = layer["units"]["mean"], layer["units"]["variance"]
            lines.append(f"  {i + 1:>5}  {layer['units_count']:>5}  [{pm[0]:+.15f}, {pm[1]:+.15f}]  "
                         f"[{pv[0]:.15f}, {pv[1]:.15f}]  {max(layer['mean_width'], layer['variance_width']):.1e}  "
                         f"{um['min'][0]:+.4f}..{um['max'][1]:+.4f}     {uv['min'][0]:.4f}..{uv['max'][1]:.4f}")
        if self.method == "affine":
            lines.append("  wrapping: pooled (mean, variance) widths, plain intervals -> affine forms; the variance's "
                         "affine width by source (linear / quadratic bound / unshared remainders):")
            for i, row in enumerate(self.wrapping):
                iw = row.get("interval_pooled_width")
                p = row.get("affine_parts") or {}
                lines.append(f"  {i + 1:>5}  " + (f"({iw[0]:.2e}, {iw[1]:.2e})" if iw else "(stopped)          ")
                             + f" -> ({row['affine_pooled_width'][0]:.2e}, {row['affine_pooled_width'][1]:.2e})"
                             + (f"   {p['variance_linear']:.1e} / {p['variance_quadratic']:.1e} / "
                                f"{p['variance_unshared']:.1e}" if p else "")
                             + f"   unit mean width max {row['unit_mean_width_max']:.3g}")
        if self.monte_carlo:
            lines.append("  evidence (Monte Carlo forward pass, Gaussian inputs at the box centre, z against the tube "
                         "from the centre; not a proof):")
            lines.append("  layer  empirical mean  z        empirical variance  z        per-unit max|z| mean/var")
            for row in self.monte_carlo:
                lines.append(f"  {row['layer']:>5}  {row['mean']:+.6f}      {row['z_mean']:+7.2f}  "
                             f"{row['variance']:.6f}            {row['z_variance']:+7.2f}  "
                             f"{row['units_max_abs_z_mean']:.1f}/{row['units_max_abs_z_variance']:.1f}")
        for fp in self.fixed_points:
            lines.append(f"  square layer {fp['layer']} ({fp['units']} units) applied again and again: {fp['verdict']}: "
                         f"{fp['note']}; pooled there mean [{fp['pooled']['mean'][0]:.10f}, "
                         f"{fp['pooled']['mean'][1]:.10f}], variance [{fp['pooled']['variance'][0]:.10f}, "
                         f"{fp['pooled']['variance'][1]:.10f}]; {fp['attracting']}")
        if self.certificate:
            lines.append(f"  certificate: {self.certificate}")
        if self.recheck is not None:
            lines.append("  recheck: " + ("accepted" if not self.recheck["problems"] else
                                         f"REJECTED: {self.recheck['problems'][0]}")
                         + f" ({self.recheck['seconds']:.2f} s)")
        lines.append(f"  {self.seconds:.2f} s")
        return "\n".join(lines)


def _quantiles(pairs):
    """Quantiles over units of the lower ends and of the upper ends: ``[q(lo), q(hi)]`` holds
    the same quantile (order statistic) of the units' true values."""
    lo = np.array([float(_f(p[0])) for p in pairs])
    hi = np.array([float(_f(p[1])) for p in pairs])
    out = {}
    for name, q in QUANTILES:
        a, b = np.quantile(lo, q, method="lower"), np.quantile(hi, q, method="higher")
        out[name] = [float(np.nextafter(a, -np.inf)), float(np.nextafter(b, np.inf))]
    out["max_width"] = float(np.max(hi - lo))
    return out


def _summary(layers, names):
    rows = []
    for layer, name in zip(layers, names):
        rows.append({"name": name, "units_count": len(layer["mean"]),
                     "mean": _floats(layer["pooled_mean"]), "variance": _floats(layer["pooled_variance"]),
                     "mean_text": layer["pooled_mean"], "variance_text": layer["pooled_variance"],
                     "mean_width": float(_f(layer["pooled_mean"][1]) - _f(layer["pooled_mean"][0])),
                     "variance_width": float(_f(layer["pooled_variance"][1]) - _f(layer["pooled_variance"][0])),
                     "units": {"mean": _quantiles(layer["mean"]), "variance": _quantiles(layer["variance"])}})
    return rows


def _pooled_width(layer):
    return [float(_f(layer[k][1]) - _f(layer[k][0])) for k in ("pooled_mean", "pooled_variance")]


def _pairs_of(x):
    """The list of pairs of a box entry (one pair, or a list of per-feature pairs)."""
    return [x] if all(type(v) is str for v in x) else x


def _describe(x):
    pairs = _pairs_of(x)
    if len(pairs) == 1:
        return f"in [{', '.join(pairs[0])}]"
    return (f"per feature, within [{min(float(_f(p[0])) for p in pairs):.6g}, "
            f"{max(float(_f(p[1])) for p in pairs):.6g}]")


def _wrapping(layers, start):
    widths = [max(float(_f(p[1]) - _f(p[0])) for p in _pairs_of(start["mean"]))]
    out = []
    for layer in layers:
        w = max(float(_f(p[1]) - _f(p[0])) for p in layer["mean"])
        out.append({"unit_mean_width_max": w, "growth": (w / widths[-1]) if widths[-1] > 0 else None})
        widths.append(w)
    return tuple(out)


def _mid(pair):
    return canonical(str((Decimal(pair[0]) + Decimal(pair[1])) / 2))


def _candidates(box, features):
    """Start points of the input box tried as witnesses, each with a name: the centre, then
    the corners where every feature's mean and variance are at the same end."""
    if all(type(v) is str for v in box["mean"]) and all(type(v) is str for v in box["variance"]):
        (mlo, mhi), (vlo, vhi) = box["mean"], box["variance"]
        mc = "0" if _f(mlo) <= 0 <= _f(mhi) else mlo
        vc = "1" if _f(vlo) <= 1 <= _f(vhi) else vhi
        points = [(mc, vc)] + [(m, v) for m in (mlo, mhi) for v in (vlo, vhi)]
        seen, out = set(), []
        for m, v in points:
            if (m, v) not in seen:
                seen.add((m, v))
                out.append(({"mean": [m, m], "variance": [v, v]},
                            f"every feature with mean {m} and variance {v}"))
        return out
    t = kernel.per_feature(box, features)
    out = [({"mean": [[_mid(p)] * 2 for p in t["mean"]], "variance": [[_mid(p)] * 2 for p in t["variance"]]},
            "every feature at the centre of its intervals")]
    for i, m_end in enumerate(("lower", "upper")):
        for j, v_end in enumerate(("lower", "upper")):
            out.append(({"mean": [[p[i]] * 2 for p in t["mean"]], "variance": [[p[j]] * 2 for p in t["variance"]]},
                        f"every feature's mean at its {m_end} end, its variance at its {v_end} end"))
    return out


def weights_spec(weights, names=None, file="", file_sha256=None, layout="out-in"):
    """The certificate's ``weights`` entry for ``[(W, b)]`` (``W`` as (units, inputs))."""
    names = names or [(f"layer{i}", f"layer{i}.bias") for i in range(len(weights))]
    return {"file": file, "file_sha256": file_sha256 or "0" * 64, "layout": layout,
            "layers": [{"name": n, "shape": [int(w.shape[0]), int(w.shape[1])], "sha256": kernel.array_digest(w),
                        "bias": None if b is None else {"name": bn or f"{n}.bias", "sha256": kernel.array_digest(b)}}
                       for (w, b), (n, bn) in zip(weights, names)]}


@trusted.at_working_precision
def run_tube(weights, input_mean="0", input_var=("1", "1"), target_mean=TARGET_MEAN, target_var=TARGET_VARIANCE,
             scope="pooled", spec=None, input_box=None, dropout=None):
    """:class:`TubeResult` of the network ``[(W, b)]`` (``W`` as (units, inputs), float64;
    ``b`` an array or ``None``) from the input box ``mean in [-E, E]`` (``input_mean = E``),
    ``variance in input_var``, every feature alike (decimal texts).  ``spec``: the
    certificate's ``weights`` entry (default :func:`weights_spec`).  ``input_box``: per-feature
    intervals instead, ``{"mean": [[lo, hi], ...], "variance": [[lo, hi], ...]}`` (decimal
    texts, one pair per feature; e.g. from a data file).  ``dropout``: an alpha-dropout rate
    (decimal text) after every layer but the last; the layers' moments are then those after
    it (the next layer's inputs)."""
    t0 = time.perf_counter()
    kernel.reset_budget()
    e = canonical(input_mean)
    if _f(e) < 0:
        raise InputError(f"input mean bound must be >= 0: {input_mean!r}")
    if dropout is not None:
        dropout = canonical(dropout)
        if not 0 <= _f(dropout) < 1:
            raise InputError(f"dropout rate must be in [0, 1): {dropout!r}")
    if scope not in kernel.SCOPES:
        raise InputError(f"scope must be one of {', '.join(kernel.SCOPES)}")
    pairs = {"mean": ["0", "0"] if _f(e) == 0 else [canonical(str(-Decimal(e))), e],
             "variance": [canonical(v) for v in input_var]}
    target = {"scope": scope, "mean": [canonical(v) for v in target_mean], "variance": [canonical(v) for v in target_var]}
    if input_box is not None:
        pairs = {k: [[canonical(v) for v in p] for p in input_box[k]] for k in ("mean", "variance")}
    for k in ("mean", "variance"):
        for p in kernel.per_feature(pairs, 1 if input_box is None else len(pairs[k]))[k]:
            if _f(p[0]) > _f(p[1]) or (k == "variance" and _f(p[0]) < 0):
                raise InputError(f"input {k} interval must have {'0 <= ' if k == 'variance' else ''}lo <= hi: {p}")
    for k in ("mean", "variance"):
        if _f(target[k][0]) > _f(target[k][1]):
            raise InputError(f"target {k}: lo > hi")
    weights = [(np.asarray(w, dtype=np.float64), None if b is None else np.asarray(b, dtype=np.float64))
               for w, b in weights]
    features = int(weights[0][0].shape[1])
    if input_box is not None and not len(pairs["mean"]) == len(pairs["variance"]) == features:
        raise InputError(f"the input box has {len(pairs['mean'])} features, the network takes {features}")
    for i in range(1, len(weights)):
        if weights[i][0].shape[1] != weights[i - 1][0].shape[0]:
            raise InputError(f"layer {i + 1} takes {weights[i][0].shape[1]} inputs, gets {weights[i - 1][0].shape[0]}")
    spec = spec or weights_spec(weights)
    layer_names = [layer["name"] for layer in spec["layers"]]
    mats = [kernel.matrices(w) for w, _ in weights]
    biases = [b for _, b in weights]
    inp = {"features": features, **pairs}
    box = {"mean": pairs["mean"], "variance": pairs["variance"]}

    flat = kernel.per_feature(box, features)
    point = all(_f(p[0]) == _f(p[1]) for k in ("mean", "variance") for p in flat[k])
    layers, stop = propagate(mats, biases, box, features, None if point else target, scope, dropout)
    outside, straddle = _status(layers, target, scope)
    method, wrapping = "intervals", _wrapping(layers, box)
    affine_size = kernel.affine_size(features, [w.shape for w, _ in weights])
    if not point and (outside is None and (straddle is not None or stop is not None)) \
            and affine_size > kernel.MAX_AFFINE_ENTRIES:
        wrapping = tuple(dict(row, affine="not run: " + f"{affine_size} coefficients in a layer, beyond the budget "
                                                         f"of {kernel.MAX_AFFINE_ENTRIES}") for row in wrapping)
    elif not point and (outside is None and (straddle is not None or stop is not None)):
        a_layers, a_stop, parts = propagate_affine(weights, mats, box, features, dropout)
        a_out, a_straddle = _status(a_layers, target, scope)
        wrapping = tuple(dict(row, affine_pooled_width=_pooled_width(a), affine_parts=p,
                              interval_pooled_width=_pooled_width(i) if i else None)
                         for row, a, p, i in zip(_wrapping(a_layers, box), a_layers, parts,
                                                 list(layers) + [None] * len(a_layers)))
        method, layers, stop, outside, straddle = "affine", a_layers, a_stop, a_out, a_straddle
    start, tube_layers, refuted_at = box, layers, None
    if outside is None and straddle is None and stop is None:
        verdict = CERTIFIED
        note = (f"every layer's {'pooled moments' if scope == 'pooled' else 'intervals'} certified inside the target"
                + (" (affine forms)" if method == "affine" else ""))
    elif outside is not None:
        verdict, refuted_at = REFUTED, outside[0] + 1
        note = (f"layer {refuted_at}: {outside[1]} in [{float(_f(outside[2][0])):.10g}, "
                f"{float(_f(outside[2][1])):.10g}] for every point of the box, outside the target")
    else:
        verdict, note = UNDECIDED, ""
        for cand, words in ([] if point else _candidates(box, features)):
            c_layers, _ = propagate(mats, biases, cand, features, dropout=dropout)
            c_out, _ = _status(c_layers, target, scope)
            if c_out is not None:
                verdict, start, tube_layers, refuted_at = REFUTED, cand, c_layers, c_out[0] + 1
                method = "intervals"
                note = (f"witness: {words}: "
                        f"layer {refuted_at}: {c_out[1]} in [{float(_f(c_out[2][0])):.10g}, "
                        f"{float(_f(c_out[2][1])):.10g}], outside the target (Arb enclosure)")
                break
        if verdict == UNDECIDED:
            if straddle is not None and (stop is None or straddle[0] < stop[0] or stop[1].startswith("stopped")):
                i, name, pair, excess = straddle
                note = (f"layer {i + 1}: {name} enclosure [{float(_f(pair[0])):.6g}, {float(_f(pair[1])):.6g}] "
                        f"leaves the target by {float(excess):.3g}; no witness among the box's centre and corners")
            else:
                note = f"layer {stop[0] + 1}: the tube could not be enclosed ({stop[1]})"
            if wrapping and "affine" in wrapping[0]:
                note += f"; affine forms {wrapping[0]['affine']}"
    body = {"format": FORMAT, "weights": spec, "input": inp, "start": start, "target": target,
            "method": method, "verdict": verdict, "refuted_at": refuted_at, "layers": tube_layers,
            "generated_sha256": trusted.generated_digest()}
    if dropout is not None:
        body["dropout"] = dropout
    body = json.loads(json.dumps(body))           # plain JSON data, no shared lists
    body["sha256"] = trusted.digest(body)
    if start is not box:
        wrapping = _wrapping(tube_layers, start)
    return TubeResult(verdict, tuple(_summary(tube_layers, layer_names)), inp, start, target, refuted_at, note,
                      wrapping, time.perf_counter() - t0, certificate_body=body, method=method, dropout=dropout)


def write_certificate(result, path):
    """Write the result's certificate as JSON; returns the path."""
    with open(path, "w") as fh:
        json.dump(result.certificate_body, fh, separators=(",", ":"))
    return path


def file_sha256(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()
