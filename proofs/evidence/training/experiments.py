"""The three training experiments behind ``verify.py train``: evidence, not proof.

- :func:`figure1`: the paper's Figure 1.  SNN (SELU, LeCun-normal, no normalisation) and BN
  (ReLU, He, BatchNorm before every activation) nets of ``depths`` x ``width`` trained with
  the same plain SGD (learning rate, mini-batch) from ``seeds`` seeds; the training loss per
  iteration and each curve's roughness std(L_{t+1} - L_t) / mean(L)
  (:func:`~.stats.roughness`), averaged over seeds.
- :func:`uci`: SNN against MSRA ReLU, ReLU + BatchNorm / LayerNorm / WeightNorm, Highway and
  ResNet on a collection of classification sets: stratified folds; in each, every method
  trains every point of the same hyperparameter grid on a training split, the point with the
  best accuracy on a validation split is kept, and its test-fold accuracy counts.  Accuracy
  per data set and method is the mean over folds; methods are ranked per data set (1 =
  best) and the ranks averaged, as the paper ranks them.
- :func:`drift`: during an SNN's (and, for contrast, a BN net's) training, at checkpoints:
  per hidden layer the activations' mean and variance on a fixed probe batch (inference
  mode: BatchNorm uses its running averages), the
  quantiles of the units' (omega, tau) and the fraction of units inside Theorem 1's
  (omega, tau) box (:data:`snn_verify.proofs.theorems.THEOREM1_BOX`).

Sizes: :data:`FIGURE1`, :data:`UCI` and :data:`DRIFT` hold the full and the ``quick``
defaults; every keyword can be overridden.  Same seed, same numbers (on one machine: XLA's
floating-point reductions may differ across CPUs).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from snn_verify.errors import InputError

from . import data as datasets
from .stats import average_ranks, inside_fraction, log_roughness, quantiles, roughness, weight_sums

EVIDENCE = "training runs (float32 SGD): evidence, not proof"

#: Figure 1 sizes: full and quick
FIGURE1 = {
    False: dict(width=256, depths=(8, 16, 32), seeds=5, steps=1000, batch=128, lr=0.01),
    True: dict(width=16, depths=(2, 4, 8), seeds=5, steps=50, batch=32, lr=0.01),
}
#: UCI comparison sizes and hyperparameter grid (the same grid for every method)
UCI = {
    False: dict(depths=(2, 4), widths=(64, 256), lrs=(0.01, 0.1), dropouts=(0.0, 0.05), folds=4, steps=300,
                batch=64, validation=0.25),
    True: dict(depths=(2,), widths=(16,), lrs=(0.01, 0.1), dropouts=(0.0, 0.05), folds=2, steps=40, batch=32,
               validation=0.25),
}
#: weight-drift sizes
DRIFT = {
    False: dict(methods=("snn", "batchnorm"), depth=8, width=256, steps=2000, checkpoints=10, batch=128, lr=0.01,
                probe=512),
    True: dict(methods=("snn", "batchnorm"), depth=4, width=32, steps=60, checkpoints=3, batch=32, lr=0.01,
               probe=256),
}


def require_jax():
    """Import JAX, optax and flax, or raise InputError with one line on how to install them."""
    try:
        import flax  # noqa: F401
        import jax  # noqa: F401
        import optax  # noqa: F401
    except ImportError as exc:
        raise InputError(f"training needs JAX, optax and flax ({exc.name} is missing): "
                         "pip install 'snn-verify[train]'") from None


def _bar(total, desc):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=None, leave=False)


def _one_dataset(data, default):
    """The single data set an experiment runs on: ``data`` (a list from :func:`~.data.load`)
    or the bundled ``default``."""
    if data is None:
        return datasets.builtin(default)
    if len(data) != 1:
        raise InputError(f"this experiment uses one data set; --data holds {len(data)} "
                         f"({', '.join(d.name for d in data[:5])}...)")
    return data[0]


def _methods(methods):
    from .models import METHODS

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InputError(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")
    return tuple(methods)


def _sizes(table, quick, overrides):
    sizes = dict(table[bool(quick)])
    unknown = set(overrides) - set(sizes)
    if unknown:
        raise InputError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    sizes.update({k: v for k, v in overrides.items() if v is not None})
    return sizes


# --- Figure 1 -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure1Result:
    """Training-loss curves ``curves[method][depth]`` = {"loss": [[per step] per seed],
    "roughness": mean over seeds, "roughness_per_seed": [...], "log_roughness",
    "log_roughness_per_seed"}; ``ratio[depth]`` = {"roughness": BN's over SNN's,
    "log_roughness": the same}."""

    dataset: str
    sizes: dict
    curves: dict
    ratio: dict
    seconds: float
    evidence: str = EVIDENCE
    exit_code: int = 0

    def to_json(self):
        return {"dataset": self.dataset, "sizes": self.sizes, "evidence": self.evidence,
                "methods": {m: {str(d): c for d, c in by_depth.items()} for m, by_depth in self.curves.items()},
                "roughness_ratio_bn_over_snn": {str(d): r["roughness"] for d, r in self.ratio.items()},
                "log_roughness_ratio_bn_over_snn": {str(d): r["log_roughness"] for d, r in self.ratio.items()},
                "seconds": round(self.seconds, 2)}

    def render(self):
        s = self.sizes
        lines = [f"Figure 1 on {self.dataset}: width {s['width']}, plain SGD lr {s['lr']}, batch {s['batch']}, "
                 f"{s['steps']} steps, {s['seeds']} seeds ({self.evidence})",
                 f"  {'method':10s} {'depth':>5s} {'first loss':>10s} {'last loss':>10s} {'roughness':>18s} "
                 f"{'log roughness':>18s}"]
        for m, by_depth in self.curves.items():
            for d, c in by_depth.items():
                loss = np.asarray(c["loss"])
                lines.append(f"  {m:10s} {d:5d} {loss[:, 0].mean():10.4f} {loss[:, -1].mean():10.4f} "
                             f"{c['roughness']:10.4f} +- {np.std(c['roughness_per_seed']):.4f} "
                             f"{c['log_roughness']:10.4f} +- {np.std(c['log_roughness_per_seed']):.4f}")
        for k in ("roughness", "log_roughness"):
            lines.append(f"  {k} BN / SNN: " + ", ".join(f"depth {d}: {r[k]:.2f}" for d, r in self.ratio.items()))
        lines.append(f"  ({self.seconds:.1f} s; roughness = std of successive loss differences / mean loss; log "
                     "roughness = std of successive log-loss differences; mean over seeds +- std over seeds)")
        return "\n".join(lines)


def figure1(data=None, quick=False, seed=0, **overrides):
    """Figure 1: SNN and BN training-loss curves per depth and seed (see the module doc)."""
    require_jax()
    from .models import FIGURE1_METHODS, Net
    from .train import fit

    s = _sizes(FIGURE1, quick, overrides)
    d = _one_dataset(data, datasets.FIGURE1_DATASET)
    (x,) = datasets.standardise(d.x)
    seeds = [seed + 2 * k for k in range(s["seeds"])]          # fit uses seed and seed + 1
    t0 = time.perf_counter()
    curves = {m: {} for m in FIGURE1_METHODS}
    with _bar(len(FIGURE1_METHODS) * len(s["depths"]), "figure1") as bar:
        for depth in s["depths"]:
            for m in FIGURE1_METHODS:
                bar.set_postfix_str(f"{m} depth {depth}")
                _, loss = fit(Net(m, depth, s["width"], d.classes), seeds, x, d.y, s["steps"], s["batch"], s["lr"])
                curves[m][depth] = curve(loss)
                bar.update(1)
    sizes = dict(s, depths=list(s["depths"]), seed=seed)
    return figure1_result(d.name, sizes, curves, time.perf_counter() - t0)


def curve(loss):
    """One method and depth's entry of Figure 1: the losses (seeds x steps) and roughness."""
    r, lr = roughness(loss), log_roughness(loss)
    return {"loss": np.asarray(loss).tolist(), "roughness": float(np.mean(r)), "roughness_per_seed": [float(v) for v in r],
            "log_roughness": float(np.mean(lr)), "log_roughness_per_seed": [float(v) for v in lr]}


