"""Issue 20, item 6: the certified LeCun mean field (q*, chi_1, c*) of every activation, against
SELU's closed-form mean-field module (an independent route) and independent 50-digit mpmath
(constants, Hermite coefficients and c* written here; C(c) by 2-D quadrature or a closed form)."""
import contextlib
import io
import json

import mpmath
import pytest
from flint import arb, ctx

from conftest import FULL
from reference import ACTIVATIONS_MP
from snn_verify.errors import InputError
from snn_verify.proofs.rigorous import activation_meanfield as amf
from snn_verify.proofs.rigorous import meanfield

#: the regimes and q* stabilities the module must certify (module docstring)
STABILITY = {"selu": "attracting", "elu": "attracting", "celu": "attracting", "tanh": "attracting",
             "sigmoid": "attracting", "relu": "neutral", "leaky_relu": "neutral", "gelu": "repelling",
             "gelu_tanh": "repelling", "silu": "repelling", "mish": "repelling", "softplus": "repelling"}


@pytest.fixture(scope="module")
def rows():
    return {r.name: r for r in amf.table().rows}


#: independent (f, f') from the formulas; "elu-like" ones get alpha from the closed form below
REF = {k: v for k, v in ACTIVATIONS_MP.items() if k not in ("selu", "elu")}
EDGES = [-40, -12, -6, -3, 0, 3, 6, 12, 40]


def _E(h):
    return mpmath.quad(lambda t: h(t) * mpmath.npdf(t), EDGES)


def _mp_phi(name):
    """``(phi, phi')`` scaled to E phi = 0, E phi^2 = 1, in mpmath at the current precision."""
    if name in ("selu", "elu"):
        # E[elu_alpha(Z)] = varphi(0) + alpha (e^(1/2) Phi(-1) - 1/2) = 0: alpha01 in closed form
        alpha = mpmath.npdf(0) / (mpmath.mpf(1) / 2 - mpmath.exp(mpmath.mpf(1) / 2) * mpmath.ncdf(-1))
        f = lambda x: x if x > 0 else alpha * mpmath.expm1(x)  # noqa: E731
        df = lambda x: 1 if x > 0 else alpha * mpmath.exp(x)  # noqa: E731
        beta = 0
    else:
        f, df = REF[name]
        beta = _E(f)
    lam = 1 / mpmath.sqrt(_E(lambda t: (f(t) - beta) ** 2))
    return (lambda x: lam * (f(x) - beta)), (lambda x: lam * df(x))


def _mp_c_star(phi, K=6):
    """c* by Newton from 0.1 on the Mehler series with mpmath Hermite coefficients."""
    def he(k, t):
        prev, cur = mpmath.mpf(1), t
        for n in range(1, k):
            prev, cur = cur, t * cur - n * prev
        return cur if k else prev

    b = [_E(lambda t, k=k: phi(t) * he(k, t)) ** 2 / mpmath.factorial(k) for k in range(K + 1)]
    c = mpmath.mpf("0.1")
    for _ in range(40):
        G = sum(bk * c ** k for k, bk in enumerate(b)) - c
        dG = sum(k * bk * c ** (k - 1) for k, bk in enumerate(b) if k) - 1
        c -= G / dG
    return c, b


def _inside(x, lo, hi, slack=0):
    return lo - slack <= x <= hi + slack


MP_NAMES = ["selu", "relu", "gelu", "tanh"] + (["celu", "leaky_relu", "gelu_tanh", "silu", "mish", "softplus",
                                                 "sigmoid"] if FULL else [])


@pytest.mark.parametrize("name", MP_NAMES)
def test_c_star_and_slope_against_50_digit_mpmath(rows, name):
    r = rows[name]
    with mpmath.workdps(50):
        phi, dphi = _mp_phi(name)
        c, b = _mp_c_star(phi)
        assert abs(b[0]) < mpmath.mpf(10) ** -80          # E phi = 0 in mpmath too
        assert _inside(c, r.c_star_lo, r.c_star_hi), (name, c, r.c_star_lo, r.c_star_hi)
        # C'(0) = E[phi'(Z)]^2 (Stein: a_1 = E[phi Z] = E phi'), by the derivative, a second route
        slope0 = _E(dphi) ** 2
        dC = arb(r.dC_at_c_star)
        assert abs(slope0 - b[1]) < mpmath.mpf(10) ** -40
        assert _inside(slope0, mpmath.mpf(dC.lower().str(60, radius=False)),
                       mpmath.mpf(dC.upper().str(60, radius=False)), mpmath.mpf(10) ** -45), (name, slope0, dC)


