"""The largest certified (mu, nu) box of any scaled activation (issue 20, item 5):
``proofs/rigorous/activation_domain.py`` against its own re-certification, the next-larger
boxes, ``domain.py``'s SELU search, and an independent 50-digit mpmath moment map."""
import contextlib
import functools
import io
import json
import random

import mpmath
import pytest

from snn_verify.proofs.rigorous import activation_domain as ad
from snn_verify.proofs.rigorous.activation_theorem1 import theorem1

from conftest import FULL

REFUTED_NAMES = ("relu", "leaky_relu", "gelu", "gelu_tanh", "silu", "mish", "softplus")


# -- an independent moment map: mpmath, 50 digits, derivatives through phi' ---------------

def _f(name):
    """``(f, f')`` of the unscaled activation, written here with mpmath."""
    mp = mpmath
    sp = lambda x: mp.log1p(mp.exp(x)) if x < 30 else x + mp.log1p(mp.exp(-x))   # noqa: E731
    sig = lambda x: 1 / (1 + mp.exp(-x))                                          # noqa: E731
    c = mp.sqrt(2 / mp.pi)
    k = mp.mpf("0.044715")
    u = lambda x: c * (x + k * x ** 3)                                            # noqa: E731
    return {
        "tanh": (mp.tanh, lambda x: 1 - mp.tanh(x) ** 2),
        "sigmoid": (sig, lambda x: sig(x) * (1 - sig(x))),
        "relu": (lambda x: max(x, 0), lambda x: 1 if x > 0 else 0),
        "leaky_relu": (lambda x: x if x > 0 else mp.mpf("0.01") * x, lambda x: 1 if x > 0 else mp.mpf("0.01")),
        "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x)),
        "gelu_tanh": (lambda x: x * (1 + mp.tanh(u(x))) / 2,
                      lambda x: (1 + mp.tanh(u(x))) / 2 + x * (1 - mp.tanh(u(x)) ** 2) * c * (1 + 3 * k * x * x) / 2),
        "silu": (lambda x: x * sig(x), lambda x: sig(x) * (1 + x * (1 - sig(x)))),
        "mish": (lambda x: x * mp.tanh(sp(x)), lambda x: mp.tanh(sp(x)) + x * (1 - mp.tanh(sp(x)) ** 2) * sig(x)),
        "softplus": (sp, sig),
    }[name]


@functools.lru_cache(maxsize=None)
def _constants(name):
    """``(lambda, beta)`` from ``verify.py activation NAME --json`` (the balls' midpoints)."""
    from snn_verify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", name, "--json"]) == 0
    vals = json.loads(out.getvalue())["constants"]

    def mid(ball):
        return mpmath.mpf(ball.strip("[]").split("+/-")[0]) if ball.strip("[]").split("+/-")[0].strip() else 0

    return mid(vals["lambda"]), mid(vals.get("beta", "0"))


def _moment_map(name, nu):
    """``(mu~, nu~, ||J||_2)`` of ``lambda (f - beta)`` at ``omega = 0``, ``tau = 1``:
    ``z = sqrt(nu) t``, ``d/dnu E h(sqrt(nu) t) = E[h'(sqrt(nu) t) t] / (2 sqrt(nu))``;
    ``J = [[0, dmu~/dnu], [0, dnu~/dnu]]``."""
    with mpmath.workdps(50):
        lam, beta = _constants(name)
        f, df = _f(name)
        nu = mpmath.mpf(nu)
        s = mpmath.sqrt(nu)
        phi = lambda t: lam * (f(s * t) - beta)                                    # noqa: E731
        dphi = lambda t: lam * df(s * t)                                           # noqa: E731

        def E(h):
            return mpmath.quad(lambda t: h(t) * mpmath.npdf(t), [-mpmath.inf, 0, mpmath.inf])

        mean, second = E(phi), E(lambda t: phi(t) ** 2)
        dmean = E(lambda t: dphi(t) * t) / (2 * s)
        dsecond = E(lambda t: 2 * phi(t) * dphi(t) * t) / (2 * s)
        var, dvar = second - mean ** 2, dsecond - 2 * mean * dmean
        return mean, var, mpmath.sqrt(dmean ** 2 + dvar ** 2), dvar


# -- the refuted activations: no box contains (0, 1) -----------------------------------