def figure1_result(dataset, sizes, curves, seconds):
    """A :class:`Figure1Result` with the BN / SNN ratios of both roughness figures."""
    from .models import FIGURE1_METHODS

    snn, bn = FIGURE1_METHODS
    ratio = {dp: {k: curves[bn][dp][k] / curves[snn][dp][k] for k in ("roughness", "log_roughness")}
             for dp in sizes["depths"]}
    return Figure1Result(dataset, sizes, curves, ratio, seconds)


# --- UCI comparison -----------------------------------------------------------------------

@dataclass(frozen=True)
class UciResult:
    """``accuracy[dataset][method]`` (mean test accuracy over folds), ``rank[method]`` (mean
    rank over data sets, 1 = best) and the hyperparameters chosen per fold."""

    sizes: dict
    accuracy: dict
    rank: dict
    chosen: dict
    seconds: float
    evidence: str = EVIDENCE
    exit_code: int = 0

    def to_json(self):
        return {"sizes": self.sizes, "evidence": self.evidence, "accuracy": self.accuracy, "rank": self.rank,
                "chosen": self.chosen, "seconds": round(self.seconds, 2)}

    def render(self):
        s = self.sizes
        methods = list(self.rank)
        lines = [f"UCI comparison: {s['folds']} stratified folds, grid depth {s['depths']} x width {s['widths']} x "
                 f"lr {s['lrs']} x dropout {s['dropouts']}, {s['steps']} SGD steps of {s['batch']} "
                 f"({self.evidence})",
                 "  test accuracy, mean over folds; hyperparameters chosen on a validation split",
                 f"  {'data set':16s}" + "".join(f"{m:>11s}" for m in methods)]
        for name, row in self.accuracy.items():
            lines.append(f"  {name:16s}" + "".join(f"{row[m]:11.4f}" for m in methods))
        lines.append(f"  {'average rank':16s}" + "".join(f"{self.rank[m]:11.2f}" for m in methods))
        best = min(self.rank, key=self.rank.get)
        lines.append(f"  best average rank: {best} ({len(self.accuracy)} data sets; {self.seconds:.1f} s)")
        return "\n".join(lines)


