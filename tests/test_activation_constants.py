"""Issue 20: rigorous Gaussian expectations of every registered activation and their
self-normalising constants, against independent 50-digit mpmath quadrature written here."""
import random

import mpmath
import pytest
from flint import arb, ctx

from snn_verify.proofs.rigorous import activations as constants_mod
from snn_verify.proofs.rigorous.expectations import expectations, moments_box
from snn_verify.proofs.rigorous.trusted import parameters
from snn_verify.theory.activation_registry import ACTS, get_primitives

from reference import ACTIVATIONS_MP, SELU_ALPHA, SELU_LAMBDA

mp = mpmath.mp
SELU_L, SELU_A = SELU_LAMBDA, SELU_ALPHA
#: independent definitions (value, derivative), written from the formulas, not the registry
REF = dict(ACTIVATIONS_MP)


def _ref_moments(name, m, s2):
    f, df = REF[name]
    m, s = mpmath.mpf(m), mpmath.sqrt(mpmath.mpf(s2))
    # split at x = 0 (the kink, or where a smooth activation turns) and every 4 sigma
    pts = {mpmath.mpf(k) for k in range(-12, 13, 4)} | {-m / s}
    edges = [-40, *sorted(p for p in pts if -40 < p < 40), 40]   # |t| > 40: below 1e-340

    def E(h):
        return mpmath.quad(lambda t: h(m + s * t) * mpmath.npdf(t), edges)

    return E(f), E(lambda x: f(x) ** 2), E(lambda x: df(x) ** 2)


def _arb(text):
    """A ball from its text at 200 bits (at python-flint's default 53 bits digits are lost)."""
    with ctx.workprec(200):
        return arb(text)


def _contains(ball, ref, slack=mpmath.mpf(10) ** -44):
    mid, rad = mpmath.mpf(ball.mid().str(60, radius=False)), mpmath.mpf(ball.rad().str(10, radius=False))
    return abs(mid - ref) <= rad * (1 + mpmath.mpf(10) ** -8) + slack * (1 + abs(ref))


def _points():
    rng = random.Random(20)
    pts = [("0", "1e-6"), ("20", "1e-6"), ("-20", "100"), ("0.0005", "1e-6")]
    for _ in range(1):
        pts.append((f"{rng.uniform(-20, 20):.6f}", f"{10 ** rng.uniform(-6, 2):.6e}"))
    return pts


@pytest.mark.parametrize("name", sorted(ACTS))
def test_enclosures_contain_50_digit_quadrature(name):
    with mpmath.workdps(50), ctx.workprec(180):
        for m, s2 in _points():
            e = expectations(name, arb(m), arb(s2))
            ref = _ref_moments(name, mpmath.mpf(m), mpmath.mpf(s2))
            for ball, r in zip((e.mean, e.second, e.dsecond), ref):
                assert _contains(ball, r), (name, m, s2, ball, r)
                assert float(2 * ball.rad()) <= 1e-30 * (1 + abs(float(r))), (name, m, s2, ball)


@pytest.mark.parametrize("name", ["selu", "gelu", "mish", "relu"])
def test_box_enclosure_contains_interior_points(name):
    with mpmath.workdps(30), ctx.workprec(96):
        m, s2 = arb("0.3", "1e-3"), arb("1.2", "1e-3")
        e = moments_box(name, m, s2, width=1e-2)
        for mi, si in (("0.299", "1.201"), ("0.3009", "1.1995"), ("0.3", "1.2")):
            ref = _ref_moments(name, mpmath.mpf(mi), mpmath.mpf(si))
            for ball, r in zip((e.mean, e.second, e.dsecond), ref):
                assert _contains(ball, r, mpmath.mpf(10) ** -25)


def test_closed_forms_selu_relu_to_the_last_digit():
    """SELU's generated closed forms (trusted) and ReLU's by hand against the integrals."""
    from snn_verify.proofs.rigorous.trusted import generated

    with ctx.workprec(160):
        lam, alpha = parameters()
        for m, s2 in (("0", "1"), ("0.7", "2.5"), ("-3", "0.01")):
            mb, sb = arb(m), arb(s2)
            e = expectations("selu", mb, sb, params={"lambda_": lam, "alpha": alpha})
            P1, M1, M2, N0, _, _, N1, N2 = generated()["blocks"](mb, sb.sqrt())
            mean = lam * (M1 + alpha * (N1 - N0))
            second = lam * lam * (M2 + alpha * alpha * (N2 - 2 * N1 + N0))
            assert e.mean.overlaps(mean) and e.second.overlaps(second)
            assert float(e.mean.rad()) < 1e-40 and float(e.second.rad()) < 1e-40
            # ELU (alpha = 1) is the same closed form at lambda = alpha = 1
            e = expectations("elu", mb, sb)
            assert e.mean.overlaps(M1 + N1 - N0) and e.second.overlaps(M2 + N2 - 2 * N1 + N0)
            assert float(e.mean.rad()) < 1e-40 and float(e.second.rad()) < 1e-40
        # relu: E max(z, 0) = m Phi(m/s) + s varphi(m/s); E relu^2 = (m^2 + s^2) Phi + m s varphi
        m, s = arb("0.7"), arb("2.5").sqrt()
        r = m / s
        Phi = (-r / arb(2).sqrt()).erfc() / 2
        phi = (-r * r / 2).exp() / (2 * arb.pi()).sqrt()
        e = expectations("relu", m, s * s)
        assert e.mean.overlaps(m * Phi + s * phi) and e.second.overlaps((m * m + s * s) * Phi + m * s * phi)
        assert e.dsecond.overlaps(Phi)


