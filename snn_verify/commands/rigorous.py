"""Commands: proofs: ``theorems``, ``claim``, ``recheck``, ``fixed-point``, ``domain``, ``bench certify``,
``bench corners`` (verdicts CERTIFIED / REFUTED / UNDECIDED).

Argument declarations and few-line handlers; every result is made (and rendered) by
the library.
"""
from __future__ import annotations

import argparse

from snn_verify.argtypes import (
    UsageError,
    box_argument,
    count,
    decimal_default,
    dropout_rate,
    interval,
    library_default,
    number,
    output_dir,
    output_file,
    positive,
    positive_float,
    positive_problem,
    progress,
    workers,
)
from snn_verify.commands.sweeping import add_sweep_options, check_out, counting, sweep_session


def cmd_theorems(args):
    from snn_verify.proofs.rigorous import suite

    if args.certificates:
        output_dir(args.certificates, "certificates")
    run = suite.extended if args.extended else suite.theorems
    with progress(suite.claim_count(args.extended), "theorems") as bar, sweep_session(args, bar) as session:
        return run(tol=args.tolerance, workers=args.workers, certificates=args.certificates,
                   max_seconds=args.budget_seconds, progress=lambda name: bar.update(1), session=session)


def _add_theorems(sub):
    p = sub.add_parser("theorems", help="certify Theorems 1-3 over their whole domains (Arb interval arithmetic)")
    p.add_argument("--certificates", metavar="DIR", default=None, help="write one JSON certificate per claim to DIR")
    p.add_argument("--extended", action="store_true", help="also the certified results beyond the paper (issue 13)")
    _add_engine_options(p)
    add_sweep_options(p, "claim")
    p.set_defaults(func=cmd_theorems)


def _add_engine_options(p, seconds=None):
    from snn_verify.proofs.rigorous import certify

    seconds = seconds or certify.MAX_SECONDS
    p.add_argument("--tolerance", type=positive_float, default=certify.TOLERANCE,
                   help=f"width of the extremum enclosures (default {certify.TOLERANCE:g})")
    p.add_argument("--budget-seconds", type=positive_float, default=seconds,
                   help=f"time budget per claim (default {seconds:g})")
    p.add_argument("--workers", type=workers, default=None, help="worker processes (default: all cores)")



def _activation_claim_arguments(args):
    """Refuse what covers SELU's closed form only, before any work (exit 2, one line)."""
    from snn_verify.theory.activation_registry import get

    get(args.activation)                                   # an unknown name: InputError
    if args.certificate:
        raise UsageError("--certificate: certificates, and the kernel that re-checks them, cover SELU's closed "
                         f"form only (not --activation {args.activation})")
    for flag, value in (("dropout", args.dropout), ("alpha", args.alpha), ("lambda", args.lambda_)):
        if value is not None:
            raise UsageError(f"--{flag}: SELU's only (not --activation {args.activation})")


def _model_argument(args, activation="selu"):
    from snn_verify.proofs.claims import Model

    pairs = {name: interval(getattr(args, name), name) and tuple(getattr(args, name)) if getattr(args, name) else ()
             for name in ("alpha", "lambda_")}
    for name, pair in pairs.items():
        problem = positive_problem(pair[0]) if pair else None
        if problem:
            raise UsageError(f"--{name.rstrip('_')}: " + (f"the lower end {problem}" if "underflows" in problem
                                                          else "must be > 0"))
    return Model(dropout=args.dropout or "", alpha=pairs["alpha"], lambda_=pairs["lambda_"], activation=activation)


def cmd_claim(args):
    import dataclasses

    from snn_verify.proofs.rigorous import certificate
    from snn_verify.proofs.rigorous.certify import certify, make_claim

    box = box_argument(args)
    if args.activation != "selu":
        _activation_claim_arguments(args)
    if args.certificate:
        output_file(args.certificate, "certificate")
    relation, bound = ("<", args.lt) if args.lt is not None else (">", args.gt)
    claim = make_claim(args.quantity, relation, bound, box, model=_model_argument(args, args.activation))
    with progress(None, "boxes") as bar:
        def update(n_boxes, width):
            bar.update(n_boxes - bar.n)
            bar.set_postfix_str(f"enclosure width {width:.2g}")

        r = certify(claim, tol=args.tolerance, max_seconds=args.budget_seconds, workers=args.workers,
                    progress=update)
    if args.certificate:
        r = dataclasses.replace(r, certificate=certificate.write(r, args.certificate))
    return r


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
    p.add_argument("--activation", metavar="NAME", default="selu",
                   help="the unit, scaled by its certified constants (`verify.py activation NAME`; default selu)")
    _add_engine_options(p, CLAIM_SECONDS)
    p.set_defaults(func=cmd_claim)


