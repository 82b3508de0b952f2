r"""The certified domain of a user's trained feed-forward SELU network (``verify.py inspect``).

A layer with weight matrix ``W`` (one row of incoming weights per unit) gives each unit ``j``

.. math::

   \omega_j = \sum_i W_{ji}, \qquad \tau_j = \sum_i W_{ji}^2 .

Per layer this module reports the quantiles of ``omega`` and ``tau``, the fraction of units
inside Theorem 1's box (``omega in [-0.1, 0.1]``, ``tau in [0.95, 1.1]``, read from
:data:`snn_verify.proofs.theorems.THEOREM1_BOX`), the size of the biases (the theory assumes none) and a
**certified verdict** over the layer's hull ``[min omega, max omega] x [min tau, max tau]``:
is g a contraction (``||J||_2 < 1``) that maps ``Omega = [-0.1, 0.1] x [0.8, 1.5]`` into
itself?  Theorem 1's five claims are re-run over ``Omega x hull`` by the rigorous certifier
(CERTIFIED / REFUTED with a witness point / UNDECIDED).  The hull is widened outward by a
bound on the float64 rounding of the sums (``n u sum|w|``, ``u = 2^-53``), so the verdict
covers the exact sums of the stored weights.  Where the verdict is not CERTIFIED, the largest
set of units nearest the centre of Theorem 1's (omega, tau) box (in units of its half-widths)
whose hull is certified is found by bisection on its size: it holds every unit inside the box
(Theorem 1 covers them) and more where the certifier can prove more.  The certifier's budget
is a number of boxes, not seconds, so a file gives the same verdicts on any machine.

The ``network`` summary: the certified layers in a row from the input (if the input moments
lie in Omega, they stay in Omega through those layers, in the paper's mean-field model), and a
**predicted** (mean, variance) trajectory from (0, 1) by the iterated g with each unit's own
``(omega_j, tau_j)`` (and with each unit's bias, where there are biases), pooled over units:
``mean = avg_j mu~_j``, ``var = avg_j (nu~_j + mu~_j^2) - mean^2``.  The trajectory is a model
prediction (evidence), not a certificate.

Files: ``.npz`` and ``.safetensors`` are read with numpy (no framework); a PyTorch
``state_dict`` (``.pt``, ``.pth``, ``.bin``) when torch is installed.  Weight matrices are the
2-D arrays in file order (``.safetensors``: names in natural order, ``fc2`` before ``fc10``),
or those whose name matches ``--layers``; 1-D arrays are biases, matched by name
(``x.weight`` / ``x.bias``, ``kernel`` / ``bias``, ``W1`` / ``b1``) or else by position.
Layout: PyTorch stores ``(out, in)``, Keras/flax/numpy ``x @ W`` code ``(in, out)``; ``auto``
takes the layout under which consecutive layers chain.

Example
-------
>>> w = np.array([[0.6, -0.6, 0.5291502622129182], [0.0, 1.0, 0.0]])
>>> [round(float(v), 12) for v in unit_sums(w)[1]]
[1.0, 1.0]
"""
from __future__ import annotations

import math
import os
import re
import time
import zipfile
from dataclasses import dataclass

import numpy as np

from snn_verify.errors import InputError
from snn_verify.theory.selu_map import moment_map

from ..claims import Box, Claim
from ..rigorous.certify import CERTIFIED, REFUTED, UNDECIDED, certify
from ..theorems import THEOREM1_BOX
from ..theorems import THEOREM1 as THEOREM1_CLAIMS

#: boxes the certifier may bound per claim (five claims per hull): a deterministic budget, so
#: the same file gives the same verdicts and witnesses on any machine
BUDGET_BOXES = 500
#: a safety limit in seconds per claim (only reached on a very slow machine)
MAX_SECONDS = 300.0
#: width of the extremum enclosures (the verdicts do not depend on it)
CERTIFY_TOLERANCE = 1e-4
#: most certifier runs of the sub-range bisection per layer
MAX_BISECTIONS = 12
#: the input moments of the predicted trajectory
START = (0.0, 1.0)
QUANTILES = (("min", 0.0), ("q05", 0.05), ("median", 0.5), ("q95", 0.95), ("max", 1.0))
LAYOUTS = ("auto", "out-in", "in-out")
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")
UNIT_ROUNDOFF = 2.0 ** -53


