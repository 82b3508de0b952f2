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
import os
import sys

from snn_verify.argtypes import (
    EXIT_BAD_INPUT,
    Parser,
    UsageError,
    device_flag,
    library_default,
    progress,
)
from snn_verify.commands import activation, checks, evidence, meanfield, rigorous, theory, training, tube


def cmd_report(args):
    from snn_verify.proofs import report

    ctx = report.Context(quick=args.quick, seed=args.seed, options={"device": args.report_device, "train": args.train})
    with progress(len(report.SECTIONS), "report") as bar:
        return report.report(ctx, progress=lambda name: (bar.set_postfix_str(name), bar.update(1)))


#: command groups, in the order ``-h`` lists them
GROUPS = (theory, rigorous, meanfield, activation, evidence, checks, training, tube)
#: ``bench`` sub-subcommand registrations: functions ``add(bench_subparsers)``
BENCH_COMMANDS = [add for group in GROUPS for add in getattr(group, "BENCH_COMMANDS", [])]


def _add_bench(sub):
    p = sub.add_parser("bench", help="benchmarks: tables of ratios against a baseline measured in the same run")
    bench_sub = p.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=Parser, required=True)
    for add in BENCH_COMMANDS:
        add(bench_sub)


#: subcommand registrations: functions ``add(subparsers)``, ``bench`` last
COMMANDS = [add for group in GROUPS for add in group.COMMANDS] + [_add_bench]


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
    from snn_verify.proofs.report import Context

    parser.add_argument("--seed", type=int, default=library_default(Context, "seed"),
                        help="random seed for sampled checks (default %(default)s)")
    parser.add_argument("--train", action="store_true", help="report: also run the training experiments (JAX)")
    device_flag(parser, "report_device", "backend of the report's grids and Monte Carlo (default auto: CUDA when "
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
    try:  # every handler returns a result object: to_json(), render(), exit_code
        print(json.dumps(result.to_json(), indent=2, default=str) if getattr(args, "json", False)
              else result.render())
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return result.exit_code
