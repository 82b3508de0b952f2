"""Certificates: honest ones pass ``recheck``; removed boxes, changed bounds, a changed
verdict or claim, and any edit at all (digest) are rejected.  Tampering is also done with
the digest recomputed, so that the mathematical checks themselves are exercised."""
import copy
import json

import pytest

from snn_verify.proofs.rigorous import certificate
from snn_verify.proofs.rigorous.certify import certify, make_claim
from snn_verify.proofs.theorems import by_name


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    out = {}
    d = tmp_path_factory.mktemp("certs")
    for name in ("T1 mean below 0.1", "T3 variance increases (tau >= 0.9)", "T1 contraction"):
        path = d / (name.split()[0] + "_" + name.split()[1] + ".json")
        certificate.write(certify(by_name(name), workers=1), str(path))
        out[name] = json.loads(path.read_text())
    return out


def resealed(cert):
    """The certificate with its digest recomputed (a forger's best effort)."""
    body = {k: v for k, v in cert.items() if k != "sha256"}
    return dict(body, sha256=certificate._digest(body))


@pytest.mark.parametrize("name", ["T1 mean below 0.1", "T3 variance increases (tau >= 0.9)", "T1 contraction"])
def test_honest_certificates_pass(certs, name):
    r = certificate.recheck(certs[name])
    assert r["ok"], r["problems"]
    assert r["leaves"] == len(certs[name]["leaves"]) >= (1 if name == "T1 mean below 0.1" else 2)


def test_mean_and_variance_certificates_live_in_reduced_coordinates(certs):
    """mean and variance depend on the box only through m = mu*omega and s^2 = nu*tau."""
    assert certs["T1 mean below 0.1"]["coordinates"] == ["m", "s2"]
    assert certs["T3 variance increases (tau >= 0.9)"]["coordinates"] == ["m", "nu", "tau"]
    assert "coordinates" not in certs["T1 contraction"]


def test_full_coordinate_certificates_still_pass():
    """The same claim searched in (mu, omega, nu, tau) gives a certificate without
    ``coordinates`` (the older layout), which the checker accepts too."""
    r = certify(by_name("T1 mean below 0.1"), workers=1, coordinates=("mu", "omega", "nu", "tau"))
    cert = certificate.build(r)
    assert "coordinates" not in cert and len(cert["leaves"][0]["box"]) == 4
    assert certificate.recheck(cert)["ok"]


def test_region_not_covering_the_box_is_detected(certs):
    """Shrinking the reduced region (and the leaves with it) leaves part of the claim's box
    uncovered: the checker recomputes the image of the search box exactly."""
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    lo, hi = cert["region"][1]
    cut = lo + (hi - lo) / 2
    cert["region"][1] = [lo, cut]
    for leaf in cert["leaves"]:
        leaf["box"][1] = [min(leaf["box"][1][0], cut), min(leaf["box"][1][1], cut)]
        leaf["face"][1] = [min(leaf["face"][1][0], cut), min(leaf["face"][1][1], cut)]
    r = certificate.recheck(resealed(cert))
    assert not r["ok"] and any("image" in p for p in r["problems"])


def test_spectral_norm_in_reduced_coordinates_is_rejected(certs):
    """The Jacobian depends on omega and tau besides m and s^2: no reduced certificate."""
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    cert["claim"]["quantity"] = "spectral_norm"
    r = certificate.recheck(resealed(cert))
    assert not r["ok"] and any("cannot be checked" in p for p in r["problems"])


def test_any_edit_breaks_the_digest(certs):
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    cert["seconds"] = 0.0
    r = certificate.recheck(cert)
    assert not r["ok"] and any("digest" in p for p in r["problems"])


@pytest.mark.parametrize("index", [0, -1])
def test_removed_box_is_detected(certs, index):
    cert = copy.deepcopy(certs["T3 variance increases (tau >= 0.9)"])
    del cert["leaves"][index]
    r = certificate.recheck(resealed(cert))
    assert not r["ok"] and any("tile" in p for p in r["problems"])


def test_shrunk_box_is_detected(certs):
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    lo, hi = cert["leaves"][0]["box"][-1]
    cert["leaves"][0]["box"][-1] = [lo, (lo + hi) / 2]
    assert not certificate.recheck(resealed(cert))["ok"]


