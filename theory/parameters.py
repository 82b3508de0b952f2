r"""SELU parameters: alpha01, lambda01 and (alpha, lambda) for any fixed point.

A fixed point ``(mu*, nu*)`` of the moment map at weights ``(omega, tau)`` asks that a unit
whose net input is ``z ~ Normal(mu* omega, nu* tau)`` output mean ``mu*`` and variance
``nu*``.  With the half-line integrals of :mod:`snn_verify.theory.symbolic` at ``m = mu* omega``,
``s^2 = nu* tau``

.. math::

   A_1 = M_1,\ B_1 = N_1 - N_0,\ A_2 = M_2,\ B_2 = N_2 - 2N_1 + N_0,

the two conditions are ``lambda (A1 + alpha B1) = mu*`` and
``lambda^2 (A2 + alpha^2 B2) = nu* + mu*^2 =: c``.  For ``mu* = 0`` the first is linear:
``alpha = -A1/B1``, then ``lambda = sqrt(c / (A2 + alpha^2 B2))`` (this is how alpha01 and
lambda01 come out in closed form).  For ``mu* != 0`` eliminating ``lambda`` leaves the
quadratic

.. math::

   (c B_1^2 - \mu^{*2} B_2)\,\alpha^2 + 2 c A_1 B_1\,\alpha + (c A_1^2 - \mu^{*2} A_2) = 0,

with ``lambda = mu* / (A1 + alpha B1)``; roots with ``alpha > 0`` and ``lambda > 0`` are
SELU parameters.  Every root is then polished by :func:`mpmath.findroot` (Newton) on the
original two equations, and its residual checked.

Example
-------
>>> a, l = alpha01_lambda01(20)
>>> mpmath.nstr(a, 10), mpmath.nstr(l, 10)
('1.673263242', '1.050700987')
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath

from .kernels import make_kernels
from .precision import evaluate, to_decimal, to_mpf
from snn_verify.errors import InputError


class NoFixedPointError(InputError):
    """No SELU parameters (alpha > 0, lambda > 0) give the requested fixed point: the
    question has no answer, so it is the input's fault (exit 2 on the command line)."""


def _blocks(m, s):
    """Half-line integrals (P1, M1, M2, N0, K1, K2, N1, N2) at the current mp precision."""
    return make_kernels("mpmath").generated["blocks"](m, s)


def _coefficients(mean, var, omega, tau):
    _, M1, M2, N0, _, _, N1, N2 = _blocks(mean * omega, mpmath.sqrt(var * tau))
    return M1, N1 - N0, M2, N2 - 2 * N1 + N0


def _alpha01_lambda01_here():
    A1, B1, A2, B2 = _coefficients(mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(0), mpmath.mpf(1))
    a = -A1 / B1
    return a, 1 / mpmath.sqrt(A2 + a * a * B2)


def alpha01_lambda01(digits=50):
    """(alpha01, lambda01) as mpf, correct to ``digits`` significant digits."""
    return tuple(evaluate(lambda: _alpha01_lambda01_here(), [], digits=digits))


def alpha01(digits=None):
    """alpha01 at the current mpmath precision (or to ``digits`` digits)."""
    return _alpha01_lambda01_here()[0] if digits is None else alpha01_lambda01(digits)[0]


def lambda01(digits=None):
    """lambda01 at the current mpmath precision (or to ``digits`` digits)."""
    return _alpha01_lambda01_here()[1] if digits is None else alpha01_lambda01(digits)[1]


with mpmath.workdps(40):
    _a, _l = _alpha01_lambda01_here()
    #: alpha01 as float64 (nearest double)
    ALPHA01 = float(_a)
    #: lambda01 as float64 (nearest double)
    LAMBDA01 = float(_l)
del _a, _l


def _residual(alpha, lambda_, mean, var, omega, tau):
    mom = make_kernels("mpmath").moments(mean, omega, var, tau, lambda_, alpha)
    return [mom[0] - mean, mom[1] - var]


