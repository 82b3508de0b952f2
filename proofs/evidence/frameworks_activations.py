r"""The frameworks' activation functions against the activation registry, in ulps.

**Evidence, not proof**: each framework's function (``jax.nn``, ``keras.activations``,
``torch.nn.functional``, TensorFlow, whichever are installed) is evaluated on a fixed grid of
inputs in float32 and float64 and compared with the registry's definition
(:mod:`snn_verify.theory.activation_registry`) at the same (rounded) input, to
:data:`DIGITS` digits or more: the registry's Arb form at a precision raised until the ball
has :data:`REFERENCE_BITS` correct bits (mpmath at a fixed 50 digits loses them all to
cancellation: ``1 + erf(-21)`` is 1e-197).  The error of an output ``y`` is

.. math::

   \mathrm{ulps}(y) = |y - \varphi(x)| / \mathrm{ulp}(\varphi(x)),

``ulp`` the spacing of the dtype at ``phi(x)`` rounded to the dtype, reported as the maximum
over each region of the grid (:data:`REGIONS`):

- ``tiny``: ``x = 0`` and ``0 < |x| < 1e-3`` (the kinks' neighbourhood);
- ``core``: ``1e-3 <= |x| <= 8``;
- ``tail``: ``8 < |x| <= 30`` (cancellation in ``1 + tanh(u)`` forms, thresholds such as
  PyTorch's ``softplus(threshold=20)``);
- ``subnormal``: inputs, or exact outputs, below the dtype's least normal number; reported,
  not judged.  ``ftz``: a subnormal input gave 0 where the exact output is not (XLA on CPU
  flushes subnormals to zero).

Because ulps of a tiny result are tiny, a correct function computed with cancellation (the
tanh form of gelu at ``x = -7``: ``1 + tanh(-19.8)``) has enormous ulp errors where its value
is negligible.  The **scaled error** ``|y - phi(x)| / (eps * max(|phi(x)|, |x|))`` (``eps`` of
the dtype; normal inputs) separates that from a different function: a row is

- ``PASS``: ``tiny`` and ``core`` within :data:`CORE_ULPS` ulp and ``tail`` within
  :data:`TAIL_ULPS` ulp: correct to the last bits;
- ``LOOSE``: not PASS, scaled error within :data:`SCALED_BOUND`: the registry's function,
  computed less accurately (cancellation, a less accurate special function);
- ``FAIL``: scaled error beyond :data:`SCALED_BOUND`: not the registry's function at these
  arguments, or not in this precision (``verify.py frameworks --activations`` exits 1).

Each framework function is called with the arguments that make it the registry's definition
(``gelu(x, approximate=False)`` is ``gelu``, ``approximate=True`` is ``gelu_tanh``,
``leaky_relu(x, negative_slope=0.01)``, ``alpha=1``).

**Definitions of the defaults.** Separately, each function whose *default* arguments choose a
definition (gelu's approximation, leaky_relu's slope, elu's and celu's alpha) is called with
its defaults in float64, and the registry definition it computes is identified by measurement:
the slope read as ``-f(-1)``, alpha as ``-f(-800)``, gelu as whichever of ``gelu`` and
``gelu_tanh`` it is within the scaled bound of.  A default that is not the registry's
(``jax.nn.gelu`` is the tanh approximation, ``keras.activations.leaky_relu`` has slope 0.2) is
flagged ``DIFFERS``: not an error of the framework, a difference of definition to know about
when comparing numbers.

The registry's own vectorised float64 form (its ``numpy`` primitives) is measured the same way
(framework ``snn-verify``): the table says where the project's float forms lose relative
accuracy too (not counted in the exit status).

Example
-------
>>> float(ulps(np.array([1.0 + 2 ** -52]), [mpmath.mpf(1)], "float64")[0])
1.0
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import os
import time
from dataclasses import dataclass, field

import mpmath
import numpy as np

from snn_verify.theory.activation_registry import ACTS, get_primitives

EVIDENCE = "evidence (float evaluations against 50-digit values, not a proof)"
#: digits of the reference values
DIGITS = 50
#: the input regions, in the order they are reported
REGIONS = ("tiny", "core", "tail", "subnormal")
#: largest |x| of the tiny region and of the core region
TINY, CORE = 1e-3, 8.0
#: PASS bound (ulps) on the tiny and core regions, per dtype
CORE_ULPS = {"float32": 4.0, "float64": 4.0}
#: PASS bound (ulps) on the tails
TAIL_ULPS = {"float32": 64.0, "float64": 64.0}
#: bound on the scaled error |y - phi| / (eps max(|phi|, |x|)) of the same function (LOOSE)
SCALED_BOUND = 1000.0
PASS, LOOSE, FAIL, SAME, DIFFERS = "PASS", "LOOSE", "FAIL", "same", "DIFFERS"


def _grid64():
    tiny = [5e-324, 1e-310, 1e-300, 1e-200, 1e-100, 1e-45, 1e-40, 1e-38, 1e-30, 1e-20, 1e-16, 1e-12, 1e-8, 1e-6,
            1e-4, 7e-4]
    core = np.concatenate([np.linspace(0.001, 0.1, 34), np.linspace(0.1, 8.0, 317)])
    tail = np.concatenate([np.linspace(8.0, 30.0, 89)[1:], [8.5, 9.0, 10.0, 12.0, 15.0, 17.5, 20.0, 22.5, 25.0, 30.0]])
    pos = np.concatenate([tiny, core, tail])
    return np.unique(np.concatenate([-pos, [0.0], pos]))


#: the inputs (float64); float32 rounds them (subnormals below float32's flush to 0)
GRID = _grid64()


def grid(dtype):
    """The grid in ``dtype`` (unique values)."""
    return np.unique(GRID.astype(dtype))


def region(x, value, dtype):
    """The region (:data:`REGIONS`) of the input ``x`` whose exact output is ``value``."""
    smallest = float(np.finfo(dtype).tiny)
    a = abs(float(x))
    if 0 < a < smallest or 0 < abs(value) < smallest:
        return "subnormal"
    return "tiny" if a < TINY else "core" if a <= CORE else "tail"


#: bits of relative accuracy a reference value must have (50 digits are 166 bits)
REFERENCE_BITS = 180


def _reference(act, x, params):
    """``act(x)`` from the registry's Arb form, at a precision doubled until the ball has
    :data:`REFERENCE_BITS` correct bits (or is exactly 0): an mpmath evaluation at a fixed 50
    digits would lose all of them to cancellation (``1 + erf(-21)`` is 1e-197)."""
    from flint import acb, ctx

    P = get_primitives("arb")
    saved, prec = ctx.prec, 128
    try:
        while prec <= 1 << 15:
            ctx.prec = prec
            values = {k: P.const(v) for k, v in params}
            r = act.value(P, acb(x), piece=act.piece(x), **values).real
            if r.rad() == 0 and r.mid() == 0:
                return mpmath.mpf(0)
            if r.rel_accuracy_bits() >= REFERENCE_BITS:
                man, exp = r.mid().man_exp()
                return mpmath.mpf((int(man), int(exp)))
            prec *= 2
    finally:
        ctx.prec = saved
    raise ArithmeticError(f"no {REFERENCE_BITS}-bit value of {act.name}({x!r}) up to {prec // 2} bits")


@functools.lru_cache(maxsize=None)
def _exact_cached(name, params, xs):
    act = ACTS[name]
    with mpmath.workdps(DIGITS + 10):
        return tuple(_reference(act, x, params) for x in xs)


def exact(name, xs, **params):
    """The registry's ``name`` at each float ``x`` of ``xs`` to :data:`DIGITS` digits or more
    (``params`` as decimal strings, the registry's defaults otherwise): mpf."""
    return _exact_cached(name, tuple(sorted(params.items())), tuple(float(x) for x in xs))


def ulps(y, ref, dtype):
    """``|y - ref| / ulp(ref)`` elementwise (``ref`` mpf; ``ulp`` in ``dtype``); ``inf`` where
    ``y`` is not finite."""
    dt = np.dtype(dtype)
    out = np.empty(len(ref))
    with mpmath.workdps(DIGITS):
        for i, (v, r) in enumerate(zip(np.asarray(y, dtype=np.float64), ref)):
            if not math.isfinite(v):
                out[i] = math.inf
                continue
            spacing = float(np.spacing(np.abs(dt.type(float(r)))))
            out[i] = float(abs(mpmath.mpf(float(v)) - r) / spacing)
    return out


def scaled_errors(y, ref, xs, dtype):
    """``|y - ref| / (eps * max(|ref|, |x|))`` elementwise (``eps`` of ``dtype``); ``inf``
    where ``y`` is not finite; 0 where both scales vanish and ``y`` is 0."""
    eps = float(np.finfo(dtype).eps)
    out = np.empty(len(ref))
    with mpmath.workdps(DIGITS):
        for i, (v, r, x) in enumerate(zip(np.asarray(y, dtype=np.float64), ref, xs)):
            if not math.isfinite(v):
                out[i] = math.inf
                continue
            scale = max(abs(r), abs(mpmath.mpf(float(x))))
            err = abs(mpmath.mpf(float(v)) - r)
            out[i] = 0.0 if err == 0 else math.inf if scale == 0 else float(err / (eps * scale))
    return out


# --- the implementations --------------------------------------------------------------------

@dataclass(frozen=True)
class Impl:
    """One framework function standing for the registry activation ``activation``:
    ``call(x, dtype)`` takes a numpy array of ``dtype`` and returns the framework's output as a
    numpy array; ``params`` are the registry parameters the call's arguments stand for
    (decimal strings; the registry's defaults when empty)."""

    framework: str
    version: str
    activation: str
    label: str
    call: object
    dtypes: tuple = ("float32", "float64")
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DefaultCall:
    """A framework function called with its default arguments (float64), named after the
    registry activation ``activation``."""

    framework: str
    version: str
    activation: str
    label: str
    call: object


#: the registry activations (with their parameters) a framework function mirrors: (registry
#: name, explicit keyword arguments of the framework's call, as source text)
def _jax():
    import jax
    import jax.numpy as jnp

    nn, v = jax.nn, jax.__version__

    def wrap(fn):
        def call(x, dtype):
            if dtype == "float64":
                with jax.enable_x64(True):
                    return np.asarray(fn(jnp.asarray(x, dtype=jnp.float64)))
            return np.asarray(fn(jnp.asarray(x, dtype=jnp.float32)))
        return call

    table = [("selu", "jax.nn.selu(x)", nn.selu), ("elu", "jax.nn.elu(x, alpha=1.0)", lambda x: nn.elu(x, alpha=1.0)),
             ("celu", "jax.nn.celu(x, alpha=1.0)", lambda x: nn.celu(x, alpha=1.0)), ("relu", "jax.nn.relu(x)", nn.relu),
             ("leaky_relu", "jax.nn.leaky_relu(x, negative_slope=0.01)", lambda x: nn.leaky_relu(x, negative_slope=0.01)),
             ("gelu", "jax.nn.gelu(x, approximate=False)", lambda x: nn.gelu(x, approximate=False)),
             ("gelu_tanh", "jax.nn.gelu(x, approximate=True)", lambda x: nn.gelu(x, approximate=True)),
             ("silu", "jax.nn.silu(x)", nn.silu), ("mish", "jax.nn.mish(x)", getattr(nn, "mish", None)),
             ("softplus", "jax.nn.softplus(x)", nn.softplus), ("tanh", "jax.numpy.tanh(x)", jnp.tanh),
             ("sigmoid", "jax.nn.sigmoid(x)", nn.sigmoid)]
    impls = [Impl("JAX", v, name, label, wrap(fn)) for name, label, fn in table if fn is not None]
    defaults = [DefaultCall("JAX", v, name, label, lambda x, fn=fn: wrap(fn)(x, "float64")) for name, label, fn in (
        ("gelu", "jax.nn.gelu(x)", nn.gelu), ("leaky_relu", "jax.nn.leaky_relu(x)", nn.leaky_relu),
        ("elu", "jax.nn.elu(x)", nn.elu), ("celu", "jax.nn.celu(x)", nn.celu))]
    return impls, defaults


def _keras():
    from .frameworks import _keras_backend

    if importlib.util.find_spec("keras") is None:
        raise ImportError("keras is not installed")
    if "keras" not in __import__("sys").modules:
        backend, note = _keras_backend()
        if note:
            os.environ["KERAS_BACKEND"] = backend
    import keras

    if not keras.__version__.startswith("3"):
        raise ImportError(f"Keras {keras.__version__} is not Keras 3")
    backend = keras.backend.backend()
    A, ops, v = keras.activations, keras.ops, f"{keras.__version__} ({keras.backend.backend()} backend)"

    def wrap(fn):
        def call(x, dtype):
            if dtype == "float64" and backend == "jax":
                import jax

                with jax.enable_x64(True):
                    return np.asarray(ops.convert_to_numpy(fn(ops.convert_to_tensor(x, dtype="float64"))))
            return np.asarray(ops.convert_to_numpy(fn(ops.convert_to_tensor(x, dtype=dtype))))
        return call

    def get(name):
        return getattr(A, name, None)

    table = [("selu", "keras.activations.selu(x)", get("selu")),
             ("elu", "keras.activations.elu(x, alpha=1.0)", get("elu") and (lambda x: A.elu(x, alpha=1.0))),
             ("celu", "keras.activations.celu(x, alpha=1.0)", get("celu") and (lambda x: A.celu(x, alpha=1.0))),
             ("relu", "keras.activations.relu(x)", get("relu")),
             ("leaky_relu", "keras.activations.leaky_relu(x, negative_slope=0.01)",
              get("leaky_relu") and (lambda x: A.leaky_relu(x, negative_slope=0.01))),
             ("gelu", "keras.activations.gelu(x, approximate=False)", get("gelu") and (lambda x: A.gelu(x, approximate=False))),
             ("gelu_tanh", "keras.activations.gelu(x, approximate=True)",
              get("gelu") and (lambda x: A.gelu(x, approximate=True))),
             ("silu", "keras.activations.silu(x)", get("silu")), ("mish", "keras.activations.mish(x)", get("mish")),
             ("softplus", "keras.activations.softplus(x)", get("softplus")), ("tanh", "keras.activations.tanh(x)", get("tanh")),
             ("sigmoid", "keras.activations.sigmoid(x)", get("sigmoid"))]
    impls = [Impl("Keras", v, name, label, wrap(fn)) for name, label, fn in table if fn]
    defaults = [DefaultCall("Keras", v, name, label, lambda x, fn=fn: wrap(fn)(x, "float64")) for name, label, fn in (
        ("gelu", "keras.activations.gelu(x)", get("gelu")), ("gelu", "keras.ops.gelu(x)", getattr(ops, "gelu", None)),
        ("leaky_relu", "keras.activations.leaky_relu(x)", get("leaky_relu")),
        ("elu", "keras.activations.elu(x)", get("elu")), ("celu", "keras.activations.celu(x)", get("celu"))) if fn]
    return impls, defaults


def _torch():
    import torch

    F, v = torch.nn.functional, torch.__version__
    dtypes = {"float32": torch.float32, "float64": torch.float64}

    def wrap(fn):
        return lambda x, dtype: fn(torch.from_numpy(np.ascontiguousarray(x, dtype=dtype))).numpy()

    table = [("selu", "torch.nn.functional.selu(x)", F.selu),
             ("elu", "torch.nn.functional.elu(x, alpha=1.0)", lambda x: F.elu(x, alpha=1.0)),
             ("celu", "torch.nn.functional.celu(x, alpha=1.0)", lambda x: F.celu(x, alpha=1.0)),
             ("relu", "torch.nn.functional.relu(x)", F.relu),
             ("leaky_relu", "torch.nn.functional.leaky_relu(x, negative_slope=0.01)",
              lambda x: F.leaky_relu(x, negative_slope=0.01)),
             ("gelu", "torch.nn.functional.gelu(x, approximate='none')", lambda x: F.gelu(x, approximate="none")),
             ("gelu_tanh", "torch.nn.functional.gelu(x, approximate='tanh')", lambda x: F.gelu(x, approximate="tanh")),
             ("silu", "torch.nn.functional.silu(x)", F.silu), ("mish", "torch.nn.functional.mish(x)", F.mish),
             ("softplus", "torch.nn.functional.softplus(x)", F.softplus), ("tanh", "torch.tanh(x)", torch.tanh),
             ("sigmoid", "torch.sigmoid(x)", torch.sigmoid)]
    del dtypes
    impls = [Impl("PyTorch", v, name, label, wrap(fn)) for name, label, fn in table]
    defaults = [DefaultCall("PyTorch", v, name, label, lambda x, fn=fn: wrap(fn)(x, "float64")) for name, label, fn in (
        ("gelu", "torch.nn.functional.gelu(x)", F.gelu), ("leaky_relu", "torch.nn.functional.leaky_relu(x)", F.leaky_relu),
        ("elu", "torch.nn.functional.elu(x)", F.elu), ("celu", "torch.nn.functional.celu(x)", F.celu))]
    return impls, defaults


def _tensorflow():
    import tensorflow as tf

    v = tf.__version__

    def wrap(fn):
        return lambda x, dtype: np.asarray(fn(tf.constant(x, dtype=dtype)))

    table = [("selu", "tf.nn.selu(x)", tf.nn.selu), ("elu", "tf.nn.elu(x)", tf.nn.elu), ("relu", "tf.nn.relu(x)", tf.nn.relu),
             ("leaky_relu", "tf.nn.leaky_relu(x, alpha=0.01)", lambda x: tf.nn.leaky_relu(x, alpha=0.01)),
             ("gelu", "tf.nn.gelu(x, approximate=False)", lambda x: tf.nn.gelu(x, approximate=False)),
             ("gelu_tanh", "tf.nn.gelu(x, approximate=True)", lambda x: tf.nn.gelu(x, approximate=True)),
             ("silu", "tf.nn.silu(x)", tf.nn.silu), ("softplus", "tf.math.softplus(x)", tf.math.softplus),
             ("tanh", "tf.math.tanh(x)", tf.math.tanh), ("sigmoid", "tf.math.sigmoid(x)", tf.math.sigmoid)]
    impls = [Impl("TensorFlow", v, name, label, wrap(fn)) for name, label, fn in table]
    defaults = [DefaultCall("TensorFlow", v, name, label, lambda x, fn=fn: wrap(fn)(x, "float64")) for name, label, fn in (
        ("gelu", "tf.nn.gelu(x)", tf.nn.gelu), ("leaky_relu", "tf.nn.leaky_relu(x)", tf.nn.leaky_relu))]
    return impls, defaults


def _registry():
    P = get_primitives("numpy")

    def wrap(name):
        def call(x, dtype):
            with np.errstate(all="ignore"):
                return np.asarray(ACTS[name].value(P, np.asarray(x, dtype=np.float64)))
        return call

    import snn_verify

    v = getattr(snn_verify, "__version__", "")
    return [Impl("snn-verify", v, name, f"registry numpy form of {name}", wrap(name), ("float64",)) for name in ACTS], []


#: framework name -> (import name, factory returning (implementations, default calls))
FRAMEWORKS = {"JAX": ("jax", _jax), "Keras": ("keras", _keras), "PyTorch": ("torch", _torch),
              "TensorFlow": ("tensorflow", _tensorflow)}


def installed(include_registry=True):
    """``(impls, defaults, skipped)`` over the installed frameworks (and the registry's own
    numpy form); ``skipped``: ``[{"framework", "reason"}]``."""
    impls, defaults, skipped = [], [], []
    for name, (module, factory) in FRAMEWORKS.items():
        if importlib.util.find_spec(module) is None:
            skipped.append({"framework": name, "reason": f"{module} is not installed"})
            continue
        try:
            i, d = factory()
        except Exception as exc:          # a broken install is a reported row, not a crash
            skipped.append({"framework": name, "reason": f"import failed: {type(exc).__name__}: {exc}"})
            continue
        impls += i
        defaults += d
    if include_registry:
        impls += _registry()[0]
    return impls, defaults, skipped


# --- the measurements -------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One implementation in one dtype: the max ulps per region, the max scaled error, whether
    subnormals were flushed to zero, the worst input (judged regions) and the verdict."""

    framework: str
    version: str
    activation: str
    label: str
    dtype: str
    max_ulps: dict
    scaled: float
    ftz: bool
    worst_x: float
    status: str
    error: str = ""

    def to_json(self):
        return {"framework": self.framework, "version": self.version, "activation": self.activation,
                "function": self.label, "dtype": self.dtype,
                "max_ulps": {k: _json_float(v) for k, v in self.max_ulps.items()},
                "max_scaled_error": _json_float(self.scaled), "flushes_subnormals": self.ftz,
                "worst_x": _json_float(self.worst_x), "status": self.status,
                **({"error": self.error} if self.error else {})}


@dataclass(frozen=True)
class Definition:
    """A default call and the registry definition it computes (identified by measurement)."""

    framework: str
    version: str
    activation: str
    label: str
    computes: str
    params: dict
    scaled: float
    status: str

    def to_json(self):
        return {"framework": self.framework, "version": self.version, "activation": self.activation,
                "function": self.label, "computes": self.computes, "params": self.params,
                "max_scaled_error": _json_float(self.scaled), "status": self.status}


def _json_float(v):
    return v if math.isfinite(v) else ("nan" if math.isnan(v) else "inf")


def _verdict(worst, scaled, dtype):
    if max(worst["tiny"], worst["core"]) <= CORE_ULPS[dtype] and worst["tail"] <= TAIL_ULPS[dtype]:
        return PASS
    return LOOSE if scaled <= SCALED_BOUND else FAIL


def measure(impl, dtype, params=None):
    """:class:`Row` of ``impl`` in ``dtype`` against the registry (``params``, decimal
    strings, overriding the impl's own)."""
    xs = grid(dtype)
    params = impl.params if params is None else params
    try:
        y = np.asarray(impl.call(xs, dtype), dtype=np.float64)
        if y.shape != xs.shape:
            raise ValueError(f"output shape {y.shape}, input {xs.shape}")
    except Exception as exc:  # noqa: BLE001 -- a failing function is a row
        return Row(impl.framework, impl.version, impl.activation, impl.label, dtype, {r: math.inf for r in REGIONS},
                   math.inf, False, math.nan, FAIL, f"{type(exc).__name__}: {exc}")
    ref = exact(impl.activation, xs, **params)
    err = ulps(y, ref, dtype)
    regions = np.array([region(x, r, dtype) for x, r in zip(xs, ref)])
    judged = regions != "subnormal"
    worst = {r: float(np.max(err[regions == r])) if np.any(regions == r) else 0.0 for r in REGIONS}
    scaled = scaled_errors(y[judged], [r for r, j in zip(ref, judged) if j], xs[judged], dtype)
    smallest = float(np.finfo(dtype).tiny)
    ftz = bool(any(0 < abs(float(x)) < smallest and v == 0 and abs(r) >= np.finfo(dtype).smallest_subnormal
                   for x, v, r in zip(xs, y, ref)))
    worst_x = float(xs[judged][int(np.argmax(err[judged]))])
    return Row(impl.framework, impl.version, impl.activation, impl.label, dtype, worst, float(np.max(scaled)), ftz,
               worst_x, _verdict(worst, float(np.max(scaled)), dtype))


def _candidates(name, call):
    """``[(registry name, params)]`` a default call of a function named ``name`` may compute."""
    if name in ("gelu", "gelu_tanh"):
        return [("gelu", {}), ("gelu_tanh", {})]
    if name == "leaky_relu":
        return [(name, {"slope": repr(-float(call(np.array([-1.0]))[0]))})]
    if name in ("elu", "celu"):
        return [(name, {"alpha": repr(-float(call(np.array([-800.0]))[0]))})]
    return [(name, {})]


def _is_default(name, params):
    return all(float(params.get(k, v)) == float(v) for k, v in ACTS[name].params.items())


def identify(default):
    """:class:`Definition`: which registry definition ``default`` computes (float64, the
    normal inputs with ``|x| <= 8``)."""
    xs = grid("float64")
    xs = xs[(np.abs(xs) <= CORE) & ((xs == 0) | (np.abs(xs) >= np.finfo(np.float64).tiny))]
    y = np.asarray(default.call(xs), dtype=np.float64)
    best = None
    for name, params in _candidates(default.activation, default.call):
        err = float(np.max(scaled_errors(y, exact(name, xs, **params), xs, "float64")))
        if best is None or err < best[2]:
            best = (name, params, err)
    name, params, err = best
    found = err <= SCALED_BOUND
    same = found and name == default.activation and _is_default(name, params)
    return Definition(default.framework, default.version, default.activation, default.label,
                      name if found else f"none of the candidates (nearest: {name})", params, err,
                      SAME if same else DIFFERS)


@dataclass(frozen=True)
class ActivationsResult:
    """``verify.py frameworks --activations``: the ulp table and the definition checks."""

    rows: tuple
    definitions: tuple
    skipped: tuple
    seconds: float
    points: dict = field(default_factory=dict)

    @property
    def exit_code(self):
        return 1 if any(r.status == FAIL and r.framework != "snn-verify" for r in self.rows) else 0

    def to_json(self):
        return {"evidence": EVIDENCE, "digits": DIGITS, "reference_bits": REFERENCE_BITS,
                "regions": {"tiny": f"|x| < {TINY:g}", "core": f"{TINY:g} <= |x| <= {CORE:g}",
                            "tail": f"{CORE:g} < |x| <= 30", "subnormal": "x or phi(x) subnormal (not judged)"},
                "points": self.points, "core_ulps": CORE_ULPS, "tail_ulps": TAIL_ULPS, "scaled_bound": SCALED_BOUND,
                "rows": [r.to_json() for r in self.rows], "definitions": [d.to_json() for d in self.definitions],
                "skipped": list(self.skipped), "ok": self.exit_code == 0, "seconds": round(self.seconds, 2)}

    def render(self):
        lines = [f"framework activations against the registry ({DIGITS}+ digits); {EVIDENCE}",
                 f"  {self.points.get('float64', '?')} float64 / {self.points.get('float32', '?')} float32 inputs; "
                 f"max error in ulps of the dtype: tiny |x| < {TINY:g}, core |x| <= {CORE:g}, tail |x| <= 30; "
                 f"scaled = max |y - phi| / (eps max(|phi|, |x|))",
                 f"  PASS: tiny, core <= {CORE_ULPS['float64']:g} ulp and tail <= {TAIL_ULPS['float64']:g} ulp; "
                 f"LOOSE: else scaled <= {SCALED_BOUND:g} (same function, less accurate); FAIL: else; "
                 f"ftz: a subnormal input gave 0 (subnormals are not judged)",
                 f"  {'framework':10s} {'activation':10s} {'dtype':7s} {'tiny':>8s} {'core':>8s} {'tail':>8s} "
                 f"{'scaled':>8s} {'ftz':3s} {'worst x':>9s} {'status':6s} function"]
        for r in self.rows:
            u = [_fmt(r.max_ulps[k]) for k in REGIONS[:3]]
            lines.append(f"  {r.framework:10s} {r.activation:10s} {r.dtype:7s} {u[0]:>8s} {u[1]:>8s} {u[2]:>8s} "
                         f"{_fmt(r.scaled):>8s} {'yes' if r.ftz else 'no':3s} {r.worst_x:>9.4g} {r.status:6s} {r.label}"
                         + (f"  ({r.error})" if r.error else ""))
        if self.definitions:
            lines.append("  definitions chosen by the default arguments (float64, normal |x| <= 8):")
            for d in self.definitions:
                params = ", ".join(f"{k}={v}" for k, v in d.params.items())
                ours = ", ".join(f"{k}={v}" for k, v in ACTS[d.activation].params.items())
                lines.append(f"    {d.status:7s} {d.label} computes {d.computes}" + (f" ({params})" if params else "")
                             + f"; the registry's {d.activation}" + (f" has {ours}" if ours else "")
                             + f" (scaled error {_fmt(d.scaled)})")
        for s in self.skipped:
            lines.append(f"  {s['framework']}: skipped ({s['reason']})")
        n_fail = sum(r.status == FAIL and r.framework != "snn-verify" for r in self.rows)
        n_diff = sum(d.status == DIFFERS for d in self.definitions)
        lines.append(f"  {len(self.rows)} rows, {n_fail} framework row(s) FAIL, {n_diff} default(s) DIFFER; "
                     f"{self.seconds:.1f} s")
        return "\n".join(lines)


def _fmt(v):
    if not math.isfinite(v):
        return "inf" if v > 0 else "nan"
    return f"{v:.2f}" if v < 100 else f"{v:.1e}"


def check_activations(impls=None, defaults=None, include_registry=True):
    """:class:`ActivationsResult` for the installed frameworks (or the given ``impls`` and
    ``defaults``)."""
    t0 = time.perf_counter()
    skipped = []
    if impls is None:
        impls, found, skipped = installed(include_registry)
        defaults = found if defaults is None else defaults
    rows = tuple(measure(i, dtype) for i in impls for dtype in i.dtypes)
    defs = tuple(identify(d) for d in (defaults or ()))
    points = {d: int(grid(d).size) for d in ("float32", "float64")}
    return ActivationsResult(rows, defs, tuple(skipped), time.perf_counter() - t0, points)
