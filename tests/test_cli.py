"""The command line: outputs against independent computations, and every error path."""
import json
import os
import subprocess
import sys

import mpmath
import pytest
from reference import moments_by_quadrature

from snn_verify import cli as verify

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(argv, capsys):
    code = verify.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv, capsys):
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_params_gives_alpha01_lambda01_to_50_digits(capsys):
    r = run_json(["params"], capsys)
    with mpmath.workdps(60):
        # independent route: the closed forms typed from the paper's appendix
        e = mpmath.e
        c1, c2 = mpmath.erfc(1 / mpmath.sqrt(2)), mpmath.erfc(mpmath.sqrt(2))
        alpha = -mpmath.sqrt(2 / mpmath.pi) / (mpmath.sqrt(e) * c1 - 1)
        lam = (1 - mpmath.sqrt(e) * c1) * mpmath.sqrt(
            2 * mpmath.pi / (2 + mpmath.pi - 2 * mpmath.sqrt(e) * (2 + mpmath.pi) * c1
                             + e * mpmath.pi * c1**2 + 2 * e**2 * c2))
        assert abs(mpmath.mpf(r["alpha"]) - alpha) < mpmath.mpf(10) ** -49
        assert abs(mpmath.mpf(r["lambda"]) - lam) < mpmath.mpf(10) ** -49
    assert len(r["alpha"].replace(".", "")) >= 50


def test_params_notebook_variant(capsys):
    r = run_json(["params", "--mean", "-0.1", "--var", "2", "--omega", "1", "--tau", "1"], capsys)
    assert abs(float(r["alpha"]) - 1.9769021954241999) < 1e-12
    assert abs(float(r["lambda"]) - 1.073851239616047) < 1e-12


@pytest.mark.parametrize("point", [("0.07", "-0.3", "1.7", "0.85"), ("-2.5", "0.9", "0.04", "2.2")])
def test_point_against_independent_50_digit_computation(point, capsys):
    mu, omega, nu, tau = point
    r = run_json(["point", "--mu", mu, "--omega", omega, "--nu", nu, "--tau", tau], capsys)
    a01, l01 = verify_params(capsys)
    q_mean, q_var = moments_by_quadrature(mu, omega, nu, tau, l01, a01, dps=60)
    with mpmath.workdps(60):
        assert abs(mpmath.mpf(r["mean"]) - q_mean) <= mpmath.mpf(10) ** -45 * max(abs(q_mean), 1)
        assert abs(mpmath.mpf(r["variance"]) - q_var) <= mpmath.mpf(10) ** -45 * q_var
        # Jacobian by central differences of the quadrature moments (h = 1e-20: error ~1e-40)
        h = mpmath.mpf(10) ** -20
        x0 = {"mu": mpmath.mpf(mu), "nu": mpmath.mpf(nu)}
        for j, var_name in enumerate(("mu", "nu")):
            def f(t, k):
                args = dict(mu=mu, omega=omega, nu=nu, tau=tau)
                args[var_name] = t
                return moments_by_quadrature(args["mu"], args["omega"], args["nu"], args["tau"], l01, a01, dps=60)[k]
            for i in range(2):
                fd = (f(x0[var_name] + h, i) - f(x0[var_name] - h, i)) / (2 * h)
                got = mpmath.mpf(r["jacobian"][i][j])
                assert abs(got - fd) <= mpmath.mpf(10) ** -30 * max(1, abs(fd))
        J = mpmath.matrix([[mpmath.mpf(v) for v in row] for row in r["jacobian"]])
        assert abs(mpmath.mpf(r["spectral_norm"]) - max(mpmath.svd_r(J, compute_uv=False))) < mpmath.mpf(10) ** -45


def verify_params(capsys):
    r = run_json(["params", "--digits", "60"], capsys)
    return r["alpha"], r["lambda"]


def test_point_at_the_fixed_point_matches_the_notebook(capsys):
    r = run_json(["point", "--mu", "0", "--omega", "0", "--nu", "1", "--tau", "1"], capsys)
    J = [[float(v) for v in row] for row in r["jacobian"]]
    assert abs(J[0][0]) < 1e-40 and abs(J[1][0]) < 1e-40
    assert abs(J[0][1] - 0.0888348) < 5e-7 and abs(J[1][1] - 0.782648) < 5e-7
    assert abs(float(r["spectral_norm"]) - 0.787673) < 5e-7


def test_dropout_keys(capsys):
    r = run_json(["dropout", "--rate", "0.05"], capsys)
    with mpmath.workdps(50):
        q, ap = mpmath.mpf("0.95"), mpmath.mpf(r["alpha_prime"])
        assert abs(mpmath.mpf(r["a"]) - (q + ap**2 * q * (1 - q)) ** -0.5) < mpmath.mpf(10) ** -45
        assert abs(mpmath.mpf(r["b"]) + mpmath.mpf(r["a"]) * (1 - q) * ap) < mpmath.mpf(10) ** -45


BAD_INPUTS = [
    ["point", "--nu", "0"], ["point", "--nu", "-1"], ["point", "--tau", "0"], ["point", "--mu", "nan"],
    ["point", "--omega", "inf"], ["point", "--mu", "-inf"], ["point", "--mu", "abc"], ["point", "--mu"],
    ["point", "--digits", "0"], ["params", "--var", "0"], ["params", "--tau", "-2"], ["params", "--mean", "x"],
    ["params", "--mean", "3", "--var", "0.01", "--omega", "1", "--tau", "1"],
    ["dropout", "--rate", "1"], ["dropout", "--rate", "-0.1"], ["dropout", "--rate", "1.5"],
    ["dropout", "--rate", "NaN"], ["dropout"], ["no-such-command"], ["--seed", "x"], ["bench"],
]


@pytest.mark.parametrize("argv", BAD_INPUTS, ids=[" ".join(a) for a in BAD_INPUTS])
def test_bad_input_one_line_exit_2(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("verify.py: error:")
    assert "Traceback" not in err


def test_subprocess_error_has_no_traceback():
    p = subprocess.run([sys.executable, "verify.py", "point", "--nu", "nan"], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and p.stdout == ""


def test_quick_report_runs_and_passes(capsys):
    code, out, err = run(["--quick", "--json"], capsys)
    r = json.loads(out)
    assert code == 0 and r["ok"]
    titles = [s["title"] for s in r["sections"]]
    # the report reads like the paper: integrals first, theorems after the Jacobian
    assert titles[0].startswith("1. Integrals")
    assert titles.index(next(t for t in titles if "Jacobian" in t)) < titles.index(
        next(t for t in titles if "Theorems" in t))
    kinds = {row["kind"] for s in r["sections"] for row in s["rows"]}
    assert {"derivation", "computation", "check"} <= kinds


def test_negative_numbers_in_scientific_notation_are_values(capsys):
    """argparse alone reads "-1e-3" as an option; the parser reads it as a number."""
    code, out, err = run(["point", "--mu", "-1e-3", "--omega", "-2.5E+0", "--json"], capsys)
    assert code == 0 and err == ""
    assert json.loads(out)["inputs"]["mu"] == "-1e-3"
