"""The certified tube of a concrete network (issue 19): verdicts, the kernel's re-check,
tampered certificates, bad files; numbers checked independently (mpmath quadrature written
here, a float64 closed form written here)."""
import copy
import json
import subprocess
import sys
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from snn_verify.cli import main
from snn_verify.proofs.rigorous import trusted
from snn_verify.proofs.rigorous import tube as engine
from snn_verify.proofs.rigorous.recheck import tube as kernel

# the framework constants (PyTorch, TensorFlow: alpha01, lambda01 to ~32 digits), not the project's
ALPHA = "1.6732632423543772848170429916717"
LAMBDA = "1.0507009873554804934193349852946"
SIZES = (64, 256, 256, 256, 256, 10)


def lecun(sizes=SIZES, seed=0, scale=1.0, bias=0.0):
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal((b, a)) / np.sqrt(a), bias * rng.standard_normal(b) if bias else None)
            for a, b in zip(sizes, sizes[1:])]


def normalised(n=64, layers=4, seed=1):
    """Rows of +-1/8 with 32 of each sign: omega = 0 and tau = 1 exactly."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(layers):
        rows = np.array([rng.permutation([1.0] * (n // 2) + [-1.0] * (n // 2)) for _ in range(n)]) / np.sqrt(n)
        assert np.all(rows.sum(axis=1) == 0) and np.all((rows * rows).sum(axis=1) == 1)
        out.append((rows, None))
    return out


F = Fraction


def _width(pair):
    return F(pair[1]) - F(pair[0])


def _inside(x, pair, tol=0):
    return F(pair[0]) - tol <= x <= F(pair[1]) + tol


@pytest.fixture(scope="module")
def lecun_run():
    w = lecun()
    t0 = time.perf_counter()
    r = engine.run_tube(w)
    seconds = time.perf_counter() - t0
    return w, r, seconds


# --- verdicts --------------------------------------------------------------------------

def test_normalised_network_is_certified_at_the_fixed_point():
    w = normalised()
    r = engine.run_tube(w)
    assert r.verdict == engine.CERTIFIED and r.exit_code == 0
    for layer in r.certificate_body["layers"]:       # g(0, 1) = (0, 1) exactly, every unit
        assert _inside(F(0), layer["pooled_mean"]) and _inside(F(1), layer["pooled_variance"])
        assert all(_inside(F(0), p) and _width(p) < F(1, 10 ** 15) for p in layer["mean"])
        assert all(_inside(F(1), p) for p in layer["variance"])
    assert kernel.check(r.certificate_body, w) == []


def test_lecun_network_certified_with_thin_pooled_bands(lecun_run):
    w, r, seconds = lecun_run
    assert r.verdict == engine.CERTIFIED and len(r.layers) == 5
    widths = [max(_width(layer["pooled_mean"]), _width(layer["pooled_variance"])) for layer in r.certificate_body["layers"]]
    assert max(widths) < F(1, 10 ** 10)
    print(f"\nLeCun 64-256-256-256-256-10 tube: {seconds:.2f} s, pooled widths {[float(x) for x in widths]}")
    assert seconds < 20
    t0 = time.perf_counter()
    assert kernel.check(r.certificate_body, w) == []
    print(f"re-check: {time.perf_counter() - t0:.2f} s")


def test_lecun_times_1_5_is_refuted_with_an_arb_witness():
    w = lecun(scale=1.5)
    r = engine.run_tube(w)
    assert r.verdict == engine.REFUTED and r.exit_code == 1
    body = r.certificate_body
    layer = body["layers"][body["refuted_at"] - 1]
    tm, tv = body["target"]["mean"], body["target"]["variance"]
    outside = [F(layer["pooled_mean"][0]) > F(tm[1]) or F(layer["pooled_mean"][1]) < F(tm[0]),
               F(layer["pooled_variance"][0]) > F(tv[1]) or F(layer["pooled_variance"][1]) < F(tv[0])]
    assert any(outside)
    assert kernel.check(body, w) == []                 # the Arb re-derivation confirms it
    # and far down the net the variance blows up (the whole tube is kept for a point start)
    assert F(body["layers"][-1]["pooled_variance"][0]) > 5


def test_box_refuted_by_a_witness_point_or_the_box():
    w = lecun(sizes=(16, 32, 32), scale=1.5)
    r = engine.run_tube(w, input_mean="0.001", input_var=("0.99", "1.01"))
    assert r.verdict == engine.REFUTED
    assert kernel.check(r.certificate_body, w) == []


def test_box_certified_by_affine_forms_where_intervals_wrap(lecun_run):
    """The issue's box: plain intervals wrap (UNDECIDED at layer 2), affine forms certify."""
    w, _, _ = lecun_run
    t0 = time.perf_counter()
    r = engine.run_tube(w, input_mean="0.01", input_var=("0.98", "1.02"))
    seconds = time.perf_counter() - t0
    assert r.verdict == engine.CERTIFIED and r.method == "affine"
    first = r.wrapping[0]
    assert first["interval_pooled_width"][0] > 5 * first["affine_pooled_width"][0]
    assert r.wrapping[2]["interval_pooled_width"] is None        # the interval tube stopped at layer 2
    t1 = time.perf_counter()
    assert kernel.check(r.certificate_body, w) == []
    print(f"\nbox E = 0.01, var [0.98, 1.02]: tube {seconds:.2f} s, re-check {time.perf_counter() - t1:.2f} s")


