r"""The certificate checker: the kernel that a sceptical reader runs (``verify.py recheck``).

It imports only the trusted base (:mod:`snn_verify.proofs.rigorous.trusted`: Arb precision,
exact decimals, alpha01/lambda01, the generated expressions over *plain* Arb), the claims
data model and nothing of the engine (a test reads the imports).  Its rooms:

- :mod:`.schema`: the strict certificate schema, checked first and completely (its fields:
  :mod:`.fields`);
- :mod:`.arithmetic`: forward-mode AD (:class:`.arithmetic.Dual`) and endpoint forms over Arb;
- :mod:`.norm`: the spectral norm of a 2x2 matrix and its bounds;
- :mod:`.quantities`: mean, variance, nu~ - nu and ||J|| over a box or at a point;
- :mod:`.leaves`: one leaf proves its bound, within a work budget;
- :mod:`.coverage`: the leaves tile the search region, which holds the claim's box;
- :mod:`.verdict`: what the leaves and the counterexample establish;
- :mod:`.result`: the typed results (:class:`RecheckResult`, :class:`RecheckAll`);
- :mod:`.meanfield` and :mod:`.tube`: the kernels of mean-field certificates (``snn-verify
  meanfield certificate 1``) and of a network's tube (``snn-verify tube certificate 1``), to
  which :func:`recheck` hands them whole.

:func:`recheck` reads as the list of checks, in order; each is one named function, and every
one runs on every well-formed certificate (no early exit skips a check):

1. :func:`schema.validate <.schema.validate>` (a malformed certificate stops here, rejected);
2. :func:`digest_problems`: the digest of the body and of the generated expressions;
3. :func:`coverage_problems`: search box, region and tiling;
4. :func:`leaf_problems`: every leaf's bound, re-proved with the checker's own evaluator;
5. :func:`verdict.certified_problems <.verdict.certified_problems>`;
6. :func:`verdict.extremum_problems <.verdict.extremum_problems>`;
7. :func:`verdict.counterexample_problems <.verdict.counterexample_problems>`.

A digest proves integrity, never truth: a forger can recompute it, so every check of the
mathematics runs whatever the digest says.
"""
from __future__ import annotations

import json
import os
import time
from flint import arb

from ...claims import VARIABLES
from .. import trusted
from ..trusted import at_working_precision
from . import coverage, meanfield, schema, tube, verdict
from .coverage import tiles
from .leaves import prove_bound
from .quantities import Budget, BudgetExceeded, evaluate, metered, quantity_dual
from .result import RecheckAll, RecheckResult
from .schema import FORMAT, Malformed

__all__ = ["FORMAT", "VARIABLES", "RecheckAll", "RecheckResult", "evaluate", "load", "quantity_dual", "recheck",
           "recheck_file", "recheck_files", "tiles"]

#: evaluations of the generated functions that the leaf proofs of one certificate may spend,
#: per leaf and in all beyond that (genuine certificates spend 40-60 per leaf over Theorem 1's
#: box and up to about 550 on wide spectral-norm boxes; each costs about 1 ms)
EVALUATIONS_PER_LEAF, EVALUATION_ALLOWANCE = 1024, 10_000
#: the largest certificate file read, in bytes
MAX_FILE_BYTES = 256 * 2 ** 20
#: what a failed arithmetic check may raise; it becomes a problem, never a traceback
_ARITHMETIC = (ArithmeticError, ValueError, OverflowError)


# --- the checks, in order ------------------------------------------------------------------------

@at_working_precision
def recheck(cert, progress=None, file=None):
    """Re-verify a parsed certificate (see module docstring); a :class:`RecheckResult`."""
    t0 = time.perf_counter()
    if isinstance(cert, dict) and cert.get("format") == meanfield.FORMAT:
        return _recheck_meanfield(cert, t0, file)
    if isinstance(cert, dict) and cert.get("format") == tube.FORMAT:
        return _recheck_tube(cert, t0, file)
    try:
        c = schema.validate(cert)
    except Malformed as exc:
        return RecheckResult.malformed_input(f"malformed certificate: {exc}", file)
    problems = []
    for check in (digest_problems, coverage_problems, lambda c: leaf_problems(c, progress),
                  verdict.certified_problems, verdict.extremum_problems, verdict.counterexample_problems):
        problems += _guarded(check, cert if check is digest_problems else c)
    return RecheckResult(not problems, c.verdict, tuple(problems), len(c.leaves), time.perf_counter() - t0, file,
                         dict(c.claim.to_json(), statement=c.claim.words()))


def _kernel_schema(validate, cert, file):
    """A mean-field or tube certificate's own schema, checked first: ``None``, or the
    malformed-input result (one line naming the field, exit status 2)."""
    try:
        validate(cert)
    except (meanfield.Invalid, tube.Invalid, ValueError, ArithmeticError) as exc:
        return RecheckResult.malformed_input(f"malformed certificate: {str(exc)[:300]}", file)
    return None


def _recheck_meanfield(cert, t0, file):
    """A mean-field certificate, checked whole by :func:`.meanfield.check`."""
    malformed = _kernel_schema(meanfield._validate, cert, file)
    if malformed:
        return malformed
    problems = tuple(_guarded(meanfield.check, cert))
    model = cert["model"]
    setting = ", ".join(f"{k} = {json.dumps(v)}" for k, v in sorted(model.items()))
    statement = f"the mean-field length-map theorem and its enclosures ({setting[:300]})"
    pieces = cert.get("cover")
    return RecheckResult(not problems, "CERTIFIED", problems, len(pieces) if isinstance(pieces, list) else 0,
                         time.perf_counter() - t0, file, {"statement": statement})


