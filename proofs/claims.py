"""The paper's theorems as data: one :class:`Claim` per inequality to be checked.

A claim is "quantity Q over box B is < or > bound".  Quantities (functions of
``(mu, omega, nu, tau)`` at lambda01, alpha01):

- ``mean``: mu~;  ``variance``: nu~;  ``variance_change``: nu~ - nu;
- ``spectral_norm``: the largest singular value of d(mu~, nu~)/d(mu, nu).

Boxes list closed intervals in the order (mu, omega, nu, tau).  ``published`` is the
extreme value the paper reports for the quantity over the box, where it reports one.
The claims themselves live in one file per theorem (``proofs/theorem1.py``, ``theorem2.py``,
``theorem3.py``); both the interval engine (certification) and the dense grids (evidence)
read them through :func:`theorem_claims`.

Example
-------
>>> [c.name for c in theorem_claims() if c.theorem == "Theorem 2"]
['T2 variance decreases']
"""
from __future__ import annotations

from dataclasses import dataclass, field

QUANTITIES = ("mean", "variance", "variance_change", "spectral_norm")
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


def theorem_claims():
    """Every theorem claim, in paper order (read from proofs/theorem1.py, 2, 3)."""
    from . import theorem1, theorem2, theorem3

    return theorem1.CLAIMS + theorem2.CLAIMS + theorem3.CLAIMS


def by_name(name):
    """The theorem claim called ``name``."""
    for c in theorem_claims():
        if c.name == name:
            return c
    raise KeyError(name)