def _selu_independent():
    with mpmath.workdps(60):
        e1 = mpmath.exp(mpmath.mpf(1) / 2) * mpmath.ncdf(-1) - mpmath.mpf(1) / 2          # E[e^Z - 1; Z < 0]
        e2 = mpmath.exp(2) * mpmath.ncdf(-2) - 2 * mpmath.exp(mpmath.mpf(1) / 2) * mpmath.ncdf(-1) + mpmath.mpf(1) / 2
        alpha = -1 / mpmath.sqrt(2 * mpmath.pi) / e1
        lam = 1 / mpmath.sqrt(mpmath.mpf(1) / 2 + alpha ** 2 * e2)
        return lam, alpha


def test_selu_constants_are_alpha01_lambda01():
    c = constants_mod.constants("selu")
    lam, alpha = _selu_independent()
    with mpmath.workdps(60):
        assert _contains(_arb(c.values["lambda"]), lam, 0) and _contains(_arb(c.values["alpha"]), alpha, 0)
    assert c.checks and all(c.checks.values()) and max(c.widths.values()) <= 1e-30
    with ctx.workprec(160):
        lam01, alpha01 = parameters()
        assert _arb(c.values["lambda"]).overlaps(lam01) and _arb(c.values["alpha"]).overlaps(alpha01)


def test_every_constant_within_width_and_against_quadrature():
    table = constants_mod.table()
    assert table.exit_code == 0
    rows = {r.name: r for r in table.rows}
    assert not rows["celu"].exists
    with mpmath.workdps(50):
        for name in ("elu", "celu"):   # their scale-and-shift constants at alpha = 1
            mean, second, _ = _ref_moments(name, 0, 1)
            ss = rows[name].scale_shift
            assert _contains(_arb(ss["lambda"]), 1 / mpmath.sqrt(second - mean ** 2))
            assert _contains(_arb(ss["beta"]), mean) and max(ss["widths"].values()) <= 1e-30
        for name, r in rows.items():
            if r.family != "scale-shift":
                continue
            mean, second, dsecond = _ref_moments(name, 0, 1)
            lam = 1 / mpmath.sqrt(second - mean ** 2)
            assert _contains(_arb(r.values["beta"]), mean) and _contains(_arb(r.values["lambda"]), lam)
            assert _contains(_arb(r.chi1), lam ** 2 * dsecond)
            assert max(r.widths.values()) <= 1e-30 and r.chi1_width <= 1e-30


def test_registry_derivatives_and_number_systems_agree():
    P = {n: get_primitives(n) for n in ("python", "numpy", "mpmath")}
    with mpmath.workdps(30):
        for name, act in ACTS.items():
            for x in (-3.5, -0.2, 0.4, 2.75):
                v = act.value(P["mpmath"], mpmath.mpf(x))
                d = mpmath.diff(lambda y: act.value(P["mpmath"], y, act.piece(x)), mpmath.mpf(x))
                assert abs(act.derivative(P["mpmath"], mpmath.mpf(x)) - d) < 1e-20, name
                assert abs(act.value(P["python"], x) - float(v)) < 1e-13
                assert abs(float(act.value(P["numpy"], [x])[0]) - float(v)) < 1e-13


def test_growth_bounds_hold_on_a_grid():
    P = get_primitives("python")
    for name, act in ACTS.items():
        params = {k: float(v) for k, v in act.params.items()}
        (a, b), (da, db) = act.growth_of(**params)
        for i in range(-4000, 4001):
            x = i / 100
            assert abs(act.value(P, x)) <= float(a) + float(b) * abs(x) + 1e-12, (name, x)
            assert abs(act.derivative(P, x)) <= float(da) + float(db) * abs(x) + 1e-12, (name, x)
    # the maxima used in gelu_tanh's derivative bound
    u = [i / 1000 for i in range(1, 40000)]
    assert max(v / mpmath.cosh(v) ** 2 for v in u[:5000]) < 0.45
    assert max(v ** 3 / mpmath.cosh(v) ** 2 for v in u[:8000]) < 0.62