def cmd_claims(args):
    import os

    from snn_verify.proofs import sweep
    from snn_verify.proofs.rigorous import batch

    if not os.path.isfile(args.file):
        raise UsageError(f"claims file not found: {args.file}")
    check_out(args)
    if args.certificates:
        output_dir(args.certificates, "certificates")
    tasks = batch.tasks(args.file, args.budget_seconds, args.certificates and os.path.abspath(args.certificates))
    with progress(len(tasks), "claims") as bar:
        result = sweep.run(tasks, out=args.out, resume=args.resume, scheduler=args.scheduler, workers=args.workers,
                           progress=counting(bar))
    return batch.ClaimsResult(result)


def _add_claims(sub):
    from snn_verify.proofs.rigorous.certify import CLAIM_SECONDS

    p = sub.add_parser("claims", help="certify a JSON-lines file of claims as a Dask sweep (checkpointed, resumable)")
    p.add_argument("file", help="one claim a line: {name, quantity, relation, bound, box, model?}")
    p.add_argument("--out", metavar="FILE", default=None, help="append each result to this JSON-lines file as it arrives")
    p.add_argument("--resume", action="store_true", help="skip the claims whose results --out already holds")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="a Dask scheduler (default: $SNN_VERIFY_SCHEDULER, else a local cluster of worker processes)")
    p.add_argument("--workers", type=workers, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--budget-seconds", type=positive_float, default=CLAIM_SECONDS,
                   help=f"time budget per claim (default {CLAIM_SECONDS:g})")
    p.add_argument("--certificates", metavar="DIR", default=None, help="write each decided claim's certificate to DIR")
    p.set_defaults(func=cmd_claims)


def cmd_recheck(args):
    from snn_verify.proofs.rigorous.recheck import recheck_files

    with progress(None, "recheck") as bar:
        return recheck_files(args.file, progress=lambda k: bar.update(1))


def _add_recheck(sub):
    p = sub.add_parser("recheck", help="re-verify certificates independently (exit 0 all valid, 1 any rejected)")
    p.add_argument("file", nargs="+", help="certificate JSON files")
    p.set_defaults(func=cmd_recheck)


def cmd_fixed_point(args):
    from snn_verify.proofs.rigorous.fixed_point import fixed_point

    return fixed_point(args.omega, args.tau)


def _add_fixed_point(sub):
    p = sub.add_parser("fixed-point", help="rigorous enclosure of g's fixed point (Krawczyk) for omega, tau")
    from snn_verify.proofs.rigorous.fixed_point import fixed_point

    p.add_argument("--omega", type=number, default=decimal_default(fixed_point, "omega"),
                   help="sum of weights (default %(default)s)")
    p.add_argument("--tau", type=positive, default=decimal_default(fixed_point, "tau"),
                   help="sum of squared weights (default %(default)s)")
    p.set_defaults(func=cmd_fixed_point)


def cmd_domain(args):
    from snn_verify.proofs.rigorous.domain import grow

    if args.certificates:
        output_dir(args.certificates, "certificates")
    with progress(None, f"domain {args.kind}") as bar, sweep_session(args, bar, count=False) as session:
        return grow(args.kind, args.theorem, workers=args.workers, progress=lambda side: bar.update(1),
                    certificates=args.certificates, session=session)


