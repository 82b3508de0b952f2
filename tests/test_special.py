"""erfcx and exp(A)*erfc(B) in float64 against 50-digit mpmath."""
import math

import mpmath
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from snn_verify.theory.special import ERFCX_ASYMPTOTIC_FROM, make_special

PY = make_special(lambda f: f)


def _erfcx_mp(x):
    with mpmath.workdps(50):
        x = mpmath.mpf(x)
        return float(mpmath.exp(x * x) * mpmath.erfc(x))


@given(st.one_of(st.floats(-5, 30), st.floats(30, 1e6), st.sampled_from([0.0, 0.5, ERFCX_ASYMPTOTIC_FROM])))
def test_erfcx_relative_error_below_1e_14(x):
    assert abs(PY.erfcx(x) - _erfcx_mp(x)) <= 1e-14 * _erfcx_mp(x)


def test_erfcx_is_continuous_across_its_branch_points():
    for x0 in (0.5, ERFCX_ASYMPTOTIC_FROM):
        below, above = PY.erfcx(math.nextafter(x0, 0)), PY.erfcx(x0)
        assert abs(below - above) <= 1e-14 * above


@given(st.floats(-50, 50), st.floats(-5, 25))
def test_exp_erfc_matches_mpmath(a, b):
    with mpmath.workdps(50):
        ref = mpmath.exp(mpmath.mpf(a)) * mpmath.erfc(mpmath.mpf(b))
        gap = mpmath.mpf(a) - mpmath.mpf(b) ** 2
    assume(gap < 700 and a < 700)  # inside float64's exponent range
    got = PY.exp_erfc(a, float(gap), b)
    assert abs(got - float(ref)) <= 1e-12 * float(ref) + 1e-300


def test_numba_build_matches_python_build():
    import numba

    nb = make_special(numba.njit)
    xs = np.concatenate([np.linspace(-3, 40, 301), [1e3, 1e5]])
    assert max(abs(nb.erfcx(x) - PY.erfcx(x)) / PY.erfcx(x) for x in xs) < 1e-15


def test_mpmath_erfcx_past_mpmath_erfc_range():
    """mpmath's erfc fails (float overflow in its series test) near x ~ 1e154; past 1e6 the
    mpmath route uses the asymptotic series, checked here against exp(x^2) erfc(x) where
    mpmath still works, and against the leading term 1/(x sqrt(pi)) far beyond."""
    from snn_verify.theory.special import MP

    with mpmath.workdps(60):
        for x in ("1.5e6", "2e7", "1e40"):
            x = mpmath.mpf(x)
            direct = mpmath.exp(x * x) * mpmath.erfc(x)
            assert abs(MP.erfcx(x) / direct - 1) < mpmath.mpf(10) ** -55
        x = mpmath.mpf("4.5e161")
        lead = 1 / (x * mpmath.sqrt(mpmath.pi))
        assert abs(MP.erfcx(x) / lead - 1) < mpmath.mpf(10) ** -55
        assert abs(MP.exp_erfc(2, 2 - x * x, x) / (mpmath.exp(2 - x * x) * lead) - 1) < mpmath.mpf(10) ** -55
