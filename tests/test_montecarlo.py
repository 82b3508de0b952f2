"""Monte Carlo against the analytic side: the map g, mean-field chi_1, exact dropout moments."""
import math

import numpy as np
import pytest

from conftest import FULL
from snn_verify.proofs.evidence import montecarlo as mc
from snn_verify.theory.activations import ACTIVATIONS, chi1
from snn_verify.theory.selu_map import moment_map


def test_pooled_moments_standard_errors_are_calibrated():
    """z-scores of 400 independent crossed designs (unit effects + sample effects + noise)
    have mean about 0 and spread about 1 (the two-way error counts the residual twice, so
    the spread may be a little below 1, never far above)."""
    rng = np.random.default_rng(1)
    zs = []
    for _ in range(400):
        y = rng.normal(0, 0.3, (20, 1)) + rng.normal(0, 0.5, (1, 30)) + rng.normal(0, 1.0, (20, 30)) + 2.0
        mean, var, se_m, _ = mc.pooled_moments(y)
        zs.append((mean - 2.0) / se_m)
    zs = np.array(zs)
    assert abs(zs.mean()) < 0.2 and 0.8 < zs.std() < 1.15


def test_pooled_moments_match_numpy():
    y = np.random.default_rng(2).standard_normal((37, 50)) * 3 + 1
    mean, var, se_m, se_v = mc.pooled_moments(y.astype(np.float32), chunk=8)
    assert mean == pytest.approx(y.astype(np.float32).astype(np.float64).mean(), rel=1e-12)
    assert var == pytest.approx(y.var() + se_m**2, rel=1e-5)
    assert se_m > 0 and se_v > 0


@pytest.mark.parametrize("weights,inputs", [("normalized", "normal"), ("lecun", "normal"), ("normalized", "uniform")])
def test_one_layer_map_within_5_standard_errors_of_g(weights, inputs):
    r = mc.map_grid((-0.1, 0.1), (0.8, 1.5), 4, width=64, samples=256, weights=weights, inputs=inputs,
                    seed=3, backend="cpu")
    assert len(r.points) == 16 and r.max_abs_z < 5
    for p in r.points:
        assert p.analytic == pytest.approx([float(v) for v in moment_map(p.mu, 0.0, p.nu, 1.0)])
        assert p.stderr[0] < 0.03 and p.stderr[1] < 0.05  # not vacuous


def test_one_layer_map_detects_a_wrong_map():
    """The test has teeth: the same data against g at tau = 1.1 instead of 1 is far outside."""
    p = mc.one_layer(0.0, 1.0, width=64, samples=2048, seed=3, backend="cpu")
    assert max(abs(z) for z in p.z) < 5
    assert abs(p.empirical[1] - float(moment_map(0.0, 0.0, 1.0, 1.1)[1])) / p.stderr[1] > 5


def test_deep_selu_trajectories_converge_toward_the_fixed_point():
    depth = 24
    r = mc.deep(depth, 256, 64, starts=((0.5, 3.0), (-0.3, 0.2)), dropout=("none", "alpha", "standard"),
                rate=0.1, seed=4, backend="cpu")
    for run in r.runs:
        assert np.nanmax(np.abs(run.z)) < 5, (run.start, run.dropout)
        mean, var = run.empirical[-1]
        if run.dropout == "standard":  # standard dropout moves the fixed point: variance about 1.6
            assert 1.4 < var < 1.8 and run.analytic[-1][1] == pytest.approx(1.6, abs=0.05)
        else:
            assert abs(mean) < 0.05 and abs(var - 1) < 0.08, (run.start, run.dropout, mean, var)
        start_distance = abs(run.start[1] - 1)
        assert abs(run.empirical[1][1] - 1) < start_distance  # one layer already moves toward 1


def test_alpha_dropout_keeps_the_fixed_point_analytically():
    traj = mc.analytic_trajectory((0.0, 1.0), 10, dropout="alpha", rate=0.1)
    np.testing.assert_allclose(traj, np.tile([0.0, 1.0], (11, 1)), atol=1e-12)
    assert mc.dropout_moments("standard", 0.1, 0.2, 1.0) == pytest.approx((0.2, (1 + 0.04) / 0.9 - 0.04))


def test_zoo_statistics():
    r = mc.zoo(("selu", "relu", "tanh"), ("lecun", "he", "small"), depth=10, width=128, samples=64, seed=5,
               backend="cpu")
    runs = r.runs
    total = 128 * 64
    for run in runs.values():
        counts = run.histograms.sum(axis=1) + (run.below + run.above) * total
        np.testing.assert_allclose(counts, total, atol=1e-6)
    assert 0.7 < runs["selu/lecun"].var[-1] < 1.3          # self-normalising
    assert runs["tanh/small"].var[-1] < 1e-6                # activations collapse
    assert 0.2 < runs["relu/he"].var[-1] < 2.0              # He keeps ReLU's scale
    assert runs["relu/lecun"].var[-1] < runs["relu/lecun"].var[0] / 10
    assert 0.4 < runs["relu/he"].frac_zero[-1] < 0.65       # half the ReLUs are off
    assert runs["selu/lecun"].frac_saturated[-1] < 0.05


