"""``verify.py inspect``: per-layer sums, certified verdicts over the hull, the certified
sub-range, the network trajectory, the file formats and every bad-file path."""
import importlib.util
import json
import math

import mpmath
import numpy as np
import pytest
from reference import moments_by_quadrature

from snn_verify import cli
from snn_verify.proofs.networks import inspect_weights as iw
from snn_verify.theory.parameters import ALPHA01, LAMBDA01


def normalised(units, inputs, tau=1.0, seed=0):
    """Rows with sum exactly ~0 and sum of squares tau (to float64 rounding)."""
    w = np.random.default_rng(seed).standard_normal((units, inputs))
    w -= w.mean(axis=1, keepdims=True)
    return w * np.sqrt(tau / (w * w).sum(axis=1, keepdims=True))


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_exactly_normalised_net_is_certified_with_everything_inside(tmp_path, capsys):
    path = tmp_path / "net.npz"
    np.savez(path, **{"fc1.weight": normalised(24, 16), "fc1.bias": np.zeros(24), "fc2.weight": normalised(8, 24, seed=1)})
    code, out, err = run(["inspect", str(path), "--json"], capsys)
    r = json.loads(out)
    assert code == 0, err
    assert [layer["verdict"] for layer in r["layers"]] == ["CERTIFIED", "CERTIFIED"]
    for layer in r["layers"]:
        assert layer["inside_theorem1"] == 1.0 and not layer["outside_theorem1_box"]
        assert layer["tau"]["min"] == pytest.approx(1, abs=1e-14) and abs(layer["omega"]["max"]) < 1e-14
        assert layer["certified_subset"] is None
    assert r["layers"][0]["bias_abs_max"] == 0.0 and r["layers"][1]["bias_abs_max"] is None
    assert r["network"]["certified_in_a_row"] == 2
    # the fixed point (0, 1) of g at omega = 0, tau = 1: the trajectory stays there
    assert np.allclose(r["network"]["trajectory"]["mean"], 0, atol=1e-12)
    assert np.allclose(r["network"]["trajectory"]["var"], 1, atol=1e-12)


def test_tau_scaled_to_1_3_leaves_the_box_and_is_refuted_with_a_checked_witness(tmp_path, capsys):
    path = tmp_path / "wide.npz"
    np.savez(path, W1=normalised(16, 12, tau=1.3))
    code, out, _ = run(["inspect", str(path), "--json"], capsys)
    r = json.loads(out)
    layer = r["layers"][0]
    # the exit status follows the tube (does the network self-normalise?), which here holds
    # the pooled moments inside the target, though every unit leaves Theorem 1's box
    assert code == 0 and r["meanfield"]["verdict"] == "CERTIFIED"
    assert layer["outside_theorem1_box"] and layer["inside_theorem1"] == 0.0
    assert layer["tau"]["median"] == pytest.approx(1.3)
    assert layer["verdict"] == "REFUTED"
    by_claim = {c["claim"]: c for c in layer["certification"]["claims"]}
    assert by_claim["T1 mean above -0.1"]["verdict"] == "CERTIFIED"
    # independent route: tanh-sinh quadrature of selu(z) at the refuting point
    ce = by_claim["T1 variance below 1.5"]
    assert ce["verdict"] == "REFUTED"
    p = ce["counterexample"]["point"]
    assert layer["hull"]["tau"][0] <= p["tau"] <= layer["hull"]["tau"][1]
    _, var = moments_by_quadrature(p["mu"], p["omega"], p["nu"], p["tau"], LAMBDA01, ALPHA01)
    assert var > 1.5
    assert layer["certified_subset"]["units"] == 0


def test_largest_certified_subset_keeps_the_normalised_units(tmp_path):
    w = np.vstack([normalised(8, 10, tau=1.0), normalised(8, 10, tau=1.3, seed=3)])
    w = w[np.random.default_rng(5).permutation(16)]
    path = tmp_path / "mixed.npz"
    np.savez(path, layer=w)
    layer = iw.inspect_file(str(path)).layers[0]
    assert layer.verdict == "REFUTED" and layer.inside_theorem1 == 0.5
    s = layer.certified_subset
    assert s["units"] == 8 and s["exact"] and s["hull"]["tau"][1] < 1.0 + 1e-12


def test_sums_quantiles_and_trajectory_against_independent_routes(tmp_path):
    rng = np.random.default_rng(9)
    w1 = (normalised(20, 10, seed=4) + 0.004 * rng.standard_normal((20, 10))).astype(np.float32)
    w2 = np.tile(normalised(1, 20, tau=1.05, seed=2), (6, 1))        # every unit the same (omega, tau)
    path = tmp_path / "k.npz"
    np.savez(path, a=w1, b=w2)
    r = iw.inspect_file(str(path), layers="^a$")
    omega = [math.fsum(map(float, row)) for row in w1]
    tau = [math.fsum(float(v) ** 2 for v in row) for row in w1]
    assert r.layers[0].omega["max"] == pytest.approx(max(omega), abs=1e-14)
    assert r.layers[0].tau["median"] == pytest.approx(float(np.median(tau)), abs=1e-14)
    lo, hi = r.layers[0].hull["tau"]
    assert lo <= min(tau) and max(tau) <= hi
    # one layer whose units share (omega, tau): the pooled trajectory is g itself
    r2 = iw.inspect_file(str(path), layers="^b$")
    om, ta = float(w2[0].sum()), float((w2[0] ** 2).sum())
    mean, var = moments_by_quadrature(0, om, 1, ta, LAMBDA01, ALPHA01, dps=30)
    assert r2.network["trajectory"]["mean"][1] == pytest.approx(float(mean), abs=1e-12)
    assert r2.network["trajectory"]["var"][1] == pytest.approx(float(var), abs=1e-12)


