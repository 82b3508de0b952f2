r"""``verify.py tube WEIGHTS``: the certified tube of a weights file, re-checked, with the
Monte Carlo evidence beside it (issue 19).

Reads the file with :func:`snn_verify.proofs.networks.inspect_weights.load_network` (npz, safetensors,
a PyTorch state_dict when torch is installed; layouts detected as ``inspect`` does), runs the
certified tube (:func:`snn_verify.proofs.rigorous.tube.run_tube`), re-checks its certificate
with the proof kernel (:func:`snn_verify.proofs.rigorous.recheck.tube.check`), optionally
writes it, and adds the forward pass of Gaussian inputs at the box centre
(:mod:`snn_verify.proofs.evidence.tube_montecarlo`).

:func:`meanfield_section` gives the same as a dict for ``inspect``'s ``meanfield`` section.
"""
from __future__ import annotations

import dataclasses
import time
from decimal import Decimal
from fractions import Fraction

import numpy as np

from snn_verify.errors import InputError

from ..evidence.tube_montecarlo import SAMPLES, forward
from .inspect_weights import load_network
from ..rigorous import tube as engine
from ..rigorous.recheck import tube as kernel


def load(path, layers=None, layout="auto"):
    """``(weights, spec)``: ``[(W, b)]`` with ``W`` as (units, inputs), and the certificate's
    ``weights`` entry (file path and SHA-256, array names, layout, per-array SHA-256)."""
    kind, layout, how, net = load_network(path, layers, layout)
    weights = [(layer.weights, layer.bias) for layer in net]
    spec = engine.weights_spec(weights, [(layer.name, layer.bias_name) for layer in net], file=str(path),
                               file_sha256=engine.file_sha256(path), layout=layout)
    return weights, spec


def _midpoints(pairs):
    return [float((Fraction(lo) + Fraction(hi)) / 2) for lo, hi in pairs]


def _centre(pair):
    lo, hi = Decimal(pair[0]), Decimal(pair[1])
    return engine.canonical(str((lo + hi) / 2))


def evidence(result, weights, samples=SAMPLES, seed=0, data=None):
    """Monte Carlo rows at the centre of the tube's start box (every feature Gaussian with
    its interval's midpoint as mean and variance), against the point tube from that centre
    (the start box's own tube where it is a point).  ``data``: the rows of a data matrix
    instead of Gaussian inputs (against the same tube)."""
    body = result.certificate_body
    features = body["input"]["features"]
    start = kernel.per_feature(body["start"], features)
    centre = {k: [[_centre(p)] * 2 for p in start[k]] for k in ("mean", "variance")}
    if centre != start:
        body = engine.run_tube(weights, spec=body["weights"], input_box=centre,
                               dropout=body.get("dropout")).certificate_body
    layers = body["layers"]
    if not layers:
        return ()
    pooled = [(float((Fraction(layer["pooled_mean"][0]) + Fraction(layer["pooled_mean"][1])) / 2),
               float((Fraction(layer["pooled_variance"][0]) + Fraction(layer["pooled_variance"][1])) / 2))
              for layer in layers]
    mean = np.array([float(Fraction(p[0])) for p in centre["mean"]])
    var = np.array([float(Fraction(p[0])) for p in centre["variance"]])
    return tuple(forward(weights[:len(layers)], [_midpoints(layer["mean"]) for layer in layers],
                         [_midpoints(layer["variance"]) for layer in layers], mean=mean, var=var,
                         samples=samples, seed=seed, pooled=pooled, data=data, dropout=body.get("dropout")))


def read_data(path, max_rows=10 ** 6):
    """A data matrix (rows = samples, columns = features) from ``.npy``, ``.npz`` (its one
    2-D array, or the first), or ``.csv``/``.txt`` (numbers, comma or whitespace separated;
    a header line is skipped).  Raises :class:`~snn_verify.errors.InputError` in one line for a bad file."""
    lower = str(path).lower()
    try:
        if lower.endswith(".npy"):
            x = np.load(path, allow_pickle=False)
        elif lower.endswith(".npz"):
            with np.load(path, allow_pickle=False) as z:
                arrays = [z[k] for k in z.files if z[k].ndim == 2]
            if not arrays:
                raise ValueError("no 2-D array")
            x = arrays[0]
        else:
            with open(path) as fh:
                first = fh.readline()
            delimiter = "," if "," in first else None
            skip = 0 if all(_is_number(t) for t in first.replace(",", " ").split()) else 1
            x = np.loadtxt(path, delimiter=delimiter, skiprows=skip, ndmin=2)
    except OSError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: not a data matrix ({type(exc).__name__}: {str(exc).splitlines()[0][:100]})") from None
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] < 2 or not np.issubdtype(x.dtype, np.number):
        raise InputError(f"{path}: a 2-D numeric matrix with at least 2 rows expected, got shape {x.shape}")
    x = x[:max_rows].astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise InputError(f"{path}: NaN or infinite values")
    return x


def _is_number(t):
    try:
        float(t)
        return True
    except ValueError:
        return False


def data_box(x, margin=0.0):
    """Per-feature intervals from a data matrix: the sample mean and variance (``margin = 0``:
    a point), or widened by ``margin`` standard errors: mean +- margin sd/sqrt(N), variance
    times 1 +- margin sqrt(2/(N-1)) (at least 0).  Decimal texts (``repr`` of the floats)."""
    n = x.shape[0]
    mean, var = x.mean(axis=0), x.var(axis=0, ddof=1)
    dm = margin * np.sqrt(var / n)
    dv = margin * np.sqrt(2.0 / (n - 1)) * var
    return {"mean": [[repr(float(a - d)), repr(float(a + d))] for a, d in zip(mean, dm)],
            "variance": [[repr(float(max(v - d, 0.0))), repr(float(v + d))] for v, d in zip(var, dv)]}


