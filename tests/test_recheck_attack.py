"""The proof kernel (``verify.py recheck``) attacked where tests/test_recheck_adversarial.py does
not reach.

1. The kernel's arithmetic (:mod:`snn_verify.proofs.rigorous.recheck.arithmetic`): every
   enclosure it builds (``endpoint_product`` and its positive fast path, ``product`` and
   squares of wide balls chosen by Arb's relative accuracy, ``quotient``, ``increasing``
   ``exp``/``sqrt``, ``exp(A) erfc(B)`` with and without the erfc-range route) holds the
   exact value at sampled points of its argument balls: exact rationals for products,
   squares and quotients, 60-digit mpmath for ``exp``, ``sqrt`` and ``erfc``.  Balls with
   huge and tiny exponents, zero radius, exact 0, balls holding 0, at several precisions.
   The special balls (inf, nan, infinite radius) never come back as a finite ball.
2. Decimal texts: the bounded short form of the mean-field and tube kernels
   (``fields.short_decimal``) has the limits it had (40 digits, 60 after the point, an
   exponent of at most 4 digits within +-300) and refuses every other type and spelling
   (unicode and full-width digits, underscores, blanks, ``+.5``, ``5.``); every text either
   decimal rule accepts is read by Arb (``decimal_ball``) as a ball holding the exact
   rational that the Fraction checks use (two readers, one number).
3. Coordinated forgeries of claim certificates (several fields changed together, as a
   forger would: bound and leaf bounds and extremum; relation and extremum kind; box,
   search box and stretched leaves; the model), resealed; each states something false by an
   independent mpmath quadrature (tests/reference.py), and each is rejected.
4. Coordinated forgeries of mean-field and tube certificates (the setting, a claim's
   relation and bound, the q* enclosure, the cover, the target band), resealed and rejected.

``SNN_VERIFY_FULL=1`` runs more hypothesis examples (conftest's profile) and the slow probes.
"""
import copy
import itertools
import json
import math
import pathlib
import sys
from fractions import Fraction

import mpmath
import pytest
from flint import arb, ctx
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FULL
from reference import quantity_by_quadrature
from snn_verify.proofs.rigorous import trusted
from snn_verify.proofs.rigorous.recheck import arithmetic, recheck
from snn_verify.proofs.rigorous.recheck.fields import _DECIMAL, SHORT_DECIMAL, Malformed, decimal, short_decimal
from snn_verify.theory.parameters import alpha01, lambda01


# --- 1. the arithmetic's enclosures ------------------------------------------------------------

def exact(z):
    """The exact rational of an exact (radius 0), finite ball."""
    m, e = z.man_exp()
    return Fraction(int(m)) * Fraction(2) ** int(e)


def ends(z):
    """The exact rational ends ``(mid - rad, mid + rad)`` of a finite ball."""
    m, r = exact(z.mid()), exact(z.rad())
    return m - r, m + r


def holds(z, value):
    """Whether the ball ``z`` holds the exact rational ``value``; a ball with a NaN midpoint or
    an infinite radius holds everything, an exact infinity nothing finite."""
    if not z.is_finite():
        return z.mid().is_nan() or not z.rad().is_finite()
    lo, hi = ends(z)
    return lo <= value <= hi


def ball_of(mant, exp2, rad_mant=0, rad_exp2=0):
    """The ball ``mant 2^exp2 +- rad_mant 2^rad_exp2`` (its midpoint exact at any precision)."""
    with ctx.workprec(200):
        return arb(arb(mant) * arb(2) ** exp2, arb(rad_mant) * arb(2) ** rad_exp2)


@st.composite
def balls(draw, max_exp=1100, positive=None, min_exp=None):
    """Balls with midpoints and radii over a wide range of exponents: exact ones, exact 0,
    balls around 0, radii from 2^-120 to 4 times the midpoint (``positive``: all > 0, or
    all < 0 when False)."""
    kinds = ["exact", "general", "tight"] + (["zero", "around0"] if positive is None else [])
    kind = draw(st.sampled_from(kinds))
    e = draw(st.integers(-max_exp if min_exp is None else min_exp, max_exp))
    mant = draw(st.integers(1, 2 ** 60))
    sign = draw(st.sampled_from([1, -1])) if positive is None else (1 if positive else -1)
    if kind == "zero":
        return arb(0)
    if kind == "exact":
        return ball_of(sign * mant, e)
    top = e + mant.bit_length() - 1                # 2^top <= |mid| < 2^(top + 1)
    shift = {"general": draw(st.integers(-80, -1 if positive is not None else 2)),
             "tight": draw(st.integers(-120, -70)),
             "around0": draw(st.integers(2, 40))}[kind]
    return ball_of(sign * mant, e, draw(st.integers(1, 2 ** 30)), top - 31 + shift)


