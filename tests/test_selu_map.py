"""The moment map g and its Jacobian, checked against independent routes:
direct mpmath quadrature (moments) and high-precision finite differences (derivatives)."""
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import central_difference, moments_by_quadrature

from snn_verify.theory.jacobian import jacobian, partials, partials_mp, point_mp, spectral_norm
from snn_verify.theory.kernels import make_kernels
from snn_verify.theory.parameters import ALPHA01, LAMBDA01, alpha01_lambda01
from snn_verify.theory.selu_map import DomainError, moment_map, moment_map_mp

# the wide range the float64 accuracy statement covers
mus = st.floats(-10, 10)
omegas = st.floats(-1, 1)
nus = st.floats(-3, 2).map(lambda e: 10.0**e)  # nu in [1e-3, 100]
taus = st.floats(0.1, 3)
lams = st.floats(0.8, 1.3)
alphas = st.floats(0.5, 2.5)


@given(mus, omegas, nus, taus, lams, alphas)
def test_closed_form_matches_independent_quadrature_to_30_digits(mu, omega, nu, tau, lam, al):
    mean, var = moment_map_mp(mu, omega, nu, tau, lam, al, digits=32)
    q_mean, q_var = moments_by_quadrature(mu, omega, nu, tau, lam, al, dps=45)
    tol = mpmath.mpf(10) ** -30
    scale = max(abs(q_mean), mpmath.sqrt(q_var), mpmath.mpf(10) ** -10)
    assert abs(mean - q_mean) <= tol * scale
    assert abs(var - q_var) <= tol * q_var


#: the float64 accuracy stated in theory/selu_map.py
VAR_RTOL, MEAN_RTOL, MEAN_ATOL = 1e-10, 1e-12, 1e-15


@given(mus, omegas, nus, taus)
def test_float64_kernel_against_mpmath_within_stated_error(mu, omega, nu, tau):
    f_mean, f_var = (float(v) for v in moment_map(mu, omega, nu, tau))
    with mpmath.workdps(40):
        r_mean, r_var = make_kernels("mpmath").moments(
            *(mpmath.mpf(v) for v in (mu, omega, nu, tau, LAMBDA01, ALPHA01)))
    assert abs(f_var - float(r_var)) <= VAR_RTOL * float(r_var)
    scale = max(abs(float(r_mean)), 0.0)
    assert abs(f_mean - float(r_mean)) <= MEAN_RTOL * scale + MEAN_ATOL * (1 + abs(mu * omega) + math.sqrt(nu * tau))


@given(mus, omegas, nus, taus)
def test_float64_partials_against_mpmath(mu, omega, nu, tau):
    got = partials(mu, omega, nu, tau)
    with mpmath.workdps(40):
        ref = make_kernels("mpmath").partials(*(mpmath.mpf(v) for v in (mu, omega, nu, tau, LAMBDA01, ALPHA01)))
    # derivative scale: the magnitude of the map's value over the input's scale
    for (name, g), r in zip(got.items(), ref):
        r = float(r)
        scale = abs(r) + 1e-13 * (1 + abs(float(ref[0])) + float(ref[1]))
        assert abs(float(g) - r) <= 1e-9 * scale, name


@given(st.floats(-2, 2), st.floats(-1, 1), st.floats(0.05, 20), st.floats(0.3, 2.5))
def test_all_partials_against_high_precision_finite_differences(mu, omega, nu, tau):
    """d(mean, var)/d(mu, omega, nu, tau) from the sympy derivatives vs central differences
    (h = 1e-25 at 80 digits: truncation error ~1e-50)."""
    out = partials_mp(mu, omega, nu, tau, LAMBDA01, ALPHA01, digits=30)
    kern = make_kernels("mpmath")
    with mpmath.workdps(80):
        x0 = [mpmath.mpf(v) for v in (mu, omega, nu, tau)]
        h = mpmath.mpf(10) ** -25
        for i, var_name in enumerate(("mu", "omega", "nu", "tau")):
            def f(t, k, i=i):
                x = list(x0)
                x[i] = t
                return kern.moments(*x, mpmath.mpf(LAMBDA01), mpmath.mpf(ALPHA01))[k]
            for k, q in enumerate(("mean", "var")):
                fd = central_difference(lambda t: f(t, k), x0[i], h)
                got = out[f"d{q}_d{var_name}"]
                assert abs(got - fd) <= mpmath.mpf(10) ** -25 * max(1, abs(fd)), (q, var_name)


