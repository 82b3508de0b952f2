"""The paper's theorems as claims, in paper order, each stated as the paper states it.

Every claim is "quantity Q over box B is < or > bound" (:class:`snn_verify.proofs.claims.Claim`);
the interval engine certifies them (``verify.py theorems``: Arb branch and bound of
:mod:`snn_verify.proofs.rigorous.certify` over every point of each box; ``--certificates DIR``
writes the certificates that ``verify.py recheck`` re-verifies), and the dense grids give
evidence on the same boxes.

**Theorem 1 (stable attracting fixed point).**  For omega in [-0.1, 0.1], tau in [0.95, 1.1]
and Omega = {mu in [-0.1, 0.1], nu in [0.8, 1.5]}, g maps Omega into itself and the spectral
norm of its Jacobian is below 1 on Omega; by Banach's fixed-point theorem g then has a
unique, stable, attracting fixed point in Omega.  The paper publishes the image bounds
mu~ in [-0.03106, 0.06773], nu~ in [0.80009, 1.48617].

**Theorem 2 (variance decreases from above).**  For mu in [-1, 1], omega in [-0.1, 0.1],
nu in [3, 16], tau in [0.8, 1.25]: nu~ < nu.  A layer pulls large variances down, which rules
out exploding activations.

**Theorem 3 (variance increases from below).**  For mu in [-0.1, 0.1], omega in [-0.1, 0.1]
and either nu in [0.02, 0.16] with tau in [0.8, 1.25], or nu in [0.02, 0.24] with tau in
[0.9, 1.25]: nu~ > nu.  A layer pushes small variances up (no vanishing activations), and no
fixed point has its variance in those ranges: the paper's variance floors 0.16 (tau >= 0.8)
and 0.24 (tau >= 0.9), proved here for variances down to 0.02.

Example
-------
>>> [c.name for c in theorem_claims() if c.theorem == "Theorem 2"]
['T2 variance decreases']
"""
from __future__ import annotations

from .claims import Box, Claim

#: Theorem 1: Omega x omega x tau
THEOREM1_BOX = Box(mu=(-0.1, 0.1), omega=(-0.1, 0.1), nu=(0.8, 1.5), tau=(0.95, 1.1))
THEOREM1 = (
    Claim("T1 contraction", "Theorem 1", "spectral_norm", THEOREM1_BOX, "<", 1.0,
          statement="||d(mu~, nu~)/d(mu, nu)||_2 < 1 on Omega"),
    Claim("T1 mean above -0.1", "Theorem 1", "mean", THEOREM1_BOX, ">", -0.1, published=-0.03106,
          statement="g maps Omega into itself: mu~ > -0.1"),
    Claim("T1 mean below 0.1", "Theorem 1", "mean", THEOREM1_BOX, "<", 0.1, published=0.06773,
          statement="g maps Omega into itself: mu~ < 0.1"),
    Claim("T1 variance above 0.8", "Theorem 1", "variance", THEOREM1_BOX, ">", 0.8, published=0.80009,
          statement="g maps Omega into itself: nu~ > 0.8"),
    Claim("T1 variance below 1.5", "Theorem 1", "variance", THEOREM1_BOX, "<", 1.5, published=1.48617,
          statement="g maps Omega into itself: nu~ < 1.5"),
)

#: Theorem 2's box
THEOREM2_BOX = Box(mu=(-1.0, 1.0), omega=(-0.1, 0.1), nu=(3.0, 16.0), tau=(0.8, 1.25))
THEOREM2 = (
    Claim("T2 variance decreases", "Theorem 2", "variance_change", THEOREM2_BOX, "<", 0.0,
          statement="nu~ < nu for nu in [3, 16]"),
)

#: Theorem 3's two boxes (tau >= 0.8, tau >= 0.9)
THEOREM3_BOXES = (Box(mu=(-0.1, 0.1), omega=(-0.1, 0.1), nu=(0.02, 0.16), tau=(0.8, 1.25)),
                  Box(mu=(-0.1, 0.1), omega=(-0.1, 0.1), nu=(0.02, 0.24), tau=(0.9, 1.25)))
THEOREM3 = (
    Claim("T3 variance increases (tau >= 0.8)", "Theorem 3", "variance_change", THEOREM3_BOXES[0], ">", 0.0,
          statement="nu~ > nu for nu in [0.02, 0.16], tau in [0.8, 1.25]; so no fixed point there",
          tags=("fixed-point variance floor 0.16",)),
    Claim("T3 variance increases (tau >= 0.9)", "Theorem 3", "variance_change", THEOREM3_BOXES[1], ">", 0.0,
          statement="nu~ > nu for nu in [0.02, 0.24], tau in [0.9, 1.25]; so no fixed point there",
          tags=("fixed-point variance floor 0.24",)),
)


def theorem_claims():
    """Every theorem claim, in paper order."""
    return THEOREM1 + THEOREM2 + THEOREM3


def by_name(name):
    """The theorem claim called ``name``."""
    for c in theorem_claims():
        if c.name == name:
            return c
    raise KeyError(name)
