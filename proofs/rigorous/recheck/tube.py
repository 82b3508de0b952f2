r"""Proof kernel: the independent check of a tube certificate ("snn-verify tube certificate 1",
written by :mod:`snn_verify.proofs.rigorous.tube`).

The model (the paper's, per unit): the inputs of a layer are independent and net inputs are
Gaussian.  Unit ``k`` of a layer with weights ``W`` (one row per unit) and bias ``b`` then has

.. math:: m_k = \sum_j W_{kj}\mu_j + b_k,\qquad s_k^2 = \sum_j W_{kj}^2\nu_j,\qquad
          (\mu_k', \nu_k') = \text{SELU moments of } N(m_k, s_k^2)

(the generated closed form in ``(m, s)`` of the trusted base, at alpha01, lambda01).  A
certificate states, for a start box of the input moments (every feature's mean in
``start.mean``, its variance in ``start.variance``), per layer and per unit, intervals that
hold ``mu_k'`` and ``nu_k'`` for every point of the box, and the pooled moments
``M = avg_k mu_k``, ``V = avg_k (nu_k + mu_k^2) - M^2``.

This module imports only the trusted base (:mod:`snn_verify.proofs.rigorous.trusted`), the
kernel's own :func:`.arithmetic.meet`, python-flint, numpy (to read weight arrays, never to decide), :mod:`fractions`,
:mod:`hashlib` and the standard library.  No decision rests on a float: decimal texts become
exact :class:`~fractions.Fraction` values (validated by a bounded pattern first) or Arb balls,
and balls are compared only by Arb's own comparisons (true only when every point of one ball
is on that side of the other).  Over a wide ``(m, s^2)`` rectangle the unit moments are taken
on bisected tiles, each the natural Arb extension met with the mean-value form from the
generated first partials; ``m``'s sign picks the closed form (both, met, where it has both).

What :func:`check` verifies, in order
-------------------------------------
1. Schema: exactly the keys of :data:`TOP_KEYS` (and of each object inside); the format
   string (and optionally ``dropout``: a rate in [0, 1), alpha dropout after every layer but
   the last, the leaves being the moments after it); exact types (``bool`` is no number); every number a decimal text of bounded
   length and exponent, checked before a Fraction is built; every interval ``lo <= hi``;
   variances ``>= 0``; the start box inside the input box; ``refuted_at`` given exactly
   when the verdict is REFUTED.
2. Digests: ``sha256 = trusted.digest(body without sha256)``, ``generated_sha256 =
   trusted.generated_digest()`` (integrity, never truth: everything below runs anyway).
3. Weights: the arrays given (or read from the named file, whose SHA-256 must match) have the
   certificate's per-layer shapes and SHA-256 (of their float64 little-endian bytes,
   ``(units, inputs)`` row-major), the layers chain, the first takes ``input.features``.
4. Method ``intervals``: every layer from the previous layer's certified intervals (layer 1
   from the start box): ``m`` and ``s^2`` by Arb matrix products (``W`` exact, ``W^2``
   entry by entry in Arb), ``s^2 > 0`` in Arb, each unit's Arb moments inside its two
   intervals, and the pooled ``M``, ``V`` (Arb, from the intervals) inside the pooled
   intervals.  Method ``affine``: the affine tube (:func:`affine_tube`: every unit's
   moments as affine forms over noise symbols of the start box, linear maps exact in Arb,
   each unit's moments linearised with a Taylor remainder bounded by the second partials
   over its range; the pooled moments from the forms, their quadratic parts bounded) re-run
   whole from the start box, within :data:`MAX_AFFINE_ENTRIES`, and every unit's and the
   pooled ranges inside the leaves.  A variance interval may start at exactly 0 whatever
   the enclosure's lower end (a variance is >= 0).  At most :data:`MAX_EVALUATIONS`
   closed-form evaluations in all; beyond, the certificate is rejected.
5. The verdict, exactly (Fractions of the decimals): CERTIFIED needs the whole input box as
   start, every layer present and every pooled interval (scope ``units``: every unit's
   interval too) inside the target; REFUTED needs the interval at layer ``refuted_at`` to
   lie strictly outside the target (so every trajectory from the start box, a sub-box of the
   input box, leaves it there); UNDECIDED states only the tube.

Example
-------
>>> check({"format": FORMAT}, [])[0]
'keys: missing generated_sha256, input, layers, method, refuted_at, sha256, start, target, verdict, weights'
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import struct
import zipfile

import numpy as np
from flint import arb, arb_mat

from snn_verify.proofs.rigorous import trusted
from snn_verify.proofs.rigorous.recheck.fields import Invalid
from snn_verify.proofs.rigorous.recheck.fields import short_decimal_or_invalid as _decimal
from snn_verify.proofs.rigorous.recheck.arithmetic import meet

FORMAT = "snn-verify tube certificate 1"
TOP_KEYS = frozenset({"format", "weights", "input", "start", "target", "method", "verdict", "refuted_at",
                      "layers", "sha256", "generated_sha256"})
#: optional top-level keys: ``dropout``, the alpha-dropout rate after every layer but the last
OPTIONAL_KEYS = frozenset({"dropout"})
#: how the leaves follow: "intervals" (each layer's from the previous layer's intervals) or
#: "affine" (from affine forms over the start box's noise symbols, re-run whole)
METHODS = ("intervals", "affine")
WEIGHT_KEYS = frozenset({"file", "file_sha256", "layout", "layers"})
WEIGHT_LAYER_KEYS = frozenset({"name", "shape", "sha256", "bias"})
BIAS_KEYS = frozenset({"name", "sha256"})
INPUT_KEYS = frozenset({"features", "mean", "variance"})
BOX_KEYS = frozenset({"mean", "variance"})
TARGET_KEYS = frozenset({"scope", "mean", "variance"})
LAYER_KEYS = frozenset({"mean", "variance", "pooled_mean", "pooled_variance"})
VERDICTS = ("CERTIFIED", "REFUTED", "UNDECIDED")
SCOPES = ("pooled", "units")
LAYOUTS = ("out-in", "in-out")
#: work limits: layers, units of one layer, weights in all, bytes of a weights file
MAX_LAYERS, MAX_UNITS, MAX_WEIGHTS, MAX_FILE_BYTES = 1000, 100_000, 50_000_000, 2 ** 31
HEX64 = re.compile(r"[0-9a-f]{64}")
#: the affine forms' budget: at most this many coefficients (units x noise symbols) in a layer
MAX_AFFINE_ENTRIES = 6_000_000
#: a rectangle of (m, s^2) wider than this (relative radius of s^2, or radius of m over s) is
#: bisected, at most TILE_DEPTH times, before the closed forms run over it
TILE, TILE_DEPTH = 0.03, 10
#: the second partials (affine remainders) are enclosed on finer tiles: their natural
#: extension overestimates most (``var_mm`` over a tile of radius 0.03 is [+/- 2.3])
TILE_D2, TILE_D2_DEPTH = 0.01, 10
#: below this relative width the natural extension alone is used (point tubes)
THIN = 2.0 ** -40


class BudgetExceeded(ArithmeticError):
    """More closed-form evaluations than :data:`MAX_EVALUATIONS` (one check, or one tube)."""


#: closed-form evaluations (tiles) one check may spend: a certificate with huge intervals
#: would otherwise cost up to 2^TILE_DEPTH tiles per unit
MAX_EVALUATIONS = 3_000_000
_work = {"evaluations": 0}


def reset_budget():
    _work["evaluations"] = 0


# --- 1. schema ------------------------------------------------------------------------------

def _pair(x, where, nonnegative=False):
    if type(x) is not list or len(x) != 2:
        raise Invalid(f"{where}: a pair [lo, hi] expected")
    lo, hi = _decimal(x[0], where), _decimal(x[1], where)
    if lo > hi:
        raise Invalid(f"{where}: lo > hi")
    if nonnegative and lo < 0:
        raise Invalid(f"{where}: a variance below 0")
    return lo, hi


def _moments(x, where, features, nonnegative=False):
    """Every feature's interval: one pair ``[lo, hi]`` for all features alike, or a list of
    ``features`` pairs; returns the list of Fraction pairs, one per feature."""
    if type(x) is list and len(x) == 2 and all(type(v) is str for v in x):
        return [_pair(x, where, nonnegative)] * features
    if type(x) is not list or len(x) != features:
        raise Invalid(f"{where}: a pair [lo, hi] or a list of {features} pairs expected")
    return [_pair(v, f"{where}[{j}]", nonnegative) for j, v in enumerate(x)]


def per_feature(texts, features):
    """``{"mean": [pair] * n, "variance": ...}``: a start or input box's decimal pairs per
    feature (a single pair stands for every feature alike)."""
    out = {}
    for k in ("mean", "variance"):
        x = texts[k]
        out[k] = [x] * features if len(x) == 2 and all(type(v) is str for v in x) else list(x)
    return out


def _keys(d, keys, where, optional=frozenset()):
    if type(d) is not dict:
        raise Invalid(f"{where}: an object expected")
    missing, extra = set(keys) - set(d), set(d) - set(keys) - set(optional)
    if missing or extra:
        parts = ([f"missing {', '.join(sorted(missing))}"] if missing else []) + \
                ([f"unknown {', '.join(sorted(map(str, extra)))}"] if extra else [])
        raise Invalid(f"{where + ': ' if where else ''}keys: {'; '.join(parts)}")


def _hex(x, where):
    if type(x) is not str or not HEX64.fullmatch(x):
        raise Invalid(f"{where}: 64 hex digits expected")


def _int(x, where, lo, hi):
    if type(x) is not int or not lo <= x <= hi:
        raise Invalid(f"{where}: an integer in [{lo}, {hi}] expected")
    return x


def validate(cert):
    """Strict schema check (step 1); returns the parsed data.  Raises :class:`Invalid`."""
    _keys(cert, TOP_KEYS, "", OPTIONAL_KEYS)
    dropout = cert.get("dropout")
    if "dropout" in cert and not 0 <= _decimal(dropout, "dropout") < 1:
        raise Invalid("dropout: a rate in [0, 1) expected")
    if type(cert["format"]) is not str or cert["format"] != FORMAT:
        raise Invalid("format: not " + FORMAT)
    _hex(cert["sha256"], "sha256")
    _hex(cert["generated_sha256"], "generated_sha256")
    w = cert["weights"]
    _keys(w, WEIGHT_KEYS, "weights")
    if type(w["file"]) is not str or len(w["file"]) > 4096:
        raise Invalid("weights.file: a path expected")
    _hex(w["file_sha256"], "weights.file_sha256")
    if type(w["layout"]) is not str or w["layout"] not in LAYOUTS:
        raise Invalid("weights.layout: out-in or in-out expected")
    if type(w["layers"]) is not list or not 0 < len(w["layers"]) <= MAX_LAYERS:
        raise Invalid(f"weights.layers: a list of 1 to {MAX_LAYERS} layers expected")
    shapes = []
    for i, layer in enumerate(w["layers"]):
        where = f"weights.layers[{i}]"
        _keys(layer, WEIGHT_LAYER_KEYS, where)
        if type(layer["name"]) is not str:
            raise Invalid(f"{where}.name: a text expected")
        _hex(layer["sha256"], f"{where}.sha256")
        shape = layer["shape"]
        if type(shape) is not list or len(shape) != 2:
            raise Invalid(f"{where}.shape: [units, inputs] expected")
        shapes.append((_int(shape[0], f"{where}.shape", 1, MAX_UNITS), _int(shape[1], f"{where}.shape", 1, MAX_UNITS)))
        if layer["bias"] is not None:
            _keys(layer["bias"], BIAS_KEYS, f"{where}.bias")
            if type(layer["bias"]["name"]) is not str:
                raise Invalid(f"{where}.bias.name: a text expected")
            _hex(layer["bias"]["sha256"], f"{where}.bias.sha256")
    if sum(a * b for a, b in shapes) > MAX_WEIGHTS:
        raise Invalid(f"weights: more than {MAX_WEIGHTS} weights")

    inp = cert["input"]
    _keys(inp, INPUT_KEYS, "input")
    features = _int(inp["features"], "input.features", 1, MAX_UNITS)
    box = {k: _moments(inp[k], f"input.{k}", features, k == "variance") for k in ("mean", "variance")}
    start = cert["start"]
    _keys(start, BOX_KEYS, "start")
    sbox = {k: _moments(start[k], f"start.{k}", features, k == "variance") for k in ("mean", "variance")}
    for k in ("mean", "variance"):
        if not all(b[0] <= a[0] <= a[1] <= b[1] for a, b in zip(sbox[k], box[k])):
            raise Invalid(f"start.{k}: not inside input.{k}")
    target = cert["target"]
    _keys(target, TARGET_KEYS, "target")
    if type(target["scope"]) is not str or target["scope"] not in SCOPES:
        raise Invalid("target.scope: pooled or units expected")
    tbox = {"mean": _pair(target["mean"], "target.mean"), "variance": _pair(target["variance"], "target.variance")}

    method = cert["method"]
    if type(method) is not str or method not in METHODS:
        raise Invalid("method: intervals or affine expected")
    verdict = cert["verdict"]
    if type(verdict) is not str or verdict not in VERDICTS:
        raise Invalid("verdict: CERTIFIED, REFUTED or UNDECIDED expected")
    layers = cert["layers"]
    if type(layers) is not list or len(layers) > len(shapes):
        raise Invalid("layers: a list of at most one entry per weight layer expected")
    refuted_at = cert["refuted_at"]
    if verdict == "REFUTED":
        if not layers:
            raise Invalid("layers: REFUTED needs the tube up to the layer it names")
        _int(refuted_at, "refuted_at", 1, len(layers))
    elif refuted_at is not None:
        raise Invalid("refuted_at: null expected unless REFUTED")
    parsed_layers = []
    for i, layer in enumerate(layers):
        where = f"layers[{i}]"
        _keys(layer, LAYER_KEYS, where)
        units = shapes[i][0]
        row = {}
        for k in ("mean", "variance"):
            if type(layer[k]) is not list or len(layer[k]) != units:
                raise Invalid(f"{where}.{k}: a list of {units} intervals expected")
            row[k] = [_pair(x, f"{where}.{k}[{j}]", k == "variance") for j, x in enumerate(layer[k])]
        row["texts"] = {k: layer[k] for k in ("mean", "variance")}
        row["pooled_mean"] = _pair(layer["pooled_mean"], f"{where}.pooled_mean")
        row["pooled_variance"] = _pair(layer["pooled_variance"], f"{where}.pooled_variance", True)
        row["pooled_texts"] = (layer["pooled_mean"], layer["pooled_variance"])
        parsed_layers.append(row)
    return {"shapes": shapes, "features": features, "input": box, "start": sbox, "start_texts": start,
            "target": tbox, "scope": target["scope"], "method": method, "verdict": verdict, "dropout": dropout, "refuted_at": refuted_at,
            "layers": parsed_layers}


# --- 3. weights -----------------------------------------------------------------------------

def array_digest(a):
    """SHA-256 of an array's float64 little-endian row-major bytes."""
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f8").tobytes()).hexdigest()


