"""Commands: the code people run: ``frameworks`` (SELU and alpha dropout of installed frameworks,
statistical evidence) and ``inspect`` (a trained network's layers against Theorem 1, certified).

Argument declarations and few-line handlers; every result is made (and rendered) by
the library.
"""
from __future__ import annotations

import argparse

from snn_verify.argtypes import count, progress


def cmd_frameworks(args):
    from snn_verify.proofs.evidence.frameworks import check_frameworks

    if args.activations:
        from snn_verify.proofs.evidence.frameworks_activations import check_activations

        return check_activations()
    with progress(None, "frameworks") as bar:
        return check_frameworks(samples=args.samples, seed=args.seed,
                                progress=lambda name: (bar.set_postfix_str(name[:30]), bar.update(1)))


def _add_frameworks(sub):
    from snn_verify.proofs.evidence.frameworks import SAMPLES

    p = sub.add_parser("frameworks", help="SELU and alpha dropout of installed frameworks against the theory (evidence)")
    p.add_argument("--samples", type=count, default=SAMPLES, help=f"samples per statistical check (default {SAMPLES:,})")
    p.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
    p.add_argument("--activations", action="store_true",
                   help="instead: every registry activation of the installed frameworks against the registry, "
                        "max error in ulps (float32, float64), and the definitions their defaults choose")
    p.set_defaults(func=cmd_frameworks)


def cmd_inspect(args):
    from snn_verify.proofs.networks.tube import inspect_network

    with progress(None, "layers") as bar:
        return inspect_network(args.weights, layers=args.layers, layout=args.layout, max_boxes=args.budget_boxes,
                               progress=lambda name: (bar.set_postfix_str(name[:30]), bar.update(1)))


def _add_inspect(sub):
    from snn_verify.proofs.networks.inspect_weights import BUDGET_BOXES, LAYOUTS

    p = sub.add_parser("inspect", help="does a trained net self-normalise? its certified mean-field tube, then "
                                       "per-layer (omega, tau) and certified Theorem 1 verdicts")
    p.add_argument("weights", metavar="WEIGHTS", help=".npz, .safetensors or a PyTorch state_dict")
    p.add_argument("--layers", metavar="PATTERN", default=None, help="regex selecting the weight matrices by name")
    p.add_argument("--layout", choices=LAYOUTS, default=LAYOUTS[0],
                   help="weight matrix layout: out-in (PyTorch), in-out (x @ W, Keras); auto: by how layers chain")
    p.add_argument("--budget-boxes", type=count, default=BUDGET_BOXES,
                   help=f"boxes the certifier may bound per claim (default {BUDGET_BOXES})")
    p.set_defaults(func=cmd_inspect)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_frameworks, _add_inspect]