def _candidates(mean, var, omega, tau):
    A1, B1, A2, B2 = _coefficients(mean, var, omega, tau)
    c = var + mean * mean
    if mean == 0:
        a = -A1 / B1
        return [(a, mpmath.sqrt(c / (A2 + a * a * B2)))]
    qa = c * B1 * B1 - mean * mean * B2
    qb = 2 * c * A1 * B1
    qc = c * A1 * A1 - mean * mean * A2
    if qa == 0:
        roots = [-qc / qb] if qb != 0 else []
    else:
        disc = qb * qb - 4 * qa * qc
        if disc < 0:
            return []
        root = mpmath.sqrt(disc)
        roots = [(-qb - root) / (2 * qa), (-qb + root) / (2 * qa)]
    out = []
    for a in roots:
        denom = A1 + a * B1
        if denom != 0:
            out.append((a, mean / denom))
    return out


def _solve_here(mean, var, omega, tau, tol):
    found = []
    for a0, l0 in _candidates(mean, var, omega, tau):
        if not (a0 > 0 and l0 > 0):
            continue
        try:
            a, l = mpmath.findroot(
                lambda a, l: _residual(a, l, mean, var, omega, tau), (a0, l0), tol=tol, maxsteps=50
            )
        except (ValueError, ZeroDivisionError) as exc:  # findroot: "could not find root"
            raise NoFixedPointError(f"Newton refinement did not converge from alpha={mpmath.nstr(a0, 8)}, "
                                    f"lambda={mpmath.nstr(l0, 8)}: {exc}") from None
        if max(abs(r) for r in _residual(a, l, mean, var, omega, tau)) > mpmath.sqrt(tol):
            raise NoFixedPointError("Newton refinement converged to a point with a large residual")
        found.append((a, l))
    found.sort(key=lambda p: abs(p[0] - alpha01()) + abs(p[1] - lambda01()))
    return found


def solve_parameters(mean=0, var=1, omega=0, tau=1, digits=50, all_solutions=False):
    """SELU ``(alpha, lambda)`` making ``(mean, var)`` a fixed point at ``(omega, tau)``.

    Returns the solution closest to (alpha01, lambda01) as a pair of mpf correct to
    ``digits`` digits, or with ``all_solutions=True`` the list of every solution with
    ``alpha > 0``, ``lambda > 0`` (at most two).  Raises :class:`NoFixedPointError` when
    there is none and ``ValueError`` for ``var <= 0`` or ``tau <= 0``.

    >>> a, l = solve_parameters(-0.1, 2, 1, 1, digits=15)   # the authors' notebook example
    >>> mpmath.nstr(a, 8), mpmath.nstr(l, 8)
    ('1.9769022', '1.0738512')
    """
    for name, v in (("var", var), ("tau", tau)):
        if not to_mpf(v) > 0:
            raise InputError(f"{name} must be > 0 (got {v})")

    def solve(mean_, var_, omega_, tau_):
        tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 5))
        return _solve_here(mean_, var_, omega_, tau_, tol)

    solutions = evaluate(solve, [mean, var, omega, tau], digits=digits)
    if not solutions:
        raise NoFixedPointError(
            f"no SELU parameters (alpha > 0, lambda > 0) make (mean={mean}, var={var}) a fixed "
            f"point at omega={omega}, tau={tau}"
        )
    return list(solutions) if all_solutions else solutions[0]


@dataclass(frozen=True)
class Parameters:
    """SELU parameters for a fixed point, as decimal strings (:func:`parameters`)."""

    alpha: str
    lambda_: str
    fixed_point: dict
    omega: str
    tau: str
    digits: int
    other_solutions: tuple = ()
    exit_code = 0

    def to_json(self):
        return {"alpha": self.alpha, "lambda": self.lambda_, "fixed_point": dict(self.fixed_point),
                "omega": self.omega, "tau": self.tau, "digits": self.digits,
                "other_solutions": [{"alpha": a, "lambda": lam} for a, lam in self.other_solutions]}

    def render(self):
        return f"alpha  = {self.alpha}\nlambda = {self.lambda_}" + "".join(
            f"\nalso: alpha = {a}, lambda = {lam}" for a, lam in self.other_solutions)


def parameters(mean=0, var=1, omega=0, tau=1, digits=50):
    """:func:`solve_parameters` (every solution) as :class:`Parameters` of decimal strings.

    >>> parameters(digits=8).alpha
    '1.6732632'
    """
    sols = [tuple(to_decimal(v, digits) for v in s)
            for s in solve_parameters(mean, var, omega, tau, digits=digits, all_solutions=True)]
    return Parameters(alpha=sols[0][0], lambda_=sols[0][1], fixed_point={"mean": mean, "var": var},
                      omega=omega, tau=tau, digits=digits, other_solutions=tuple(sols[1:]))
