r"""A rigorous enclosure of the fixed point of g for given (omega, tau): the Krawczyk operator.

With ``x = (mu, nu)`` and ``F(x) = g(x) - x`` (g at the given omega, tau), pick a centre
``c`` (a 40-digit Newton solution), ``Y`` close to ``F'(c)^{-1}`` and a box ``X = c + [-r, r]^2``.
The Krawczyk operator

.. math::

   K(X) = c - Y F(c) + \big(I - Y F'(X)\big)(X - c)

evaluated in Arb contains every zero of F in X; if ``K(X)`` lies in the interior of X,
F has exactly one zero in X (Krawczyk 1969, Moore 1977), and it lies in ``K(X)``.  ``F'(X)``
is the interval Jacobian ``J(X) - I`` over X, so the contraction rate comes with it: the
certified upper bound of ``||J||_2`` over the enclosure.  At omega = 0, tau = 1 the exact fixed
point is (0, 1) (that is how alpha01, lambda01 are defined), and the enclosure must contain it.

Example
-------
>>> fp = fixed_point("0", "1")
>>> fp["unique"], fp["width"] <= 1e-12, fp["contains_0_1"]
(True, True, True)
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import mpmath
from flint import arb

from snn_verify.errors import InputError

from .ball import at_working_precision, decimal_ball, interval_ball, lower_float, upper_float
from .ball import moment_enclosure
from .interval import ms_balls, spectral_norm_parts
from .trusted import model_parameters
from ..claims import Model, dropout_jacobian, dropout_map, dropout_scale

#: half-width of the box X around the Newton centre
RADIUS = 1e-14
#: digits of the Newton solution used as centre
CENTRE_DIGITS = 40


def _newton_centre(omega, tau, digits=CENTRE_DIGITS, dropout=""):
    """The fixed point of g (of g_q with alpha dropout at rate ``dropout``) to ``digits``
    digits by Newton's method on ``g(x) - x`` (mpmath)."""
    from snn_verify.theory.jacobian import point_mp
    from snn_verify.theory.parameters import alpha01, lambda01
    from snn_verify.theory.selu_map import DomainError

    x = [mpmath.mpf(0), mpmath.mpf(1)]
    with mpmath.workdps(digits + 10):
        for _ in range(60):
            try:
                p = point_mp(x[0], omega, x[1], tau, digits=digits + 5)
            except DomainError:
                raise InputError(f"no fixed point found at omega = {omega}, tau = {tau}: Newton's method from "
                                 f"(mu, nu) = (0, 1) left the domain (mu = {mpmath.nstr(x[0], 5)}, "
                                 f"nu = {mpmath.nstr(x[1], 5)}; nu must stay > 0)") from None
            (a, b), (c, d) = p["jacobian"]
            mean, var = p["mean"], p["variance"]
            if dropout:
                q, alpha_prime = 1 - mpmath.mpf(dropout), -lambda01() * alpha01()
                scale = dropout_scale(q, alpha_prime, mpmath.sqrt)
                a, b, c, d = dropout_jacobian((a, b, c, d), mean, q, alpha_prime, scale)
                mean, var = dropout_map(mean, var, q, alpha_prime, scale)
            f = [mean - x[0], var - x[1]]
            step = mpmath.lu_solve(mpmath.matrix([[a - 1, b], [c, d - 1]]), mpmath.matrix(f))
            x = [x[0] - step[0], x[1] - step[1]]
            if max(abs(step[0]), abs(step[1])) < mpmath.mpf(10) ** (-digits):
                break
    return [mpmath.nstr(v, digits + 5) for v in x]


def g_and_jacobian(mu, nu, omega, tau, dropout=""):
    """Balls ``(g(mu, nu), J)`` with ``J = d(mu~, nu~)/d(mu, nu)`` over balls of the four
    (of g_q with alpha dropout at rate ``dropout``, a decimal text)."""
    m, s2 = ms_balls((mu, omega, nu, tau))
    mean, var, mean_m, mean_s2, var_m, var_s2 = moment_enclosure(m, s2, 1)
    entries = (omega * mean_m, tau * mean_s2, omega * var_m, tau * var_s2)
    if dropout:
        lambda_, alpha, q = model_parameters(Model(dropout=dropout))
        alpha_prime = -lambda_ * alpha
        a = dropout_scale(q, alpha_prime, arb.sqrt)
        entries = dropout_jacobian(entries, mean, q, alpha_prime, a)
        mean, var = dropout_map(mean, var, q, alpha_prime, a)
    return (mean, var), (entries[:2], entries[2:])