def _grid(s, method):
    """The grid's (lr, dropout) points, with dropout as the method's (q, a, b)."""
    from .models import dropout_affine

    points = [(lr, p) for lr in s["lrs"] for p in s["dropouts"]]
    drops = [dropout_affine(method, p) for _, p in points]
    return points, [lr for lr, _ in points], tuple(np.array(v) for v in zip(*drops))


def uci_fold(d, s, fold, seed):
    """Fold ``fold`` of data set ``d`` under the sizes ``s``: stratified ``s["folds"]``-fold
    test rows, then a stratified validation split of the rest (seeds ``seed`` and
    ``seed + fold``); standardised by the fit rows.  ``(x_fit, y_fit, x_val, y_val, x_test,
    y_test)``."""
    from sklearn.model_selection import StratifiedKFold, train_test_split

    train_rows, test_rows = list(StratifiedKFold(s["folds"], shuffle=True, random_state=seed).split(d.x, d.y))[fold]
    fit_rows, val_rows = train_test_split(train_rows, test_size=s["validation"], stratify=d.y[train_rows],
                                          random_state=seed + fold)
    x_fit, x_val, x_test = datasets.standardise(d.x[fit_rows], d.x[val_rows], d.x[test_rows])
    return x_fit, d.y[fit_rows], x_val, d.y[val_rows], x_test, d.y[test_rows]


def uci_accuracies(fold, classes, method, depth, width, s, seed):
    """Train ``method``'s nets of ``depth`` x ``width`` on ``fold`` (:func:`uci_fold`) at every
    (lr, dropout) point of the grid at once (net ``j`` seeded ``seed + 2j``): the validation
    and the test accuracy of every point."""
    from .models import Net
    from .train import accuracy, fit

    x_fit, y_fit, x_val, y_val, x_test, y_test = fold
    points, lrs, drop = _grid(s, method)
    net = Net(method, depth, width, classes)
    variables, _ = fit(net, [seed + 2 * j for j in range(len(points))], x_fit, y_fit, s["steps"], s["batch"], lrs,
                       drop)
    return accuracy(net, variables, x_val, y_val), accuracy(net, variables, x_test, y_test)


def uci_choice(s, shapes, accuracies):
    """The model selection of one (data set, fold, method): over ``shapes`` in order, the grid
    point with the best validation accuracy (the first on ties); ``accuracies(depth, width)``
    gives the (validation, test) accuracies of every point.  ``(test accuracy, chosen
    hyperparameters)``."""
    points = [(lr, p) for lr in s["lrs"] for p in s["dropouts"]]
    best = (-1.0, None, None)
    for depth, width in shapes:
        val, test = accuracies(depth, width)
        j = int(np.argmax(val))
        if val[j] > best[0]:
            best = (float(val[j]), float(test[j]), {"depth": depth, "width": width, "lr": points[j][0],
                                                    "dropout": points[j][1]})
    return best[1], best[2]


