r"""The quantity registry: every scalar the verifier evaluates, its name, its formula, and
which generated outputs it is computed from.  Every other module reads names, codes and
output positions from here.

The generated expressions (:mod:`snn_verify.theory._selu_generated`) work in
``m = mu*omega`` and ``s2 = s^2 = nu*tau`` and return, in this order,

- ``moments_<form>``: :data:`MOMENT_OUTPUTS` = (mean, var);
- ``moments_d1_<form>``: :data:`D1_OUTPUTS` = those and their partials in m and s2;
- ``moments_d2_<form>``: :data:`D2_OUTPUTS` = those and the second partials.

A quantity uses the moments alone, or the Jacobian

.. math::

   J = \frac{\partial(\tilde\mu, \tilde\nu)}{\partial(\mu, \nu)}
     = \begin{pmatrix} \omega\,\partial_m\tilde\mu & \tau\,\partial_{s^2}\tilde\mu \\
                       \omega\,\partial_m\tilde\nu & \tau\,\partial_{s^2}\tilde\nu \end{pmatrix}.

Example
-------
>>> [q.name for q in QUANTITIES if q.certifiable]
['mean', 'variance', 'variance_change', 'spectral_norm']
>>> code("dvar_dnu"), get("spectral_norm").uses
(7, 'jacobian')
"""
from __future__ import annotations

from dataclasses import dataclass

from snn_verify.errors import InputError

#: outputs of the generated ``moments_<form>`` functions
MOMENT_OUTPUTS = ("mean", "var")
#: outputs of ``moments_d1_<form>``: the moments and their first partials in m and s2
D1_OUTPUTS = MOMENT_OUTPUTS + ("mean_m", "mean_s2", "var_m", "var_s2")
#: outputs of ``moments_d2_<form>``: those and the second partials
D2_OUTPUTS = D1_OUTPUTS + ("mean_mm", "mean_ms2", "mean_s2s2", "var_mm", "var_ms2", "var_s2s2")
#: the entries of J in row order, as (output of D1_OUTPUTS, chain-rule factor variable)
JACOBIAN_ENTRIES = (("mean_m", "omega"), ("mean_s2", "tau"), ("var_m", "omega"), ("var_s2", "tau"))


@dataclass(frozen=True)
class Quantity:
    """One scalar function of ``(mu, omega, nu, tau)`` at given ``(lambda_, alpha)``.

    ``uses`` is ``"moments"`` (needs :data:`MOMENT_OUTPUTS`) or ``"jacobian"`` (needs
    :data:`D1_OUTPUTS`); ``certifiable`` quantities can be the subject of a claim."""

    name: str
    formula: str
    uses: str
    certifiable: bool


#: every quantity, in code order (a quantity's code is its position here); the moment
#: quantities come first, so ``code < N_MOMENT_QUANTITIES`` needs no Jacobian
QUANTITIES = (
    Quantity("mean", "mu~ = E[selu(z)]", "moments", True),
    Quantity("variance", "nu~ = Var[selu(z)]", "moments", True),
    Quantity("variance_change", "nu~ - nu", "moments", True),
    Quantity("spectral_norm", "||d(mu~, nu~)/d(mu, nu)||_2", "jacobian", True),
    Quantity("dmean_dmu", "d mu~ / d mu", "jacobian", False),
    Quantity("dmean_dnu", "d mu~ / d nu", "jacobian", False),
    Quantity("dvar_dmu", "d nu~ / d mu", "jacobian", False),
    Quantity("dvar_dnu", "d nu~ / d nu", "jacobian", False),
)
#: every name (what a grid evaluates)
NAMES = tuple(q.name for q in QUANTITIES)
#: the names a claim may use
CLAIM_QUANTITIES = tuple(q.name for q in QUANTITIES if q.certifiable)
#: how many leading codes need only the moments
N_MOMENT_QUANTITIES = sum(q.uses == "moments" for q in QUANTITIES)
#: code of the spectral norm; the codes after it are the Jacobian entries in row order
SPECTRAL_NORM = NAMES.index("spectral_norm")

assert all(q.uses == "moments" for q in QUANTITIES[:N_MOMENT_QUANTITIES])
assert NAMES[SPECTRAL_NORM + 1:] == ("dmean_dmu", "dmean_dnu", "dvar_dmu", "dvar_dnu")


def code(name):
    """The position of quantity ``name`` in :data:`QUANTITIES` (ValueError listing the known
    names otherwise)."""
    try:
        return NAMES.index(name)
    except ValueError:
        raise InputError(f"unknown quantity {name!r}; known: {', '.join(NAMES)}") from None


def get(name):
    """The :class:`Quantity` called ``name``."""
    return QUANTITIES[code(name)]