def run(path, input_mean="0", input_var=("1", "1"), target_mean=engine.TARGET_MEAN,
        target_var=engine.TARGET_VARIANCE, scope="pooled", certificate=None, layers=None, layout="auto",
        samples=SAMPLES, seed=0, fixed_points=False, data=None, data_margin=0.0, dropout=None):
    """:class:`snn_verify.proofs.rigorous.tube.TubeResult` of a weights file, re-checked
    (``recheck``: problems and seconds), with Monte Carlo evidence (``samples = 0``: none);
    ``fixed_points``: also each square layer's fixed point (Krawczyk,
    :mod:`snn_verify.proofs.rigorous.tube_fixed_point`); ``data``: a data file whose
    per-feature moments (:func:`data_box`, widened by ``data_margin`` standard errors) are
    the input box, and whose rows also run through the network (Monte Carlo with the data)."""
    t0 = time.perf_counter()
    weights, spec = load(path, layers, layout)
    x = read_data(data) if data else None
    if x is not None and x.shape[1] != weights[0][0].shape[1]:
        raise InputError(f"{data}: {x.shape[1]} features, the network takes {weights[0][0].shape[1]}")
    r = engine.run_tube(weights, input_mean, input_var, target_mean, target_var, scope, spec=spec,
                        input_box=None if x is None else data_box(x, data_margin), dropout=dropout)
    t1 = time.perf_counter()
    problems = kernel.check(r.certificate_body, weights)
    recheck = {"problems": problems, "seconds": time.perf_counter() - t1}
    if certificate:
        engine.write_certificate(r, certificate)
    mc = evidence(r, weights, samples, seed) if samples else ()
    if x is not None:
        mc = mc + tuple(dict(row, inputs="data") for row in evidence(r, weights, x.shape[0], seed, data=x))
    fps = ()
    if fixed_points:
        from ..rigorous.tube_fixed_point import fixed_point

        fps = tuple(dict(fixed_point(w, b), layer=i + 1) for i, (w, b) in enumerate(weights) if w.shape[0] == w.shape[1])
    return dataclasses.replace(r, file=str(path), certificate=certificate, recheck=recheck, monte_carlo=mc,
                               fixed_points=fps, seconds=time.perf_counter() - t0)


def meanfield_section(weights, samples=SAMPLES, seed=0, **options):
    """The ``meanfield`` section of ``inspect`` for a weights file (a path) or ``[(W, b)]``:
    ``verdict``, ``note``, ``layers[]`` (``mean``, ``variance``: certified pooled
    enclosures; ``units``: quantiles of the per-unit enclosures), ``monte_carlo[]``,
    ``certificate`` (its ``sha256``; the body under ``certificate_body``), ``recheck``."""
    if isinstance(weights, (str, bytes)) or hasattr(weights, "__fspath__"):
        r = run(weights, samples=samples, seed=seed, **options)
    else:
        r = engine.run_tube(weights, **options)
        t1 = time.perf_counter()
        problems = kernel.check(r.certificate_body, weights)
        r = dataclasses.replace(r, recheck={"problems": problems, "seconds": time.perf_counter() - t1},
                                monte_carlo=evidence(r, weights, samples, seed) if samples else ())
    out = r.to_json()
    out["layers"] = [{"name": layer["name"], "mean": layer["mean"], "variance": layer["variance"],
                      "units": layer["units"]} for layer in r.layers]
    out["certificate"] = r.certificate_body["sha256"]
    out["certificate_body"] = r.certificate_body
    return out


@dataclasses.dataclass(frozen=True)
class InspectReport:
    """``verify.py inspect``: the question a user asks, does this network self-normalise?, led
    by the certified tube of its per-unit mean-field map (``meanfield``: the section of
    :func:`meanfield_section`), then the paper's Theorem 1 per unit (``theorem1``: the
    :class:`snn_verify.proofs.networks.inspect_weights.InspectResult`, as before).  The exit status
    follows the tube's verdict (0 CERTIFIED, 1 REFUTED, 3 UNDECIDED)."""

    theorem1: object
    meanfield: dict
    tube: object

    @property
    def exit_code(self):
        return self.tube.exit_code

    def to_json(self):
        return dict(self.theorem1.to_json(), meanfield={k: v for k, v in self.meanfield.items()
                                                        if k != "certificate_body"})

    def render(self):
        return "\n".join(["Self-normalisation of this network (certified tube of the per-unit mean-field map):",
                          self.tube.render(), "",
                          "The paper's Theorem 1, per unit (each layer's (omega, tau) hull):",
                          self.theorem1.render()])


def inspect_network(path, layers=None, layout="auto", max_boxes=None, progress=None):
    """:class:`InspectReport` of a weights file: the tube (:func:`run`, re-checked, with Monte
    Carlo evidence) and the per-unit Theorem 1 analysis
    (:func:`snn_verify.proofs.networks.inspect_weights.inspect_file`)."""
    from .inspect_weights import BUDGET_BOXES, inspect_file

    theorem1 = inspect_file(path, layers=layers, layout=layout, max_boxes=max_boxes or BUDGET_BOXES, progress=progress)
    tube = run(path, layers=layers, layout=layout)
    section = tube.to_json()
    section["layers"] = [{"name": layer["name"], "mean": layer["mean"], "variance": layer["variance"],
                          "units": layer["units"]} for layer in tube.layers]
    section["certificate"] = tube.certificate_body["sha256"]
    return InspectReport(theorem1, section, tube)
