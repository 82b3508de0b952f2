r"""The certificate schema: checked first, completely, before any number is built.

A certificate is hostile input (its ``sha256`` is a plain digest that anyone can recompute:
it proves integrity, never truth).  :func:`validate` accepts exactly the shape that
:mod:`snn_verify.proofs.rigorous.certificate` writes and returns it as a typed, frozen
:class:`Certificate`; anything else raises :class:`Malformed`, which names the field:

- every key is whitelisted; unknown and missing keys are rejected by name;
- types are exact (``bool`` is not a number, ``int`` is not a float);
- a decimal is a bounded decimal string, checked before it is built (:mod:`.fields`);
- floats are finite (the extremum's open ends may be infinite); intervals are ordered;
- ``relation`` is exactly ``<`` or ``>``, ``verdict`` exactly ``CERTIFIED`` or ``REFUTED``,
  ``extremum_kind`` agrees with the relation;
- ``nu`` and ``tau`` are > 0 on the claim's box, the search box and the region; the dropout
  rate lies in ``[0, 1)``; alpha and lambda intervals satisfy ``0 < lo <= hi``;
- a REFUTED certificate carries a counterexample, a CERTIFIED one none.

"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ...claims import QUANTITIES, VARIABLES, Model
from .fields import HEX, Malformed, array, decimal, decimal_interval, float_interval, number, obj, point, text, typed
from .quantities import COORDINATES

FORMAT = "snn-verify certificate 1"
VERDICTS = ("CERTIFIED", "REFUTED")
RELATIONS = {"<": "max", ">": "min"}
#: the most leaves a certificate may have (the engine stops at 200,000 boxes)
MAX_LEAVES = 250_000


# --- the certificate ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """The claim a certificate states: ``quantity`` over the box is ``relation`` ``bound``."""

    name: str
    quantity: str
    relation: str
    bound_text: str
    bound: Fraction
    decimals: tuple            # ((lo, hi) texts) * 4
    box: tuple                 # ((lo, hi) Fractions) * 4
    model: Model

    @property
    def sense(self):
        return 1 if self.relation == "<" else -1

    def words(self):
        """The claim in words, e.g. ``mean < 0.1 on mu in [-0.1, 0.1], ... (alpha dropout 0.05)``."""
        box = ", ".join(f"{v} in [{lo}, {hi}]" for v, (lo, hi) in zip(VARIABLES, self.decimals))
        model = [f"alpha dropout at rate {self.model.dropout}"] if self.model.dropout else []
        model += [f"{n} in [{iv[0]}, {iv[1]}]" for n, iv in (("alpha", self.model.alpha), ("lambda", self.model.lambda_))
                  if iv]
        return f"{self.quantity} {self.relation} {self.bound_text} on {box}" + (f" ({'; '.join(model)})" if model else "")

    def to_json(self):
        out = {"name": self.name, "quantity": self.quantity, "relation": self.relation, "bound": self.bound_text,
               "box": {v: list(iv) for v, iv in zip(VARIABLES, self.decimals)}}
        return dict(out, model=self.model.as_dict()) if not self.model.default else out


@dataclass(frozen=True)
class Counterexample:
    point_text: tuple
    point: tuple
    value_text: str
    parameters: dict | None    # {"lambda": text, "alpha": text} or None


@dataclass(frozen=True)
class Certificate:
    claim: Claim
    verdict: str
    extremum: tuple            # (lo, hi) floats; the open end of a REFUTED claim may be infinite
    argext_text: tuple
    argext: tuple
    counterexample: Counterexample | None
    search_box: tuple
    coordinates: tuple
    region: tuple
    leaves: tuple              # ((box, bound or None), ...)
    generated_sha256: str
    sha256: str


TOP = ("format", "claim", "verdict", "extremum", "extremum_kind", "argext", "counterexample", "search_box", "leaves",
       "boxes", "seconds", "tolerance", "precision_bits", "versions", "generated_sha256", "sha256")


def validate(cert):
    """The :class:`Certificate` of a parsed JSON value, or :class:`Malformed`."""
    obj(cert, "certificate", TOP, ("coordinates", "region"))
    text(cert["format"], "format", (FORMAT,))
    claim = _claim(cert["claim"])
    verdict = text(cert["verdict"], "verdict", VERDICTS)
    text(cert["extremum_kind"], "extremum_kind", (RELATIONS[claim.relation],))
    lo, hi = (number(v, f"extremum[{k}]", infinite=True) for k, v in enumerate(array(cert["extremum"], "extremum", 2)))
    if not lo <= hi or lo == math.inf or hi == -math.inf:
        raise Malformed("extremum", "an interval [lo, hi] with lo < +inf and hi > -inf expected")
    argext_text, argext = point(cert["argext"], "argext")
    counterexample = _counterexample(cert["counterexample"], verdict, claim.model)
    search_box = tuple(float_interval(x, f"search_box[{k}]", positive=k >= 2)
                       for k, x in enumerate(array(cert["search_box"], "search_box", 4)))
    coordinates, region = _coordinates(cert, claim.quantity, search_box)
    leaves = tuple(_leaf(x, f"leaves[{k}]", coordinates)
                   for k, x in enumerate(array(cert["leaves"], "leaves", most=MAX_LEAVES)))
    if not leaves:
        raise Malformed("leaves", "the certificate has no leaves")
    _informational(cert)
    return Certificate(claim, verdict, (lo, hi), argext_text, argext, counterexample, search_box, coordinates, region,
                       leaves, cert["generated_sha256"], cert["sha256"])


def _claim(x):
    obj(x, "claim", ("name", "theorem", "quantity", "relation", "bound", "box"), ("model",))
    name = text(x["name"], "claim.name")
    text(x["theorem"], "claim.theorem")
    quantity = text(x["quantity"], "claim.quantity", QUANTITIES)
    relation = text(x["relation"], "claim.relation", tuple(RELATIONS))
    bound = decimal(x["bound"], "claim.bound")
    obj(x["box"], "claim.box", VARIABLES)
    pairs = [decimal_interval(x["box"][v], f"claim.box.{v}", positive=v in ("nu", "tau")) for v in VARIABLES]
    return Claim(name, quantity, relation, x["bound"], bound, tuple(t for t, _ in pairs), tuple(q for _, q in pairs),
                 _model(x.get("model", {})))


def _model(x):
    obj(x, "claim.model", (), ("dropout", "alpha", "lambda"))
    dropout = x.get("dropout", "")
    if "dropout" in x and not 0 <= decimal(dropout, "claim.model.dropout") < 1:
        raise Malformed("claim.model.dropout", f"a rate in [0, 1) expected, got {dropout}")
    intervals = {k: decimal_interval(x[k], f"claim.model.{k}", positive=True)[0] for k in ("alpha", "lambda") if k in x}
    try:       # its float reading must agree (a rate that rounds to 1, an end that rounds to 0)
        return Model(dropout, intervals.get("alpha", ()), intervals.get("lambda", ()))
    except ValueError as exc:
        raise Malformed("claim.model", str(exc)) from None


def _counterexample(x, verdict, model):
    if verdict == "CERTIFIED":
        if x is not None:
            raise Malformed("counterexample", "a CERTIFIED certificate has none (null expected)")
        return None
    if x is None:
        raise Malformed("counterexample", "a REFUTED certificate needs a counterexample")
    intervals = bool(model.alpha or model.lambda_)
    obj(x, "counterexample", ("point", "value") + (("parameters",) if intervals else ()))
    texts, values = point(x["point"], "counterexample.point")
    value = x["value"]
    decimal(value, "counterexample.value")
    parameters = None
    if intervals:
        parameters = obj(x["parameters"], "counterexample.parameters", ("lambda", "alpha"))
        for key in ("lambda", "alpha"):
            if parameters[key] != f"{key}01":
                decimal(parameters[key], f"counterexample.parameters.{key}")
    return Counterexample(texts, values, value, parameters)


def _coordinates(cert, quantity, search_box):
    if ("coordinates" in cert) != ("region" in cert):
        raise Malformed("coordinates", "coordinates and region come together")
    if "coordinates" not in cert:
        return VARIABLES, search_box
    names = tuple(text(c, f"coordinates[{k}]") for k, c in enumerate(array(cert["coordinates"], "coordinates", most=4)))
    if names not in COORDINATES or names == VARIABLES:
        raise Malformed("coordinates", f"unknown coordinates {list(names)}")
    if quantity not in COORDINATES[names]:
        raise Malformed("coordinates", f"{quantity} cannot be checked in coordinates {list(names)}")
    region = tuple(float_interval(x, f"region[{k}]", positive=names[k] != "m")
                   for k, x in enumerate(array(cert["region"], "region", len(names))))
    return names, region


def _leaf(x, where, coordinates):
    obj(x, where, ("box", "bound", "face", "steps"))
    n = len(coordinates)
    box = tuple(float_interval(iv, f"{where}.box[{k}]") for k, iv in enumerate(array(x["box"], f"{where}.box", n)))
    bound = None if x["bound"] is None else number(x["bound"], f"{where}.bound")
    face = [float_interval(iv, f"{where}.face[{k}]") for k, iv in enumerate(array(x["face"], f"{where}.face", n))]
    if any(not (b[0] <= f[0] and f[1] <= b[1]) for b, f in zip(box, face)):
        raise Malformed(f"{where}.face", "the face does not lie in the leaf's box")
    for k, step in enumerate(array(x["steps"], f"{where}.steps", most=64)):
        for j, move in enumerate(array(step, f"{where}.steps[{k}]", most=n)):
            name, end = array(move, f"{where}.steps[{k}][{j}]", 2)
            text(name, f"{where}.steps[{k}][{j}][0]", coordinates)
            text(end, f"{where}.steps[{k}][{j}][1]", ("lo", "hi"))
    return box, bound


def _informational(cert):
    """Fields the checks do not use, typed all the same."""
    for key in ("boxes", "precision_bits"):
        if type(cert[key]) is not int or not 0 <= cert[key] <= 10 ** 12:
            raise Malformed(key, "a non-negative integer expected")
    if not number(cert["seconds"], "seconds") >= 0:
        raise Malformed("seconds", "must be >= 0")
    if not number(cert["tolerance"], "tolerance", infinite=True) >= 0:
        raise Malformed("tolerance", "must be >= 0")
    versions = typed(cert["versions"], dict, "versions", "an object")
    if len(versions) > 32:
        raise Malformed("versions", "at most 32 entries expected")
    for k, v in versions.items():
        text(v, f"versions.{text(k, 'versions')}")
    for key in ("generated_sha256", "sha256"):
        if type(cert[key]) is not str or not HEX.fullmatch(cert[key]):
            raise Malformed(key, "64 lowercase hexadecimal digits expected")