def test_mehler_map_against_closed_form_and_2d_quadrature():
    """C(c) inside the Mehler enclosure away from c*: relu by the arc-cosine kernel (closed form),
    tanh by 2-D quadrature."""
    with ctx.workprec(amf.PREC):
        M = amf.mehler(amf.scaled("relu"))
        Mt = amf.mehler(amf.scaled("tanh"))
        for c in ("0.3", "0.7", "-0.5"):
            enc = M.C(arb(c))
            with mpmath.workdps(40):
                cc = mpmath.mpf(c)
                beta = 1 / mpmath.sqrt(2 * mpmath.pi)
                lam2 = 1 / (mpmath.mpf(1) / 2 - beta ** 2)
                k = (mpmath.sqrt(1 - cc ** 2) + (mpmath.pi - mpmath.acos(cc)) * cc) / (2 * mpmath.pi)
                ref = lam2 * (k - beta ** 2)
                assert _inside(ref, mpmath.mpf(enc.lower().str(50, radius=False)),
                               mpmath.mpf(enc.upper().str(50, radius=False))), (c, ref, enc)
                # the width is the Mehler tail's: |c|^(K+1) R_K (twice that for c < 0)
                assert float(2 * enc.rad()) <= 2.01 * float(abs(cc)) ** (M.K + 1) * float(M.R) + 1e-30
        enc = Mt.C(arb("0.5"))
        with mpmath.workdps(17):
            phi, _ = _mp_phi("tanh")
            s = mpmath.sqrt(mpmath.mpf(3) / 4)
            ref = mpmath.quad(lambda u, w: phi(u) * phi(u / 2 + s * w) * mpmath.npdf(u) * mpmath.npdf(w),
                              [-10, 0, 10], [-10, 0, 10], method="gauss-legendre")
        assert _inside(ref, mpmath.mpf(enc.lower().str(30, radius=False)),
                       mpmath.mpf(enc.upper().str(30, radius=False)), mpmath.mpf(10) ** -16), (ref, enc)
        assert float(2 * enc.rad()) < 1e-12
        # C' by the Mehler bound against a central difference of the closed form (relu)
        d = M.dC(arb("0.4"))
        with mpmath.workdps(30):
            f = lambda cc: (mpmath.sqrt(1 - cc ** 2) + (mpmath.pi - mpmath.acos(cc)) * cc) / (2 * mpmath.pi)  # noqa: E731
            beta2 = 1 / (2 * mpmath.pi)
            ref = mpmath.diff(f, mpmath.mpf("0.4")) / (mpmath.mpf(1) / 2 - beta2)
        assert _inside(ref, mpmath.mpf(d.lower().str(30, radius=False)), mpmath.mpf(d.upper().str(30, radius=False)))


def test_selu_agrees_with_the_closed_form_meanfield_module(rows):
    """An independent route: meanfield.py's c* (Krawczyk on SELU's closed-form bivariate
    integrals) at s_w^2 = 1, s_b^2 = 0."""
    r = rows["selu"]
    enc = meanfield.certify_row("1", "0").enclosures
    lo, hi = enc["c_star"]
    assert r.c_star_lo <= hi and lo <= r.c_star_hi                   # they overlap
    assert lo - 1e-20 <= r.c_star_lo and r.c_star_hi <= hi + 1e-20   # the narrower lies inside
    assert r.c_star_width < 1e-60 < hi - lo
    for key, mine in (("dC_at_c_star", r.dC_at_c_star), ("chi_1", r.chi1), ("C_at_minus_1", r.C_at_minus_1),
                      ("dF_at_q_star", r.length_slope)):
        a, b = enc[key]
        x = arb(mine)
        assert float(x.lower()) <= b + 1e-15 and a - 1e-15 <= float(x.upper()), key
    assert rows["elu"].c_star == r.c_star   # elu scaled by its constants is SELU


def test_regimes_stability_and_targets(rows):
    assert set(rows) == set(STABILITY)
    for name, r in rows.items():
        assert r.certified and r.exit_code == 0, (name, r.checks)
        assert r.regime == "chaotic"            # chi_1 >= 1 always (Gaussian Poincare), > 1 here
        assert arb(r.chi1) > 1
        assert r.q_star_stability == STABILITY[name], name
        assert r.c_star_lo <= 0 <= r.c_star_hi and r.c_star_width <= 1e-10
        assert arb(r.dC_at_c_star) < 1 and r.c_star_attracting
        assert r.K == amf.K_DEFAULT
    # odd scaled phi: C(-1) = -1; relu: C(-1) = 1 - chi_1 exactly (lambda^2 (1/2 - beta^2) = 1)
    for name in ("tanh", "sigmoid"):
        assert arb(rows[name].C_at_minus_1).contains(-1)
    assert arb(rows["relu"].C_at_minus_1).overlaps(1 - arb(rows["relu"].chi1))
    assert arb(rows["relu"].length_slope).contains(1)


def test_mehler_bounds_and_input_errors():
    with ctx.workprec(amf.PREC):
        M = amf.mehler(amf.scaled("gelu"), K=6)
        M24 = amf.mehler(amf.scaled("gelu"))
        for c in ("0.2", "0.9", "-0.6"):
            assert M.C(arb(c)).overlaps(M24.C(arb(c))) and M.dC(arb(c)).overlaps(M24.dC(arb(c)))
        assert M.C(arb(1)).contains(1)          # Parseval: the whole sum is E phi^2 = 1
        with pytest.raises(InputError):
            M.C(arb("1.5"))
        with pytest.raises(InputError):
            M.dC(arb(1))
        with pytest.raises(InputError):
            amf.mehler(amf.scaled("gelu"), K=1)
    with pytest.raises(InputError):
        amf.lecun_meanfield("nope")


def test_cli_meanfield():
    from snn_verify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", "tanh", "--meanfield"]) == 0
    text = out.getvalue()
    assert "c*  in [" in text and "chaotic" in text and "attracting" in text and "K = 24" in text
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", "relu", "--meanfield", "--json"]) == 0
    data = json.loads(out.getvalue())
    assert data["regime"] == "chaotic" and data["q_star_stability"] == "neutral" and data["certified"]
    lo, hi = data["c_star_enclosure"]
    assert lo <= 0 <= hi and data["hermite_terms_K"] == 24
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["activation", "nope", "--meanfield"]) == 2


@pytest.mark.skipif(not FULL, reason="every activation through the CLI: SNN_VERIFY_FULL=1")
def test_cli_meanfield_all():
    from snn_verify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", "all", "--meanfield", "--json"]) == 0
    data = json.loads(out.getvalue())
    assert data["ok"] and len(data["lecun_meanfield"]) == len(STABILITY)