# --- reading -----------------------------------------------------------------------------------

def _natural_key(name):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _read_torch(path):
    try:
        import torch
    except ImportError:
        raise InputError(f"{path}: a PyTorch file, and torch is not installed") from None
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise InputError(f"{path}: not a PyTorch state_dict ({type(exc).__name__})") from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise InputError(f"{path}: not a PyTorch state_dict (a {type(obj).__name__})")
    return [(str(k), v.detach().cpu().double().numpy()) for k, v in obj.items() if isinstance(v, torch.Tensor)]


def _kind(path):
    lower = path.lower()
    if lower.endswith(".npz"):
        return "npz"
    if lower.endswith(".safetensors"):
        return "safetensors"
    if lower.endswith(TORCH_SUFFIXES):
        return "torch"
    with open(path, "rb") as f:
        head = f.read(9)
    if head[:2] == b"PK":
        with zipfile.ZipFile(path) as z:
            return "torch" if any(n.endswith("data.pkl") for n in z.namelist()) else "npz"
    if len(head) == 9 and head[8:9] == b"{":
        return "safetensors"
    raise InputError(f"{path}: not an array archive (.npz, .safetensors or a PyTorch state_dict)")


def read_arrays(path):
    """``[(name, array)]`` from an archive, in file order.  Raises ``InputError`` (one line)
    for a file that is not an array archive; ``OSError`` when it cannot be read."""
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    kind = _kind(path)
    try:
        if kind == "npz":
            with np.load(path, allow_pickle=False) as z:
                if not hasattr(z, "files"):
                    raise ValueError("a single array")
                arrays = [(k, z[k]) for k in z.files]
        elif kind == "safetensors":
            from safetensors.numpy import load_file

            arrays = sorted(load_file(path).items(), key=lambda kv: _natural_key(kv[0]))
        else:
            arrays = _read_torch(path)
    except ValueError as exc:
        if str(exc).startswith(path):
            raise
        raise InputError(f"{path}: not an array archive ({kind}: {str(exc).splitlines()[0][:120]})") from None
    except Exception as exc:          # zipfile.BadZipFile, SafetensorError, pickle errors
        raise InputError(f"{path}: not an array archive ({kind}: {type(exc).__name__})") from None
    if not arrays:
        raise InputError(f"{path}: no arrays in the file")
    return kind, [(name, np.asarray(a)) for name, a in arrays]


_BIAS_NAMES = ((r"weight", "bias"), (r"kernel", "bias"), (r"(^|[./_])W", r"\1b"), (r"(^|[./_])w", r"\1b"))


def _bias_for(name, vectors, units, position):
    """The 1-D array that is the bias of weight ``name``: by name, else the next 1-D array in
    file order (``position``) if its length is ``units``; ``None`` when there is none."""
    by_name = dict((n, (i, v)) for i, n, v in vectors)
    for pattern, repl in _BIAS_NAMES:
        candidate = re.sub(pattern + r"(?!.*" + pattern + ")", repl, name, count=1) if re.search(pattern, name) else None
        if candidate and candidate != name and candidate in by_name:
            return candidate, by_name[candidate][1]
    following = [(i, n, v) for i, n, v in vectors if i == position + 1]
    if following and following[0][2].shape[0] == units:
        return following[0][1], following[0][2]
    return None, None


def _chains(shapes, layout):
    """Do consecutive layers chain under ``layout``?"""
    if layout == "out-in":
        return all(b[1] == a[0] for a, b in zip(shapes, shapes[1:]))
    return all(b[0] == a[1] for a, b in zip(shapes, shapes[1:]))


