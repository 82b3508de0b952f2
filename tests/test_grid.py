"""Dense grids: reductions against a materialised numpy reference, formulas against the
theory kernels, and the theorem claims as evidence."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from snn_verify.proofs.evidence.backends import get_backend
from snn_verify.proofs.evidence.backends.device import GRID_QUANTITIES
from snn_verify.proofs.claims import VARIABLES
from snn_verify.proofs.theorems import theorem_claims
from snn_verify.proofs.evidence.grid import EVIDENCE, axes_of, claim_evidence, grid_extrema, grid_shape, numpy_quantity
from snn_verify.theory.jacobian import partials, spectral_norm
from snn_verify.theory.jacobian import jacobian as jacobian_np
from snn_verify.theory.selu_map import moment_map

T1 = [(-0.1, 0.1), (-0.1, 0.1), (0.8, 1.5), (0.95, 1.1)]
SHAPE = (5, 4, 6, 3)


def _reference(quantity, box, shape):
    """The whole grid in memory, evaluated by numpy + scipy (not the numba kernels)."""
    mesh = np.meshgrid(*axes_of(box, shape), indexing="ij")
    return mesh, numpy_quantity(quantity, *mesh)


def _at(quantity, point):
    return float(numpy_quantity(quantity, *(point[v] for v in VARIABLES)))


@pytest.mark.parametrize("quantity", GRID_QUANTITIES)
def test_grid_reduction_matches_numpy_reference(quantity):
    r = grid_extrema(quantity, T1, shape=SHAPE, backend="cpu", keep_plane=True)
    _, ref = _reference(quantity, T1, SHAPE)
    scale = max(1.0, float(np.abs(ref).max()))
    assert r.points == ref.size and r.nonfinite == 0
    assert abs(r.min - ref.min()) <= 1e-12 * scale
    assert abs(r.max - ref.max()) <= 1e-12 * scale
    # the arg points are grid points where the reference takes the extreme values
    assert abs(_at(quantity, r.argmin) - ref.min()) <= 1e-12 * scale
    assert abs(_at(quantity, r.argmax) - ref.max()) <= 1e-12 * scale
    # the plane (mu, nu) holds the extremes over (omega, tau) for each (mu, nu)
    assert r.plane["axes"] == ["mu", "nu"]
    np.testing.assert_allclose(r.plane["min"], ref.min(axis=(1, 3)), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r.plane["max"], ref.max(axis=(1, 3)), rtol=1e-12, atol=1e-15)
    assert r.evidence == EVIDENCE


def test_plane_choice_and_chunking_do_not_change_the_result(monkeypatch):
    base = grid_extrema("spectral_norm", T1, shape=SHAPE, backend="cpu")
    other = grid_extrema("spectral_norm", T1, shape=SHAPE, plane=("tau", "omega"), backend="cpu")
    assert (other.min, other.max) == (base.min, base.max)
    be = get_backend("cpu")
    monkeypatch.setattr(be, "grid_chunk_points", 1)  # one row of the plane per call
    calls = []
    chunked = grid_extrema("spectral_norm", T1, shape=SHAPE, backend="cpu",
                           progress=lambda done, total: calls.append((done, total)))
    assert (chunked.min, chunked.argmin, chunked.max, chunked.argmax) == (
        base.min, base.argmin, base.max, base.argmax)
    assert len(calls) == SHAPE[0] and calls[-1] == (base.points, base.points)


def test_degenerate_axes_and_shape():
    assert grid_shape(T1, 10_000_000) == (57, 57, 57, 57)
    assert grid_shape([(0, 1), (0, 0), (1, 1), (1, 2)], 100) == (10, 1, 1, 10)
    r = grid_extrema("variance", [(0.05, 0.05), (0.0, 0.0), (0.8, 1.5), (1.0, 1.0)], points=50, backend="cpu")
    assert r.points == 50 and r.argmin["nu"] == 0.8 and r.argmax["nu"] == 1.5
    assert r.min == pytest.approx(float(moment_map(0.05, 0.0, 0.8, 1.0)[1]), rel=1e-14)


@given(st.floats(-1, 1), st.floats(-1, 1), st.floats(0.02, 16), st.floats(0.5, 2))
def test_numpy_formulas_match_theory_kernels(mu, omega, nu, tau):
    """scipy's erfcx against the project's own (snn_verify.theory.special), same generated formulas."""
    mean, var = moment_map(mu, omega, nu, tau)
    p = partials(mu, omega, nu, tau)
    norm = spectral_norm(jacobian_np(mu, omega, nu, tau))
    expected = {"mean": mean, "variance": var, "variance_change": var - nu, "spectral_norm": norm,
                "dmean_dmu": p["dmean_dmu"], "dmean_dnu": p["dmean_dnu"], "dvar_dmu": p["dvar_dmu"],
                "dvar_dnu": p["dvar_dnu"]}
    for q, want in expected.items():
        got = float(numpy_quantity(q, mu, omega, nu, tau))
        assert got == pytest.approx(float(want), rel=1e-11, abs=1e-14), q


def test_claims_agree_on_a_small_grid_and_published_mean_bounds():
    """Every theorem claim holds on 7^4 points; the mean's extremes over Omega lie on the box's
    corners, so the grid finds the published values -0.03106 and 0.06773."""
    for claim in theorem_claims():
        e = claim_evidence(claim, points=7**4, backend="cpu")
        assert e.agrees, (claim.name, e.extremum)
        assert e.grid.points == 7**4
        if claim.quantity == "mean":
            assert round(e.extremum, 5) == claim.published


def test_bad_input():
    with pytest.raises(ValueError, match="unknown quantity"):
        grid_extrema("curvature", T1, points=10, backend="cpu")
    with pytest.raises(ValueError, match="reversed"):
        grid_extrema("mean", [(0.1, -0.1), (0, 0), (1, 1), (1, 1)], points=10, backend="cpu")
    with pytest.raises(ValueError, match="> 0"):
        grid_extrema("mean", [(0, 0), (0, 0), (0, 1), (1, 1)], points=10, backend="cpu")
