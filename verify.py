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


def _result_json(r):
    """One claim's result as the JSON of ``theorems`` and ``claim``."""
    out = {"name": r.claim.name, "verdict": r.verdict, "quantity": r.claim.quantity,
           "relation": r.claim.relation, "bound": r.bound_text,
           "extremum_kind": r.claim.extremum, "boxes": r.boxes, "seconds": round(r.seconds, 3)}
    if all(math.isfinite(x) for x in r.extremum):
        out["extremum"] = [r.extremum[0], r.extremum[1]]
        out["argext"] = dict(zip(("mu", "omega", "nu", "tau"), r.argext))
    if r.counterexample:
        out["counterexample"] = r.counterexample
    if r.verdict == "UNDECIDED":
        out["open_boxes"] = {"count": len(r.open_boxes), "first": [list(map(list, b.box)) for b in r.open_boxes[:5]]}
        out["note"] = r.note
    if getattr(r.claim, "published", None) is not None:
        out["published"] = r.claim.published
    return out


def _verdict_exit(verdicts):
    if any(v == "REFUTED" for v in verdicts):
        return EXIT_FAILED
    if any(v == "UNDECIDED" for v in verdicts):
        return EXIT_UNDECIDED
    return EXIT_OK


def cmd_theorems(args):
    from proofs.certify import certify_suite
    from proofs.claims import theorem_claims
    from proofs.fixed_point import fixed_point

    claims = theorem_claims()
    with _progress(len(claims), "theorems") as bar:
        results = certify_suite(claims, tol=args.tolerance, workers=args.workers, certificates=args.certificates,
                                max_seconds=args.budget_seconds, progress=lambda name: bar.update(1))
    out = {"claims": [_result_json(r) for r in results], "tolerance": args.tolerance,
           "fixed_point": fixed_point("0", "1")}
    if args.certificates:
        out["certificates"] = args.certificates
    out["_exit"] = _verdict_exit([r.verdict for r in results])
    return out


def _render_theorems(r):
    lines = [f"{'claim':40s} {'verdict':10s} {'certified extremum':>36s} {'paper':>9s} {'boxes':>6s} {'s':>6s}"]
    for c in r["claims"]:
        ext = c.get("extremum")
        text = f"{c['extremum_kind']} in [{ext[0]:.10f}, {ext[1]:.10f}]" if ext else "-"
        pub = f"{c['published']:.5f}" if c.get("published") is not None else ""
        lines.append(f"{c['name']:40s} {c['verdict']:10s} {text:>36s} {pub:>9s} {c['boxes']:6d} {c['seconds']:6.2f}")
    fp = r["fixed_point"]
    lines.append(f"fixed point at omega = 0, tau = 1: mu in {fp['mu_ball']}, nu in {fp['nu_ball']} "
                 f"(Krawczyk, unique: {fp['unique']}); ||J|| <= {fp['contraction']:.9f}")
    return "\n".join(lines)


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
    from proofs import certificate
    from proofs.certify import certify, make_claim

    box = _box_argument(args)
    relation, bound = ("<", args.lt) if args.lt is not None else (">", args.gt)
    claim = make_claim(args.quantity, relation, bound, box)
    with _progress(None, "boxes") as bar:
        def progress(n_boxes, width):
            bar.update(n_boxes - bar.n)
            bar.set_postfix_str(f"enclosure width {width:.2g}")

        r = certify(claim, tol=args.tolerance, max_seconds=args.budget_seconds, workers=args.workers,
                    progress=progress)
    out = _result_json(r)
    if args.certificate:
        out["certificate"] = certificate.write(r, args.certificate)
    out["_exit"] = _verdict_exit([r.verdict])
    return out


def _render_claim(r):
    lines = [f"verdict: {r['verdict']}"]
    if "extremum" in r:
        lines.append(f"{r['extremum_kind']} of {r['quantity']} in [{r['extremum'][0]!r}, {r['extremum'][1]!r}] "
                     f"at {r['argext']}")
    if "counterexample" in r:
        ce = r["counterexample"]
        lines.append(f"counterexample: {ce['point']} gives {r['quantity']} = {ce['value'][:30]} (50 digits)")
    if "open_boxes" in r:
        lines.append(f"undecided ({r['note']}): {r['open_boxes']['count']} boxes remain, e.g. {r['open_boxes']['first'][:2]}")
    lines.append(f"{r['boxes']} boxes, {r['seconds']} s")
    return "\n".join(lines)


