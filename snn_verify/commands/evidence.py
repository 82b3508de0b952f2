"""Commands: evidence, not proof: ``grid``, ``montecarlo ...``, ``figures``, ``bench grid``,
``bench montecarlo``, ``bench startup``.

Argument declarations and few-line handlers; every result is made (and rendered) by
the library.
"""
from __future__ import annotations

import argparse

from snn_verify.argtypes import (
    Parser,
    UsageError,
    backend_argument,
    box_argument,
    count,
    counts,
    defaults_of,
    device_flag,
    dropout_rate,
    interval,
    names,
    number,
    output_dir,
    positive,
    positive_problem,
    progress,
)
from snn_verify.commands.sweeping import add_sweep_options, swept, sweep_session


def cmd_grid(args):
    from snn_verify.proofs.evidence.grid import grid_extrema

    box = [tuple(float(v) for v in pair) for pair in box_argument(args).values()]
    with progress(None, "grid") as bar:
        return grid_extrema(args.quantity, box, points=args.points, backend=backend_argument(args), progress=_feed(bar))


def _add_grid(sub):
    from snn_verify.proofs.evidence.backends import Backend
    from snn_verify.proofs.evidence.grid import DEFAULT_QUANTITY, grid_extrema
    from snn_verify.proofs.theorems import THEOREM1_BOX as BOX
    from snn_verify.theory.quantities import NAMES

    p = sub.add_parser("grid", help="min/max of g, nu~ - nu, the Jacobian or its norm over a dense float64 grid "
                                    "(evidence, not proof)")
    p.add_argument("--quantity", choices=NAMES, default=DEFAULT_QUANTITY, help=f"what to reduce (default {DEFAULT_QUANTITY})")
    for v, (lo, hi) in BOX.as_dict().items():
        p.add_argument(f"--{v}", nargs=2, type=number, metavar=("LO", "HI"), default=[str(lo), str(hi)],
                       help=f"interval of {v} (default Theorem 1: {lo} {hi})")
    p.add_argument("--points", type=count, default=defaults_of(grid_extrema)["points"],
                   help=f"at least this many points (default: the device's; {Backend.default_grid_points:.0e} on the CPU)")
    device_flag(p)
    p.set_defaults(func=cmd_grid)


def _feed(bar):
    """A ``progress(done, total)`` callback of the experiments that moves the tqdm ``bar``."""
    def update(done, total):
        bar.total, bar.n = total, done
        bar.refresh()

    return update


def _run_mc(args, desc, fn, swept_fn=None, **kw):
    backend_argument(args)
    with progress(None, desc) as bar:
        if swept_fn is not None and swept(args):        # --out/--scheduler/--sweep-workers: a Dask sweep
            with sweep_session(args, bar) as session:
                return swept_fn(session, seed=args.seed, backend=args.device, progress=_feed(bar), **kw)
        return fn(seed=args.seed, backend=args.device, progress=_feed(bar), **kw)


def cmd_mc_map(args):
    from snn_verify.proofs.evidence.montecarlo import map_grid, swept as mc_swept

    mu, nu = interval(args.mu, "mu"), interval(args.nu, "nu")
    problem = positive_problem(args.nu[0])
    if problem:
        raise UsageError(f"--nu: the lower end {problem}" if "underflows" in problem else "--nu must be > 0")
    return _run_mc(args, "montecarlo map", map_grid, mc_swept.map_grid, mu=mu, nu=nu, grid=args.grid, omega=float(args.omega),
                   tau=float(args.tau), width=args.width, rows=args.rows, samples=args.samples,
                   inputs=args.inputs, weights=args.weights)


def cmd_mc_deep(args):
    from snn_verify.proofs.evidence.montecarlo import DEEP_STARTS, deep

    for _, var in args.start or ():
        problem = positive_problem(var)
        if problem:
            raise UsageError(f"--start: the variance {problem}" if "underflows" in problem
                             else "--start: the variance must be > 0")
    starts = [tuple(float(v) for v in s) for s in (args.start or DEEP_STARTS)]
    return _run_mc(args, "montecarlo deep", deep, depth=args.depth, width=args.width, samples=args.samples,
                   starts=starts, dropout=args.dropout, rate=float(args.rate), weights=args.weights,
                   inputs=args.inputs)


