#!/usr/bin/env python
"""snn-verify: a numerical theory verifier for Self-Normalizing Neural Networks.

``python verify.py`` prints the full report (``--quick`` for a short run, ``--json`` for
scripts).  Subcommands compute single things; run ``python verify.py -h`` for the list.
Exit status: 0 success, 1 a check failed (or a claim was refuted), 2 bad input,
3 a claim was left undecided, 70 an internal error (a bug of ours, not the input's: one line;
``--debug`` or ``SNN_VERIFY_DEBUG=1`` prints the traceback), 130 interrupted.

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
import traceback

from snn_verify.argtypes import (
    EXIT_BAD_INPUT,
    Parser,
    device_flag,
    library_default,
    progress,
)
from snn_verify.commands import activation, checks, evidence, meanfield, rigorous, theory, training, tube
from snn_verify.errors import EXIT_INTERNAL, InputError


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
    """Give every (sub-)subcommand a ``--json`` and a ``--debug`` flag of its own."""
    for p in sub.choices.values():
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_json_flags(action)
        if not any(a.dest == "json" for a in p._actions):
            p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
        if not any(a.dest == "debug" for a in p._actions):
            p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


def build_parser():
    parser = Parser(prog="verify.py", description=__doc__.split("\n\n")[0],
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short report (under 30 s)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
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


#: ``--help`` of the ``--debug`` flag
DEBUG_HELP = "on an internal error, print the traceback too (also: SNN_VERIFY_DEBUG=1)"
#: the environment variable that asks for tracebacks, as ``--debug`` does
DEBUG_ENV = "SNN_VERIFY_DEBUG"


def _debugging(args, argv):
    """Whether ``--debug`` was given (anywhere on the line) or ``SNN_VERIFY_DEBUG`` is set
    (to anything but ``""`` or ``"0"``)."""
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        return True
    if args is not None:
        return bool(getattr(args, "debug", False))
    return "--debug" in (sys.argv[1:] if argv is None else argv)  # failed before parsing ended


def _one_line(exc):
    """The message of ``exc`` on one line."""
    return " ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def internal_error(exc, debug):
    """Report an exception that is not the user's input: one line on stderr (the traceback
    before it under ``--debug``); returns :data:`EXIT_INTERNAL`."""
    if debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    print(f"verify.py: internal error: {type(exc).__name__}: {_one_line(exc) or '(no message)'} (a bug in snn-verify; "
          f"run with --debug or {DEBUG_ENV}=1 for the traceback)", file=sys.stderr)
    return EXIT_INTERNAL


def main(argv=None):
    """Entry point of ``python verify.py`` and the ``snn-verify`` console script.

    Whose fault an error is decides the exit status (:mod:`snn_verify.errors`): the user's bad
    input (an :class:`~snn_verify.errors.InputError`, a path that cannot be read or written)
    is one line and exit 2; anything else is an internal error, one line and exit 70."""
    args = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        result = args.func(args)
    except InputError as exc:  # the user's input, from the argument types, loaders, validators
        print(f"verify.py: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("verify.py: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a path given on the command line that cannot be read or written
        print(f"verify.py: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 -- anything else is ours, not the input's
        return internal_error(exc, _debugging(args, argv))
    try:  # every handler returns a result object: to_json(), render(), exit_code
        text = (json.dumps(result.to_json(), indent=2, default=str) if getattr(args, "json", False)
                else result.render())
    except Exception as exc:  # noqa: BLE001 -- rendering a result is ours too
        return internal_error(exc, _debugging(args, argv))
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return result.exit_code