def cmd_recheck(args):
    from proofs.certificate import recheck_file

    with _progress(None, "recheck") as bar:
        out = recheck_file(args.file, progress=lambda k: bar.update(1))
    out["seconds"] = round(out["seconds"], 3)
    out["file"] = args.file
    out["_exit"] = EXIT_OK if out["ok"] else EXIT_FAILED
    return out


def _render_recheck(r):
    head = f"{'OK' if r['ok'] else 'REJECTED'}: {r['file']} ({r['verdict']}, {r['leaves']} leaves, {r['seconds']} s)"
    return "\n".join([head] + [f"  - {p}" for p in r["problems"]])


def cmd_fixed_point(args):
    from proofs.fixed_point import fixed_point

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
    _add_engine_options(p)
    p.set_defaults(func=cmd_theorems, text=_render_theorems)


def _add_engine_options(p):
    p.add_argument("--tolerance", type=positive_float, default=1e-6,
                   help="width of the extremum enclosures (default 1e-6)")
    p.add_argument("--budget-seconds", type=positive_float, default=120.0, help="time budget per claim (default 120)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")


def _add_claim(sub):
    p = sub.add_parser("claim", help="certify or refute one inequality over a box")
    p.add_argument("--quantity", required=True, choices=("mean", "variance", "variance_change", "spectral_norm"))
    rel = p.add_mutually_exclusive_group(required=True)
    rel.add_argument("--lt", type=number, default=None, metavar="X", help="claim: quantity < X on the box")
    rel.add_argument("--gt", type=number, default=None, metavar="X", help="claim: quantity > X on the box")
    for name in ("mu", "omega", "nu", "tau"):
        p.add_argument(f"--{name}", type=number, nargs=2, required=True, metavar=("LO", "HI"))
    p.add_argument("--certificate", metavar="FILE", default=None, help="write the claim's JSON certificate")
    _add_engine_options(p)
    p.set_defaults(func=cmd_claim, text=_render_claim, budget_seconds=60.0)


def _add_recheck(sub):
    p = sub.add_parser("recheck", help="re-verify a certificate independently (exit 0 valid, 1 rejected)")
    p.add_argument("file", help="certificate JSON file")
    p.set_defaults(func=cmd_recheck, text=_render_recheck)


def _add_fixed_point(sub):
    p = sub.add_parser("fixed-point", help="rigorous enclosure of g's fixed point (Krawczyk) for omega, tau")
    p.add_argument("--omega", type=number, default="0", help="sum of weights (default 0)")
    p.add_argument("--tau", type=positive, default="1", help="sum of squared weights (default 1)")
    p.set_defaults(func=cmd_fixed_point, text=lambda r: "\n".join(
        [f"mu in {r['mu_ball']}", f"nu in {r['nu_ball']}",
         f"unique in the box: {r['unique']}", f"||J||_2 <= {r['contraction']!r} (contraction rate)"]))


def cmd_bench_certify(args):
    from proofs import bench_certify

    with _progress(8, "bench certify") as bar:
        rows = bench_certify.run(tol=args.tolerance, cap=args.cap, workers=args.workers,
                                 progress=lambda name: bar.update(1))
    return {"rows": rows, "tolerance": args.tolerance, "cap": args.cap}


def _bench_certify(bench_sub):
    p = bench_sub.add_parser("certify", help="interval engine vs the natural interval extension, per theorem claim")
    p.add_argument("--tolerance", type=positive_float, default=1e-6, help="extremum enclosure width (default 1e-6)")
    p.add_argument("--cap", type=positive_float, default=5.0, help="time cap of the natural extension per claim (s)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")

    def render(r):
        from proofs.bench_certify import render as _render

        return _render(r)

    p.set_defaults(func=cmd_bench_certify, text=render)


#: ``bench`` sub-subcommand registrations: functions ``add(bench_subparsers)``
BENCH_COMMANDS = [_bench_certify]


def _add_bench(sub):
    p = sub.add_parser("bench", help="benchmarks: tables of ratios against a baseline measured in the same run")
    bench_sub = p.add_subparsers(dest="bench", metavar="BENCHMARK", parser_class=Parser, required=True)
    for add in BENCH_COMMANDS:
        add(bench_sub)


#: subcommand registrations, in the order ``-h`` lists them
COMMANDS = [_add_params, _add_point, _add_dropout, _add_theorems, _add_claim, _add_recheck, _add_fixed_point,
            _add_bench]


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
