r"""Batches of user claims (``verify.py claims FILE``): one claim a line, each a sweep task.

A line is a JSON object in the shape of a certificate's ``claim``:

    {"name": "...", "quantity": "mean", "relation": "<", "bound": "0.1",
     "box": {"mu": ["-0.1", "0.1"], "omega": [...], "nu": [...], "tau": [...]},
     "model": {"dropout": "0.05", "alpha": [lo, hi], "lambda": [lo, hi]}}     (model optional)

or ``"model": {"activation": "gelu"}``: another unit of the registry, scaled by its certified
constants (no dropout or intervals then; no certificate is written for it).

Numbers are decimal strings (or JSON numbers, read as the decimals they print as), checked by
the certificate schema's field rules (:mod:`snn_verify.proofs.rigorous.recheck.fields`:
whitelisted keys, bounded decimals, nu and tau > 0) before anything is built.  Each line is
certified in the worker that runs it (:func:`certify_line`, one process: the sweep's
parallelism is across claims) and its result line carries the claim's ``name``,
``verdict`` and the fields of ``verify.py claim --json``.  A line that is not a valid claim
becomes an error line; the other claims go on (:mod:`snn_verify.proofs.sweep`).

Example
-------
>>> line = '{"name": "m", "quantity": "mean", "relation": "<", "bound": "0.1", ' \
...        '"box": {"mu": [0, 0.1], "omega": [0, 0.1], "nu": [1, 1.2], "tau": [1, 1]}}'
>>> certify_line(line, budget_seconds=10)["verdict"]
'CERTIFIED'
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from snn_verify.theory.activation_registry import ACTS

from ..claims import QUANTITIES, VARIABLES, Model
from .recheck.fields import Malformed, array, decimal, decimal_interval, obj, text

#: the function a claim line's task runs
TASK = "snn_verify.proofs.rigorous.batch.certify_line"


def _decimal_text(x, where):
    """A JSON number is read as the decimal it prints as; a string must be a decimal."""
    if type(x) in (int, float):
        x = repr(x)
    decimal(x, where)
    return x


def parse_line(line):
    """``(name, quantity, relation, bound, box, model)`` of one claim line, or
    :class:`Malformed` naming the field."""
    try:
        claim = json.loads(line)
    except ValueError as exc:
        raise Malformed("line", f"not JSON: {exc}") from None
    obj(claim, "claim", ("quantity", "relation", "bound", "box"), ("name", "model", "theorem"))
    name = text(claim.get("name", "claim"), "name")
    quantity = text(claim["quantity"], "quantity", QUANTITIES)
    relation = text(claim["relation"], "relation", ("<", ">"))
    bound = _decimal_text(claim["bound"], "bound")
    obj(claim["box"], "box", VARIABLES)
    box = {}
    for v in VARIABLES:
        pair = claim["box"][v]
        texts = [_decimal_text(x, f"box.{v}[{k}]") for k, x in enumerate(pair if isinstance(pair, list) else [pair])]
        decimal_interval(texts, f"box.{v}", positive=v in ("nu", "tau"))
        box[v] = tuple(texts)
    model = claim.get("model", {})
    obj(model, "model", (), ("dropout", "alpha", "lambda", "activation"))
    activation = text(model["activation"], "model.activation", tuple(ACTS) + ("swish",)) if "activation" in model \
        else "selu"
    for k in ("alpha", "lambda"):
        if k in model:
            array(model[k], f"model.{k}", 2)
    dropout = _decimal_text(model["dropout"], "model.dropout") if "dropout" in model else ""
    if dropout and not 0 <= decimal(dropout, "model.dropout") < 1:
        raise Malformed("model.dropout", "a rate in [0, 1) expected")
    intervals = {}
    for k in ("alpha", "lambda"):
        if k in model:
            texts = [_decimal_text(x, f"model.{k}[{i}]") for i, x in enumerate(model[k])]
            intervals[k] = decimal_interval(texts, f"model.{k}", positive=True)[0]
    return name, quantity, relation, bound, box, Model(dropout, intervals.get("alpha", ()), intervals.get("lambda", ()),
                                                       activation)


def certify_line(line, budget_seconds=60.0, certificates=None):
    """Certify one claim line in this process: the JSON of ``verify.py claim --json``
    (with ``certificate``, its path, when ``certificates`` names a directory and the claim
    was decided)."""
    from . import certificate
    from .certify import certify, certificate_name, make_claim

    name, quantity, relation, bound, box, model = parse_line(line)
    claim = make_claim(quantity, relation, bound, box, name=name, model=model)
    r = certify(claim, max_seconds=budget_seconds, workers=1)
    out = r.to_json()
    if certificates and model.activation == "selu":
        path = certificate.write(r, os.path.join(certificates, certificate_name(claim)))
        if path:
            out["certificate"] = path
    return out


def line_of(claim):
    """The claim line of a :class:`snn_verify.proofs.rigorous.certify.DecimalClaim` (the
    inverse of :func:`parse_line`)."""
    line = {"name": claim.name, "quantity": claim.quantity, "relation": claim.relation, "bound": claim.bound_text,
            "box": {v: list(d) for v, d in zip(VARIABLES, claim.decimals)}}
    return json.dumps(dict(line, model=claim.model.as_dict()) if not claim.model.default else line)


def task_of(line, budget_seconds=60.0, certificates=None, name=""):
    """The sweep task that certifies one claim line."""
    from ..sweep import Task

    return Task(TASK, {"line": line, "budget_seconds": budget_seconds, "certificates": certificates}, name=name)


def printable(name):
    """A name from a claims file, safe to print: unprintable characters (and lone surrogates)
    written as ``\\uXXXX``.

    >>> printable("a\\ud800b\\n")
    'a\\\\ud800b\\\\u000a'
    """
    return "".join(ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else f"\\u{ord(ch):04x}"
                   for ch in str(name))[:200]


def _name(line, n):
    try:
        name = json.loads(line).get("name", f"line {n}")
    except (ValueError, AttributeError, RecursionError, TypeError):
        name = f"line {n}"
    return printable(name)


def tasks(path, budget_seconds=60.0, certificates=None):
    """One :class:`snn_verify.proofs.sweep.Task` per non-blank line of the claims file; a line
    that is not UTF-8 becomes a task that fails with that message (an error line)."""
    out = []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                line = f"(not UTF-8 at byte {exc.start} of line {n})"
            if line:
                out.append(task_of(line, budget_seconds, certificates, _name(line, n)))
    return out


@dataclass(frozen=True)
class ClaimsResult:
    """The results of a claims sweep (:class:`snn_verify.proofs.sweep.SweepResult`)."""

    sweep: object

    @property
    def exit_code(self):
        verdicts = [_verdict(line) for line in self.sweep.lines]
        if "ERROR" in verdicts or "REFUTED" in verdicts:
            return 1
        return 3 if "UNDECIDED" in verdicts else 0

    def to_json(self):
        return self.sweep.to_json()

    def render(self):
        lines = []
        for k, line in enumerate(self.sweep.lines):
            name = printable(line.get("name", "")) + (" [read back from the results file]" if k < self.sweep.skipped
                                                       else "")
            if _verdict(line) == "ERROR":
                lines.append(f"{name}: ERROR {printable(line.get('error', 'a damaged result line'))}")
                continue
            r = line["result"]
            extremum = f"; {r['extremum_kind']} in [{r['extremum'][0]!r}, {r['extremum'][1]!r}]" if "extremum" in r else ""
            lines.append(f"{name}: {r['verdict']} ({r['quantity']} {r['relation']} {printable(r['bound'])}{extremum})")
        counts = {}
        for line in self.sweep.lines:
            v = _verdict(line)
            counts[v] = counts.get(v, 0) + 1
        summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        if self.sweep.skipped:
            lines.append("(a results file is a checkpoint, not a proof: lines read back from it are not re-checked; "
                         "--certificates DIR and `verify.py recheck` prove the claims)")
        lines.append(f"{len(self.sweep.lines)} claims ({summary or 'none'}), {self.sweep.skipped} of them done before"
                     f"{' in ' + self.sweep.out if self.sweep.out else ''}; {self.sweep.seconds:.1f} s")
        return "\n".join(lines)


def _verdict(line):
    """A result line's verdict, or ``"ERROR"`` for an error line or a damaged one (a results
    file is a checkpoint, not a proof: its lines are read back as they were written)."""
    r = line.get("result")
    ok = (isinstance(r, dict) and r.get("verdict") in ("CERTIFIED", "REFUTED", "UNDECIDED")
          and all(isinstance(r.get(k), str) for k in ("quantity", "relation", "bound")))
    return r["verdict"] if ok else "ERROR"
