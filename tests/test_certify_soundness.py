"""Soundness of the interval engine: every enclosure contains the 50-digit mpmath values.

Random boxes (theorem scale up to wide, some with degenerate sides or sides across 0), random
points inside; the reference is :func:`snn_verify.theory.jacobian.point_mp` (mpmath, 50 checked digits,
none of the Arb code).  The default run checks well over 10,000 (box, point, quantity) cases;
``SNN_VERIFY_FULL=1`` checks about ten times more.
"""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from snn_verify.proofs.rigorous import certificate
from snn_verify.proofs.rigorous.ball import PREC, exp_erfc, interval_ball, to_fraction
from snn_verify.proofs.rigorous.interval import bound_box, box_balls, jet
from snn_verify.theory.jacobian import partials_mp, point_mp

from conftest import FULL

QUANTITIES = ("mean", "variance", "variance_change", "spectral_norm")
N_BOXES = 1000 if FULL else 110
POINTS_PER_BOX = 25


def random_box(rng):
    """A box with random centre and log-uniform relative widths (some degenerate)."""
    centre = [rng.uniform(-1.5, 1.5), rng.uniform(-1.0, 1.0), math.exp(rng.uniform(math.log(0.02), math.log(16))),
              rng.uniform(0.5, 2.0)]
    scale = [1.0, 1.0, centre[2], centre[3]]
    box = []
    for c, sc, i in zip(centre, scale, range(4)):
        if rng.random() < 0.15:
            box.append((c, c))
            continue
        w = sc * 10 ** rng.uniform(-4, -0.5)
        lo, hi = c - w * rng.random(), c + w * rng.random()
        if i >= 2:
            lo = max(lo, c / 2)
        box.append((float(lo), float(hi)))
    return tuple(box)


def reference(point):
    """The four quantities at a point (floats or decimal strings), 50 digits, by mpmath."""
    p = point_mp(*point, digits=50)
    with mpmath.workdps(70):
        change = p["variance"] - mpmath.mpf(point[2])
    return {"mean": p["mean"], "variance": p["variance"], "variance_change": change,
            "spectral_norm": p["spectral_norm"]}


def test_enclosures_contain_mpmath_values():
    rng = np.random.default_rng(2017)
    cases = finite = total = 0
    for _ in range(N_BOXES):
        box = random_box(rng)
        bounds = {}
        for q in QUANTITIES:
            hi, lo = bound_box(q, 1, box), bound_box(q, -1, box)
            bounds[q] = (-lo.upper, hi.upper)
            total += 1
            finite += math.isfinite(hi.upper) and math.isfinite(lo.upper)
            # the lower bounds used for extrema and refutations hold at their points
            for b, sense in ((hi, 1), (lo, -1)):
                if math.isfinite(b.point_lower):
                    assert sense * mpf_fraction(reference(b.point)[q]) >= b.point_lower
        for _ in range(POINTS_PER_BOX):
            point = [lo_ + (hi_ - lo_) * rng.random() for lo_, hi_ in box]
            values = reference(point)
            for q in QUANTITIES:
                low, high = bounds[q]
                assert low <= mpf_fraction(values[q]) <= high, (q, box, point, bounds[q], values[q])
                cases += 1
    assert cases >= 10_000
    assert finite >= 0.9 * total  # the test is not vacuous


def test_gradient_enclosures_contain_mpmath_partials():
    """The engine's gradients (generated derivatives + chain rule) and the checker's (AD)."""
    rng = np.random.default_rng(7)
    names = {"mean": "dmean_d", "variance": "dvar_d"}
    for _ in range(40 if not FULL else 400):
        box = tuple((lo, lo + (hi - lo) / 20) for lo, hi in random_box(rng))
        point = [lo + (hi - lo) * rng.random() for lo, hi in box]
        p = partials_mp(*point, digits=30)
        with ctx.workprec(PREC):
            for q in ("mean", "variance"):
                _, grad = jet(q, box_balls(box), gradient=True)
                dual = certificate.quantity_dual(q, box_balls(box))
                for i, v in enumerate(("mu", "omega", "nu", "tau")):
                    exact = p[names[q] + v]
                    assert contains(grad[i], exact) and contains(dual.d[i], exact), (q, v, box, point)


def _norm_mp(point):
    return point_mp(*point, digits=40)["spectral_norm"]


def test_spectral_norm_gradient_contains_central_differences():
    rng = np.random.default_rng(11)
    h = mpmath.mpf(10) ** -18
    for _ in range(8 if not FULL else 80):
        box = tuple((lo, lo + (hi - lo) / 50) for lo, hi in random_box(rng))
        point = [mpmath.mpf(lo + (hi - lo) * rng.random()) for lo, hi in box]
        with ctx.workprec(PREC):
            _, grad = jet("spectral_norm", box_balls(box), gradient=True)
            dual = certificate.quantity_dual("spectral_norm", box_balls(box))
        for i in range(4):
            with mpmath.workdps(60):
                up, down = list(point), list(point)
                up[i] += h
                down[i] -= h
                d = (_norm_mp(up) - _norm_mp(down)) / (2 * h)
            assert contains(grad[i], d) and contains(dual.d[i], d), (i, box, point)


def contains(ball, x):
    """Whether the ball contains the mpf ``x`` (exact comparison of rationals)."""
    if not ball.is_finite():
        return True
    return to_fraction(ball.lower()) <= mpf_fraction(x) <= to_fraction(ball.upper())


def mpf_fraction(x):
    """The exact rational value of an mpf."""
    sign, man, exp, _ = (x if isinstance(x, mpmath.mpf) else mpmath.mpf(x))._mpf_
    return (-1) ** sign * Fraction(int(man)) * Fraction(2) ** int(exp)


@pytest.mark.parametrize("seed", range(3))
def test_exp_erfc_encloses_over_wide_balls(seed):
    """``exp(A) erfc(B)`` on the generator's N2 block, ``A = 2(m + s^2)``, ``B = (m/2 + s^2) sqrt(2)/s``,
    ``D = A - B^2 = -m^2/(2 s^2)``, over balls from tiny to wide."""
    rng = np.random.default_rng(seed)
    with ctx.workprec(PREC):
        sqrt2 = arb(2).sqrt()
        for _ in range(200):
            m0, s0 = rng.uniform(-8, 8), math.exp(rng.uniform(-3, 2))
            dm, ds = 10 ** rng.uniform(-6, 0), s0 * 10 ** rng.uniform(-6, -0.5)
            m, s = interval_ball(m0, m0 + dm), interval_ball(s0, s0 + ds)
            enc = exp_erfc(2 * (m + s * s), -(m * m) / (2 * s * s), (m / 2 + s * s) * sqrt2 / s)
            for _ in range(5):
                with mpmath.workdps(50):
                    mm, ss = mpmath.mpf(m0 + dm * rng.random()), mpmath.mpf(s0 + ds * rng.random())
                    exact = mpmath.exp(2 * (mm + ss * ss)) * mpmath.erfc((mm / 2 + ss * ss) * mpmath.sqrt(2) / ss)
                assert contains(enc, exact), (m, s, enc, exact)