def choose_layout(kind, names, shapes, layout="auto"):
    """``(layout, how)``: the layout used and why."""
    if layout != "auto":
        if not _chains(shapes, layout):
            raise InputError(f"mismatched shapes: {_shape_text(names, shapes)} do not chain as {layout}")
        return layout, "given"
    fits = [lay for lay in ("out-in", "in-out") if _chains(shapes, lay)]
    if not fits:
        raise InputError(f"mismatched shapes: {_shape_text(names, shapes)} chain neither as (out, in) nor as (in, out)")
    if len(fits) == 1:
        return fits[0], "consecutive shapes chain only this way"
    if kind in ("torch", "safetensors"):
        return "out-in", "PyTorch convention (shapes do not decide)"
    if all("kernel" in n for n in names):
        return "in-out", "Keras/flax 'kernel' names (shapes do not decide)"
    return "out-in", "assumed (shapes do not decide; --layout in-out for x @ W code)"


def _shape_text(names, shapes):
    return ", ".join(f"{n} {tuple(s)}" for n, s in zip(names, shapes))


@dataclass(frozen=True)
class Layer:
    """One weight matrix as ``(units, inputs)`` and its bias (or ``None``)."""

    name: str
    weights: np.ndarray
    bias_name: str | None
    bias: np.ndarray | None


def load_network(path, layers=None, layout="auto"):
    """``(kind, layout, how, [Layer])`` from a weights file (see module docstring).  Raises
    ``ValueError`` with one line for bad files: not an array archive, not 2-D, an empty weight
    matrix, mismatched shapes, non-finite weights, a unit without weights, and weights whose
    sums omega, tau are not normal doubles (:func:`check_sums`)."""
    if layout not in LAYOUTS:
        raise InputError(f"layout must be one of {', '.join(LAYOUTS)} (got {layout!r})")
    kind, arrays = read_arrays(path)
    try:
        pattern = re.compile(layers) if layers else None
    except re.error as exc:
        raise InputError(f"--layers: bad pattern {layers!r}: {exc}") from None
    chosen, vectors = [], []
    for i, (name, a) in enumerate(arrays):
        if pattern is not None:
            if pattern.search(name):
                if a.ndim != 2:
                    raise InputError(f"{name}: shape {a.shape} is not 2-D (a weight matrix is)")
                chosen.append((i, name, a))
            elif a.ndim == 1:
                vectors.append((i, name, a))
            continue
        if a.ndim == 2:
            chosen.append((i, name, a))
        elif a.ndim == 1:
            vectors.append((i, name, a))
        elif a.ndim > 2:
            raise InputError(f"{name}: shape {a.shape} is not 2-D (inspect reads feed-forward nets; "
                             f"--layers PATTERN selects the weight matrices)")
    if not chosen:
        raise InputError(f"{path}: no 2-D weight matrix" + (f" matches {layers!r}" if layers else ""))
    for _, name, a in chosen:
        if a.size == 0:
            raise InputError(f"layer {name} has no weights (empty array, shape {a.shape})")
    for _, name, a in chosen + vectors:
        if not np.issubdtype(a.dtype, np.number) or np.iscomplexobj(a):
            raise InputError(f"{name}: dtype {a.dtype} is not real")
        if not np.all(np.isfinite(a)):
            raise InputError(f"{name}: NaN or infinite values")
    layout, how = choose_layout(kind, [n for _, n, _ in chosen], [a.shape for _, _, a in chosen], layout)
    out = []
    for i, name, a in chosen:
        w = np.asarray(a, dtype=np.float64)
        w = w if layout == "out-in" else w.T
        dead = np.flatnonzero(~np.any(w != 0, axis=1))
        if dead.size:
            raise InputError(f"{name}: unit {dead[0]} has all-zero incoming weights (tau = 0; g needs tau > 0)")
        check_sums(name, w)
        bias_name, bias = _bias_for(name, vectors, w.shape[0], i)
        if bias is not None and bias.shape[0] != w.shape[0]:
            raise InputError(f"mismatched shapes: bias {bias_name} {bias.shape} for {name} with {w.shape[0]} units")
        out.append(Layer(name, w, bias_name, None if bias is None else np.asarray(bias, dtype=np.float64)))
    return kind, layout, how, out


