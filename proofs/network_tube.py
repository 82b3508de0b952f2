r"""``verify.py tube WEIGHTS``: the certified tube of a weights file, re-checked, with the
Monte Carlo evidence beside it (issue 19).

Reads the file with :func:`snn_verify.proofs.inspect_weights.load_network` (npz, safetensors,
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

from .evidence.tube_montecarlo import SAMPLES, forward
from .inspect_weights import load_network
from .rigorous import tube as engine
from .rigorous.recheck import tube as kernel


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


def evidence(result, weights, samples=SAMPLES, seed=0):
    """Monte Carlo rows at the centre of the tube's start box, against the point tube from
    that centre (the start box's own tube where it is a point)."""
    body = result.certificate_body
    start = body["start"]
    mean_c, var_c = _centre(start["mean"]), _centre(start["variance"])
    if [mean_c] * 2 != start["mean"] or [var_c] * 2 != start["variance"]:
        if Fraction(mean_c) != 0:
            return ()          # the engine takes boxes symmetric about 0: a centre mean of 0
        body = engine.run_tube(weights, "0", (var_c, var_c), spec=body["weights"]).certificate_body
    layers = body["layers"]
    if not layers:
        return ()
    pooled = [(float((Fraction(layer["pooled_mean"][0]) + Fraction(layer["pooled_mean"][1])) / 2),
               float((Fraction(layer["pooled_variance"][0]) + Fraction(layer["pooled_variance"][1])) / 2))
              for layer in layers]
    return tuple(forward(weights[:len(layers)], [_midpoints(layer["mean"]) for layer in layers],
                         [_midpoints(layer["variance"]) for layer in layers], mean=float(Fraction(mean_c)),
                         var=float(Fraction(var_c)), samples=samples, seed=seed, pooled=pooled))


def run(path, input_mean="0", input_var=("1", "1"), target_mean=engine.TARGET_MEAN,
        target_var=engine.TARGET_VARIANCE, scope="pooled", certificate=None, layers=None, layout="auto",
        samples=SAMPLES, seed=0, fixed_points=False):
    """:class:`snn_verify.proofs.rigorous.tube.TubeResult` of a weights file, re-checked
    (``recheck``: problems and seconds), with Monte Carlo evidence (``samples = 0``: none);
    ``fixed_points``: also each square layer's fixed point (Krawczyk,
    :mod:`snn_verify.proofs.rigorous.tube_fixed_point`)."""
    t0 = time.perf_counter()
    weights, spec = load(path, layers, layout)
    r = engine.run_tube(weights, input_mean, input_var, target_mean, target_var, scope, spec=spec)
    t1 = time.perf_counter()
    problems = kernel.check(r.certificate_body, weights)
    recheck = {"problems": problems, "seconds": time.perf_counter() - t1}
    if certificate:
        engine.write_certificate(r, certificate)
    mc = evidence(r, weights, samples, seed) if samples else ()
    fps = ()
    if fixed_points:
        from .rigorous.tube_fixed_point import fixed_point

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