@pytest.mark.parametrize("name", REFUTED_NAMES)
def test_refuted_activations_have_no_box(name):
    r = ad.grow(name)
    assert r.box is None and r.steps == () and r.exit_code == 0
    assert r.fixed_point["verdict"] == "REFUTED" and "||J||" in r.fixed_point["witness"]
    # the paper's (omega, tau) box: the same answer as theorem1's no_box
    assert r.around_paper["verdict"] == "REFUTED"
    assert theorem1(name).no_box
    # independently: ||J(0, 1)|| > 1 at 50 digits, and dnu~/dnu >= 1 (= 1 for the
    # positively homogeneous relu and leaky_relu, where nu~ = nu)
    with mpmath.workdps(50):
        mean, var, norm, dvar = _moment_map(name, 1)
        assert abs(mean) < 1e-30 and abs(var - 1) < 1e-30      # the fixed point (0, 1)
        assert norm > 1
        assert dvar > 1 - mpmath.mpf(10) ** -30
    assert r.fixed_point["spectral_radius_above_1"] == ("undecided" if name in ("relu", "leaky_relu") else "yes")


# -- a certified activation: tanh's box, re-certified and checked independently --------

@pytest.fixture(scope="module")
def tanh():
    return ad.grow("tanh")


def test_tanh_box_recertified(tanh):
    assert tanh.box == {"d": "1.675", "nu_lo": "0.3766", "nu_hi": "25.12"}
    assert tanh.verdicts == {"contraction": "CERTIFIED", "invariance": "CERTIFIED"}
    # re-certified from scratch, not trusted from the search
    bounds, target = ad._bounds(tanh.box)
    again = theorem1("tanh", bounds=bounds, target=target)
    assert again.verdicts == {"contraction": "CERTIFIED", "invariance": "CERTIFIED"}
    assert float(again.max_norm) < 1
    # the next-larger nu_lo (the nearest failed step) fails, with a witness
    failed = [s for s in tanh.steps if s["side"] == "nu_lo" and s["verdict"] != "CERTIFIED"]
    nearest = max(failed, key=lambda s: float(s["value"]))
    assert nearest["value"] == tanh.witnesses["nu_lo"]["value_of_side"]
    bigger = ad.certify_box("tanh", dict(tanh.box, nu_lo=nearest["value"]))
    assert bigger.verdicts["contraction"] == "REFUTED"
    # d and nu_hi stop at the doubling cap (domain.py's rule): every step certified
    for side in ("d", "nu_hi"):
        steps = [s for s in tanh.steps if s["side"] == side]
        assert len(steps) == ad.DOUBLINGS and all(s["verdict"] == "CERTIFIED" for s in steps)
    assert "largest certified" in tanh.render() and json.dumps(tanh.to_json())


def test_tanh_box_by_mpmath(tanh):
    """At sampled nu of the final box (mu does not enter at omega = 0): ||J|| < 1 and the
    image inside the box; beyond nu_lo, at the witness's nu, ||J|| > 1."""
    b = tanh.box
    lo, hi, d = float(b["nu_lo"]), float(b["nu_hi"]), mpmath.mpf(b["d"])
    rng = random.Random(20)
    with mpmath.workdps(50):                        # compare at 50 digits too
        for nu in [b["nu_lo"], "1", b["nu_hi"]] + [repr(rng.uniform(lo, hi)) for _ in range(3)]:
            mean, var, norm, _ = _moment_map("tanh", nu)
            assert norm < 1, nu
            assert -d <= mean <= d and mpmath.mpf(b["nu_lo"]) <= var <= mpmath.mpf(b["nu_hi"]), nu
        assert _moment_map("tanh", tanh.witnesses["nu_lo"]["value_of_side"])[2] > 1


# -- SELU: domain.py's mu-nu search, step for step ---------------------------------------

def test_constants_are_domain_pys():
    from snn_verify.proofs.rigorous import domain

    assert (ad.STEPS, ad.DOUBLINGS, ad.DIGITS) == (domain.STEPS, domain.DOUBLINGS, domain.DIGITS)
    assert ad.SIDES == domain.SIDES["mu-nu"]