def _guarded(check, arg):
    """A check's problems; an arithmetic failure inside it is a problem too (rejects)."""
    try:
        return check(arg)
    except _ARITHMETIC as exc:
        return [f"a check could not be completed: {type(exc).__name__}: {str(exc)[:200]}"]


def _weights_path(cert, file):
    """The weights file a tube certificate names: as given, else beside the certificate."""
    spec = cert.get("weights")
    name = spec.get("file") if isinstance(spec, dict) and isinstance(spec.get("file"), str) else ""
    if name and not os.path.isabs(name) and not os.path.exists(name) and file:
        beside = os.path.join(os.path.dirname(os.path.abspath(file)), name)
        return beside if os.path.exists(beside) else name
    return name


def _quoted(text):
    """A text from a certificate, safe to print: JSON-quoted (control characters escaped)."""
    return json.dumps(text)[:200]


def _tube_statement(cert, path):
    """A tube certificate's statement in words: the layers (names, shapes, biases) and layout
    of the network it is bound to, alpha dropout, the start box and the target."""
    w = cert["weights"]
    layers = " -> ".join(f"{_quoted(x['name'])} {x['shape'][0]}x{x['shape'][1]}"
                         + (f" + {_quoted(x['bias']['name'])}" if x["bias"] else " (no bias)") for x in w["layers"])
    t = cert["target"]
    dropout = f", alpha dropout at rate {cert['dropout']} after every layer" if cert.get("dropout") else ""
    return (f"the mean-field tube of {layers} ({w['layout']}; every array of {_quoted(path)}{dropout}) "
            f"from the input box {json.dumps(cert['start'])[:200]}: {t['scope']} mean in [{t['mean'][0]}, "
            f"{t['mean'][1]}], variance in [{t['variance'][0]}, {t['variance'][1]}] at every layer")


def _recheck_tube(cert, t0, file):
    """A tube certificate, checked whole by :func:`.tube.check` against the weights file it
    names (identified by its SHA-256, every array of it a layer or a bias)."""
    malformed = _kernel_schema(tube.validate, cert, file)
    if malformed:
        return malformed
    path = _weights_path(cert, file)
    problems = tuple(_guarded(lambda c: tube.check(c, path), cert))
    return RecheckResult(not problems, cert["verdict"], problems, len(cert["layers"]), time.perf_counter() - t0,
                         file, {"statement": _tube_statement(cert, path)})


def digest_problems(cert):
    """The certificate's own digest, and the generated expressions it was made with."""
    problems = []
    if cert["sha256"] != trusted.digest({k: v for k, v in cert.items() if k != "sha256"}):
        problems.append("digest mismatch: the file was altered after it was written")
    if cert["generated_sha256"] != trusted.generated_digest():
        problems.append("the generated expressions differ from those the certificate was made with")
    return problems


def coverage_problems(c):
    """The search box holds the claim's box, the region its image, and the leaves tile the
    region."""
    problems = coverage.search_box_problems(c.claim.box, c.search_box)
    problems += coverage.region_problems(c.search_box, c.coordinates, c.region)
    if not tiles(c.region, [box for box, _ in c.leaves]):
        problems.append("the leaves do not tile the search region (a box is missing or overlaps)")
    return problems


def leaf_problems(c, progress=None):
    """Every leaf with a bound proves it (:func:`.leaves.prove_bound`), within the work
    budget; leaves without a bound prove nothing (and make CERTIFIED fail)."""
    sense, claim = c.claim.sense, c.claim
    budget = Budget(EVALUATIONS_PER_LEAF * len(c.leaves) + EVALUATION_ALLOWANCE)
    problems = []
    for k, (box, bound) in enumerate(c.leaves):
        if bound is not None:
            try:
                with metered(budget):
                    proved = prove_bound(claim.quantity, sense, box, arb(sense * bound), model=claim.model,
                                         coordinates=c.coordinates)
            except BudgetExceeded:
                return problems + [f"leaves {k}-{len(c.leaves) - 1}: the checker's work budget is spent, "
                                   "their bounds are not confirmed"]
            except _ARITHMETIC as exc:
                proved = False
                problems.append(f"leaf {k}: {type(exc).__name__}: {str(exc)[:200]}")
            if not proved:
                problems.append(f"leaf {k}: bound {bound!r} not confirmed on {[list(iv) for iv in box]}")
        if progress:
            progress(k + 1)
    return problems


# --- files ---------------------------------------------------------------------------------------

def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return dict(pairs)


def _no_nan(name):
    raise ValueError(f"{name} is not a number")


def load(path):
    """The JSON value of a file: at most :data:`MAX_FILE_BYTES`, duplicate keys and NaN
    rejected (``ValueError``), nesting too deep for the parser rejected (``RecursionError``)."""
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise ValueError(f"larger than {MAX_FILE_BYTES // 2 ** 20} MiB")
    with open(path, encoding="utf-8") as fh:
        return json.loads(fh.read(), object_pairs_hook=_no_duplicates,
                          parse_constant=lambda name: _no_nan(name) if name == "NaN" else float(name))


def recheck_files(paths, progress=None):
    """:func:`recheck_file` of each path: one :class:`RecheckResult`, or :class:`RecheckAll`
    for several."""
    results = tuple(recheck_file(p, progress) for p in paths)
    return results[0] if len(results) == 1 else RecheckAll(results)


def recheck_file(path, progress=None):
    """:func:`recheck` of a JSON file; a file that cannot be read or parsed is malformed input
    (one line naming the problem, exit status 2)."""
    try:
        cert = load(path)
    except RecursionError:
        return RecheckResult.malformed_input("malformed certificate: JSON nested too deeply", path)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return RecheckResult.malformed_input(f"cannot read the certificate: {reason[:200]}", path)
    return recheck(cert, progress, file=path)
