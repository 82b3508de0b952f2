r"""Framework conformance: the SELU and alpha dropout that people actually run, against the theory.

**Evidence, not proof**: statistical checks on samples (z-scores), plus exact comparisons of
constants read off the implementations' own outputs.  Every installed framework is checked
(PyTorch eager, ``torch.compile`` and ``torch._refs``; Keras 3 on its backend; ``jax.nn.selu``;
TensorFlow's ``tf.nn.selu``); none is required, each is imported lazily.

Checks per implementation
-------------------------
- **constants** (in the framework's float64 where it has one): ``lambda = selu(1)`` and
  ``lambda*alpha = -selu(-100)`` (``e^{-100}`` is below float64's resolution, so the negative
  branch has saturated), ``alpha = (lambda*alpha)/lambda``; compared with the 50-digit
  alpha01, lambda01 (:mod:`snn_verify.theory.parameters`).  PASS when both read constants
  are within :data:`CONSTANT_ULPS` units of the dtype's epsilon (relative) of the exact ones.
  ``digits`` = the leading significant digits that agree, ``floor(-log10 |x - x*|/|x*|)``.
- **SELU moments** on ``x ~ N(0, 1)``: mean and variance of ``selu(x)`` within
  :data:`Z_FAIL` standard errors of g(0, 1) = (0, 1); and on ``x ~ N(0.5, 2)`` against
  ``g`` (:func:`snn_verify.theory.selu_map.moment_map` with ``omega = tau = 1``).
- **alpha dropout** at each rate ``p = 1 - q`` of :data:`RATES`, training mode:
  output mean and variance on ``N(0, 1)`` inputs and on ``selu(N(0, 1))`` inputs against
  :func:`snn_verify.theory.dropout.dropped_moments` with the theory's ``a``, ``b``
  (:func:`snn_verify.theory.dropout.alpha_dropout`); the dropped value (the most frequent
  output value, exactly repeated) against ``a alpha' + b``; the dropped fraction against
  ``p`` (binomial z); the affine map ``a x + b`` fitted on the kept units; eval mode is the
  identity (bitwise).

Statistics
----------
For ``n`` iid outputs with sample central moments ``m2``, ``m4``:
``se(mean) = sqrt(m2/n)``, ``se(var) = sqrt((m4 - m2^2)/n)``, ``z = (measured - expected)/se``;
FAIL when ``|z| >= Z_FAIL``.  The default sample size :data:`SAMPLES` makes a mean error of
:data:`MEAN_RESOLUTION` (1e-3) at unit variance a ``Z_FAIL``-sigma event:
``n >= (Z_FAIL / 1e-3)^2``.  Samples are drawn in float32 chunks of :data:`CHUNK` (the dtype
people train in) from ``numpy.random.default_rng((seed, chunk))``; framework dropout masks are
seeded from ``(seed, chunk, check)``: same seed, same numbers.  Moments are accumulated in
float64.

Example
-------
>>> import numpy as np
>>> m = Moments(center=0.0)
>>> m.add(np.array([-1.0, 1.0, -1.0, 1.0]))
>>> m.mean, round(m.var, 6)      # the unbiased variance, n/(n-1) times the mean square
(0.0, 1.333333)
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import math
import os
import time
from dataclasses import dataclass, field

import mpmath
import numpy as np

from snn_verify.errors import InputError
from snn_verify.theory.dropout import alpha_dropout as dropout_theory
from snn_verify.theory.dropout import dropped_moments
from snn_verify.theory.parameters import alpha01_lambda01
from snn_verify.theory.selu_map import moment_map, moment_map_mp

EVIDENCE = "evidence (statistical checks on samples, not a proof)"
#: dropout rates p = 1 - q checked (the paper recommends 0.05 and 0.1)
RATES = (0.05, 0.1, 0.2)
#: |z| at or above this fails a statistical check
Z_FAIL = 5.0
#: the mean error (at unit variance) the default sample size resolves at Z_FAIL sigma
MEAN_RESOLUTION = 1e-3
#: samples per chunk (inputs are drawn and fed chunk by chunk)
CHUNK = 1 << 20
#: default sample size: the least multiple of CHUNK with se(mean) <= MEAN_RESOLUTION / Z_FAIL
SAMPLES = CHUNK * math.ceil((Z_FAIL / MEAN_RESOLUTION) ** 2 / CHUNK)
#: the second SELU input distribution N(mu, nu), checked against g
OTHER_POINT = (0.5, 2.0)
#: tolerance of exact comparisons (constants, dropped value), in units of the dtype's epsilon
CONSTANT_ULPS = 4
#: tolerance of the fitted a, b, in units of the dtype's epsilon
FIT_ULPS = 64
#: inputs read for the negative saturation lambda*alpha
SATURATED_INPUT = -100.0
#: outputs searched for the repeated (dropped) value
MODE_WINDOW = 1 << 16
PASS, FAIL, ERROR = "PASS", "FAIL", "ERROR"
DIGITS = 50


# --- implementations ----------------------------------------------------------------------

@dataclass(frozen=True)
class Implementation:
    """One implementation to check: numpy in, numpy out.

    ``selu(x)`` applies SELU to a float32 (or float64) array; ``alpha_dropout(x, rate,
    training, seed)`` applies alpha dropout with drop probability ``rate`` (``None`` when the
    framework has none); ``selu64(x)`` evaluates SELU in the framework's float64 (``None``
    when it has none, then constants are read in float32).
    """

    framework: str
    version: str
    name: str
    selu: object
    alpha_dropout: object = None
    selu64: object = None
    note: str = ""


def _torch():
    import torch

    functional = torch.nn.functional
    refs = importlib.import_module("torch._refs.nn.functional")

    def as_selu(fn):
        return lambda x: fn(torch.from_numpy(np.ascontiguousarray(x))).numpy()

    def as_dropout(fn):
        def run(x, rate, training, seed):
            torch.manual_seed(seed)
            return fn(torch.from_numpy(np.ascontiguousarray(x)), rate, training).numpy()
        return run

    def dynamo_settings():
        """Room for every (rate, mode, dtype) variant, and an error instead of a silent
        fall-back to eager when a compiled function runs out of it."""
        cfg, wanted = torch._dynamo.config, {"recompile_limit": 64, "fail_on_recompile_limit_hit": True}
        present = {}
        for key, value in wanted.items():
            try:
                getattr(cfg, key)
                present[key] = value
            except AttributeError:
                pass
        return cfg.patch(**present)

    def compiled(fn):
        box = {}

        def call(*args):          # compile on first use, so that a failure is that check's row
            if "fn" not in box:
                box["fn"] = torch.compile(fn)
            with dynamo_settings():
                return box["fn"](*args)
        return call

    def compiled_module():
        modules = {}

        def run(x, rate, training, seed):
            if rate not in modules:
                modules[rate] = torch.compile(torch.nn.AlphaDropout(rate))
            module = modules[rate].train(training)
            torch.manual_seed(seed)
            with dynamo_settings():
                return module(torch.from_numpy(np.ascontiguousarray(x))).numpy()
        return run

    v = torch.__version__
    selu_module = compiled(torch.nn.SELU())
    return [
        Implementation("PyTorch", v, "torch eager (F.selu, F.alpha_dropout)", as_selu(functional.selu),
                       as_dropout(functional.alpha_dropout), as_selu(functional.selu)),
        Implementation("PyTorch", v, "torch.compile (F.selu, F.alpha_dropout)", as_selu(compiled(functional.selu)),
                       as_dropout(compiled(functional.alpha_dropout)), as_selu(compiled(functional.selu))),
        Implementation("PyTorch", v, "torch.compile (nn.SELU, nn.AlphaDropout modules)", as_selu(selu_module),
                       compiled_module(), as_selu(selu_module)),
        Implementation("PyTorch", v, "torch._refs (nn.functional.selu, alpha_dropout)", as_selu(refs.selu),
                       as_dropout(refs.alpha_dropout), as_selu(refs.selu)),
    ]


def _jax():
    import jax

    def selu64(x):
        with jax.enable_x64(True):
            return np.asarray(jax.nn.selu(jax.numpy.asarray(x, dtype=jax.numpy.float64)))

    return [Implementation("JAX", jax.__version__, "jax.nn.selu", lambda x: np.asarray(jax.nn.selu(x)), None, selu64,
                           note="JAX has no alpha dropout")]


def _keras_backend():
    """The backend Keras will load: ``KERAS_BACKEND``, else ``keras.json``'s, else TensorFlow.
    When that one is not installed, the first installed of jax, torch is chosen (and said)."""
    configured = os.environ.get("KERAS_BACKEND")
    if not configured:
        path = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "keras.json")
        try:
            with open(path) as f:
                configured = json.load(f).get("backend")
        except (OSError, ValueError, AttributeError):
            configured = None
    configured = configured or "tensorflow"
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy"}.get(configured, configured)
    if importlib.util.find_spec(module) is not None:
        return configured, ""
    for other in ("jax", "torch"):
        if importlib.util.find_spec(other) is not None:
            return other, f"configured backend {configured!r} is not installed; ran on {other}"
    raise ImportError(f"Keras backend {configured!r} is not installed")


def _keras():
    if importlib.util.find_spec("keras") is None:
        raise ImportError("keras is not installed")
    note = ""
    if "keras" not in __import__("sys").modules:
        backend, note = _keras_backend()
        if note:
            os.environ["KERAS_BACKEND"] = backend
    import keras

    backend = keras.backend.backend()
    if not keras.__version__.startswith("3"):
        raise ImportError(f"Keras {keras.__version__} is not Keras 3")

    def selu(x):
        return np.asarray(keras.ops.convert_to_numpy(keras.ops.selu(x)))

    def selu64(x):
        if backend == "jax":
            import jax

            with jax.enable_x64(True):
                return np.asarray(keras.ops.selu(keras.ops.convert_to_tensor(x, dtype="float64")))
        return np.asarray(keras.ops.convert_to_numpy(keras.ops.selu(keras.ops.convert_to_tensor(x, dtype="float64"))))

    layers = {}

    def dropout(x, rate, training, seed):
        # one layer per (rate, stream): its seed generator then yields a fixed sequence of masks
        key = (rate, seed >> 32)
        if key not in layers:
            layers[key] = keras.layers.AlphaDropout(rate, seed=seed & 0x7FFFFFFF)
        return np.asarray(keras.ops.convert_to_numpy(layers[key](x, training=training)))

    return [Implementation("Keras", keras.__version__, f"keras.ops.selu, keras.layers.AlphaDropout ({backend} backend)",
                           selu, dropout, selu64, note=note)]


def _tensorflow():
    import tensorflow as tf

    return [Implementation("TensorFlow", tf.__version__, "tf.nn.selu", lambda x: tf.nn.selu(x).numpy(), None,
                           lambda x: tf.nn.selu(tf.constant(x, dtype=tf.float64)).numpy(),
                           note="core TensorFlow has no alpha dropout (tf.keras: see Keras)")]


#: framework name -> (import name, factory returning its implementations)
FRAMEWORKS = {"PyTorch": ("torch", _torch), "Keras": ("keras", _keras), "JAX": ("jax", _jax),
              "TensorFlow": ("tensorflow", _tensorflow)}


def installed_implementations():
    """``(implementations, skipped)``: every installed framework's implementations, and
    ``[{"framework", "reason"}]`` for those not installed or failing to import."""
    found, skipped = [], []
    for name, (module, factory) in FRAMEWORKS.items():
        if importlib.util.find_spec(module) is None:
            skipped.append({"framework": name, "reason": f"{module} is not installed"})
            continue
        try:
            found += factory()
        except Exception as exc:          # a broken install is a reported row, not a crash
            skipped.append({"framework": name, "reason": f"import failed: {type(exc).__name__}: {exc}"})
    return found, skipped


# --- statistics ---------------------------------------------------------------------------

class Moments:
    """Streaming mean, variance and their standard errors, in float64, about a fixed centre
    (the expected mean, so that the power sums do not cancel)."""

    def __init__(self, center):
        self.center = float(center)
        self.n = 0
        self.sums = np.zeros(4)

    def add(self, y):
        d = np.asarray(y, dtype=np.float64).ravel() - self.center
        d2 = d * d
        self.sums += (d.sum(), d2.sum(), (d2 * d).sum(), (d2 * d2).sum())
        self.n += d.size

    def _raw(self):
        return self.sums / self.n

    @property
    def mean(self):
        return float(self.center + self._raw()[0])

    @property
    def var(self):
        c1, r2 = self._raw()[:2]
        return float((r2 - c1 * c1) * self.n / (self.n - 1)) if self.n > 1 else math.nan

    def stderr(self):
        """``(se(mean), se(var))``."""
        c1, r2, r3, r4 = self._raw()
        m2 = r2 - c1 * c1
        m4 = r4 - 4 * c1 * r3 + 6 * c1 * c1 * r2 - 3 * c1 ** 4
        return math.sqrt(max(m2, 0.0) / self.n), math.sqrt(max(m4 - m2 * m2, 0.0) / self.n)


def z_score(measured, expected, se):
    """``(measured - expected)/se``; infinite when ``se = 0`` and they differ."""
    if se > 0:
        return (measured - expected) / se
    return 0.0 if measured == expected else math.copysign(math.inf, measured - expected)


def agreeing_digits(value, exact):
    """Leading significant decimal digits of ``value`` that agree with the mpf ``exact``."""
    with mpmath.workdps(DIGITS + 10):
        rel = abs(mpmath.mpf(value) - exact) / abs(exact)
        return DIGITS if rel == 0 else max(0, int(mpmath.floor(-mpmath.log10(rel))))


def relative_error(value, exact):
    with mpmath.workdps(DIGITS + 10):
        return float(abs(mpmath.mpf(value) - exact) / abs(exact))


# --- results ------------------------------------------------------------------------------

def _json_numbers(d):
    """``d`` with non-finite floats as strings ("inf", "nan"): strict JSON has no Infinity."""
    return {k: repr(v) if isinstance(v, float) and not math.isfinite(v) else v for k, v in d.items()}


@dataclass(frozen=True)
class Check:
    """One check of one implementation: ``measured`` against ``expected`` (dicts of numbers),
    ``z`` the z-scores of statistical checks (``None`` for exact ones)."""

    name: str
    status: str
    measured: dict
    expected: dict
    z: dict | None = None
    note: str = ""

    def to_json(self):
        out = {"name": self.name, "status": self.status, "measured": _json_numbers(self.measured),
               "expected": _json_numbers(self.expected), "z": None if self.z is None else _json_numbers(self.z)}
        if self.note:
            out["note"] = self.note
        return out

    def render(self):
        def fmt(d):
            return " ".join(f"{k} {v:.7g}" if isinstance(v, float) else f"{k} {v}" for k, v in d.items()
                            if not k.startswith("se_"))

        z = " ".join(f"{k} {v:+.1f}" for k, v in self.z.items()) if self.z else ""
        line = f"    {self.status:5s} {self.name:38s} {fmt(self.measured):36s} {fmt(self.expected):36s} {z}"
        return line.rstrip() + (f"  [{self.note}]" if self.note and self.status != PASS else "")


@dataclass(frozen=True)
class ImplementationResult:
    framework: str
    version: str
    name: str
    constants: dict
    checks: tuple
    note: str = ""

    @property
    def status(self):
        statuses = {c.status for c in self.checks}
        return FAIL if FAIL in statuses else ERROR if ERROR in statuses else PASS

    def to_json(self):
        return {"framework": self.framework, "version": self.version, "name": self.name, "status": self.status,
                "constants": self.constants, "checks": [c.to_json() for c in self.checks],
                **({"note": self.note} if self.note else {})}

    def render(self):
        c = self.constants
        head = f"{self.framework} {self.version}: {self.name} -> {self.status}" + (f"  ({self.note})" if self.note else "")
        if "lambda" in c:
            const = (f"    constants ({c['dtype']}): lambda = {c['lambda']} ({c['digits']['lambda']} digits), "
                     f"alpha = {c['alpha']} ({c['digits']['alpha']} digits), lambda*alpha = {c['lambda_alpha']} "
                     f"({c['digits']['lambda_alpha']} digits)")
        else:
            const = f"    constants: {c.get('error', '-')}"
        table = f"    {'':5s} {'check':38s} {'measured':36s} {'expected':36s} z"
        return "\n".join([head, const, table] + [ch.render() for ch in self.checks])


@dataclass(frozen=True)
class FrameworksResult:
    """``verify.py frameworks``: every installed implementation's checks."""

    implementations: tuple
    skipped: tuple
    samples: int
    seed: int
    seconds: float
    exact: dict = field(default_factory=dict)

    @property
    def exit_code(self):
        statuses = {i.status for i in self.implementations}
        return 1 if FAIL in statuses else 3 if ERROR in statuses else 0

    def to_json(self):
        return {"evidence": EVIDENCE, "samples": self.samples, "seed": self.seed, "z_fail": Z_FAIL,
                "rates": list(RATES), "exact": self.exact,
                "implementations": [i.to_json() for i in self.implementations],
                "skipped": list(self.skipped), "ok": self.exit_code == 0, "seconds": round(self.seconds, 2)}

    def render(self):
        lines = [f"framework conformance: SELU and alpha dropout against the theory; {EVIDENCE}",
                 f"  {self.samples:,} float32 samples per statistical check, seed {self.seed}; FAIL when |z| >= "
                 f"{Z_FAIL:g} or an exact comparison is off by more than {CONSTANT_ULPS} eps of its dtype",
                 f"  exact: lambda01 = {self.exact['lambda'][:34]}..., alpha01 = {self.exact['alpha'][:34]}..."]
        for impl in self.implementations:
            lines.append(impl.render())
        for s in self.skipped:
            lines.append(f"{s['framework']}: skipped ({s['reason']})")
        n_fail = sum(i.status == FAIL for i in self.implementations)
        lines.append(f"{len(self.implementations)} implementations, {n_fail} with a FAIL; {self.seconds:.1f} s")
        return "\n".join(lines)


