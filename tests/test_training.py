"""``verify.py train``: the data loaders on tiny files in the real formats, the nets' signal
propagation at initialisation, a training run, the per-unit (omega, tau) statistics and the
command line.  Tests that train need the ``train`` extra (JAX, optax, flax) and skip without it.
"""
import gzip
import json
import os
import pickle

import numpy as np
import pytest

from snn_verify import cli as verify
from snn_verify.proofs.evidence.training import data
from snn_verify.proofs.evidence.training.stats import inside_fraction, quantiles, roughness, weight_sums
from snn_verify.proofs.theorems import THEOREM1_BOX as BOX


def _main(argv, capsys):
    code = verify.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _needs_jax():
    for name in ("jax", "optax", "flax", "sklearn"):
        pytest.importorskip(name, reason="the train extra (jax, optax, flax, scikit-learn) is not installed")


# --- loaders ------------------------------------------------------------------------------

def _idx_bytes(array, type_byte):
    header = bytes([0, 0, type_byte, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    return header + array.astype(data.IDX_TYPES[type_byte]).tobytes()


def test_mnist_idx_files_plain_and_gzipped(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 4, 3), dtype=np.uint8)
    labels = np.array([3, 1, 3, 0, 9, 1], np.uint8)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx_bytes(images, 0x08))
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx_bytes(labels, 0x08)))
    (d,) = data.load(str(tmp_path))
    assert d.name == "mnist" and d.x.shape == (6, 12)
    np.testing.assert_allclose(d.x * 255, images.reshape(6, -1), atol=1e-4)
    assert d.y.tolist() == [2, 1, 2, 0, 3, 1]           # classes 0, 1, 3, 9 recoded in order


def test_idx_other_types_and_bad_files(tmp_path):
    values = np.array([[1.5, -2.0], [0.25, 8.0]])
    path = tmp_path / "x-idx2-double"
    path.write_bytes(_idx_bytes(values, 0x0E))
    np.testing.assert_array_equal(data.read_idx(str(path)), values)
    path.write_bytes(_idx_bytes(values, 0x0E)[:-3])
    with pytest.raises(ValueError, match="body"):
        data.read_idx(str(path))
    path.write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(str(path))


def _cifar_batch(n, seed):
    rng = np.random.default_rng(seed)
    return {b"batch_label": b"training batch", b"labels": rng.integers(0, 10, n).tolist(),
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"filenames": [f"img{i}.png".encode() for i in range(n)]}


def test_cifar10_python_batches(tmp_path):
    batches = [_cifar_batch(5, 1), _cifar_batch(3, 2)]
    for i, b in enumerate(batches, 1):
        with open(tmp_path / f"data_batch_{i}", "wb") as fh:
            pickle.dump(b, fh, protocol=2)
    (d,) = data.load(str(tmp_path))
    assert d.name == "cifar10" and d.x.shape == (8, 3072)
    np.testing.assert_allclose(d.x[5:] * 255, batches[1][b"data"], atol=1e-3)
    labels = batches[0][b"labels"] + batches[1][b"labels"]
    assert d.y.tolist() == np.unique(labels, return_inverse=True)[1].tolist()


def test_cifar_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.getcwd, ())

    with open(tmp_path / "data_batch_1", "wb") as fh:
        pickle.dump({b"data": Evil(), b"labels": [0]}, fh)
    with pytest.raises(ValueError, match="refusing"):
        data.load(str(tmp_path))


def test_csv_folder_with_header_and_named_labels(tmp_path):
    (tmp_path / "b_set.csv").write_text("f1,f2,class\n1.0,2,yes\n3,4.5,no\n-1,0,yes\n")
    (tmp_path / "a_set.csv").write_text("0.5,1,0\n0.25,2,1\n0,3,1\n")
    sets = data.load(str(tmp_path))
    assert [d.name for d in sets] == ["a_set", "b_set"]
    np.testing.assert_array_equal(sets[1].x, [[1, 2], [3, 4.5], [-1, 0]])
    assert sets[1].y.tolist() == [1, 0, 1] and sets[0].y.tolist() == [0, 1, 1]
    (single,) = data.load(str(tmp_path / "a_set.csv"))
    np.testing.assert_array_equal(single.x, sets[0].x)


