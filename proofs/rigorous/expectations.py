r"""Rigorous one-variable Gaussian expectations of any registered activation.

For ``z ~ N(m, s^2)`` with ``m`` and ``s^2`` Arb balls (one integral encloses every
``(m, s^2)`` of the balls) this module encloses

.. math:: E[h(z)] = \int_L^R h(z)\, \frac{e^{-(z - m)^2 / (2 s^2)}}{\sqrt{2 \pi s^2}}\, dz
          \;+\; \text{tail},\qquad h \in \{\phi,\ \phi^2,\ \phi'^2,\ \dots\}

- **the body** by Arb's rigorous integration (python-flint ``acb.integral``) in the variable
  ``z``, so that the kinks of ``phi`` (:mod:`snn_verify.theory.activation_registry`) are fixed
  points at which ``[L, R]`` is split: on each piece the integrand is one analytic branch
  (the piece index is passed to the activation, never decided from a complex ball);
  ``L = m_lo - T s_hi``, ``R = m_hi + T s_hi`` with ``T =`` :data:`TAIL_SIGMAS`;
- **the tails** ``z`` outside ``[L, R]``: every ``(m, s)`` of the balls has
  ``|z - m| >= T s`` there, and ``|h(z)| <= (A + B |t|)^k`` with ``t = (z - m)/s``,
  ``A = a + b |m|``, ``B = b s`` from the activation's growth bound ``|phi| <= a + b|x|``
  (``k = 1`` for ``phi``, ``k = 2`` for squares and products), so the tail is at most
  ``A^k J_0 + k A^{k-1} B J_1 + [k = 2] B^2 J_2`` with the two-sided standard normal tail
  moments ``J_0 = erfc(T/sqrt 2)``, ``J_1 = 2 varphi(T)``, ``J_2 = 2 T varphi(T) + J_0``;
  it is added as the ball ``[-tail, tail]``;
- **boxes**: :func:`moments_box` bisects an ``(m, s^2)`` box until each piece's enclosure is
  narrower than a requested width (or a depth limit), and returns the union;
- **the standard form** :func:`integrate_t` (``z = m + s t``, ``t ~ N(0, 1)``) is the one for
  boxes: the density does not depend on the parameters, the kink moves to the ball
  ``t = (k - m)/s`` and its strip is enclosed by the mean-value bound of both pieces; weights
  ``He_j(t)`` give the derivatives in m and s^2 (Gaussian integration by parts), with tails
  from :func:`_poly_tail` (``E[|t|^j; |t| > T]`` for ``j <= 4`` and more).

Precision: the caller's python-flint ``ctx.prec``.  With ``T = 16`` the tail factor
``e^{-T^2/2}`` is ``2^{-185}``: enough for 128-bit work (the tail shows in the width when
the growth constants are large).

Example
-------
>>> from flint import arb, ctx
>>> with ctx.workprec(128):
...     e = expectations("relu", arb(0), arb(1))
...     print(e.mean.str(20, radius=False), e.mean.rad() < 1e-30)   # 1/sqrt(2 pi)
0.39894228040143267794 True
"""
from __future__ import annotations

from dataclasses import dataclass

from flint import acb, arb, ctx

from snn_verify.theory.activation_registry import get as get_activation, get_primitives

#: the integration range is [m_lo - T s_hi, m_hi + T s_hi]
TAIL_SIGMAS = 16


def _ball(v):
    return v if isinstance(v, arb) else arb(str(v))


def growth(act, params):
    """Arb balls ``(a, b), (a', b')`` of ``act``'s growth bounds at ``params`` (arb)."""
    g, dg = act.growth_of(**params)
    return tuple(_ball(v) for v in g), tuple(_ball(v) for v in dg)


def _tail_moments(T):
    T = arb(T)
    density = (-(T * T) / 2).exp() / (2 * arb.pi()).sqrt()
    J0 = (T / arb(2).sqrt()).erfc()
    return J0, 2 * density, 2 * T * density + J0