# --- the checks ---------------------------------------------------------------------------

def exact_constants():
    """``(alpha01, lambda01)`` as mpf to 50 digits."""
    return alpha01_lambda01(DIGITS)


def read_constants(impl):
    """Constants read off ``impl``'s outputs (float64 where it has one), against 50 digits."""
    alpha, lambda_ = exact_constants()
    dtype = np.float64 if impl.selu64 is not None else np.float32
    fn = impl.selu64 or impl.selu
    out = np.asarray(fn(np.array([1.0, SATURATED_INPUT], dtype=dtype)))
    if out.dtype != dtype:
        raise TypeError(f"selu returned {out.dtype} for {np.dtype(dtype).name} inputs")
    lam, lam_alpha = float(out[0]), -float(out[1])
    with mpmath.workdps(DIGITS + 10):
        alpha_read = mpmath.mpf(lam_alpha) / mpmath.mpf(lam)
        exact_la = alpha * lambda_
    eps = float(np.finfo(dtype).eps)
    errors = {"lambda": relative_error(lam, lambda_), "lambda_alpha": relative_error(lam_alpha, exact_la),
              "alpha": relative_error(alpha_read, alpha)}
    ok = errors["lambda"] <= CONSTANT_ULPS * eps and errors["lambda_alpha"] <= CONSTANT_ULPS * eps
    constants = {"dtype": np.dtype(dtype).name, "lambda": repr(lam), "alpha": mpmath.nstr(alpha_read, 17),
                 "lambda_alpha": repr(lam_alpha),
                 "digits": {"lambda": agreeing_digits(lam, lambda_), "alpha": agreeing_digits(alpha_read, alpha),
                            "lambda_alpha": agreeing_digits(lam_alpha, exact_la)},
                 "relative_error": errors}
    check = Check("constants lambda, lambda*alpha", PASS if ok else FAIL,
                  {"lambda": repr(lam), "lambda_alpha": repr(lam_alpha)},
                  {"lambda": mpmath.nstr(lambda_, 20), "lambda_alpha": mpmath.nstr(exact_la, 20)},
                  note=f"relative errors {errors['lambda']:.2g}, {errors['lambda_alpha']:.2g} "
                       f"({np.dtype(dtype).name}; tolerance {CONSTANT_ULPS} eps)")
    return constants, check


