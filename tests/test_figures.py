"""Every figure renders (Agg, quick sizes) and the data behind it says what its caption says."""
import json

import numpy as np
import pytest

from snn_verify import cli as verify
from snn_verify.figures import FIGURE_MODULES, get
from snn_verify.figures.common import Options, render

OPTS = Options(quick=True, device="cpu", seed=0)


@pytest.fixture(scope="module")
def figure_data():
    return {}


def data_of(name, cache):
    if name not in cache:
        cache[name] = get(name).data(OPTS)
    return cache[name]


@pytest.mark.parametrize("name", FIGURE_MODULES)
def test_figure_renders_png_and_pdf(name, figure_data, tmp_path):
    module = get(name)
    summary = render(module, str(tmp_path), OPTS, data=data_of(name, figure_data))
    for path in summary["files"]:
        with open(path, "rb") as fh:
            head = fh.read(8)
        assert head.startswith(b"\x89PNG") if path.endswith(".png") else head.startswith(b"%PDF")
    assert summary["caption"] and "\n" not in module.CAPTION
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_vector_field_arrows_on_the_boundary_of_omega_point_inward(figure_data):
    b = data_of("vector_field", figure_data)["boundary"]
    inward = b["dmu"] * b["normal_mu"] + b["dnu"] * b["normal_nu"]
    assert np.all(inward < 0)
    assert data_of("vector_field", figure_data)["montecarlo"]["max_abs_z"] < 5


def test_trajectories_converge_with_and_without_alpha_dropout(figure_data):
    d = data_of("trajectories", figure_data)
    for run in d["runs"]:
        end = run["analytic"][-1]
        if run["dropout"] in ("none", "alpha"):
            # the iterated map contracts toward (0, 1) from every start
            start_dist = np.hypot(*(np.asarray(run["start"]) - (0.0, 1.0)))
            assert np.hypot(end[0], end[1] - 1) < 0.5 * start_dist + 1e-9
        assert np.max(np.abs(run["z"])) < 5, run["dropout"]
    std_end = [r["analytic"][-1][1] for r in d["runs"] if r["dropout"] == "standard" and tuple(r["start"]) == (0.0, 1.0)]
    assert std_end and std_end[0] > 1.2  # standard dropout moves the fixed point's variance away from 1


def test_gradients_follow_mean_field(figure_data):
    runs = data_of("gradients", figure_data)["runs"]
    for key, run in runs.items():
        assert abs(run["growth_per_layer"] - run["chi1_mean"]) < 0.06, key
    assert runs["selu/lecun"]["chi1_mean"] > 1 > runs["tanh/xavier"]["chi1_mean"]


def test_histograms_relu_zeros_and_selu_scale(figure_data):
    runs = data_of("histograms", figure_data)["runs"]
    assert 0.4 < runs["relu/he"]["frac_zero"][-1] < 0.6
    assert runs["selu/lecun"]["frac_zero"][-1] == 0
    assert np.all(np.abs(runs["selu/lecun"]["var"] - 1) < 0.3)


def test_small_initialisation_collapses(figure_data):
    runs = data_of("initialisations", figure_data)["runs"]
    for act in ("tanh", "relu"):
        std = runs[f"{act}/small"]["std"]
        assert std[-1] < 1e-3 * std[0]
    assert abs(runs["selu/lecun"]["std"][-1] - 1) < 0.3


def test_highway_gate_activity_falls_as_bias_becomes_more_negative(figure_data):
    d = data_of("highway", figure_data)
    gate = [np.mean(d["runs"][b]["gate"]) for b in d["biases"]]
    move = [np.mean(d["runs"][b]["move"]) for b in d["biases"]]
    assert d["biases"] == sorted(d["biases"], reverse=True)
    assert gate[0] > gate[1] > gate[2] and move[0] > move[1] > move[2]


def test_clt_kurtosis_falls_with_fan_in(figure_data):
    runs = data_of("clt", figure_data)["runs"]
    kurt = [runs[n]["excess_kurtosis"] for n in sorted(runs)]
    assert kurt[0] > kurt[1] > kurt[2]


def test_finite_width_data_shapes(figure_data):
    d = data_of("finite_width", figure_data)
    assert d["error"].shape == (len(d["widths"]), 2) and np.all(d["stderr"] > 0)


#: float64 grid values carry rounding errors (~1e-16) that a tight certified bound does not
F64 = 1e-12


def test_theorem_maps_agree_with_the_certified_enclosures(figure_data):
    d = data_of("theorem_maps", figure_data)
    assert all(v == "CERTIFIED" for v in d["verdicts"].values())
    # grid points lie in the certified boxes, so no grid value may beat a certified bound
    # (beyond float64 rounding: the certified extremes are attained at vertices to ~1e-17)
    assert d["norm"]["value"].max() <= d["norm"]["certified"][1] + F64 < 1
    t2 = d["t2"]
    inside = (t2["nu"] >= 3) & (t2["nu"] <= 16)
    assert t2["value"][inside].max() <= t2["certified"][1] + F64 < 0
    t3 = d["t3"]
    inside = (t3["nu"] >= 0.02) & (t3["nu"] <= 0.16)
    assert t3["value"][inside].min() >= t3["certified"][0] - F64 > 0
    im = d["image"]
    c = im["certified"]
    assert c["mean_min"][0] - F64 <= im["mean"].min() and im["mean"].max() <= c["mean_max"][1] + F64
    assert c["var_min"][0] - F64 <= im["var"].min() and im["var"].max() <= c["var_max"][1] + F64


def test_figures_command_line(tmp_path, capsys):
    code = verify.main(["figures", "--quick", "--device", "cpu", "--only", "highway", "--out", str(tmp_path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [f["name"] for f in out["figures"]] == ["highway"]
    assert (tmp_path / "highway.png").exists() and (tmp_path / "highway.pdf").exists()
    for argv in (["figures", "--only", "nope"], ["figures", "--out", "/proc/forbidden/x"]):
        assert verify.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("verify.py: error:") and err.count("\n") == 1
