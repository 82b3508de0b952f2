r"""Mean-field maps of a wide SELU network with LeCun-type weights (float64 and mpmath).

The model (Poole et al. 2016, Schoenholz et al. 2017, written for the *activations*)
-----------------------------------------------------------------------------------
Rows ``w ~ N(0, s_w^2/n)``, biases ``b ~ N(0, s_b^2)``, inputs with mean ``mu`` and variance
``nu``.  Pooled over the units of a wide layer the net input is ``N(0, Q)`` with

.. math:: Q(q) = s_w^2 q + s_b^2,\qquad q = \mu^2 + \nu

(the second moment of the inputs), so the layer maps ``q`` to the **length map**

.. math:: F(q) = E[\phi(\sqrt{Q} Z)^2],\qquad Z \sim N(0, 1),\ \phi = \mathrm{selu}.

Closed forms.  With ``s = sqrt(Q)`` and the half-line integrals of
:mod:`snn_verify.theory.symbolic` at ``m = 0`` (``X = s Z``)

.. math::

   M_1 = E[X 1_{X>0}] = \frac{s}{\sqrt{2\pi}},\quad M_2 = E[X^2 1_{X>0}] = \frac{Q}{2},\quad
   N_0 = P(X<0) = \tfrac12,

   N_1 = E[e^{X} 1_{X<0}] = \tfrac12 e^{Q/2}\operatorname{erfc}(s/\sqrt2)
       = \tfrac12\operatorname{erfcx}(s/\sqrt2),\quad
   N_2 = E[e^{2X} 1_{X<0}] = \tfrac12\operatorname{erfcx}(\sqrt2 s),

and

.. math::

   F &= \lambda^2\big(M_2 + \alpha^2 (N_2 - 2N_1 + N_0)\big),\\
   E[\phi(X)] &= \lambda\big(M_1 + \alpha (N_1 - N_0)\big),\qquad
   E[\phi'(X)] = \lambda\big(\tfrac12 + \alpha N_1\big),\qquad
   E[\phi'(X)^2] = \lambda^2\big(\tfrac12 + \alpha^2 N_2\big).

Derivative.  ``d/dQ E[f(sqrt(Q) Z)] = E[f''(sqrt(Q) Z)] / 2`` (heat equation; Gaussian
integration by parts twice).  For ``f = phi^2``, ``f' = 2 phi phi'`` is continuous (``phi(0) =
0``), ``f'' = 2 lambda^2`` on ``x > 0`` and ``lambda^2 alpha^2 (4 e^{2x} - 2 e^x)`` on ``x < 0``:

.. math:: F'(q) = s_w^2 \lambda^2\big(\tfrac12 + \alpha^2 (2N_2 - N_1)\big).

Since ``2y^2 - y >= -1/8`` for every ``y``, ``F'(q) >= s_w^2 lambda^2 (1/2 - alpha^2/16) > 0``
for every ``q`` (F is increasing).

The ratio.  ``F(q)/q = (F/Q)(Q/q)`` with ``F/Q = lambda^2/2 + lambda^2 alpha^2 G(s)/s^2``,
``G(s) = E[(1 - e^{sZ})^2 1_{Z<0}]``; for ``Z = -t < 0``, ``(1 - e^{-st})/s = t h(st)`` with
``h(u) = (1 - e^{-u})/u`` strictly decreasing, and ``Q/q = s_w^2 + s_b^2/q`` is
non-increasing: **F(q)/q is strictly decreasing in q**, from ``lambda^2 (1 + alpha^2) s_w^2 / 2``
(``s_b = 0``) or infinity (``s_b > 0``) at 0 to ``lambda^2 s_w^2 / 2`` at infinity.
``(1 - e^x)^2 <= 1`` on ``x < 0`` gives ``F(q) <= lambda^2 (Q + alpha^2)/2``.

The correlation map.  Two inputs with second moment ``q*`` and ``E[x x'] = c q*``: their net
inputs ``(u, v)`` have variance ``Q*`` and correlation ``rho(c) = (s_w^2 q* c + s_b^2)/Q*``, and

.. math:: C(c) = E[\phi(u)\phi(v)] / q^*,\qquad
          C'(c) = s_w^2 E[\phi'(u)\phi'(v)]\ \text{(Price's theorem)}.

So ``chi_1 = C'(1) = s_w^2 E[phi'(sqrt(Q*) Z)^2]``; at ``s_b = 0`` and ``c = 0`` the two are
independent: ``C(0) = E[phi]^2/q*``, ``C'(0) = s_w^2 E[phi']^2``; and ``v = -u`` at ``c = -1``:

.. math:: C(-1) = -\lambda^2 \alpha\, Q^* e^{Q^*/2}\operatorname{erfc}(\sqrt{Q^*/2}) / q^*
          = -2\lambda^2\alpha Q^* N_1 / q^*.

Example
-------
>>> round(length_map(1.0), 12), round(length_map_derivative(1.0), 9), round(chi1(), 9)
(1.0, 0.782647883, 1.071574992)
>>> round(slope_at_zero(), 9), round(fixed_point(1.0, 0.05), 6)
(0.970680352, 1.163358)
"""
from __future__ import annotations

