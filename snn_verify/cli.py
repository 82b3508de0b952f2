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

from snn_verify.argtypes import (EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, EXIT_UNDECIDED, Parser, UsageError,  # noqa: F401
                                 _exact, decimal_default, digits, dropout_rate, interval, library_default, number,
                                 output_dir, output_file, positive, positive_float)


# --- commands -----------------------------------------------------------------------------

def cmd_params(args):
    from snn_verify.theory.parameters import parameters

    return parameters(args.mean, args.var, args.omega, args.tau, digits=args.digits)


def cmd_point(args):
    from snn_verify.theory.jacobian import point

    return point(args.mu, args.omega, args.nu, args.tau, args.lam, args.alpha, digits=args.digits)


def cmd_dropout(args):
    from snn_verify.theory.dropout import alpha_dropout_constants

    return alpha_dropout_constants(args.rate, args.mean, args.var, args.omega, args.tau, digits=args.digits)


def cmd_report(args):
    from snn_verify.proofs import report

    ctx = report.Context(quick=args.quick, seed=args.seed, options={"device": args.report_device, "train": args.train})
    with _progress(len(report.SECTIONS), "report") as bar:
        return report.report(ctx, progress=lambda name: (bar.set_postfix_str(name), bar.update(1)))


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

def _decimal_options(p, fn, options):
    """``--NAME`` options for the decimal parameters ``options`` (``{name: (type, help)}``) of
    the library function ``fn``, with ``fn``'s defaults."""
    for name, (kind, help_) in options.items():
        p.add_argument(f"--{name}", type=kind, default=decimal_default(fn, name),
                       help=f"{help_} (default %(default)s)")
    p.add_argument("--digits", type=digits, default=library_default(fn, "digits"),
                   help="significant digits (default %(default)s)")


def _add_params(sub):
    from snn_verify.theory.parameters import solve_parameters

    p = sub.add_parser("params", help="SELU alpha and lambda for a fixed point (default: alpha01, lambda01)")
    _decimal_options(p, solve_parameters, {"mean": (number, "fixed-point mean mu*"),
                                           "var": (positive, "fixed-point variance nu*"),
                                           "omega": (number, "sum of weights"),
                                           "tau": (positive, "sum of squared weights")})
    p.set_defaults(func=cmd_params)


def _add_point(sub):
    from snn_verify.theory.jacobian import point

    p = sub.add_parser("point", help="g, its Jacobian and spectral norm at one point, to 50 digits")
    p.add_argument("--lam", type=positive, default=None, help="SELU lambda (default lambda01)")
    p.add_argument("--alpha", type=positive, default=None, help="SELU alpha (default alpha01)")
    _decimal_options(p, point, {"mu": (number, "input mean"), "omega": (number, "sum of weights"),
                                "nu": (positive, "input variance"), "tau": (positive, "sum of squared weights")})
    p.set_defaults(func=cmd_point)


def _add_dropout(sub):
    from snn_verify.theory.dropout import alpha_dropout_constants

    p = sub.add_parser("dropout", help="alpha-dropout affine correction a, b for a dropout rate")
    p.add_argument("--rate", type=dropout_rate, required=True, help="dropout rate 1 - q in [0, 1)")
    _decimal_options(p, alpha_dropout_constants, {"mean": (number, "fixed-point mean"),
                                                  "var": (positive, "fixed-point variance"),
                                                  "omega": (number, "omega of the SELU's fixed point"),
                                                  "tau": (positive, "tau of the SELU's fixed point")})
    p.set_defaults(func=cmd_dropout)


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

def _device_flag(p, dest="device", help="auto: CUDA when numba sees a GPU"):
    from snn_verify.proofs.evidence.backends import DEVICES

    p.add_argument("--device", dest=dest, choices=DEVICES, default=DEVICES[0], help=help)


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


def counts(text):
    """A comma-separated list of positive integers."""
    return [count(v) for v in text.split(",")]


def _defaults(fn):
    """The keyword defaults of the library function ``fn`` (each default is written once, there)."""
    import inspect

    return {k: p.default for k, p in inspect.signature(fn).parameters.items() if p.default is not p.empty}