def uci(data=None, quick=False, seed=0, methods=None, accuracies=None, **overrides):
    """The UCI protocol (see the module doc) on ``data`` (a list of :class:`~.data.Dataset`;
    default scikit-learn's bundled sets).  ``accuracies(d, fold, method, depth, width)``
    (default: :func:`uci_accuracies` here, one cell after the other) gives a cell's
    (validation, test) accuracies; :mod:`.swept` passes the results of its Dask tasks."""
    require_jax()
    from .models import METHODS

    s = _sizes(UCI, quick, overrides)
    methods = _methods(methods or METHODS)
    sets = data if data is not None else [datasets.builtin(n) for n in datasets.UCI_DATASETS]
    t0 = time.perf_counter()
    acc, chosen = {}, {}
    shapes = [(dp, w) for dp in s["depths"] for w in s["widths"]]
    with _bar(len(sets) * s["folds"] * len(methods) * len(shapes), "uci") as bar:
        for d in sets:
            scores = {m: [] for m in methods}
            chosen[d.name] = {m: [] for m in methods}
            for k in range(s["folds"]):
                fold = uci_fold(d, s, k, seed) if accuracies is None else None
                for m in methods:
                    def cell(depth, width, d=d, k=k, m=m, fold=fold):
                        bar.set_postfix_str(f"{d.name} fold {k} {m}")
                        out = (uci_accuracies(fold, d.classes, m, depth, width, s, seed) if accuracies is None
                               else accuracies(d, k, m, depth, width))
                        bar.update(1)
                        return out

                    test, hyper = uci_choice(s, shapes, cell)
                    scores[m].append(test)
                    chosen[d.name][m].append(hyper)
            acc[d.name] = {m: float(np.mean(v)) for m, v in scores.items()}
    sizes = {k: list(v) if isinstance(v, tuple) else v for k, v in s.items()}
    sizes.update(seed=seed, datasets=[d.name for d in sets])
    return UciResult(sizes, acc, average_ranks(acc), chosen, time.perf_counter() - t0)


# --- weight drift -------------------------------------------------------------------------

@dataclass(frozen=True)
class DriftResult:
    """``runs[method]`` = {"steps": [...], "loss": [...], "checkpoints": [per checkpoint:
    {"step", "inside_theorem1" (all hidden units), "layers": [per layer: {"mean", "variance",
    "omega": quantiles, "tau": quantiles, "inside_theorem1"}]}]}; ``box`` is Theorem 1's
    (omega, tau) box and ``clouds[method]`` the units' (omega, tau) at the first and last
    checkpoint (for the figure; not in the JSON)."""

    dataset: str
    sizes: dict
    box: dict
    runs: dict
    seconds: float
    clouds: dict = field(default_factory=dict, compare=False, repr=False)
    evidence: str = EVIDENCE
    exit_code: int = 0

    def to_json(self):
        return {"dataset": self.dataset, "sizes": self.sizes, "theorem1_box": self.box, "evidence": self.evidence,
                "runs": self.runs, "seconds": round(self.seconds, 2)}

    def render(self):
        s, b = self.sizes, self.box
        lines = [f"weight drift on {self.dataset}: depth {s['depth']}, width {s['width']}, SGD lr {s['lr']}, batch "
                 f"{s['batch']}, {s['steps']} steps, probe batch {s['probe']} ({self.evidence})",
                 f"  Theorem 1's box: omega in [{b['omega'][0]}, {b['omega'][1]}], tau in [{b['tau'][0]}, {b['tau'][1]}]"]
        for m, run in self.runs.items():
            first, last = run["checkpoints"][0], run["checkpoints"][-1]
            lines.append(f"  {m}: fraction of hidden units inside the box: step {first['step']}: "
                         f"{first['inside_theorem1']:.3f} -> step {last['step']}: {last['inside_theorem1']:.3f}")
            lines.append(f"    {'layer':>5s} {'mean':>8s} {'var':>8s} {'omega q05..q95':>18s} {'tau q05..q95':>18s} "
                         f"{'inside':>7s}   (last checkpoint)")
            for i, layer in enumerate(last["layers"]):
                o, t = layer["omega"], layer["tau"]
                lines.append(f"    {i + 1:5d} {layer['mean']:8.3f} {layer['variance']:8.3f} "
                             f"{o['q05']:8.3f}..{o['q95']:<8.3f} {t['q05']:8.3f}..{t['q95']:<8.3f} "
                             f"{layer['inside_theorem1']:7.3f}")
        lines.append(f"  ({self.seconds:.1f} s)")
        return "\n".join(lines)


