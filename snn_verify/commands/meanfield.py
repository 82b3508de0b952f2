"""Commands: ``meanfield``: the certified mean-field theory of LeCun-type SELU networks
(issue 18): the length-map theorem over all of (0, inf), the fixed point q*, F'(q*), chi_1,
C(0), C'(0), each row a certificate re-checked by the independent checker.

Argument declarations and a few-line handler; every result is made (and rendered) by the
library (:mod:`snn_verify.proofs.rigorous.meanfield`).
"""
from __future__ import annotations

from snn_verify.argtypes import UsageError, number, output_dir, positive


def cmd_meanfield(args):
    from snn_verify.proofs.rigorous import meanfield

    if args.sb2 is not None and not float(args.sb2) >= 0:
        raise UsageError(f"--sb2: must be >= 0: {args.sb2!r}")
    if args.certificates:
        output_dir(args.certificates, "certificates")
    rows = None if args.sw2 is None and args.sb2 is None else meanfield.default_rows(args.sw2, args.sb2)
    return meanfield.run(rows, certificates=args.certificates)


def _add_meanfield(sub):
    p = sub.add_parser("meanfield", help="certified mean-field theory of LeCun-normal SELU networks (length map, "
                                         "q*, chi_1, C'(0)); default: a table of (s_w^2, s_b^2)")
    p.add_argument("--sw2", type=positive, default=None, metavar="X",
                   help="weight variance s_w^2 (rows N(0, s_w^2/n)); with --sb2: that setting only")
    p.add_argument("--sb2", type=number, default=None, metavar="Y", help="bias variance s_b^2 >= 0")
    p.add_argument("--certificates", metavar="DIR", default=None,
                   help="write one JSON certificate per row to DIR")
    p.set_defaults(func=cmd_meanfield)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_meanfield]
