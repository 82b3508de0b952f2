#!/usr/bin/env python
"""snn-verify: a numerical theory verifier for Self-Normalizing Neural Networks.

``python verify.py`` prints the full report (``--quick`` for a short run, ``--json`` for
scripts).  Subcommands compute single things; run ``python verify.py -h`` for the list.
Exit status: 0 success, 1 a check failed (or a claim was refuted), 2 bad input,
3 a claim was left undecided.

This module is only the command line: it parses, dispatches and prints; every number and
every default comes from :mod:`snn_verify.theory` and :mod:`snn_verify.proofs`.  A command's
handler returns a result object with ``to_json()`` (the ``--json`` output), ``render()`` (the
text) and ``exit_code``.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input: reported on one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage dumps, and negative numbers in
    scientific notation (``--gt -1e-300``) read as values, not as options."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")

    def error(self, message):
        raise UsageError(message)


# --- argument types -----------------------------------------------------------------------

def number(text):
    """A finite real number.  Returns the text itself, so arbitrary-precision code can parse
    it as a decimal ("0.1" is one tenth, not the nearest double)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return text.strip()


def positive(text):
    text = number(text)
    if not float(text) > 0:
        tiny = _exact(text) > 0
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}" + (" (and at least 5e-324, the least float)" if tiny else ""))
    return text


def positive_float(text):
    return float(positive(text))


def digits(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"digits must be in [1, 1000]: {text!r}")
    return value


def dropout_rate(text):
    text = number(text)
    if not 0 <= float(text) < 1:
        raise argparse.ArgumentTypeError(f"dropout rate must be in [0, 1): {text!r}")
    return text


def interval(parser_args, name):
    """Validate a ``--name LO HI`` pair (finite, LO <= HI); returns (lo, hi) as floats."""
    if _exact(parser_args[0]) > _exact(parser_args[1]):   # exact decimals, so floats follow
        raise UsageError(f"--{name}: reversed interval [{parser_args[0]}, {parser_args[1]}]")
    return float(parser_args[0]), float(parser_args[1])


def _exact(text):
    """The decimal ``text`` as an exact rational (so "0.10000000000000000001" > "0.1", though
    both round to the same float)."""
    from fractions import Fraction

    try:
        return Fraction(str(text).strip().replace("_", ""))
    except ValueError:
        return Fraction(float(text))


