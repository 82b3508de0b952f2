"""The checker as a proof kernel, attacked: forged certificates of false claims are rejected.

A certificate's digest is a plain SHA-256 that a forger recomputes (:func:`resealed`), so
every mutant here is resealed and the mathematics alone must reject it.  Two kinds of test:

- the holes an outside review found (issue 17), each with the forged certificate that the
  old checker accepted: a narrow-ball spectral norm, relations and verdicts it never read,
  REFUTED without a checked counterexample, counterexamples decided by a 50-digit float
  evaluation that returns 0 below 1e-60, schema gaps, hostile JSON;
- mutation: every field of genuine CERTIFIED and REFUTED certificates (a narrow-ball spectral
  norm, an alpha-dropout claim, a claim over parameter intervals, leaves in reduced
  coordinates, a refutation) is changed in value and type, deleted, or joined by an extra
  key.  Whenever the checker accepts a mutant, the claim it states is judged by an
  independent 45-digit quadrature (:mod:`reference`, none of the project's code): a
  CERTIFIED mutant must hold at every corner of its box and at its argext, and a REFUTED
  one's counterexample must lie in the box and break the bound.

A fixed sample runs by default; ``SNN_VERIFY_FULL=1`` adds a hypothesis-driven search over
random chains of mutations.
"""
import copy
import itertools
import json
import math
import pathlib
import random
import subprocess
import sys
import time
from fractions import Fraction

import mpmath
import pytest

from conftest import FULL
from reference import quantity_by_quadrature
from snn_verify.proofs.claims import Model
from snn_verify.proofs.rigorous import certificate
from snn_verify.proofs.rigorous.certify import certify, make_claim
from snn_verify.proofs.rigorous.recheck import recheck, recheck_file
from snn_verify.theory.parameters import alpha01, lambda01