def test_trajectory_with_biases_shifts_the_net_input():
    w = normalised(4, 8)
    bias = np.full(4, 0.5)
    traj = iw.trajectory([iw.Layer("l", w, "b", bias)], biases=True)
    mean, _ = moments_by_quadrature(1, 0.5, 1, 1, LAMBDA01, ALPHA01, dps=30)   # z ~ N(0.5, 1)
    assert traj["mean"][1] == pytest.approx(float(mean), abs=1e-12)


def test_layout_is_read_from_how_layers_chain(tmp_path):
    path = tmp_path / "keras.npz"
    np.savez(path, dense_kernel=normalised(12, 6).T, dense_bias=np.zeros(12), out_kernel=normalised(3, 12).T)
    r = iw.inspect_file(str(path))
    assert r.layout == "in-out" and [layer.units for layer in r.layers] == [12, 3]
    assert r.layers[0].bias_name == "dense_bias"


def test_safetensors_in_natural_order(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "m.safetensors"
    save_file({"fc10.weight": normalised(4, 6).astype(np.float32), "fc2.weight": normalised(6, 5).astype(np.float32),
               "fc2.bias": np.zeros(6, np.float32)}, str(path))
    r = iw.inspect_file(str(path))
    assert r.kind == "safetensors" and [layer.name for layer in r.layers] == ["fc2.weight", "fc10.weight"]
    assert r.layers[0].bias_name == "fc2.bias"


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")
def test_pytorch_state_dict(tmp_path):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(10, 7), torch.nn.SELU(), torch.nn.Linear(7, 3))
    with torch.no_grad():                      # near-normalised rows: a quick certification
        net[0].weight.copy_(torch.from_numpy(normalised(7, 10) * 1.02))
    path = tmp_path / "net.pt"
    torch.save(net.state_dict(), path)
    r = iw.inspect_file(str(path))
    assert r.kind == "torch" and r.layout == "out-in" and [layer.units for layer in r.layers] == [7, 3]
    assert r.layers[0].omega["max"] == pytest.approx(float(net[0].weight.detach().sum(dim=1).max()), abs=1e-6)
    assert r.layers[1].bias_abs_max == pytest.approx(float(net[2].bias.detach().abs().max()), abs=1e-7)


def bad_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    cube = tmp_path / "conv.npz"
    np.savez(cube, w=np.ones((3, 3, 3)))
    mismatch = tmp_path / "mismatch.npz"
    np.savez(mismatch, a=np.ones((4, 5)), b=np.ones((3, 7)))
    nan = tmp_path / "nan.npz"
    w = normalised(3, 4)
    w[1, 2] = np.nan
    np.savez(nan, w=w)
    bias = tmp_path / "bias.npz"
    np.savez(bias, **{"l.weight": normalised(3, 4), "l.bias": np.zeros(5)})
    zero = tmp_path / "zero.npz"
    np.savez(zero, w=np.vstack([normalised(2, 4), np.zeros((1, 4))]))
    return [(text, [], "not an array archive"), (cube, [], "not 2-D"), (mismatch, [], "mismatched shapes"),
            (nan, [], "NaN"), (bias, [], "mismatched shapes"), (zero, [], "all-zero"),
            (bias, ["--layers", "bias"], "not 2-D"), (bias, ["--layers", "("], "bad pattern"),
            (tmp_path / "missing.npz", [], "no such file"), (mismatch, ["--layers", "nothing"], "no 2-D")]


def test_bad_files_give_one_line_and_exit_2(tmp_path, capsys):
    for path, extra, message in bad_files(tmp_path):
        code, out, err = run(["inspect", str(path), *extra], capsys)
        assert code == 2 and out == "", (path, err)
        assert err.count("\n") == 1 and message in err, (path, err)


def test_witness_of_contraction_is_confirmed_at_50_digits(tmp_path):
    path = tmp_path / "wide.npz"
    np.savez(path, W1=normalised(4, 6, tau=1.3))
    cert = iw.inspect_file(str(path)).layers[0].certification
    row = next(c for c in cert["claims"] if c["claim"] == "T1 contraction")
    assert row["verdict"] == "REFUTED"
    from snn_verify.theory.jacobian import point_mp

    p = row["counterexample"]["point"]
    with mpmath.workdps(50):
        assert point_mp(p["mu"], p["omega"], p["nu"], p["tau"])["spectral_norm"] >= 1