def test_highway_gates_carry_the_input():
    r = {b: mc.zoo(("selu",), ("lecun",), depth=6, width=64, samples=64, highway_bias=b, seed=6, backend="cpu")
         .runs["selu/lecun"] for b in (-1.0, -4.0)}
    for b, run in r.items():
        assert abs(run.gate.mean() - 1 / (1 + math.exp(-b))) < 0.1
    assert np.all(r[-4.0].move < r[-1.0].move) and np.all(r[-4.0].gate < r[-1.0].gate)


def test_gradients_follow_mean_field_chi1():
    r = mc.gradients(depth=12, width=256, samples=64, seed=7, backend="cpu").runs
    selu = r["selu/lecun"]
    assert selu.growth_per_layer == pytest.approx(selu.chi1_mean, rel=0.05)
    assert chi1(ACTIVATIONS["selu"], 0.0, 0.0, 1.0, 1.0) == pytest.approx(1.0716, abs=1e-4)
    assert 1.03 < selu.growth_per_layer < 1.12                 # grows, slowly
    assert r["tanh/xavier"].total_growth < 0.3                # vanishes toward the input
    assert 0.85 < r["relu/he"].growth_per_layer < 1.15
    np.testing.assert_allclose(r["tanh/xavier"].chi1, r["tanh/xavier"].chi1_sampled, rtol=0.05)


def test_finite_width_error_is_resolved_and_falls():
    widths = (16, 32, 64, 128, 256) if FULL else (16, 64)
    r = mc.finite_width(widths, inputs="skewed", outputs=1 << (22 if FULL else 20), seed=8, backend="cpu")
    err, se = r.error[:, 1], r.stderr[:, 1]
    assert err[0] > 3 * se[0]           # the variance error at width 16 is real
    assert err[0] > err[-1]
    if FULL:
        assert r.slope["var"] is not None and -1.5 < r.slope["var"] < -0.5


def test_normal_inputs_have_no_finite_width_error():
    r = mc.finite_width((16,), inputs="normal", outputs=1 << 20, seed=9, backend="cpu")
    assert np.all(r.error[0] < 5 * r.stderr[0])


def test_net_input_check_shows_the_clt():
    r = mc.net_input_check((5, 100), rows=64, samples=2048, seed=10, backend="cpu")
    small, large = r.runs[5], r.runs[100]
    assert small.excess_kurtosis > 0.5 > abs(large.excess_kurtosis)
    assert len(small.density) == len(r.normal_density) == 40


def test_same_seed_same_result_other_seed_other_result():
    a = mc.one_layer(0.05, 1.2, width=32, samples=16, seed=11, backend="cpu")
    b = mc.one_layer(0.05, 1.2, width=32, samples=16, seed=11, backend="cpu")
    c = mc.one_layer(0.05, 1.2, width=32, samples=16, seed=12, backend="cpu")
    assert a.empirical == b.empirical != c.empirical


def test_stored_and_hashed_paths_agree_and_are_named():
    """Both paths use the same hashed weights; BLAS sums in another order, so the statistics
    agree to float32 rounding (not bit for bit); the hashed path keeps the old numbers."""
    kw = dict(grid=2, width=48, samples=32, seed=13, backend="cpu")
    stored, hashed = (mc.map_grid(path=p, **kw) for p in ("stored", "hashed"))
    assert (stored.path, hashed.path) == ("stored", "hashed") and stored.to_json()["path"] == "stored"
    np.testing.assert_allclose(stored.empirical, hashed.empirical, rtol=1e-5, atol=1e-6)
    deep = [mc.deep(4, 32, 16, starts=((0.5, 2.0),), seed=2, backend="cpu", path=p) for p in ("stored", "hashed")]
    for a, b in zip(deep[0].runs, deep[1].runs):
        np.testing.assert_allclose(a.empirical, b.empirical, rtol=1e-4, atol=1e-5)
    assert mc.finite_width((8, 16), outputs=256, seed=1, backend="cpu", path="hashed").path == ["hashed"] * 2


class _HostCopies:
    """A CPU backend seen through an array namespace that hands out copies (as a CUDA backend
    without CuPy does: it reduces host copies and keeps the hashed path)."""

    def __init__(self, be):
        self.be = be

    def __getattr__(self, name):
        return getattr(self.be, name)

    blas_available = False

    def asarray(self, arr):
        return np.array(arr, copy=True)

    def layer_path(self, n_out, n_in):
        return "hashed"


def test_experiments_only_read_through_the_namespace(monkeypatch):
    """Every statistic goes through ``be.asarray``/``be.xp``: with copies instead of views the
    numbers are the same as the hashed path's on the CPU."""
    from dataclasses import replace

    be = mc.get_backend("cpu")
    kw = dict(depth=3, width=16, samples=8, highway_bias=-2.0, seed=3, backend="cpu")
    ref = replace(mc.zoo(("selu",), ("lecun",), path="hashed", **kw), seconds=0.0).to_json()
    monkeypatch.setattr(mc.blocks, "get_backend", lambda name: _HostCopies(be))
    assert replace(mc.zoo(("selu",), ("lecun",), **kw), seconds=0.0).to_json() == ref


def test_bad_input():
    with pytest.raises(ValueError, match="initialisation"):
        mc.map_grid(weights="orthogonal", backend="cpu")
    with pytest.raises(ValueError, match="distribution"):
        mc.map_grid(inputs="cauchy", backend="cpu")
    with pytest.raises(ValueError, match="activation"):
        mc.zoo(("softsign",), ("lecun",), backend="cpu")
    with pytest.raises(ValueError, match="dropout"):
        mc.deep(dropout="gaussian", backend="cpu")