def _backend(args):
    from snn_verify.proofs.evidence.backends import BackendUnavailable, get_backend

    try:
        get_backend(args.device)
    except BackendUnavailable as exc:
        raise UsageError(str(exc)) from None
    return args.device


def cmd_grid(args):
    from snn_verify.proofs.evidence.grid import grid_extrema

    box = [tuple(float(v) for v in pair) for pair in _box_argument(args).values()]
    with _progress(None, "grid") as bar:
        return grid_extrema(args.quantity, box, points=args.points, backend=_backend(args), progress=_feed(bar))


def _add_grid(sub):
    from snn_verify.proofs.evidence.backends import Backend
    from snn_verify.proofs.evidence.grid import DEFAULT_QUANTITY, grid_extrema
    from snn_verify.proofs.theorem1 import BOX
    from snn_verify.theory.quantities import NAMES

    p = sub.add_parser("grid", help="min/max of g, nu~ - nu, the Jacobian or its norm over a dense float64 grid "
                                    "(evidence, not proof)")
    p.add_argument("--quantity", choices=NAMES, default=DEFAULT_QUANTITY, help=f"what to reduce (default {DEFAULT_QUANTITY})")
    for v, (lo, hi) in BOX.as_dict().items():
        p.add_argument(f"--{v}", nargs=2, type=number, metavar=("LO", "HI"), default=[str(lo), str(hi)],
                       help=f"interval of {v} (default Theorem 1: {lo} {hi})")
    p.add_argument("--points", type=count, default=_defaults(grid_extrema)["points"],
                   help=f"at least this many points (default: the device's; {Backend.default_grid_points:.0e} on the CPU)")
    _device_flag(p)
    p.set_defaults(func=cmd_grid)


def _feed(bar):
    """A ``progress(done, total)`` callback of the experiments that moves the tqdm ``bar``."""
    def update(done, total):
        bar.total, bar.n = total, done
        bar.refresh()

    return update


def _run_mc(args, desc, fn, **kw):
    _backend(args)
    with _progress(None, desc) as bar:
        return fn(seed=args.seed, backend=args.device, progress=_feed(bar), **kw)


def cmd_mc_map(args):
    from snn_verify.proofs.evidence.montecarlo import map_grid

    mu, nu = interval(args.mu, "mu"), interval(args.nu, "nu")
    if nu[0] <= 0:
        raise UsageError("--nu must be > 0")
    return _run_mc(args, "montecarlo map", map_grid, mu=mu, nu=nu, grid=args.grid, omega=float(args.omega),
                   tau=float(args.tau), width=args.width, rows=args.rows, samples=args.samples,
                   inputs=args.inputs, weights=args.weights)


def cmd_mc_deep(args):
    from snn_verify.proofs.evidence.montecarlo import DEEP_STARTS, deep

    starts = [tuple(float(v) for v in s) for s in (args.start or DEEP_STARTS)]
    if any(s[1] <= 0 for s in starts):
        raise UsageError("--start: the variance must be > 0")
    return _run_mc(args, "montecarlo deep", deep, depth=args.depth, width=args.width, samples=args.samples,
                   starts=starts, dropout=args.dropout, rate=float(args.rate), weights=args.weights,
                   inputs=args.inputs)


def cmd_mc_zoo(args):
    import dataclasses

    from snn_verify.proofs.evidence.montecarlo import zoo

    r = _run_mc(args, "montecarlo zoo", zoo, activations=args.activations, inits=args.inits, depth=args.depth,
                width=args.width, samples=args.samples, batchnorm=args.batchnorm,
                highway_bias=None if args.highway_bias is None else float(args.highway_bias))
    return dataclasses.replace(r, json_histograms=args.histograms)


def cmd_mc_gradients(args):
    from snn_verify.proofs.evidence.montecarlo import gradients, parse_configs

    configs = parse_configs(args.configs) if isinstance(args.configs, str) else args.configs
    return _run_mc(args, "montecarlo gradients", gradients, configs=configs, depth=args.depth, width=args.width,
                   samples=args.samples)