import math

import mpmath
import numpy as np

from .parameters import ALPHA01, LAMBDA01


def _erfcx(x):
    from scipy.special import erfcx

    return float(erfcx(x))


def _parts(Q, lam, alpha, mp=False):
    """``(F, dF/dQ, E[phi], E[phi'], E[phi'^2], N1)`` at net-input variance ``Q > 0``."""
    if mp:
        s = mpmath.sqrt(Q)
        N1 = mpmath.exp(Q / 2) * mpmath.erfc(s / mpmath.sqrt(2)) / 2
        N2 = mpmath.exp(2 * Q) * mpmath.erfc(mpmath.sqrt(2) * s) / 2
        M1 = s / mpmath.sqrt(2 * mpmath.pi)
        half = mpmath.mpf(1) / 2
    else:
        s = math.sqrt(Q)
        N1, N2 = _erfcx(s / math.sqrt(2)) / 2, _erfcx(math.sqrt(2) * s) / 2
        M1, half = s / math.sqrt(2 * math.pi), 0.5
    F = lam ** 2 * (Q / 2 + alpha ** 2 * (N2 - 2 * N1 + half))
    dF = lam ** 2 * (half + alpha ** 2 * (2 * N2 - N1))
    mean = lam * (M1 + alpha * (N1 - half))
    return F, dF, mean, lam * (half + alpha * N1), lam ** 2 * (half + alpha ** 2 * N2), N1


def length_map(q, sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, mp=False):
    """``F(q) = E[selu(sqrt(sw2 q + sb2) Z)^2]`` (float64, or mpmath at the current dps)."""
    return _parts(sw2 * q + sb2, lam, alpha, mp)[0]


def length_map_derivative(q, sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, mp=False):
    """``F'(q) = sw2 lambda^2 (1/2 + alpha^2 (2 N2 - N1))`` at ``Q = sw2 q + sb2``."""
    return sw2 * _parts(sw2 * q + sb2, lam, alpha, mp)[1]


def fixed_point(sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, digits=None):
    """The fixed point ``q*`` of F by Newton's method from ``q = 1``, kept positive (float64;
    with ``digits``, an mpmath number to that many digits).  Evidence only: the certified
    enclosure is :func:`snn_verify.proofs.rigorous.meanfield.certify_row`'s."""
    mp = digits is not None
    ctx = mpmath.workdps(digits + 10) if mp else _Null()
    with ctx:
        conv = mpmath.mpf if mp else float
        sw2, sb2, lam, alpha = (conv(v) for v in (sw2, sb2, lam, alpha))
        q = conv(1)
        for _ in range(100):
            F, dF = _parts(sw2 * q + sb2, lam, alpha, mp)[:2]
            step = (F - q) / (sw2 * dF - 1)
            if q - step <= 0:             # keep q > 0: a damped step toward 0 instead
                step = q * 3 / 4
            q -= step
            if abs(step) <= (mpmath.mpf(10) ** (-digits - 3) if mp else 1e-16) * abs(q):
                break
        return +q if mp else q


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def chi1(sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, q=None, mp=False):
    """``chi_1 = sw2 E[selu'(sqrt(Q*) Z)^2]`` at the fixed point (or at ``q``)."""
    q = fixed_point(sw2, sb2, lam, alpha) if q is None else q
    return sw2 * _parts(sw2 * q + sb2, lam, alpha, mp)[4]


def slope_at_zero(sw2=1.0, lam=LAMBDA01, alpha=ALPHA01, q=None, mp=False):
    """``C'(0) = sw2 E[selu'(sqrt(Q*) Z)]^2`` without biases (``s_b = 0``)."""
    q = fixed_point(sw2, 0.0, lam, alpha) if q is None else q
    return sw2 * _parts(sw2 * q, lam, alpha, mp)[3] ** 2


def pooled_mean(q, sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, mp=False):
    """``E[selu(sqrt(Q) Z)]``: the pooled mean of the layer's activations."""
    return _parts(sw2 * q + sb2, lam, alpha, mp)[2]


def correlation_at_minus_one(sw2=1.0, lam=LAMBDA01, alpha=ALPHA01, q=None):
    """``C(-1) = -2 lambda^2 alpha Q* N1(Q*) / q*`` without biases."""
    q = fixed_point(sw2, 0.0, lam, alpha) if q is None else q
    Q = sw2 * q
    return -2 * lam ** 2 * alpha * Q * _parts(Q, lam, alpha)[5] / q