def output_dir(path, flag):
    """Create the directory ``path`` for ``--flag`` now, before any work, or fail with a
    one-line message."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--{flag}: cannot create directory {path!r}: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        raise UsageError(f"--{flag}: directory {path!r} is not writable")
    return path


def output_file(path, flag):
    """Check, before any work, that the file ``path`` for ``--flag`` can be written."""
    if os.path.isdir(path):
        raise UsageError(f"--{flag}: {path!r} is a directory, a file name is expected")
    output_dir(os.path.dirname(os.path.abspath(path)), flag)
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UsageError(f"--{flag}: {path!r} is not writable")
    return path


# --- commands -----------------------------------------------------------------------------

def _dec(x, d):
    from snn_verify.theory.precision import to_decimal

    return to_decimal(x, d)


def cmd_params(args):
    from snn_verify.theory.parameters import solve_parameters

    sols = solve_parameters(args.mean, args.var, args.omega, args.tau, digits=args.digits, all_solutions=True)
    alpha, lambda_ = sols[0]
    return {
        "alpha": _dec(alpha, args.digits), "lambda": _dec(lambda_, args.digits),
        "fixed_point": {"mean": args.mean, "var": args.var}, "omega": args.omega, "tau": args.tau,
        "digits": args.digits,
        "other_solutions": [{"alpha": _dec(a, args.digits), "lambda": _dec(lam, args.digits)} for a, lam in sols[1:]],
    }


def cmd_point(args):
    from snn_verify.theory.jacobian import point_mp

    p = point_mp(args.mu, args.omega, args.nu, args.tau, args.lam, args.alpha, digits=args.digits)
    d = args.digits
    return {
        "mean": _dec(p["mean"], d), "variance": _dec(p["variance"], d),
        "jacobian": [[_dec(v, d) for v in row] for row in p["jacobian"]],
        "spectral_norm": _dec(p["spectral_norm"], d),
        "inputs": {"mu": args.mu, "omega": args.omega, "nu": args.nu, "tau": args.tau,
                   "lambda": args.lam or "lambda01", "alpha": args.alpha or "alpha01"},
        "digits": d,
    }


def cmd_dropout(args):
    from snn_verify.theory.dropout import alpha_dropout

    r = alpha_dropout(args.rate, args.mean, args.var, args.omega, args.tau, digits=args.digits)
    out = {k: _dec(v, args.digits) for k, v in r.items()}
    out.update({"rate": args.rate, "fixed_point": {"mean": args.mean, "var": args.var}})
    return out


def cmd_report(args):
    from snn_verify.proofs import report

    ctx = report.Context(quick=args.quick, seed=args.seed, options={"device": args.report_device})
    with _progress(len(report.SECTIONS), "report") as bar:
        sections = report.build(ctx, progress=lambda name: (bar.set_postfix_str(name), bar.update(1)))
    result = report.to_json(sections)
    result["_text"] = report.render(sections)
    result["_exit"] = EXIT_OK if result["ok"] else EXIT_FAILED
    return result


def cmd_theorems(args):
    from snn_verify.proofs.rigorous import suite

    if args.certificates:
        output_dir(args.certificates, "certificates")
    run = suite.extended if args.extended else suite.theorems
    with _progress(suite.claim_count(args.extended), "theorems") as bar:
        return run(tol=args.tolerance, workers=args.workers, certificates=args.certificates,
                   max_seconds=args.budget_seconds, progress=lambda name: bar.update(1))


def cmd_domain(args):
    from snn_verify.proofs.rigorous.domain import grow

    with _progress(None, f"domain {args.kind}") as bar:
        return grow(args.kind, args.theorem, workers=args.workers, progress=lambda side: bar.update(1))


def _box_argument(args):
    box = {}
    for name in ("mu", "omega", "nu", "tau"):
        lo, hi = getattr(args, name)
        interval([lo, hi], name)
        box[name] = (lo, hi)
    for name in ("nu", "tau"):
        if not float(box[name][0]) > 0:
            raise UsageError(f"--{name}: must be > 0 on the whole interval")
    return box


def cmd_claim(args):
    import dataclasses

    from snn_verify.proofs.rigorous import certificate
    from snn_verify.proofs.rigorous.certify import certify, make_claim

    box = _box_argument(args)
    if args.certificate:
        output_file(args.certificate, "certificate")
    relation, bound = ("<", args.lt) if args.lt is not None else (">", args.gt)
    claim = make_claim(args.quantity, relation, bound, box, model=_model_argument(args))
    with _progress(None, "boxes") as bar:
        def progress(n_boxes, width):
            bar.update(n_boxes - bar.n)
            bar.set_postfix_str(f"enclosure width {width:.2g}")

        r = certify(claim, tol=args.tolerance, max_seconds=args.budget_seconds, workers=args.workers,
                    progress=progress)
    if args.certificate:
        r = dataclasses.replace(r, certificate=certificate.write(r, args.certificate))
    return r


def _model_argument(args):
    from snn_verify.proofs.claims import Model

    pairs = {name: interval(getattr(args, name), name) and tuple(getattr(args, name)) if getattr(args, name) else ()
             for name in ("alpha", "lambda_")}
    for name, pair in pairs.items():
        if pair and not float(pair[0]) > 0:
            raise UsageError(f"--{name.rstrip('_')}: must be > 0")
    return Model(dropout=args.dropout or "", alpha=pairs["alpha"], lambda_=pairs["lambda_"])


def cmd_recheck(args):
    from snn_verify.proofs.rigorous.recheck import recheck_file

    with _progress(None, "recheck") as bar:
        return recheck_file(args.file, progress=lambda k: bar.update(1))


def cmd_fixed_point(args):
    from snn_verify.proofs.rigorous.fixed_point import fixed_point

    return fixed_point(args.omega, args.tau)


def _progress(total, desc):
    """A tqdm bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False)


# --- parser -------------------------------------------------------------------------------

def _add_params(sub):
    p = sub.add_parser("params", help="SELU alpha and lambda for a fixed point (default: alpha01, lambda01)")
    p.add_argument("--mean", type=number, default="0", help="fixed-point mean mu* (default 0)")
    p.add_argument("--var", type=positive, default="1", help="fixed-point variance nu* (default 1)")
    p.add_argument("--omega", type=number, default="0", help="sum of weights (default 0)")
    p.add_argument("--tau", type=positive, default="1", help="sum of squared weights (default 1)")
    p.add_argument("--digits", type=digits, default=50, help="significant digits (default 50)")
    p.set_defaults(func=cmd_params, text=lambda r: f"alpha  = {r['alpha']}\nlambda = {r['lambda']}" + "".join(
        f"\nalso: alpha = {s['alpha']}, lambda = {s['lambda']}" for s in r["other_solutions"]))


def _add_point(sub):
    p = sub.add_parser("point", help="g, its Jacobian and spectral norm at one point, to 50 digits")
    p.add_argument("--mu", type=number, default="0", help="input mean (default 0)")
    p.add_argument("--omega", type=number, default="0", help="sum of weights (default 0)")
    p.add_argument("--nu", type=positive, default="1", help="input variance (default 1)")
    p.add_argument("--tau", type=positive, default="1", help="sum of squared weights (default 1)")
    p.add_argument("--lam", type=positive, default=None, help="SELU lambda (default lambda01)")
    p.add_argument("--alpha", type=positive, default=None, help="SELU alpha (default alpha01)")
    p.add_argument("--digits", type=digits, default=50, help="significant digits (default 50)")
    p.set_defaults(func=cmd_point, text=lambda r: "\n".join([
        f"mean          = {r['mean']}", f"variance      = {r['variance']}",
        f"jacobian      = [[{r['jacobian'][0][0]}, {r['jacobian'][0][1]}],",
        f"                 [{r['jacobian'][1][0]}, {r['jacobian'][1][1]}]]",
        f"spectral_norm = {r['spectral_norm']}"]))


