"""Theorem 1 (stable attracting fixed point), as claims.

For omega in [-0.1, 0.1], tau in [0.95, 1.1] and Omega = {mu in [-0.1, 0.1], nu in [0.8, 1.5]},
g maps Omega into itself and the spectral norm of its Jacobian is below 1 on Omega; by
Banach's fixed-point theorem g then has a unique, stable, attracting fixed point in Omega.
The paper publishes the image bounds mu~ in [-0.03106, 0.06773], nu~ in [0.80009, 1.48617].

How it is checked: :func:`snn_verify.proofs.rigorous.certify.certify_suite` runs the Arb branch and bound
of :mod:`snn_verify.proofs.rigorous.certify` on each claim of ``CLAIMS`` over every point of its box (``python verify.py theorems``
does all three theorems; ``--certificates DIR`` writes the certificates that
``python verify.py recheck FILE`` re-verifies).
"""
from .claims import Box, Claim

#: Omega x omega x tau
BOX = Box(mu=(-0.1, 0.1), omega=(-0.1, 0.1), nu=(0.8, 1.5), tau=(0.95, 1.1))

CLAIMS = (
    Claim("T1 contraction", "Theorem 1", "spectral_norm", BOX, "<", 1.0,
          statement="||d(mu~, nu~)/d(mu, nu)||_2 < 1 on Omega"),
    Claim("T1 mean above -0.1", "Theorem 1", "mean", BOX, ">", -0.1, published=-0.03106,
          statement="g maps Omega into itself: mu~ > -0.1"),
    Claim("T1 mean below 0.1", "Theorem 1", "mean", BOX, "<", 0.1, published=0.06773,
          statement="g maps Omega into itself: mu~ < 0.1"),
    Claim("T1 variance above 0.8", "Theorem 1", "variance", BOX, ">", 0.8, published=0.80009,
          statement="g maps Omega into itself: nu~ > 0.8"),
    Claim("T1 variance below 1.5", "Theorem 1", "variance", BOX, "<", 1.5, published=1.48617,
          statement="g maps Omega into itself: nu~ < 1.5"),
)