def cmd_mc_width(args):
    from snn_verify.proofs.evidence.montecarlo import finite_width

    return _run_mc(args, "montecarlo width", finite_width, widths=args.widths, mu=float(args.mu), nu=float(args.nu),
                   omega=float(args.omega), tau=float(args.tau), inputs=args.inputs, weights=args.weights,
                   outputs=args.outputs, min_rows=args.min_rows, max_rows=args.max_rows)


def _add_montecarlo(sub):
    from snn_verify.proofs.evidence import montecarlo as mc
    from snn_verify.proofs.evidence.backends.device import DISTRIBUTIONS

    p = sub.add_parser("montecarlo", help="Monte Carlo through random SELU networks (evidence, not proof)")
    experiments = p.add_subparsers(dest="experiment", metavar="EXPERIMENT", parser_class=Parser, required=True)

    def add(name, fn, help, handler, flags):
        """A subcommand for ``fn`` whose flags (``(flag, type, extra kwargs)``) take their
        defaults from ``fn``'s keyword defaults (``--min-rows`` reads ``min_rows``)."""
        q = experiments.add_parser(name, help=help)
        d = _defaults(fn)
        for flag, type_, extra in flags:
            dest = flag[2:].replace("-", "_")
            default = d.get(dest)
            q.add_argument(flag, type=type_, default=default, help=f"(default {_show(default)})", **extra)
        if "seed" in d:
            q.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
        _device_flag(q)
        q.set_defaults(func=handler)
        return q

    pair = dict(nargs=2, metavar=("LO", "HI"))
    inputs = ("--inputs", None, dict(choices=DISTRIBUTIONS))
    weights = ("--weights", None, dict(metavar="INIT"))       # checked by the experiment: one of mc.INITS
    size = [("--width", count, {}), ("--samples", count, {})]
    add("map", mc.map_grid, "a. the one-layer empirical map on a (mu, nu) grid against g", cmd_mc_map,
        [("--mu", number, pair), ("--nu", number, pair), ("--grid", count, {}), ("--omega", number, {}),
         ("--tau", positive, {}), ("--rows", count, {}), weights, inputs] + size)
    add("deep", mc.deep, "b. mean/variance trajectories through deep SELU nets, with dropout", cmd_mc_deep,
        [("--depth", count, {}), ("--dropout", names, {}), ("--rate", dropout_rate, {}), weights, inputs] + size
        ).add_argument("--start", nargs=2, type=number, metavar=("MU", "NU"), action="append",
                       help=f"input mean and variance (repeatable; default {_show(mc.DEEP_STARTS)})")
    q = add("zoo", mc.zoo, "c. activation x initialisation statistics per layer (batch norm, highway)", cmd_mc_zoo,
            [("--activations", names, {}), ("--inits", names, {}), ("--depth", count, {}),
             ("--highway-bias", number, {})] + size)
    q.add_argument("--batchnorm", action="store_true", help="batch-normalise pre-activations")
    q.add_argument("--histograms", action="store_true", help="include per-layer histograms in --json")
    add("gradients", mc.gradients, "d. gradient norms per layer against the mean-field chi_1", cmd_mc_gradients,
        [("--configs", None, dict(metavar="ACT:INIT[,ACT:INIT]")), ("--depth", count, {})] + size)
    add("width", mc.finite_width, "e. error of the one-layer map against g as the width grows", cmd_mc_width,
        [("--widths", counts, {}), ("--mu", number, {}), ("--nu", positive, {}), ("--omega", number, {}),
         ("--tau", positive, {}), inputs, weights, ("--outputs", count, {}), ("--min-rows", count, {}),
         ("--max-rows", count, {})])


def _show(default):
    """A default for a help text: lists and pairs comma-separated."""
    if isinstance(default, (list, tuple)):
        return ",".join(":".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v) for v in default)
    return default


# --- benchmarks ---------------------------------------------------------------------------

def cmd_bench_grid(args):
    from snn_verify.proofs.evidence.bench import bench_grid

    return bench_grid(args.quantity, points=args.points, numpy_points=args.numpy_points)