# --- per-unit sums -------------------------------------------------------------------------

def unit_sums(w):
    """``(omega, tau)`` per unit (row) of ``w``, float64."""
    w = np.asarray(w, dtype=np.float64)
    return w.sum(axis=1), (w * w).sum(axis=1)


def check_sums(name, w):
    """Refuse, with one line (``ValueError``), a layer whose sums are not normal doubles: a
    unit's omega, tau or their rounding bounds overflow float64 (weights too large: ``1e200``
    squared is past the largest double), or a unit's tau lies below the least normal double
    (weights too small: the squares underflow, and the rounding bound of
    :func:`rounding_bounds` holds for normal doubles only).  The sums are formed with numpy's
    overflow and underflow warnings off, so nothing is printed on the way."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        omega, tau = unit_sums(w)
        err_o, err_t = rounding_bounds(w)
        ends = np.concatenate([omega - err_o, omega + err_o, tau + err_t])
        largest = float(np.abs(w).max())
    if not np.all(np.isfinite(ends)):
        raise InputError(f"{name}: weights too large: a unit's tau (its sum of squared weights) overflows float64 "
                         f"(largest |w| = {largest:.3g}; tau must stay below 1.8e308)")
    small = np.flatnonzero(tau < np.finfo(np.float64).tiny)
    if small.size:
        j = int(small[0])
        raise InputError(f"{name}: weights too small: unit {j}'s tau (its sum of squared weights, "
                         f"largest |w| = {float(np.abs(w[j]).max()):.3g}) underflows float64 "
                         f"(below {np.finfo(np.float64).tiny:.3g}, the least normal double)")


def rounding_bounds(w):
    """Per-unit bounds on the float64 rounding error of :func:`unit_sums`: any summation order
    has ``|fl(sum x) - sum x| <= (n-1) u sum|x| / (1 - (n-1) u)``; squaring adds ``u w^2``."""
    n = w.shape[1]
    gamma = (n + 1) * UNIT_ROUNDOFF / (1 - (n + 1) * UNIT_ROUNDOFF)
    return gamma * np.abs(w).sum(axis=1), gamma * (w * w).sum(axis=1) * (1 + UNIT_ROUNDOFF)


def hull_of(omega, tau, err_omega, err_tau):
    """``((omega lo, hi), (tau lo, hi))`` containing every unit's exact sums."""
    lo_o = np.nextafter((omega - err_omega).min(), -np.inf)
    hi_o = np.nextafter((omega + err_omega).max(), np.inf)
    lo_t = np.nextafter((tau - err_tau).min(), -np.inf)
    hi_t = np.nextafter((tau + err_tau).max(), np.inf)
    return (float(lo_o), float(hi_o)), (float(max(lo_t, np.finfo(float).tiny)), float(hi_t))


def quantiles(v):
    return {name: float(np.quantile(v, q)) for name, q in QUANTILES}


def inside_box(omega, tau, box=THEOREM1_BOX):
    """Boolean per unit: ``(omega, tau)`` inside Theorem 1's (omega, tau) box."""
    return (omega >= box.omega[0]) & (omega <= box.omega[1]) & (tau >= box.tau[0]) & (tau <= box.tau[1])


# --- the certified verdict -------------------------------------------------------------------