def _add_domain(sub):
    from snn_verify.proofs.rigorous.domain import KINDS, grow

    p = sub.add_parser("domain", help="largest certified (mu, nu) or (omega, tau) box of a theorem, with witnesses")
    p.add_argument("kind", choices=KINDS)
    p.add_argument("--theorem", type=int, choices=(1, 2, 3), default=library_default(grow, "theorem"),
                   help="the theorem (default %(default)s)")
    p.add_argument("--workers", type=workers, default=None, help="worker processes (default: all cores)")
    p.add_argument("--certificates", metavar="DIR", default=None,
                   help="write the final box's and the witnesses' certificates to DIR")
    add_sweep_options(p, "claim")
    p.set_defaults(func=cmd_domain)


def cmd_bench_certify(args):
    from snn_verify.proofs.evidence import bench_certify
    from snn_verify.proofs.theorems import theorem_claims

    with progress(len(theorem_claims()), "bench certify") as bar:
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
    p.add_argument("--workers", type=workers, default=None, help="worker processes (default: all cores)")
    p.set_defaults(func=cmd_bench_certify)


def cmd_bench_corners(args):
    from snn_verify.proofs.evidence import bench_corners

    with progress(args.claims, "bench corners") as bar:
        return bench_corners.run(claims=args.claims, seconds=args.budget_seconds, seed=args.seed,
                                 workers=args.workers, progress=lambda verdict: bar.update(1),
                                 sweep_workers=args.sweep_workers, scheduler=args.scheduler)


def _bench_corners(bench_sub):
    from snn_verify.proofs.evidence.bench_corners import CLAIMS, SECONDS, run

    p = bench_sub.add_parser("corners", help="UNDECIDED rate on random hard-corner claims (issue 13)")
    p.add_argument("--claims", type=count, default=CLAIMS, help=f"claims drawn (default {CLAIMS})")
    p.add_argument("--budget-seconds", type=positive_float, default=SECONDS, help=f"per claim (default {SECONDS:g})")
    p.add_argument("--workers", type=int, default=library_default(run, "workers"),
                   help="worker processes per claim (default %(default)s)")
    p.add_argument("--seed", type=int, default=argparse.SUPPRESS,
                   help="random seed of the claims drawn (default: verify.py's --seed, 0)")
    p.add_argument("--sweep-workers", type=workers, default=None,
                   help="run the claims as a Dask sweep on this many local worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, help="run the claims as a sweep on this Dask cluster")
    p.set_defaults(func=cmd_bench_corners)


def cmd_bench_recheck(args):
    from snn_verify.proofs.evidence import bench_recheck

    with progress(None, "bench recheck") as bar:
        return bench_recheck.bench(extended=args.extended, progress=lambda name: bar.update(1))


def _bench_recheck(bench_sub):
    p = bench_sub.add_parser("recheck", help="the certificate checker's time against the engine's, per claim")
    p.add_argument("--extended", action="store_true", help="also the claims beyond the paper (dropout, float32)")
    p.set_defaults(func=cmd_bench_recheck)


def cmd_bench_sweep(args):
    from snn_verify.proofs.evidence import bench_sweep

    with progress(2, "bench sweep") as bar:
        return bench_sweep.bench(claims=args.claims, seconds=args.budget_seconds, seed=args.seed, tasks=args.tasks,
                                 progress=lambda workers: bar.update(1))


def _bench_sweep(bench_sub):
    from snn_verify.proofs.evidence.bench_sweep import CLAIMS, SECONDS, TASKS

    p = bench_sub.add_parser("sweep", help="a Dask claim sweep on 2 workers against 1, and the overhead per task")
    p.add_argument("--claims", type=count, default=CLAIMS, help=f"hard-corner claims (default {CLAIMS})")
    p.add_argument("--budget-seconds", type=positive_float, default=SECONDS, help=f"per claim (default {SECONDS:g})")
    p.add_argument("--tasks", type=count, default=TASKS, help=f"trivial tasks for the overhead (default {TASKS})")
    p.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="seed of the claims drawn (default: verify.py's --seed, 0)")
    p.set_defaults(func=cmd_bench_sweep)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_theorems, _add_claim, _add_claims, _add_recheck, _add_fixed_point, _add_domain]
#: ``bench`` sub-subcommand registrations
BENCH_COMMANDS = [_bench_certify, _bench_corners, _bench_recheck, _bench_sweep]