def points(z, picks):
    """Exact rational points of the finite ball ``z``: both ends, the midpoint and ``picks``
    (numbers in [0, 1]) of the way from the lower end, and 0 where it holds 0."""
    lo, hi = ends(z)
    return [lo, hi, (lo + hi) / 2] + [lo + (hi - lo) * Fraction(p) for p in picks] + ([0] if lo <= 0 <= hi else [])


PICKS = st.lists(st.fractions(min_value=0, max_value=1, max_denominator=10 ** 6), max_size=3)
PRECISIONS = st.sampled_from([20, 53, 80, 200])


@given(balls(), balls(), PICKS, PICKS, PRECISIONS)
def test_endpoint_product_and_product_hold_every_product(x, y, px, py, prec):
    with ctx.workprec(prec):
        outs = [arithmetic.endpoint_product(x, y), arithmetic.product(x, y), arithmetic.product(y, x)]
    for a, b in itertools.product(points(x, px), points(y, py)):
        for out in outs:
            assert holds(out, a * b), (x, y, a, b, out)


@given(balls(positive=True), balls(positive=True), PICKS, PICKS, PRECISIONS)
def test_the_positive_fast_path_holds_every_product(x, y, px, py, prec):
    assert x > 0 and y > 0
    with ctx.workprec(prec):
        out = arithmetic.endpoint_product(x, y)
    for a, b in itertools.product(points(x, px), points(y, py)):
        assert holds(out, a * b), (x, y, a, b, out)


@given(balls(positive=False), balls(positive=True), PICKS, PICKS, PRECISIONS)
def test_mixed_signs_hold_every_product(x, y, px, py, prec):
    with ctx.workprec(prec):
        outs = [arithmetic.endpoint_product(x, y), arithmetic.endpoint_product(y, x), arithmetic.product(x, y)]
    for a, b in itertools.product(points(x, px), points(y, py)):
        for out in outs:
            assert holds(out, a * b)


@given(balls(), PICKS, PRECISIONS)
def test_squares_hold_every_square(x, px, prec):
    with ctx.workprec(prec):
        out = arithmetic.product(x, x, square=True)
        dual = arithmetic.Dual(x, (arb(1),))
        sq = dual * dual
    for a in points(x, px):
        assert holds(out, a * a) and holds(sq.v, a * a) and holds(sq.d[0], 2 * a), (x, a, out, sq.v)
    if x.is_finite() and not x.contains(0):
        assert out >= 0


@given(balls(max_exp=400), balls(max_exp=400), PICKS, PICKS, PRECISIONS)
def test_quotients_hold_every_quotient(x, y, px, py, prec):
    with ctx.workprec(prec):
        out = arithmetic.quotient(x, y)
    for a, b in itertools.product(points(x, px), points(y, py)):
        if b != 0:
            assert holds(out, a / b), (x, y, a, b, out)


def _mp(value):
    return mpmath.mpf(value.numerator) / value.denominator


def holds_mp(z, value, digits=60):
    """Whether ``z`` holds the mpmath number ``value`` (computed at ``digits`` digits), up to
    a relative error of 10^-(digits - 10)."""
    if not z.is_finite():
        return True
    lo, hi = ends(z)
    with mpmath.workdps(digits + 20):
        slack = abs(value) * mpmath.mpf(10) ** (10 - digits)
        return _mp(lo) - slack <= value <= _mp(hi) + slack


@given(balls(min_exp=-1100, max_exp=-55), PICKS, PRECISIONS)
def test_increasing_exp_and_sqrt_hold_every_value(x, px, prec):
    with ctx.workprec(prec):
        e = arithmetic.exp(x)
        r = arithmetic.sqrt(arithmetic.Dual(x, (arb(1),))).v if x.upper() >= 0 else None
    with mpmath.workdps(80):
        for a in points(x, px):
            assert holds_mp(e, mpmath.exp(_mp(a))), (x, a, e)
            if r is not None and a >= 0:
                assert holds_mp(r, mpmath.sqrt(_mp(a))), (x, a, r)
    if x.is_finite():
        assert e.lower() >= 0 or not arithmetic._wide(x)


@st.composite
def erfc_balls(draw):
    """A ball of A (any width) and of B (narrow, wide or exact), within |A| <= 60, |B| <= 30."""
    a = draw(st.fractions(min_value=-60, max_value=60, max_denominator=2 ** 20))
    b = draw(st.fractions(min_value=-30, max_value=30, max_denominator=2 ** 20))
    ra = draw(st.sampled_from([0, 2 ** -60, 2 ** -20, 2 ** -8, 1, 8]))
    rb = draw(st.sampled_from([0, 2 ** -70, 2 ** -30, 2 ** -12, 2 ** -9, 2 ** -4, 1, 4]))
    with ctx.workprec(200):
        A = arb(a.numerator) / a.denominator
        B = arb(b.numerator) / b.denominator
    return arb(A.mid(), arb(ra)), arb(B.mid(), arb(rb))


