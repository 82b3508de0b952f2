r"""The quantities over a box or at a point, by the checker's own evaluator.

The generated ``moments_d1`` functions of ``(m, s)`` (values and first partials, part of the
trusted base) run over :class:`.arithmetic.Dual` numbers.  Over a box, the rectangle of
``(m, s^2)`` it covers is bisected where wide (:func:`_rectangle`); on each piece each
output's value is met with its mean-value form, and mean's and var's AD gradients with the
generated partials; the results are lifted to ``(mu, omega, nu, tau)`` (``m = mu*omega``,
``s^2 = nu*tau``) and composed by Dual arithmetic: the Jacobian's entries

.. math:: J = \begin{pmatrix} \omega\,\partial_m\tilde\mu & \tau\,\partial_{s^2}\tilde\mu\\
                              \omega\,\partial_m\tilde\nu & \tau\,\partial_{s^2}\tilde\nu\end{pmatrix},

its spectral norm (:mod:`.norm`), and the alpha-dropout map of
:mod:`snn_verify.proofs.claims`.  A variance is met with ``[0, inf)``.

Leaves of ``mean`` and ``variance`` may live in ``(m, s2)``, those of ``variance_change`` in
``(m, nu, tau)`` (:data:`COORDINATES`).
"""
from __future__ import annotations

import contextlib

from flint import arb

from ...claims import DEFAULT_MODEL, VARIABLES, dropout_jacobian, dropout_map, dropout_scale
from .. import trusted
from ..trusted import interval_ball
from .arithmetic import Dual, endpoint_product, generated, meet, sqrt, union, value_of
from .norm import norm

#: the coordinates a certificate's leaves may live in, and the quantities each can carry:
#: every quantity is a function of ``m = mu*omega``, ``s^2 = nu*tau`` and (variance_change)
#: ``nu``, or (the Jacobian) ``omega`` and ``tau``
COORDINATES = {VARIABLES: ("mean", "variance", "variance_change", "spectral_norm"),
               ("m", "s2"): ("mean", "variance"),
               ("m", "nu", "tau"): ("mean", "variance", "variance_change")}


class BudgetExceeded(Exception):
    """The checker's work budget for one certificate is spent."""


class Budget:
    """A count of generated-function evaluations (the unit of the checker's work; one over a
    wide box costs its tiles) that may still be made: :meth:`spend` raises past it."""

    def __init__(self, evaluations):
        self.left = evaluations

    def spend(self):
        self.left -= 1
        if self.left < 0:
            raise BudgetExceeded


#: the budget that :func:`_outputs` spends from (None: unmetered), set by :func:`metered`
_METER = [None]


@contextlib.contextmanager
def metered(budget):
    """Count every evaluation of the generated functions inside the block against ``budget``."""
    _METER[0] = budget
    try:
        yield budget
    finally:
        _METER[0] = None


def _forms(m):
    m = value_of(m)
    return ("mneg",) if m < 0 else ("mpos",) if m >= 0 else ("mneg", "mpos")


def _outputs(name, m, s, lambda_, alpha):
    """The generated outputs ``name_<form>`` (both forms intersected where m has both signs)."""
    if _METER[0] is not None:
        _METER[0].spend()
    gen = generated()
    results = [gen[f"{name}_{form}"](m, s, lambda_, alpha) for form in _forms(m)]
    out = results[0]
    for r in results[1:]:
        out = tuple(meet(a, b) for a, b in zip(out, r))
    return out


#: a rectangle in (m, s^2) wider than this (relative to s^2, or |m| range relative to s) is
#: bisected, up to TILE_DEPTH times, before the generated functions run over it
TILE, TILE_DEPTH = 0.03, 6
#: in the outputs of ``moments_d1``: mean's and var's partials in m and s^2 are outputs too
_PARTIAL_OUTPUTS = {0: (2, 3), 1: (4, 5)}


def _rectangle(name, M, S2, params, depth=TILE_DEPTH):
    """The outputs ``name`` over the rectangle ``M x S2`` of (m, s^2), as Duals in (m, s^2):
    bisected where wide, each piece enclosed by its natural extension met with the mean-value
    form ``f(c) + f_m (M - c_m) + f_s2 (S2 - c_s2)``, the pieces united."""
    s_mid = S2.mid().sqrt()
    wide_s2, wide_m = S2.rad() > TILE * S2.mid(), M.rad() > TILE * s_mid
    if depth and (wide_s2 or wide_m):
        cut_s2 = wide_s2 and (not wide_m or S2.rad() / S2.mid() >= M.rad() / s_mid)
        x = S2 if cut_s2 else M
        mid = arb(x.mid())
        halves = [(M, h) if cut_s2 else (h, S2) for h in (x.lower().union(mid), mid.union(x.upper()))]
        a, b = (_rectangle(name, pm, ps, params, depth - 1) for pm, ps in halves)
        return tuple(union(x, y) for x, y in zip(a, b))
    lambda_, alpha = params
    natural = _outputs(name, Dual(M, (arb(1), arb(0))), sqrt(Dual(S2, (arb(0), arb(1)))), lambda_, alpha)
    if M.is_exact() and S2.is_exact():
        return natural
    cm, cs2 = arb(M.mid()), arb(S2.mid())
    centre = _outputs(name, cm, cs2.sqrt(), lambda_, alpha)
    dm, ds2 = M - cm, S2 - cs2
    out = [Dual(meet(f.v, c + f.d[0] * dm + f.d[1] * ds2), f.d) for f, c in zip(natural, centre)]
    for k, (i, j) in _PARTIAL_OUTPUTS.items():   # AD gradient met with the generated partials
        out[k] = Dual(out[k].v, (meet(out[k].d[0], out[i].v), meet(out[k].d[1], out[j].v)))
    return tuple(out)


