"""Theorem 3 (variance increases from below), as claims.

For mu in [-0.1, 0.1], omega in [-0.1, 0.1] and either nu in [0.02, 0.16] with tau in
[0.8, 1.25], or nu in [0.02, 0.24] with tau in [0.9, 1.25]: nu~ > nu.  A layer therefore
pushes small variances up (no vanishing activations), and no fixed point has its variance in
those ranges: the paper's variance floors 0.16 (tau >= 0.8) and 0.24 (tau >= 0.9), which
this theorem proves for variances down to 0.02.

How it is checked: :func:`snn_verify.proofs.rigorous.certify.certify_suite` runs the Arb branch and bound
of :mod:`snn_verify.proofs.rigorous.certify` on each claim of ``CLAIMS`` over every point of its box (``python verify.py theorems``
does all three theorems; ``--certificates DIR`` writes the certificates that
``python verify.py recheck FILE`` re-verifies).
"""
from .claims import Box, Claim

BOX_A = Box(mu=(-0.1, 0.1), omega=(-0.1, 0.1), nu=(0.02, 0.16), tau=(0.8, 1.25))
BOX_B = Box(mu=(-0.1, 0.1), omega=(-0.1, 0.1), nu=(0.02, 0.24), tau=(0.9, 1.25))

CLAIMS = (
    Claim("T3 variance increases (tau >= 0.8)", "Theorem 3", "variance_change", BOX_A, ">", 0.0,
          statement="nu~ > nu for nu in [0.02, 0.16], tau in [0.8, 1.25]; so no fixed point there",
          tags=("fixed-point variance floor 0.16",)),
    Claim("T3 variance increases (tau >= 0.9)", "Theorem 3", "variance_change", BOX_B, ">", 0.0,
          statement="nu~ > nu for nu in [0.02, 0.24], tau in [0.9, 1.25]; so no fixed point there",
          tags=("fixed-point variance floor 0.24",)),
)