def _add_dropout(sub):
    p = sub.add_parser("dropout", help="alpha-dropout affine correction a, b for a dropout rate")
    p.add_argument("--rate", type=dropout_rate, required=True, help="dropout rate 1 - q in [0, 1)")
    p.add_argument("--mean", type=number, default="0", help="fixed-point mean (default 0)")
    p.add_argument("--var", type=positive, default="1", help="fixed-point variance (default 1)")
    p.add_argument("--omega", type=number, default="0", help="omega of the SELU's fixed point (default 0)")
    p.add_argument("--tau", type=positive, default="1", help="tau of the SELU's fixed point (default 1)")
    p.add_argument("--digits", type=digits, default=50, help="significant digits (default 50)")
    p.set_defaults(func=cmd_dropout, text=lambda r: "\n".join(
        f"{k:11s} = {r[k]}" for k in ("a", "b", "alpha_prime", "alpha", "lambda")))


def _add_theorems(sub):
    p = sub.add_parser("theorems", help="certify Theorems 1-3 over their whole domains (Arb interval arithmetic)")
    p.add_argument("--certificates", metavar="DIR", default=None, help="write one JSON certificate per claim to DIR")
    p.add_argument("--extended", action="store_true", help="also the certified results beyond the paper (issue 13)")
    _add_engine_options(p)
    p.set_defaults(func=cmd_theorems)


def _add_domain(sub):
    from snn_verify.proofs.rigorous.domain import KINDS

    p = sub.add_parser("domain", help="largest certified (mu, nu) or (omega, tau) box of a theorem, with witnesses")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--theorem", type=int, choices=(1, 2, 3), default=1, help="the theorem (default 1)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.set_defaults(func=cmd_domain)


def _add_engine_options(p, seconds=None):
    from snn_verify.proofs.rigorous import certify

    seconds = seconds or certify.MAX_SECONDS
    p.add_argument("--tolerance", type=positive_float, default=certify.TOLERANCE,
                   help=f"width of the extremum enclosures (default {certify.TOLERANCE:g})")
    p.add_argument("--budget-seconds", type=positive_float, default=seconds,
                   help=f"time budget per claim (default {seconds:g})")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")


def _add_claim(sub):
    from snn_verify.proofs.claims import QUANTITIES, VARIABLES
    from snn_verify.proofs.rigorous.certify import CLAIM_SECONDS

    p = sub.add_parser("claim", help="certify or refute one inequality over a box")
    p.add_argument("--quantity", required=True, choices=QUANTITIES)
    rel = p.add_mutually_exclusive_group(required=True)
    rel.add_argument("--lt", type=number, default=None, metavar="X", help="claim: quantity < X on the box")
    rel.add_argument("--gt", type=number, default=None, metavar="X", help="claim: quantity > X on the box")
    for name in VARIABLES:
        p.add_argument(f"--{name}", type=number, nargs=2, required=True, metavar=("LO", "HI"))
    p.add_argument("--certificate", metavar="FILE", default=None, help="write the claim's JSON certificate")
    p.add_argument("--dropout", type=dropout_rate, default=None, metavar="RATE",
                   help="quantities of g_q: alpha dropout at this rate after the layer")
    p.add_argument("--alpha", type=number, nargs=2, default=None, metavar=("LO", "HI"), help="alpha over [LO, HI]")
    p.add_argument("--lambda", dest="lambda_", type=number, nargs=2, default=None, metavar=("LO", "HI"),
                   help="lambda over [LO, HI]")
    _add_engine_options(p, CLAIM_SECONDS)
    p.set_defaults(func=cmd_claim)


def _add_recheck(sub):
    p = sub.add_parser("recheck", help="re-verify a certificate independently (exit 0 valid, 1 rejected)")
    p.add_argument("file", help="certificate JSON file")
    p.set_defaults(func=cmd_recheck)


def _add_fixed_point(sub):
    p = sub.add_parser("fixed-point", help="rigorous enclosure of g's fixed point (Krawczyk) for omega, tau")
    p.add_argument("--omega", type=number, default="0", help="sum of weights (default 0)")
    p.add_argument("--tau", type=positive, default="1", help="sum of squared weights (default 1)")
    p.set_defaults(func=cmd_fixed_point)
    _add_domain(sub)   # listed after fixed-point


def cmd_bench_certify(args):
    from snn_verify.proofs.evidence import bench_certify
    from snn_verify.proofs.theorems import theorem_claims

    with _progress(len(theorem_claims()), "bench certify") as bar:
        return bench_certify.bench(tol=args.tolerance, cap=args.cap, workers=args.workers,
                                   progress=lambda name: bar.update(1))