def _conditional(m, s, lam, alpha):
    """``(E[selu(v)], E[selu'(v)])`` for ``v ~ N(m, s^2)``: with ``Phi`` the normal cdf,
    ``E[v 1_{v>0}] = m Phi(m/s) + s varphi(m/s)`` and
    ``E[e^v 1_{v<0}] = e^{m + s^2/2} Phi(-(m + s^2)/s) = erfcx((m + s^2)/(s sqrt 2)) e^{-m^2/(2s^2)}/2``."""
    from scipy.special import erfc

    r2 = math.sqrt(2)
    pos = erfc(-m / (s * r2)) / 2
    b = (m + s * s) / (s * r2)
    ev = (_erfcx(b) * math.exp(-m * m / (2 * s * s)) if b >= 0
          else math.exp(m + s * s / 2) * erfc(b)) / 2
    pdf = math.exp(-m * m / (2 * s * s)) / math.sqrt(2 * math.pi)
    mean = lam * (m * pos + s * pdf) + lam * alpha * (ev - (1 - pos))
    return mean, lam * pos + lam * alpha * ev


def correlation_pair(Q, rho, lam=LAMBDA01, alpha=ALPHA01):
    """``(E[selu(u) selu(v)], E[selu'(u) selu'(v)])`` for ``(u, v)`` of variance Q and correlation
    ``rho``: condition on u (:func:`_conditional`), integrate u by ``scipy.integrate.quad`` on
    each side of the kink (float64, about 1e-12; the certified version is
    :mod:`snn_verify.proofs.rigorous.gaussian`)."""
    from scipy.integrate import quad

    sq = math.sqrt(Q)
    if abs(rho) >= 1:  # degenerate: v = +-u, a 1-D expectation
        sign = 1.0 if rho > 0 else -1.0
        f = lambda t: _selu(sq * t, lam, alpha) * _selu(sign * sq * t, lam, alpha)  # noqa: E731
        g = lambda t: _dselu(sq * t, lam, alpha) * _dselu(sign * sq * t, lam, alpha)  # noqa: E731
    else:
        s = sq * math.sqrt(1 - rho * rho)
        f = lambda t: _selu(sq * t, lam, alpha) * _conditional(rho * sq * t, s, lam, alpha)[0]  # noqa: E731
        g = lambda t: _dselu(sq * t, lam, alpha) * _conditional(rho * sq * t, s, lam, alpha)[1]  # noqa: E731
    dens = lambda t: math.exp(-t * t / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    out = []
    for h in (f, g):
        out.append(sum(quad(lambda t: h(t) * dens(t), a, b, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
                       for a, b in ((-40, 0), (0, 40))))
    return tuple(out)


def _selu(x, lam, alpha):
    return lam * x if x > 0 else lam * alpha * math.expm1(x)


def _dselu(x, lam, alpha):
    return lam if x > 0 else lam * alpha * math.exp(x)


def correlation_map(c, sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, q=None):
    """``C(c) = E[selu(u) selu(v)] / q*`` with ``rho = (sw2 q* c + sb2)/Q*`` (float64, about
    1e-12, :func:`correlation_pair`)."""
    q = fixed_point(sw2, sb2, lam, alpha) if q is None else q
    Q = sw2 * q + sb2
    return correlation_pair(Q, (sw2 * q * c + sb2) / Q, lam, alpha)[0] / q


def correlation_slope(c, sw2=1.0, sb2=0.0, lam=LAMBDA01, alpha=ALPHA01, q=None):
    """``C'(c) = sw2 E[selu'(u) selu'(v)]`` (float64, :func:`correlation_pair`)."""
    q = fixed_point(sw2, sb2, lam, alpha) if q is None else q
    Q = sw2 * q + sb2
    return sw2 * correlation_pair(Q, (sw2 * q * c + sb2) / Q, lam, alpha)[1]


def montecarlo(q0=1.0, sw2=1.0, sb2=0.0, width=1024, depth=10, samples=4, seed=0):
    """Pooled second moment per layer of random wide SELU networks (evidence).

    Inputs: ``samples`` vectors of ``width`` entries, i.i.d. N(0, q0); each layer draws
    ``W ~ N(0, sw2/width)``, ``b ~ N(0, sb2)`` and applies SELU.  Returns an array of shape
    ``(depth,)``: the mean of ``x^2`` over units and samples after each layer.

    >>> qs = montecarlo(q0=3.0, width=256, depth=25)
    >>> bool(qs[0] > 2.0 and abs(qs[-1] - 1.0) < 0.05)
    True
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, math.sqrt(q0), size=(samples, width))
    out = []
    for _ in range(depth):
        W = rng.normal(0.0, math.sqrt(sw2 / width), size=(width, width))
        b = rng.normal(0.0, math.sqrt(sb2), size=width) if sb2 else 0.0
        z = x @ W.T + b
        x = LAMBDA01 * np.where(z > 0, z, ALPHA01 * np.expm1(np.minimum(z, 0)))
        out.append(float(np.mean(x * x)))
    return np.array(out)
