"""``verify.py tube-training``: the certified tube of an SNN through SGD training (issue 19,
item 7).

An SNN (SELU, LeCun-normal, with biases) is trained by SGD on scikit-learn's digits (the
training experiments' model, :class:`snn_verify.proofs.evidence.training.models.Net`); at
each checkpoint its hidden layers are saved as npz (flax layout, ``hidden_i.kernel`` /
``hidden_i.bias``) and the tube runs on the file (:func:`snn_verify.proofs.networks.tube.run`:
the certified tube from the training inputs' per-feature moments (standardised, but a
constant pixel keeps variance 0), re-checked, with Monte Carlo evidence, Gaussian and with
the training inputs themselves).  The
output layer is not part of the tube (it has no SELU).  Training is evidence; each row's
verdict is a theorem about that checkpoint's weights in the mean-field model.
"""
from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass

import numpy as np

SIZES = {False: dict(depth=8, width=256, steps=2000, checkpoints=4, batch=128, lr=0.01),
         True: dict(depth=4, width=64, steps=200, checkpoints=2, batch=64, lr=0.01)}


def run(quick=False, seed=0, out_dir=None, samples=2048, progress=None, **overrides):
    """:class:`TubeTrainingResult`: one row per checkpoint (step 0 first).  ``overrides``:
    entries of :data:`SIZES` (depth, width, steps, checkpoints, batch, lr)."""
    from .training import data as datasets
    from .training.experiments import require_jax

    require_jax()
    from ..networks.tube import run as tube_run
    from .training.models import Net
    from .training.train import init, unstack
    from .training.train import run as train_run

    s = dict(SIZES[bool(quick)], **overrides)
    d = datasets.builtin(datasets.FIGURE1_DATASET)
    (x,) = datasets.standardise(d.x)
    out_dir = out_dir or tempfile.mkdtemp(prefix="tube-training-")
    os.makedirs(out_dir, exist_ok=True)
    data_path = os.path.join(out_dir, "inputs.npy")
    np.save(data_path, np.asarray(x, dtype=np.float64))
    net = Net("snn", s["depth"], s["width"], d.classes)
    variables = init(net, [seed], x.shape[1])
    every = max(1, s["steps"] // s["checkpoints"])
    rows, t0 = [], time.perf_counter()
    for c in range(s["checkpoints"] + 1):
        loss = None
        if c:
            variables, losses = train_run(net, variables, [seed + 1 + c], x, d.y, every, s["batch"], s["lr"])
            loss = float(losses[0].mean())
        params = unstack(variables, 0)["params"]
        arrays = {}
        for i in range(s["depth"]):
            arrays[f"hidden_{i}.kernel"] = np.asarray(params[f"hidden_{i}"]["kernel"], dtype=np.float64)
            arrays[f"hidden_{i}.bias"] = np.asarray(params[f"hidden_{i}"]["bias"], dtype=np.float64)
        path = os.path.join(out_dir, f"step{c * every:06d}.npz")
        np.savez(path, **arrays)
        r = tube_run(path, samples=samples, seed=seed, data=data_path)
        rows.append({"step": c * every, "loss": loss, "file": path, "verdict": r.verdict, "note": r.note,
                     "rechecked": not r.recheck["problems"],
                     "pooled": [{"mean": layer["mean"], "variance": layer["variance"]} for layer in r.layers],
                     "monte_carlo": [{"mean": m["mean"], "variance": m["variance"], "z_mean": m["z_mean"],
                                      "z_variance": m["z_variance"]} for m in r.monte_carlo],
                     "seconds": r.seconds})
        if progress:
            progress(c)
    return TubeTrainingResult(d.name, dict(s, seed=seed, steps_per_checkpoint=every), tuple(rows),
                              time.perf_counter() - t0)


@dataclass(frozen=True)
class TubeTrainingResult:
    dataset: str
    sizes: dict
    rows: tuple
    seconds: float

    @property
    def exit_code(self):
        return 0 if all(r["rechecked"] for r in self.rows) else 1

    def to_json(self):
        return {"dataset": self.dataset, "sizes": self.sizes, "checkpoints": list(self.rows),
                "seconds": round(self.seconds, 2)}

    def render(self):
        s = self.sizes
        lines = [f"tube through training: SNN depth {s['depth']}, width {s['width']} on {self.dataset}, SGD lr {s['lr']}, "
                 f"batch {s['batch']}, {s['steps']} steps (training: evidence; each verdict: certified for that "
                 f"checkpoint's hidden layers, from the inputs' per-feature moments)"]
        for r in self.rows:
            last = r["pooled"][-1] if r["pooled"] else None
            lines.append(f"  step {r['step']:>6}: {r['verdict']}"
                         + (f" (loss {r['loss']:.3f})" if r["loss"] is not None else "")
                         + (f"; last layer pooled mean [{last['mean'][0]:+.4f}, {last['mean'][1]:+.4f}], variance "
                            f"[{last['variance'][0]:.4f}, {last['variance'][1]:.4f}]" if last else "")
                         + ("" if r["rechecked"] else "; RE-CHECK REJECTED"))
            if r["verdict"] != "CERTIFIED":
                lines.append(f"      {r['note']}")
        lines.append(f"  ({self.seconds:.1f} s; checkpoints in {os.path.dirname(self.rows[0]['file'])})")
        return "\n".join(lines)