def test_tightened_bound_is_detected(certs):
    cert = copy.deepcopy(certs["T1 contraction"])
    leaf = max(cert["leaves"], key=lambda lf: lf["bound"])
    leaf["bound"] -= 1e-4          # claims more than was proved
    r = certificate.recheck(resealed(cert))
    assert not r["ok"] and any("not confirmed" in p for p in r["problems"])


def test_bound_moved_across_the_claim_is_detected(certs):
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    cert["leaves"][0]["bound"] = 0.2   # true (weaker) but no longer proves mu~ < 0.1
    r = certificate.recheck(resealed(cert))
    assert not r["ok"]


def test_claim_changed_to_a_false_one_is_detected(certs):
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    cert["claim"]["bound"] = "0.05"    # max is 0.0677: false
    r = certificate.recheck(resealed(cert))
    assert not r["ok"] and any("does not prove" in p for p in r["problems"])


def test_extremum_claimed_too_tight_is_detected(certs):
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    cert["extremum"][1] = cert["extremum"][0] - 1e-3
    assert not certificate.recheck(resealed(cert))["ok"]


def test_refuted_certificate_rechecks_its_counterexample(tmp_path):
    claim = make_claim("mean", "<", "0.06", {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.8", "1.5"),
                                             "tau": ("0.95", "1.1")})
    r = certify(claim, workers=1)
    assert r.verdict == "REFUTED"
    path = certificate.write(r, str(tmp_path / "refuted.json"))
    assert certificate.recheck_file(path)["ok"]
    cert = json.loads(open(path).read())
    cert["claim"]["bound"] = "0.07"    # now the point no longer violates
    assert not certificate.recheck(resealed(cert))["ok"]


def test_unreadable_files_are_rejected(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert not certificate.recheck_file(str(bad))["ok"]
    assert not certificate.recheck_file(str(tmp_path / "missing.json"))["ok"]
    bad.write_text(json.dumps({"format": "something else"}))
    assert not certificate.recheck_file(str(bad))["ok"]


def test_writing_is_atomic(tmp_path, monkeypatch):
    r = certify(by_name("T1 mean below 0.1"), workers=1)
    path = tmp_path / "c.json"

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(certificate.json, "dump", broken)
    with pytest.raises(OSError):
        certificate.write(r, str(path))
    assert list(tmp_path.iterdir()) == []


def test_zero_width_leaf_is_rejected_and_tiling_terminates(certs):
    """A leaf collapsed to one face of its box (zero width in a free coordinate) covers
    nothing: the tiling check must reject it, and must not loop on it (it once did)."""
    cert = copy.deepcopy(certs["T1 mean below 0.1"])
    leaf = cert["leaves"][0]
    i = next(k for k, (lo, hi) in enumerate(leaf["box"]) if lo < hi)
    flat = [iv if k != i else [iv[0], iv[0]] for k, iv in enumerate(leaf["box"])]
    cert["leaves"].append(dict(leaf, box=flat, face=flat))
    r = certificate.recheck(resealed(cert))
    assert not r["ok"] and any("tile" in p for p in r["problems"])


def test_tiles_against_hand_made_partitions():
    R = ((0.0, 1.0), (0.0, 1.0), (1.0, 1.0), (1.0, 1.0))
    half = lambda a, b: ((a, b), (0.0, 1.0), (1.0, 1.0), (1.0, 1.0))  # noqa: E731
    assert certificate.tiles(R, [R])
    assert certificate.tiles(R, [half(0.0, 0.5), half(0.5, 1.0)])
    assert not certificate.tiles(R, [half(0.0, 0.5)])                        # a gap
    assert not certificate.tiles(R, [half(0.0, 0.6), half(0.5, 1.0)])        # an overlap
    assert not certificate.tiles(R, [half(0.0, 0.0), R])                     # zero width on a face
    assert not certificate.tiles(R, [half(0.0, 0.5), half(0.5, 0.5), half(0.5, 1.0)])


def test_bench_recheck_table_rechecks_every_theorem_certificate():
    """``verify.py bench recheck``: one row per theorem claim, each certificate accepted, with
    both times measured in the same run (no timing is asserted)."""
    from snn_verify.proofs.evidence import bench_recheck

    result = bench_recheck.bench()
    assert len(result.rows) == 8 and result.exit_code == 0
    assert all(r["engine"] > 0 and r["recheck"] > 0 and r["leaves"] >= 1 for r in result.rows)
    assert "recheck / engine" in result.render().splitlines()[-1]