T1 = {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.8", "1.5"), "tau": ("0.95", "1.1")}
NARROW = {"mu": ("0", "0"), "omega": ("0", "0"), "nu": ("1.1", "1.1000000000000001"), "tau": ("1", "1")}
FLOAT32 = Model(alpha=("1.673263132572174072265625", "1.673263251781463623046875"),
                lambda_=("1.050700962543487548828125", "1.050701081752777099609375"))
GENUINE = {
    "narrow spectral norm": ("spectral_norm", "<", "0.7877", NARROW, Model()),
    "dropout mean": ("mean", "<", "0.1", T1, Model(dropout="0.05")),
    "float32 variance": ("variance", ">", "0.8", T1, FLOAT32),
    "reduced variance_change": ("variance_change", ">", "0",
                                {"mu": ("-0.1", "0.1"), "omega": ("-0.1", "0.1"), "nu": ("0.02", "0.24"),
                                 "tau": ("0.9", "1.25")}, Model()),
    "refuted mean": ("mean", "<", "0.06", T1, Model()),
    "refuted at a parameter corner": ("mean", "<", "0.0677", T1, Model(alpha=("1.6", "1.8"))),
}
DPS = 30
#: digits of the judge of accepted mutants (the targeted tests use DPS or more)
JUDGE_DPS = 20


def resealed(cert):
    """The certificate with its digest recomputed (a forger's best effort)."""
    body = {k: v for k, v in cert.items() if k != "sha256"}
    return dict(body, sha256=certificate._digest(body))


@pytest.fixture(scope="module")
def genuine():
    out = {}
    for name, (quantity, relation, bound, box, model) in GENUINE.items():
        r = certify(make_claim(quantity, relation, bound, box, model=model), workers=1)
        out[name] = certificate.build(r)
    assert [c["verdict"] for c in out.values()] == ["CERTIFIED"] * 4 + ["REFUTED"] * 2
    return out


# --- the independent judge ----------------------------------------------------------------------

def _parameter_corners(model):
    """(lambda, alpha) decimal pairs at two opposite corners of the claim's intervals (both
    lower ends, both upper ends; the constants where the claim has no interval)."""
    lams = model.get("lambda") or [None, None]
    alps = model.get("alpha") or [None, None]
    return list(dict.fromkeys(zip(lams, alps)))


def _value(quantity, point, model, lam=None, alp=None, dps=DPS):
    with mpmath.workdps(dps + 10):
        lam = mpmath.mpf(lam) if lam else lambda01(dps + 10)
        alp = mpmath.mpf(alp) if alp else alpha01(dps + 10)
        return quantity_by_quadrature(quantity, point, lam, alp, model.get("dropout"), dps=dps)


def _breaks(value, relation, bound):
    with mpmath.workdps(120):
        return value >= mpmath.mpf(bound) if relation == "<" else value <= mpmath.mpf(bound)


_JUDGED = {}


def false_statement(cert):
    """Why an accepted certificate states something false by the independent quadrature, or
    ``None``.  Tests its claim at every corner of the box and at argext (every parameter
    corner), its extremum's attained end at argext, and a REFUTED certificate's counterexample."""
    claim = cert["claim"]
    key = json.dumps([claim, cert["verdict"], cert["argext"], cert["extremum"], cert["counterexample"]], sort_keys=True)
    if key not in _JUDGED:
        _JUDGED[key] = _judge(cert)
    return _JUDGED[key]


def _judge(cert):
    claim, model = cert["claim"], cert["claim"].get("model", {})
    quantity, relation, bound = claim["quantity"], claim["relation"], claim["bound"]
    box = [claim["box"][v] for v in ("mu", "omega", "nu", "tau")]
    inside = lambda p: all(Fraction(lo) <= Fraction(x) <= Fraction(hi) for x, (lo, hi) in zip(p, box))  # noqa: E731
    argext = [cert["argext"][v] for v in ("mu", "omega", "nu", "tau")]
    if not inside(argext):
        return "argext outside the box"
    if cert["verdict"] == "REFUTED":
        ce = cert["counterexample"]
        point = [ce["point"][v] for v in ("mu", "omega", "nu", "tau")]
        params = ce.get("parameters", {})
        lam, alp = (None if params.get(k, k + "01") == k + "01" else params[k] for k in ("lambda", "alpha"))
        if not inside(point) or not _breaks(_value(quantity, point, model, lam, alp, JUDGE_DPS), relation, bound):
            return "REFUTED, but the counterexample does not break the bound"
        return None
    corners = list(dict.fromkeys(itertools.product(*box)))
    for lam, alp in _parameter_corners(model):
        for p in corners + [tuple(argext)]:
            if _breaks(_value(quantity, p, model, lam, alp, JUDGE_DPS), relation, bound):
                return f"CERTIFIED, but the claim breaks at {p} (lambda {lam}, alpha {alp})"
    lo, hi = cert["extremum"]
    attained = _value(quantity, argext, model, *_parameter_corners(model)[0], JUDGE_DPS)
    if (relation == "<" and attained < lo - 1e-25) or (relation == ">" and attained > hi + 1e-25):
        return "the extremum's attained end does not hold at argext"
    return None


def assert_sound(cert):
    """``recheck`` never raises, and what it accepts is not shown false by the judge."""
    r = recheck(cert)
    assert isinstance(r.ok, bool) and r.exit_code in (0, 1, 2)
    if r.ok:
        assert false_statement(cert) is None, (false_statement(cert), json.dumps(cert)[:2000])
    return r


# --- the holes of issue 17 ----------------------------------------------------------------------

#: a one-ulp nu box where a double lies strictly between the norm at its two ends
NU_LO = 1.100000000000005


def test_narrow_ball_spectral_norm_forgery_is_rejected():
    """Hole 1: the Frobenius bound took the lower end of a sub-ulp ball as its maximum.  On
    the box mu = omega = 0, tau = 1, nu one ulp wide, J has rank one and the Frobenius bound
    is the norm's enclosure; the forged leaf bound is a double between the norm at the two
    ends of nu, and the claim's bound lies between it and the true maximum (false)."""
    hi = math.nextafter(NU_LO, 2.0)
    box = {"mu": ("0", "0"), "omega": ("0", "0"), "nu": (repr(NU_LO), repr(hi)), "tau": ("1", "1")}
    ends = [_value("spectral_norm", ("0", "0", repr(x), "1"), {}) for x in (NU_LO, hi)]
    with mpmath.workdps(DPS):
        top, bottom = max(ends), min(ends)
        forged_leaf = math.nextafter(float(top), 0.0) if mpmath.mpf(float(top)) >= top else float(top)
        assert bottom < forged_leaf < top                  # the layout the exploit needs
        bound = mpmath.nstr((mpmath.mpf(forged_leaf) + top) / 2, 30)
        assert mpmath.mpf(bound) < top                     # the forged claim is false
    cert = certificate.build(certify(make_claim("spectral_norm", "<", "0.8", box), workers=1))
    cert["claim"]["bound"] = bound
    cert["leaves"][0]["bound"] = forged_leaf
    cert["extremum"] = [forged_leaf - 1e-15, forged_leaf]
    r = assert_sound(resealed(cert))
    assert not r.ok and any("not confirmed" in p for p in r.problems)


@pytest.mark.parametrize("relation", ["<=", "lt", "=", "", " <", None, 1.0])
def test_relation_is_exactly_lt_or_gt(genuine, relation):
    """Hole 2: anything but "<" was read as ">" (here a true ">" claim restated)."""
    cert = copy.deepcopy(genuine["reduced variance_change"])
    cert["claim"]["relation"] = relation
    r = assert_sound(resealed(cert))
    assert not r.ok and r.malformed and "claim.relation" in r.problems[0]


@pytest.mark.parametrize("verdict", ["certified", "CERTIFIED ", "PROVED", "UNDECIDED", "", None])
def test_verdict_is_exactly_certified_or_refuted(genuine, verdict):
    cert = copy.deepcopy(genuine["dropout mean"])
    cert["claim"]["bound"] = "0.05"                   # false: the max is 0.0614
    cert["verdict"] = verdict
    r = assert_sound(resealed(cert))
    assert not r.ok and r.malformed and "verdict" in r.problems[0]


def test_refuted_with_null_leaf_bound_still_needs_a_counterexample(genuine):
    """Hole 4: a null leaf bound once skipped the counterexample check."""
    cert = copy.deepcopy(genuine["refuted mean"])
    cert["claim"]["bound"] = "0.1"                    # true: the max is 0.0677
    cert["leaves"][0]["bound"] = None
    cert["extremum"][1] = float("inf")
    r = assert_sound(resealed(cert))
    assert not r.ok and any("does not violate" in p for p in r.problems)
    cert["counterexample"] = None
    r = assert_sound(resealed(cert))
    assert not r.ok and r.malformed and "counterexample" in r.problems[0]


def _forged_refutation(quantity, relation, bound, nu):
    """A REFUTED certificate of a claim on the single point (0, 0, nu, 1)."""
    box = {"mu": ["0", "0"], "omega": ["0", "0"], "nu": [nu, nu], "tau": ["1", "1"]}
    lo, hi = float(nu), float(nu)
    lo, hi = (math.nextafter(lo, 0) if Fraction(lo) > Fraction(nu) else lo,
              math.nextafter(hi, 2) if Fraction(hi) < Fraction(nu) else hi)
    search = [[0.0, 0.0], [0.0, 0.0], [lo, hi], [1.0, 1.0]]
    cert = {"format": "snn-verify certificate 1",
            "claim": {"name": "forged", "theorem": "user", "quantity": quantity, "relation": relation,
                      "bound": bound, "box": box},
            "verdict": "REFUTED", "extremum": [-math.inf, math.inf], "extremum_kind": "max" if relation == "<" else "min",
            "argext": {"mu": "0", "omega": "0", "nu": nu, "tau": "1"},
            "counterexample": {"point": {"mu": "0", "omega": "0", "nu": nu, "tau": "1"}, "value": "0.0"},
            "search_box": search, "leaves": [{"box": search, "bound": None, "face": search, "steps": []}],
            "boxes": 1, "seconds": 0.0, "tolerance": 1e-06, "precision_bits": 80, "versions": {},
            "generated_sha256": certificate._generated_digest()}
    return resealed(cert)


@pytest.mark.parametrize("quantity, relation, bound, nu", [
    ("mean", ">", "1e-67", "1." + "0" * 64 + "1"),              # mean = 8.9e-67 > 1e-67: true
    ("variance_change", "<", "-1e-61", "1." + "0" * 59 + "1"),  # nu~ - nu = -2.2e-61 < -1e-61: true
])
def test_refutation_of_a_true_claim_near_zero_is_rejected(quantity, relation, bound, nu):
    """Hole 5: 50-digit mpmath returned 0 below 1e-60 (and var - nu cancelled), so REFUTED
    was accepted for true claims; Arb at a raised precision decides instead."""
    true = _value(quantity, ("0", "0", nu, "1"), {}, dps=100)
    assert not _breaks(true, relation, bound)          # the claim holds at its only point
    r = assert_sound(_forged_refutation(quantity, relation, bound, nu))
    assert not r.ok and any("does not violate" in p for p in r.problems)


def test_refutation_decided_by_arb_is_accepted():
    """The same near-zero point with a bound it does break: accepted once the stated value
    agrees with Arb's enclosure (decided at a raised precision)."""
    nu = "1." + "0" * 64 + "1"
    cert = _forged_refutation("mean", ">", "1e-66", nu)          # 8.9e-67 <= 1e-66: false claim
    value = _value("mean", ("0", "0", nu, "1"), {}, dps=100)
    assert _breaks(value, ">", "1e-66")
    cert["counterexample"]["value"] = mpmath.nstr(value, 40)
    assert recheck(resealed(cert)).ok


@pytest.mark.parametrize("field, value, where", [
    (("claim", "model"), {"dropuot": "0.1"}, "unknown key 'dropuot'"),
    (("claim", "model"), {"dropout": "0.05", "lambda_": ["1", "2"]}, "unknown key 'lambda_'"),
    (("claim", "model"), {"dropout": "-1e-400"}, "claim.model.dropout"),
    (("claim", "model"), {"dropout": "1"}, "claim.model.dropout"),
    (("claim", "model"), {"dropout": "0.99999999999999999999"}, "claim.model"),     # rounds to 1 (review)
    (("claim", "model"), {"dropout": "0.05", "alpha": ["1e-400", "1"]}, "claim.model"),  # rounds to 0 (review)
    (("claim", "box", "nu"), ["0", "1.5"], "claim.box.nu"),
    (("claim", "box", "tau"), ["-1", "1.1"], "claim.box.tau"),
    (("claim", "bound"), "1e-999999999", "exponent"),
    (("claim", "box", "mu"), ["-1e999999999", "0.1"], "exponent"),
    (("claim", "bound"), 0.1, "a decimal string expected"),
    (("search_box",), [[-0.1, 0.1], [-0.1, 0.1], [-0.8, 1.5], [0.95, 1.1]], "search_box[2]"),
    (("extremum_kind",), "min", "extremum_kind"),
    (("claim", "quantity"), "entropy", "claim.quantity"),
    (("claim", "name"), "\x1b[2Jhi", "claim.name"),
])
def test_schema_gaps_are_closed(genuine, field, value, where):
    cert = copy.deepcopy(genuine["dropout mean"])
    target = cert
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = value
    t0 = time.perf_counter()
    r = assert_sound(resealed(cert))
    assert time.perf_counter() - t0 < 5
    assert not r.ok and r.malformed and where in r.problems[0] and r.exit_code == 2


def _cli(*args, timeout=30):
    verify = pathlib.Path(__file__).resolve().parent.parent / "verify.py"
    return subprocess.run([sys.executable, str(verify), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000,
                                     '{"format": 1e-999999999}', '{"claim": {"bound": "1e-999999999"}}',
                                     '{"a": 1, "a": 2}', "NaN", "1" * 5000, "\xff\xfe"])
def test_hostile_json_exits_2_within_5_seconds_in_one_line(tmp_path, content):
    path = tmp_path / "hostile.json"
    path.write_bytes(content.encode("latin-1") if content == "\xff\xfe" else content.encode())
    t0 = time.perf_counter()
    r = recheck_file(str(path))
    assert time.perf_counter() - t0 < 5
    assert r.malformed and r.exit_code == 2 and "\n" not in r.render()


def test_recheck_cli_prints_the_claim_and_exits_2_on_malformed_input(genuine, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(genuine["dropout mean"]))
    bad = tmp_path / "bad.json"
    bad.write_text("[" * 100_000 + "]" * 100_000)
    out = _cli("recheck", str(good))
    assert out.returncode == 0 and "mean < 0.1 on mu in [-0.1, 0.1]" in out.stdout and "dropout at rate 0.05" in out.stdout
    out = _cli("recheck", str(good), "--json")
    assert json.loads(out.stdout)["claim"]["statement"].startswith("mean < 0.1 on mu in [-0.1, 0.1]")
    out = _cli("recheck", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stdout + out.stderr and out.stdout.count("\n") == 1


# --- mutation of every field --------------------------------------------------------------------

def _paths(node, prefix=()):
    """Every path into the certificate; of the leaves, only the first's and the last's."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        indices = [0, len(node) - 1] if prefix == ("leaves",) else range(len(node))
        for i in dict.fromkeys(indices):
            if node:
                yield from _paths(node[i], prefix + (i,))


def _replacements(x):
    """Other values and types for one field."""
    if isinstance(x, bool) or x is None:
        return [0.0, "0", {}, [], True]
    if isinstance(x, float):
        out = [0.0, -x, math.inf, -math.inf, math.nan, 1e308, str(x), None, True, int(x) if math.isfinite(x) else 0]
        if math.isfinite(x):
            out += [x * (1 - 1e-3) - 1e-9, x * (1 + 1e-3) + 1e-9, math.nextafter(x, -math.inf), math.nextafter(x, math.inf)]
        return out
    if isinstance(x, int):
        return [x + 1, -1, 1.5, "1"]
    if isinstance(x, str):
        out = ["", x + " ", "0", "-1", "1e-999999999", "1e999999999", None, 1.0, [x]]
        try:
            q = Fraction(x)
            out += [str(q * Fraction(999, 1000)), str(q * Fraction(1001, 1000) + Fraction(1, 10 ** 9)),
                    str(-q), repr(float(q) * (1 + 1e-12))]
        except (ValueError, ZeroDivisionError):
            out += [x.lower(), x.upper(), x[::-1]]
        return out
    if isinstance(x, list):
        return [[], x[:-1], x + x[-1:], x[::-1], {}] if x else [[0.0], {}]
    return [{}, [], None]


#: mutants checked per certificate in the default run (a fixed sample; all with SNN_VERIFY_FULL=1)
SAMPLE = None if FULL else 80


def _mutants(cert):
    """``(description, mutant)`` pairs: each field replaced, deleted, or given a sibling (the
    digest is not mutated: every mutant is resealed)."""
    for path in _paths(cert):
        if not path or path[0] == "sha256":
            continue
        parent = cert
        for key in path[:-1]:
            parent = parent[key]
        for new in _replacements(parent[path[-1]]):
            m = copy.deepcopy(cert)
            target = m
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = new
            yield f"{path} = {new!r}"[:120], m
        if isinstance(parent, dict):
            m = copy.deepcopy(cert)
            target = m
            for key in path[:-1]:
                target = target[key]
            del target[path[-1]]
            yield f"del {path}", m
    for where in ((), ("claim",), ("claim", "box"), ("counterexample",)):
        m = copy.deepcopy(cert)
        target = m
        for key in where:
            target = target[key]
        if isinstance(target, dict):
            target["extra"] = "1"
            yield f"{where} + extra", m


@pytest.mark.parametrize("name", list(GENUINE))
def test_no_mutant_of_a_genuine_certificate_states_something_false(genuine, name):
    cert = genuine[name]
    assert recheck(cert).ok and false_statement(cert) is None
    accepted = rejected = 0
    mutants = list(_mutants(cert))
    for description, mutant in (random.Random(0).sample(mutants, SAMPLE) if SAMPLE else mutants):
        r = assert_sound(resealed(mutant))
        accepted += r.ok
        rejected += not r.ok
    assert rejected > accepted > 0          # most mutants are rejected; those accepted were judged


@pytest.mark.skipif(not FULL, reason="the hypothesis search is slow: SNN_VERIFY_FULL=1")
def test_hypothesis_chains_of_mutations(genuine):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = sorted(GENUINE)
    pools = {n: list(_mutants(genuine[n])) for n in names}

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(names), st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=3))
    def run(name, picks):
        cert = copy.deepcopy(genuine[name])
        for pick in picks:     # apply several mutations of the same certificate in turn
            _, mutant = pools[name][pick % len(pools[name])]
            for key in mutant:
                cert[key] = copy.deepcopy(mutant[key])
            cert = {k: v for k, v in cert.items() if k in mutant}
        assert_sound(resealed(cert))

    run()


def test_an_open_extremum_must_be_open_on_the_right_side(genuine):
    """Found by review: a REFUTED certificate with a leaf without bound and the extremum
    [-inf, -inf] (which excludes the true max) was accepted; an open end must be +inf for a
    max (-inf for a min)."""
    cert = copy.deepcopy(genuine["refuted mean"])
    cert["leaves"][0]["bound"] = None
    attained = cert["extremum"][0]
    for extremum in ([-math.inf, -math.inf], [math.inf, math.inf], [0.0, -math.inf]):
        cert["extremum"] = extremum
        r = assert_sound(resealed(cert))
        assert not r.ok and r.malformed and "extremum" in r.problems[0]
    cert["extremum"] = [attained, math.inf]         # open on the right side: accepted
    assert recheck(resealed(cert)).ok


def test_a_certificate_that_would_take_hours_spends_only_its_budget(monkeypatch):
    """Found by review: a 3 KB certificate of duplicated wide spectral-norm leaves kept the
    checker busy for hours; the leaf proofs now spend at most a budget proportional to the
    number of leaves (here made small), and the certificate is rejected."""
    import snn_verify.proofs.rigorous.recheck as kernel

    monkeypatch.setattr(kernel, "EVALUATIONS_PER_LEAF", 4)
    monkeypatch.setattr(kernel, "EVALUATION_ALLOWANCE", 20)
    box = {"mu": ("-1", "1"), "omega": ("-1", "1"), "nu": ("0.5", "2"), "tau": ("0.5", "2")}
    cert = certificate.build(certify(make_claim("spectral_norm", "<", "3", box), workers=1, max_seconds=20))
    cert["leaves"] = [dict(cert["leaves"][0], box=cert["search_box"], face=cert["search_box"], bound=2.3)] * 12
    t0 = time.perf_counter()
    r = assert_sound(resealed(cert))
    assert time.perf_counter() - t0 < 30
    assert not r.ok and any("work budget is spent" in p for p in r.problems)