def file_digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


_SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
                       "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1"}


def _exact_float64(a, name):
    """A real array as float64, refused unless every entry is exactly a double (complex, bool
    and object arrays are refused: the engine reads no such weights)."""
    if a.dtype.kind not in "fiu":
        raise ValueError(f"array {name!r}: dtype {a.dtype} is not a real number type")
    out = a.astype(np.float64)
    if a.dtype.kind in "iu" and np.any(np.abs(out) > 2.0 ** 53):
        raise ValueError(f"array {name!r}: integers beyond 2**53 are not exactly doubles")
    return out


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate names in the safetensors header")
    return dict(pairs)


def _read_safetensors(data):
    """``{name: float64 array}`` of a safetensors file's bytes (the format: an 8-byte
    little-endian header length, a JSON header, the raw tensors), every tensor of it: an
    unknown dtype, duplicate names, or tensors that do not tile the data exactly are refused."""
    (n,) = struct.unpack("<Q", data[:8])
    if not 0 < n <= len(data) - 8:
        raise ValueError("bad safetensors header")
    header = json.loads(data[8:8 + n], object_pairs_hook=_no_duplicates)
    out, base, spans = {}, 8 + n, []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        lo, hi = info["data_offsets"]
        if info["dtype"] == "BF16":
            a = (np.frombuffer(data[base + lo:base + hi], "<u2").astype("<u4") << 16).view("<f4")
        elif info["dtype"] in _SAFETENSORS_DTYPES:
            a = np.frombuffer(data[base + lo:base + hi], _SAFETENSORS_DTYPES[info["dtype"]])
        else:
            raise ValueError(f"tensor {name!r}: dtype {info['dtype']!r} is not read by the checker")
        if a.nbytes != hi - lo or int(np.prod(info["shape"], dtype=object)) != a.size:
            raise ValueError(f"tensor {name!r}: its offsets do not hold its shape")
        spans.append((lo, hi))
        out[name] = _exact_float64(a, name).reshape(info["shape"])
    position = 0
    for lo, hi in sorted(spans):
        if lo != position:
            raise ValueError("the tensors do not tile the data (a gap or an overlap)")
        position = hi
    if base + position != len(data):
        raise ValueError("bytes after the last tensor")
    return out


