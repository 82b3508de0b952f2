r"""Certificates: one JSON file per claim (engine side: building and writing them).

A certificate lists the leaf boxes (in the search's coordinates: ``(mu, omega, nu, tau)``,
or ``(m, s2)`` / ``(m, nu, tau)`` with the searched region, which must contain the search
box's image, see :mod:`snn_verify.proofs.rigorous.coordinates`) of the branch and bound, each with the bound proved on
it (``Q <= bound`` for a "<" claim, ``Q >= bound`` for ">"), the verdict, the extremum
enclosure and its point, the counterexample of a refuted claim, the working precision, the
library versions, the SHA-256 of the generated expressions, and a SHA-256 of its own content.
Leaf bounds are recorded :data:`SLACK` weaker than the engine proved them, so that an
evaluation with other rounding can confirm them.

The checker is :mod:`snn_verify.proofs.rigorous.recheck` (re-exported here as
:func:`recheck`, :func:`recheck_file`): it shares none of the engine's evaluator, only the
trusted base :mod:`snn_verify.proofs.rigorous.trusted`.  Files are written atomically
(temporary file + rename).
"""
from __future__ import annotations

import json
import math
import os
import platform
import tempfile

from .recheck import FORMAT, VARIABLES, load, quantity_dual, recheck, recheck_file, tiles  # noqa: F401 (re-exported)
from .trusted import PREC
from .trusted import digest as _digest
from .trusted import generated_digest as _generated_digest

#: leaf bounds are recorded this much weaker than the engine proved (absolute + relative),
#: so that an independent evaluation with other rounding can confirm them
SLACK = 1e-12


# --- writing ---------------------------------------------------------------------------------

def _versions():
    import flint
    import mpmath
    import numpy
    import sympy

    return {"python": platform.python_version(), "python-flint": flint.__version__,
            "mpmath": mpmath.__version__, "sympy": sympy.__version__, "numpy": numpy.__version__}


def _weakened(x, sense):
    """``x`` moved by :data:`SLACK` in the safe direction (up for sense +1)."""
    return x + sense * SLACK * (1 + abs(x))


def build(result):
    """The certificate (a JSON-ready dict) of a :class:`snn_verify.proofs.rigorous.certify.Result`."""
    claim = result.claim
    sense = 1 if claim.relation == "<" else -1
    names = tuple(result.coordinates)
    leaves = []
    for b in result.leaves:
        bound = _weakened(sense * b.upper, sense) if math.isfinite(b.upper) else None
        leaves.append({"box": [list(iv) for iv in b.box],
                       "bound": bound,
                       "face": [list(iv) for iv in b.face],
                       "steps": [[[names[i], end] for i, end in step] for step in b.steps]})
    lo, hi = result.extremum
    body = {
        "format": FORMAT,
        "claim": {"name": claim.name, "theorem": claim.theorem, "quantity": claim.quantity,
                  "relation": claim.relation, "bound": result.bound_text,
                  "box": {v: list(iv) for v, iv in zip(VARIABLES, result.decimals)},
                  **({} if claim.model.default else {"model": claim.model.as_dict()})},
        "verdict": result.verdict,
        "extremum": [_weakened(lo, -1), _weakened(hi, 1)],
        "extremum_kind": "max" if sense == 1 else "min",
        "argext": dict(zip(VARIABLES, result.argext)),
        "counterexample": result.counterexample,
        "search_box": [list(iv) for iv in result.search_box],
        **({} if names == VARIABLES else {"coordinates": list(names),
                                          "region": [list(iv) for iv in result.region]}),
        "leaves": leaves,
        "boxes": result.boxes,
        "seconds": round(result.seconds, 3),
        "tolerance": result.tolerance,
        "precision_bits": PREC,
        "versions": _versions(),
        "generated_sha256": _generated_digest(),
    }
    return dict(body, sha256=_digest(body))


def write(result, path):
    """Write the certificate of ``result`` to ``path`` atomically; returns the path.  An
    UNDECIDED result proves nothing and has no certificate, and neither has a result without
    a point of the claim's box where its extremum is attained: nothing is written, ``None``
    is returned."""
    if result.verdict not in ("CERTIFIED", "REFUTED") or result.argext is None:
        return None
    cert = build(result)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cert-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(cert, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