def _lift(f, mu, omega, nu, tau):
    """A Dual in (m, s^2) as a Dual in (mu, omega, nu, tau): m = mu*omega, s^2 = nu*tau."""
    f_m, f_s2 = f.d
    p = endpoint_product
    return Dual(f.v, (p(f_m, omega.v), p(f_m, mu.v), p(f_s2, tau.v), p(f_s2, nu.v)))


def _scaled(x, f):
    """The Dual ``x*f``, its value the endpoint product (a sign known for both is kept)."""
    if not isinstance(x, Dual):
        return x * f
    return Dual(endpoint_product(x.v, f.v), tuple(x.v * b + f.v * a for a, b in zip(x.d, f.d)))


def _moment_outputs(name, variables, coordinates, params):
    """The generated outputs ``name`` at the variables (balls or Duals) of ``coordinates``,
    as functions of them: ``m = mu*omega`` or ``m``; ``s^2 = nu*tau`` or ``s2``."""
    if coordinates == ("m", "s2"):
        m, s2 = variables
        if isinstance(m, Dual):
            return _rectangle(name, m.v, s2.v, params)
        return _outputs(name, m, sqrt(s2), *params)
    if coordinates == ("m", "nu", "tau"):
        m, nu, tau = variables
        if isinstance(m, Dual):
            p = endpoint_product
            out = _rectangle(name, m.v, p(nu.v, tau.v), params)
            return [Dual(f.v, (f.d[0], p(f.d[1], tau.v), p(f.d[1], nu.v))) for f in out]
        return _outputs(name, m, sqrt(nu * tau), *params)
    mu, omega, nu, tau = variables
    if isinstance(mu, Dual):
        M, S2 = endpoint_product(mu.v, omega.v), endpoint_product(nu.v, tau.v)
        return [_lift(f, mu, omega, nu, tau) for f in _rectangle(name, M, S2, params)]
    return _outputs(name, mu * omega, sqrt(nu * tau), *params)


def jacobian_entries(variables, model=DEFAULT_MODEL):
    """The Jacobian's entries ``(j11, j12, j21, j22)`` of g (or g_q) at the variables
    (balls or Duals) of (mu, omega, nu, tau)."""
    lambda_, alpha, q = trusted.model_parameters(model)
    _, omega, _, tau = variables
    mean, _, mean_m, mean_s2, var_m, var_s2 = _moment_outputs("moments_d1", variables, VARIABLES, (lambda_, alpha))
    entries = (_scaled(omega, mean_m), _scaled(tau, mean_s2), _scaled(omega, var_m), _scaled(tau, var_s2))
    if q is not None:
        alpha_prime = -lambda_ * alpha
        entries = dropout_jacobian(entries, mean, q, alpha_prime, dropout_scale(q, alpha_prime, sqrt))
    return entries


def evaluate(quantity, variables, model=DEFAULT_MODEL, coordinates=VARIABLES):
    """Q at ``variables`` (of ``coordinates``, default (mu, omega, nu, tau)): balls give a
    ball; Duals (a box and the unit gradients) give Q's enclosure and gradient over the box.
    ``model``: alpha dropout after the layer and parameter intervals
    (:class:`snn_verify.proofs.claims.Model`)."""
    if quantity not in COORDINATES[tuple(coordinates)]:
        raise ValueError(f"{quantity} is not a function of {coordinates}")
    if quantity == "spectral_norm":
        return norm(*jacobian_entries(variables, model))
    lambda_, alpha, q = trusted.model_parameters(model)
    mean, var = _moment_outputs("moments_d1" if isinstance(variables[0], Dual) else "moments", variables,
                                tuple(coordinates), (lambda_, alpha))[:2]
    if q is not None:
        alpha_prime = -lambda_ * alpha
        mean, var = dropout_map(mean, nonnegative(var), q, alpha_prime, dropout_scale(q, alpha_prime, sqrt))
    if quantity == "mean":
        return mean
    var = nonnegative(var)
    return var if quantity == "variance" else var - variables[list(coordinates).index("nu")]


def nonnegative(var):
    """A variance is never negative: its enclosure met with [0, inf)."""
    v = value_of(var)
    if not v.is_finite() or v >= 0:
        return var
    clipped = arb(0).union(v.upper()) if not v < 0 else arb(0)
    return Dual(clipped, var.d) if isinstance(var, Dual) else clipped


def duals(box):
    n = len(box)
    return tuple(Dual(interval_ball(lo, hi), tuple(arb(int(i == k)) for k in range(n)))
                 for i, (lo, hi) in enumerate(box))


def quantity_dual(quantity, balls, model=DEFAULT_MODEL):
    """Q and its gradient over balls of (mu, omega, nu, tau), as a :class:`Dual`."""
    duals = tuple(Dual(x, tuple(arb(int(i == k)) for k in range(4))) for i, x in enumerate(balls))
    return evaluate(quantity, duals, model)


def point_value(quantity, point, model=DEFAULT_MODEL, coordinates=VARIABLES):
    return value_of(evaluate(quantity, point, model, coordinates))