def _bench_certify(bench_sub):
    from snn_verify.proofs.evidence.bench_certify import CAP
    from snn_verify.proofs.rigorous.certify import TOLERANCE

    p = bench_sub.add_parser("certify", help="interval engine vs the natural interval extension, per theorem claim")
    p.add_argument("--tolerance", type=positive_float, default=TOLERANCE,
                   help=f"extremum enclosure width (default {TOLERANCE:g})")
    p.add_argument("--cap", type=positive_float, default=CAP,
                   help=f"time cap of the natural extension per claim (s, default {CAP:g})")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    p.set_defaults(func=cmd_bench_certify)


def cmd_bench_corners(args):
    from snn_verify.proofs.evidence import bench_corners

    with _progress(args.claims, "bench corners") as bar:
        return bench_corners.run(claims=args.claims, seconds=args.budget_seconds, seed=args.seed,
                                 workers=args.workers, progress=lambda verdict: bar.update(1))


def _bench_corners(bench_sub):
    from snn_verify.proofs.evidence.bench_corners import CLAIMS, SECONDS

    p = bench_sub.add_parser("corners", help="UNDECIDED rate on random hard-corner claims (issue 13)")
    p.add_argument("--claims", type=count, default=CLAIMS, help=f"claims drawn (default {CLAIMS})")
    p.add_argument("--budget-seconds", type=positive_float, default=SECONDS, help=f"per claim (default {SECONDS:g})")
    p.add_argument("--workers", type=int, default=1, help="worker processes per claim (default 1)")
    p.set_defaults(func=cmd_bench_corners)


# --- grids and Monte Carlo (evidence, not proof) -------------------------------------------

#: the Theorem 1 box, the default of ``grid``
_T1_BOX = {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.8", "1.5"), "tau": ("0.95", "1.1")}


def _device_flag(p, dest="device", help="auto: CUDA when numba sees a GPU"):
    from snn_verify.proofs.evidence.backends import DEVICES

    p.add_argument("--device", dest=dest, choices=DEVICES, default="auto", help=help)


def count(text):
    """A positive integer (``1e7`` and ``10_000_000`` are accepted)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and value >= 1 and value == int(value)):
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return int(value)


def names(text):
    """A comma-separated list of names (checked by the experiment: unknown ones exit 2)."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list (got {text!r})")
    return items


def _backend(args):
    from snn_verify.proofs.evidence.backends import BackendUnavailable, get_backend

    try:
        get_backend(args.device)
    except BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    return args.device


def _plain(obj):
    """numpy arrays and scalars -> lists and floats, recursively (for --json)."""
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def cmd_grid(args):
    from snn_verify.proofs.evidence.grid import grid_extrema

    box = [tuple(float(v) for v in pair) for pair in _box_argument(args).values()]
    device = _backend(args)
    bar, progress = _mc_progress("grid")
    with bar:
        r = grid_extrema(args.quantity, box, points=args.points, backend=device, progress=progress)
    r["box"] = dict(zip(("mu", "omega", "nu", "tau"), box))
    return _plain(r)


def _point_text(p):
    return ", ".join(f"{k} = {v:.6g}" for k, v in p.items()) if p else "-"


def _grid_text(r):
    shape = " x ".join(str(n) for n in r["shape"].values())
    box = ", ".join(f"{k} in [{lo:g}, {hi:g}]" for k, (lo, hi) in r["box"].items())
    return "\n".join([
        f"{r['quantity']} over {box}",
        f"grid     {shape} = {r['points']:,} points ({r['evidence']})",
        f"min      {r['min']:.15g} at {_point_text(r['argmin'])}",
        f"max      {r['max']:.15g} at {_point_text(r['argmax'])}",
        f"skipped  {r['nonfinite']} non-finite values",
        f"seconds  {r['seconds']:.2f} ({r['backend']})"])


def _add_grid(sub):
    from snn_verify.theory.quantities import NAMES as GRID_QUANTITIES

    p = sub.add_parser("grid", help="min/max of g, nu~ - nu, the Jacobian or its norm over a dense float64 grid "
                                    "(evidence, not proof)")
    p.add_argument("--quantity", choices=GRID_QUANTITIES, default="spectral_norm",
                   help="what to reduce (default spectral_norm)")
    for v, (lo, hi) in _T1_BOX.items():
        p.add_argument(f"--{v}", nargs=2, type=number, metavar=("LO", "HI"), default=[lo, hi],
                       help=f"interval of {v} (default Theorem 1: {lo} {hi})")
    p.add_argument("--points", type=count, default=None,
                   help="at least this many points (default 1e7 on the CPU, 1e9 on a GPU)")
    _device_flag(p)
    p.set_defaults(func=cmd_grid, text=_grid_text)


def _mc_seconds(r):
    return f"seconds {r['seconds']:.1f} ({r['backend']}; with JIT compilation on first use)"