def test_theorem1_per_activation():
    from snn_verify.proofs.rigorous.activation_theorem1 import theorem1

    selu = theorem1("selu")
    assert selu.verdicts == {"contraction": "CERTIFIED", "invariance": "CERTIFIED"}
    lo, hi = (float(v) for v in selu.image["variance"].strip("[]").split(","))
    assert 0.8 <= lo and hi <= 1.48617 + 1e-3 and float(selu.max_norm) < 1
    relu = theorem1("relu")
    # positively homogeneous: nu~ = nu tau at mu = 0, so dnu~/dnu = tau > 1 somewhere
    assert relu.verdicts == {"contraction": "REFUTED", "invariance": "REFUTED"} and relu.witnesses
    # the witness point, independently: lambda (relu - beta) at mu = omega = 0, s^2 = nu tau:
    # mu~_{s2} = lambda / (2 s sqrt(2 pi)), nu~_{s2} = lambda^2 Var relu(Z) = 1, J = tau [[0, a], [0, 1]]
    with mpmath.workdps(30):
        tau, s2 = mpmath.mpf("1.025"), mpmath.mpf("1.15") * mpmath.mpf("1.025")
        lam = 1 / mpmath.sqrt((1 - 1 / mpmath.pi) / 2)
        a = lam / (2 * mpmath.sqrt(s2) * mpmath.sqrt(2 * mpmath.pi))
        norm = tau * mpmath.sqrt(1 + a * a)
        shown = arb(relu.witnesses["contraction"].split("||J|| in ")[1].split(" > 1")[0])
        assert norm > 1 and _contains(shown, norm, mpmath.mpf(10) ** -12)


def test_lecun_length_slope_and_regime():
    c = constants_mod.constants("selu")
    # the mean-field module's certified values (verify.py meanfield --sw2 1 --sb2 0)
    assert _arb(c.length_slope).overlaps(arb("0.78264788319681284").union(arb("0.78264788319681285")))
    assert c.regime == "chaotic"
    with mpmath.workdps(40):
        for name in ("gelu", "tanh"):
            r = constants_mod.constants(name)
            f = REF[name][0]
            lam, beta = mpmath.mpf(_arb(r.values["lambda"]).mid().str(45, radius=False)), \
                mpmath.mpf(_arb(r.values["beta"]).mid().str(45, radius=False))
            ref = mpmath.quad(lambda t: (lam * (f(t) - beta)) ** 2 * (t * t - 1) * mpmath.npdf(t),
                              [-40, -8, -4, 0, 4, 8, 40]) / 2
            assert _contains(_arb(r.length_slope), ref, mpmath.mpf(10) ** -30)


def _ref_phi_moments(name, lam, beta, m, s2):
    """mean~, nu~ and their m- and s^2-derivatives of phi = lam (f - beta) at N(m, s2), by
    mpmath quadrature (25 digits) and central differences."""
    f = REF[name][0]

    def moments(mm, ss2):
        s = mpmath.sqrt(ss2)
        edges = [-40, *sorted({mpmath.mpf(k) for k in range(-12, 13, 4)} | {-mm / s}), 40]
        e1 = mpmath.quad(lambda t: lam * (f(mm + s * t) - beta) * mpmath.npdf(t), edges)
        e2 = mpmath.quad(lambda t: (lam * (f(mm + s * t) - beta)) ** 2 * mpmath.npdf(t), edges)
        return e1, e2 - e1 ** 2

    mean, var = moments(m, s2)
    h = mpmath.mpf(10) ** -7            # central differences: error ~ h^2
    mp_, mm_ = moments(m + h, s2), moments(m - h, s2)
    sp_, sm_ = moments(m, s2 + h), moments(m, s2 - h)
    dm = [(mp_[i] - mm_[i]) / (2 * h) for i in (0, 1)]
    ds = [(sp_[i] - sm_[i]) / (2 * h) for i in (0, 1)]
    return mean, var, dm, ds


