"""Commands: ``activation NAME|all``: certified self-normalising constants of an activation
(issue 20): ``lambda`` and ``beta`` (scale and shift) or ``lambda`` and ``alpha`` (ELU-like,
Krawczyk), their widths, ``chi_1`` at the fixed point, or a proof that none exist.

Argument declarations and a few-line handler; every result is made (and rendered) by the
library (:mod:`snn_verify.proofs.rigorous.activations`).
"""
from __future__ import annotations

from snn_verify.argtypes import UsageError, number, positive


def cmd_activation(args):
    from snn_verify.proofs.rigorous import activations
    from snn_verify.theory.activation_registry import get

    if args.name != "all":
        try:
            get(args.name)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.point:
        from snn_verify.proofs.rigorous import activation_theorem1

        if args.name == "all":
            raise UsageError("--point needs one activation NAME")
        return activation_theorem1.point(args.name, *args.point)
    if getattr(args, "box", None) and not getattr(args, "domain", False):
        raise UsageError("--box goes with --domain")
    if getattr(args, "domain", False):
        from snn_verify.proofs.rigorous import activation_domain

        if args.box:
            if args.name == "all":
                raise UsageError("--domain --box needs one activation NAME")
            return activation_domain.certify_box(args.name, dict(zip(("d", "nu_lo", "nu_hi"), args.box)))
        return activation_domain.table(None if args.name == "all" else [args.name])
    if getattr(args, "meanfield", False):
        from snn_verify.proofs.rigorous import activation_meanfield

        return activation_meanfield.table() if args.name == "all" else activation_meanfield.lecun_meanfield(args.name)
    if args.theorem1:
        from snn_verify.proofs.rigorous import activation_theorem1

        return activation_theorem1.table(None if args.name == "all" else [args.name])
    return activations.table() if args.name == "all" else activations.constants(args.name)


def _add_activation(sub):
    from snn_verify.theory.activation_registry import ACTS

    p = sub.add_parser("activation", help="certified self-normalising constants (lambda, beta or alpha) and chi_1 "
                                          "of an activation, or a proof that none exist")
    p.add_argument("name", metavar="NAME", help=f"one of: all, {', '.join(ACTS)} (swish = silu)")
    p.add_argument("--theorem1", action="store_true",
                   help="Theorem 1 for the activation scaled by its constants: contraction and invariance on the "
                        "paper's box, certified or refuted by a simple branch and bound (exit 1 if one is refuted, 3 if "
                        "one is undecided)")
    p.add_argument("--domain", action="store_true",
                   help="the largest certified (mu, nu) box at omega = 0, tau = 1 (domain.py's mu-nu search, each box "
                        "by the branch and bound of --theorem1), or the proof that none contains (0, 1); also whether "
                        "any box around (0, 1) contracts for the paper's (omega, tau) box (exit 0 when the search ran)")
    p.add_argument("--box", nargs=3, type=positive, metavar=("D", "NU_LO", "NU_HI"), default=None,
                   help="with --domain: certify one box, mu in [-D, D], nu in [NU_LO, NU_HI] at omega = 0, tau = 1 "
                        "(contraction and g(box) in box; exit 1 if refuted, 3 if undecided)")
    p.add_argument("--meanfield", action="store_true",
                   help="LeCun mean field (s_w^2 = 1, s_b^2 = 0) of the scaled activation: q* = 1 and its stability, "
                        "chi_1 and the regime (ordered / chaotic), c* of the correlation map by Krawczyk on the Mehler "
                        "series and C'(c*) < 1, certified (exit 3 if something is undecided)")
    p.add_argument("--point", nargs=4, type=number, metavar=("MU", "OMEGA", "NU", "TAU"), default=None,
                   help="g_phi (mean~, nu~), its Jacobian and ||J||_2 at one point, as Arb balls (128 bits), for the "
                        "activation scaled by its certified constants")
    p.set_defaults(func=cmd_activation)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_activation]