def _krawczyk(centre, omega, tau, r, dropout=""):
    c = [decimal_ball(v) for v in centre]
    X = [interval_ball(lower_float(v - r), upper_float(v + r)) for v in c]
    gc, Jc = g_and_jacobian(c[0], c[1], omega, tau, dropout)
    Fc = [gc[0] - c[0], gc[1] - c[1]]
    # Y ~ (J(c) - I)^{-1}, from midpoints (any matrix works; a good one makes K small)
    a, b = (float((Jc[0][0] - 1).mid()), float(Jc[0][1].mid()))
    cc, d = (float(Jc[1][0].mid()), float((Jc[1][1] - 1).mid()))
    det = a * d - b * cc
    Y = [[arb(d / det), arb(-b / det)], [arb(-cc / det), arb(a / det)]]
    _, JX = g_and_jacobian(X[0], X[1], omega, tau, dropout)
    FX = [[JX[0][0] - 1, JX[0][1]], [JX[1][0], JX[1][1] - 1]]
    dev = [X[i] - c[i] for i in range(2)]
    K = []
    for i in range(2):
        yf = Y[i][0] * Fc[0] + Y[i][1] * Fc[1]
        row = [(1 if i == j else 0) - (Y[i][0] * FX[0][j] + Y[i][1] * FX[1][j]) for j in range(2)]
        K.append(c[i] - yf + row[0] * dev[0] + row[1] * dev[1])
    return X, K


@dataclass(frozen=True)
class FixedPoint:
    """A Krawczyk enclosure of g's fixed point (see :func:`fixed_point`); item access
    (``fp["unique"]``) reads the JSON fields."""

    omega: str
    tau: str
    mu: list
    nu: list
    mu_ball: str
    nu_ball: str
    width: float
    unique: bool
    contraction: float
    jacobian: list
    contains_0_1: bool
    centre: list

    def to_json(self):
        return asdict(self)

    def __getitem__(self, key):
        return getattr(self, key)

    exit_code = 0

    def render(self):
        return "\n".join([f"mu in {self.mu_ball}", f"nu in {self.nu_ball}", f"unique in the box: {self.unique}",
                          f"||J||_2 <= {self.contraction!r} (contraction rate)"])


@at_working_precision
def fixed_point(omega="0", tau="1", radius=RADIUS, dropout=""):
    """Enclosure of the fixed point of g in (mu, nu) at the given omega, tau (decimal strings).

    Returns a :class:`FixedPoint`: ``mu``, ``nu`` = ``[lo, hi]`` (floats rounded outward),
    ``mu_ball``, ``nu_ball`` (the Arb balls, 25 digits), ``width`` (of the balls), ``unique``
    (K(X) inside X), ``contraction`` (upper bound of ||J||_2 over the enclosure),
    ``jacobian``, ``contains_0_1``, ``centre`` (the Newton solution).  ``dropout``: the rate
    of alpha dropout after the layer (the fixed point of g_q; decimal text).
    """
    om, ta = decimal_ball(omega), decimal_ball(tau)
    centre = _newton_centre(omega, tau, dropout=dropout)
    X, K = _krawczyk(centre, om, ta, radius, dropout)
    unique = all(X[i].contains_interior(K[i]) for i in range(2))
    enclosure = [K[i].intersection(X[i]) if K[i].overlaps(X[i]) else K[i] for i in range(2)]
    _, J = g_and_jacobian(enclosure[0], enclosure[1], om, ta, dropout)
    norm = spectral_norm_parts(J[0][0], J[0][1], J[1][0], J[1][1])[0]
    bounds = [(lower_float(e), upper_float(e)) for e in enclosure]
    return FixedPoint(
        omega=str(omega), tau=str(tau),
        mu=list(bounds[0]), nu=list(bounds[1]),
        mu_ball=enclosure[0].str(25, radius=True), nu_ball=enclosure[1].str(25, radius=True),
        width=max(upper_float(2 * e.rad()) for e in enclosure),
        unique=bool(unique),
        contraction=upper_float(norm),
        jacobian=[[str(v) for v in row] for row in J],
        contains_0_1=bool(enclosure[0].contains(0) and enclosure[1].contains(1)),
        centre=centre,
    )
