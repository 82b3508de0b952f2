"""Activations: analytic map (quadrature, and SELU's closed form) beside the sampler."""
import math
import pathlib
import re

import mpmath
import numpy as np
import pytest

from snn_verify.theory.activation_registry import ACTS, get_primitives
from snn_verify.theory.activations import ACTIVATIONS, chi1, get, moments_quad, sample_moments
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


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_float_forms_are_the_registry_definition_and_stay_finite(name):
    """The float, numpy and mpmath forms evaluate the registry's one definition (no formula of
    their own), and the derivatives stay finite where a naive sigmoid form overflows."""
    act, reg = ACTIVATIONS[name], ACTS[name]
    py, npy = get_primitives("python"), get_primitives("numpy")
    xs = np.linspace(-40, 40, 641)
    for derivative in (False, True):
        f = act.scalar(lambda fn: fn, derivative=derivative)
        ref = reg.derivative if derivative else reg.value
        assert [f(v) for v in xs] == [ref(py, v) for v in xs]
        assert np.array_equal(act.numpy(derivative=derivative)(xs), ref(npy, xs))
        assert math.isfinite(f(-700.0)) and math.isfinite(f(700.0))
    with mpmath.workdps(30):
        assert act.mpmath()(mpmath.mpf("-0.7")) == reg.value(get_primitives("mpmath"), mpmath.mpf("-0.7")) or \
            name == "selu"  # SELU's mpmath form takes alpha01, lambda01 at the working precision


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


def _ulps(a, b):
    """Distance in units in the last place (float64) between arrays ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    ia, ib = a.view(np.int64), b.view(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**63)) - ia, ia)       # monotone integers (-0.0 == +0.0)
    ib = np.where(ib < 0, np.int64(-(2**63)) - ib, ib)
    return np.abs(ia.astype(object) - ib.astype(object)).astype(float)


def _grid():
    rng = np.random.default_rng(11)
    return np.concatenate([np.linspace(-30, 30, 2001), rng.normal(0, 3, 2000), [-1e-300, -1e-8, 0.0, 1e-8, 1e-300],
                           np.nextafter(0.0, [1.0, -1.0])])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_numba_form_is_the_registry_definition(name):
    """numba compiles the registry's own function (no second copy): its values equal the
    registry's float64 values (math primitives) to <= 2 ulp at every point of a grid with
    tails, tiny |x| and the kinks, value and derivative."""
    import numba

    act, reg, py = ACTIVATIONS[name], ACTS[name], get_primitives("python")
    xs = _grid()
    for derivative in (False, True):
        f = act.scalar(numba.njit, derivative=derivative)
        ref = reg.derivative if derivative else reg.value
        ours = np.array([f(v) for v in xs])
        theirs = np.array([ref(py, v) for v in xs])
        assert np.max(_ulps(ours, theirs)) <= 2, (name, derivative)


def test_numba_form_takes_parameters_and_rejects_unknown_ones():
    import numba

    from snn_verify.errors import InputError

    f = ACTIVATIONS["leaky_relu"].scalar(numba.njit, slope=0.2)
    assert f(-1.0) == -0.2 and f(3.0) == 3.0
    g = ACTIVATIONS["celu"].scalar(numba.njit, alpha=2.0)
    assert g(-1.0) == ACTS["celu"].value(get_primitives("python"), -1.0, alpha=2.0)
    with pytest.raises(InputError, match="slope"):
        ACTIVATIONS["relu"].scalar(numba.njit, slope=0.2)


#: an activation formula written outside the registry: sigmoid, softplus, gelu (erf and tanh
#: forms), mish, and the definitions' names
_FORMULAS = re.compile(r"0\.044715|logaddexp|log1p\((np\.|math\.|mpmath\.)?exp|1 \+ (np\.|math\.|sp\.)?exp\(-"
                       r"|erf\([^)]*sqrt|tanh\([^)]*softplus|def _?(sigmoid|softplus|gelu|silu|swish|mish|celu|leaky)")


def test_each_activation_has_one_definition():
    """Only the registry writes activation formulas: the library's other modules (the float
    quadrature, the numba/CUDA backends, the Monte Carlo zoo, the figures) carry none, and
    theory/activations.py no sympy form."""
    root = pathlib.Path(__file__).resolve().parent.parent
    registry = root / "theory" / "activation_registry.py"
    found = [f"{p.relative_to(root)}:{i}: {line.strip()}"
             for d in ("theory", "proofs", "figures", "snn_verify") for p in sorted((root / d).rglob("*.py"))
             if p != registry for i, line in enumerate(p.read_text().splitlines(), 1) if _FORMULAS.search(line)]
    assert not found, found
    # the pattern does find the registry's own definitions
    assert len([line for line in registry.read_text().splitlines() if _FORMULAS.search(line)]) >= 8
    source = (root / "theory" / "activations.py").read_text()
    assert "sympy" not in source and "lambdify" not in source