def certify_hull(omega_hull, tau_hull, max_boxes=BUDGET_BOXES, first_failure=False):
    """Theorem 1's claims over ``Omega x hull``: the one place this module calls the rigorous
    certifier (``Claim``, ``Box``, ``certify``).  Returns ``{"verdict", "claims": [...],
    "witness", "seconds"}`` (a row's ``extremum`` is ``None`` where the certifier bounded
    nothing finite): REFUTED when a claim is refuted (its counterexample, re-evaluated
    at 50 digits by the certifier, is the witness), CERTIFIED when all are, else UNDECIDED.
    ``first_failure``: stop at the first claim not certified (cheap claims first)."""
    t0 = time.perf_counter()
    box = Box(mu=THEOREM1_BOX.mu, omega=tuple(omega_hull), nu=THEOREM1_BOX.nu, tau=tuple(tau_hull))
    claims = sorted(THEOREM1_CLAIMS, key=lambda c: c.quantity == "spectral_norm") if first_failure else THEOREM1_CLAIMS
    rows, witness = [], None
    for c in claims:
        r = certify(Claim(c.name, "inspect", c.quantity, box, c.relation, c.bound, statement=c.statement),
                    tol=CERTIFY_TOLERANCE, max_boxes=max_boxes, max_seconds=MAX_SECONDS, workers=1)
        ends = [float(r.extremum[0]), float(r.extremum[1])]
        row = {"claim": c.name, "verdict": r.verdict,
               "extremum": ends if all(math.isfinite(x) for x in ends) else None}   # JSON has no inf
        if r.counterexample:
            ce = r.counterexample
            row["counterexample"] = {"point": {k: float(v) for k, v in ce["point"].items()}, "value": ce["value"]}
            witness = witness or {"claim": c.name, **row["counterexample"],
                                  "note": "a point of Omega x hull: its (omega, tau) need not be one unit's own"}
        if r.verdict == UNDECIDED:
            row["note"] = r.note
        rows.append(row)
        if first_failure and r.verdict != CERTIFIED:
            break
    verdicts = {row["verdict"] for row in rows}
    verdict = REFUTED if REFUTED in verdicts else UNDECIDED if UNDECIDED in verdicts else CERTIFIED
    return {"verdict": verdict, "claims": rows, "witness": witness, "seconds": time.perf_counter() - t0}


def box_distance(omega, tau, box=THEOREM1_BOX):
    """``max(|omega - c_omega| / h_omega, |tau - c_tau| / h_tau)`` with the centre ``c`` and
    half-widths ``h`` of Theorem 1's (omega, tau) box: at most 1 exactly inside it."""
    (o_lo, o_hi), (t_lo, t_hi) = box.omega, box.tau
    return np.maximum(np.abs(omega - (o_lo + o_hi) / 2) / ((o_hi - o_lo) / 2),
                      np.abs(tau - (t_lo + t_hi) / 2) / ((t_hi - t_lo) / 2))


def largest_certified_subset(omega, tau, err_omega, err_tau, max_boxes=BUDGET_BOXES, known_bad=None):
    """The most units, nearest the centre of Theorem 1's (omega, tau) box (:func:`box_distance`),
    whose hull is CERTIFIED, by bisection on their number (certification of a sub-hull is implied by that
    of a larger hull, so the predicate is monotone up to UNDECIDED budgets).  Returns a dict
    (``units``, ``fraction``, ``hull``, ``verdict``, ``runs``) or ``None`` if no unit's own
    point is certified."""
    order = np.argsort(box_distance(omega, tau), kind="stable")
    n = len(order)

    def hull_k(k):
        idx = order[:k]
        return hull_of(omega[idx], tau[idx], err_omega[idx], err_tau[idx])

    lo, hi, runs, best = 0, n if known_bad is None else known_bad, 0, None
    while hi - lo > 1 and runs < MAX_BISECTIONS:
        mid = (lo + hi) // 2
        runs += 1
        if certify_hull(*hull_k(mid), max_boxes=max_boxes, first_failure=True)["verdict"] == CERTIFIED:
            lo, best = mid, True
        else:
            hi = mid
    if best is None:
        return {"units": 0, "fraction": 0.0, "hull": None, "verdict": None, "runs": runs, "exact": hi - lo <= 1}
    (oh, th) = hull_k(lo)
    return {"units": int(lo), "fraction": lo / n, "hull": {"omega": list(oh), "tau": list(th)},
            "verdict": CERTIFIED, "runs": runs, "exact": hi - lo <= 1,
            "rule": "the units nearest the centre of Theorem 1's (omega, tau) box, in units of its half-widths"}