def dropout_constants(rate):
    """``(a, b, alpha')`` of the theory (fixed point (0, 1)) as mpf, 50 digits."""
    r = dropout_theory(repr(rate), digits=DIGITS)
    return r["a"], r["b"], r["alpha_prime"]


def _exact_float(x):
    """A 50-digit mpf as a float, with values below its resolution (``1e-45``) as 0."""
    return float(mpmath.chop(x, tol=mpmath.mpf(10) ** (5 - DIGITS)))


class _Stat:
    """A streamed moment check: outputs against expected (mean, var)."""

    def __init__(self, name, expected_mean, expected_var):
        self.name, self.expected = name, (float(expected_mean), float(expected_var))
        self.moments = Moments(expected_mean)
        self.error = ""

    def result(self):
        if self.error:
            return Check(self.name, ERROR, {}, {}, note=self.error)
        m, se = self.moments, self.moments.stderr()
        z = {"mean": z_score(m.mean, self.expected[0], se[0]), "var": z_score(m.var, self.expected[1], se[1])}
        ok = all(abs(v) < Z_FAIL for v in z.values())
        return Check(self.name, PASS if ok else FAIL, {"mean": m.mean, "var": m.var, "se_mean": se[0], "se_var": se[1]},
                     {"mean": self.expected[0], "var": self.expected[1]}, z)


