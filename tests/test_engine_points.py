"""The engine reports only points of the claim (issue 17).

The search box is the claim's decimal box rounded outward to floats, and the float centre of
a box such as ``nu in [1.1, 1.1]`` is the double 1.1000000000000000888..., outside it.  These
tests check that no such point ever becomes the extremum's lower end, the argext or a
counterexample: every reported point lies in the decimal box, checked here with exact
rationals, and the extremum enclosure contains the true extremum, computed here by 50-digit
quadrature (nothing of the project's code).
"""
import json
import math
import random
from fractions import Fraction

import mpmath
import pytest

from snn_verify import cli
from snn_verify.proofs.rigorous import refute
from snn_verify.proofs.rigorous.certify import CERTIFIED, REFUTED, UNDECIDED, certify, make_claim

VARIABLES = ("mu", "omega", "nu", "tau")
#: the issue's degenerate box: the single point mu = omega = 0, nu = 1.1, tau = 1
POINT_BOX = {"mu": ("0", "0"), "omega": ("0", "0"), "nu": ("1.1", "1.1"), "tau": ("1", "1")}
#: E[selu(z)] for z ~ Normal(0, 1.1), as the issue states it (checked below by quadrature)
TRUE_MEAN = "0.0089269318218336195931891847883"


def selu_constants(dps=60):
    """``(lambda01, alpha01)`` from the paper's closed forms (Klambauer et al. 2017, eqs. 14-15),
    independent of the project's code."""
    with mpmath.workdps(dps):
        e, pi, c = mpmath.e, mpmath.pi, mpmath.erfc(1 / mpmath.sqrt(2))
        alpha = -mpmath.sqrt(2 / pi) / (c * mpmath.sqrt(e) - 1)
        lam = (1 - c * mpmath.sqrt(e)) * mpmath.sqrt(2 * pi) / mpmath.sqrt(
            2 * mpmath.erfc(mpmath.sqrt(2)) * e ** 2 + pi * c ** 2 * e - 2 * (2 + pi) * c * mpmath.sqrt(e) + pi + 2)
        return +lam, +alpha


def mean_by_quadrature(m, s2, dps=50):
    """E[selu(z)] for z ~ Normal(m, s2) by tanh-sinh quadrature of selu against the normal
    density, split at the kink z = 0."""
    lam, alpha = selu_constants(dps + 10)
    with mpmath.workdps(dps + 10):
        m, s2 = mpmath.mpf(m), mpmath.mpf(s2)
        s = mpmath.sqrt(s2)

        def density(z):
            return mpmath.exp(-(z - m) ** 2 / (2 * s2)) / (s * mpmath.sqrt(2 * mpmath.pi))

        negative = mpmath.quad(lambda z: lam * alpha * (mpmath.exp(z) - 1) * density(z), [-mpmath.inf, 0])
        positive = mpmath.quad(lambda z: lam * z * density(z), [0, mpmath.inf])
        return +(negative + positive)


def inside(point, box):
    """Exactly (rationals): every coordinate of ``point`` (a dict or tuple) in its interval."""
    values = [point[v] for v in VARIABLES] if isinstance(point, dict) else list(point)
    return all(Fraction(box[v][0]) <= Fraction(str(x)) <= Fraction(box[v][1]) for v, x in zip(VARIABLES, values))


def test_degenerate_box_true_claim_is_never_refuted(capsys):
    """The issue's claim ``mean < 0.0089269318218336196`` on the point nu = 1.1 is true (the
    mean there is 0.00892693182183361959...); the old engine refuted it at nu = 1.1 + 1 ulp."""
    code = cli.main(["claim", "--quantity", "mean", "--lt", "0.0089269318218336196", "--mu", "0", "0",
                     "--omega", "0", "0", "--nu", "1.1", "1.1", "--tau", "1", "1", "--json", "--workers", "1",
                     "--budget-seconds", "10"])
    r = json.loads(capsys.readouterr().out)
    assert r["verdict"] in (CERTIFIED, UNDECIDED) and code in (0, 3)
    assert "counterexample" not in r
    if "argext" in r:
        assert inside(r["argext"], POINT_BOX)


def test_degenerate_box_enclosure_contains_the_true_maximum():
    """``mean < 0.01`` on the point nu = 1.1 is CERTIFIED, and the extremum enclosure holds the
    mean there (the old engine's lower end was the value at nu = 1.1 + 1 ulp, above it).  The
    reference is first checked: the closed forms give the frameworks' 32-digit constants, and
    the quadrature the issue's value."""
    lam, alpha = selu_constants()
    true_max = mean_by_quadrature(0, "1.1")
    with mpmath.workdps(60):
        assert abs(lam - mpmath.mpf("1.0507009873554804934193349852946")) < mpmath.mpf("1e-30")
        assert abs(alpha - mpmath.mpf("1.6732632423543772848170429916717")) < mpmath.mpf("1e-30")
        assert abs(true_max - mpmath.mpf(TRUE_MEAN)) < mpmath.mpf("1e-30")
    r = certify(make_claim("mean", "<", "0.01", POINT_BOX), workers=1, max_seconds=10)
    assert r.verdict == CERTIFIED
    with mpmath.workdps(60):
        lo, hi = (mpmath.mpf(x) for x in r.extremum)      # a double converts exactly
        assert lo <= true_max <= hi, (r.extremum, true_max)
    assert r.argext is not None and inside(r.argext, POINT_BOX)


