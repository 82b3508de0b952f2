"""SELU parameters, the fixed-point solver and alpha dropout."""
import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snn_verify.theory.dropout import affine_correction, alpha_dropout, dropped_moments
from snn_verify.theory.kernels import make_kernels
from snn_verify.theory.parameters import ALPHA01, LAMBDA01, NoFixedPointError, alpha01_lambda01, solve_parameters


def test_alpha01_lambda01_make_0_1_a_fixed_point_to_1e_90():
    kern = make_kernels("mpmath")
    a, lam = alpha01_lambda01(110)
    with mpmath.workdps(120):
        mean, var = kern.moments(mpmath.mpf(0), mpmath.mpf(0), mpmath.mpf(1), mpmath.mpf(1), lam, a)
    assert abs(mean) < mpmath.mpf(10) ** -90
    assert abs(var - 1) < mpmath.mpf(10) ** -90


def test_published_digits_and_float_constants():
    a, lam = alpha01_lambda01(30)
    assert mpmath.nstr(a, 5) == "1.6733" and mpmath.nstr(lam, 5) == "1.0507"
    assert ALPHA01 == float(a) and LAMBDA01 == float(lam)


def test_authors_notebook_variant():
    """getSELUparameters notebook: fixed point (-0.1, 2) at omega = tau = 1."""
    a, lam = solve_parameters(-0.1, 2, 1, 1, digits=30)
    assert abs(float(a) - 1.9769021954241999) < 1e-12
    assert abs(float(lam) - 1.073851239616047) < 1e-12


def _fixed_point_by_iteration(omega, tau, lam, al, start=(0.0, 1.0), steps=400):
    """Iterate g (a contraction near (0, 1) for these parameters) to its fixed point."""
    kern = make_kernels("mpmath")
    mu, nu = mpmath.mpf(start[0]), mpmath.mpf(start[1])
    for _ in range(steps):
        mu, nu = kern.moments(mu, omega, nu, tau, lam, al)
    return mu, nu


@given(st.floats(1.3, 2.2), st.floats(0.95, 1.15), st.floats(-0.3, 0.3), st.floats(0.8, 1.2))
def test_solver_round_trip(al, lam, omega, tau):
    """Pick (alpha, lambda, omega, tau), find g's fixed point by iterating g, then ask the solver
    which parameters have that fixed point: (alpha, lambda) must be among its answers."""
    with mpmath.workdps(45):
        al_, lam_, om_, tau_ = (mpmath.mpf(v) for v in (al, lam, omega, tau))
        mu_star, nu_star = _fixed_point_by_iteration(om_, tau_, lam_, al_)
        step = make_kernels("mpmath").moments(mu_star, om_, nu_star, tau_, lam_, al_)
        if abs(step[0] - mu_star) + abs(step[1] - nu_star) > mpmath.mpf(10) ** -35:
            return  # iteration did not converge (not a contraction here): nothing to round-trip
        sols = solve_parameters(mu_star, nu_star, om_, tau_, digits=30, all_solutions=True)
    assert any(abs(a - al_) < 1e-25 and abs(l_ - lam_) < 1e-25 for a, l_ in sols)
    for a, l_ in sols:
        with mpmath.workdps(45):
            m, v = make_kernels("mpmath").moments(mu_star, om_, nu_star, tau_, l_, a)
        assert abs(m - mu_star) < 1e-25 and abs(v - nu_star) < 1e-25


def test_solver_errors():
    with pytest.raises(NoFixedPointError):
        solve_parameters(3, 0.01, 1, 1, digits=20)  # mean 3 with variance 0.01: no SELU does it
    with pytest.raises(ValueError):
        solve_parameters(0, -1, 0, 1)
    with pytest.raises(ValueError):
        solve_parameters(0, 1, 0, 0)


@given(st.floats(0.5, 1.0, exclude_min=True), st.floats(-3, 0), st.floats(-1, 1), st.floats(0.1, 4))
def test_dropout_affine_restores_moments_analytically(q, alpha_prime, mean, var):
    a, b = affine_correction(q, alpha_prime, mean, var)
    m, v = dropped_moments(q, alpha_prime, a, b, mean, var)
    assert abs(m - mean) <= 1e-12 * (1 + abs(mean) + abs(alpha_prime))
    assert abs(v - var) <= 1e-12 * (var + alpha_prime**2)


def test_paper_dropout_formula_at_0_1():
    r = alpha_dropout("0.1", digits=30)
    q, ap = r["q"], r["alpha_prime"]
    with mpmath.workdps(40):
        assert abs(r["a"] - (q + ap**2 * q * (1 - q)) ** -0.5) < 1e-25
        assert abs(r["b"] + r["a"] * (1 - q) * ap) < 1e-25
    assert abs(ap + ALPHA01 * LAMBDA01) < 1e-15


@pytest.mark.parametrize("rate,mean,var", [(0.05, 0.0, 1.0), (0.1, 0.0, 1.0), (0.2, -0.1, 2.0)])
def test_dropout_restores_moments_on_a_monte_carlo_sample(rate, mean, var):
    rng = np.random.default_rng(1)
    n = 400_000
    q = 1 - rate
    ap = -1.7580993408473766
    a, b = affine_correction(q, ap, mean, var)
    x = mean + np.sqrt(var) * rng.standard_normal(n)
    keep = rng.random(n) < q
    y = a * np.where(keep, x, ap) + b
    se_mean = np.sqrt(var / n)
    c = y - y.mean()
    se_var = np.sqrt((np.mean(c**4) - np.mean(c**2) ** 2) / n)
    assert abs(y.mean() - mean) < 5 * se_mean
    assert abs(y.var() - var) < 5 * se_var
    # and without the correction the moments are visibly off (the test can fail)
    z = np.where(keep, x, ap)
    assert abs(z.var() - var) > 5 * se_var or abs(z.mean() - mean) > 5 * se_mean


def test_dropout_rejects_bad_rates():
    for rate in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            alpha_dropout(rate)
    with pytest.raises(ValueError):
        affine_correction(0.0, -1.7)
