"""Commands: ``meanfield``: the certified mean-field theory of LeCun-type SELU networks
(issue 18): the length-map theorem over all of (0, inf), the fixed point q*, F'(q*), chi_1,
C(0), C'(0), each row a certificate re-checked by the independent checker.

Argument declarations and a few-line handler; every result is made (and rendered) by the
library (:mod:`snn_verify.proofs.rigorous.meanfield`).
"""
from __future__ import annotations

from snn_verify.argtypes import UsageError, counts, number, output_dir, positive


def cmd_meanfield(args):
    from snn_verify.proofs.rigorous import meanfield

    if args.sb2 is not None and not float(args.sb2) >= 0:
        raise UsageError(f"--sb2: must be >= 0: {args.sb2!r}")
    if args.certificates:
        output_dir(args.certificates, "certificates")
    rows = None if args.sw2 is None and args.sb2 is None else meanfield.default_rows(args.sw2, args.sb2)
    result = meanfield.run(rows, certificates=args.certificates)
    if not args.montecarlo:
        return result
    from snn_verify.proofs.evidence.meanfield_mc import WithMonteCarlo, finite_width

    sw2, sb2 = float(args.sw2 or 1), float(args.sb2 or 0)
    return WithMonteCarlo(result, finite_width(widths=args.widths, sw2=sw2, sb2=sb2, seed=args.seed))


def _add_meanfield(sub):
    from snn_verify.proofs.evidence.meanfield_mc import WIDTHS

    p = sub.add_parser("meanfield", help="certified mean-field theory of LeCun-normal SELU networks (length map, "
                                         "q*, chi_1, C'(0)); default: a table of (s_w^2, s_b^2)")
    p.add_argument("--sw2", type=positive, default=None, metavar="X",
                   help="weight variance s_w^2 (rows N(0, s_w^2/n)); with --sb2: that setting only")
    p.add_argument("--sb2", type=number, default=None, metavar="Y", help="bias variance s_b^2 >= 0")
    p.add_argument("--certificates", metavar="DIR", default=None,
                   help="write one JSON certificate per row to DIR")
    p.add_argument("--montecarlo", action="store_true",
                   help="also the finite-width evidence: LeCun networks sampled at several widths against the "
                        "mean-field maps, with z-scores (about 15 s of CPU)")
    p.add_argument("--widths", type=counts, default=WIDTHS, metavar="N,N,...",
                   help=f"widths of --montecarlo (default {','.join(map(str, WIDTHS))})")
    p.set_defaults(func=cmd_meanfield)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_meanfield]