@pytest.mark.parametrize("content, message", [("1,2,a\n3,x,b\n", "not a number"), ("1,2,a\n3,b\n", "columns"),
                                              ("", "empty")])
def test_malformed_csv_exits_2_with_one_line(tmp_path, capsys, content, message):
    (tmp_path / "bad.csv").write_text(content)
    code, out, err = _main(["train", "uci", "--data", str(tmp_path)], capsys)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


@pytest.mark.parametrize("make", ["missing", "truncated_idx", "not_a_pickle", "not_a_folder"])
def test_missing_or_broken_data_exits_2_with_one_line(tmp_path, capsys, make):
    path = tmp_path / "data"
    if make == "truncated_idx":
        path.mkdir()
        (path / "train-images-idx3-ubyte").write_bytes(_idx_bytes(np.zeros((2, 2, 2), np.uint8), 0x08)[:-1])
        (path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.zeros(2, np.uint8), 0x08))
    elif make == "not_a_pickle":
        path.mkdir()
        (path / "data_batch_1").write_bytes(b"garbage")
    elif make == "not_a_folder":
        path.write_text("hello")
    code, out, err = _main(["train", "figure1", "--data", str(path)], capsys)
    assert code == 2 and out == "" and err.startswith("verify.py: error:") and err.count("\n") == 1


# --- statistics (numpy) -------------------------------------------------------------------

def test_normalised_layer_has_omega_0_tau_1():
    """Columns centred and scaled to unit norm: every unit's (omega, tau) is (0, 1), all inside
    Theorem 1's box; a He layer (tau ~ 2) has none inside."""
    w = np.random.default_rng(3).normal(size=(256, 128))
    w -= w.mean(axis=0)
    w /= np.linalg.norm(w, axis=0)
    omega, tau = weight_sums(w)
    np.testing.assert_allclose(omega, 0, atol=1e-12)
    np.testing.assert_allclose(tau, 1, rtol=1e-12)
    assert inside_fraction(omega, tau, BOX) == 1.0
    he = np.random.default_rng(4).normal(0, np.sqrt(2 / 256), (256, 128))
    assert inside_fraction(*weight_sums(he), BOX) == 0.0
    q = quantiles(tau)
    assert list(q) == ["min", "q05", "median", "q95", "max"] and abs(q["median"] - 1) < 1e-12


def test_roughness_of_a_noisy_curve_matches_its_noise():
    """L_t = c + e_t with iid e_t of std s: the differences have std s sqrt(2)."""
    e = np.random.default_rng(5).normal(0, 0.01, (3, 20000))
    np.testing.assert_allclose(roughness(2.0 + e), 0.01 * np.sqrt(2) / 2.0, rtol=0.03)


# --- nets and training (JAX) --------------------------------------------------------------

def test_fresh_selu_net_activations_near_0_1_on_standardised_inputs():
    _needs_jax()
    from snn_verify.proofs.evidence.training.models import Net
    from snn_verify.proofs.evidence.training.train import init, intermediates, unstack

    x = np.random.default_rng(6).normal(size=(1024, 64)).astype(np.float32)
    net = Net("snn", 8, 256, 10)
    _, acts = intermediates(net, unstack(init(net, [0], 64), 0), x)
    for a in acts:
        assert abs(a.mean()) < 0.1 and abs(a.var() - 1) < 0.15, (a.mean(), a.var())
    relu = Net("relu", 8, 256, 10)
    _, relu_acts = intermediates(relu, unstack(init(relu, [0], 64), 0), x)
    assert all(a.mean() > 0.4 for a in relu_acts)         # ReLU + He: not centred


def test_batchnorm_preactivations_have_batch_mean_0_and_variance_1():
    _needs_jax()
    from snn_verify.proofs.evidence.training.models import Net
    from snn_verify.proofs.evidence.training.train import init, intermediates, unstack

    x = np.random.default_rng(7).normal(3.0, 5.0, size=(256, 20)).astype(np.float32)
    net = Net("batchnorm", 3, 64, 4)
    pre, _ = intermediates(net, unstack(init(net, [1], 20), 0), x, train=True)
    for p in pre:
        np.testing.assert_allclose(p.mean(axis=0), 0, atol=1e-4)
        np.testing.assert_allclose(p.var(axis=0), 1, atol=2e-3)   # BatchNorm's epsilon 1e-5