class _Dropout:
    """Streamed alpha-dropout checks at one rate on N(0, 1) inputs."""

    def __init__(self, rate, dtype):
        self.rate = rate
        a, b, alpha_prime = dropout_constants(rate)
        with mpmath.workdps(DIGITS):
            self.dropped_expected = float(a * alpha_prime + b)
            mean, var = (_exact_float(v) for v in dropped_moments(1 - mpmath.mpf(repr(rate)), alpha_prime, a, b, 0, 1))
        self.exact = (a, b, alpha_prime)
        self.a, self.b, self.alpha_prime = float(a), float(b), float(alpha_prime)
        self.eps = float(np.finfo(dtype).eps)
        self.stat = _Stat(f"dropout p={rate:g} moments on N(0,1)", mean, var)
        self.mode = None
        self.n_dropped = 0
        self.fit = None
        self.identity = None

    def first_chunk(self, x, y):
        values, counts = np.unique(y[:MODE_WINDOW], return_counts=True)
        if counts.max() >= 2:
            self.mode = values[np.argmax(counts)]
            kept = y != self.mode
            a, b = np.polyfit(x[kept].astype(np.float64), y[kept].astype(np.float64), 1)
            self.fit = (float(a), float(b))

    def add(self, y):
        if self.mode is not None:
            self.n_dropped += int(np.count_nonzero(y == self.mode))

    def results(self):
        out = [self.stat.result()]
        if self.stat.error:
            return out
        n = self.stat.moments.n
        name = f"dropout p={self.rate:g}"
        if self.mode is None:
            out.append(Check(f"{name} dropped value", FAIL, {"value": None}, {"value": self.dropped_expected},
                             note="no output value repeats: no constant dropped value"))
            return out
        tol = CONSTANT_ULPS * self.eps * max(1.0, abs(self.dropped_expected))
        value = float(self.mode)
        out.append(Check(f"{name} dropped value", PASS if abs(value - self.dropped_expected) <= tol else FAIL,
                         {"value": value}, {"value": self.dropped_expected},
                         note=f"a alpha' + b; tolerance {tol:.2g}"))
        frac = self.n_dropped / n
        z = z_score(frac, self.rate, math.sqrt(self.rate * (1 - self.rate) / n))
        out.append(Check(f"{name} dropped fraction", PASS if abs(z) < Z_FAIL else FAIL, {"fraction": frac},
                         {"fraction": self.rate}, {"fraction": z}))
        a, b = self.fit
        tol_fit = FIT_ULPS * self.eps
        ok = abs(a - self.a) <= tol_fit and abs(b - self.b) <= tol_fit
        out.append(Check(f"{name} kept units: a x + b", PASS if ok else FAIL, {"a": a, "b": b},
                         {"a": self.a, "b": self.b}, note=f"least squares on the kept units of one chunk; "
                                                          f"tolerance {tol_fit:.2g}"))
        out.append(Check(f"{name} eval mode: identity", PASS if self.identity else FAIL,
                         {"identical": bool(self.identity)}, {"identical": True}))
        return out