def _add_bench_grid(bench_sub):
    from snn_verify.proofs.evidence.bench import bench_grid
    from snn_verify.theory.quantities import NAMES

    d = _defaults(bench_grid)
    p = bench_sub.add_parser("grid", help="grid points/s: numba kernel vs numpy + scipy (and torch)")
    p.add_argument("--quantity", choices=NAMES, default=d["quantity"])
    p.add_argument("--points", type=count, default=d["points"], help=f"numba grid points (default {d['points']:.0e})")
    p.add_argument("--numpy-points", type=count, default=d["numpy_points"],
                   help=f"numpy grid points (default {d['numpy_points']:.0e})")
    p.set_defaults(func=cmd_bench_grid)


def cmd_bench_montecarlo(args):
    from snn_verify.proofs.evidence.bench import bench_montecarlo

    return bench_montecarlo(width=args.width, samples=args.samples, depth=args.depth, max_width=args.max_width)


def _add_bench_montecarlo(bench_sub):
    from snn_verify.proofs.evidence.bench import bench_montecarlo

    d = _defaults(bench_montecarlo)
    p = bench_sub.add_parser("montecarlo", help="multiply-adds/s of a SELU layer (stored and hashed weights) and the "
                                                "deep trajectory, vs numpy and torch")
    for flag, type_, help in (("--width", counts, "widths to sweep"), ("--samples", counts, "sample counts to sweep"),
                              ("--depth", count, "layers of the deep row"),
                              ("--max-width", count, "fan-in of the widest layer run")):
        default = d[flag[2:].replace("-", "_")]
        p.add_argument(flag, type=type_, default=default, help=f"{help} (default {_show(default)})")
    p.set_defaults(func=cmd_bench_montecarlo)


def _add_bench_startup(bench_sub):
    from snn_verify.proofs.evidence.bench import bench_startup

    p = bench_sub.add_parser("startup", help="seconds of a fresh grid / Monte-Carlo process: empty vs warm kernel cache")
    p.set_defaults(func=lambda args: bench_startup())


# --- figures ----------------------------------------------------------------------------

def cmd_figures(args):
    from snn_verify.figures import FIGURE_MODULES, get
    from snn_verify.figures.common import Options, render_all

    modules = [get(n) for n in (args.only or FIGURE_MODULES)]
    if not args.only:                    # all figures: skip those whose optional extra is missing
        import importlib.util
        modules = [m for m in modules if all(importlib.util.find_spec(r) for r in getattr(m, "REQUIRES", ()))]
    opts = Options(quick=args.quick, device=_backend(args), seed=args.seed)
    output_dir(args.out, "out")
    if args.gallery:
        output_dir(args.gallery, "gallery")
    with _progress(len(modules), "figures") as bar:
        return render_all(modules, args.out, opts, args.gallery, progress=lambda name: bar.update(1))


def _add_figures(sub):
    from snn_verify.figures.common import DEFAULT_OUT

    p = sub.add_parser("figures", help="regenerate the paper's figures and the comparison figures (PNG + PDF)")
    p.add_argument("--out", default=DEFAULT_OUT, help="output directory (default %(default)s)")
    p.add_argument("--only", type=names, default=None, metavar="NAME[,NAME]",
                   help="only these figures (names: see README's gallery)")
    p.add_argument("--quick", action="store_true", default=argparse.SUPPRESS,
                   help="reduced sizes (all figures in under a minute)")
    p.add_argument("--gallery", metavar="DIR", default=None,
                   help="also write small PNG copies for the README (figures/gallery)")
    _device_flag(p)
    p.set_defaults(func=cmd_figures)


# --- framework conformance and a user's network (issue 12) -------------------------------

def cmd_frameworks(args):
    from snn_verify.proofs.evidence.frameworks import check_frameworks

    with _progress(None, "frameworks") as bar:
        return check_frameworks(samples=args.samples, seed=args.seed,
                                progress=lambda name: (bar.set_postfix_str(name[:30]), bar.update(1)))


def _add_frameworks(sub):
    from snn_verify.proofs.evidence.frameworks import SAMPLES

    p = sub.add_parser("frameworks", help="SELU and alpha dropout of installed frameworks against the theory (evidence)")
    p.add_argument("--samples", type=count, default=SAMPLES, help=f"samples per statistical check (default {SAMPLES:,})")
    p.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
    p.set_defaults(func=cmd_frameworks)


