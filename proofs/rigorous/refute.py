r"""The refutation effort: candidate points where a claim is most likely to break.

A false claim is REFUTED only by a point whose 50-digit mpmath value breaks the bound
(:func:`snn_verify.proofs.rigorous.certify.confirm_violation`); this module only *proposes*
points, so nothing here is trusted.  Candidates are

- the box's 16 corners and its centre (extremes of these quantities sit on corners often:
  the issue's example ``variance > 5.71e-7`` breaks only at a corner);
- local maxima of ``sense*Q`` found by L-BFGS-B (scipy, float64 kernels of
  :mod:`snn_verify.theory.kernels`, coordinates scaled to the unit cube, nu on a log scale)
  started from the best of those and from the points the branch and bound found.

Every candidate is written as decimal strings lying exactly (checked with rationals) inside
the claim's decimal box (:func:`clamp_point`): the search coordinates are floats, and a float
computed from the box's ends (the centre of ``[1.1, 1.1]`` is the double
1.100000000000000088...) may lie just outside it.

Example
-------
>>> decimals = (("-0.1", "0.1"), ("-0.1", "0.1"), ("0.8", "1.5"), ("0.95", "1.1"))
>>> best = candidates("mean", 1, decimals)[0]
>>> best
('-0.1', '-0.1', '1.5', '1.1')
"""
from __future__ import annotations

import itertools
import math
from decimal import Decimal
from fractions import Fraction

#: local optimisations per call
STARTS = 4
#: L-BFGS-B iterations per start
ITERATIONS = 60


def float_value(quantity, point, params=None):
    """Q at a point of floats, by the float64 kernels (nan outside the domain).  ``quantity``
    may be a :func:`snn_verify.proofs.claims.spec` string (alpha dropout; parameter
    intervals at their lower ends)."""
    from snn_verify.theory.kernels import make_kernels
    from snn_verify.theory.parameters import ALPHA01, LAMBDA01

    from ..claims import dropout_jacobian, dropout_map, dropout_scale, parse_spec, reference_parameters

    k = make_kernels("python")
    quantity, model = parse_spec(quantity)
    lam, alp = reference_parameters(model)
    lambda_, alpha = params or (float(lam) if lam else LAMBDA01, float(alp) if alp else ALPHA01)
    mu, omega, nu, tau = point
    if not (nu > 0 and tau > 0):
        return math.nan
    try:
        mean, var, *J = k.jacobian(mu, omega, nu, tau, lambda_, alpha)
        if model.dropout:
            q = 1.0 - float(model.dropout)
            alpha_prime = -lambda_ * alpha
            a = dropout_scale(q, alpha_prime, math.sqrt)
            J = dropout_jacobian(J, mean, q, alpha_prime, a)
            mean, var = dropout_map(mean, var, q, alpha_prime, a)
        if quantity == "spectral_norm":
            return float(k.spectral_norm(*J))
    except (ValueError, ArithmeticError, OverflowError):
        return math.nan
    return float({"mean": mean, "variance": var, "variance_change": var - nu}[quantity])


def clamp_coordinate(x, lo, hi):
    """``x`` (a float or a decimal string) as a decimal string inside ``[lo, hi]`` (decimal
    strings), compared exactly with rationals: an end is returned as its own text, any
    other value as its exact decimal expansion.  ``None`` when ``x`` is not a finite number."""
    try:
        q = Fraction(x) if isinstance(x, (int, float)) else Fraction(str(x).strip())
    except (ValueError, OverflowError, ZeroDivisionError):   # nan, inf, not a decimal
        return None
    if q <= Fraction(lo):
        return lo
    if q >= Fraction(hi):
        return hi
    return str(Decimal(x)) if isinstance(x, float) else str(x).strip()


def clamp_point(point, decimals):
    """A point (floats or decimal strings) as decimal strings inside the decimal box
    ``decimals`` (:func:`clamp_coordinate` per coordinate); ``None`` if a coordinate is not a
    finite number."""
    out = tuple(clamp_coordinate(x, lo, hi) for x, (lo, hi) in zip(point, decimals))
    return None if None in out or len(out) != len(decimals) else out


def _scales(decimals):
    """Per coordinate (lo, hi, log): nu is searched on a log scale when its range is wide."""
    out = []
    for i, (lo, hi) in enumerate(decimals):
        flo, fhi = float(lo), float(hi)
        out.append((flo, fhi, i == 2 and flo > 0 and fhi > 4 * flo))
    return out


def _unit_to_point(u, scales):
    out = []
    for t, (lo, hi, log) in zip(u, scales):
        t = min(max(float(t), 0.0), 1.0)   # a Python float: numpy scalars warn on overflow
        out.append(math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo))) if log else lo + t * (hi - lo))
    return out


def _point_to_unit(p, scales):
    out = []
    for x, (lo, hi, log) in zip(p, scales):
        if hi == lo:
            out.append(0.5)
        elif log:
            out.append((math.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo)))
        else:
            out.append((x - lo) / (hi - lo))
    return out


def local_maximum(quantity, sense, decimals, start, params=None):
    """A local maximum of ``sense*Q`` over the box by L-BFGS-B from ``start`` (floats).

    Points outside the kernels' range score ``1e300``; the finite differences of such values
    overflow in numpy, which is expected here and not reported (``np.errstate``, for this
    call only)."""
    import numpy as np
    from scipy.optimize import minimize

    scales = _scales(decimals)

    def objective(u):
        v = float_value(quantity, _unit_to_point(u, scales), params)
        return -sense * v if math.isfinite(v) else 1e300

    u0 = [min(max(t, 0.0), 1.0) for t in _point_to_unit(start, scales)]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        res = minimize(objective, u0, method="L-BFGS-B", bounds=[(0.0, 1.0)] * 4,
                       options={"maxiter": ITERATIONS, "eps": 1e-9})
    return _unit_to_point(res.x, scales)


def candidates(quantity, sense, decimals, starts=(), params=None, n_starts=STARTS):
    """Candidate points best first by their float64 value of ``sense*Q``: the corners, the
    centre, ``starts``, and local maxima from the best of them.  Every candidate is a tuple of
    decimal strings inside the decimal box ``decimals`` (:func:`clamp_point`; the centre, the
    starts and the local maxima are clamped into it, non-finite ones dropped)."""
    corners = [tuple(c) for c in itertools.product(*decimals)]
    centre = [float(lo) + (float(hi) - float(lo)) / 2 for lo, hi in decimals]
    proposed = [centre] + [tuple(p) for p in starts]
    clamped = [q for q in (clamp_point(p, decimals) for p in proposed) if q is not None]
    points = list(dict.fromkeys(corners + clamped))

    def score(p):
        v = float_value(quantity, [float(x) for x in p], params)
        return sense * v if math.isfinite(v) else -math.inf

    ranked = sorted(points, key=score, reverse=True)
    for p in ranked[:n_starts]:
        q = clamp_point(local_maximum(quantity, sense, decimals, [float(v) for v in p], params), decimals)
        if q is not None:
            ranked.append(q)
    return sorted(dict.fromkeys(ranked), key=score, reverse=True)
