"""Issue 18: the certified mean-field theory of LeCun-type SELU networks.

Every number is checked against an independent route written here: mpmath quadrature at 50
digits of the SELU function (defined below) against the Gaussian density, with alpha01 and
lambda01 themselves solved here by quadrature -- never against the code's own values.  The
checker is tested on mutated certificates: each mutant that states something false (or whose
proof no longer holds) must be rejected.
"""
import ast
import copy
import functools
import json
import pathlib

import mpmath
import pytest

from snn_verify.proofs.rigorous import meanfield as engine
from snn_verify.proofs.rigorous import trusted
from snn_verify.proofs.rigorous.recheck.meanfield import FORMAT, check

DPS = 50
ROOT = pathlib.Path(__file__).resolve().parent.parent


# --- the independent route: quadrature -------------------------------------------------------------

def _gauss(f, kink=0):
    """E[f(Z)], Z ~ N(0, 1), by mpmath.quad split at the kink (default 0)."""
    density = lambda z: mpmath.exp(-z * z / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
    return mpmath.quad(lambda z: f(z) * density(z), [-mpmath.inf, kink]) + \
        mpmath.quad(lambda z: f(z) * density(z), [kink, mpmath.inf])


@functools.lru_cache(maxsize=None)
def _alpha_lambda():
    """alpha01, lambda01 from E[selu(Z)] = 0, E[selu(Z)^2] = 1, by quadrature."""
    with mpmath.workdps(DPS):
        pos = _gauss(lambda z: z if z > 0 else 0)
        neg = _gauss(lambda z: mpmath.expm1(z) if z < 0 else 0)
        alpha = -pos / neg
        second = _gauss(lambda z: z * z if z > 0 else alpha ** 2 * mpmath.expm1(z) ** 2)
        return alpha, 1 / mpmath.sqrt(second)


def selu(x, alpha, lam):
    return lam * x if x > 0 else lam * alpha * mpmath.expm1(x)


def dselu(x, alpha, lam):
    return lam if x > 0 else lam * alpha * mpmath.exp(x)


def F_quad(q, sw2=1, sb2=0, alpha=None, lam=None):
    alpha, lam = (alpha, lam) if alpha is not None else _alpha_lambda()
    s = mpmath.sqrt(sw2 * q + sb2)
    return _gauss(lambda z: selu(s * z, alpha, lam) ** 2)


def q_star_quad(sw2, sb2):
    return mpmath.findroot(lambda q: F_quad(q, sw2, sb2) - q, mpmath.mpf(1.1))


def inside(text_lo, text_hi, value):
    with mpmath.workdps(DPS):
        return mpmath.mpf(text_lo) <= value <= mpmath.mpf(text_hi)


@functools.lru_cache(maxsize=None)
def _rows():
    return engine.run()


def _claims(cert):
    return {c["quantity"]: c for c in cert["claims"]}


def _row(sw2, sb2, float32=False):
    for r in _rows().rows:
        if r.setting.sw2_text == sw2 and r.setting.sb2_text == sb2 and r.setting.exact != float32:
            return r
    raise KeyError((sw2, sb2))


# --- the numbers, against quadrature --------------------------------------------------------------

def test_alpha_lambda_by_quadrature_are_the_trusted_balls():
    alpha, lam = _alpha_lambda()
    lam_b, alpha_b = trusted.at_working_precision(trusted.parameters)()
    with mpmath.workdps(DPS):
        assert abs(alpha - mpmath.mpf(alpha_b.mid().str(30, radius=False))) < 1e-22
        assert abs(lam - mpmath.mpf(lam_b.mid().str(30, radius=False))) < 1e-22


def test_reference_values_of_the_issue_by_quadrature():
    """The issue's 30-digit references, re-derived here: F(1) = 1, F'(1), chi_1, C'(0)."""
    alpha, lam = _alpha_lambda()
    with mpmath.workdps(DPS):
        assert abs(F_quad(1) - 1) < 1e-40
        dF = mpmath.diff(F_quad, 1)
        chi = _gauss(lambda z: dselu(z, alpha, lam) ** 2)
        dC0 = _gauss(lambda z: dselu(z, alpha, lam)) ** 2
    assert abs(dF - mpmath.mpf("0.782647883196813")) < 1e-14
    assert abs(chi - mpmath.mpf("1.0715749924558")) < 1e-12
    assert abs(dC0 - mpmath.mpf("0.970680352300710")) < 1e-14


def test_lecun_row_enclosures_contain_the_quadrature_values_and_are_narrow():
    alpha, lam = _alpha_lambda()
    c = _claims(_row("1", "0").certificate)
    with mpmath.workdps(DPS):
        refs = {"q_star": mpmath.mpf(1),                                     # F(1) = 1: alpha01, lambda01
                "dF_at_q_star": mpmath.diff(F_quad, 1),
                "chi_1": _gauss(lambda z: dselu(z, alpha, lam) ** 2),
                "dC_at_0": _gauss(lambda z: dselu(z, alpha, lam)) ** 2,
                "mean_at_q_star": _gauss(lambda z: selu(z, alpha, lam)),
                "C_at_minus_1": _gauss(lambda z: selu(z, alpha, lam) * selu(-z, alpha, lam)),
                "dF_lower": lam ** 2 * (mpmath.mpf(1) / 2 - alpha ** 2 / 16)}
        refs["C_at_0"] = refs["mean_at_q_star"] ** 2
        for name, value in refs.items():
            assert inside(c[name]["lo"], c[name]["hi"], value), name
            assert mpmath.mpf(c[name]["hi"]) - mpmath.mpf(c[name]["lo"]) <= 1e-12, name
    assert c["chi_1"]["relation"] == ">" and c["chi_1"]["bound"] == "1"          # chaotic side
    assert c["dC_at_0"]["relation"] == "<" and c["dC_at_0"]["bound"] == "1"      # c = 0 attracts
    assert c["dF_at_q_star"]["relation"] == "<"
    assert c["C_at_minus_1"]["relation"] == ">" and c["C_at_minus_1"]["bound"] == "-1"


@pytest.mark.parametrize("sw2,sb2", [("1", "0.05"), ("0.95", "0.05"), ("1.05", "0")])
def test_table_rows_against_quadrature(sw2, sb2):
    alpha, lam = _alpha_lambda()
    c = _claims(_row(sw2, sb2).certificate)
    with mpmath.workdps(30):
        a, b = mpmath.mpf(sw2), mpmath.mpf(sb2)
        q = q_star_quad(a, b)
        s = mpmath.sqrt(a * q + b)
        assert inside(c["q_star"]["lo"], c["q_star"]["hi"], q)
        assert mpmath.mpf(c["q_star"]["hi"]) - mpmath.mpf(c["q_star"]["lo"]) <= 1e-12
        assert inside(c["chi_1"]["lo"], c["chi_1"]["hi"], a * _gauss(lambda z: dselu(s * z, alpha, lam) ** 2))
        assert inside(c["dF_at_q_star"]["lo"], c["dF_at_q_star"]["hi"],
                      mpmath.diff(lambda t: F_quad(t, a, b), q))
        assert inside(c["mean_at_q_star"]["lo"], c["mean_at_q_star"]["hi"],
                      _gauss(lambda z: selu(s * z, alpha, lam)))
        if b == 0:
            assert inside(c["dC_at_0"]["lo"], c["dC_at_0"]["hi"],
                          a * _gauss(lambda z: dselu(s * z, alpha, lam)) ** 2)
            assert inside(c["C_at_minus_1"]["lo"], c["C_at_minus_1"]["hi"],
                          _gauss(lambda z: selu(s * z, alpha, lam) * selu(-s * z, alpha, lam)) / q)
        else:
            assert "dC_at_0" not in c      # the bias-free formulas are not stated with biases
    if sw2 == "0.95":                       # s_w^2 + s_b^2 = 1 keeps q* = 1
        assert inside(c["q_star"]["lo"], c["q_star"]["hi"], 1)


def test_float32_row_contains_the_exact_and_the_float32_values():
    import numpy as np

    row = _row("1", "0", float32=True)
    c = _claims(row.certificate)
    model = row.certificate["model"]
    a32, l32 = mpmath.mpf(float(np.float32(1.6732632423543772))), mpmath.mpf(float(np.float32(1.0507009873554805)))
    assert inside(*model["alpha"], a32) and inside(*model["lambda"], l32)
    alpha, lam = _alpha_lambda()
    assert inside(c["q_star"]["lo"], c["q_star"]["hi"], 1)     # the exact constants' q* = 1
    with mpmath.workdps(25):
        q = mpmath.findroot(lambda t: F_quad(t, 1, 0, a32, l32) - t, mpmath.mpf(1))
        assert inside(c["q_star"]["lo"], c["q_star"]["hi"], q)
        s = mpmath.sqrt(q)
        assert inside(c["chi_1"]["lo"], c["chi_1"]["hi"], _gauss(lambda z: dselu(s * z, a32, l32) ** 2))
    assert mpmath.mpf(c["chi_1"]["lo"]) > 1


def test_length_map_theorem_sampled_by_quadrature():
    """F(q) - q has the certified sign at q from 1e-8 to 1e6, F increases, and F(q)/q runs
    from lambda^2 (1 + alpha^2)/2 at 0 to lambda^2/2 at infinity."""
    alpha, lam = _alpha_lambda()
    c = _claims(_row("1", "0").certificate)
    cover = _row("1", "0").certificate["cover"]
    assert cover[0]["lo"] == "0" and cover[-1]["hi"] == "inf"
    with mpmath.workdps(20):
        qs = [mpmath.mpf(10) ** k for k in range(-8, 7)] + [mpmath.mpf("0.999"), mpmath.mpf("1.001")]
        values = {q: F_quad(q) for q in sorted(qs)}
        for q, Fq in values.items():
            assert (Fq > q) == (q < mpmath.mpf(c["q_star"]["lo"])), q
        ordered = [values[q] for q in sorted(values)]
        assert all(x < y for x, y in zip(ordered, ordered[1:]))
        assert abs(values[mpmath.mpf(10) ** -8] / mpmath.mpf(10) ** -8 - lam ** 2 * (1 + alpha ** 2) / 2) < 1e-3
        assert abs(values[mpmath.mpf(10) ** 6] / mpmath.mpf(10) ** 6 - lam ** 2 / 2) < 1e-5
        assert abs(values[mpmath.mpf(100)] / 100 - mpmath.mpf("0.566")) < 1e-3


def test_theory_float64_maps_against_quadrature():
    from snn_verify.theory import meanfield as mf

    alpha, lam = _alpha_lambda()
    with mpmath.workdps(25):
        for q, sw2, sb2 in [(0.01, 1, 0), (0.5, 1, 0.05), (3.0, 0.95, 0.05), (40.0, 1.05, 0)]:
            assert abs(mf.length_map(q, sw2, sb2) - F_quad(q, sw2, sb2)) < 1e-12 * (1 + q)
            d = mpmath.diff(lambda t: F_quad(t, sw2, sb2), q)
            assert abs(mf.length_map_derivative(q, sw2, sb2) - d) < 1e-12
        assert abs(mf.fixed_point(1.0, 0.05) - q_star_quad(1, mpmath.mpf("0.05"))) < 1e-12
        # the float64 correlation map (evidence) at c = -1, 0.5 and at c = 0.3 with biases
        minus = _gauss(lambda z: selu(z, alpha, lam) * selu(-z, alpha, lam))
        assert abs(mf.correlation_map(-1.0) - minus) < 1e-10
        half = _pairs(mpmath.mpf(1), mpmath.mpf("0.5"), alpha, lam)
        assert abs(mf.correlation_map(0.5) - half[0]) < 1e-10
        assert abs(mf.correlation_slope(0.5) - half[1]) < 1e-10
        assert abs(mf.correlation_at_minus_one() - minus) < 1e-12


def test_montecarlo_sampler_converges_to_q_star():
    from snn_verify.theory import meanfield as mf

    qs = mf.montecarlo(q0=0.2, sw2=1.0, sb2=0.05, width=384, depth=25, samples=4, seed=1)
    q = float(_claims(_row("1", "0.05").certificate)["q_star"]["lo"])
    assert qs[0] < 0.6 and abs(qs[-5:].mean() - q) < 0.06


# --- the certified suite and its checker ----------------------------------------------------------

def test_suite_certifies_every_row_and_the_checker_accepts_each():
    result = _rows()
    assert result.exit_code == 0 and not result.problems and not result.undecided
    assert len(result.rows) == 5 and all(check(r.certificate) == [] for r in result.rows)
    assert result.seconds < 10
    lecun = _row("1", "0")
    assert any("only fixed points of C" in s for s in lecun.statements)
    assert lecun.certificate["format"] == FORMAT


def _resign(cert):
    body = {k: v for k, v in cert.items() if k != "sha256"}
    cert["sha256"] = trusted.digest(body)
    return cert


def _mutant(edit, row=("1", "0"), float32=False, resign=True):
    cert = copy.deepcopy(_row(*row, float32=float32).certificate)
    edit(cert)
    return _resign(cert) if resign else cert


def _claim(cert, name):
    return next(c for c in cert["claims"] if c["quantity"] == name)


def _set(name, **kw):
    return lambda cert: _claim(cert, name).update(kw)


def _drop_piece(rule, which=0):
    def edit(cert):
        idx = [i for i, p in enumerate(cert["cover"]) if p["rule"] == rule][which]
        del cert["cover"][idx]
    return edit


def _merge_above(cert):
    """Two adjacent above-pieces merged into one: contiguous, but F(lo) > hi fails."""
    i = next(i for i, p in enumerate(cert["cover"]) if p["rule"] == "above")
    cert["cover"][i]["hi"] = cert["cover"][i + 3]["hi"]
    del cert["cover"][i + 1:i + 4]


def _linear_early(cert):
    """The linear tail started right after the crossing piece (its bound fails there)."""
    i = next(i for i, p in enumerate(cert["cover"]) if p["rule"] == "crossing")
    cert["cover"][i + 1:] = [{"rule": "linear", "lo": cert["cover"][i]["hi"], "hi": "inf"}]


def _crossing_unsplit(cert):
    next(p for p in cert["cover"] if p["rule"] == "crossing")["split"] = []


def _ratio_too_far(cert):
    """The ratio piece stretched over the fixed point, up to 1.2 (F(1.2) > 1.2 fails), the
    crossing piece cut to start there (q* no longer inside it)."""
    crossing = next(p for p in cert["cover"] if p["rule"] == "crossing")
    crossing.update(lo="1.2", split=[t for t in crossing["split"] if float(t) > 1.2])
    cert["cover"] = [{"rule": "ratio", "lo": "0", "hi": "1.2"}] + [
        p for p in cert["cover"] if p["rule"] in ("crossing", "below", "linear")]


MUTANTS = {
    "chi_1 enclosure above its value": _set("chi_1", lo="1.0715749924558100", hi="1.08"),
    "chi_1 < 1 (the ordered side)": _set("chi_1", relation="<"),
    "C'(0) > 1": _set("dC_at_0", relation=">"),
    "C(-1) > -0.9": _set("C_at_minus_1", bound="-0.9"),
    "F'(q*) < 0.78": _set("dF_at_q_star", bound="0.78"),
    "F'(q*) enclosure too low": _set("dF_at_q_star", lo="0.7", hi="0.78"),
    "q* enclosure above 1": _set("q_star", lo="1.0000000001", hi="1.0000000002"),
    "q* enclosure below 1": _set("q_star", lo="0.999", hi="0.9999999999"),
    "q* > 1.5": _set("q_star", relation=">", bound="1.5"),
    "F increasing: lower bound claimed too high": _set("dF_lower", lo="0.4", hi="0.5"),
    "mean at q* nonzero": _set("mean_at_q_star", lo="0.001", hi="0.002"),
    "C(0) = 0.5": _set("C_at_0", lo="0.5", hi="0.5"),
    "a cover piece removed (gap)": _drop_piece("above", 3),
    "the ratio piece removed": _drop_piece("ratio"),
    "the linear tail removed": _drop_piece("linear"),
    "the crossing piece removed": _drop_piece("crossing"),
    "above pieces merged": _merge_above,
    "linear tail too early": _linear_early,
    "crossing without its split": _crossing_unsplit,
    "ratio over the fixed point": _ratio_too_far,
    "s_w^2 changed": lambda c: c["model"].update(sw2="1.2"),
    "s_b^2 changed": lambda c: c["model"].update(sb2="0.1"),
    "alpha changed": lambda c: c["model"].update(alpha=["1.5", "1.5"]),
    "lambda over an interval": lambda c: c["model"].update({"lambda": ["1.0507", "1.0508"]}),
    "bias-free claim with biases": lambda c: c["model"].update(sb2="0.05"),
    "a piece end moved (overlap)": lambda c: c["cover"][2].update(lo=c["cover"][1]["lo"]),
}


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_checker_rejects_mutants(name):
    problems = check(_mutant(MUTANTS[name]))
    assert problems, name


def test_checker_accepts_an_unmutated_copy_and_rejects_a_stale_digest():
    assert check(_mutant(lambda c: None)) == []
    assert check(_mutant(_set("chi_1", relation="<"), resign=False)) == ["sha256: does not match the certificate's body"]
    bad = _mutant(lambda c: c.update(generated_sha256="0" * 64))
    assert check(bad) == ["generated_sha256: the generated expressions differ from the certified ones"]


def test_checker_rejects_mutants_of_the_other_rows():
    assert check(_mutant(_set("chi_1", relation="<"), row=("1.05", "0"))) != []
    assert check(_mutant(_set("q_star", lo="1.0", hi="1.1"), row=("1", "0.05"))) != []
    assert any("q_star" in p for p in check(_mutant(lambda c: c["model"].update(sb2="0.1"), row=("1", "0.05"))))
    # float32 constants: the exact row's narrow enclosures do not hold over the intervals
    exact = copy.deepcopy(_row("1", "0").certificate)
    exact["model"] = dict(_row("1", "0", float32=True).certificate["model"])
    assert check(_resign(exact)) != []
    # a C(0) claim where biases make its formula wrong
    biased = _mutant(lambda c: c["claims"].append({"quantity": "dC_at_0", "lo": "0", "hi": "1"}),
                     row=("1", "0.05"))
    assert any("without biases" in p for p in check(biased))


SCHEMA = {
    "extra key": lambda c: c.update(note="x"),
    "wrong format": lambda c: c.update(format="snn-verify meanfield certificate 2"),
    "number not a text": lambda c: _claim(c, "chi_1").update(lo=1.07),
    "bool as a number": lambda c: _claim(c, "chi_1").update(hi=True),
    "NaN text": lambda c: _claim(c, "chi_1").update(hi="NaN"),
    "huge exponent": lambda c: _claim(c, "chi_1").update(hi="1e999999"),
    "exponent past the bound": lambda c: _claim(c, "chi_1").update(hi="1e400"),
    "infinity in a claim": lambda c: _claim(c, "chi_1").update(hi="inf"),
    "unknown relation": lambda c: _claim(c, "chi_1").update(relation=">="),
    "unknown quantity": lambda c: _claim(c, "chi_1").update(quantity="chi_2"),
    "claim twice": lambda c: c["claims"].append(dict(_claim(c, "chi_1"))),
    "relation without bound": lambda c: _claim(c, "chi_1").pop("bound"),
    "unknown rule": lambda c: c["cover"][1].update(rule="guess"),
    "split not increasing": lambda c: next(p for p in c["cover"] if p["rule"] == "crossing")["split"].reverse(),
    "cover as a dict": lambda c: c.update(cover={}),
    "model key unknown": lambda c: c["model"].update(tau="1"),
    "negative s_b^2": lambda c: c["model"].update(sb2="-0.1"),
    "q_star missing": lambda c: c.update(claims=[x for x in c["claims"] if x["quantity"] != "q_star"]),
    "lo above hi": lambda c: _claim(c, "chi_1").update(lo="2"),
    "inf not at the end": lambda c: c["cover"][1].update(hi="inf"),
}


@pytest.mark.parametrize("name", sorted(SCHEMA))
def test_checker_schema_is_strict(name):
    problems = check(_mutant(SCHEMA[name]))
    assert problems and isinstance(problems[0], str), name


def test_checker_never_raises_on_junk():
    for junk in (None, [], "x", 1.0, {"format": FORMAT}, {k: None for k in
                 ("format", "model", "claims", "cover", "sha256", "generated_sha256")}):
        assert check(junk)


def test_certificates_written_are_json_and_recheck(tmp_path):
    result = engine.run(engine.default_rows("1", "0")[:1], certificates=str(tmp_path))
    (path,) = tmp_path.iterdir()
    cert = json.loads(path.read_text())
    assert cert["sha256"] == trusted.digest({k: v for k, v in cert.items() if k != "sha256"})
    assert cert["generated_sha256"] == trusted.generated_digest()
    assert check(cert) == [] and result.rows[0].path == str(path)


def test_checker_imports_only_the_trusted_base():
    tree = ast.parse((ROOT / "proofs" / "rigorous" / "recheck" / "meanfield.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{a.name}" if node.module == "snn_verify.proofs.rigorous" else node.module
                         for a in node.names}
    # the trusted base, and the kernel's own schema fields (bounded decimals; shared with the
    # claim kernel, and themselves checked by tests/test_import_structure.py)
    assert imported == {"__future__", "re", "fractions", "flint", "snn_verify.proofs.rigorous.trusted",
                        "snn_verify.proofs.rigorous.recheck.fields"}


# --- the command line ------------------------------------------------------------------------------

def test_cli_meanfield(capsys, tmp_path):
    from snn_verify.cli import main

    assert main(["meanfield", "--sw2", "1", "--sb2", "0", "--json", "--certificates", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rechecked"] and [r["certified"] for r in out["rows"]] == [True, True]
    assert len(list(tmp_path.iterdir())) == 2
    assert main(["meanfield", "--sw2", "3"]) == 3          # lambda^2 s_w^2 > 2: no certified q*
    assert "UNDECIDED" in capsys.readouterr().out
    assert main(["meanfield", "--sb2", "-1"]) == 2
    assert main(["meanfield", "--sw2", "1"]) == 0
    text = capsys.readouterr().out
    assert "chaotic side" in text and "LeCun initialisation (mean field, certified)" in text
    full = _rows().render()         # the default run (its rows and the phase diagram)
    assert "order-to-chaos curve" in full and "c* in [0.7963452314" in full


# --- the phase diagram ------------------------------------------------------------------------------

def test_phase_points_bracket_chi_1_equal_1_by_quadrature():
    """At s_b^2 = 0.1 the certified bracket [lo, hi] of the critical s_w^2 has chi_1 < 1 at lo
    and > 1 at hi by quadrature too, and is narrower than 1e-12."""
    result = _rows()
    points = {p.sb2: p for p in result.phase}
    assert set(points) == {"0.05", "0.1", "0.2"}
    alpha, lam = _alpha_lambda()
    p = points["0.1"]
    assert mpmath.mpf(p.hi) - mpmath.mpf(p.lo) <= 1e-12
    with mpmath.workdps(30):
        b = mpmath.mpf("0.1")
        for text, side in ((p.lo, -1), (p.hi, 1)):
            a = mpmath.mpf(text)
            q = mpmath.findroot(lambda t: F_quad(t, a, b) - t, mpmath.mpf(1))
            s = mpmath.sqrt(a * q + b)
            chi = a * _gauss(lambda z: dselu(s * z, alpha, lam) ** 2)
            assert (chi - 1) * side > 0, text
    for point in result.phase:
        lo_row, hi_row = point.rows
        assert check(lo_row.certificate) == [] and check(hi_row.certificate) == []
        assert _claims(lo_row.certificate)["chi_1"]["relation"] == "<"
        assert _claims(hi_row.certificate)["chi_1"]["relation"] == ">"
    # more bias needs more weight variance to reach the edge of chaos
    assert float(points["0.05"].lo) < float(points["0.1"].lo) < float(points["0.2"].lo)


def test_bias_free_existence_threshold():
    """Without biases F(q)/q -> s_w^2 lambda^2 (1 + alpha^2)/2 as q -> 0: q* > 0 exists only
    above 2/(lambda^2 (1 + alpha^2)), where chi_1 -> 1."""
    alpha, lam = _alpha_lambda()
    ball = engine.critical_sw2_without_biases()
    with mpmath.workdps(30):
        threshold = 2 / (lam ** 2 * (1 + alpha ** 2))
        assert abs(mpmath.mpf(ball.mid().str(25, radius=False)) - threshold) < 1e-20
        tiny = mpmath.mpf("1e-12")
        assert abs(F_quad(tiny, threshold) / tiny - 1) < 1e-5
        # chi_1 at Q -> 0: s_w^2 lambda^2 (1/2 + alpha^2/2) = 1 at the threshold
        s = mpmath.sqrt(threshold * tiny)
        assert abs(threshold * _gauss(lambda z: dselu(s * z, alpha, lam) ** 2) - 1) < 1e-5


# --- the correlation map's fixed point c* --------------------------------------------------------

def _Phi(x):
    return mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def _conditional(m, s, alpha, lam):
    """E[selu(v)] and E[selu'(v)] for v ~ N(m, s^2), derived here:
    E[v 1{v>0}] = m Phi(m/s) + s varphi(m/s), E[e^v 1{v<0}] = e^{m + s^2/2} Phi(-(m + s^2)/s)."""
    pdf = mpmath.exp(-(m / s) ** 2 / 2) / mpmath.sqrt(2 * mpmath.pi)
    ev = mpmath.exp(m + s * s / 2) * _Phi(-(m + s * s) / s)
    mean = lam * (m * _Phi(m / s) + s * pdf) + lam * alpha * (ev - _Phi(-m / s))
    return mean, lam * _Phi(m / s) + lam * alpha * ev


def _pairs(Q, rho, alpha, lam):
    """E[selu(u) selu(v)] and E[selu'(u) selu'(v)] by conditioning on u and mpmath.quad over u."""
    s = mpmath.sqrt(Q * (1 - rho * rho))
    sq = mpmath.sqrt(Q)
    phi = _gauss(lambda z: selu(sq * z, alpha, lam) * _conditional(rho * sq * z, s, alpha, lam)[0])
    dphi = _gauss(lambda z: dselu(sq * z, alpha, lam) * _conditional(rho * sq * z, s, alpha, lam)[1])
    return phi, dphi


def test_conditional_expectation_written_here_matches_quadrature():
    alpha, lam = _alpha_lambda()
    with mpmath.workdps(20):
        for m, s in [(mpmath.mpf("0.3"), mpmath.mpf("0.7")), (mpmath.mpf("-1.2"), mpmath.mpf("0.4"))]:
            mean, dmean = _conditional(m, s, alpha, lam)
            assert abs(mean - _gauss(lambda z: selu(m + s * z, alpha, lam), -m / s)) < 1e-18
            assert abs(dmean - _gauss(lambda z: dselu(m + s * z, alpha, lam), -m / s)) < 1e-18
        # the rho = 0 pair is E[selu']^2 = C'(0) at LeCun
        assert abs(_pairs(mpmath.mpf(1), mpmath.mpf(0), alpha, lam)[1] - mpmath.mpf("0.970680352300710")) < 1e-14


@pytest.mark.parametrize("sw2,sb2", [("1", "0.05"), ("1.05", "0")])
def test_c_star_against_quadrature(sw2, sb2):
    """C(c) - c changes sign across the certified box of c* (evaluated 1e-7 outside it), and
    C'(c*) by quadrature lies in its certified enclosure, which is < 1."""
    alpha, lam = _alpha_lambda()
    c = _claims(_row(sw2, sb2).certificate)
    with mpmath.workdps(20):
        a, b = mpmath.mpf(sw2), mpmath.mpf(sb2)
        q = mpmath.findroot(lambda t: F_quad(t, a, b) - t, mpmath.mpf(c["q_star"]["lo"]))
        Q = a * q + b

        def G(x):
            rho = (a * q * x + b) / Q
            phiphi, dphidphi = _pairs(Q, rho, alpha, lam)
            return phiphi / q - x, a * dphidphi

        lo, hi = mpmath.mpf(c["c_star"]["lo"]), mpmath.mpf(c["c_star"]["hi"])
        assert hi - lo <= 1e-12 and 0 < lo < hi < 1
        assert G(lo - mpmath.mpf("1e-7"))[0] > 0 > G(hi + mpmath.mpf("1e-7"))[0]
        dC = G((lo + hi) / 2)[1]
        assert inside(c["dC_at_c_star"]["lo"], c["dC_at_c_star"]["hi"], dC) and dC < 1


def test_checker_rejects_c_star_mutants():
    row = ("1", "0.05")
    assert check(_mutant(lambda c: None, row=row)) == []
    moved = check(_mutant(_set("c_star", lo="0.7963452315", hi="0.7963452316"), row=row))
    assert any("Krawczyk" in p for p in moved)
    assert check(_mutant(_set("dC_at_c_star", relation=">"), row=row)) != []
    assert check(_mutant(_set("dC_at_c_star", lo="0.5", hi="0.9"), row=row)) != []
    assert check(_mutant(_set("c_star", relation=">", bound="0.9"), row=row)) != []
    dropped = _mutant(lambda c: c.update(claims=[x for x in c["claims"] if x["quantity"] != "c_star"]), row=row)
    assert any("needs c_star" in p for p in check(dropped))


def test_finite_width_evidence_is_near_the_certified_maps():
    """A small Monte Carlo (width 48, 256 networks, 4 layers): the gradient factor and the
    pooled second moment agree with the certified chi_1 and F^4(3) within 5 standard errors
    plus the O(1/n) gap."""
    from snn_verify.proofs.evidence.meanfield_mc import WithMonteCarlo, finite_width

    mc = finite_width(widths=(48,), depth=4, nets=256, seed=3)
    (row,) = mc.rows
    chi = _claims(_row("1", "0").certificate)["chi_1"]
    assert abs(mpmath.mpf(row.grad_pred) - mpmath.mpf(chi["lo"])) < 1e-14     # float64 vs certified
    assert abs(row.grad - row.grad_pred) < 0.05 and abs(row.length - row.length_pred) < 0.1
    assert abs(row.grad_z) < 6
    combined = WithMonteCarlo(_rows(), mc)
    assert combined.exit_code == 0 and "Finite width (evidence, not proof)" in combined.render()
    assert combined.to_json()["montecarlo"]["rows"][0]["width"] == 48