@given(erfc_balls(), PICKS, PICKS, PRECISIONS)
def test_exp_erfc_holds_every_value(ab, pa, pb, prec):
    """``exp(A) erfc(B)`` with ``D = A - B^2`` (narrow B: the erfc-range route skipped)."""
    A, B = ab
    with ctx.workprec(prec):
        D = A - B * B
        out = arithmetic.exp_erfc(A, D, B)
        dual = arithmetic.exp_erfc(arithmetic.Dual(A, (arb(1), arb(0))), D, arithmetic.Dual(B, (arb(0), arb(1))))
    with mpmath.workdps(80):
        for a, b in itertools.product(points(A, pa), points(B, pb)):
            value = mpmath.exp(_mp(a)) * mpmath.erfc(_mp(b))
            assert holds_mp(out, value), (A, B, a, b, out)
            assert holds_mp(dual.v, value)
            slope = -2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(_mp(a) - _mp(b) ** 2)
            assert holds_mp(dual.d[0], value) and holds_mp(dual.d[1], slope), (A, B, a, b, dual.d)


SPECIAL = [arb("inf"), arb("-inf"), arb("nan"), arb(0, "inf"), arb(1, "inf")]
ORDINARY = [arb(0), arb(1), arb(-2), arb(3, 1), arb(0, 1), arb(1e300, 1e290), arb(2) ** -1000]


@pytest.mark.parametrize("s", SPECIAL, ids=str)
def test_special_balls_never_become_finite(s):
    """An infinite or NaN factor never gives a finite product (a finite ball would claim a
    value it does not know), whichever route (fast path, endpoints, plain) it takes."""
    for x in ORDINARY:
        if x == 0 and x.is_exact():
            continue                       # 0 * inf is NaN, and 0 * (anything finite) is 0
        for out in (arithmetic.endpoint_product(s, x), arithmetic.endpoint_product(x, s),
                    arithmetic.product(s, x), arithmetic.product(x, s), arithmetic.product(s, s, square=True)):
            assert not out.is_finite(), (s, x, out)


def test_relative_accuracy_of_special_balls():
    """What ``_wide`` reads: exact balls (0 and the infinities) are narrow, a ball around 0,
    NaN and an infinite radius wide; none of them is multiplied wrongly (above)."""
    assert not arithmetic._wide(arb(0)) and not arithmetic._wide(arb("inf"))
    assert arithmetic._wide(arb(0, 1)) and arithmetic._wide(arb("nan")) and arithmetic._wide(arb(1, "inf"))
    assert arithmetic._wide(arb(1, 2 ** -9)) and not arithmetic._wide(arb(1, 2 ** -12))


def test_a_broken_fast_path_is_caught(monkeypatch):
    """The property tests can fail: a fast path taken on positive midpoints (a ball around 0
    with a positive midpoint) is caught by the first of them."""
    original = arithmetic.endpoint_product

    def broken(x, y):
        if x.mid() > 0 and y.mid() > 0:
            return (x.lower() * y.lower()).union(x.upper() * y.upper())
        return original(x, y)

    monkeypatch.setattr(arithmetic, "endpoint_product", broken)
    with pytest.raises(AssertionError):
        test_endpoint_product_and_product_hold_every_product()
    monkeypatch.setattr(arithmetic, "endpoint_product", lambda x, y: (x.lower() * y.upper()).union(x.upper() * y.lower()))
    with pytest.raises(AssertionError):
        test_the_positive_fast_path_holds_every_product()


def test_a_broken_erfc_range_is_caught(monkeypatch):
    """... and an erfcx range taken in the wrong order (as if increasing) is caught."""
    monkeypatch.setattr(arithmetic, "_decreasing_range", lambda f, B: f(B.lower()).union(f(B.lower())))
    with pytest.raises(AssertionError):
        test_exp_erfc_holds_every_value()


def test_a_square_that_forgets_zero_is_caught(monkeypatch):
    """... and so is a square of a ball around 0 taken from its ends alone."""
    monkeypatch.setattr(arithmetic, "product", lambda x, y, square=False: (x.lower() * x.lower()).union(x.upper() * x.upper())
                        if square and arithmetic._wide(x) else x * y)
    with pytest.raises(AssertionError):
        test_squares_hold_every_square()


# --- 2. decimal texts ---------------------------------------------------------------------------

def _short_before_e58c334(x):
    """The mean-field and tube kernels' own rule before commit e58c334 (the reference)."""
    import re
    pattern = re.compile(r"[+-]?([0-9]{1,40})(?:\.([0-9]{1,60}))?(?:[eE]([+-]?[0-9]{1,4}))?")
    if type(x) is not str:
        return None
    m = pattern.fullmatch(x)
    if not m or abs(int(m.group(3) or 0)) > 300:
        return None
    return Fraction(x)


