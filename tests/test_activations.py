"""Activations: analytic map (quadrature, and SELU's closed form) beside the sampler."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from snn_verify.theory.activations import ACTIVATIONS, chi1, get, moments_quad, sample_moments, x
from snn_verify.theory.kernels import make_kernels
from snn_verify.theory.parameters import ALPHA01, LAMBDA01
from snn_verify.theory.selu_map import moment_map_mp

POINTS = [(0.0, 0.0, 1.0, 1.0), (0.3, 0.5, 1.3, 0.9), (-1.0, 0.8, 0.2, 1.5)]


@pytest.mark.parametrize("point", POINTS)
def test_selu_closed_form_against_quadrature_at_30_digits(point):
    closed = moment_map_mp(*point, digits=30)
    quad = moments_quad(ACTIVATIONS["selu"], *point, digits=30)
    for c, q in zip(closed, quad):
        assert abs(c - q) <= mpmath.mpf(10) ** -29 * max(abs(q), 1e-30)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_float_quadrature_agrees_with_mpmath_quadrature(name):
    act = ACTIVATIONS[name]
    pt = POINTS[1]
    f = moments_quad(act, *pt)
    m = moments_quad(act, *pt, digits=20)
    assert abs(f[0] - float(m[0])) <= 1e-11 * (1 + abs(float(m[0])))
    assert abs(f[1] - float(m[1])) <= 1e-11 * float(m[1])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_sampler_within_five_standard_errors_of_the_analytic_map(name):
    act = ACTIVATIONS[name]
    pt = POINTS[1]
    mean, var = moments_quad(act, *pt)
    s = sample_moments(act, *pt, n=200_000, seed=3)
    assert abs(s["mean"] - mean) < 5 * s["stderr_mean"]
    assert abs(s["var"] - var) < 5 * s["stderr_var"]


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.dexpr is not None])
def test_stable_derivative_forms_equal_the_sympy_derivative(name):
    act = ACTIVATIONS[name]
    assert sp.simplify(act.derivative_formula() - sp.diff(act.formula(), x)) == 0
    # and they stay finite where the naive form overflows
    f = act.scalar(lambda fn: fn, derivative=True)
    assert math.isfinite(f(-700.0)) and math.isfinite(f(700.0))


def test_chi1_closed_values():
    # relu: E[1{z>0}] = P(z > 0) = 1/2 at m = 0
    assert abs(chi1(ACTIVATIONS["relu"], 0.0, 0.0, 1.0, 2.0) - 1.0) < 1e-12
    # selu: the generated closed form of E[selu'(z)^2] times tau
    k = make_kernels("python")
    for pt in POINTS:
        closed = pt[3] * k.gradient_factor(*pt, LAMBDA01, ALPHA01)
        assert abs(chi1(ACTIVATIONS["selu"], *pt) - closed) < 1e-11 * closed


def test_chi1_against_a_sampled_derivative():
    act = ACTIVATIONS["tanh"]
    rng = np.random.default_rng(0)
    z = 0.3 + math.sqrt(1.7) * rng.standard_normal(400_000)
    d2 = act.numpy(derivative=True)(z) ** 2
    est, se = d2.mean(), d2.std() / math.sqrt(z.size)
    assert abs(chi1(act, 0.3, 1.0, 1.7, 1.0) - est) < 5 * se


def test_unknown_activation_message():
    with pytest.raises(ValueError, match="known: selu"):
        get("softplus2")
