"""Commands: training experiments (JAX; the ``train`` extra): ``train figure1|uci|drift``.

Argument declarations and few-line handlers; every result is made (and rendered) by
the library.
"""
from __future__ import annotations

import argparse

from snn_verify.argtypes import Parser, count, names, positive_float
from snn_verify.commands.sweeping import add_sweep_options, swept, sweep_session


def cmd_uci(args):
    """``train uci``; with ``--out/--scheduler/--sweep-workers`` a Dask sweep, one task per
    (data set, method, depth x width, fold) (:mod:`snn_verify.proofs.evidence.training.swept`)."""
    from snn_verify.proofs.evidence.training import data as datasets, swept as uci_swept
    from snn_verify.proofs.evidence.training.experiments import UCI, command, require_jax

    if not swept(args):
        return command(args)
    require_jax()
    from snn_verify.argtypes import progress

    data = datasets.load(args.data) if args.data else None
    overrides = {k: getattr(args, k) for k in UCI[False] if getattr(args, k, None) is not None}
    with progress(None, "uci") as bar, sweep_session(args, bar) as session:
        return uci_swept.uci(session, data, quick=args.quick, seed=args.seed,
                             methods=tuple(args.methods) if args.methods else None, data_path=args.data, **overrides)


def _add_train(sub):
    from snn_verify.proofs.evidence.training.experiments import command, defaults_help

    p = sub.add_parser("train", help="training experiments: Figure 1, a UCI comparison, weight drift (JAX)")
    tr = p.add_subparsers(dest="experiment", metavar="EXPERIMENT", parser_class=Parser, required=True)
    helps = {"figure1": "the paper's Figure 1: SNN vs BatchNorm training loss and its roughness per depth",
             "uci": "SNN vs ReLU, BatchNorm, LayerNorm, WeightNorm, Highway, ResNet: accuracy and average rank",
             "drift": "per-layer activations and per-unit (omega, tau) vs Theorem 1's box during training"}
    sizes = {"figure1": dict(width=count, depths=lambda t: [count(v) for v in t.split(",")], seeds=count,
                             steps=count, batch=count, lr=positive_float),
             "uci": dict(folds=count, steps=count, batch=count),
             "drift": dict(depth=count, width=count, steps=count, checkpoints=count, batch=count, lr=positive_float)}
    for name, flags in sizes.items():
        q = tr.add_parser(name, help=helps[name])
        q.add_argument("--data", metavar="PATH", help="MNIST idx folder, CIFAR-10 batches folder, CSV folder or file "
                                                      "(default: scikit-learn's bundled sets)")
        for key, kind in flags.items():
            q.add_argument(f"--{key}", type=kind, default=None, help=defaults_help(name, key))
        if name != "figure1":
            q.add_argument("--methods", type=names, default=None, help="comma list (default: all)")
        q.add_argument("--quick", action="store_true", default=argparse.SUPPRESS, help="reduced sizes")
        q.add_argument("--seed", type=int, default=argparse.SUPPRESS, help="random seed (default: the global --seed)")
        q.set_defaults(func=command)
        if name == "uci":
            add_sweep_options(q, "(data set, method, depth x width, fold)")
            q.set_defaults(func=cmd_uci)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_train]
