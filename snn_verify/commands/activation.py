"""Commands: ``activation NAME|all``: certified self-normalising constants of an activation
(issue 20): ``lambda`` and ``beta`` (scale and shift) or ``lambda`` and ``alpha`` (ELU-like,
Krawczyk), their widths, ``chi_1`` at the fixed point, or a proof that none exist.

Argument declarations and a few-line handler; every result is made (and rendered) by the
library (:mod:`snn_verify.proofs.rigorous.activations`).
"""
from __future__ import annotations

from snn_verify.argtypes import UsageError


def cmd_activation(args):
    from snn_verify.proofs.rigorous import activations
    from snn_verify.theory.activation_registry import get

    if args.name == "all":
        return activations.table()
    try:
        get(args.name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return activations.constants(args.name)


def _add_activation(sub):
    from snn_verify.theory.activation_registry import ACTS

    p = sub.add_parser("activation", help="certified self-normalising constants (lambda, beta or alpha) and chi_1 "
                                          "of an activation, or a proof that none exist")
    p.add_argument("name", metavar="NAME", help=f"one of: all, {', '.join(ACTS)} (swish = silu)")
    p.set_defaults(func=cmd_activation)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_activation]