# --- results ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerReport:
    name: str
    units: int
    inputs: int
    omega: dict
    tau: dict
    inside_theorem1: float
    hull: dict
    outside_theorem1_box: bool
    bias_name: str | None
    bias_abs_max: float | None
    verdict: str
    certification: dict
    certified_subset: dict | None

    def to_json(self):
        return {"name": self.name, "units": self.units, "inputs": self.inputs, "omega": self.omega, "tau": self.tau,
                "inside_theorem1": self.inside_theorem1, "hull": self.hull,
                "outside_theorem1_box": self.outside_theorem1_box, "bias": self.bias_name,
                "bias_abs_max": self.bias_abs_max, "verdict": self.verdict, "certification": self.certification,
                "certified_subset": self.certified_subset}

    def render(self):
        q = lambda d: " ".join(f"{d[k]:+.4f}" for k, _ in QUANTILES)  # noqa: E731
        h = self.hull
        lines = [f"  {self.name}: {self.units} units x {self.inputs} inputs -> {self.verdict}",
                 f"    omega min/q05/median/q95/max {q(self.omega)}",
                 f"    tau   min/q05/median/q95/max {q(self.tau)}",
                 f"    inside Theorem 1's box: {100 * self.inside_theorem1:.1f}% of units; hull omega "
                 f"[{h['omega'][0]:.6g}, {h['omega'][1]:.6g}] x tau [{h['tau'][0]:.6g}, {h['tau'][1]:.6g}]"
                 + (" (leaves the paper's box)" if self.outside_theorem1_box else ""),
                 "    biases: " + (f"{self.bias_name}, max |b| = {self.bias_abs_max:.4g} (the theory assumes none)"
                                   if self.bias_name else "none")]
        w = self.certification.get("witness")
        if w:
            lines.append(f"    witness: {w['claim']} fails at {w['point']} (value {w['value'][:12]}, 50-digit check)")
        for row in self.certification["claims"]:
            if row["verdict"] == UNDECIDED:
                lines.append(f"    {row['claim']}: UNDECIDED ({row.get('note', '')})")
        s = self.certified_subset
        if s is not None:
            if s["units"]:
                lines.append(f"    certified sub-range: {s['units']} of {self.units} units ({100 * s['fraction']:.1f}%), "
                             f"omega [{s['hull']['omega'][0]:.4g}, {s['hull']['omega'][1]:.4g}] x tau "
                             f"[{s['hull']['tau'][0]:.4g}, {s['hull']['tau'][1]:.4g}]")
            else:
                lines.append("    certified sub-range: none (not even the unit nearest Theorem 1's box)")
        return "\n".join(lines)


@dataclass(frozen=True)
class InspectResult:
    """``verify.py inspect``: per-layer reports and the network summary."""

    file: str
    kind: str
    layout: str
    layout_reason: str
    layers: tuple
    network: dict
    seconds: float

    @property
    def exit_code(self):
        verdicts = {layer.verdict for layer in self.layers}
        return 1 if REFUTED in verdicts else 3 if UNDECIDED in verdicts else 0

    def to_json(self):
        return {"file": self.file, "format": self.kind, "layout": self.layout, "layout_reason": self.layout_reason,
                "layers": [layer.to_json() for layer in self.layers], "network": self.network,
                "seconds": round(self.seconds, 2)}

    def render(self):
        net = self.network
        lines = [f"{self.file} ({self.kind}; layout {self.layout}: {self.layout_reason})",
                 "verdict per layer: over the layer's (omega, tau) hull x Omega, is g a contraction mapping "
                 "Omega = [-0.1, 0.1] x [0.8, 1.5] into itself? (certified, interval arithmetic)"]
        lines += [layer.render() for layer in self.layers]
        lines.append(f"network: {net['certified_in_a_row']} of {len(self.layers)} layers certified in a row "
                     f"from the input")
        traj = net["trajectory"]
        lines.append("  predicted (mean, variance) from (0, 1), iterated g per unit (evidence, the mean-field model):")
        lines.append("    " + "  ".join(_moments_text(m, v) for m, v in zip(traj["mean"], traj["var"])))
        if "trajectory_with_biases" in net:
            tb = net["trajectory_with_biases"]
            lines.append("  with the biases:")
            lines.append("    " + "  ".join(_moments_text(m, v) for m, v in zip(tb["mean"], tb["var"])))
        return "\n".join(lines)