def test_box_undecided_names_the_layer_and_the_excess():
    w = lecun(sizes=(16, 64))
    r = engine.run_tube(w, input_mean="0.1", input_var=("0.9", "1.1"))
    assert r.verdict == engine.UNDECIDED and r.exit_code == 3
    assert "layer 1: pooled variance" in r.note and "leaves the target by" in r.note
    assert kernel.check(r.certificate_body, w) == []


def test_tiny_box_certified_and_rechecked():
    w = lecun(sizes=(16, 32, 32, 8), bias=0.05)
    r = engine.run_tube(w, input_mean="1e-6", input_var=("0.999999", "1.000001"))
    assert r.verdict == engine.CERTIFIED
    assert kernel.check(r.certificate_body, w) == []


def test_per_unit_scope():
    w = lecun(sizes=(16, 32, 32))
    r = engine.run_tube(w, target_mean=("-0.5", "0.5"), target_var=("0.3", "3"), scope="units")
    assert r.verdict == engine.CERTIFIED
    r = engine.run_tube(w, target_mean=("-0.001", "0.001"), scope="units")
    assert r.verdict == engine.REFUTED
    assert kernel.check(r.certificate_body, w) == []


# --- numbers, independently --------------------------------------------------------------

def _selu(x):
    lam, alpha = mpmath.mpf(LAMBDA), mpmath.mpf(ALPHA)      # parsed at the working precision
    return lam * x if x > 0 else lam * alpha * (mpmath.exp(x) - 1)


def _quad_moments(m, s2):
    """E selu(z), Var selu(z), z ~ N(m, s2), by quadrature split at the kink z = 0."""
    s = mpmath.sqrt(s2)
    dens = lambda z: mpmath.exp(-(z - m) ** 2 / (2 * s2)) / (s * mpmath.sqrt(2 * mpmath.pi))  # noqa: E731
    pts = [-mpmath.inf, m - 8 * s, min(0, m), max(0, m), m + 8 * s, mpmath.inf]
    pts = sorted(set(pts))
    e1 = mpmath.quad(lambda z: _selu(z) * dens(z), pts)
    e2 = mpmath.quad(lambda z: _selu(z) ** 2 * dens(z), pts)
    return e1, e2 - e1 * e1


def test_every_unit_against_mpmath_quadrature():
    """A small net with biases: the whole chain in mpmath, every unit of every layer."""
    w = lecun(sizes=(6, 5, 4), seed=3, bias=0.3)
    with mpmath.workdps(30):
        r = engine.run_tube(w, target_mean=("-10", "10"), target_var=("0", "100"))
        body = r.certificate_body
        mu = [mpmath.mpf(0)] * 6
        nu = [mpmath.mpf(1)] * 6
        for (W, b), layer in zip(w, body["layers"]):
            new_mu, new_nu = [], []
            for k in range(W.shape[0]):
                m = mpmath.fsum(mpmath.mpf(W[k, j]) * mu[j] for j in range(W.shape[1])) + mpmath.mpf(b[k])
                s2 = mpmath.fsum(mpmath.mpf(W[k, j]) ** 2 * nu[j] for j in range(W.shape[1]))
                e, v = _quad_moments(m, s2)
                tol = F(1, 10 ** 24)
                assert _inside(F(str(e)), layer["mean"][k], tol), (k, e, layer["mean"][k])
                assert _inside(F(str(v)), layer["variance"][k], tol), (k, v, layer["variance"][k])
                new_mu.append(e)
                new_nu.append(v)
            mu, nu = new_mu, new_nu