def _npz_arrays(data):
    """``{name: float64 array}`` of an npz file's bytes, every member's declared size checked
    before it is read (a 300-byte member may declare 1e11 entries; a small zip may expand
    to gigabytes): in all at most :data:`MAX_WEIGHTS` entries, each no larger than its
    member's stored size; member names end in ``.npy`` and are unique."""
    out, entries = {}, 0
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        names = [info.filename for info in infos]
        if any(not n.endswith(".npy") for n in names) or len(set(names)) != len(names):
            raise ValueError("npz members must be uniquely named NAME.npy")
        for info in infos:
            name = info.filename[:-4]
            with z.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                shape, _, dtype = header(fh)
                count = int(np.prod(shape, dtype=object))
                entries += count
                if entries > MAX_WEIGHTS or count * dtype.itemsize > info.file_size or dtype.hasobject:
                    raise ValueError(f"array {name!r}: declared shape {shape} ({dtype}) is not what the file holds")
            with z.open(info) as fh:
                out[name] = _exact_float64(np.lib.format.read_array(fh, allow_pickle=False), name)
    return out


def _arrays(path, data):
    """The arrays of a weights file that is unambiguously one format: ``.npz`` a zip whose
    first member starts the file, ``.safetensors`` a safetensors file that is not also a zip
    (a file that two readers read differently is refused: the engine chooses by extension)."""
    lower = path.lower()
    is_zip = zipfile.is_zipfile(io.BytesIO(data))
    if lower.endswith(".npz") and data[:4] == b"PK\x03\x04" and is_zip:
        return _npz_arrays(data)
    if lower.endswith(".safetensors") and not is_zip and data[:2] != b"PK":
        return _read_safetensors(data)
    raise ValueError("the checker reads .npz (a zip) and .safetensors (not also a zip) files; "
                     "pass the arrays to check() for other files")


