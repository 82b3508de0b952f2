"""Commands: ``tube``, ``tube-training``, ``bench tube``: is a given network self-normalising?  The certified tube of its
per-unit mean-field map from standardised inputs (or a box of input moments), a verdict
against a target band (CERTIFIED 0 / REFUTED 1 / UNDECIDED 3), re-checked by the proof
kernel, with Monte Carlo evidence beside it (issue 19).

Argument declarations and a few-line handler; every result is made (and rendered) by the
library (:mod:`snn_verify.proofs.networks.tube`).
"""
from __future__ import annotations

from snn_verify.argtypes import UsageError, count, dropout_rate, interval, number, output_dir, output_file


def cmd_tube(args):
    from snn_verify.proofs.networks import tube as network_tube

    if float(args.input_mean) < 0:
        raise UsageError(f"--input-mean: must be >= 0: {args.input_mean!r}")
    for name in ("input_var", "target_mean", "target_var"):
        interval(getattr(args, name), name.replace("_", "-"))
    if float(args.input_var[0]) < 0:
        raise UsageError(f"--input-var: a variance must be >= 0: {args.input_var[0]!r}")
    if args.data and (args.input_mean != "0" or args.input_var != ["1", "1"]):
        raise UsageError("--data gives the input box: not with --input-mean or --input-var")
    if float(args.data_margin) < 0:
        raise UsageError(f"--data-margin: must be >= 0: {args.data_margin!r}")
    if args.samples > 10 ** 6:
        raise UsageError(f"--samples: at most 1000000 (got {args.samples})")
    if args.certificate:
        output_file(args.certificate, "certificate")
    return network_tube.run(args.weights, input_mean=args.input_mean, input_var=tuple(args.input_var),
                            target_mean=tuple(args.target_mean), target_var=tuple(args.target_var),
                            scope="units" if args.per_unit else "pooled", certificate=args.certificate,
                            layers=args.layers, layout=args.layout, samples=args.samples, seed=args.seed,
                            fixed_points=args.fixed_point, data=args.data, data_margin=float(args.data_margin),
                            dropout=args.dropout)


def _add_tube(sub):
    from snn_verify.proofs.evidence.tube_montecarlo import SAMPLES
    from snn_verify.proofs.networks.inspect_weights import LAYOUTS
    from snn_verify.proofs.rigorous.tube import TARGET_MEAN, TARGET_VARIANCE

    p = sub.add_parser("tube", help="certified mean-field tube of a given network's weights: do the activations "
                                    "stay near mean 0, variance 1 through all layers? (Arb, re-checked)")
    p.add_argument("weights", help="weights file (.npz, .safetensors, or a PyTorch state_dict with torch installed)")
    p.add_argument("--input-mean", type=number, default="0", metavar="E",
                   help="every input feature's mean in [-E, E] (default 0: standardised inputs)")
    p.add_argument("--input-var", type=number, nargs=2, default=["1", "1"], metavar=("LO", "HI"),
                   help="every input feature's variance in [LO, HI] (default 1 1)")
    p.add_argument("--target-mean", type=number, nargs=2, default=list(TARGET_MEAN), metavar=("LO", "HI"),
                   help=f"target band of the pooled mean (default {' '.join(TARGET_MEAN)})")
    p.add_argument("--target-var", type=number, nargs=2, default=list(TARGET_VARIANCE), metavar=("LO", "HI"),
                   help=f"target band of the pooled variance (default {' '.join(TARGET_VARIANCE)})")
    p.add_argument("--data", metavar="FILE", default=None,
                   help="a data matrix (.npy, .npz, .csv; rows = samples): its per-feature mean and variance are "
                        "the input box, and its rows run through the network beside the Gaussian Monte Carlo")
    p.add_argument("--data-margin", type=number, default="0", metavar="Z",
                   help="widen the data's per-feature moments by Z standard errors (default 0: a point)")
    p.add_argument("--dropout", type=dropout_rate, default=None, metavar="RATE",
                   help="alpha dropout at this rate (drop probability) after every layer but the last")
    p.add_argument("--per-unit", action="store_true", help="every unit's mean and variance inside the target too")
    p.add_argument("--certificate", metavar="FILE", default=None, help="write the tube certificate (JSON)")
    p.add_argument("--layers", metavar="PATTERN", default=None, help="regex selecting the weight matrices")
    p.add_argument("--layout", choices=LAYOUTS, default="auto", help="weight layout (default auto)")
    p.add_argument("--samples", type=count, default=SAMPLES,
                   help=f"Monte Carlo samples of the evidence (default {SAMPLES})")
    p.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default 0)")
    p.add_argument("--fixed-point", action="store_true",
                   help="also each square layer's fixed point, applied again and again (Krawczyk, Arb)")
    p.set_defaults(func=cmd_tube)


def cmd_bench_tube(args):
    from snn_verify.argtypes import progress
    from snn_verify.proofs.evidence import bench_tube

    with progress(3, "bench tube") as bar:
        return bench_tube.run(largest=args.largest, samples=args.samples, progress=lambda name: bar.update(1))


def _bench_tube(bench_sub):
    from snn_verify.proofs.evidence.tube_montecarlo import SAMPLES

    p = bench_sub.add_parser("tube", help="the tube's targets (issue 19): LeCun net from a point and a box, "
                                          "8 x 1024, Monte Carlo agreement")
    p.add_argument("--largest", action="store_true", help="also bisect the largest input-mean box E that certifies")
    p.add_argument("--samples", type=count, default=SAMPLES, help=f"Monte Carlo samples (default {SAMPLES})")
    p.set_defaults(func=cmd_bench_tube)


def cmd_tube_training(args):
    from snn_verify.argtypes import progress
    from snn_verify.proofs.evidence import tube_training

    if args.out:
        output_dir(args.out, "out")
    s = tube_training.SIZES[args.quick]
    with progress(s["checkpoints"] + 1, "tube-training") as bar:
        return tube_training.run(quick=args.quick, seed=args.seed, out_dir=args.out, progress=lambda c: bar.update(1))


def _add_tube_training(sub):
    p = sub.add_parser("tube-training", help="the certified tube of an SNN at checkpoints of SGD training on digits "
                                             "(JAX; checkpoints saved as npz)")
    p.add_argument("--quick", action="store_true", help="a small net, few steps")
    p.add_argument("--out", metavar="DIR", default=None, help="directory for the checkpoints (default: a temporary one)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.set_defaults(func=cmd_tube_training)


#: subcommand registrations of this group, in ``-h`` order
COMMANDS = [_add_tube, _add_tube_training]
#: ``bench`` sub-subcommand registrations
BENCH_COMMANDS = [_bench_tube]
