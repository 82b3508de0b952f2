"""The sympy derivation: re-derived here and checked against the committed generated code
and against independent quadrature."""
import mpmath
import numpy as np
import pytest
import sympy as sp

from snn_verify.theory import _selu_generated, symbolic
from snn_verify.theory.kernels import make_kernels

RNG_POINTS = [(-3.0, 0.7), (0.0, 1.0), (0.4, 0.2), (2.5, 3.1), (-0.02, 0.05), (7.0, 12.0)]


@pytest.fixture(scope="module")
def fresh_source():
    return symbolic.generate_module()


def test_generated_module_matches_a_fresh_derivation(fresh_source):
    with open(_selu_generated.__file__, encoding="utf-8") as fh:
        committed = fh.read()
    if f"sympy {sp.__version__}." in committed:
        assert committed == fresh_source, "regenerate with: python -m snn_verify.theory.symbolic"
    # whatever the sympy version, the fresh code must compute the same numbers
    ns = {}
    exec(compile(fresh_source, "<fresh>", "exec"), ns)
    args = (mpmath.exp, mpmath.sqrt, lambda a, d, b: mpmath.exp(a) * mpmath.erfc(b), mpmath.pi, mpmath.mpf(1),
            lambda f: f)
    fresh = ns["build"](*args)
    committed_fns = _selu_generated.build(*args)
    with mpmath.workdps(40):
        for name, fn in committed_fns.items():
            for m, s in RNG_POINTS:
                a = fn(mpmath.mpf(m), mpmath.mpf(s)) if name == "blocks" else fn(mpmath.mpf(m), mpmath.mpf(s), 1.05, 1.67)
                b = fresh[name](mpmath.mpf(m), mpmath.mpf(s)) if name == "blocks" else fresh[name](
                    mpmath.mpf(m), mpmath.mpf(s), 1.05, 1.67)
                for x, y in zip(a, b):
                    assert abs(x - y) <= mpmath.mpf(10) ** -35 * max(1, abs(y)), (name, m, s)


@pytest.mark.parametrize("name", ["P1", "M1", "M2", "N0", "K1", "K2", "N1", "N2"])
def test_half_line_integrals_against_quadrature(name):
    integrand = {
        "P1": (lambda z: 1, "pos"), "M1": (lambda z: z, "pos"), "M2": (lambda z: z * z, "pos"),
        "N0": (lambda z: 1, "neg"), "K1": (lambda z: z, "neg"), "K2": (lambda z: z * z, "neg"),
        "N1": (mpmath.exp, "neg"), "N2": (lambda z: mpmath.exp(2 * z), "neg"),
    }[name]
    f, half = integrand
    expr = symbolic.half_line_integrals()[name]
    with mpmath.workdps(40):
        for m, s in RNG_POINTS:
            closed = sp.N(expr.subs({symbolic.m: sp.Rational(str(m)), symbolic.s: sp.Rational(str(s))}), 40)
            mm, ss = mpmath.mpf(str(m)), mpmath.mpf(str(s))
            dens = lambda z: mpmath.npdf(z, mm, ss)  # noqa: E731
            lims = [0, mpmath.inf] if half == "pos" else [-mpmath.inf, 0]
            ref = mpmath.quad(lambda z: f(z) * dens(z), [lims[0], mm if lims[0] < mm < lims[1] else lims[0], lims[1]])
            assert abs(mpmath.mpf(str(closed)) - ref) <= mpmath.mpf(10) ** -30 * max(1, abs(ref)), (name, m, s)


def test_variance_forms_equal_second_minus_mean_squared():
    """The two cancellation-free variance forms equal the textbook E[selu^2] - mean^2."""
    mom = symbolic.selu_moments()
    forms = {k: symbolic.realize(v) for k, v in symbolic.variance_forms().items()}
    subs_base = {symbolic.lambda_: sp.Rational(105, 100), symbolic.alpha: sp.Rational(167, 100)}
    for m, s in RNG_POINTS:
        subs = {**subs_base, symbolic.m: sp.Rational(str(m)), symbolic.s: sp.Rational(str(s))}
        ref = sp.N(mom["variance"].subs(subs), 50)
        for name, form in forms.items():
            val = sp.N(form.subs(subs), 50)
            assert abs(val - ref) <= sp.Float("1e-40") * max(1, abs(ref)), (name, m, s)


def test_derivative_of_exp_erfc_node():
    A, B = sp.symbols("A B")
    d = sp.diff(symbolic.ExpErfc(A, B), B)
    ref = sp.diff(sp.exp(A) * sp.erfc(B), B)
    assert sp.simplify(d - ref) == 0


def test_closed_form_parameters_match_the_mpmath_route_to_100_digits():
    from snn_verify.theory.parameters import alpha01_lambda01

    a_sym, l_sym = symbolic.fixed_point_01_closed_form()
    a_num, l_num = alpha01_lambda01(105)
    with mpmath.workdps(110):
        assert abs(mpmath.mpf(str(sp.N(a_sym, 110))) - a_num) < mpmath.mpf(10) ** -100
        assert abs(mpmath.mpf(str(sp.N(l_sym, 110))) - l_num) < mpmath.mpf(10) ** -100
    # the closed forms are in pi, e, erfc(1/sqrt 2), erfc(sqrt 2) only
    atoms = {type(a) for a in (a_sym + l_sym).atoms(sp.Function)}
    assert atoms <= {sp.erfc, sp.exp}


def test_selu_gradient_factor_against_quadrature():
    k = make_kernels("mpmath")
    with mpmath.workdps(35):
        for m, s in RNG_POINTS:
            lam, al = mpmath.mpf("1.05"), mpmath.mpf("1.67")
            m, s = mpmath.mpf(m), mpmath.mpf(s)  # the kink -m/s must be exact: the integrand jumps there
            closed = k.generated["gradient_factor"](m, s, lam, al)[0]
            ref = mpmath.quad(lambda t: (lam if m + s * t > 0 else lam * al * mpmath.exp(m + s * t)) ** 2
                              * mpmath.npdf(t), [-mpmath.inf, -m / s, mpmath.inf])
            assert abs(closed - ref) < mpmath.mpf(10) ** -28 * max(1, ref)


@pytest.mark.parametrize("mu,omega", [(10.0, 1.0), (-10.0, 1.0), (0.0, 0.0)])
def test_float_kernels_do_not_overflow_where_exp_times_erfc_would(mu, omega):
    """At nu*tau = 375 the factor exp(2m + 2 s^2) alone overflows float64 (exp(730) > 1e308);
    the erfcx form must still give finite values equal to 50-digit mpmath."""
    nu, tau = 125.0, 3.0
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.exp(np.float64(2 * mu * omega + 2 * nu * tau)))
    lam, al = 1.0507009873554805, 1.6732632423543772
    got = make_kernels("python").partials(mu, omega, nu, tau, lam, al)
    with mpmath.workdps(50):
        ref = make_kernels("mpmath").partials(*(mpmath.mpf(v) for v in (mu, omega, nu, tau, lam, al)))
    for g, r in zip(got, ref):
        assert np.isfinite(g)
        assert abs(g - float(r)) <= 1e-12 * max(abs(float(r)), 1e-3)
