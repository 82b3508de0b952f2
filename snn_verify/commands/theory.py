"""Commands: single numbers of the mathematics, to 50+ digits: ``params``, ``point``, ``dropout``.

Argument declarations and few-line handlers; every result is made (and rendered) by
the library.
"""
from __future__ import annotations

from snn_verify.argtypes import (
    decimal_default,
    digits,
    dropout_rate,
    library_default,
    number,
    positive,
)


def _decimal_options(p, fn, options):
    """``--NAME`` options for the decimal parameters ``options`` (``{name: (type, help)}``) of
    the library function ``fn``, with ``fn``'s defaults."""
    for name, (kind, help_) in options.items():
        p.add_argument(f"--{name}", type=kind, default=decimal_default(fn, name),
                       help=f"{help_} (default %(default)s)")
    p.add_argument("--digits", type=digits, default=library_default(fn, "digits"),
                   help="significant digits (default %(default)s)")


def cmd_params(args):
    from snn_verify.theory.parameters import parameters

    return parameters(args.mean, args.var, args.omega, args.tau, digits=args.digits)


def _add_params(sub):
    from snn_verify.theory.parameters import solve_parameters

    p = sub.add_parser("params", help="SELU alpha and lambda for a fixed point (default: alpha01, lambda01)")
    _decimal_options(p, solve_parameters, {"mean": (number, "fixed-point mean mu*"),
                                           "var": (positive, "fixed-point variance nu*"),
                                           "omega": (number, "sum of weights"),
                                           "tau": (positive, "sum of squared weights")})
    p.set_defaults(func=cmd_params)


def cmd_point(args):
    from snn_verify.theory.jacobian import point

    if args.activation != "selu":
        return _activation_point(args)
    return point(args.mu, args.omega, args.nu, args.tau, args.lam, args.alpha, digits=args.digits)


def _activation_point(args):
    """``point --activation NAME``: g, J and ||J||_2 of the scaled activation as Arb balls."""
    from snn_verify.errors import InputError
    from snn_verify.proofs.rigorous.activation_theorem1 import point
    from snn_verify.theory.activation_registry import get

    name = get(args.activation).name                       # an unknown name: InputError
    if args.lam is not None or args.alpha is not None:
        raise InputError(f"--lam/--alpha: SELU's only (not --activation {name})")
    try:
        return point(name, args.mu, args.omega, args.nu, args.tau, prec=max(128, int(args.digits * 3.33) + 40))
    except ArithmeticError as exc:                         # no constants (celu)
        raise InputError(f"{exc} (verify.py activation {name} says why)") from None


def _add_point(sub):
    from snn_verify.theory.jacobian import point

    p = sub.add_parser("point", help="g, its Jacobian and spectral norm at one point, to 50 digits")
    p.add_argument("--lam", type=positive, default=None, help="SELU lambda (default lambda01)")
    p.add_argument("--alpha", type=positive, default=None, help="SELU alpha (default alpha01)")
    p.add_argument("--activation", metavar="NAME", default="selu",
                   help="another unit, scaled by its certified constants: Arb balls (default selu)")
    _decimal_options(p, point, {"mu": (number, "input mean"), "omega": (number, "sum of weights"),
                                "nu": (positive, "input variance"), "tau": (positive, "sum of squared weights")})
    p.set_defaults(func=cmd_point)


def cmd_dropout(args):
    from snn_verify.theory.dropout import alpha_dropout_constants

    return alpha_dropout_constants(args.rate, args.mean, args.var, args.omega, args.tau, digits=args.digits)


def _add_dropout(sub):
    from snn_verify.theory.dropout import alpha_dropout_constants

    p = sub.add_parser("dropout", help="alpha-dropout affine correction a, b for a dropout rate")
    p.add_argument("--rate", type=dropout_rate, required=True, help="dropout rate 1 - q in [0, 1)")
    _decimal_options(p, alpha_dropout_constants, {"mean": (number, "fixed-point mean"),
                                                  "var": (positive, "fixed-point variance"),
                                                  "omega": (number, "omega of the SELU's fixed point"),
                                                  "tau": (positive, "tau of the SELU's fixed point")})
    p.set_defaults(func=cmd_dropout)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_params, _add_point, _add_dropout]