def test_held_out_boxes_no_false_enclosure():
    """Random activations and small (m, s^2) boxes (some across the kink): the branch and
    bound's box enclosures of mean~, nu~ and the Jacobian's (m, s^2) partials contain the
    values at random points of the box (independent quadrature)."""
    from snn_verify.proofs.rigorous.activation_theorem1 import _Family

    rng = random.Random(7)
    smooth = ["gelu", "silu", "mish", "softplus", "tanh", "sigmoid", "gelu_tanh"]
    with mpmath.workdps(25), ctx.workprec(64):
        for name in ["selu", rng.choice(["relu", "leaky_relu"]), *rng.sample(smooth, 2)]:
            fam = _Family(name)
            lam, beta = (mpmath.mpf(x.mid().str(30, radius=False)) for x in (fam.lam, fam.beta))
            if name == "selu":
                alpha = fam.params["alpha"]
                lam = mpmath.mpf(fam.lam.mid().str(30, radius=False))
                a = mpmath.mpf(alpha.mid().str(30, radius=False))
                REF["_selu_fam"] = (lambda x, a=a: x if x > 0 else a * mpmath.expm1(x), None)
                ref_name = "_selu_fam"
            else:
                ref_name = name
            mc, sc = rng.uniform(-0.3, 0.3), rng.uniform(0.5, 2.0)
            mr, sr = rng.choice([1e-3, 0.02]), rng.choice([1e-3, 0.02])
            m, s2 = arb(repr(mc), repr(mr)), arb(repr(sc), repr(sr))
            one = arb(1)
            mean, var, J = fam.map_ms(m, s2, s2.sqrt(), one, one)   # omega = tau = 1: J = partials
            for _ in range(2):
                pm = mpmath.mpf(mc) + mpmath.mpf(rng.uniform(-mr, mr))
                ps = mpmath.mpf(sc) + mpmath.mpf(rng.uniform(-sr, sr))
                rmean, rvar, dm, ds = _ref_phi_moments(ref_name, lam, beta, pm, ps)
                slack = mpmath.mpf(10) ** -9    # the differences' error ~ h^2
                assert _contains(mean, rmean, slack) and _contains(var, rvar, slack), name
                assert _contains(J[0][0], dm[0], slack) and _contains(J[1][0], dm[1], slack), name
                assert _contains(J[0][1], ds[0], slack) and _contains(J[1][1], ds[1], slack), name


def test_generic_point_equals_selu_closed_form():
    """g_phi and J from the generic integrals (any activation) against SELU's closed form."""
    from snn_verify.proofs.rigorous.activation_theorem1 import point as generic_point
    from snn_verify.theory.jacobian import point_mp

    r = generic_point("selu", "0.1", "0.1", "1.5", "1.1")
    with mpmath.workdps(45):
        c = point_mp(mpmath.mpf("0.1"), mpmath.mpf("0.1"), mpmath.mpf("1.5"), mpmath.mpf("1.1"), digits=40)
        tiny = mpmath.mpf(10) ** -35
        assert _contains(_arb(r.mean), c["mean"], tiny) and _contains(_arb(r.variance), c["variance"], tiny)
        for i in range(2):
            for j in range(2):
                assert _contains(_arb(r.jacobian[i][j]), c["jacobian"][i][j], tiny)
        assert _contains(_arb(r.spectral_norm), c["spectral_norm"], tiny)
    assert float(_arb(r.mean).rad()) < 1e-24


def test_registry_agrees_with_the_sympy_activations():
    """theory.activations (the float forms the quadrature, the sampler and numba/CUDA use) and
    the registry define the shared activations alike (values and derivatives, float64), under
    the older names too (swish)."""
    import numpy as np

    from snn_verify.theory.activations import get as get_float_form

    P = get_primitives("numpy")
    x = np.linspace(-20, 20, 801)
    for old, new in (("selu", "selu"), ("elu", "elu"), ("relu", "relu"), ("leaky_relu", "leaky_relu"),
                     ("tanh", "tanh"), ("sigmoid", "sigmoid"), ("gelu", "gelu"), ("swish", "silu")):
        with np.errstate(all="ignore"):
            for derivative in (False, True):
                a = get_float_form(old).numpy(derivative=derivative)(x)
                b = (ACTS[new].derivative if derivative else ACTS[new].value)(P, x)
                assert np.max(np.abs(a - b) / (1 + np.abs(b))) < 1e-13, (old, derivative)


def test_cli_activation():
    import contextlib
    import io
    import json

    from snn_verify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", "celu", "--json"]) == 0
    assert json.loads(out.getvalue())["exists"] is False
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["activation", "nope"]) == 2
        assert main(["activation", "all", "--point", "0", "0", "1", "1"]) == 2
        assert main(["activation", "relu", "--theorem1"]) == 1


def test_figure_activations(tmp_path):
    """The issue's figure renders, and its data says what its caption says."""
    from snn_verify.figures import activations as fig
    from snn_verify.figures.common import Options, render

    opts = Options(quick=True, device="cpu", seed=0)
    d = fig.data(opts)
    summary = render(fig, str(tmp_path), opts, data=d)
    assert len(summary["files"]) == 2
    for name in fig.NAMES:
        assert abs(d["at_one"][name] - 1) < 1e-4, name                  # through (1, 1) (quadrature)
        if d["theorem1"][name] == ["CERTIFIED", "CERTIFIED"]:
            for path in d["layers"][name]:                              # attracted towards 1
                assert abs(path[-1] - 1) < abs(path[0] - 1)
