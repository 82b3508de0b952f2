r"""Rigorous Gaussian expectations of pairs: ``E[f(u) g(v)]`` for jointly normal ``(u, v)``.

``(u, v)`` have variance ``Q`` each and correlation ``rho`` (``|rho| < 1``).  Conditioning on u,
``v | u ~ N(rho u, Q (1 - rho^2))``, so

.. math:: E[f(u) g(v)] = \int f(u)\, E[g(v) \mid u]\, \varphi_Q(u)\, du,

and for SELU the inner expectation is the closed form of the generated half-line integrals
(:mod:`snn_verify.theory._selu_generated`, ``blocks(m, s)`` at ``m = rho u``,
``s = sqrt(Q (1 - rho^2))``):

.. math:: E[\phi(v) \mid u] = \lambda (M_1 + \alpha (N_1 - N_0)),\qquad
          E[\phi'(v) \mid u] = \lambda (P_1 + \alpha N_1).

The outer integral is Arb's rigorous integration (python-flint ``acb.integral``, Petras'
Gauss-Legendre with error bounds from the integrand on complex ellipses), split at the kink
``u = 0`` (SELU is ``lambda u`` on one side and ``lambda alpha (e^u - 1)`` on the other, so the
integrand is entire on each piece), over ``[-T, T]`` with ``T = 12 sqrt(Q)``.  The tails
``|u| > T`` are bounded analytically and added as a ball ``[-t, t]``:

- ``|phi(x)| <= lambda (|x| + alpha)`` and ``|E[phi(v) | u]| <= lambda (|rho| |u| + s + alpha)``
  (``E|v| <= |m| + s``), so the tail of ``E[phi phi]`` is at most
  ``2 lambda^2 (|rho| I_2 + (s + alpha + alpha |rho|) I_1 + alpha (s + alpha) I_0)``;
- ``0 < phi' <= lambda max(1, alpha)``, so the tail of ``E[phi' phi']`` is at most
  ``2 lambda^2 max(1, alpha)^2 I_0``;

with ``I_0 = erfc(T / sqrt(2Q)) / 2``, ``I_1 = Q varphi_Q(T)``, ``I_2 = Q T varphi_Q(T) + Q I_0``
(``int_T^inf u^k varphi_Q(u) du``).  Other activations can reuse :func:`pair_expectation`
with their own conditional closed forms.

Example
-------
>>> from flint import arb, ctx
>>> with ctx.workprec(80):
...     lam, alpha = parameters()
...     phiphi, dphidphi = selu_pairs(arb(1), arb(0), lam, alpha)   # rho = 0: independent
...     print(abs(phiphi) < arb("1e-20"), dphidphi.str(12, radius=False), dphidphi.rad() < 1e-20)
True 0.970680352301 True
"""
from __future__ import annotations

import functools

from flint import acb, arb, ctx

from snn_verify.theory.numbers import NumberSystem

from .trusted import parameters  # noqa: F401  (doctest)

#: the integration range is [-T, T] with T = TAIL_SIGMAS * sqrt(Q)
TAIL_SIGMAS = 12


@functools.lru_cache(maxsize=None)
def _acb_blocks(prec):
    system = NumberSystem("acb", lambda x: acb(x).exp(), lambda x: acb(x).sqrt(),
                          lambda A, D, B: acb(A).exp() * acb(B).erfc(), acb.pi(), acb(1))
    return system.generated()["blocks"]


def _real(z):
    """The real ball of an acb result (the imaginary part of a real integral is noise)."""
    return z.real


def pair_expectation(integrand, Q, tail):
    """``int_{-T}^{T} integrand(u) varphi_Q(u) du + [-tail, tail]`` as a real ball.
    ``integrand(u, side)`` receives an acb ``u`` and ``side`` -1 on ``[-T, 0]``, +1 on ``[0, T]``
    and must be entire in u on each side."""
    T = TAIL_SIGMAS * Q.sqrt()
    norm = 1 / (2 * arb.pi() * Q).sqrt()
    Qc = acb(Q)

    def piece(side):
        def f(u, analytic):
            return integrand(u, side) * (-(u * u) / (2 * Qc)).exp()
        a, b = (-T, arb(0)) if side < 0 else (arb(0), T)
        return _real(acb.integral(f, a, b)) * norm

    total = piece(-1) + piece(1)
    return total + arb(0, tail.upper()) if tail is not None else total


def _tails(Q, rho, s, lam, alpha):
    T = TAIL_SIGMAS * Q.sqrt()
    density = (-(T * T) / (2 * Q)).exp() / (2 * arb.pi() * Q).sqrt()
    I0 = (T / (2 * Q).sqrt()).erfc() / 2
    I1 = Q * density
    I2 = Q * T * density + Q * I0
    r = abs(rho)
    lam2 = lam * lam
    phi = 2 * lam2 * (r * I2 + (s + alpha + alpha * r) * I1 + alpha * (s + alpha) * I0)
    top = arb.max(arb(1), alpha)
    dphi = 2 * lam2 * top * top * I0
    return phi, dphi


def selu_pairs(Q, rho, lam, alpha):
    """Balls ``(E[phi(u) phi(v)], E[phi'(u) phi'(v)])`` for SELU at (lambda, alpha), with
    ``(u, v)`` of variance ``Q`` and correlation ``rho`` (balls; ``|rho| < 1``)."""
    if not (Q > 0 and abs(rho) < 1):
        raise ArithmeticError("Q > 0 and |rho| < 1 not certified")
    blocks = _acb_blocks(ctx.prec)
    s = (Q * (1 - rho * rho)).sqrt()
    sc, rc, lc, ac = acb(s), acb(rho), acb(lam), acb(alpha)
    tail_phi, tail_dphi = _tails(Q, rho, s, lam, alpha)

    def phi_pair(u, side):
        P1, M1, _, N0, _, _, N1, _ = blocks(rc * u, sc)
        outer = lc * u if side > 0 else lc * ac * (u.exp() - 1)
        return outer * lc * (M1 + ac * (N1 - N0))

    def dphi_pair(u, side):
        P1, _, _, _, _, _, N1, _ = blocks(rc * u, sc)
        outer = lc if side > 0 else lc * ac * u.exp()
        return outer * lc * (P1 + ac * N1)

    return pair_expectation(phi_pair, Q, tail_phi), pair_expectation(dphi_pair, Q, tail_dphi)
