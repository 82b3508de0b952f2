#!/usr/bin/env python
"""snn-verify: a numerical theory verifier for Self-Normalizing Neural Networks.

``python verify.py`` prints the full report (``--quick`` for a short run, ``--json`` for
scripts).  Subcommands compute single things; run ``python verify.py -h`` for the list.
Exit status: 0 success, 1 a check failed (or a claim was refuted), 2 bad input,
3 a claim was left undecided.

This file is only the command line: every number comes from ``theory/`` and ``proofs/``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_UNDECIDED = 0, 1, 2, 3


class UsageError(Exception):
    """Bad input: reported on one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage dumps."""

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
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return text


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
    lo, hi = (float(v) for v in parser_args)
    if lo > hi:
        raise UsageError(f"--{name}: reversed interval [{lo}, {hi}]")
    return lo, hi


# --- commands -----------------------------------------------------------------------------

def _dec(x, d):
    from theory.precision import to_decimal

    return to_decimal(x, d)


def cmd_params(args):
    from theory.parameters import solve_parameters

    sols = solve_parameters(args.mean, args.var, args.omega, args.tau, digits=args.digits, all_solutions=True)
    alpha, lambda_ = sols[0]
    return {
        "alpha": _dec(alpha, args.digits), "lambda": _dec(lambda_, args.digits),
        "fixed_point": {"mean": args.mean, "var": args.var}, "omega": args.omega, "tau": args.tau,
        "digits": args.digits,
        "other_solutions": [{"alpha": _dec(a, args.digits), "lambda": _dec(lam, args.digits)} for a, lam in sols[1:]],
    }


def cmd_point(args):
    from theory.jacobian import point_mp

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
    from theory.dropout import alpha_dropout

    r = alpha_dropout(args.rate, args.mean, args.var, args.omega, args.tau, digits=args.digits)
    out = {k: _dec(v, args.digits) for k, v in r.items()}
    out.update({"rate": args.rate, "fixed_point": {"mean": args.mean, "var": args.var}})
    return out


def cmd_report(args):
    from proofs import report

    ctx = report.Context(quick=args.quick, seed=args.seed)
    with _progress(len(report.SECTIONS), "report") as bar:
        sections = report.build(ctx, progress=lambda name: (bar.set_postfix_str(name), bar.update(1)))
    result = report.to_json(sections)
    result["_text"] = report.render(sections)
    result["_exit"] = EXIT_OK if result["ok"] else EXIT_FAILED
    return result


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


#: ``bench`` sub-subcommand registrations: functions ``add(bench_subparsers)``
BENCH_COMMANDS = []


def _add_bench(sub):
    p = sub.add_parser("bench", help="benchmarks: tables of ratios against a baseline measured in the same run")
    bench_sub = p.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=Parser, required=True)
    for add in BENCH_COMMANDS:
        add(bench_sub)


#: subcommand registrations, in the order ``-h`` lists them
COMMANDS = [_add_params, _add_point, _add_dropout, _add_bench]


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
    code = result.pop("_exit", EXIT_OK)
    text = result.pop("_text", None)
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2, default=str))
    else:
        print(args.text(dict(result, _text=text)) if text is not None else args.text(result))
    return code


if __name__ == "__main__":
    sys.exit(main())