def _short(x):
    try:
        return short_decimal(x, "x")
    except Malformed:
        return None


REFUSED = [True, False, 1, 0, 1.0, None, [], ["1"], {}, "١", "１", "٣.٥", "1_000", "1e1_0", " 1", "1 ", "1\n", "\t1",
           "+.5", ".5", "5.", "-.5", "1e", "e1", "", "+", "-", "1e+", "0x10", "inf", "-inf", "nan", "NaN", "Infinity",
           "1e+0301", "1e-301", "1e00300", "1" * 41, "0." + "1" * 61, "1" * 10 ** 6, "1.5.5", "1e3e3", "--1",
           "1,5", "1/2", "½", "²", "𝟏", "1e+-3", "\u200b1", "1\u00a0"]
ACCEPTED = {"0": 0, "-0": 0, "+0": 0, "1E3": 1000, "1e+0300": Fraction(10) ** 300, "1e-0300": Fraction(1, 10 ** 300),
            "1" * 40: int("1" * 40), "0." + "1" * 60: Fraction(int("1" * 60), 10 ** 60), "-2.5e-3": Fraction(-1, 400),
            "+7.25": Fraction(29, 4)}


@pytest.mark.parametrize("x", REFUSED, ids=lambda x: ascii(x)[:20])
def test_short_decimal_refuses_every_other_type_and_spelling(x):
    assert _short(x) is None and _short_before_e58c334(x) is None


@pytest.mark.parametrize("x, value", ACCEPTED.items(), ids=lambda x: ascii(x)[:20])
def test_short_decimal_accepts_the_short_form(x, value):
    assert _short(x) == value == _short_before_e58c334(x)


TEXTS = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{1,42}(\.[0-9]{1,62})?([eE][+-]?[0-9]{1,5})?\Z"),
    st.text(alphabet="0123456789+-.eE _١１٣\u00a0", max_size=12),
    st.text(max_size=8))


@given(TEXTS)
def test_short_decimal_is_the_rule_it_replaced(x):
    assert _short(x) == _short_before_e58c334(x)


@given(st.one_of(st.from_regex(r"\A[+-]?([0-9]{1,60}(\.[0-9]{0,60})?|\.[0-9]{1,60})([eE][+-]?[0-9]{1,4})?\Z"),
                 st.builds(lambda m, e: f"{m}e{e}", st.integers(-10 ** 30, 10 ** 30), st.integers(-1000, 1000))),
       PRECISIONS)
def test_arb_reads_every_accepted_decimal_as_its_exact_rational(x, prec):
    """The Fraction that the box and interval checks compare and the Arb ball that the
    evaluation uses (``trusted.decimal_ball``) are one number: a counterexample checked
    inside the box is the point evaluated."""
    try:
        value = decimal(x, "x")
    except Malformed:
        return
    with ctx.workprec(prec):
        z = trusted.decimal_ball(x)
    assert z.is_finite() and holds(z, value), (x, z)
    if _short(x) is not None:
        assert _short(x) == value


def test_the_kernels_refuse_odd_decimals_as_malformed(tmp_path):
    """Through the whole kernel: a mean-field model and a tube target given in unicode or
    full-width digits, with underscores or blanks, are malformed (exit 2), never read."""
    mf, tube = _meanfield(), _tube(tmp_path)
    for bad in ["１", "١", "1_0", " 1", "1.", ".5", 1, 1.0, True, None]:
        c = copy.deepcopy(mf)
        c["model"]["sw2"] = bad
        r = recheck(resealed_meanfield(c))
        assert not r.ok and r.exit_code == 2, (bad, r.problems)
        c = copy.deepcopy(tube)
        c["target"]["variance"][1] = bad
        r = recheck(resealed_tube(c), file=str(tmp_path / "tube.json"))
        assert not r.ok and r.exit_code == 2, (bad, r.problems)


# --- 3. coordinated forgeries of claim certificates ----------------------------------------------

from snn_verify.proofs.rigorous import certificate  # noqa: E402
from snn_verify.proofs.rigorous.certify import certify, make_claim  # noqa: E402