def _float_moments(m, s):
    """float64 closed form written here (scipy): E selu, E selu^2 of N(m, s^2)."""
    from scipy.special import erfc, erfcx

    lam, alpha = float(LAMBDA), float(ALPHA)
    Phi = lambda x: 0.5 * erfc(-x / np.sqrt(2))   # noqa: E731
    phi = lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)   # noqa: E731
    a, c = m / s, (m + s * s) / s
    c2 = (m + 2 * s * s) / s
    # e^{m + s^2/2} Phi(-c) = phi(a) * erfcx(c/sqrt 2) * sqrt(pi/2); likewise for c2
    t1 = phi(a) * erfcx(c / np.sqrt(2)) * np.sqrt(np.pi / 2)
    t2 = phi(a) * erfcx(c2 / np.sqrt(2)) * np.sqrt(np.pi / 2)
    mean = lam * (m * Phi(a) + s * phi(a)) + lam * alpha * (t1 - Phi(-a))
    second = lam ** 2 * ((m * m + s * s) * Phi(a) + m * s * phi(a)) + (lam * alpha) ** 2 * (t2 - 2 * t1 + Phi(-a))
    return mean, second - mean * mean


def test_pooled_moments_against_float64(lecun_run):
    w, r, _ = lecun_run
    mu, nu = np.zeros(64), np.ones(64)
    for (W, _), layer, summary in zip(w, r.certificate_body["layers"], r.layers):
        mu, nu = _float_moments(W @ mu, np.sqrt((W * W) @ nu))
        M = mu.mean()
        V = np.mean(nu + mu * mu) - M * M
        mid_m = float((F(layer["pooled_mean"][0]) + F(layer["pooled_mean"][1])) / 2)
        mid_v = float((F(layer["pooled_variance"][0]) + F(layer["pooled_variance"][1])) / 2)
        assert abs(M - mid_m) < 1e-12 and abs(V - mid_v) < 1e-12
        assert summary["units"]["mean"]["min"][0] <= mu.min() + 1e-12 and mu.max() <= summary["units"]["mean"]["max"][1] + 1e-12


# --- the kernel against tampering -----------------------------------------------------------

def reseal(cert):
    cert = copy.deepcopy(cert)
    cert.pop("sha256", None)
    cert["sha256"] = trusted.digest(cert)
    return cert


@pytest.fixture(scope="module")
def small():
    w = lecun(sizes=(16, 32, 32, 8), seed=5, bias=0.1)
    r = engine.run_tube(w, target_mean=("-0.3", "0.3"), target_var=("0.5", "2"))
    assert r.verdict == engine.CERTIFIED and kernel.check(r.certificate_body, w) == []
    return w, r.certificate_body


def _shift(pair, d):
    return [repr(float(F(pair[0]) + d)), repr(float(F(pair[1]) + d))]


