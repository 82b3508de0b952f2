"""The search in reduced coordinates, and the spectral norm's extra bounds: soundness against
50-digit mpmath (none of the Arb code), for the engine and the checker.

- mean and variance are searched over the rectangle of ``(m, s2) = (mu*omega, nu*tau)``,
  variance_change over ``(m, nu, tau)``: the region must contain the box's image, a point
  carried back must lie in the claim's box, and enclosures over sub-rectangles must contain
  the reference values at points ``(m, 1, s2, 1)`` of them;
- the spectral norm's lower bounds (rows and columns, the singular-vector bilinear form) and
  its Frobenius upper bound must contain the reference norm.
"""
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import ctx

from snn_verify.proofs.claims import Model, spec
from snn_verify.proofs.rigorous.recheck import arithmetic, leaves, norm, quantities
from snn_verify.proofs.rigorous.ball import PREC, exact_decimal, to_fraction
from snn_verify.proofs.rigorous.certify import outward_box, snap_table
from snn_verify.proofs.rigorous.coordinates import FULL, MNT, MS, for_quantity
from snn_verify.proofs.rigorous.interval import bound_box, box_balls, jacobian_jet, norm_lower_bound, norm_range

from conftest import FULL as FULL_RUN
from test_certify_soundness import contains, mpf_fraction, random_box

N_BOXES = 300 if FULL_RUN else 40
POINTS = 8


def reference(quantity, point, dropout=None):
    """The quantity at a point of (mu, omega, nu, tau), 50 digits (mpmath only)."""
    from snn_verify.proofs.claims import quantity_mp

    model = Model(dropout=dropout) if dropout else Model()
    return quantity_mp(quantity, [exact_decimal(x) if isinstance(x, float) else x for x in point], model, digits=50)


def wide_box(rng):
    """A hard-corner box: mu in [-20, 20], omega in [-2, 2], nu log-uniform in [1e-6, 100],
    tau in [0.05, 3] (the sides drawn as ``verify.py bench corners`` draws them)."""
    box = []
    for lo, hi, log in ((-20, 20, False), (-2, 2, False), (1e-6, 100, True), (0.05, 3, False)):
        a, b = sorted(10 ** rng.uniform(math.log10(lo), math.log10(hi), 2) if log else rng.uniform(lo, hi, 2))
        box.append((float(f"{a:.4g}"), float(f"{b:.4g}")))
    return tuple(box)


def inside(ball, q):
    """Whether the ball contains the rational ``q`` (exactly)."""
    return not ball.is_finite() or to_fraction(ball.lower()) <= q <= to_fraction(ball.upper())


def _decimals(box):
    return tuple((repr(lo), repr(hi)) for lo, hi in box)


@pytest.mark.parametrize("coords", [MS, MNT], ids=["m-s2", "m-nu-tau"])
def test_region_contains_the_image_and_points_come_back_into_the_box(coords):
    rng = np.random.default_rng(3)
    for _ in range(50):
        box = wide_box(rng) if rng.random() < 0.5 else random_box(rng)
        decimals = _decimals(box)
        region = coords.region(outward_box(decimals))
        table = snap_table(decimals)
        for _ in range(20):
            x = [lo + (hi - lo) * rng.random() for lo, hi in box]
            image = {"m": Fraction(x[0]) * Fraction(x[1]), "s2": Fraction(x[2]) * Fraction(x[3]),
                     "nu": Fraction(x[2]), "tau": Fraction(x[3])}
            for name, (lo, hi) in zip(coords.names, region):
                assert Fraction(lo) <= image[name] <= Fraction(hi)
            target = [lo + (hi - lo) * rng.random() for lo, hi in region]
            point = coords.full_point(target, table)
            assert all(Fraction(lo) <= Fraction(p) <= Fraction(hi) for p, (lo, hi) in zip(point, decimals))
            if region[0][0] < target[0] < region[0][1]:     # inside the image: m is reached
                m = float(Fraction(point[0]) * Fraction(point[1]))
                assert abs(m - target[0]) <= 1e-9 * max(1.0, abs(target[0]))


def _sub_rectangle(rng, region):
    out = []
    for lo, hi in region:
        if rng.random() < 0.2:
            c = lo + (hi - lo) * rng.random()
            out.append((c, c))
            continue
        a, b = sorted(lo + (hi - lo) * rng.random(2) ** 3)   # small pieces, near the low end too
        out.append((float(a), float(b)))
    return tuple(out)