T1 = {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.8", "1.5"), "tau": ("0.95", "1.1")}
CORNER = ("-0.1", "-0.1", "0.8", "1.1")          # where ||J|| is largest over T1
LOW = ("0", "0", "1.5", "0.95")                  # where ||J|| is least over T1


def resealed(cert):
    body = {k: v for k, v in cert.items() if k != "sha256"}
    return dict(body, sha256=trusted.digest(body))


@pytest.fixture(scope="module")
def norm_cert():
    return certificate.build(certify(make_claim("spectral_norm", "<", "1", T1), workers=1))


@pytest.fixture(scope="module")
def refuted_cert():
    return certificate.build(certify(make_claim("spectral_norm", "<", "0.5", T1), workers=1))


def judge(quantity, point, lam=None, alp=None, dropout=None):
    """The quantity at a point by quadrature (tests/reference.py, none of the project's code)."""
    with mpmath.workdps(40):
        lam = mpmath.mpf(lam) if lam else lambda01(40)
        alp = mpmath.mpf(alp) if alp else alpha01(40)
        return quantity_by_quadrature(quantity, point, lam, alp, dropout, dps=25)


def _breaks(value, relation, bound):
    return value >= mpmath.mpf(bound) if relation == "<" else value <= mpmath.mpf(bound)


def _set_leaves(cert, bound):
    for leaf in cert["leaves"]:
        leaf["bound"] = bound


def _lower_bound(cert, bound):
    """Claim ``< bound`` with every leaf bound and the extremum clipped below it."""
    cert["claim"]["bound"] = bound
    top = math.nextafter(float(Fraction(bound)), -math.inf)
    for leaf in cert["leaves"]:
        leaf["bound"] = min(leaf["bound"], top)
    cert["extremum"] = [math.nextafter(top, -math.inf), top]


def _flip(cert, bound, leaf_bound):
    """Claim ``> bound`` with every leaf bound ``leaf_bound`` (and the min's extremum)."""
    cert["claim"].update(relation=">", bound=bound)
    cert["extremum_kind"] = "min"
    _set_leaves(cert, leaf_bound)
    cert["extremum"] = [leaf_bound, 2.0]


def _stretch_nu(cert, lo):
    """The claim's box, the search box and every leaf at its lower nu end moved down to ``lo``."""
    old = cert["search_box"][2][0]
    cert["claim"]["box"]["nu"][0] = lo
    cert["search_box"][2][0] = float(lo)
    for leaf in cert["leaves"]:
        for key in ("box", "face"):
            if leaf[key][2][0] == old:
                leaf[key][2][0] = float(lo)


def _model(cert, **model):
    cert["claim"]["model"] = model


#: forgeries of the genuine ``||J|| < 1`` certificate: (what, change, witness point,
#: parameters at the witness (lambda, alpha, dropout)); each claim is false at its witness
NORM_FORGERIES = {
    "bound just below the max, leaves clipped": (lambda c: _lower_bound(c, "0.8976"), CORNER, (None, None, None)),
    "bound a hair below the max": (lambda c: _lower_bound(c, "0.89760835840891"), CORNER, (None, None, None)),
    "box stretched to nu = 0.5 with its leaves": (lambda c: _stretch_nu(c, "0.5"), ("-0.1", "-0.1", "0.5", "1.1"),
                                                  (None, None, None)),
    "relation flipped above the min": (lambda c: _flip(c, "0.7", 0.71), LOW, (None, None, None)),
    "alpha interval added, bound kept above the leaves":
        (lambda c: (_model(c, alpha=["1.6", "1.8"]), c["claim"].update(bound="0.93")), CORNER, (None, "1.8", None)),
    "dropout added, relation flipped":
        (lambda c: (_model(c, dropout="0.2"), _flip(c, "0.65", 0.66)), CORNER, (None, None, "0.2")),
    "lambda interval added, bound lowered":
        (lambda c: (_model(c, **{"lambda": ["1.0507", "1.2"]}), _lower_bound(c, "0.95")), CORNER, ("1.2", None, None)),
}


@pytest.mark.parametrize("name", list(NORM_FORGERIES))
def test_coordinated_forgeries_of_a_certified_claim_are_rejected(norm_cert, name):
    change, witness, (lam, alp, dropout) = NORM_FORGERIES[name]
    assert recheck(norm_cert).ok
    forged = copy.deepcopy(norm_cert)
    change(forged)
    claim = forged["claim"]
    assert _breaks(judge(claim["quantity"], witness, lam, alp, dropout), claim["relation"], claim["bound"])
    r = recheck(resealed(forged))
    assert not r.ok and r.exit_code == 1, name
    assert any(p.startswith("leaf ") for p in r.problems), r.problems     # the leaf proofs themselves fail


def _move_counterexample(cert, point, bound):
    cert["claim"]["bound"] = bound
    cert["counterexample"]["point"] = dict(zip(("mu", "omega", "nu", "tau"), point))
    with mpmath.workdps(60):
        cert["counterexample"]["value"] = mpmath.nstr(judge("spectral_norm", point), 50)


REFUTED_FORGERIES = {
    "a true claim's bound": lambda c: c["claim"].update(bound="0.9"),
    "counterexample moved where the claim holds, its value recomputed": lambda c: _move_counterexample(c, LOW, "0.8"),
    "counterexample a hair outside the box": lambda c: c["counterexample"]["point"].update(mu="-0.1000000000000000000000000001"),
    "box shrunk off the counterexample": lambda c: c["claim"]["box"]["nu"].__setitem__(0, "0.80000000000000000001"),
    "bound 1e-50 above the counterexample's value":
        lambda c: c["claim"].update(bound=c["counterexample"]["value"][:-1] + str(int(c["counterexample"]["value"][-1]) + 1)),
}


@pytest.mark.parametrize("name", list(REFUTED_FORGERIES))
def test_forged_refutations_are_rejected(refuted_cert, name):
    assert recheck(refuted_cert).ok
    forged = copy.deepcopy(refuted_cert)
    REFUTED_FORGERIES[name](forged)
    r = recheck(resealed(forged))
    assert not r.ok and r.exit_code == 1, (name, r.problems)


def _selu_mean(s2, lam, alp):
    """E[selu(s Z)], Z ~ N(0, 1), in closed form: lambda (s phi(0) + alpha (e^(s^2/2) Phi(-s) - 1/2))."""
    s = mpmath.sqrt(s2)
    return lam * (s / mpmath.sqrt(2 * mpmath.pi) + alp * (mpmath.exp(s2 / 2) * mpmath.ncdf(-s) - mpmath.mpf(1) / 2))


def test_a_refutation_by_a_hair_of_1e_minus_1500_is_rejected():
    """Precision game: the claim ``mean < b`` with ``b`` 10^-1500 above the mean at the
    counterexample (a 1560-digit bound; the claim holds there): Arb must not decide a
    violation (it decides ``Q < b`` at 5120 bits, or leaves it undecided: rejected either
    way).  10^-1500 below, the refutation is true (accepted, or at worst undecided)."""
    box = {"mu": ("0", "0"), "omega": ("0", "0"), "nu": ("2", "2"), "tau": ("1", "1")}
    cert = certificate.build(certify(make_claim("mean", "<", "0.01", box), workers=1))
    assert cert["verdict"] == "REFUTED" and recheck(cert).ok
    with mpmath.workdps(1600):
        mean = _selu_mean(mpmath.mpf(2), lambda01(1600), alpha01(1600))
        assert mpmath.almosteq(mean, judge("mean", ("0", "0", "2", "1")), 1e-20)
        for delta, false_claim in ((mpmath.mpf(10) ** -1500, True), (-mpmath.mpf(10) ** -1500, False)):
            forged = copy.deepcopy(cert)
            forged["claim"]["bound"] = mpmath.nstr(mean + delta, 1560, strip_zeros=False, min_fixed=-5, max_fixed=5)
            assert "e" not in forged["claim"]["bound"] and len(forged["claim"]["bound"]) < 2000
            forged["counterexample"]["value"] = mpmath.nstr(mean, 50)
            r = recheck(resealed(forged))
            if false_claim:
                assert not r.ok and r.exit_code == 1 and "violat" in r.problems[0], r.problems
            else:
                assert r.exit_code in (0, 1), r.problems


# --- 4. coordinated forgeries of mean-field and tube certificates -------------------------------

import subprocess  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
_MADE = {}


def _meanfield():
    if "meanfield" not in _MADE:
        from snn_verify.proofs.rigorous.meanfield import certify_row
        _MADE["meanfield"] = certify_row("1", "0").certificate
    return copy.deepcopy(_MADE["meanfield"])


def _tube(tmp_path):
    """A genuine tube certificate of a 3-layer LeCun network (its weights beside it)."""
    import numpy as np
    rng = np.random.default_rng(0)
    weights = tmp_path / "w.npz"
    np.savez(weights, **{f"l{i}": rng.normal(0, 0.25, (16, 16)) for i in range(3)})
    out = tmp_path / "tube.json"
    subprocess.run([sys.executable, str(ROOT / "verify.py"), "tube", str(weights), "--certificate", str(out)],
                   check=True, capture_output=True, cwd=tmp_path)
    return json.loads(out.read_text())


resealed_meanfield = resealed_tube = resealed


def _claim_of(cert, quantity):
    return next(c for c in cert["claims"] if c["quantity"] == quantity)


def _enclosure(cert, quantity, lo, hi):
    c = _claim_of(cert, quantity)
    c["lo"], c["hi"] = lo, hi


MEANFIELD_FORGERIES = {
    # chi_1 = 1.07157...: "ordered" (chi_1 < 1) is false
    "chi_1 < 1": lambda c: _claim_of(c, "chi_1").update(relation="<", bound="1"),
    "chi_1 enclosure moved below 1": lambda c: (_enclosure(c, "chi_1", "0.9", "0.99"),
                                                _claim_of(c, "chi_1").update(relation="<", bound="1")),
    # q* = 1 for s_w^2 = 1, s_b^2 = 0
    "q_star enclosure beside q*": lambda c: _enclosure(c, "q_star", "1.01", "1.02"),
    "q_star < 0.99": lambda c: _claim_of(c, "q_star").update(relation="<", bound="0.99"),
    "dF_at_q_star > 1": lambda c: _claim_of(c, "dF_at_q_star").update(relation=">", bound="1"),
    "dC_at_0 > 1": lambda c: _claim_of(c, "dC_at_0").update(relation=">", bound="1"),
    "c_star > 0.1": lambda c: _claim_of(c, "c_star").update(relation=">", bound="0.1"),
    "dC_at_c_star enclosure above 1": lambda c: _enclosure(c, "dC_at_c_star", "1.01", "1.02"),
    "sw2 changed, claims kept": lambda c: c["model"].update(sw2="1.2"),
    "sb2 changed, claims kept": lambda c: c["model"].update(sb2="0.1"),
    "alpha interval added": lambda c: c["model"].update(alpha=["1.5", "1.7"]),
    "the cover's linear piece moved down to 0.5": lambda c: c["cover"][-1].update(lo="0.5"),
    "a below piece stretched down into q*": lambda c: c["cover"][-2].update(lo="1.0000000001"),
}


@pytest.mark.parametrize("name", list(MEANFIELD_FORGERIES))
def test_coordinated_forgeries_of_a_meanfield_certificate_are_rejected(name):
    cert = _meanfield()
    assert recheck(cert).ok
    MEANFIELD_FORGERIES[name](cert)
    r = recheck(resealed(cert))
    assert not r.ok and r.exit_code in (1, 2), (name, r.problems)


def test_forged_tube_certificates_are_rejected(tmp_path):
    """The target band narrowed to exclude a layer's certified pooled variance, the start box
    widened, the weights file swapped for a scaled copy (its digests recomputed), a layer's
    enclosure moved: each resealed, each rejected."""
    import numpy as np
    cert = _tube(tmp_path)
    where = str(tmp_path / "tube.json")
    assert cert["verdict"] == "CERTIFIED" and recheck(cert, file=where).ok
    forgeries = {}
    c = copy.deepcopy(cert)
    c["target"]["variance"] = ["0.8", "0.81"]
    forgeries["target variance narrowed"] = c
    c = copy.deepcopy(cert)
    c["start"]["variance"] = ["1", "3"]
    c["input"]["variance"] = ["1", "3"]
    forgeries["start variance widened"] = c
    c = copy.deepcopy(cert)
    c["layers"][0]["variance"][0] = ["2", "3"]
    forgeries["a unit's variance moved"] = c
    for k in range(1, len(cert["layers"]) + 1):
        c = copy.deepcopy(cert)
        c.update(verdict="REFUTED", refuted_at=k)
        forgeries[f"CERTIFIED flipped to REFUTED at layer {k}"] = c
    c = copy.deepcopy(cert)
    c.update(verdict="REFUTED", refuted_at=1)
    c["start"]["variance"] = ["2", "3"]
    forgeries["REFUTED from a start box outside the input box"] = c
    scaled = tmp_path / "scaled.npz"
    with np.load(tmp_path / "w.npz") as z:
        np.savez(scaled, **{k: 1.5 * z[k] for k in z.files})
    from snn_verify.proofs.rigorous.recheck import tube as tube_kernel
    c = copy.deepcopy(cert)
    c["weights"]["file"] = str(scaled)
    c["weights"]["file_sha256"] = tube_kernel.file_digest(str(scaled))
    with np.load(scaled) as z:
        for layer in c["weights"]["layers"]:
            layer["sha256"] = tube_kernel.array_digest(z[layer["name"]])
    forgeries["weights scaled by 1.5, digests recomputed"] = c
    for name, forged in forgeries.items():
        r = recheck(resealed(forged), file=where)
        assert not r.ok and r.exit_code in (1, 2), (name, r.problems)


# --- 5. the leaf prover never proves a false bound ----------------------------------------------

from snn_verify.proofs.claims import Model  # noqa: E402
from snn_verify.proofs.rigorous.recheck.leaves import prove_bound  # noqa: E402
from snn_verify.proofs.rigorous.recheck.quantities import Budget, BudgetExceeded, duals, evaluate, metered  # noqa: E402

MODELS = {"selu": (Model(), None, None, None), "dropout": (Model(dropout="0.1"), None, None, "0.1"),
          "alpha": (Model(alpha=("1.6", "1.8")), None, "1.6", None)}


COORDS = (("mu", "omega", "nu", "tau"), ("m", "s2"), ("m", "nu", "tau"))


@st.composite
def leaf_attacks(draw):
    """A quantity, coordinates, a box (wide to one-ulp-narrow), a point of it (its corner or
    inside) and a model."""
    quantity = draw(st.sampled_from(["mean", "variance", "variance_change", "spectral_norm"]))
    coords = draw(st.sampled_from({"mean": COORDS, "variance": COORDS, "variance_change": (COORDS[0], COORDS[2]),
                                   "spectral_norm": COORDS[:1]}[quantity]))
    ranges = {"mu": (-1, 1), "omega": (-1, 1), "m": (-1, 1), "nu": (0.3, 2), "tau": (0.5, 2), "s2": (0.3, 3)}
    box = []
    for name in coords:
        lo, hi = ranges[name]
        a = draw(st.floats(lo, hi))
        width = draw(st.sampled_from([0.0, 1e-15, 1e-6, 1e-3, 0.05, 0.3, 1.0]))
        b = min(hi, a + width)
        box.append((a, b) if a < b else (a, a))
    t = [draw(st.sampled_from([0.0, 1.0, 0.5, 0.3])) for _ in coords]
    point = [lo + (hi - lo) * s if lo < hi else lo for (lo, hi), s in zip(box, t)]
    point = [min(max(p, lo), hi) for p, (lo, hi) in zip(point, box)]
    return quantity, coords, box, point, draw(st.sampled_from(sorted(MODELS)))


def _as_variables(coords, point):
    """(mu, omega, nu, tau) decimal texts of a point of ``coords``."""
    p = dict(zip(coords, (repr(float(x)) for x in point)))
    if coords == ("m", "s2"):
        return (p["m"], "1", p["s2"], "1")
    if coords == ("m", "nu", "tau"):
        return (p["m"], "1", p["nu"], p["tau"])
    return tuple(p[v] for v in coords)


@settings(max_examples=200 if FULL else 20, deadline=None)
@given(leaf_attacks(), st.sampled_from([1, -1]))
def test_the_leaf_prover_never_proves_a_bound_broken_at_a_point_of_its_box(attack, sense):
    """A bound 1e-12 (relative) on the wrong side of the quantity at a point of the leaf,
    judged by quadrature: ``prove_bound`` must not prove it (within a work budget)."""
    quantity, coords, box, point, model_name = attack
    model, lam, alp, dropout = MODELS[model_name]
    value = judge(quantity, _as_variables(coords, point), lam, alp, dropout)
    bound = float(value - sense * (abs(value) * mpmath.mpf("1e-12") + mpmath.mpf("1e-14")))
    try:
        with metered(Budget(3000)):
            proved = prove_bound(quantity, sense, box, arb(sense * bound), model=model, coordinates=coords)
    except BudgetExceeded:
        proved = False
    assert not proved, (quantity, coords, box, point, model_name, sense, value, bound)
    # and the box's enclosure holds the value
    z = evaluate(quantity, duals(box), model, coords).v
    with mpmath.workdps(40):
        assert holds_mp(z, value, digits=20), (z, value)


def test_the_leaf_prover_test_catches_a_broken_lift(monkeypatch):
    """The leaf-prover test can fail: with the lift's endpoint products of the gradient taken
    from the lower ends only (a gradient enclosure too narrow: a false monotonicity), it
    finds a false bound proved or an enclosure that misses the value."""
    from snn_verify.proofs.rigorous.recheck import quantities

    monkeypatch.setattr(quantities, "endpoint_product", lambda x, y: x.lower() * y.lower())
    with pytest.raises(AssertionError):
        test_the_leaf_prover_never_proves_a_bound_broken_at_a_point_of_its_box()


# --- 6. work bounds -------------------------------------------------------------------------------

def _staircase(steps):
    """A valid tiling of ``[0, steps]^2 x [0, 1]^2`` whose every cut splits off one box
    (``[k, k+1] x [k, steps]`` and ``[k+1, steps] x [k, k+1]``): the tiling check's worst case,
    quadratic in the boxes without its work budget."""
    boxes = []
    for k in range(steps):
        boxes.append(((float(k), float(k + 1)), (float(k), float(steps)), (0.0, 1.0), (0.0, 1.0)))
        if k + 1 < steps:
            boxes.append(((float(k + 1), float(steps)), (float(k), float(k + 1)), (0.0, 1.0), (0.0, 1.0)))
    return ((0.0, float(steps)), (0.0, float(steps)), (0.0, 1.0), (0.0, 1.0)), boxes


def test_the_tiling_check_spends_only_its_budget_on_a_staircase():
    """A staircase of 8,000 boxes (quadratic work: about 10^8 box visits) stops at the
    budget (rejected: bisection leaves never need it) within seconds; a short one passes."""
    import time
    from snn_verify.proofs.rigorous.recheck.coverage import tiles

    region, boxes = _staircase(20)
    assert tiles(region, boxes)
    region, boxes = _staircase(4000)
    t0 = time.perf_counter()
    assert not tiles(region, boxes)
    assert time.perf_counter() - t0 < 15