def test_jacobian_at_the_fixed_point_matches_the_authors_notebook():
    J = jacobian(0.0, 0.0, 1.0, 1.0)
    assert np.allclose(J, [[0.0, 0.0888348], [0.0, 0.782648]], atol=5e-7)
    assert abs(spectral_norm(J) - 0.787673) < 5e-7
    p = point_mp(0, 0, 1, 1, digits=50)
    assert abs(float(p["spectral_norm"]) - 0.787673) < 5e-7


@given(st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_spectral_norm_closed_form_against_svd(entries):
    J = np.array(entries).reshape(2, 2)
    assert abs(spectral_norm(J) - np.linalg.svd(J, compute_uv=False)[0]) <= 1e-13 * (1 + np.abs(J).max())
    with mpmath.workdps(40):
        k = make_kernels("mpmath")
        closed = k.spectral_norm(*(mpmath.mpf(v) for v in entries))
        ref = max(mpmath.svd_r(mpmath.matrix(J.tolist()), compute_uv=False))
        assert abs(closed - ref) <= mpmath.mpf(10) ** -35 * (1 + abs(ref))


def test_float_api_broadcasts_and_rejects_bad_domains():
    mean, var = moment_map(np.linspace(-0.1, 0.1, 5)[:, None], 0.1, np.array([0.8, 1.5]), 1.0)
    assert mean.shape == (5, 2) and var.shape == (5, 2)
    assert jacobian(np.zeros(3), 0.0, 1.0, 1.0).shape == (3, 2, 2)
    for bad in ({"nu": 0.0}, {"tau": -1.0}, {"nu": math.nan}, {"mu": math.inf}):
        args = {"mu": 0.0, "omega": 0.0, "nu": 1.0, "tau": 1.0, **bad}
        with pytest.raises(DomainError):
            moment_map(**args)
        with pytest.raises(DomainError):
            moment_map_mp(args["mu"], args["omega"], args["nu"], args["tau"])


def test_python_and_numba_builds_of_the_one_source_agree():
    """The plain-Python and numba-CPU builds of the one generated source agree to 1e-14 on
    the same float64 inputs (same operations in the same order; libm may differ by an ulp)."""
    py, cpu = make_kernels("python"), make_kernels("cpu")
    for args in [(0.05, -0.07, 1.2, 1.05), (-3.0, 0.9, 0.01, 2.0), (5.0, 1.0, 50.0, 3.0)]:
        a = py.partials(*args, LAMBDA01, ALPHA01)
        b = cpu.partials(*args, LAMBDA01, ALPHA01)
        assert np.allclose(a, b, rtol=1e-14, atol=0)


@pytest.mark.parametrize("nu", ["1e-30", "1e-200", "5e-324"])
def test_tiny_variance_against_the_small_s_expansion(nu):
    """At m = 0 and s^2 = nu*tau -> 0, z = s t with t standard normal and selu(z) = lambda z c(t),
    c = 1 (t > 0) or alpha (t < 0), up to O(s^2):

        mu~ = lambda s (1 - alpha) / sqrt(2 pi) + O(s^2),
        nu~ = lambda^2 s^2 ((1 + alpha^2)/2 - (1 - alpha)^2/(2 pi)) (1 + O(s)).

    The 50 checked digits of the closed form must match these (once printed as 0.0 because
    the precision check accepted an absolute agreement below 1e-60 for a value of 1e-101)."""
    with mpmath.workdps(80):
        al, lam = alpha01_lambda01(70)     # checked against their closed forms in test_parameters
        s = mpmath.sqrt(mpmath.mpf(nu))
        mean_ref = lam * s * (1 - al) / mpmath.sqrt(2 * mpmath.pi)
        var_ref = lam**2 * s**2 * ((1 + al**2) / 2 - (1 - al) ** 2 / (2 * mpmath.pi))
        mean, var = moment_map_mp("0", "1", nu, "1", digits=50)
        # the O(s) relative corrections are below 1e-15 at nu = 1e-30, 1e-100 beyond
        tol = mpmath.mpf(10) ** (-14 if nu == "1e-30" else -48)
        assert abs(mean / mean_ref - 1) < tol
        assert abs(var / var_ref - 1) < tol
