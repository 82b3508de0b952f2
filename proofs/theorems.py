"""The paper's theorems, gathered: every claim of ``theorem1.py``, ``theorem2.py`` and
``theorem3.py`` in paper order.

Imports go one way: the theorem files import the data model (:mod:`snn_verify.proofs.claims`),
this module imports the theorem files, and the engines import this module.

Example
-------
>>> [c.name for c in theorem_claims() if c.theorem == "Theorem 2"]
['T2 variance decreases']
"""
from __future__ import annotations

from . import theorem1, theorem2, theorem3


def theorem_claims():
    """Every theorem claim, in paper order (read from proofs/theorem1.py, 2, 3)."""
    return theorem1.CLAIMS + theorem2.CLAIMS + theorem3.CLAIMS


def by_name(name):
    """The theorem claim called ``name``."""
    for c in theorem_claims():
        if c.name == name:
            return c
    raise KeyError(name)