def _seed(seed, chunk, stream):
    """A 63-bit seed for a framework's dropout mask: stream in the high bits."""
    return int(np.random.SeedSequence((seed, chunk, stream)).generate_state(1, np.uint32)[0]) | (stream << 32)


def check_implementation(impl, samples=SAMPLES, seed=0, progress=None, chunk=CHUNK):
    """Run every check on one :class:`Implementation`; a failing call becomes an ERROR row."""
    dtype = np.float32
    try:
        constants, const_check = read_constants(impl)
    except Exception as exc:
        constants = {"error": f"{type(exc).__name__}: {exc}"}
        const_check = Check("constants lambda, lambda*alpha", ERROR, {}, {}, note=constants["error"])
    mu2, nu2 = OTHER_POINT
    g0 = moment_map_mp(0, 0, 1, 1, digits=DIGITS)
    g2 = moment_map(mu2, 1.0, nu2, 1.0)
    selu0 = _Stat("selu moments on N(0,1)", 0.0, 1.0)
    selu2 = _Stat(f"selu moments on N({mu2:g},{nu2:g}) vs g", float(g2[0]), float(g2[1]))
    drops, on_selu = [], []
    if impl.alpha_dropout is not None:
        for rate in RATES:
            d = _Dropout(rate, dtype)
            drops.append(d)
            a, b, alpha_prime = d.exact
            with mpmath.workdps(DIGITS):
                m, v = (_exact_float(t) for t in dropped_moments(1 - mpmath.mpf(repr(rate)), alpha_prime, a, b, *g0))
            on_selu.append(_Stat(f"dropout p={rate:g} moments on selu(N(0,1))", m, v))

    def guarded(stat, fn):
        if stat.error:
            return None
        try:
            return fn()
        except Exception as exc:
            stat.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            return None

    n_chunks = max(1, -(-samples // chunk))
    total = 0
    for k in range(n_chunks):
        size = min(chunk, samples - total)
        total += size
        x = np.random.default_rng((seed, k)).standard_normal(size, dtype=dtype)
        y = guarded(selu0, lambda: impl.selu(x))
        if y is not None:
            selu0.moments.add(y)
        y2 = guarded(selu2, lambda: impl.selu((mu2 + math.sqrt(nu2) * x).astype(dtype)))
        if y2 is not None:
            selu2.moments.add(y2)
        for j, d in enumerate(drops):
            out = guarded(d.stat, lambda: impl.alpha_dropout(x, d.rate, True, _seed(seed, k, 2 * j + 1)))
            if out is not None:
                d.stat.moments.add(out)
                if k == 0:
                    d.first_chunk(x, out)
                    d.identity = guarded(d.stat, lambda: bool(np.array_equal(
                        impl.alpha_dropout(x, d.rate, False, 0), x)))
                d.add(out)
            if y is not None:
                out = guarded(on_selu[j], lambda: impl.alpha_dropout(y, d.rate, True, _seed(seed, k, 2 * j + 2)))
                if out is not None:
                    on_selu[j].moments.add(out)
            elif not on_selu[j].error:
                on_selu[j].error = "selu failed"
        if progress:
            progress(impl.name)
    checks = [const_check, selu0.result(), selu2.result()]
    for d, s in zip(drops, on_selu):
        checks += d.results() + [s.result()]
    return ImplementationResult(impl.framework, impl.version, impl.name, constants, tuple(checks), impl.note)


def check_frameworks(samples=SAMPLES, seed=0, implementations=None, progress=None):
    """:class:`FrameworksResult` for every installed implementation (or the given ones)."""
    if samples < 2:
        raise InputError(f"samples must be at least 2 (got {samples})")
    t0 = time.perf_counter()
    skipped = []
    if implementations is None:
        implementations, skipped = installed_implementations()
    results = tuple(check_implementation(impl, samples, seed, progress) for impl in implementations)
    alpha, lambda_ = exact_constants()
    exact = {"alpha": mpmath.nstr(alpha, DIGITS), "lambda": mpmath.nstr(lambda_, DIGITS)}
    return FrameworksResult(results, tuple(skipped), samples, seed, time.perf_counter() - t0, exact)


def chunks_for(samples, implementations):
    """Progress-bar total: chunks over all implementations."""
    return max(1, -(-samples // CHUNK)) * len(implementations)