def _mc_progress(desc):
    """A tqdm bar fed by the experiments' ``progress(done, total)`` callbacks."""
    bar = _progress(None, desc)

    def update(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def _run_mc(args, desc, fn, **kw):
    _backend(args)
    bar, update = _mc_progress(desc)
    try:
        return fn(seed=args.seed, backend=args.device, progress=update, **kw)
    finally:
        bar.close()


def cmd_mc_map(args):
    from snn_verify.proofs.evidence.montecarlo import map_grid

    mu, nu = interval(args.mu, "mu"), interval(args.nu, "nu")
    if nu[0] <= 0:
        raise UsageError("--nu must be > 0")
    r = _run_mc(args, "montecarlo map", map_grid, mu=mu, nu=nu, grid=args.grid, omega=float(args.omega),
                tau=float(args.tau), width=args.width, rows=args.rows, samples=args.samples,
                inputs=args.inputs, weights=args.weights)
    for k in ("analytic", "empirical", "stderr", "z"):
        del r[k]
    return _plain(r)


def _mc_map_text(r):
    worst = sorted(r["points"], key=lambda p: -max(abs(z) for z in p["z"]))[:5]
    lines = [f"one-layer map, {len(r['points'])} points, width {r['width']}, {r['rows']} units x {r['samples']} "
             f"samples, {r['weights']} weights, {r['inputs']} inputs ({r['evidence']})",
             f"largest |z| = {r['max_abs_z']:.2f} (z = (empirical - g) / stderr, mean and variance)",
             "   mu        nu        g mean     g var      MC mean    MC var     z mean  z var"]
    for p in worst:
        lines.append(f"  {p['mu']:+.4f}  {p['nu']:.4f}  {p['analytic'][0]:+.6f}  {p['analytic'][1]:.6f}  "
                     f"{p['empirical'][0]:+.6f}  {p['empirical'][1]:.6f}  {p['z'][0]:+6.2f}  {p['z'][1]:+6.2f}")
    lines.append(_mc_seconds(r))
    return "\n".join(lines)


def cmd_mc_deep(args):
    from snn_verify.proofs.evidence.montecarlo import deep

    starts = [tuple(float(v) for v in s) for s in (args.start or [("0", "1"), ("0.5", "3"), ("-0.3", "0.2")])]
    if any(s[1] <= 0 for s in starts):
        raise UsageError("--start: the variance must be > 0")
    r = _run_mc(args, "montecarlo deep", deep, depth=args.depth, width=args.width, samples=args.samples,
                starts=starts, dropout=args.dropout, rate=float(args.rate), weights=args.weights,
                inputs=args.inputs)
    return _plain(r)


def _mc_deep_text(r):
    lines = [f"deep SELU network: {r['depth']} layers of width {r['width']}, {r['samples']} samples, dropout rate "
             f"{r['rate']} ({r['evidence']})",
             "  start          dropout    layer  MC mean    MC var     g mean     g var      |z|"]
    for run in r["runs"]:
        for l in sorted({0, 1, r["depth"] // 2, r["depth"]}):
            e, a = run["empirical"][l], run["analytic"][l]
            z = max(abs(v) for v in run["z"][l])
            lines.append(f"  ({run['start'][0]:+.2f}, {run['start'][1]:.2f})  {run['dropout']:9s}  {l:5d}  "
                         f"{e[0]:+.5f}  {e[1]:.5f}  {a[0]:+.5f}  {a[1]:.5f}  {z:.2f}")
    lines.append(_mc_seconds(r))
    return "\n".join(lines)


def cmd_mc_zoo(args):
    from snn_verify.proofs.evidence.montecarlo import zoo

    r = _run_mc(args, "montecarlo zoo", zoo, activations=args.activations, inits=args.inits, depth=args.depth,
                width=args.width, samples=args.samples, batchnorm=args.batchnorm,
                highway_bias=None if args.highway_bias is None else float(args.highway_bias))
    if not args.histograms:
        for run in r["runs"].values():
            del run["histograms"]
        del r["bin_edges"]
    return _plain(r)


def _mc_zoo_text(r):
    d = r["depth"]
    extra = (" highway (gate bias %g)" % r["highway_bias"]) if r["highway_bias"] is not None else ""
    lines = [f"activation x initialisation: {d} layers{extra}{', batch norm' if r['batchnorm'] else ''}, "
             f"width {r['width']}, {r['samples']} samples ({r['evidence']})",
             "  run                 var(1)      var(L/2)    var(L)      mean(L)     saturated(L)"
             + ("  gate(L)  move(L)" if extra else "")]
    for name, run in r["runs"].items():
        line = (f"  {name:18s}  {run['var'][0]:10.4g}  {run['var'][d // 2 - 1 if d > 1 else 0]:10.4g}  "
                f"{run['var'][-1]:10.4g}  {run['mean'][-1]:+10.4g}  {run['frac_saturated'][-1]:10.3f}")
        if extra:
            line += f"  {run['gate'][-1]:7.3f}  {run['move'][-1]:7.3f}"
        lines.append(line)
    lines.append(_mc_seconds(r))
    return "\n".join(lines)


def cmd_mc_gradients(args):
    from snn_verify.proofs.evidence.montecarlo import gradients

    configs = []
    for item in args.configs.split(","):
        act, _, init = item.strip().partition(":")
        if not init:
            raise UsageError(f"--configs: expected ACTIVATION:INIT, got {item!r}")
        configs.append((act, init))
    r = _run_mc(args, "montecarlo gradients", gradients, configs=configs, depth=args.depth, width=args.width,
                samples=args.samples)
    return _plain(r)


def _mc_gradients_text(r):
    lines = [f"backward pass: {r['depth']} layers of width {r['width']}, {r['samples']} samples, random output "
             f"gradient ({r['evidence']})",
             "  run            measured growth/layer   chi_1 (mean field)   total E[g_0^2]/E[g_L^2]"]
    for name, run in r["runs"].items():
        lines.append(f"  {name:14s} {run['growth_per_layer']:12.4f}          {run['chi1_mean']:12.4f}       "
                     f"{run['total_growth']:14.4g}")
    lines.append("  (squared gradient norms; > 1 grows toward the input, < 1 vanishes)")
    lines.append(_mc_seconds(r))
    return "\n".join(lines)


def cmd_mc_width(args):
    from snn_verify.proofs.evidence.montecarlo import finite_width

    r = _run_mc(args, "montecarlo width", finite_width, widths=args.widths, mu=float(args.mu), nu=float(args.nu),
                omega=float(args.omega), tau=float(args.tau), inputs=args.inputs, weights=args.weights,
                outputs=args.outputs, min_rows=args.min_rows, max_rows=args.max_rows)
    return _plain(r)


def _mc_width_text(r):
    lines = [f"finite width: one SELU layer at (mu, nu) = ({r['mu']:g}, {r['nu']:g}), {r['inputs']} inputs, "
             f"{r['weights']} weights ({r['evidence']})",
             "  width    units  samples  |err mean|   stderr      |err var|    stderr      resolved"]
    for k, w in enumerate(r["widths"]):
        e, s, res = r["error"][k], r["stderr"][k], r["resolved"][k]
        lines.append(f"  {w:6d}  {r['rows'][k]:6d}  {r['samples'][k]:7d}  {e[0]:10.3g}  {s[0]:10.3g}  "
                     f"{e[1]:10.3g}  {s[1]:10.3g}  {'mean ' if res[0] else ''}{'var' if res[1] else ''}")
    for name in ("mean", "var"):
        slope, se = r["slope"][name], r["slope_stderr"][name]
        lines.append(f"  fitted rate ({name}): " + (f"error ~ width^({slope:.2f} +- {se:.2f})" if slope is not None
                                                    else "not fitted (fewer than 2 widths resolved)"))
    lines.append(_mc_seconds(r))
    return "\n".join(lines)


def _add_montecarlo(sub):
    from snn_verify.proofs.evidence.backends.device import DISTRIBUTIONS

    p = sub.add_parser("montecarlo", help="Monte Carlo through random SELU networks (evidence, not proof)")
    mc = p.add_subparsers(dest="experiment", metavar="EXPERIMENT", parser_class=Parser, required=True)
    weights = "weights: normalized (exact sums omega, tau per unit), lecun, he, xavier, small (default normalized)"

    def common(q, width, samples):
        q.add_argument("--width", type=count, default=width, help=f"units per layer (default {width})")
        q.add_argument("--samples", type=count, default=samples, help=f"input vectors (default {samples})")
        q.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
        _device_flag(q)

    q = mc.add_parser("map", help="a. the one-layer empirical map on a (mu, nu) grid against g")
    q.add_argument("--mu", nargs=2, type=number, metavar=("LO", "HI"), default=["-0.1", "0.1"])
    q.add_argument("--nu", nargs=2, type=number, metavar=("LO", "HI"), default=["0.8", "1.5"])
    q.add_argument("--grid", type=count, default=21, help="K: a K x K grid (default 21)")
    q.add_argument("--omega", type=number, default="0", help="sum of weights (default 0)")
    q.add_argument("--tau", type=positive, default="1", help="sum of squared weights (default 1)")
    q.add_argument("--rows", type=count, default=None, help="units (default: --width)")
    q.add_argument("--weights", default="normalized", help=weights)
    q.add_argument("--inputs", choices=DISTRIBUTIONS, default="normal")
    common(q, 256, 256)
    q.set_defaults(func=cmd_mc_map, text=_mc_map_text)

    q = mc.add_parser("deep", help="b. mean/variance trajectories through deep SELU nets, with dropout")
    q.add_argument("--depth", type=count, default=32)
    q.add_argument("--start", nargs=2, type=number, metavar=("MU", "NU"), action="append",
                   help="input mean and variance (repeatable; default (0, 1), (0.5, 3), (-0.3, 0.2))")
    q.add_argument("--dropout", type=names, default=["none", "alpha", "standard"],
                   help="comma list of none, alpha, standard (default all)")
    q.add_argument("--rate", type=dropout_rate, default="0.1", help="dropout rate 1 - q (default 0.1)")
    q.add_argument("--weights", default="normalized", help=weights)
    q.add_argument("--inputs", choices=DISTRIBUTIONS, default="normal")
    common(q, 512, 256)
    q.set_defaults(func=cmd_mc_deep, text=_mc_deep_text)

    q = mc.add_parser("zoo", help="c. activation x initialisation statistics per layer (batch norm, highway)")
    q.add_argument("--activations", type=names, default=["selu", "relu", "leaky_relu", "elu", "tanh", "sigmoid"],
                   help="comma list (default selu,relu,leaky_relu,elu,tanh,sigmoid; also gelu, swish)")
    q.add_argument("--inits", type=names, default=["lecun", "he", "xavier", "small"],
                   help="comma list of lecun, he, xavier, small, normalized (default lecun,he,xavier,small)")
    q.add_argument("--depth", type=count, default=16)
    q.add_argument("--batchnorm", action="store_true", help="batch-normalise pre-activations")
    q.add_argument("--highway-bias", type=number, default=None, help="highway layers with this gate bias")
    q.add_argument("--histograms", action="store_true", help="include per-layer histograms in --json")
    common(q, 256, 256)
    q.set_defaults(func=cmd_mc_zoo, text=_mc_zoo_text)

    q = mc.add_parser("gradients", help="d. gradient norms per layer against the mean-field chi_1")
    q.add_argument("--configs", default="selu:lecun,relu:he,tanh:xavier", help="comma list of ACTIVATION:INIT")
    q.add_argument("--depth", type=count, default=32)
    common(q, 512, 128)
    q.set_defaults(func=cmd_mc_gradients, text=_mc_gradients_text)

    q = mc.add_parser("width", help="e. error of the one-layer map against g as the width grows")
    q.add_argument("--widths", type=lambda t: [count(v) for v in t.split(",")],
                   default=[16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536], help="comma list")
    q.add_argument("--mu", type=number, default="0")
    q.add_argument("--nu", type=positive, default="1")
    q.add_argument("--omega", type=number, default="0")
    q.add_argument("--tau", type=positive, default="1")
    q.add_argument("--inputs", choices=DISTRIBUTIONS, default="skewed")
    q.add_argument("--weights", default="normalized", help=weights)
    q.add_argument("--outputs", type=count, default=1 << 22, help="units x samples per width (default 2^22)")
    q.add_argument("--min-rows", type=count, default=128)
    q.add_argument("--max-rows", type=count, default=1024)
    q.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
    _device_flag(q)
    q.set_defaults(func=cmd_mc_width, text=_mc_width_text)


# --- benchmarks ---------------------------------------------------------------------------

def _bench_grid_text(r):
    lines = [f"grid throughput, {r['quantity']} on the Theorem 1 box (baseline: {r['baseline']})",
             "  method                                         points        seconds    points/s      ratio"]
    for row in r["rows"]:
        lines.append(f"  {row['method']:45s}  {row['points']:12,d}  {row['seconds']:8.3f}  {row['points_per_s']:10.3g}  "
                     f"{row['ratio_vs_numpy']:6.2f}x")
    lines.append(f"  extremes agree with numpy on its grid: {'yes' if r['agree'] else 'NO'}")
    return "\n".join(lines)


def cmd_bench_grid(args):
    from snn_verify.proofs.evidence.bench import bench_grid

    r = bench_grid(args.quantity, points=args.points, numpy_points=args.numpy_points)
    r["_exit"] = EXIT_OK if r["agree"] else EXIT_FAILED
    return _plain(r)


def _add_bench_grid(bench_sub):
    from snn_verify.theory.quantities import NAMES as GRID_QUANTITIES

    p = bench_sub.add_parser("grid", help="grid points/s: numba kernel vs numpy + scipy")
    p.add_argument("--quantity", choices=GRID_QUANTITIES, default="spectral_norm")
    p.add_argument("--points", type=count, default=10_000_000, help="numba grid points (default 1e7)")
    p.add_argument("--numpy-points", type=count, default=1_000_000, help="numpy grid points (default 1e6)")
    p.set_defaults(func=cmd_bench_grid, text=_bench_grid_text)


def _bench_mc_text(r):
    lines = [f"one SELU layer, width {r['width']}, {r['samples']} samples (baseline: {r['baseline']}; "
             f"torch: {r['torch']})",
             "  method                                        device                        MAC/s       ratio"]
    for row in r["rows"]:
        lines.append(f"  {row['method']:44s}  {row['device']:28s}  {row['macs_per_s']:9.3g}  "
                     f"{row['ratio_vs_numpy']:6.2f}x")
    for device, ratio in r["ratio_vs_torch"].items():
        lines.append(f"  numba hashed / torch on {device}: {ratio:.2f}x")
    lines.append("  largest width by memory (float32; stored weights n^2; arithmetic, not attempted):")
    for w in r["widths"]:
        lines.append(f"    {w['method']:14s} {w['device']:5s} {w['largest_width'] if w['largest_width'] else '?':>10}")
    b = r["max_width_run"]
    lines.append(f"  ran width {b['width']:,} (fan-in) with hashed weights: {b['rows']} units x {b['samples']} samples "
                 f"in {b['seconds']:.2f} s ({b['macs_per_s']:.3g} MAC/s; full layer ~{b['full_layer_seconds_extrapolated']:.0f} s); "
                 f"stored weights would need {b['stored_weights_bytes'] / 2**30:.1f} GiB")
    return "\n".join(lines)


def cmd_bench_montecarlo(args):
    from snn_verify.proofs.evidence.bench import bench_montecarlo

    return _plain(bench_montecarlo(width=args.width, samples=args.samples, max_width=args.max_width))


def _add_bench_montecarlo(bench_sub):
    p = bench_sub.add_parser("montecarlo", help="multiply-adds/s of a SELU layer: hashed weights vs numpy (torch)")
    p.add_argument("--width", type=count, default=1024)
    p.add_argument("--samples", type=count, default=256)
    p.add_argument("--max-width", type=count, default=131072, help="width of the hashed layer run (default 2^17)")
    p.set_defaults(func=cmd_bench_montecarlo, text=_bench_mc_text)


# --- figures ----------------------------------------------------------------------------

def cmd_figures(args):
    import time

    from snn_verify.figures import FIGURE_MODULES, get
    from snn_verify.figures.common import Options, gallery_copy, render

    modules = [get(n) for n in (args.only or FIGURE_MODULES)]
    opts = Options(quick=args.quick, device=_backend(args), seed=args.seed)
    output_dir(args.out, "out")
    if args.gallery:
        output_dir(args.gallery, "gallery")
    made = []
    with _progress(len(modules), "figures") as bar:
        for module in modules:
            bar.set_postfix_str(module.NAME)
            t0 = time.perf_counter()
            summary = render(module, args.out, opts)
            summary["seconds"] = round(time.perf_counter() - t0, 2)
            if args.gallery:
                summary["gallery"] = gallery_copy(summary["files"][0], args.gallery)
            made.append(summary)
            bar.update(1)
    return {"out": args.out, "quick": args.quick, "figures": made}


def _add_figures(sub):
    p = sub.add_parser("figures", help="regenerate the paper's figures and the comparison figures (PNG + PDF)")
    p.add_argument("--out", default=os.path.join("figures", "out"), help="output directory (default figures/out)")
    p.add_argument("--only", type=names, default=None, metavar="NAME[,NAME]",
                   help="only these figures (names: see README's gallery)")
    p.add_argument("--quick", action="store_true", default=argparse.SUPPRESS,
                   help="reduced sizes (all figures in under a minute)")
    p.add_argument("--gallery", metavar="DIR", default=None,
                   help="also write small PNG copies for the README (figures/gallery)")
    _device_flag(p)
    p.set_defaults(func=cmd_figures, text=lambda r: "\n".join(
        f"{f['name']:16s} {f['seconds']:6.1f} s  {', '.join(f['files'])}\n{'':16s} {f['caption']}"
        for f in r["figures"]))


#: ``bench`` sub-subcommand registrations: functions ``add(bench_subparsers)``
BENCH_COMMANDS = [_add_bench_grid, _add_bench_montecarlo, _bench_certify, _bench_corners]


def _add_bench(sub):
    p = sub.add_parser("bench", help="benchmarks: tables of ratios against a baseline measured in the same run")
    bench_sub = p.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=Parser, required=True)
    for add in BENCH_COMMANDS:
        add(bench_sub)


#: subcommand registrations, in the order ``-h`` lists them
COMMANDS = [_add_params, _add_point, _add_dropout, _add_theorems, _add_claim, _add_recheck, _add_fixed_point,
            _add_grid, _add_montecarlo, _add_figures, _add_bench]


def _add_json_flags(sub):
    """Give every (sub-)subcommand a ``--json`` flag of its own."""
    for p in sub.choices.values():
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_json_flags(action)
        if not any(a.dest == "json" for a in p._actions):
            p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def build_parser():
    parser = Parser(prog="verify.py", description=__doc__.split("\n\n")[0],
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short report (under 30 s)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--seed", type=int, default=0, help="random seed for sampled checks (default 0)")
    _device_flag(parser, "report_device", "backend of the report's grids and Monte Carlo (default auto: CUDA when "
                                          "numba sees a GPU)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    _add_json_flags(sub)
    parser.set_defaults(func=cmd_report, text=lambda r: r["_text"])
    return parser


def main(argv=None):
    """Entry point of ``python verify.py`` and the ``snn-verify`` console script."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        result = args.func(args)
    except UsageError as exc:
        print(f"verify.py: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("verify.py: interrupted", file=sys.stderr)
        return 130
    except (ValueError, ArithmeticError) as exc:  # domain errors, no fixed point, precision
        print(f"verify.py: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a path given on the command line that cannot be read or written
        print(f"verify.py: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if hasattr(result, "to_json"):       # a result object: to_json(), render(), exit_code
            code = getattr(result, "exit_code", EXIT_OK)
            print(json.dumps(result.to_json(), indent=2, default=str) if getattr(args, "json", False)
                  else result.render())
        else:
            code = result.pop("_exit", EXIT_OK)
            text = result.pop("_text", None)
            if getattr(args, "json", False):
                print(json.dumps(result, indent=2, default=str))
            else:
                print(args.text(dict(result, _text=text)) if text is not None else args.text(result))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


if __name__ == "__main__":
    sys.exit(main())