def test_tiny_training_run_loss_falls():
    _needs_jax()
    from snn_verify.proofs.evidence.training.models import Net
    from snn_verify.proofs.evidence.training.train import accuracy, fit

    d = data.builtin("iris")
    (x,) = data.standardise(d.x)
    net = Net("snn", 2, 16, d.classes)
    variables, loss = fit(net, [0, 2], x, d.y, 120, 32, 0.05)
    assert loss.shape == (2, 120)
    assert np.all(loss[:, -20:].mean(1) < 0.6 * loss[:, :20].mean(1))
    assert np.all(accuracy(net, variables, x, d.y) > 0.8)


# --- command line (quick sizes: the same compiled nets as the figures' tests) -------------

def test_cli_train_figure1_quick_json(capsys):
    _needs_jax()
    code, out, _ = _main(["train", "figure1", "--quick", "--json"], capsys)
    r = json.loads(out)
    assert code == 0 and r["dataset"] == "digits" and "evidence, not proof" in r["evidence"]
    for method in ("snn", "batchnorm"):
        for depth in map(str, r["sizes"]["depths"]):
            c = r["methods"][method][depth]
            assert len(c["loss"]) == r["sizes"]["seeds"] >= 5
            assert all(len(seed) == r["sizes"]["steps"] for seed in c["loss"])
            loss = np.asarray(c["loss"])
            np.testing.assert_allclose(c["roughness"], np.mean(np.diff(loss).std(1) / loss.mean(1)), rtol=1e-6)
            np.testing.assert_allclose(c["log_roughness"], np.mean(np.diff(np.log(loss)).std(1)), rtol=1e-6)
    for key in ("roughness_ratio_bn_over_snn", "log_roughness_ratio_bn_over_snn"):
        assert set(r[key]) == set(map(str, r["sizes"]["depths"]))


def test_cli_train_drift_quick_json(capsys):
    _needs_jax()
    code, out, _ = _main(["train", "drift", "--quick", "--json"], capsys)
    r = json.loads(out)
    assert code == 0 and r["theorem1_box"] == {"omega": list(BOX.omega), "tau": list(BOX.tau)}
    for run in r["runs"].values():
        assert run["checkpoints"][0]["step"] == 0 and len(run["checkpoints"]) == r["sizes"]["checkpoints"] + 1
        for c in run["checkpoints"]:
            assert 0 <= c["inside_theorem1"] <= 1 and len(c["layers"]) == r["sizes"]["depth"]
            for layer in c["layers"]:
                assert set(layer["omega"]) == set(layer["tau"]) == {"min", "q05", "median", "q95", "max"}
                assert 0 <= layer["inside_theorem1"] <= 1
    # ReLU + He weights have tau near 2: no BN unit starts inside the box
    assert r["runs"]["batchnorm"]["checkpoints"][0]["inside_theorem1"] == 0


def test_cli_train_uci_on_a_csv_folder(tmp_path, capsys):
    _needs_jax()
    rng = np.random.default_rng(8)
    x = rng.normal(size=(80, 3))
    y = (x[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(int)
    np.savetxt(tmp_path / "toy.csv", np.column_stack([x, y]), delimiter=",", fmt="%.5f")
    code, out, _ = _main(["train", "uci", "--quick", "--json", "--data", str(tmp_path), "--methods", "snn,relu"],
                         capsys)
    r = json.loads(out)
    assert code == 0 and set(r["accuracy"]) == {"toy"} and set(r["accuracy"]["toy"]) == {"snn", "relu"}
    assert all(0.6 < a <= 1 for a in r["accuracy"]["toy"].values())   # a linearly separable-ish problem
    assert sorted(r["rank"].values()) in ([1.0, 2.0], [1.5, 1.5])
    code, _, err = _main(["train", "uci", "--quick", "--methods", "snn,lstm", "--data", str(tmp_path)], capsys)
    assert code == 2 and "lstm" in err


def test_report_training_section_is_behind_a_flag():
    from snn_verify.proofs import report

    assert report.SECTIONS[-1] is report.section_training
    sec = report.section_training(report.Context(quick=True))
    assert sec.title == "12. Training (evidence, not proof)"
    assert len(sec.rows) == 1 and "--train" in sec.rows[0]["value"] and sec.rows[0]["status"] == ""