def _checkpoint(net, variables, depth, probe, box, step):
    from .models import hidden_kernels
    from .train import intermediates

    _, acts = intermediates(net, variables, probe)
    layers, omegas, taus = [], [], []
    for kernel, a in zip(hidden_kernels(variables["params"], depth), acts):
        omega, tau = weight_sums(kernel)
        omegas.append(omega)
        taus.append(tau)
        layers.append({"mean": float(a.mean()), "variance": float(a.var()), "omega": quantiles(omega),
                       "tau": quantiles(tau), "inside_theorem1": inside_fraction(omega, tau, box)})
    omega, tau = np.concatenate(omegas), np.concatenate(taus)
    return {"step": step, "inside_theorem1": inside_fraction(omega, tau, box), "layers": layers}, (omegas, taus)


def drift(data=None, quick=False, seed=0, **overrides):
    """Weight and activation statistics at checkpoints of SGD training (see the module doc)."""
    require_jax()
    from snn_verify.proofs.theorems import THEOREM1_BOX as BOX

    from .models import Net
    from .train import init, run, unstack

    s = _sizes(DRIFT, quick, overrides)
    _methods(s["methods"])
    d = _one_dataset(data, datasets.FIGURE1_DATASET)
    (x,) = datasets.standardise(d.x)
    probe = x[np.random.default_rng(seed).choice(len(x), min(s["probe"], len(x)), replace=False)]
    every = max(1, s["steps"] // s["checkpoints"])
    t0 = time.perf_counter()
    runs, clouds = {}, {}
    with _bar(len(s["methods"]) * (s["checkpoints"] + 1), "drift") as bar:
        for m in s["methods"]:
            net = Net(m, s["depth"], s["width"], d.classes)
            variables = init(net, [seed], x.shape[1])
            points, losses, steps = [], [], [0]
            for c in range(s["checkpoints"] + 1):
                if c:
                    variables, loss = run(net, variables, [seed + 1 + c], x, d.y, every, s["batch"], s["lr"])
                    losses.append(float(loss[0].mean()))
                    steps.append(c * every)
                point, cloud = _checkpoint(net, unstack(variables, 0), s["depth"], probe, BOX, steps[-1])
                points.append(point)
                if c in (0, s["checkpoints"]):
                    clouds.setdefault(m, []).append(cloud)
                bar.update(1)
            runs[m] = {"steps": steps, "loss": losses, "checkpoints": points}
    sizes = dict(s, methods=list(s["methods"]), seed=seed, steps_per_checkpoint=every)
    box = {"omega": list(BOX.omega), "tau": list(BOX.tau)}
    return DriftResult(d.name, sizes, box, runs, time.perf_counter() - t0, clouds)


# --- command line -------------------------------------------------------------------------

#: ``verify.py train EXPERIMENT``: the function and its sizes table
EXPERIMENTS = {"figure1": (figure1, FIGURE1), "uci": (uci, UCI), "drift": (drift, DRIFT)}


def defaults_help(name, key):
    """``"default X, quick Y"`` for the CLI's help, read from the sizes table."""
    table = EXPERIMENTS[name][1]

    def show(v):
        return ",".join(map(str, v)) if isinstance(v, tuple) else str(v)
    return f"default {show(table[False][key])}; quick {show(table[True][key])}"


def command(args):
    """Run ``verify.py train <args.experiment>``: load ``--data`` (if given), take every size
    flag that was set as an override of the sizes table, and return the result object."""
    fn, table = EXPERIMENTS[args.experiment]
    data = datasets.load(args.data) if args.data else None
    overrides = {k: getattr(args, k) for k in table[False] if getattr(args, k, None) is not None}
    if getattr(args, "methods", None):
        overrides["methods"] = tuple(args.methods)
    return fn(data, quick=args.quick, seed=args.seed, **overrides)