def cmd_inspect(args):
    from snn_verify.proofs.inspect_weights import inspect_file

    with _progress(None, "layers") as bar:
        return inspect_file(args.weights, layers=args.layers, layout=args.layout, max_boxes=args.budget_boxes,
                            progress=lambda name: (bar.set_postfix_str(name[:30]), bar.update(1)))


def _add_inspect(sub):
    from snn_verify.proofs.inspect_weights import BUDGET_BOXES, LAYOUTS

    p = sub.add_parser("inspect", help="a trained net's per-layer (omega, tau) and certified Theorem 1 verdicts")
    p.add_argument("weights", metavar="WEIGHTS", help=".npz, .safetensors or a PyTorch state_dict")
    p.add_argument("--layers", metavar="PATTERN", default=None, help="regex selecting the weight matrices by name")
    p.add_argument("--layout", choices=LAYOUTS, default=LAYOUTS[0],
                   help="weight matrix layout: out-in (PyTorch), in-out (x @ W, Keras); auto: by how layers chain")
    p.add_argument("--budget-boxes", type=count, default=BUDGET_BOXES,
                   help=f"boxes the certifier may bound per claim (default {BUDGET_BOXES})")
    p.set_defaults(func=cmd_inspect)


# --- training (evidence, not proof; needs the ``train`` extra) ---------------------------

def _add_train(sub):
    from snn_verify.proofs.evidence.training.experiments import command, defaults_help

    p = sub.add_parser("train", help="training experiments: Figure 1, a UCI comparison, weight drift (JAX)")
    tr = p.add_subparsers(dest="experiment", metavar="EXPERIMENT", parser_class=Parser, required=True)
    helps = {"figure1": "the paper's Figure 1: SNN vs BatchNorm training loss and its roughness per depth",
             "uci": "SNN vs ReLU, BatchNorm, LayerNorm, WeightNorm, Highway, ResNet: accuracy and average rank",
             "drift": "per-layer activations and per-unit (omega, tau) vs Theorem 1's box during training"}
    sizes = {"figure1": dict(width=count, depths=lambda t: [count(v) for v in t.split(",")], seeds=count,
                             steps=count, batch=count, lr=positive_float),
             "uci": dict(folds=count, steps=count, batch=count),
             "drift": dict(depth=count, width=count, steps=count, checkpoints=count, batch=count, lr=positive_float)}
    for name, flags in sizes.items():
        q = tr.add_parser(name, help=helps[name])
        q.add_argument("--data", metavar="PATH", help="MNIST idx folder, CIFAR-10 batches folder, CSV folder or file "
                                                      "(default: scikit-learn's bundled sets)")
        for key, kind in flags.items():
            q.add_argument(f"--{key}", type=kind, default=None, help=defaults_help(name, key))
        if name != "figure1":
            q.add_argument("--methods", type=names, default=None, help="comma list (default: all)")
        q.add_argument("--quick", action="store_true", default=argparse.SUPPRESS, help="reduced sizes")
        q.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
        q.set_defaults(func=command)


#: ``bench`` sub-subcommand registrations: functions ``add(bench_subparsers)``
BENCH_COMMANDS = [_add_bench_grid, _add_bench_montecarlo, _bench_certify, _bench_corners, _add_bench_startup]


def _add_bench(sub):
    p = sub.add_parser("bench", help="benchmarks: tables of ratios against a baseline measured in the same run")
    bench_sub = p.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=Parser, required=True)
    for add in BENCH_COMMANDS:
        add(bench_sub)


#: subcommand registrations, in the order ``-h`` lists them
COMMANDS = [_add_params, _add_point, _add_dropout, _add_theorems, _add_claim, _add_recheck, _add_fixed_point,
            _add_domain, _add_grid, _add_montecarlo, _add_figures, _add_bench, _add_frameworks, _add_inspect,
            _add_train]


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
    parser.add_argument("--train", action="store_true", help="report: also run the training experiments (JAX)")
    _device_flag(parser, "report_device", "backend of the report's grids and Monte Carlo (default auto: CUDA when "
                                          "numba sees a GPU)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    _add_json_flags(sub)
    parser.set_defaults(func=cmd_report)
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
