"""The certification commands: ``theorems``, ``claim`` (exit 0/1/3/2), ``recheck``, ``fixed-point``."""
import json

import mpmath
import pytest

from snn_verify import cli as verify
from snn_verify.proofs.rigorous.fixed_point import fixed_point
from snn_verify.theory.jacobian import point_mp

T1 = ["--mu", "-0.1", "0.1", "--omega", "-0.1", "0.1", "--nu", "0.8", "1.5", "--tau", "0.95", "1.1"]


def run(argv, capsys):
    code = verify.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_theorems_json_and_certificates(tmp_path, capsys):
    code, out, _ = run(["theorems", "--json", "--workers", "1", "--certificates", str(tmp_path)], capsys)
    r = json.loads(out)
    assert code == 0
    assert len(r["claims"]) == 8
    for c in r["claims"]:
        assert {"name", "verdict", "extremum", "argext", "boxes", "seconds"} <= set(c)
        assert c["verdict"] == "CERTIFIED" and c["extremum"][1] - c["extremum"][0] <= 1e-6
    files = sorted(tmp_path.iterdir())
    assert len(files) == 8
    code, out, _ = run(["recheck", str(files[0]), "--json"], capsys)
    assert code == 0 and json.loads(out)["ok"]
    code, out, _ = run(["recheck", *map(str, files), "--json"], capsys)
    r = json.loads(out)
    assert code == 0 and r["ok"] and len(r["certificates"]) == 8 and r["rejected"] == 0
    cert = json.loads(files[3].read_text())
    cert["claim"]["bound"] = "0"          # one certificate altered: the batch is rejected, and says which
    files[3].write_text(json.dumps(cert))
    code, out, _ = run(["recheck", *map(str, files), "--json"], capsys)
    r = json.loads(out)
    assert code == 1 and not r["ok"] and r["rejected"] == 1
    assert [c["ok"] for c in r["certificates"]] == [k != 3 for k in range(8)]


@pytest.mark.parametrize("relation,bound,expected", [("--lt", "0.9", 0), ("--lt", "0.897", 1), ("--gt", "0.5", 0),
                                                     ("--gt", "0.8", 1)])
def test_claim_exit_codes(relation, bound, expected, capsys):
    code, out, _ = run(["claim", "--quantity", "spectral_norm", relation, bound, *T1, "--json", "--workers", "1"],
                       capsys)
    r = json.loads(out)
    assert code == expected
    assert r["verdict"] == ("CERTIFIED" if expected == 0 else "REFUTED")
    assert len(r["extremum"]) == 2
    if expected == 1:
        ce = r["counterexample"]
        value = point_mp(*(ce["point"][v] for v in ("mu", "omega", "nu", "tau")), digits=50)["spectral_norm"]
        assert (value >= float(bound)) if relation == "--lt" else (value <= float(bound))


def test_claim_undecided_exit_3(capsys):
    # the bound is the true maximum to 40 digits, far inside the enclosure's width: no verdict
    exact = point_mp("-0.1", "-0.1", "1.5", "1.1", digits=50)["mean"]
    code, out, _ = run(["claim", "--quantity", "mean", "--lt", mpmath.nstr(exact, 40), *T1, "--json",
                        "--workers", "1", "--budget-seconds", "5"], capsys)
    r = json.loads(out)
    assert code == 3 and r["verdict"] == "UNDECIDED" and r["open_boxes"]["count"] >= 1


def test_claim_writes_certificate(tmp_path, capsys):
    path = tmp_path / "claim.json"
    code, _, _ = run(["claim", "--quantity", "variance_change", "--gt", "0", "--mu", "-0.1", "0.1", "--omega", "0",
                      "0.1", "--nu", "0.05", "0.1", "--tau", "1", "1.2", "--certificate", str(path), "--workers", "1"],
                     capsys)
    assert code == 0 and path.exists()
    assert run(["recheck", str(path)], capsys)[0] == 0
    cert = json.loads(path.read_text())
    cert["leaves"].pop()
    path.write_text(json.dumps(cert))
    code, out, _ = run(["recheck", str(path)], capsys)
    assert code == 1 and "REJECTED" in out and "malformed" not in out


BAD = [
    ["claim", "--quantity", "mean", "--lt", "1", "--mu", "0.1", "-0.1", *T1[3:]],          # reversed
    ["claim", "--quantity", "mean", "--lt", "1", *T1[:6], "--nu", "0", "1", *T1[9:]],       # nu not > 0
    ["claim", "--quantity", "mean", "--lt", "1", "--gt", "0", *T1],                          # both relations
    ["claim", "--quantity", "mean", *T1],                                                    # no relation
    ["claim", "--quantity", "entropy", "--lt", "1", *T1],                                    # unknown quantity
    ["claim", "--quantity", "mean", "--lt", "x", *T1],                                       # not a number
    ["claim", "--quantity", "mean", "--lt", "1", "--mu", "0", *T1[3:]],                      # one endpoint
    ["claim", "--quantity", "mean", "--lt", "inf", *T1],
    ["recheck"],
    # reversed as decimals though both ends round to the same float (an empty box)
    ["claim", "--quantity", "mean", "--lt", "0", "--mu", "0.10000000000000000001", "0.1", *T1[3:]],
    ["claim", "--quantity", "mean", "--lt", "1", *T1, "--certificate", "."],                 # a directory
]


@pytest.mark.parametrize("argv", BAD, ids=range(len(BAD)))
def test_bad_input_exit_2(argv, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_recheck_missing_file_is_rejected(tmp_path, capsys):
    code, out, _ = run(["recheck", str(tmp_path / "nope.json")], capsys)
    assert code == 2 and out.startswith("MALFORMED") and "No such file" in out


def test_fixed_point_enclosures():
    fp = fixed_point("0", "1")
    assert fp["unique"] and fp["contains_0_1"] and fp["width"] <= 1e-12
    assert fp["contraction"] < 1
    for omega, tau in (("0.1", "1.1"), ("-0.1", "0.95"), ("0.07", "1.02")):
        fp = fixed_point(omega, tau)
        assert fp["unique"] and fp["width"] <= 1e-12 and fp["contraction"] < 1
        mu, nu = (sum(fp[k]) / 2 for k in ("mu", "nu"))
        p = point_mp(mu, omega, nu, tau, digits=30)   # g(x) = x at the enclosure's centre
        assert abs(p["mean"] - mu) < 1e-12 and abs(p["variance"] - nu) < 1e-12
        assert -0.1 <= mu <= 0.1 and 0.8 <= nu <= 1.5      # in Omega (Theorem 1)


@pytest.mark.parametrize("content", ["[]", '"x"', "3", "null"])
def test_recheck_of_a_non_object_is_rejected_in_one_line(tmp_path, capsys, content):
    path = tmp_path / "c.json"
    path.write_text(content)
    code, out, err = run(["recheck", str(path)], capsys)
    assert code == 2 and out.startswith("MALFORMED") and out.count("\n") == 1 and "Traceback" not in out + err