@pytest.mark.parametrize("mutate, expect", [
    (lambda c: c["layers"][1]["mean"].__setitem__(3, _shift(c["layers"][1]["mean"][3], F(1, 1000))), "layers[1].mean[3]"),
    (lambda c: c["layers"][0]["variance"].__setitem__(0, _shift(c["layers"][0]["variance"][0], F(-1, 10 ** 6))),
     "layers[0].variance[0]"),
    (lambda c: c["layers"][2].__setitem__("pooled_mean", ["0.05", "0.06"]), "layers[2].pooled_mean"),
    (lambda c: c["target"].__setitem__("variance", ["0.999", "1.001"]), "not inside the target"),
    (lambda c: c["start"].__setitem__("variance", ["2", "2"]), "start.variance"),
    (lambda c: c["input"].__setitem__("variance", ["2", "2"]) or c.__setitem__("start", c["input"] and
                                                                               {"mean": ["0", "0"], "variance": ["2", "2"]}),
     "layers[0]"),
    (lambda c: c.__setitem__("verdict", "REFUTED") or c.__setitem__("refuted_at", 2), "no interval lies outside"),
    (lambda c: c["layers"].pop(), "2 of 3 layers"),
    (lambda c: c["weights"]["layers"][0].__setitem__("sha256", "0" * 64), "SHA-256 of the weights"),
    (lambda c: c.__setitem__("extra", 1), "unknown extra"),
    (lambda c: c["input"].__setitem__("features", True), "input.features"),
    (lambda c: c["layers"][0]["mean"].__setitem__(0, ["1e-99999", "1"]), "not a decimal text"),
    (lambda c: c["layers"][0]["mean"].__setitem__(0, ["1e-400", "1"]), "exponent out of range"),
    (lambda c: c["layers"][0]["mean"].__setitem__(0, ["nan", "1"]), "not a decimal text"),
    (lambda c: c["layers"][0]["mean"].__setitem__(0, [0.1, "1"]), "decimal text expected"),
    (lambda c: c.__setitem__("format", "snn-verify tube certificate 2"), "format"),
])
def test_tampered_certificates_are_rejected(small, mutate, expect):
    w, body = small
    cert = copy.deepcopy(body)
    mutate(cert)
    problems = kernel.check(reseal(cert), w)
    assert problems and any(expect in p for p in problems), problems


def test_unsealed_and_wrong_weights_rejected(small):
    w, body = small
    cert = copy.deepcopy(body)
    cert["layers"][0]["pooled_mean"] = ["-1", "1"]
    assert any("sha256" in p for p in kernel.check(cert, w))
    w2 = [(a.copy(), b) for a, b in w]
    w2[1][0][0, 0] += 1e-12
    assert any("SHA-256" in p for p in kernel.check(body, w2))


