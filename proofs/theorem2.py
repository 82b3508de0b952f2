"""Theorem 2 (variance decreases from above), as a claim.

For mu in [-1, 1], omega in [-0.1, 0.1], nu in [3, 16], tau in [0.8, 1.25]: nu~ < nu.
A layer therefore pulls large variances down, which rules out exploding activations.

How it is checked: :func:`snn_verify.proofs.rigorous.certify.certify_suite` runs the Arb branch and bound
of :mod:`snn_verify.proofs.rigorous.certify` on each claim of ``CLAIMS`` over every point of its box (``python verify.py theorems``
does all three theorems; ``--certificates DIR`` writes the certificates that
``python verify.py recheck FILE`` re-verifies).
"""
from .claims import Box, Claim

BOX = Box(mu=(-1.0, 1.0), omega=(-0.1, 0.1), nu=(3.0, 16.0), tau=(0.8, 1.25))

CLAIMS = (
    Claim("T2 variance decreases", "Theorem 2", "variance_change", BOX, "<", 0.0,
          statement="nu~ < nu for nu in [3, 16]"),
)
