"""Issue 13: certified results beyond the paper (alpha dropout, parameter intervals, hard
corners, largest domains), each checked by an independent route."""
import copy
import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from snn_verify import cli
from snn_verify.proofs.claims import (Model, dropout_jacobian, dropout_map, dropout_scale, quantity_mp,
                                     search_coordinates, spec)
from snn_verify.proofs.rigorous import certificate, recheck
from snn_verify.proofs.rigorous.certify import CERTIFIED, REFUTED, UNDECIDED, certify, make_claim
from snn_verify.proofs.rigorous.interval import box_balls, jet
from snn_verify.proofs.rigorous.suite import float32_model
from snn_verify.proofs.rigorous.trusted import PREC
from snn_verify.theory.dropout import affine_correction
from snn_verify.theory.parameters import alpha01, lambda01
from snn_verify.theory.selu_map import moment_map_mp

T1 = {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.8", "1.5"), "tau": ("0.95", "1.1")}


def _g_q_mp(mu, nu, omega, tau, rate, lam=None, alp=None):
    """g_q from THEORY.md's form (a (q mu~ + (1-q) alpha') + b, ...) with theory.dropout's a, b."""
    mean, var = moment_map_mp(mu, omega, nu, tau, lambda_=lam, alpha=alp, digits=40)
    q = 1 - mpmath.mpf(rate)
    alpha_prime = -(mpmath.mpf(lam) if lam else lambda01()) * (mpmath.mpf(alp) if alp else alpha01())
    a, b = affine_correction(q, alpha_prime)
    return a * (q * mean + (1 - q) * alpha_prime) + b, a ** 2 * (q * var + q * (1 - q) * (mean - alpha_prime) ** 2)


@mpmath.workdps(40)
def test_dropout_map_and_jacobian_against_finite_differences():
    mu, nu, omega, tau, rate = mpmath.mpf("0.07"), mpmath.mpf("1.2"), mpmath.mpf("-0.06"), mpmath.mpf("1.03"), "0.1"
    want = _g_q_mp(mu, nu, omega, tau, rate)
    assert abs(quantity_mp("mean", [mu, omega, nu, tau], Model(dropout=rate)) - want[0]) < 1e-30
    assert abs(quantity_mp("variance", [mu, omega, nu, tau], Model(dropout=rate)) - want[1]) < 1e-30
    h = mpmath.mpf(10) ** -12
    cols = []
    for dmu, dnu in ((h, 0), (0, h)):
        plus, minus = _g_q_mp(mu + dmu, nu + dnu, omega, tau, rate), _g_q_mp(mu - dmu, nu - dnu, omega, tau, rate)
        cols.append([(p - m) / (2 * h) for p, m in zip(plus, minus)])
    J = np.array([[float(cols[0][0]), float(cols[1][0])], [float(cols[0][1]), float(cols[1][1])]])
    norm = quantity_mp("spectral_norm", [mu, omega, nu, tau], Model(dropout=rate))
    assert abs(np.linalg.norm(J, 2) - float(norm)) < 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_engine_and_checker_enclose_dropout_and_interval_quantities(seed):
    """50-digit mpmath values at random points (and parameter values) lie in the engine's and
    the checker's enclosures over small random boxes, for g_q and parameter intervals."""
    rng = np.random.default_rng(seed)
    models = [Model(dropout="0.2"), Model(alpha=("1.67", "1.68"), lambda_=("1.05", "1.051")),
              Model(dropout="0.05", alpha=("1.6", "1.7"))]
    for _ in range(6):
        lo = [rng.uniform(-2, 2), rng.uniform(-1, 1), 10 ** rng.uniform(-2, 1), rng.uniform(0.3, 2)]
        box = tuple((x, x + w * abs(x) + 1e-3) for x, w in zip(lo, rng.uniform(0, 0.05, 4)))
        point = [a + (b - a) * rng.random() for a, b in box]
        for model in models:
            lam = model.lambda_[0] if model.lambda_ else None
            alp = str(float(model.alpha[0]) + rng.random() * (float(model.alpha[1]) - float(model.alpha[0]))) \
                if model.alpha else None
            mean, var = _g_q_mp(*[mpmath.mpf(point[i]) for i in (0, 2, 1, 3)], model.dropout or "0", lam, alp)
            exact = {"mean": mean, "variance": var}
            with ctx.workprec(PREC):
                for q in ("mean", "variance", "spectral_norm"):
                    engine = jet(spec(q, model), box_balls(box))[0]
                    checker = recheck.quantity_dual(q, box_balls(box), model).v
                    if q == "spectral_norm":
                        lam_alp = Model(dropout=model.dropout, alpha=(alp, alp) if alp else (),
                                        lambda_=(lam, lam) if lam else ())
                        exact[q] = quantity_mp(q, [str(x) for x in point], lam_alp)
                    v = arb(mpmath.nstr(exact[q], 30))
                    assert engine.overlaps(v) and checker.overlaps(v), (q, model, box, point)


def test_dropout_rows_certified_and_rechecked_tampering_rejected(tmp_path):
    claim = make_claim("spectral_norm", "<", "1", T1, model=Model(dropout="0.1"))
    r = certify(claim, workers=1)
    assert r.verdict == CERTIFIED and r.extremum[1] < 0.75          # ||J_q|| ~ 0.713 < ||J|| ~ 0.898
    path = certificate.write(r, str(tmp_path / "d.json"))
    assert certificate.recheck_file(path)["ok"]
    cert = json.loads(open(path).read())
    forged = copy.deepcopy(cert)
    del forged["claim"]["model"]                                      # the same leaves, now for g itself
    body = {k: v for k, v in forged.items() if k != "sha256"}
    forged["sha256"] = certificate._digest(body)
    assert not certificate.recheck(forged)["ok"]


@mpmath.workdps(50)
def test_float32_intervals_contain_the_constants_and_are_half_ulp_wide():
    m = float32_model()
    for (lo, hi), exact in ((m.alpha, alpha01()), (m.lambda_, lambda01())):
        assert mpmath.mpf(lo) < exact < mpmath.mpf(hi)
        f = np.float32(float(exact))
        assert mpmath.mpf(hi) - mpmath.mpf(lo) == mpmath.mpf(float(np.spacing(f)))


def test_hard_corners_of_the_issue_are_decided():
    """The issue's examples: a variance is never negative (certified at once), and the false
    claim breaks at a corner (refuted, confirmed at 50 digits)."""
    true = make_claim("variance", ">", "-1e-6", {"mu": ("1.2", "12.2"), "omega": ("-0.8", "0.016"),
                                                  "nu": ("0.008", "0.1"), "tau": ("0.52", "1.9")})
    assert certify(true, workers=1, max_seconds=8).verdict == CERTIFIED
    false = make_claim("variance", ">", "5.71e-7", {"mu": ("-0.59", "0.71"), "omega": ("1.59", "1.93"),
                                                     "nu": ("1.4e-6", "1.1e-3"), "tau": ("1.28", "2.18")})
    r = certify(false, workers=1, max_seconds=8)
    assert r.verdict == REFUTED
    value = moment_map_mp(*(r.counterexample["point"][v] for v in ("mu", "omega", "nu", "tau")), digits=50)[1]
    assert value <= mpmath.mpf("5.71e-7")


def test_hard_corner_ridges_are_certified_and_rechecked():
    """Claims whose extreme lies on a ridge ``mu*omega = m*`` of the box (the issue's
    ``variance_change < 0.00116``, UNDECIDED after 1,693 boxes before the search ran in
    (m, nu, tau); a variance maximum inside the m range): certified, and the certificates
    (leaves in reduced coordinates) pass the independent re-check.  The claims are tight: a
    point of the box (its value enclosed rigorously) comes within 10% of the bound."""
    claims = [
        make_claim("variance_change", "<", "0.00116", {"mu": ("-17.3", "-1.03"), "omega": ("-0.07", "0.47"),
                                                      "nu": ("9e-5", "5.7e-4"), "tau": ("0.38", "1.04")}),
        make_claim("variance", "<", "7.1088272", {"mu": ("-9.514", "19.96"), "omega": ("0.4227", "1.396"),
                                                  "nu": ("0.1103", "2.807"), "tau": ("1.12", "2.294")}),
    ]
    for claim in claims:
        r = certify(claim, workers=1, max_seconds=20)
        assert r.verdict == CERTIFIED, (claim, r.verdict, r.boxes)
        # the max lies inside m's range, not at a corner of the box: a ridge
        m = Fraction(r.argext[0]) * Fraction(r.argext[1])
        lo, hi = (Fraction(x) for x in r.region[0])
        assert lo < m < hi
        cert = certificate.build(r)
        assert cert["coordinates"] == list(search_coordinates(claim.quantity))
        assert certificate.recheck(cert).ok
        assert r.extremum[1] < float(claim.bound_text) < r.extremum[0] * 1.1


def test_dropout_scale_and_map_in_floats():
    a = dropout_scale(0.9, -1.7580993408473766, lambda x: x ** 0.5)
    a_ref, _ = affine_correction(0.9, -1.7580993408473766)
    assert abs(a - float(a_ref)) < 1e-15
    m, v = dropout_map(0.3, 1.2, 0.9, -1.7580993408473766, a)
    J = dropout_jacobian((1.0, 0.0, 0.0, 1.0), 0.3, 0.9, -1.7580993408473766, a)
    assert abs(J[0] - a * 0.9) < 1e-15 and J[1] == 0.0 and abs(J[3] - a * a * 0.9) < 1e-15


def test_extended_suite_and_domain_commands(capsys, tmp_path):
    code = cli.main(["theorems", "--extended", "--json", "--workers", "1"])
    r = json.loads(capsys.readouterr().out)
    assert code == 0
    ext = r["extended"]
    assert [d["rate"] for d in ext["dropout"]] == ["0.05", "0.1", "0.2"]
    for d in ext["dropout"]:
        assert len(d["claims"]) == 5 and all(c["verdict"] == CERTIFIED for c in d["claims"])
        assert d["fixed_point"]["unique"] and d["fixed_point"]["contains_0_1"]
    assert ext["max_rate"]["certified"] and "refuted" in ext["max_rate"]
    assert all(c["verdict"] == CERTIFIED for c in ext["float32"]["claims"]) and len(ext["float32"]["claims"]) == 8
    for d in ext["domains"].values():
        assert {"box", "steps", "witnesses"} <= set(d)
        for w in d["witnesses"].values():   # each witness breaks its claim at 50 digits
            point = [w["point"][v] for v in ("mu", "omega", "nu", "tau")]
            quantity, relation, bound = w["claim"].split()
            value = quantity_mp(quantity, point)
            assert value >= mpmath.mpf(bound) if relation == "<" else value <= mpmath.mpf(bound)
    certs = tmp_path / "domain"
    code = cli.main(["domain", "omega-tau", "--theorem", "1", "--json", "--workers", "1", "--certificates", str(certs)])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and {"box", "steps", "witnesses"} <= set(d)
    assert float(d["box"]["e"]) >= 0.1 and float(d["box"]["tau_lo"]) <= 0.95 and float(d["box"]["tau_hi"]) >= 1.1
    # the final box's claims and the witnesses' refutations, each re-checked independently
    written = sorted(certs.iterdir())
    assert len(written) == len(d["certificates"]) == 5 + len(d["witnesses"])
    for path in written:
        cert = json.loads(path.read_text())
        assert cert["verdict"] == (REFUTED if "witness" in path.name else CERTIFIED)
        assert float(cert["claim"]["box"]["omega"][1]) == float(d["box"]["e"]) or "witness" in path.name
    assert cli.main(["recheck", *map(str, written)]) == 0


def test_claim_flags_for_dropout_and_parameter_intervals(capsys):
    args = ["claim", "--quantity", "variance", "--gt", "0.8", *sum(([f"--{k}", *v] for k, v in T1.items()), []),
            "--workers", "1", "--json"]
    f32 = float32_model()
    assert cli.main(args + ["--dropout", "0.2", "--alpha", *f32.alpha, "--lambda", *f32.lambda_]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["verdict"] == CERTIFIED and r["model"]["dropout"] == "0.2" and r["model"]["alpha"] == list(f32.alpha)
    assert cli.main(args + ["--alpha", "1.7", "1.6"]) == 2
    assert cli.main(args + ["--dropout", "1"]) == 2


def test_claim_false_only_at_some_parameter_values_is_refuted_there(tmp_path):
    """nu~ < 1.49 on Theorem 1's box holds at lambda01 (max 1.4816) but not for every lambda
    in [1.0, 1.06]: the search bounds Q for all lambda at once and cannot refute it; the
    corners of the parameter intervals can.  The counterexample names its lambda (the upper
    end), mpmath confirms it at 50 digits, the checker accepts it, and rejects the same
    certificate with the parameter moved outside the interval."""
    claim = make_claim("variance", "<", "1.49", T1, model=Model(lambda_=("1.0", "1.06")))
    r = certify(claim, workers=1, max_seconds=10)
    assert r.verdict == REFUTED and r.counterexample["parameters"] == {"lambda": "1.06", "alpha": "alpha01"}
    point = [r.counterexample["point"][v] for v in ("mu", "omega", "nu", "tau")]
    assert quantity_mp("variance", point, Model(lambda_=("1.06", "1.06"))) >= mpmath.mpf("1.49")
    assert quantity_mp("variance", point, Model(lambda_=("1.0", "1.0"))) < mpmath.mpf("1.49")   # not at the lower end
    cert = certificate.build(r)
    assert certificate.recheck(cert).ok
    forged = copy.deepcopy(cert)
    forged["counterexample"]["parameters"]["lambda"] = "1.07"
    forged["sha256"] = certificate._digest({k: v for k, v in forged.items() if k != "sha256"})
    problems = certificate.recheck(forged).problems
    assert any("outside" in p for p in problems)
    true = make_claim("variance", "<", "1.49", T1, model=Model(lambda_=("1.0", "1.0507")))
    assert certify(true, workers=1, max_seconds=10).verdict == CERTIFIED


def test_random_hard_corner_claims_get_sound_checked_verdicts():
    """A small sample drawn as ``verify.py bench corners`` draws it (seed 5): every
    CERTIFIED claim survives 4,000 float64 points and its box's corners (a violation
    beyond float rounding would be a false certificate) and its certificate passes the
    independent re-check; every REFUTED counterexample lies in the box and breaks the bound
    in mpmath at 50 digits; at most 2 of 10 stay UNDECIDED under an 8 s budget."""
    import itertools

    from snn_verify.proofs.evidence.bench_corners import draw
    from snn_verify.proofs.rigorous.refute import float_value

    rng = np.random.default_rng(5)
    verdicts = []
    for _ in range(10):
        claim, _, _ = draw(rng)
        r = certify(claim, workers=1, max_seconds=8, tol=math.inf)
        verdicts.append(r.verdict)
        bound, sense = float(claim.bound_text), (1 if claim.relation == "<" else -1)
        box = [tuple(float(x) for x in iv) for iv in claim.decimals]
        if r.verdict == CERTIFIED:
            points = list(itertools.product(*box)) + [[lo + (hi - lo) * u for (lo, hi), u in zip(box, rng.random(4))]
                                                     for _ in range(4000)]
            worst = max(sense * float_value(claim.quantity, list(p)) for p in points)
            assert worst < sense * bound + 1e-9 * max(1.0, abs(bound)), (claim, worst)
        if r.verdict == REFUTED:
            point = [r.counterexample["point"][v] for v in ("mu", "omega", "nu", "tau")]
            assert all(Fraction(lo) <= Fraction(x) <= Fraction(hi) for x, (lo, hi) in zip(point, claim.decimals))
            value = quantity_mp(claim.quantity, point)
            assert value >= mpmath.mpf(claim.bound_text) if sense == 1 else value <= mpmath.mpf(claim.bound_text)
        if r.verdict != UNDECIDED:
            assert certificate.recheck(certificate.build(r)).ok, claim
    assert verdicts.count(UNDECIDED) <= 2 and verdicts.count(CERTIFIED) >= 2 and verdicts.count(REFUTED) >= 2
