"""The grid / montecarlo / bench commands and the report's evidence section."""
import json

import pytest

from conftest import FULL
from snn_verify import cli as verify
from snn_verify.proofs import report
from snn_verify.proofs.evidence.backends import cuda_available
from snn_verify.proofs.theorems import theorem_claims


def run(capsys, *argv):
    code = verify.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_grid_json_keys_and_labels(capsys):
    r = run_json(capsys, "grid", "--quantity", "variance_change", "--mu", "-1", "1", "--nu", "3", "16",
                 "--tau", "0.8", "1.25", "--points", "3000", "--device", "cpu")
    assert {"min", "max", "argmin", "argmax", "points", "seconds"} <= set(r)
    assert r["points"] >= 3000 and r["max"] < 0 and "evidence, not proof" in r["evidence"]
    assert r["argmax"]["nu"] == 3.0
    code, out, _ = run(capsys, "grid", "--points", "100", "--device", "cpu")
    assert code == 0 and "evidence, not proof" in out and "spectral_norm" in out


@pytest.mark.parametrize("argv,message", [
    (["grid", "--nu", "1.5", "0.8"], "reversed"),
    (["grid", "--tau", "0", "1"], "> 0"),
    (["grid", "--quantity", "curvature"], "invalid choice"),
    (["grid", "--points", "0"], "positive integer"),
    (["montecarlo", "map", "--weights", "orthogonal"], "unknown initialisation"),
    (["montecarlo", "deep", "--dropout", "gaussian"], "unknown dropout"),
    (["montecarlo", "zoo", "--activations", "selu,softsign"], "unknown activation"),
    (["montecarlo", "gradients", "--configs", "selu"], "ACTIVATION:INIT"),
    (["montecarlo", "map", "--nu", "0", "1"], "> 0"),
])
def test_bad_input_exits_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.skipif(cuda_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_a_usage_error(capsys):
    code, _, err = run(capsys, "grid", "--device", "cuda")
    assert code == 2 and "no CUDA GPU" in err


def test_montecarlo_map_json(capsys):
    r = run_json(capsys, "montecarlo", "map", "--grid", "2", "--width", "16", "--samples", "32", "--seed", "3",
                 "--device", "cpu")
    assert len(r["points"]) == 4
    for p in r["points"]:
        assert set(p) == {"mu", "nu", "analytic", "empirical", "stderr", "z"}
        assert all(len(p[k]) == 2 for k in ("analytic", "empirical", "stderr", "z"))
    again = run_json(capsys, "montecarlo", "map", "--grid", "2", "--width", "16", "--samples", "32", "--seed", "3",
                     "--device", "cpu")
    other = run_json(capsys, "--seed", "4", "montecarlo", "map", "--grid", "2", "--width", "16", "--samples", "32",
                     "--device", "cpu")
    assert again["points"] == r["points"] != other["points"] and other["seed"] == 4


def test_montecarlo_experiments_json(capsys):
    small = ["--width", "16", "--samples", "8", "--device", "cpu"]
    deep = run_json(capsys, "montecarlo", "deep", "--depth", "3", "--start", "0.5", "2", *small)
    assert [run["dropout"] for run in deep["runs"]] == ["none", "alpha", "standard"]
    assert len(deep["runs"][0]["empirical"]) == 4
    zoo = run_json(capsys, "montecarlo", "zoo", "--depth", "2", "--activations", "selu,tanh", "--inits", "lecun",
                   "--highway-bias", "-2", "--histograms", *small)
    assert set(zoo["runs"]) == {"selu/lecun", "tanh/lecun"} and "gate" in zoo["runs"]["selu/lecun"]
    assert len(zoo["runs"]["selu/lecun"]["histograms"]) == 2
    grads = run_json(capsys, "montecarlo", "gradients", "--depth", "2", "--configs", "selu:lecun", *small)
    assert len(grads["runs"]["selu/lecun"]["grad_sq"]) == 3
    width = run_json(capsys, "montecarlo", "width", "--widths", "8,16", "--outputs", "512", "--device", "cpu")
    assert width["widths"] == [8, 16] and set(width["slope"]) == {"mean", "var"}
    for argv in (["deep", "--depth", "2"], ["zoo", "--depth", "2", "--inits", "small"],
                 ["gradients", "--depth", "2"]):
        code, out, _ = run(capsys, "montecarlo", *argv, *small)
        assert code == 0 and "evidence, not proof" in out


def test_bench_grid_and_montecarlo_json(capsys):
    r = r_grid = run_json(capsys, "bench", "grid", "--points", "20000", "--numpy-points", "5000")
    assert {"numba_points_per_s", "numpy_points_per_s", "ratio"} <= set(r) and r["agree"]
    assert r["ratio"] == pytest.approx(r["numba_points_per_s"] / r["numpy_points_per_s"])
    m = run_json(capsys, "bench", "montecarlo", "--width", "64,96", "--samples", "16", "--depth", "3",
                 "--max-width", "4096")
    assert {"numba_macs_per_s", "numpy_macs_per_s", "ratio", "torch", "widths", "max_width_run"} <= set(m)
    assert m["max_width_run"]["width"] == 4096 and m["numba_macs_per_s"] > 0
    assert m["sweep"] == {"width": [64, 96], "samples": [16]} and (m["width"], m["samples"]) == (64, 16)
    assert {(r["width"], r["path"]) for r in m["rows"] if r["method"].startswith("layer")} == {
        (64, "stored"), (64, "hashed"), (96, "stored"), (96, "hashed")}
    assert all(r["ratio_vs_numpy"] > 0 for r in m["rows"])
    assert m["deep"][0]["depth"] == 3 and m["deep"][0]["path"] == m["path"] == "stored"
    if m["torch"] != "unavailable":
        assert m["deep"][0]["ratio_vs_torch"] > 0 and any(r["method"].startswith("torch loop") for r in m["deep"])
        assert any(r["method"].startswith("torch float64") for r in r_grid["rows"])
    code, out, _ = run(capsys, "bench", "grid", "--points", "2000", "--numpy-points", "500")
    assert code == 0 and "ratio" in out


def test_report_evidence_section_quick():
    sec = report.section_evidence(report.Context(quick=True, options={"device": "cpu"}))
    assert sec.title.startswith("11. Evidence, not proof")
    claims = theorem_claims()
    assert all(r["kind"] == "evidence" for r in sec.rows)
    assert [r["name"].split(":")[0] for r in sec.rows[:len(claims)]] == [c.name for c in claims]
    assert all("evidence, not proof" in r["detail"] for r in sec.rows[:len(claims) + 1])
    assert "21 x 21" in sec.rows[len(claims)]["name"]
    assert all(r["status"] == "PASS" for r in sec.rows), [r for r in sec.rows if r["status"] != "PASS"]
    assert report.SECTIONS.index(report.section_evidence) > report.SECTIONS.index(report.section_theorems)


@pytest.mark.skipif(not FULL, reason="spawns four fresh processes (SNN_VERIFY_FULL=1)")
def test_bench_startup_loads_cached_kernels(capsys):
    r = run_json(capsys, "bench", "startup")
    assert [row["command"].split()[0] for row in r["rows"]] == ["grid", "montecarlo"]
    assert all(row["warm_seconds"] < row["cold_seconds"] for row in r["rows"])