def cmd_mc_zoo(args):
    import dataclasses

    from snn_verify.proofs.evidence.montecarlo import swept as mc_swept, zoo

    r = _run_mc(args, "montecarlo zoo", zoo, mc_swept.zoo, activations=args.activations, inits=args.inits, depth=args.depth,
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
        d = defaults_of(fn)
        for flag, type_, extra in flags:
            dest = flag[2:].replace("-", "_")
            default = d.get(dest)
            q.add_argument(flag, type=type_, default=default, help=f"(default {_show(default)})", **extra)
        if "seed" in d:
            q.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
        device_flag(q)
        q.set_defaults(func=handler)
        return q

    pair = dict(nargs=2, metavar=("LO", "HI"))
    inputs = ("--inputs", None, dict(choices=DISTRIBUTIONS))
    weights = ("--weights", None, dict(metavar="INIT"))       # checked by the experiment: one of mc.INITS
    size = [("--width", count, {}), ("--samples", count, {})]
    add_sweep_options(add("map", mc.map_grid, "a. the one-layer empirical map on a (mu, nu) grid against g",
                          cmd_mc_map, [("--mu", number, pair), ("--nu", number, pair), ("--grid", count, {}),
                                       ("--omega", number, {}), ("--tau", positive, {}), ("--rows", count, {}),
                                       weights, inputs] + size), "grid cell")
    add("deep", mc.deep, "b. mean/variance trajectories through deep SELU nets, with dropout", cmd_mc_deep,
        [("--depth", count, {}), ("--dropout", names, {}), ("--rate", dropout_rate, {}), weights, inputs] + size
        ).add_argument("--start", nargs=2, type=number, metavar=("MU", "NU"), action="append",
                       help=f"input mean and variance (repeatable; default {_show(mc.DEEP_STARTS)})")
    q = add("zoo", mc.zoo, "c. activation x initialisation statistics per layer (batch norm, highway)", cmd_mc_zoo,
            [("--activations", names, {}), ("--inits", names, {}), ("--depth", count, {}),
             ("--highway-bias", number, {})] + size)
    q.add_argument("--batchnorm", action="store_true", help="batch-normalise pre-activations")
    q.add_argument("--histograms", action="store_true", help="include per-layer histograms in --json")
    add_sweep_options(q, "activation x initialisation")
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


def cmd_bench_grid(args):
    from snn_verify.proofs.evidence.bench import bench_grid

    return bench_grid(args.quantity, points=args.points, numpy_points=args.numpy_points)


def _add_bench_grid(bench_sub):
    from snn_verify.proofs.evidence.bench import bench_grid
    from snn_verify.theory.quantities import NAMES

    d = defaults_of(bench_grid)
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

    d = defaults_of(bench_montecarlo)
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


def cmd_figures(args):
    from snn_verify.figures import FIGURE_MODULES, get
    from snn_verify.figures.common import Options, render_all

    modules = [get(n) for n in (args.only or FIGURE_MODULES)]
    if not args.only:                    # all figures: skip those whose optional extra is missing
        import importlib.util
        modules = [m for m in modules if all(importlib.util.find_spec(r) for r in getattr(m, "REQUIRES", ()))]
    opts = Options(quick=args.quick, device=backend_argument(args), seed=args.seed)
    output_dir(args.out, "out")
    if args.gallery:
        output_dir(args.gallery, "gallery")
    with progress(len(modules), "figures") as bar:
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
    device_flag(p)
    p.set_defaults(func=cmd_figures)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_grid, _add_montecarlo, _add_figures]
#: ``bench`` sub-subcommand registrations
BENCH_COMMANDS = [_add_bench_grid, _add_bench_montecarlo, _add_bench_startup]