# --- the analysis ----------------------------------------------------------------------------

def trajectory(layers, start=START, biases=False):
    """Predicted (mean, var) after each layer: g per unit with its own (omega_j, tau_j) (and
    bias b_j: the net input is then Normal(mu omega_j + b_j, nu tau_j)), pooled over units.

    Where the pooled moments leave the float64 range (huge weights or biases), that layer's
    and every later layer's entries are ``None``: no inf or nan is reported, and numpy's
    overflow warnings are off while the pooled sums are formed."""
    mu, nu = start
    means, variances = [mu], [nu]
    for layer in layers:
        if mu is None:
            means.append(None)
            variances.append(None)
            continue
        omega, tau = unit_sums(layer.weights)
        with np.errstate(over="ignore", invalid="ignore"):
            if biases and layer.bias is not None:
                m_j, v_j = moment_map(1.0, mu * omega + layer.bias, nu, tau)   # N(1 * m_j, nu * tau_j)
            else:
                m_j, v_j = moment_map(mu, omega, nu, tau)
            mu = float(np.mean(m_j))
            nu = float(np.mean(v_j + m_j * m_j) - mu * mu)
        if not (math.isfinite(mu) and math.isfinite(nu)):
            mu = nu = None
        means.append(mu)
        variances.append(nu)
    return {"mean": means, "var": variances}


def _moments_text(m, v):
    """One (mean, variance) of the trajectory for the text report."""
    if m is None:
        return "(beyond float64)"
    return f"({m:.3f}, {v:.3f})" if max(abs(m), abs(v)) < 1e6 else f"({m:.4g}, {v:.4g})"


def analyse_layer(layer, max_boxes=BUDGET_BOXES):
    w = layer.weights
    omega, tau = unit_sums(w)
    err_o, err_t = rounding_bounds(w)
    oh, th = hull_of(omega, tau, err_o, err_t)
    box = THEOREM1_BOX
    outside = oh[0] < box.omega[0] or oh[1] > box.omega[1] or th[0] < box.tau[0] or th[1] > box.tau[1]
    cert = certify_hull(oh, th, max_boxes=max_boxes)
    subset = None
    if cert["verdict"] != CERTIFIED:
        subset = largest_certified_subset(omega, tau, err_o, err_t, max_boxes=max_boxes, known_bad=len(omega))
    return LayerReport(layer.name, w.shape[0], w.shape[1], quantiles(omega), quantiles(tau),
                       float(np.mean(inside_box(omega, tau))), {"omega": list(oh), "tau": list(th)}, bool(outside),
                       layer.bias_name, None if layer.bias is None else float(np.abs(layer.bias).max(initial=0.0)),
                       cert["verdict"], {k: v for k, v in cert.items() if k != "seconds"} | {
                           "seconds": round(cert["seconds"], 3)}, subset)


def inspect_file(path, layers=None, layout="auto", max_boxes=BUDGET_BOXES, progress=None):
    """:class:`InspectResult` for a weights file (see module docstring)."""
    t0 = time.perf_counter()
    kind, layout, how, net = load_network(path, layers, layout)
    reports = []
    for layer in net:
        reports.append(analyse_layer(layer, max_boxes))
        if progress:
            progress(layer.name)
    in_a_row = 0
    for r in reports:
        if r.verdict != CERTIFIED:
            break
        in_a_row += 1
    network = {"layers": len(reports), "certified_in_a_row": in_a_row,
               "certified": [r.name for r in reports if r.verdict == CERTIFIED],
               "trajectory": trajectory(net), "start": list(START),
               "note": "trajectory: iterated g with each unit's (omega_j, tau_j), pooled over units; a prediction of "
                       "the mean-field model (evidence), every layer taken as followed by SELU"}
    if any(layer.bias is not None for layer in net):
        network["trajectory_with_biases"] = trajectory(net, biases=True)
    return InspectResult(path, kind, layout, how, tuple(reports), network, time.perf_counter() - t0)

