"""The CPU backend's primitives against numpy: hashed weights, products, draws, elementwise ops."""
import math

import numpy as np
import pytest
from scipy import stats

from snn_verify.proofs.evidence.backends import BackendUnavailable, cuda_available, get_backend
from snn_verify.proofs.evidence.backends.device import derive_key
from snn_verify.theory.activations import ACTIVATIONS

BE = get_backend("cpu")


def test_keys_are_deterministic_and_distinct():
    keys = {int(derive_key(s, stream, layer)) for s in range(3) for stream in range(3) for layer in range(3)}
    assert len(keys) == 27
    assert derive_key(5, 1, 2) == derive_key(5, 1, 2)


@pytest.mark.parametrize("n_in", [2, 7, 64])
def test_normalised_rows_have_exact_sums(n_in):
    key = derive_key(1, 1, 0)
    scales = BE.weight_scales(key, 9, n_in, omega=0.3, tau=1.7, exact=True)
    w = BE.weights(key, scales, 9, n_in).astype(np.float64)
    np.testing.assert_allclose(w.sum(axis=1), 0.3, atol=1e-6)
    np.testing.assert_allclose((w * w).sum(axis=1), 1.7, rtol=1e-6)


def test_lecun_weights_are_normal_with_the_right_moments():
    n = 256
    key = derive_key(2, 1, 0)
    w = BE.weights(key, BE.weight_scales(key, n, n, 0.0, 1.0, exact=False), n, n).astype(np.float64).ravel()
    assert abs(w.mean()) < 5 * w.std() / math.sqrt(w.size)
    assert abs(w.var() * n - 1) < 5 * math.sqrt(2 / w.size)
    assert stats.kstest(w * math.sqrt(n), "norm").pvalue > 1e-3
    # the two normals of one Box-Muller pair (columns 2k, 2k+1) are uncorrelated
    pairs = w.reshape(n, n // 2, 2)
    assert abs(np.corrcoef(pairs[..., 0].ravel(), pairs[..., 1].ravel())[0, 1]) < 5 / math.sqrt(w.size / 2)


@pytest.mark.parametrize("n_in,n_out", [(5, 7), (8, 3), (33, 17)])
def test_products_equal_the_materialised_matrix(n_in, n_out):
    rng = np.random.default_rng(0)
    key = derive_key(3, 1, 1)
    scales = BE.weight_scales(key, n_out, n_in, 0.1, 1.2, exact=True)
    w = BE.weights(key, scales, n_out, n_in).astype(np.float64)
    x = rng.standard_normal((n_in, 5)).astype(np.float32)
    d = rng.standard_normal((n_out, 5)).astype(np.float32)
    np.testing.assert_allclose(BE.matmul(x, key, scales, BE.zeros((n_out, 5))), w @ x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(BE.matmul(d, key, scales, BE.zeros((n_in, 5)), transpose=True), w.T @ d,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dist,skew,kurt", [("normal", 0, 0), ("uniform", 0, -1.2), ("skewed", 2, 6)])
def test_draws_have_the_requested_moments(dist, skew, kurt):
    n = 1 << 20
    x = BE.draw(BE.zeros((1024, n // 1024)), derive_key(4, 2, 0), dist, 0.5, 2.0).astype(np.float64).ravel()
    assert abs(x.mean() - 0.5) < 5 * 2 / math.sqrt(n)
    assert abs(x.var() / 4 - 1) < 0.01
    assert abs(stats.skew(x) - skew) < 0.05 * max(1, skew)
    assert abs(stats.kurtosis(x) - kurt) < 0.1 * max(1, kurt)
    assert abs(np.corrcoef(x[:-1], x[1:])[0, 1]) < 5 / math.sqrt(n)  # neighbours independent
    if dist == "normal":
        assert stats.kstest((x - 0.5) / 2, "norm").pvalue > 1e-3


def test_same_key_same_numbers_other_key_other_numbers():
    a = BE.draw(BE.zeros((64, 8)), derive_key(7, 2, 0), "normal")
    b = BE.draw(BE.zeros((64, 8)), derive_key(7, 2, 0), "normal")
    c = BE.draw(BE.zeros((64, 8)), derive_key(8, 2, 0), "normal")
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("name", ["selu", "relu", "tanh", "sigmoid", "gelu"])
def test_activation_and_its_derivative_match_numpy(name):
    z = BE.draw(BE.zeros((32, 16)), derive_key(5, 2, 0), "normal", 0.0, 3.0)
    g = BE.draw(BE.zeros((32, 16)), derive_key(5, 5, 0), "normal")
    act = ACTIVATIONS[name]
    np.testing.assert_allclose(BE.activation(name, z, BE.zeros(z.shape), bias=0.25),
                               act.numpy()(z.astype(np.float64) + 0.25), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(BE.activation_grad(name, z, g, BE.zeros(z.shape)),
                               act.numpy(derivative=True)(z.astype(np.float64)) * g, rtol=1e-6, atol=1e-7)


def test_dropout_batchnorm_highway():
    shape = (200, 500)
    y = BE.draw(BE.zeros(shape), derive_key(6, 2, 0), "normal", 0.0, 1.0)
    out = BE.dropout(y, derive_key(6, 3, 1), 0.9, -1.758, 2.0, 0.5, BE.zeros(shape))
    kept = np.isclose(out, 2 * y + 0.5)
    dropped = out == np.float32(-1.758 * 2 + 0.5)
    assert np.all(kept | dropped)
    assert abs(dropped.mean() - 0.1) < 5 * math.sqrt(0.09 / y.size)
    z = BE.draw(BE.zeros((8, 100)), derive_key(6, 2, 1), "skewed", 3.0, 2.0)
    bn = BE.batchnorm(z, BE.zeros(z.shape))
    ref = (z - z.mean(axis=1, keepdims=True)) / np.sqrt(z.var(axis=1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(bn, ref, rtol=1e-4, atol=1e-5)
    t = BE.activation("sigmoid", z, BE.zeros(z.shape))
    np.testing.assert_allclose(BE.highway(bn, t, z, BE.zeros(z.shape)), bn * t + z * (1 - t), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n_in,n_out", [(5, 7), (64, 33)])
def test_stored_weight_matrix_is_the_hashed_one(n_in, n_out):
    """The stored path's generated W is exactly the hashed path's (the identity product reads
    it back entry by entry), and its BLAS product agrees to float32 rounding."""
    key = derive_key(3, 1, 2)
    scales = BE.weight_scales(key, n_out, n_in, 0.1, 1.2, exact=True)
    w = BE.weight_matrix(key, scales, n_out, n_in)
    assert w.dtype == np.float32 and np.array_equal(w, BE.weights(key, scales, n_out, n_in))
    x = np.random.default_rng(1).standard_normal((n_in, 9)).astype(np.float32)
    hashed = BE.matmul(x, key, scales, BE.zeros((n_out, 9)))
    np.testing.assert_allclose(BE.stored_matmul(w, x, BE.zeros((n_out, 9))), hashed, rtol=1e-5, atol=1e-5)
    d = np.random.default_rng(2).standard_normal((n_out, 9)).astype(np.float32)
    np.testing.assert_allclose(BE.stored_matmul(w, d, BE.zeros((n_in, 9)), transpose=True),
                               BE.matmul(d, key, scales, BE.zeros((n_in, 9)), transpose=True), rtol=1e-5, atol=1e-5)


def test_layer_path_follows_memory(monkeypatch):
    from snn_verify.proofs.evidence.backends.base import STORED_FRACTION

    monkeypatch.setattr(BE, "memory_available", lambda: int(4 * 1000 * 1000 / STORED_FRACTION))
    assert BE.layer_path(1000, 1000) == "stored" and BE.layer_path(1000, 1001) == "hashed"
    monkeypatch.setattr(BE, "memory_available", lambda: 0)   # unknown memory: never store
    assert BE.layer_path(2, 2) == "hashed"


def test_device_selection():
    assert get_backend("cpu").name == "cpu"
    assert get_backend("auto") is get_backend("cuda" if cuda_available() else "cpu")
    with pytest.raises(ValueError, match="unknown device"):
        get_backend("tpu")
    if not cuda_available():
        with pytest.raises(BackendUnavailable):
            get_backend("cuda")


def test_auto_falls_back_to_the_cpu_with_one_line_when_cuda_kernels_fail(monkeypatch, capsys):
    import snn_verify.proofs.evidence.backends as backends

    monkeypatch.setattr(backends, "cuda_available", lambda: True)
    monkeypatch.setattr(backends, "cuda_problem", lambda: "TypingError: shared array shape")
    backends._warn_fallback.cache_clear()
    assert backends.get_backend("auto").name == "cpu"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "running on the CPU" in err[0] and "TypingError" in err[0]
    with pytest.raises(BackendUnavailable, match="do not work here: TypingError"):
        backends.get_backend("cuda")


def test_cuda_problem_reports_a_broken_backend_in_one_line(monkeypatch):
    import snn_verify.proofs.evidence.backends as backends

    def broken(name):
        raise RuntimeError("NVVM_ERROR_COMPILATION\nsecond line")

    monkeypatch.setattr(backends, "_backend", broken)
    backends.cuda_problem.cache_clear()
    try:
        assert backends.cuda_problem() == "RuntimeError: NVVM_ERROR_COMPILATION"
    finally:
        backends.cuda_problem.cache_clear()
