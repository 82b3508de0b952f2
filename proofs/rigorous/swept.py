r"""The rigorous suites as Dask sweeps: one claim, one task (:mod:`snn_verify.proofs.sweep`).

``theorems [--extended]`` and ``domain`` run their claims through the sweep layer when given
``--out``, ``--scheduler`` or ``--sweep-workers``: each claim is a :class:`Task` of
:func:`certify_task`, certified in one process of whichever worker gets it
(``workers=1``: the sweep's parallelism is across claims), its result appended to the
results file as it arrives, and ``--resume`` skips the claims already there.  The client
reads each result back as a :class:`Swept` (the claim, its verdict, its extremum enclosure,
the JSON of ``claim --json``), which the suites render exactly as they render a
:class:`snn_verify.proofs.rigorous.certify.Result`.

A task names its claim by data, never by an object: a claim of the theorem suites by its
suite and name (``{"of": DROPOUT, "args": ["0.1"], "name": ...}``, rebuilt in the worker
from :mod:`snn_verify.proofs.theorems` and :mod:`.suite`), any other claim (the domain
searches' candidate boxes) by its claim line (:func:`snn_verify.proofs.rigorous.batch.line_of`).
So a task's key is a hash of what it certifies, its tolerance, budget and certificate path,
and the code version.

Verdicts are those of the one-process run.  The number of boxes and the enclosures are
those of a one-process run with ``--workers 1`` (the default run bounds batches of
``16 x workers`` boxes, so its counts differ a little when it has several workers); the
seconds are each task's own.

Example
-------
>>> r = certify_task({"of": PAPER, "name": "T1 mean below 0.1"}, tol=1e-3, max_seconds=30)
>>> r["json"]["verdict"], r["json"]["name"]
('CERTIFIED', 'T1 mean below 0.1')
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

#: the function every claim task runs
TASK = "snn_verify.proofs.rigorous.swept.certify_task"


def claim_of(spec):
    """The claim a task names: ``{"of": "snn_verify.module.function", "args": [...], "name"}``
    (the claim of that name among ``function(*args)``, a suite's claims) or ``{"line"}`` (a
    claim line).  (The suite is named by its dotted path, not imported here: the suites
    import this module.)"""
    import importlib

    from ...errors import InputError

    if "line" in spec:
        from .batch import parse_line
        from .certify import make_claim

        name, quantity, relation, bound, box, model = parse_line(spec["line"])
        return make_claim(quantity, relation, bound, box, name=name, model=model)
    module, _, function = spec["of"].rpartition(".")
    if not module.startswith("snn_verify."):
        raise InputError(f"not a claim suite of snn_verify: {spec['of']!r}")
    for c in getattr(importlib.import_module(module), function)(*spec.get("args", ())):
        if c.name == spec["name"]:
            return c
    raise InputError(f"no claim {spec['name']!r} in {spec['of']}{tuple(spec.get('args', ()))}")


def _floats(xs):
    return [repr(float(x)) for x in xs]


def certify_task(claim, tol, max_seconds, certificate=None):
    """Certify one claim (``claim``: see :func:`claim_of`) in this process; write its
    certificate to the path ``certificate`` if given (and the claim decided).  Returns
    ``{"json": Result.to_json(), "extremum": [lo, hi] as float texts}``."""
    from . import certificate as certificates
    from .certify import certify

    c = claim_of(claim)
    r = certify(c, tol=math.inf if tol is None else tol, max_seconds=max_seconds, workers=1)
    written = certificates.write(r, certificate) if certificate else None
    return {"json": r.to_json(), "extremum": _floats(r.extremum), "certificate": written}


def task(claim, spec, tol, max_seconds, certificate=None):
    """The task certifying ``claim`` (its ``spec``: see :func:`claim_of`; ``None`` for its
    claim line); ``tol`` ``inf`` travels as ``None``."""
    from ..sweep import Task
    from .batch import line_of

    spec = spec or {"line": line_of(claim)}
    return Task(TASK, {"claim": spec, "tol": None if math.isinf(tol) else tol, "max_seconds": max_seconds,
                       "certificate": certificate and os.path.abspath(certificate)}, name=claim.name)


@dataclass(frozen=True)
class Swept:
    """A claim's result read back from a sweep: what the suites use of a
    :class:`snn_verify.proofs.rigorous.certify.Result` (``claim``, ``verdict``,
    ``extremum``, ``counterexample``, ``to_json()``)."""

    claim: object
    json: dict
    extremum: tuple
    certificate: str | None = None

    @property
    def verdict(self):
        return self.json["verdict"]

    @property
    def counterexample(self):
        return self.json.get("counterexample")

    def to_json(self):
        return dict(self.json)

    @classmethod
    def of(cls, claim, result):
        return cls(claim, result["json"], tuple(float(x) for x in result["extremum"]), result.get("certificate"))


def certify_all(session, claims, tol, max_seconds, certificates=None, spec=None, prefix=""):
    """Certify ``claims`` as one round of ``session``'s sweep: a list of :class:`Swept`.
    ``spec(claim)``: the claim's task spec (default: its claim line); ``certificates``: a
    directory, each claim's certificate ``prefix + certificate_name(claim)`` in it
    (``prefix`` a string, or a list of one per claim)."""
    from .certify import certificate_name

    prefixes = [prefix] * len(claims) if isinstance(prefix, str) else list(prefix)
    tasks = [task(c, spec(c) if spec else None, tol, max_seconds,
                  os.path.join(certificates, p + certificate_name(c)) if certificates else None)
             for c, p in zip(claims, prefixes)]
    return [Swept.of(c, r) for c, r in zip(claims, session.values(tasks))]


def suite_spec(function, *args):
    """``spec`` for :func:`certify_all`: the claims of ``function(*args)`` (a dotted path), by
    name."""
    return lambda claim: {"of": function, "args": list(args), "name": claim.name}


#: the dotted paths of the theorem suites' claim lists
PAPER, DROPOUT, FLOAT32 = ("snn_verify.proofs.theorems.theorem_claims", "snn_verify.proofs.rigorous.suite.dropout_claims",
                           "snn_verify.proofs.rigorous.suite.float32_claims")