@pytest.mark.parametrize("rounds", [2] + ([ad.STEPS] if FULL else []))
def test_selu_agrees_with_domain_py(rounds):
    """The same steps, verdicts and box as ``verify.py domain mu-nu`` (a shortened search by
    default; the full one, 1.675 x [0.3684, 25.12], with SNN_VERIFY_FULL=1)."""
    from snn_verify.proofs.rigorous import domain

    ours = ad.grow("selu", doublings=min(rounds, ad.DOUBLINGS), steps_per_side=rounds)
    theirs = domain.grow("mu-nu", doublings=min(rounds, ad.DOUBLINGS), steps_per_side=rounds)
    assert ours.box == theirs.box
    assert [(s["side"], s["value"], s["verdict"]) for s in ours.steps] == \
        [(s["side"], s["value"], s["verdict"]) for s in theirs.steps]
    assert set(ours.witnesses) == set(theirs.witnesses)


# -- the shrinking start, the command line ----------------------------------------------

def test_shrinks_when_the_start_fails(monkeypatch):
    """A start that is not certified (tanh from nu_lo = 0.2: contraction refuted there) is
    halved towards (0, 1) until certified, then grown."""
    monkeypatch.setattr(ad, "SIDES", {"d": ("0.1", +1), "nu_lo": ("0.2", -1), "nu_hi": ("1.5", +1)})
    r = ad.grow("tanh", doublings=1, steps_per_side=0)
    assert r.start["shrunk"] and r.start["sides"] == {"d": "0.05", "nu_lo": "0.6", "nu_hi": "1.25"}
    assert r.box is not None and r.verdicts == {"contraction": "CERTIFIED", "invariance": "CERTIFIED"}


def test_cli_activation_domain():
    from snn_verify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", "relu", "--domain", "--json"]) == 0
    row = json.loads(out.getvalue())["domains"][0]
    assert row["box"] is None and row["fixed_point"]["verdict"] == "REFUTED"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["activation", "celu", "--domain"]) == 2


# -- a box around another fixed point: GELU ---------------------------------------------

def test_gelu_has_another_attracting_fixed_point():
    """GELU's variance map at omega = 0, tau = 1 crosses the diagonal again between nu = 16
    and 32 (Arb-decided signs: a fixed point by the intermediate value theorem), near
    nu* = 24.334, where ||J|| < 1 (50-digit mpmath): the (0, 1) of its constants repels, this
    one attracts."""
    from flint import arb

    from snn_verify.proofs.rigorous.activation_theorem1 import point

    def excess(nu):
        return arb(point("gelu", 0, 0, nu, 1).variance) - arb(nu)

    assert excess("16") > 0 and excess("32") < 0
    assert excess("24.33399969") > 0 and excess("24.33399971") < 0
    with mpmath.workdps(50):
        mean, var, norm, dvar = _moment_map("gelu", "24.3339997")
        assert abs(var - mpmath.mpf("24.3339997")) < mpmath.mpf("1e-7")
        assert norm < mpmath.mpf("0.992") and 0 < dvar < 1 and 2.8 < mean < 2.81


@pytest.mark.skipif(not FULL, reason="about 70 s: SNN_VERIFY_FULL=1")
def test_gelu_box_around_the_other_fixed_point():
    """[-6, 6] x [16, 64] (1591 of the 2000 leaves; [14, 64] needs 1933): certified, and at
    sampled nu contracting with its image inside by 50-digit mpmath."""
    sides = {"d": "6", "nu_lo": "16", "nu_hi": "64"}
    r = ad.certify_box("gelu", sides)
    assert r.verdicts == {"contraction": "CERTIFIED", "invariance": "CERTIFIED"}
    with mpmath.workdps(50):
        for nu in ("16", "24.334", "40", "64"):
            mean, var, norm, _ = _moment_map("gelu", nu)
            assert norm < 1 and -6 <= mean <= 6 and 16 <= var <= 64, nu


def test_cli_box():
    from snn_verify.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["activation", "tanh", "--domain", "--box", "0.1", "0.8", "1.5", "--json"]) == 0
        assert main(["activation", "relu", "--domain", "--box", "0.1", "0.8", "1.5"]) == 1
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for bad in (["tanh", "--box", "1", "1", "2"], ["all", "--domain", "--box", "1", "1", "2"],
                    ["tanh", "--domain", "--box", "1", "2", "1"], ["tanh", "--domain", "--box", "1", "-1", "2"],
                    ["celu", "--domain", "--box", "1", "0.5", "2"]):
            assert main(["activation", *bad]) == 2, bad
    with pytest.raises(ValueError):
        ad.certify_box("tanh", {"d": "x", "nu_lo": "1", "nu_hi": "2"})