def test_certificate_file_and_weights_file(tmp_path, capsys):
    w = lecun(sizes=(16, 32, 8), seed=2)
    path = tmp_path / "net.npz"
    np.savez(path, **{f"l{i}.weight": a for i, (a, _) in enumerate(w)})
    cert = tmp_path / "tube.json"
    assert main(["tube", str(path), "--certificate", str(cert), "--json", "--samples", "2048"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "CERTIFIED" and out["recheck"]["problems"] == []
    assert len(out["monte_carlo"]) == 2 and {"z_mean", "z_variance"} <= set(out["monte_carlo"][0])
    assert kernel.check_file(str(cert)) == []
    body = json.loads(cert.read_text())
    assert body["weights"]["file_sha256"] == engine.file_sha256(path)
    path.write_bytes(path.read_bytes() + b"\0")
    assert any("SHA-256 of the file" in p for p in kernel.check_file(str(cert)))


# --- the command line -------------------------------------------------------------------

@pytest.mark.parametrize("content, args", [
    (None, []),
    (b"not an archive at all", []),
    ("3d", []),
    ("mismatch", []),
    ("nan", []),
    ("ok", ["--input-var", "1", "0.5"]),
    ("ok", ["--input-mean", "-1"]),
    ("ok", ["--target-mean", "nan", "1"]),
])
def test_bad_input_exit_2_one_line(tmp_path, capsys, content, args):
    path = tmp_path / "w.npz"
    if content == "3d":
        np.savez(path, a=np.ones((2, 2, 2)))
    elif content == "mismatch":
        np.savez(path, a=np.ones((4, 3)), b=np.ones((5, 5)))
    elif content == "nan":
        np.savez(path, a=np.full((4, 3), np.nan))
    elif content == "ok":
        np.savez(path, a=np.eye(3))
    elif content is not None:
        path.write_bytes(content)
    assert main(["tube", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verify.py: error:")


def test_subprocess_exit_codes(tmp_path):
    path = tmp_path / "w.npz"
    np.savez(path, **{f"l{i}": 1.5 * a for i, (a, _) in enumerate(lecun(sizes=(8, 16, 16)))})
    p = subprocess.run([sys.executable, "verify.py", "tube", str(path), "--samples", "512"], capture_output=True,
                       text=True, cwd=__file__.rsplit("/tests/", 1)[0])
    assert p.returncode == 1 and "REFUTED" in p.stdout and "Traceback" not in p.stderr


def test_meanfield_section_from_safetensors(tmp_path):
    """inspect's meanfield section: keys, and the kernel reading the safetensors file itself."""
    st = pytest.importorskip("safetensors.numpy")
    from snn_verify.proofs.networks.tube import meanfield_section

    w = lecun(sizes=(8, 16, 6), seed=4, bias=0.05)
    path = tmp_path / "net.safetensors"
    st.save_file({"fc1.weight": w[0][0], "fc1.bias": w[0][1], "fc2.weight": w[1][0], "fc2.bias": w[1][1]}, str(path))
    sec = meanfield_section(str(path), samples=512)
    assert sec["verdict"] in ("CERTIFIED", "REFUTED", "UNDECIDED") and sec["recheck"]["problems"] == []
    assert len(sec["layers"]) == 2 and {"mean", "variance", "units"} <= set(sec["layers"][0])
    assert len(sec["monte_carlo"]) == 2 and len(sec["certificate"]) == 64
    assert sec["certificate_body"]["weights"]["layers"][0]["bias"]["name"] == "fc1.bias"
    assert kernel.check(sec["certificate_body"], str(path)) == []
    sec2 = meanfield_section(w, samples=0)              # arrays instead of a file
    assert sec2["verdict"] == sec["verdict"] and sec2["monte_carlo"] == []


def test_affine_budget_is_enforced(monkeypatch):
    w = lecun(sizes=(16, 64))
    r = engine.run_tube(w, input_mean="0.05", input_var=("0.9", "1.1"))
    assert r.method == "affine" and kernel.check(r.certificate_body, w) == []
    cert = copy.deepcopy(r.certificate_body)                    # tighter than the affine forms: rejected
    cert["layers"][0]["pooled_variance"] = ["0.999", "1.001"]
    cert["layers"][0]["mean"][5] = ["0", "0"]
    problems = kernel.check(reseal(cert), w)
    assert any("layers[0].pooled_variance" in p for p in problems) and any("layers[0].mean[5]" in p for p in problems)
    monkeypatch.setattr(kernel, "MAX_AFFINE_ENTRIES", 1000)
    assert any("budget" in p for p in kernel.check(r.certificate_body, w))
    r = engine.run_tube(w, input_mean="0.1", input_var=("0.9", "1.1"))
    assert r.method == "intervals" and "affine forms not run" in r.note


def test_square_layer_fixed_point_krawczyk():
    from snn_verify.proofs.rigorous.tube_fixed_point import fixed_point

    r = fixed_point(normalised(n=16, layers=1)[0][0])          # omega = 0, tau = 1: (0, 1) per unit
    assert r["verdict"] == "CERTIFIED"
    assert r["pooled"]["mean"][0] <= 0 <= r["pooled"]["mean"][1] and r["pooled"]["variance"][0] <= 1 <= r["pooled"]["variance"][1]
    w = lecun(sizes=(64, 64), seed=7)[0][0]
    r = fixed_point(w)
    assert r["verdict"] == "CERTIFIED" and r["krawczyk_radius"] < r["radius"]
    # evidence: the float64 fixed point's residual is tiny, the spectral radius is reported either way
    assert 0.5 < r["spectral_radius"] < 1.5
    r = fixed_point(lecun(sizes=(48, 48), seed=6)[0][0])                # spectral radius ~ 0.947
    assert r["verdict"] == "CERTIFIED" and r["spectral_radius"] <= r["spectral_radius_bound"] < 0.95
    assert "locally attracting (certified)" in r["attracting"]
    r = fixed_point(lecun(sizes=(32, 32), seed=4, scale=1.2)[0][0])   # a real eigenvalue below -1
    lo, hi = r["unstable_eigenvalue"]
    assert r["verdict"] == "CERTIFIED" and hi < -1 and "NOT attracting" in r["attracting"]
    assert abs(lo - r["spectral_radius"] * -1) < 1e-3


def test_kernel_work_budget(small, monkeypatch):
    """Huge intervals (resealed) make wide rectangles: the kernel stops at its budget."""
    w, body = small
    cert = copy.deepcopy(body)
    cert["layers"][0]["mean"] = [["-1000", "1000"]] * len(cert["layers"][0]["mean"])
    monkeypatch.setattr(kernel, "MAX_EVALUATIONS", 5000)
    problems = kernel.check(reseal(cert), w)
    assert any("closed-form evaluations" in p for p in problems), problems


def test_data_file_gives_per_feature_box(tmp_path, capsys):
    """--data: per-feature moments of a data matrix as the start (a point, or a box widened by
    standard errors), re-checked; the data rows run through the network as evidence."""
    from snn_verify.proofs.networks.tube import data_box, read_data

    rng = np.random.default_rng(11)
    w = lecun(sizes=(8, 32, 32), seed=8)
    path = tmp_path / "net.npz"
    np.savez(path, **{f"l{i}.weight": a for i, (a, _) in enumerate(w)})
    x = rng.standard_normal((4000, 8)) * np.linspace(0.9, 1.1, 8) + np.linspace(-0.02, 0.02, 8)
    data = tmp_path / "data.csv"
    np.savetxt(data, x, delimiter=",", header=",".join(f"f{j}" for j in range(8)))
    assert np.allclose(read_data(str(data)), x)
    box = data_box(x, 3.0)
    r = engine.run_tube(w, input_box=box)
    assert r.verdict == engine.CERTIFIED and kernel.check(r.certificate_body, w) == []
    assert r.certificate_body["input"]["mean"][3] == box["mean"][3]
    cert = copy.deepcopy(r.certificate_body)             # a start outside the per-feature box
    cert["start"]["mean"][2] = ["5", "5"]
    assert any("start.mean" in p for p in kernel.check(reseal(cert), w))
    assert main(["tube", str(path), "--data", str(data), "--data-margin", "3", "--json", "--samples", "1000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recheck"]["problems"] == [] and [row.get("inputs") for row in out["monte_carlo"]] == [None, None, "data", "data"]
    assert main(["tube", str(path), "--data", str(tmp_path / "missing.csv")]) == 2
    assert main(["tube", str(path), "--data", str(data), "--input-mean", "0.1"]) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,x\n")
    assert main(["tube", str(path), "--data", str(bad)]) == 2
    assert capsys.readouterr().err.count("\n") == 3


def test_alpha_dropout_between_layers():
    """Alpha dropout keeps (0, 1): the normalised net stays at it; the LeCun net is certified
    with dropout 0.1 and re-checked; a certificate claiming another rate is rejected; the
    Monte Carlo with dropout agrees with the tube at the first layers."""
    w = normalised(layers=3)
    r = engine.run_tube(w, dropout="0.1")
    assert r.verdict == engine.CERTIFIED and r.certificate_body["dropout"] == "0.1"
    for layer in r.certificate_body["layers"]:
        assert _inside(F(0), layer["pooled_mean"]) and _inside(F(1), layer["pooled_variance"])
    assert kernel.check(r.certificate_body, w) == []
    w = lecun(sizes=(32, 128, 128, 16), seed=9)
    r = engine.run_tube(w, dropout="0.1")
    assert r.verdict == engine.CERTIFIED and kernel.check(r.certificate_body, w) == []
    cert = copy.deepcopy(r.certificate_body)
    cert["dropout"] = "0.2"
    assert any("layers[0]" in p for p in kernel.check(reseal(cert), w))
    cert.pop("dropout")
    assert any("layers[0]" in p for p in kernel.check(reseal(cert), w))
    rb = engine.run_tube(w, input_mean="0.01", input_var=("0.98", "1.02"), dropout="0.05")
    assert kernel.check(rb.certificate_body, w) == []
    from snn_verify.proofs.networks.tube import evidence

    rows = evidence(r, w, 8192)
    assert all(abs(row["z_mean"]) < 6 for row in rows[:1])


def test_tube_through_training(tmp_path):
    pytest.importorskip("jax")
    pytest.importorskip("flax")
    pytest.importorskip("optax")
    from snn_verify.proofs.evidence import tube_training

    r = tube_training.run(out_dir=str(tmp_path), samples=256, depth=2, width=16, steps=20, checkpoints=1, batch=32)
    assert [row["step"] for row in r.rows] == [0, 20] and all(row["rechecked"] for row in r.rows)
    assert r.rows[0]["verdict"] == "CERTIFIED" and (tmp_path / "step000020.npz").exists()
    assert "tube through training" in r.render() and r.exit_code == 0


# --- found by the adversarial review: the certificate is bound to every array of its file ------

def test_a_certificate_that_leaves_out_an_array_of_its_file_is_rejected(tmp_path, capsys):
    """A certificate of the network's first layers, or without its biases, pointed at a file
    with more (with the file's digest and its own recomputed) states something about another
    network: rejected."""
    w = lecun(sizes=(16, 16, 16), seed=3, bias=0.5)
    path = tmp_path / "net.npz"
    np.savez(path, **{f"l{i}.weight": a for i, (a, _) in enumerate(w)}, **{f"l{i}.bias": b for i, (_, b) in enumerate(w)})
    cert_path = tmp_path / "tube.json"
    main(["tube", str(path), "--certificate", str(cert_path), "--json", "--samples", "256"])
    capsys.readouterr()
    cert = json.loads(cert_path.read_text())
    assert kernel.check(cert, str(path)) == []
    bigger = tmp_path / "bigger.npz"
    np.savez(bigger, **dict(np.load(path)), extra=np.eye(16))
    forged = copy.deepcopy(cert)
    forged["weights"]["file_sha256"] = engine.file_sha256(bigger)
    problems = kernel.check(reseal(forged), str(bigger))
    assert any("leaves out arrays of the file: extra" in p for p in problems)


@pytest.mark.parametrize("kind", ["fifo", "header bomb", "bad zip"])
def test_a_hostile_weights_file_is_a_problem_not_a_crash(tmp_path, kind):
    import os
    import zipfile

    path = tmp_path / "w.npz"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "header bomb":            # a 300-byte member declaring 1e11 float64 entries
        header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }"
        header += b" " * (63 - len(header) % 64) + b"\n"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("big.npy", b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64)
    else:
        path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    spec = {"file": str(path), "file_sha256": "0" * 64, "layout": "out-in", "layers": []}
    if kind != "fifo":
        spec["file_sha256"] = engine.file_sha256(path)
    t0 = time.perf_counter()
    with pytest.raises(ValueError):
        kernel.read_weights(spec)
    assert time.perf_counter() - t0 < 5


def test_weights_files_that_two_readers_read_differently_are_refused(tmp_path):
    """Found by review: an npz with two members named W2 and W2.npy (numpy reads one, a
    stripped name the other), a safetensors layer stored as integers (once skipped), and
    complex weights (once read as their real part) are refused."""
    import zipfile

    w = np.eye(4)
    dup = tmp_path / "dup.npz"
    with zipfile.ZipFile(dup, "w") as z:
        for name, a in (("W1.npy", w), ("W2", 3 * w), ("W2.npy", w)):
            buf = __import__("io").BytesIO()
            np.save(buf, a)
            z.writestr(name, buf.getvalue())
    cplx = tmp_path / "cplx.npz"
    np.savez(cplx, W1=w.astype(complex))
    for path, words in ((dup, "uniquely named"), (cplx, "not a real number type")):
        spec = {"file": str(path), "file_sha256": engine.file_sha256(path), "layout": "out-in", "layers": []}
        with pytest.raises(ValueError, match=words):
            kernel.read_weights(spec)
    safetensors = pytest.importorskip("safetensors.numpy")
    ints = tmp_path / "ints.safetensors"
    safetensors.save_file({"W1": w, "W2": w, "W3": (3 * np.eye(4)).astype(np.int64)}, str(ints))
    spec = {"file": str(ints), "file_sha256": engine.file_sha256(ints), "layout": "out-in",
            "layers": [{"name": "W1", "bias": None}, {"name": "W2", "bias": None}]}
    with pytest.raises(ValueError, match="leaves out arrays of the file: W3"):
        kernel.read_weights(spec)
