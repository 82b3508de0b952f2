"""The paper's theorems as data: one :class:`Claim` per inequality to be checked.

A claim is "quantity Q over box B is < or > bound".  Quantities (functions of
``(mu, omega, nu, tau)`` at lambda01, alpha01):

- ``mean``: mu~;  ``variance``: nu~;  ``variance_change``: nu~ - nu;
- ``spectral_norm``: the largest singular value of d(mu~, nu~)/d(mu, nu).

Boxes list closed intervals in the order (mu, omega, nu, tau).  ``published`` is the
extreme value the paper reports for the quantity over the box, where it reports one.
This module is the data model only (it imports no theorem): the claims themselves live in
one file per theorem (``proofs/theorem1.py``, ``theorem2.py``, ``theorem3.py``), gathered by
:mod:`snn_verify.proofs.theorems`; both the interval engine (certification) and the dense
grids (evidence) read them from there.  The quantities are :mod:`snn_verify.theory.quantities`'
certifiable ones.

Example
-------
>>> Claim("demo", "-", "variance", Box((0, 0), (0, 0), (1, 1), (1, 1)), ">", 0.5).extremum
'min'
"""
from __future__ import annotations

from dataclasses import dataclass, field

from snn_verify.theory.quantities import CLAIM_QUANTITIES as QUANTITIES

VARIABLES = ("mu", "omega", "nu", "tau")


@dataclass(frozen=True)
class Box:
    """A closed box in (mu, omega, nu, tau)."""

    mu: tuple
    omega: tuple
    nu: tuple
    tau: tuple

    def __post_init__(self):
        for name in VARIABLES:
            lo, hi = getattr(self, name)
            if not lo <= hi:
                raise ValueError(f"{name}: reversed interval [{lo}, {hi}]")
        if self.nu[0] <= 0 or self.tau[0] <= 0:
            raise ValueError("nu and tau must be > 0 on the whole box")

    def intervals(self):
        """``[(lo, hi)] * 4`` in the order of :data:`VARIABLES`."""
        return [tuple(getattr(self, n)) for n in VARIABLES]

    def as_dict(self):
        return {n: list(getattr(self, n)) for n in VARIABLES}


@dataclass(frozen=True)
class Claim:
    """``quantity`` over ``box`` is ``relation`` (``"<"`` or ``">"``) ``bound``."""

    name: str
    theorem: str
    quantity: str
    box: Box
    relation: str
    bound: float
    published: float | None = None
    statement: str = ""
    tags: tuple = field(default_factory=tuple)

    def __post_init__(self):
        if self.quantity not in QUANTITIES:
            raise ValueError(f"unknown quantity {self.quantity!r}")
        if self.relation not in ("<", ">"):
            raise ValueError(f"relation must be '<' or '>' (got {self.relation!r})")

    @property
    def extremum(self):
        """Which extreme decides the claim: ``"max"`` for ``<``, ``"min"`` for ``>``."""
        return "max" if self.relation == "<" else "min"