def read_weights(spec):
    """The ``[(W, b)]`` arrays a certificate's ``weights`` names, read from its file (npz or
    safetensors; the file's SHA-256 must match), ``W`` as ``(units, inputs)``.

    The certificate is bound to the whole file: every floating-point array of the file must
    be one of its layers or biases (a certificate that leaves out a layer or a bias of the
    file states something about another network).  The file must be a regular file (not a
    pipe or a device) of at most :data:`MAX_FILE_BYTES` bytes; whatever it holds, reading it
    raises ``ValueError`` at worst."""
    path = spec["file"]
    if not os.path.isfile(path) or not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError(f"{path}: not a regular file")
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise ValueError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    with open(path, "rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES or hashlib.sha256(data).hexdigest() != spec["file_sha256"]:
        raise ValueError(f"{path}: SHA-256 of the file differs from weights.file_sha256")
    try:
        arrays = _arrays(path, data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    except Exception as exc:            # whatever a hostile file makes a reader raise
        raise ValueError(f"{path}: unreadable weights file ({type(exc).__name__}: {str(exc)[:100]})") from None
    out, used = [], set()
    for layer in spec["layers"]:
        if layer["name"] not in arrays or (layer["bias"] and layer["bias"]["name"] not in arrays):
            raise ValueError(f"{path}: no array named {layer['name']!r} or its bias")
        w = arrays[layer["name"]]
        if w.ndim != 2:
            raise ValueError(f"{path}: {layer['name']!r} is not 2-D")
        used |= {layer["name"]} | ({layer["bias"]["name"]} if layer["bias"] else set())
        out.append((w if spec["layout"] == "out-in" else w.T,
                    arrays[layer["bias"]["name"]] if layer["bias"] else None))
    unused = sorted(set(arrays) - used)
    if unused:
        raise ValueError(f"{path}: the certificate leaves out arrays of the file: {', '.join(unused[:5])[:200]}")
    return out


def weight_problems(spec, shapes, features, weights):
    """Step 3: the arrays against the certificate's shapes and digests."""
    problems = []
    if len(weights) != len(shapes):
        return [f"weights: {len(weights)} layers given, the certificate names {len(shapes)}"]
    for i, ((w, b), shape, layer) in enumerate(zip(weights, shapes, spec["layers"])):
        w = np.asarray(w)
        if w.ndim != 2 or tuple(w.shape) != shape:
            problems.append(f"weights.layers[{i}]: shape {tuple(w.shape)} is not {list(shape)}")
            continue
        if not np.all(np.isfinite(w)):
            problems.append(f"weights.layers[{i}]: non-finite weights")
        if array_digest(w) != layer["sha256"]:
            problems.append(f"weights.layers[{i}]: SHA-256 of the weights differs")
        if (b is None) != (layer["bias"] is None):
            problems.append(f"weights.layers[{i}]: bias {'missing' if b is None else 'not in the certificate'}")
        elif b is not None:
            b = np.asarray(b)
            if b.shape != (shape[0],) or not np.all(np.isfinite(b)):
                problems.append(f"weights.layers[{i}].bias: shape {b.shape} or non-finite values")
            elif array_digest(b) != layer["bias"]["sha256"]:
                problems.append(f"weights.layers[{i}].bias: SHA-256 differs")
    chain = [features] + [s[0] for s in shapes]
    for i, s in enumerate(shapes):
        if s[1] != chain[i]:
            problems.append(f"weights.layers[{i}]: takes {s[1]} inputs, gets {chain[i]}")
    return problems


# --- 4. the Arb step of one layer ---------------------------------------------------------

def nonneg(x):
    """A ball holding ``x`` intersected with ``[0, inf)``: a variance, known to be >= 0
    (what python-flint's ``nonnegative_part`` does too, written out here)."""
    if x >= 0 or not x.is_finite():
        return x
    if x < 0:
        return x                       # no non-negative value: left for the checks to reject
    return arb(0).union(x.upper())


def matrices(w):
    """``(W, W^2)`` as Arb matrices: the float64 weights (exact) and their squares, each an
    Arb square of an exact ball (80 bits: relative radius ~2^-80)."""
    rows = np.asarray(w, dtype=np.float64).tolist()
    return arb_mat(rows), arb_mat([[arb(x) ** 2 for x in row] for row in rows])


def _forms(m):
    return ("mneg",) if m < 0 else ("mpos",) if m >= 0 else ("mneg", "mpos")


def _closed(name, m, s):
    _work["evaluations"] += 1
    if _work["evaluations"] > MAX_EVALUATIONS:
        raise BudgetExceeded(f"more than {MAX_EVALUATIONS} closed-form evaluations")
    gen = trusted.generated()
    lam, alpha = trusted.parameters()
    out = None
    for form in _forms(m):
        r = gen[f"{name}_{form}"](m, s, lam, alpha)
        out = r if out is None else tuple(meet(x, y) for x, y in zip(out, r))
    return out


def _tile(m, s2):
    s = s2.sqrt()
    if m.rad() <= THIN * s.mid() and s2.rad() <= THIN * s2.mid():
        return _closed("moments", m, s)
    mean, var, mean_m, mean_s2, var_m, var_s2 = _closed("moments_d1", m, s)
    cm, cs2 = arb(m.mid()), arb(s2.mid())
    c_mean, c_var = _closed("moments", cm, cs2.sqrt())
    dm, ds2 = m - cm, s2 - cs2
    return meet(mean, c_mean + mean_m * dm + mean_s2 * ds2), meet(var, c_var + var_m * dm + var_s2 * ds2)


def unit_moments(m, s2, depth=TILE_DEPTH):
    """Balls ``(mu', nu')`` holding the SELU moments of ``N(m, s^2)`` for every ``m`` in the
    ball ``m`` and ``s^2`` in the ball ``s2`` (which must be > 0): bisected tiles (module
    docstring), united."""
    if not s2 > 0:
        raise ArithmeticError(f"s^2 = {s2.str(5)} not certified > 0")
    s_mid = s2.mid().sqrt()
    wide_s2, wide_m = s2.rad() > TILE * s2.mid(), m.rad() > TILE * s_mid
    if depth and (wide_s2 or wide_m):
        cut_s2 = wide_s2 and (not wide_m or s2.rad() / s2.mid() >= m.rad() / s_mid)
        x = s2 if cut_s2 else m
        mid = arb(x.mid())
        halves = [x.lower().union(mid), mid.union(x.upper())]
        a, b = (unit_moments(m, h, depth - 1) if cut_s2 else unit_moments(h, s2, depth - 1) for h in halves)
        mean, var = a[0].union(b[0]), a[1].union(b[1])
    else:
        mean, var = _tile(m, s2)
    return mean, nonneg(var)


def layer_step(mats, bias, means, variances):
    """One layer of the vector map over Arb: ``(means', variances')`` (lists of balls) from
    the balls of the previous layer; ``mats = matrices(W)``."""
    a, sq = mats
    m = a * arb_mat([[x] for x in means])
    s2 = sq * arb_mat([[x] for x in variances])
    out_m, out_v = [], []
    for k in range(a.nrows()):
        mk = m[k, 0] + (arb(float(bias[k])) if bias is not None else 0)
        mu, nu = unit_moments(mk, s2[k, 0])
        out_m.append(mu)
        out_v.append(nu)
    return out_m, out_v


def square(x):
    """``x^2`` of a ball, from its exact endpoints (never below 0)."""
    lo, hi = x.lower(), x.upper()
    out = (lo * lo).union(hi * hi)
    return out.union(arb(0)) if x.contains(0) else out


def pooled(means, variances):
    """Balls ``(M, V)``: ``M = avg mu_k``, ``V = avg (nu_k + mu_k^2) - M^2``."""
    n = len(means)
    total, second = arb(0), arb(0)
    for mu, nu in zip(means, variances):
        total += mu
        second += nu + square(mu)
    mean = total / n
    return mean, nonneg(second / n - square(mean))


def ball(pair_texts):
    """A ball containing the interval of two decimal texts."""
    return trusted.decimal_ball(pair_texts[0]).union(trusted.decimal_ball(pair_texts[1]))


def inside(x, pair_texts, variance=False):
    """Is the ball ``x`` inside the interval of two decimal texts?  (Arb comparisons.)  For a
    ``variance`` (a number known to be >= 0) a lower end of exactly 0 holds whatever ``x``'s."""
    low_ok = (variance and _decimal(pair_texts[0], "leaf") == 0) or bool(trusted.decimal_ball(pair_texts[0]) <= x)
    return low_ok and bool(x <= trusted.decimal_ball(pair_texts[1]))


def start_balls(start_texts, features):
    """Balls of every feature's mean and variance in a start box (decimal texts)."""
    texts, cache = per_feature(start_texts, features), {}

    def get(t, variance):
        key = (t[0], t[1], variance)
        if key not in cache:
            cache[key] = nonneg(ball(t)) if variance else ball(t)
        return cache[key]

    return [get(t, False) for t in texts["mean"]], [get(t, True) for t in texts["variance"]]


# --- 4''. alpha dropout after a layer -----------------------------------------------------------

def dropout_params(rate_text):
    """Balls ``(q, alpha', a)``: keep probability ``q = 1 - rate``, ``alpha' = -lambda01
    alpha01``, ``a = (q + alpha'^2 q (1-q))^(-1/2)`` (the shift ``b = -a (1-q) alpha'``).  Then
    ``(mu, nu) -> (a q mu, a^2 (q nu + q (1-q) (mu - alpha')^2))`` (THEORY.md)."""
    if rate_text is None:
        return None
    lam, alpha = trusted.parameters()
    q = 1 - trusted.decimal_ball(rate_text)
    ap = -lam * alpha
    return q, ap, 1 / (q + ap * ap * q * (1 - q)).sqrt()


def dropout_balls(means, variances, params):
    """The alpha-dropout map on every unit's balls."""
    if params is None:
        return means, variances
    q, ap, a = params
    return ([a * q * mu for mu in means],
            [nonneg(a * a * (q * nu + q * (1 - q) * square(mu - ap))) for mu, nu in zip(means, variances)])


def affine_dropout(state, rows_a, rows_b, params):
    """The alpha-dropout map on an affine state: the mean scales by ``a q``; the variance is
    ``a^2 q nu + a^2 q (1-q) ((c - alpha')^2 + 2 (c - alpha') A e + (A e)^2)`` with
    ``(A e)^2`` in ``[0, ||A||_1^2]`` (its midpoint to the centre, its half width unshared)."""
    if params is None:
        return state, rows_a, rows_b
    q, ap, a = params
    sm, sv, c2 = a * q, a * a * q, a * a * q * (1 - q)
    new = {"c": [sm * c for c in state["c"]], "d": [], "t": []}
    new_a = [[sm * x for x in row] for row in rows_a]
    new_b = []
    for c, d, t, ra, rb in zip(state["c"], state["d"], state["t"], rows_a, rows_b):
        h2 = square(abs_sum(ra)) / 2
        dc = c - ap
        new["d"].append(sv * d + c2 * square(dc) + c2 * h2)
        new["t"].append(sv * t + c2 * h2)
        new_b.append([sv * y + 2 * c2 * dc * x for x, y in zip(ra, rb)])
    new["A"], new["B"] = arb_mat(new_a), arb_mat(new_b)
    return new, new_a, new_b


# --- 4'. affine forms (method "affine") ----------------------------------------------------

def symmetric(ub):
    """The ball ``[-ub, ub]`` (``ub`` an Arb upper bound >= 0)."""
    return (-ub).union(ub)


def abs_sum(row):
    """An upper bound of ``sum_i |x_i|`` of a list of balls."""
    total = arb(0)
    for x in row:
        total += x.abs_upper()
    return total


def _d2_over(m, s2, depth=TILE_D2_DEPTH):
    """The generated ``moments_d2`` outputs (values, first and second partials in m and
    s^2) over the rectangle ``m x s2``: bisected tiles, united."""
    s_mid = s2.mid().sqrt()
    wide_s2, wide_m = s2.rad() > TILE_D2 * s2.mid(), m.rad() > TILE_D2 * s_mid
    if depth and (wide_s2 or wide_m):
        cut_s2 = wide_s2 and (not wide_m or s2.rad() / s2.mid() >= m.rad() / s_mid)
        x = s2 if cut_s2 else m
        mid = arb(x.mid())
        halves = [x.lower().union(mid), mid.union(x.upper())]
        a, b = (_d2_over(m, h, depth - 1) if cut_s2 else _d2_over(h, s2, depth - 1) for h in halves)
        return tuple(u.union(v) for u, v in zip(a, b))
    return _closed("moments_d2", m, s2.sqrt())


def affine_size(features, shapes):
    """The most coefficients (units x noise symbols) of a layer of the affine tube."""
    symbols, most = 2 * features, 0
    for units, _ in shapes:
        symbols += units
        most = max(most, units * symbols)
    return most


def affine_start(start_texts, features):
    """The affine state of the start box: feature ``j``'s mean ``c_j + r_j e_i`` and
    variance ``d_j + t_j e_i'`` over noise symbols ``e in [-1, 1]^N``, one symbol per
    interval with a width."""
    means, variances = start_balls(start_texts, features)
    mean_cols = [j for j, x in enumerate(means) if x.rad() > 0]
    var_cols = [j for j, x in enumerate(variances) if x.rad() > 0]
    cols = len(mean_cols) + len(var_cols)
    a, b = arb_mat(features, cols), arb_mat(features, cols)
    for i, j in enumerate(mean_cols):
        a[j, i] = arb(means[j].rad())
    for i, j in enumerate(var_cols):
        b[j, len(mean_cols) + i] = arb(variances[j].rad())
    return {"c": [arb(x.mid()) for x in means], "A": a, "d": [arb(x.mid()) for x in variances], "B": b,
            "t": [arb(0)] * features}


def _remainder(hess, slope_error, hm, hs):
    """``|grad f(c) - g| . h + (|f_mm| hm^2 + 2 |f_ms| hm hs + |f_ss| hs^2) / 2``."""
    fmm, fms, fss = (x.abs_upper() for x in hess)
    return (slope_error[0].abs_upper() * hm + slope_error[1].abs_upper() * hs
            + (fmm * hm * hm + 2 * fms * hm * hs + fss * hs * hs) / 2)


def affine_step(mats, bias, state):
    """One layer over affine forms.  Per unit, the moments are linearised at the centre
    ``c`` of its (m, s^2) range with slopes ``g`` (the midpoints of the gradient's ball at
    ``c``); by Taylor's theorem the remainder is at most ``|grad f(c) - g| . h +
    (|f_mm| h_m^2 + 2 |f_ms| h_m h_s + |f_ss| h_s^2) / 2 + |g_s2| t`` with the second partials
    enclosed over the range's rectangle (bisected tiles), ``h`` the half ranges and ``t`` the
    unshared radius of s^2.  A mean's remainder becomes a fresh noise
    symbol of its own; a variance's stays an unshared radius."""
    w, sq = mats
    n = w.nrows()
    m_c = w * arb_mat([[x] for x in state["c"]])
    s_c = sq * arb_mat([[x] for x in state["d"]])
    s_t = sq * arb_mat([[x] for x in state["t"]])
    a_rows = (w * state["A"]).tolist() if state["A"].ncols() else [[] for _ in range(n)]
    b_rows = (sq * state["B"]).tolist() if state["B"].ncols() else [[] for _ in range(n)]
    new = {"c": [], "d": [], "t": []}
    rows_a, rows_b, fresh = [], [], []
    for k in range(n):
        mk = m_c[k, 0] + (arb(float(bias[k])) if bias is not None else 0)
        sk, tk = s_c[k, 0], s_t[k, 0].abs_upper()
        hm, hs = abs_sum(a_rows[k]), abs_sum(b_rows[k]) + tk
        rect_m, rect_s2 = mk + symmetric(hm), sk + symmetric(hs)
        if not rect_s2 > 0:
            raise ArithmeticError(f"unit {k}: s^2 = {rect_s2.str(5)} not certified > 0")
        hess = _d2_over(rect_m, rect_s2)[6:]
        mean, var, fm, fs, vm, vs = _closed("moments_d1", mk, sk.sqrt())
        gm, gs, hvm, hvs = (arb(x.mid()) for x in (fm, fs, vm, vs))
        r_mean = _remainder(hess[:3], (fm - gm, fs - gs), hm, hs) + gs.abs_upper() * tk
        r_var = _remainder(hess[3:], (vm - hvm, vs - hvs), hm, hs) + hvs.abs_upper() * tk
        new["c"].append(mean)
        new["d"].append(var)
        new["t"].append(r_var)
        b_row = b_rows[k] or [0] * len(a_rows[k])       # no variance symbols: a point variance
        rows_a.append([gm * x + gs * y for x, y in zip(a_rows[k], b_row)])
        rows_b.append([hvm * x + hvs * y for x, y in zip(a_rows[k], b_row)])
        fresh.append(r_mean)
    zero = arb(0)
    for k in range(n):
        rows_a[k] += [fresh[k] if j == k else zero for j in range(n)]
        rows_b[k] += [zero] * n
    new["A"], new["B"] = arb_mat(rows_a), arb_mat(rows_b)
    return new, rows_a, rows_b


def affine_ranges(state, rows_a, rows_b):
    """Per-unit balls of the mean and variance ranges of an affine state."""
    means = [c + symmetric(abs_sum(r)) for c, r in zip(state["c"], rows_a)]
    variances = [nonneg(d + symmetric(abs_sum(r) + t))
                 for d, r, t in zip(state["d"], rows_b, state["t"])]
    return means, variances


def affine_pooled(state, rows_a, parts=None):
    """Balls ``(M, V)`` of the pooled moments over an affine state (linear parts kept as
    forms; the quadratic parts bounded: ``avg (a_k . e)^2 in [0, avg ||a_k||_1^2]``,
    ``(alpha . e)^2 in [0, ||alpha||_1^2]``)."""
    n = len(state["c"])
    ones = arb_mat([[arb(1)] * n])
    cs = arb_mat([state["c"]])
    big_c = sum(state["c"], arb(0)) / n
    alpha = (ones * state["A"]).tolist()[0] if state["A"].ncols() else []
    alpha = [x / n for x in alpha]
    a_norm = abs_sum(alpha)
    mean = big_c + symmetric(a_norm)
    lin = []
    if state["A"].ncols():
        ob = (ones * state["B"]).tolist()[0]
        ca = (cs * state["A"]).tolist()[0]
        lin = [x / n + 2 * y / n - 2 * big_c * z for x, y, z in zip(ob, ca, alpha)]
    centre = sum(state["d"], arb(0)) / n + sum((square(c) for c in state["c"]), arb(0)) / n - square(big_c)
    t_avg = sum(state["t"], arb(0)) / n
    quad_hi = sum((square(abs_sum(r)) for r in rows_a), arb(0)) / n
    quad_lo = square(a_norm)
    var = centre + symmetric(abs_sum(lin)) + (-(quad_lo + t_avg)).union(quad_hi + t_avg)
    if parts is not None:          # widths by source, for the report (no decision uses them)
        parts.update({"mean_linear": 2 * float(a_norm.upper()), "variance_linear": 2 * float(abs_sum(lin).upper()),
                      "variance_quadratic": float((quad_hi + quad_lo).upper()),
                      "variance_unshared": 2 * float(t_avg.upper())})
    return mean, nonneg(var)


def affine_tube(weights, start_texts, features, layers=None, dropout=None):
    """Per layer ``(means, variances, M, V)`` (balls) of the affine tube from the start box,
    for the first ``layers`` layers (default all); ``dropout``: the rate's text (alpha
    dropout after every layer but the network's last)."""
    state = affine_start(start_texts, features)
    params = dropout_params(dropout)
    out = []
    for i, (w, b) in enumerate(weights[:layers]):
        state, rows_a, rows_b = affine_step(matrices(w), None if b is None else np.asarray(b, dtype=np.float64), state)
        if i + 1 < len(weights):
            state, rows_a, rows_b = affine_dropout(state, rows_a, rows_b, params)
        means, variances = affine_ranges(state, rows_a, rows_b)
        out.append((means, variances, *affine_pooled(state, rows_a)))
    return out


# --- 5. the verdict -------------------------------------------------------------------------

def _within(pair, box):
    return box[0] <= pair[0] and pair[1] <= box[1]


def _outside(pair, box):
    return pair[1] < box[0] or pair[0] > box[1]


def verdict_problems(data):
    layers, target, scope = data["layers"], data["target"], data["scope"]

    def rows(layer):
        out = [("pooled mean", layer["pooled_mean"], "mean"), ("pooled variance", layer["pooled_variance"], "variance")]
        if scope == "units":
            out += [(f"unit {j} {k}", p, k) for k in ("mean", "variance") for j, p in enumerate(layer[k])]
        return out

    if data["verdict"] == "CERTIFIED":
        problems = []
        if data["start"] != data["input"]:
            problems.append("verdict CERTIFIED: the start box is not the whole input box")
        if len(layers) != len(data["shapes"]):
            problems.append(f"verdict CERTIFIED: {len(layers)} of {len(data['shapes'])} layers in the tube")
        for i, layer in enumerate(layers):
            bad = [name for name, pair, k in rows(layer) if not _within(pair, target[k])]
            if bad:
                problems.append(f"layers[{i}]: {bad[0]} not inside the target" + (f" (and {len(bad) - 1} more)"
                                                                                    if len(bad) > 1 else ""))
        return problems
    if data["verdict"] == "REFUTED":
        layer = layers[data["refuted_at"] - 1]
        if not any(_outside(pair, target[k]) for _, pair, k in rows(layer)):
            return [f"verdict REFUTED: at layer {data['refuted_at']} no interval lies outside the target"]
    return []


# --- the check ------------------------------------------------------------------------------

def _leaf_problems(i, out_m, out_v, texts, max_problems, problems):
    for j, (mu, nu) in enumerate(zip(out_m, out_v)):
        for name, x, t in (("mean", mu, texts["mean"][j]), ("variance", nu, texts["variance"][j])):
            if not inside(x, t, name == "variance"):
                problems.append(f"layers[{i}].{name}[{j}]: the Arb enclosure {x.str(8)} is not inside {t}")
                if len(problems) >= max_problems:
                    return True
    return False


def affine_problems(data, weights, max_problems=20):
    """Step 4 for method "affine": the affine tube re-run in Arb from the start box; every
    unit's and the pooled ranges inside the leaves."""
    problems = []
    size = affine_size(data["features"], data["shapes"][:len(data["layers"])])
    if size > MAX_AFFINE_ENTRIES:
        return [f"affine tube: {size} coefficients in a layer, beyond the checker's budget of {MAX_AFFINE_ENTRIES}"]
    try:
        tube = affine_tube(weights, data["start_texts"], data["features"], len(data["layers"]), data["dropout"])
    except (ArithmeticError, ValueError) as exc:
        return [f"affine tube: {exc}"]
    for i, ((out_m, out_v, pm, pv), layer) in enumerate(zip(tube, data["layers"])):
        if _leaf_problems(i, out_m, out_v, layer["texts"], max_problems, problems):
            return problems + ["(stopped after this many problems)"]
        for name, x, t in (("pooled_mean", pm, layer["pooled_texts"][0]),
                           ("pooled_variance", pv, layer["pooled_texts"][1])):
            if not inside(x, t, name == "pooled_variance"):
                problems.append(f"layers[{i}].{name}: the Arb enclosure {x.str(8)} is not inside {t}")
    return problems


def tube_problems(data, weights, max_problems=20):
    """Step 4: every layer's intervals re-derived in Arb from the previous layer's."""
    if data["method"] == "affine":
        return affine_problems(data, weights, max_problems)
    problems = []
    means, variances = start_balls(data["start_texts"], data["features"])
    params = dropout_params(data["dropout"])
    for i, layer in enumerate(data["layers"]):
        w, b = weights[i]
        try:
            out_m, out_v = layer_step(matrices(w), None if b is None else np.asarray(b, dtype=np.float64),
                                      means, variances)
            if i + 1 < len(weights):
                out_m, out_v = dropout_balls(out_m, out_v, params)
        except (ArithmeticError, ValueError) as exc:
            return problems + [f"layers[{i}]: {exc}"]
        texts = layer["texts"]
        if _leaf_problems(i, out_m, out_v, texts, max_problems, problems):
            return problems + ["(stopped after this many problems)"]
        means = [ball(t) for t in texts["mean"]]
        variances = [nonneg(ball(t)) for t in texts["variance"]]
        pm, pv = pooled(means, variances)
        for name, x, t in (("pooled_mean", pm, layer["pooled_texts"][0]),
                           ("pooled_variance", pv, layer["pooled_texts"][1])):
            if not inside(x, t, name == "pooled_variance"):
                problems.append(f"layers[{i}].{name}: the Arb enclosure {x.str(8)} is not inside {t}")
    return problems


@trusted.at_working_precision
def check(cert, weights):
    """Problems found in a tube certificate (an empty list: accepted).  ``weights``: the
    ``[(W, b)]`` arrays, ``W`` as ``(units, inputs)``, ``b`` an array or ``None``; or a path
    (``str``/``os.PathLike``), then the file the certificate names is read from there
    (:func:`read_weights`; npz and safetensors)."""
    try:
        data = validate(cert)
    except Invalid as exc:
        return [str(exc)]
    reset_budget()
    problems = []
    body = {k: v for k, v in cert.items() if k != "sha256"}
    if trusted.digest(body) != cert["sha256"]:
        problems.append("sha256: not the digest of the certificate's body")
    if cert["generated_sha256"] != trusted.generated_digest():
        problems.append("generated_sha256: not the digest of the generated expressions")
    if isinstance(weights, (str, os.PathLike)):
        try:
            weights = read_weights(dict(cert["weights"], file=os.fspath(weights)))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return problems + [f"weights: {exc}"]
    weights = [(np.asarray(w, dtype=np.float64), None if b is None else np.asarray(b, dtype=np.float64))
               for w, b in weights]
    wp = weight_problems(cert["weights"], data["shapes"], data["features"], weights)
    if wp:
        return problems + wp
    problems += tube_problems(data, weights)
    problems += verdict_problems(data)
    return problems


def check_file(path, weights=None):
    """:func:`check` of a certificate file; ``weights`` defaults to the file it names."""
    def no_constant(c):
        raise Invalid(f"{c} is not JSON")

    try:
        with open(path) as fh:
            cert = json.load(fh, parse_constant=no_constant)
    except (Invalid, ValueError) as exc:
        return [f"{path}: not a certificate ({str(exc)[:80]})"]
    if weights is None:
        spec = cert.get("weights") if type(cert) is dict else None
        weights = spec.get("file", "") if type(spec) is dict and type(spec.get("file")) is str else ""
    return check(cert, weights)