def _full_point(coords, x):
    """A point of (mu, omega, nu, tau) with the reduced coordinates ``x`` exactly."""
    if coords is MS:
        return (x[0], 1.0, x[1], 1.0)
    return (x[0], 1.0, x[1], x[2])


@pytest.mark.parametrize("dropout", [None, "0.1"], ids=["g", "g_q"])
def test_reduced_enclosures_contain_mpmath_values(dropout):
    """Engine (``bound_box`` both ways) and checker (``evaluate`` over Duals) over random
    rectangles of the reduced coordinates, against mpmath at points inside them."""
    rng = np.random.default_rng(19 if dropout else 17)
    model = Model(dropout=dropout) if dropout else Model()
    checked = 0
    for _ in range(N_BOXES // 2):
        box = wide_box(rng) if rng.random() < 0.5 else random_box(rng)
        decimals = _decimals(box)
        for quantity in ("mean", "variance", "variance_change"):
            coords = for_quantity(quantity)
            sub = _sub_rectangle(rng, coords.region(outward_box(decimals)))
            q = spec(quantity, model)
            table = snap_table(decimals)
            hi = bound_box(q, 1, sub, snap=table, coordinates=coords.names)
            lo = bound_box(q, -1, sub, snap=table, coordinates=coords.names)
            with ctx.workprec(PREC):
                dual = quantities.evaluate(quantity, quantities.duals(sub), model, coords.names)
            for b, sense in ((hi, 1), (lo, -1)):   # the lower bounds hold at their points
                if math.isfinite(b.point_lower):
                    assert sense * mpf_fraction(reference(quantity, b.point, dropout)) >= b.point_lower
            for _ in range(POINTS):
                x = [a + (c - a) * rng.random() for a, c in sub]
                value = mpf_fraction(reference(quantity, _full_point(coords, x), dropout))
                assert -lo.upper <= value <= hi.upper, (quantity, sub, x)
                assert inside(arithmetic.value_of(dual), value), (quantity, sub, x)
                checked += 1
    assert checked >= 100


def _norm_mp(point, dropout=None):
    return reference("spectral_norm", point, dropout)


@pytest.mark.parametrize("dropout", [None, "0.2"], ids=["g", "g_q"])
def test_spectral_norm_bounds_contain_mpmath_values(dropout):
    """``norm_range`` (rows, columns, Frobenius) and the singular-vector bound, engine and
    checker, over random boxes small and wide; the bilinear bound is also tight at the
    centre of a small box (not vacuous)."""
    rng = np.random.default_rng(23)
    q = spec("spectral_norm", Model(dropout=dropout) if dropout else Model())
    model = Model(dropout=dropout) if dropout else Model()
    tight = 0
    for k in range(N_BOXES // 2):
        box = wide_box(rng) if k % 3 == 0 else random_box(rng)
        if k % 3 == 2:
            box = tuple((lo, lo + (hi - lo) / 100) for lo, hi in box)
        centre = [lo + (hi - lo) / 2 for lo, hi in box]
        with ctx.workprec(PREC):
            entries, _ = jacobian_jet(q, box_balls(box))
            enclosure = norm_range(*entries)
            lower = norm_lower_bound(q, box, centre)
            checker_lower = leaves._singular_form_lower(box, model)
            checker_bounds = norm.norm_bounds(*quantities.jacobian_entries(box_balls(box), model))
        values = [_norm_mp([lo + (hi - lo) * rng.random() for lo, hi in box], dropout) for _ in range(POINTS)]
        for v in values:
            assert contains(enclosure, v) and contains(checker_bounds, v)
            assert mpf_fraction(v) >= Fraction(lower)
            assert not checker_lower.is_finite() or mpf_fraction(v) >= to_fraction(checker_lower.lower())
        if k % 3 == 2:
            at_centre = _norm_mp(centre, dropout)
            tight += float(at_centre) - lower < 0.05 * float(at_centre)
    assert tight >= 0.8 * (N_BOXES // 2) / 3


def test_full_coordinates_unchanged_for_the_spectral_norm():
    assert for_quantity("spectral_norm") is FULL and for_quantity("spectral_norm|dropout=0.1") is FULL
    with pytest.raises(ValueError):
        bound_box("mean", 1, ((0.0, 1.0), (1.0, 2.0)), coordinates=MS.names)   # no decimal box to map back to