def _random_box(rng, point):
    """A small box of short decimals: with ``point`` a single point (every side degenerate),
    else each side degenerate with probability 1/2.  Its ends are decimals such as 0.3 that
    are not doubles, so the float centre of a degenerate side lies outside it."""
    ranges = {"mu": (-30, 30, 100), "omega": (-20, 20, 100), "nu": (50, 200, 100), "tau": (90, 120, 100)}
    box = {}
    for v, (a, b, scale) in ranges.items():
        lo = rng.randint(a, b)
        hi = lo if point or rng.random() < 0.5 else lo + rng.randint(1, 5)
        box[v] = (_decimal(lo, scale), _decimal(hi, scale))
    return box


def _decimal(k, scale):
    """``k / scale`` as a short decimal string (``scale`` a power of 10)."""
    digits = len(str(scale)) - 1
    sign = "-" if k < 0 else ""
    whole, frac = divmod(abs(k), scale)
    return f"{sign}{whole}.{frac:0{digits}d}"


#: per quantity: a bound true everywhere and one false everywhere, for "<"
BOUNDS = {"mean": ("100", "-10"), "variance": ("1000", "-1"), "variance_change": ("1000", "-100"),
          "spectral_norm": ("100", "0")}


def _random_claims(n=8, seed=17):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        box = _random_box(rng, point=len(out) % 2 == 0)
        quantity = sorted(BOUNDS)[len(out) // 2 % len(BOUNDS)]
        true_bound, false_bound = BOUNDS[quantity]
        out.append((quantity, box, true_bound, false_bound))
    return out


def test_argext_and_counterexample_lie_in_random_small_boxes():
    """Eight random boxes (fixed seed; every other one a single point), each quantity, both
    relations, a bound true everywhere and one false everywhere: the verdict is right and the
    argext and every counterexample lie in the decimal box."""
    for quantity, box, true_bound, false_bound in _random_claims():
        for relation, bound, expected in (("<", true_bound, CERTIFIED), ("<", false_bound, REFUTED),
                                          (">", false_bound, CERTIFIED), (">", true_bound, REFUTED)):
            r = certify(make_claim(quantity, relation, bound, box), tol=math.inf, workers=1, max_seconds=10)
            where = (quantity, box, relation, bound)
            assert r.verdict == expected, (where, r.verdict, r.note)
            assert r.argext is not None and inside(r.argext, box), (where, r.argext)
            if expected == REFUTED:
                assert inside(r.counterexample["point"], box), (where, r.counterexample)


@pytest.mark.parametrize("quantity", sorted(BOUNDS))
@pytest.mark.parametrize("sense", (1, -1))
def test_every_refutation_candidate_lies_in_the_decimal_box(quantity, sense):
    """Corners, the centre, given starts (one outside the box) and local maxima: all decimal
    strings inside a box with degenerate sides that are not doubles."""
    decimals = (("0.3", "0.3"), ("-0.1", "-0.1"), ("1.1", "1.1"), ("0.7", "0.9"))
    box = dict(zip(VARIABLES, decimals))
    points = refute.candidates(quantity, sense, decimals, starts=[(0.3, -0.1, 1.1, 0.7), (1.0, 1.0, 9.0, 0.1)])
    assert points
    for p in points:
        assert all(isinstance(x, str) for x in p) and inside(p, box), p


def test_certify_never_uses_a_seed_outside_the_box(monkeypatch):
    """Defence in depth: even if the refutation effort proposed nu = 1.1 + 1 ulp (the old
    centre), the search would not use it as ``best``, argext or counterexample."""
    outside = ("0", "0", "1.100000000000000088817841970012523233890533447265625", "1")
    real = refute.candidates
    monkeypatch.setattr(refute, "candidates", lambda *a, **k: [outside] + real(*a, **k))
    r = certify(make_claim("mean", "<", "0.0089269318218336196", POINT_BOX), workers=1, max_seconds=10)
    assert r.verdict in (CERTIFIED, UNDECIDED) and r.counterexample is None
    assert r.argext is not None and inside(r.argext, POINT_BOX)
    r = certify(make_claim("mean", "<", "0", POINT_BOX), workers=1, max_seconds=10)
    assert r.verdict == REFUTED and inside(r.counterexample["point"], POINT_BOX)


def test_the_evaluator_never_forks_beside_a_threaded_runtime(monkeypatch):
    """Forking a process that runs JAX's (or torch's) own threads can deadlock the child: the
    pool runs inline then, and gives the same verdicts as the forked pool."""
    import sys
    import types

    from snn_verify.proofs.rigorous import certify as engine
    from snn_verify.proofs.theorems import theorem_claims

    claim = next(iter(theorem_claims()))
    with engine.Evaluator(2) as ev:
        forked = engine.certify(claim, evaluator=ev)
        assert ev._pool is not None or "fork" not in __import__("multiprocessing").get_all_start_methods() \
            or any(m in sys.modules for m in engine._THREADED_RUNTIMES)
    monkeypatch.setitem(sys.modules, "jax", sys.modules.get("jax") or types.ModuleType("jax"))
    assert engine._pool_context() is None
    with engine.Evaluator(2) as ev:
        assert ev._pool is None
        inline = engine.certify(claim, evaluator=ev)
    assert (inline.verdict, inline.extremum) == (forked.verdict, forked.extremum)