def tail_bound(grow, m, s, k, T=TAIL_SIGMAS):
    """Upper bound (arb) of ``E[|h(z)|; |z - m| > T s]`` for ``|h| <= (a + b|z|)^k``."""
    a, b = grow
    J0, J1, J2 = _tail_moments(T)
    A = a + b * abs(m).upper()
    B = b * s.upper()
    if k == 1:
        return (A * J0 + B * J1).upper()
    return (A * A * J0 + 2 * A * B * J1 + B * B * J2).upper()


def _tail_moments_upto(T, jmax):
    T = arb(T)
    density = (-(T * T) / 2).exp() / (2 * arb.pi()).sqrt()
    J = [(T / arb(2).sqrt()).erfc(), 2 * density]
    for j in range(2, jmax + 1):
        J.append(2 * T ** (j - 1) * density + (j - 1) * J[j - 2])
    return J


def _poly_tail(coeffs, T=TAIL_SIGMAS):
    """Upper bound of ``E[sum_j c_j |t|^j; |t| > T]`` (``c_j >= 0``)."""
    J = _tail_moments_upto(T, len(coeffs) - 1)
    return sum((c * J[j] for j, c in enumerate(coeffs)), arb(0)).upper()


def _mul(p, q):
    out = [arb(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


def _real(z):
    return z.real


def integrate(h, kinks, m, s2, tail, T=TAIL_SIGMAS, rel_tol=None, abs_tol=None):
    """``int_L^R h(z, piece) N(z; m, s2) dz + [-tail, tail]`` (module docstring); ``h``
    receives an acb ``z`` and the piece index (kinks below ``z``)."""
    s = s2.sqrt()
    lo = (m - T * s).lower()
    hi = (m + T * s).upper()
    L, R = arb(lo), arb(hi)
    mc, twos2 = acb(m), acb(2 * s2)
    norm = 1 / (2 * arb.pi() * s2).sqrt()
    edges = [L] + [arb(k) for k in kinks if lo < k < hi] + [R]
    first = sum(1 for k in kinks if k <= lo)
    kw = {}
    if rel_tol is not None:
        kw["rel_tol"] = rel_tol
    if abs_tol is not None:
        kw["abs_tol"] = abs_tol
    total = arb(0)
    for i in range(len(edges) - 1):
        piece = first + i

        def f(z, analytic, piece=piece):
            d = z - mc
            return h(z, piece) * (-(d * d) / twos2).exp()

        total += _real(acb.integral(f, edges[i], edges[i + 1], **kw))
    return total * norm + arb(0, tail)


def integrate_t(h, kinks, m, s, tail, T=TAIL_SIGMAS, rel_tol=None, abs_tol=None):
    """``E[h(m + s t, piece, t)]`` for ``t ~ N(0, 1)`` over ``[-T, T]`` plus ``[-tail, tail]``,
    with ``m``, ``s`` balls: the standard form for boxes (the density does not depend on the
    parameters, so a box costs only the variation of ``h``).  A kink ``k`` sits at
    ``t = (k - m)/s``, a ball ``[t_lo, t_hi]`` over the box: left of ``t_lo`` the piece is the
    lower one for every parameter, right of ``t_hi`` the upper one, and on the strip
    ``[t_lo, t_hi]`` the integral lies in ``(t_hi - t_lo) * hull(h_lower, h_upper) * varphi``
    (``h`` evaluated on the strip as a real ball, both pieces)."""
    mc, sc = acb(m), acb(s)
    norm = 1 / (2 * arb.pi()).sqrt()
    kw = {}
    if rel_tol is not None:
        kw["rel_tol"] = rel_tol
    if abs_tol is not None:
        kw["abs_tol"] = abs_tol
    strips = []
    for k in kinks:
        tk = (arb(k) - m) / s
        strips.append((tk.lower(), tk.upper()))
    T = arb(T)
    edges, total = [], arb(0)
    lo = -T
    piece = 0
    for (a, b) in strips:
        a, b = arb(a), arb(b)
        if b <= -T:
            piece += 1
            continue
        if a >= T:
            break
        a = arb.max(a, -T)
        b = arb.min(b, T)
        if a > lo:
            edges.append((lo, a, piece))
        # the strip: both pieces, mean-value enclosure
        tt = a.union(b)
        z = mc + sc * acb(tt)
        vals = h(z, piece, acb(tt)).real.union(h(z, piece + 1, acb(tt)).real)
        dens = (-(tt * tt) / 2).exp()
        total += (b - a) * vals * dens
        lo, piece = b, piece + 1
    if lo < T:
        edges.append((lo, T, piece))
    for a, b, p in edges:
        def f(t, analytic, p=p):
            return h(mc + sc * t, p, t) * (-(t * t) / 2).exp()

        total += _real(acb.integral(f, a, b, **kw))
    return total * norm + arb(0, tail)


@dataclass(frozen=True)
class Expectations:
    """Balls of ``E[phi(z)]``, ``E[phi(z)^2]``, ``E[phi'(z)^2]`` for ``z ~ N(m, s2)``."""

    mean: arb
    second: arb
    dsecond: arb

    @property
    def variance(self):
        return self.second - self.mean * self.mean


def expectations(name, m, s2, params=None, which=("mean", "second", "dsecond")):
    """:class:`Expectations` of activation ``name`` at balls ``m``, ``s2`` (``s2 > 0``) at the
    current precision; ``params``: the family's parameters as balls (defaults otherwise);
    ``which``: the ones to compute (the others are left as ``nan`` balls)."""
    act = get_activation(name)
    P = get_primitives("arb")
    m, s2 = _ball(m), _ball(s2)
    if not s2 > 0:
        raise ArithmeticError("s^2 > 0 not certified")
    vals = {k: (acb(v) if isinstance(v, arb) else v) for k, v in (params or {}).items()}
    ballparams = {k: v for k, v in act.param_values(P, **vals).items()}
    g, dg = growth(act, {k: v.real for k, v in ballparams.items()})
    s = s2.sqrt()
    out = {}
    for key in ("mean", "second", "dsecond"):
        if key not in which:
            out[key] = arb("nan")
            continue
        if key == "mean":
            h, grow, k = (lambda z, p: act.value(P, z, p, **vals)), g, 1
        elif key == "second":
            h, grow, k = (lambda z, p: act.value(P, z, p, **vals) ** 2), g, 2
        else:
            h, grow, k = (lambda z, p: act.derivative(P, z, p, **vals) ** 2), dg, 2
        out[key] = integrate(h, act.kinks, m, s2, tail_bound(grow, m, s, k))
    return Expectations(out["mean"], out["second"], out["dsecond"])


def moments_box(name, m, s2, params=None, width=1e-6, depth=12, which=("mean", "second", "dsecond")):
    """:class:`Expectations` whose balls contain the values at every ``(m, s2)`` of the box
    ``m x s2`` (balls): one integral with ball parameters, bisected (the wider of the two
    sides, relative to its own width) while an enclosure is wider than ``width``, at most
    ``depth`` times along a branch.  Returns the union over the leaves."""
    m, s2 = _ball(m), _ball(s2)
    e = expectations(name, m, s2, params, which)
    widest = max(float(2 * getattr(e, k).rad()) for k in which)
    if widest <= width or depth <= 0:
        return e
    if float(m.rad()) >= float(s2.rad()):
        halves = [(arb(v), s2) for v in _halves(m)]
    else:
        halves = [(m, arb(v)) for v in _halves(s2)]
    parts = [moments_box(name, a, b, params, width, depth - 1, which) for a, b in halves]
    return Expectations(*(getattr(parts[0], k).union(getattr(parts[1], k)) if k in which else arb("nan")
                          for k in ("mean", "second", "dsecond")))


def _halves(x):
    lo, mid, hi = x.lower(), x.mid(), x.upper()
    return [arb(lo).union(arb(mid)), arb(mid).union(arb(hi))]


def precision_bits():
    """The current python-flint precision (bits)."""
    return ctx.prec
