"""The verifier's report, in the order of the paper's argument.

Integrals -> moments -> parameters -> fixed point -> Jacobian -> independent cross-checks ->
alpha dropout -> variants -> other activations -> the theorems.  Each section is a function
``(ctx) -> Section``; :data:`SECTIONS` lists them in order.  A row says what it is:

- ``kind="derivation"``: a symbolic result (sympy), shown, not checked here;
- ``kind="computation"``: a number computed to a stated precision;
- ``kind="check"``: two independent routes compared, ``status`` PASS or FAIL;
- ``kind="proof"``: a claim with a verdict from the interval engine (CERTIFIED /
  REFUTED / UNDECIDED, or NOT CERTIFIED where no engine has run);
- ``kind="evidence"``: floating-point grid or Monte-Carlo results -- evidence, not proof.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import mpmath

#: the authors' Mathematica notebook figures at (mu, omega, nu, tau) = (0, 0, 1, 1)
NOTEBOOK_JACOBIAN_01 = ((0.0, 0.0888348), (0.0, 0.782648))
NOTEBOOK_SPECTRAL_NORM_01 = 0.787673
#: the authors' getSELUparameters notebook: fixed point (-0.1, 2) at omega = tau = 1
NOTEBOOK_VARIANT = {"mean": -0.1, "var": 2.0, "omega": 1.0, "tau": 1.0,
                    "alpha": 1.9769021954241999, "lambda": 1.073851239616047}
#: published leading digits (THEORY.md)
PUBLISHED_ALPHA01, PUBLISHED_LAMBDA01 = "1.6733", "1.0507"


@dataclass
class Section:
    title: str
    rows: list = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0


@dataclass
class Context:
    quick: bool = False
    digits: int = 50
    seed: int = 0
    options: dict = field(default_factory=dict)


def _row(kind, name, value, reference="", status="", detail=""):
    return {"kind": kind, "name": name, "value": value, "reference": reference,
            "status": status, "detail": detail}


def _check(name, value, reference, ok, detail=""):
    return _row("check", name, value, reference, "PASS" if ok else "FAIL", detail)


def _fmt(x, digits=12):
    return mpmath.nstr(x, digits) if isinstance(x, mpmath.mpf) else f"{x:.{digits}g}"


def section_integrals(ctx):
    from snn_verify.theory import symbolic

    ints = symbolic.half_line_integrals()
    defs = {"P1": "P(z > 0)", "M1": "E[z; z > 0]", "M2": "E[z^2; z > 0]", "N0": "P(z <= 0)",
            "K1": "E[z; z <= 0]", "K2": "E[z^2; z <= 0]", "N1": "E[e^z; z <= 0]",
            "N2": "E[e^2z; z <= 0]"}
    rows = [_row("derivation", f"{k} = {defs[k]}", str(v)) for k, v in ints.items()]
    return Section("1. Integrals (sympy, z ~ Normal(m, s^2), m = mu*omega, s^2 = nu*tau; "
                   "ExpErfc(A, B) = exp(A)*erfc(B))", rows)


def section_moments(ctx):
    from snn_verify.theory import symbolic

    mom = symbolic.selu_moments()
    rows = [_row("derivation", "mu~ = E[selu(z)]", str(mom["mean"])),
            _row("derivation", "E[selu(z)^2]", str(mom["second"])),
            _row("derivation", "nu~", "E[selu(z)^2] - mu~^2, evaluated as Var(U) + alpha^2 Var(W) "
                 "+ 2 alpha E[U] E[1-W] (U = max(z,0), W = exp(min(z,0)); no cancellation)")]
    return Section("2. Moments of the SELU unit", rows)


def section_parameters(ctx):
    import sympy as sp

    from snn_verify.theory import symbolic
    from snn_verify.theory.parameters import alpha01_lambda01

    d = ctx.digits
    a, l = alpha01_lambda01(d + 10)
    ca, cl = symbolic.fixed_point_01_closed_form()
    with mpmath.workdps(d + 10):
        da = abs(mpmath.mpf(str(sp.N(ca, d + 10))) - a)
        dl = abs(mpmath.mpf(str(sp.N(cl, d + 10))) - l)
    tol = mpmath.mpf(10) ** (-d)
    rows = [
        _row("computation", "alpha01", mpmath.nstr(a, d), PUBLISHED_ALPHA01),
        _row("computation", "lambda01", mpmath.nstr(l, d), PUBLISHED_LAMBDA01),
        _row("derivation", "alpha01 closed form", str(ca)),
        _row("derivation", "lambda01 closed form", str(cl)),
        _check(f"sympy closed form = mpmath solution ({d} digits)", f"|diff| = {mpmath.nstr(max(da, dl), 3)}",
               f"< 1e-{d}", da < tol and dl < tol),
        _check("published leading digits", f"{mpmath.nstr(a, 5)}, {mpmath.nstr(l, 5)}",
               f"{PUBLISHED_ALPHA01}, {PUBLISHED_LAMBDA01}",
               mpmath.nstr(a, 5) == PUBLISHED_ALPHA01 and mpmath.nstr(l, 5) == PUBLISHED_LAMBDA01),
    ]
    return Section("3. Parameters: g(0, 1) = (0, 1) at omega = 0, tau = 1", rows)


def section_fixed_point(ctx):
    from snn_verify.theory.selu_map import moment_map_mp

    d = ctx.digits
    mean, var = moment_map_mp(0, 0, 1, 1, digits=d)
    res = max(abs(mean), abs(var - 1))
    return Section("4. Fixed point", [
        _row("computation", "g(0, 1) mean", mpmath.nstr(mean, d)),
        _row("computation", "g(0, 1) variance", mpmath.nstr(var, d)),
        _check("(0, 1) is a fixed point", f"|g(0,1) - (0,1)| = {mpmath.nstr(res, 3)}", f"< 1e-{d - 5}",
               res < mpmath.mpf(10) ** (-(d - 5))),
    ])


def section_jacobian(ctx):
    from snn_verify.theory.jacobian import point_mp

    p = point_mp(0, 0, 1, 1, digits=30)
    J = p["jacobian"]
    diffs = [abs(float(J[i][j]) - NOTEBOOK_JACOBIAN_01[i][j]) for i in range(2) for j in range(2)]
    nd = abs(float(p["spectral_norm"]) - NOTEBOOK_SPECTRAL_NORM_01)
    return Section("5. Jacobian at (mu, nu) = (0, 1), omega = 0, tau = 1", [
        _row("computation", "J = d(mu~, nu~)/d(mu, nu)",
             "[[" + ", ".join(_fmt(v, 9) for v in J[0]) + "], [" + ", ".join(_fmt(v, 9) for v in J[1]) + "]]"),
        _row("computation", "spectral norm ||J||_2", _fmt(p["spectral_norm"], 20)),
        _check("Mathematica notebook J", f"max |diff| = {max(diffs):.1e}", "[[0, 0.0888348], [0, 0.782648]]",
               max(diffs) < 1e-6),
        _check("Mathematica notebook ||J||", f"|diff| = {nd:.1e}", "0.787673", nd < 1e-6),
    ])


def _cross_check_points(ctx):
    import numpy as np

    rng = np.random.default_rng(ctx.seed)
    n = 1 if ctx.quick else 3
    pts = [(0.05, -0.07, 1.2, 1.05)]
    for _ in range(n - 1):
        pts.append((float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)),
                    float(10 ** rng.uniform(-1, 1)), float(rng.uniform(0.5, 2))))
    return pts


def section_cross_checks(ctx):
    from snn_verify.theory.activations import ACTIVATIONS, moments_quad, sample_moments
    from snn_verify.theory.selu_map import moment_map, moment_map_mp

    rows = []
    for pt in _cross_check_points(ctx):
        tag = "(mu, omega, nu, tau) = (" + ", ".join(f"{v:.4g}" for v in pt) + ")"
        closed = moment_map_mp(*pt, digits=30)
        quad = moments_quad(ACTIVATIONS["selu"], *pt, digits=30)
        rel = max(abs(c - q) / max(abs(q), mpmath.mpf(10) ** -25) for c, q in zip(closed, quad))
        rows.append(_check(f"closed form vs mpmath quadrature, {tag}", f"rel diff {mpmath.nstr(rel, 2)}",
                           "< 1e-25", rel < mpmath.mpf(10) ** -25))
        f64 = moment_map(*pt)
        rel64 = max(abs(float(a) - float(b)) / abs(float(b)) for a, b in zip(f64, closed))
        rows.append(_check(f"float64 kernel vs 30-digit mpmath, {tag}", f"rel diff {rel64:.1e}", "< 1e-12",
                           rel64 < 1e-12))
        n = 200_000
        mc = sample_moments(ACTIVATIONS["selu"], *pt, n=n, seed=ctx.seed)
        z = max(abs(mc["mean"] - float(closed[0])) / mc["stderr_mean"],
                abs(mc["var"] - float(closed[1])) / mc["stderr_var"])
        rows.append(_row("evidence", f"Monte Carlo sample of z (n = {n}), {tag}", f"max |z-score| {z:.2f}",
                         "< 5", "PASS" if z < 5 else "FAIL"))
    return Section("6. Cross-checks by independent routes", rows)


def section_dropout(ctx):
    from snn_verify.theory.dropout import alpha_dropout, dropped_moments

    rows = []
    for rate in ("0.05", "0.1"):
        r = alpha_dropout(rate, digits=30)
        with mpmath.workdps(40):
            mean, var = dropped_moments(r["q"], r["alpha_prime"], r["a"], r["b"])
        err = max(abs(mean), abs(var - 1))
        rows.append(_row("computation", f"rate {rate}: a, b", f"{_fmt(r['a'], 15)}, {_fmt(r['b'], 15)}"))
        rows.append(_check(f"rate {rate}: mean and variance restored (law of total variance)",
                           f"|diff| = {mpmath.nstr(err, 2)}", "< 1e-25", err < mpmath.mpf(10) ** -25))
    return Section("7. Alpha dropout (alpha' = -lambda01*alpha01)", rows)


def section_variants(ctx):
    from snn_verify.theory.parameters import solve_parameters

    v = NOTEBOOK_VARIANT
    a, l = solve_parameters(v["mean"], v["var"], v["omega"], v["tau"], digits=30)
    diff = max(abs(float(a) - v["alpha"]), abs(float(l) - v["lambda"]))
    return Section("8. Variants: SELU for another fixed point", [
        _row("computation", "fixed point (-0.1, 2), omega = tau = 1: alpha, lambda",
             f"{_fmt(a, 20)}, {_fmt(l, 20)}"),
        _check("authors' getSELUparameters notebook", f"max |diff| = {diff:.1e}",
               f"{v['alpha']}, {v['lambda']}", diff < 1e-12),
    ])


def section_activations(ctx):
    from snn_verify.theory.activations import ACTIVATIONS, chi1, moments_quad

    rows = []
    for name, act in ACTIVATIONS.items():
        mean, var = moments_quad(act, 0.0, 0.0, 1.0, 1.0)
        c = chi1(act, 0.0, 0.0, 1.0, 1.0)
        rows.append(_row("computation", name, f"g(0, 1) = ({mean:+.6f}, {var:.6f}); chi_1 = {c:.6f}"))
    return Section("9. Other activations at (mu, nu) = (0, 1), omega = 0, tau = 1 "
                   "(quadrature; chi_1 = tau E[phi'(z)^2], > 1 means gradients grow per layer)", rows)


def decimal_text(text, ends=()):
    """A decimal as the user would write it: one of ``ends`` (the claim's own decimals) where
    it equals one exactly, else the shortest text that rounds to the same double.

    >>> decimal_text("0.0200000000000000004163336342344337026588618755340576171875"), decimal_text("0.1", ("0.10",))
    ('0.02', '0.10')
    """
    from fractions import Fraction

    value = Fraction(text)
    return next((e for e in ends if Fraction(e) == value), repr(float(value)))


def named_values(values, names=("mu", "omega", "nu", "tau"), ends=None):
    """``name = value`` pairs of a point or a dict of decimals, each by :func:`decimal_text`.

    >>> named_values({"d": "1.675", "nu_lo": "0.3684"})
    'd = 1.675, nu_lo = 0.3684'
    """
    if isinstance(values, dict):
        names, values = tuple(values), tuple(values.values())
    ends = ends or [()] * len(names)
    return ", ".join(f"{n} = {decimal_text(v, e)}" for n, v, e in zip(names, values, ends))


def _theorem_row(r):
    c = r.claim
    lo, hi = r.extremum
    value = f"{c.extremum} of {c.quantity} in [{lo:.10f}, {hi:.10f}]"
    reference = f"paper: {c.published}" if c.published is not None else ""
    point = named_values(r.argext, ends=r.decimals or None)
    return _row("proof", f"{c.name}: {c.statement}", value, reference, r.verdict,
                f"{c.quantity} {c.relation} {c.bound}; {r.boxes} boxes, {r.seconds:.2f} s; "
                f"attained at {point}; enclosure width {hi - lo:.1e}")


def _end(name, certified, published, inside):
    if inside:
        return f"{name} {certified:.8f} within the paper's {published} (by {abs(certified - published):.1e})"
    return (f"{name} {certified:.8f} beyond the paper's {published} by {abs(certified - published):.1e} "
            f"(the paper's value is the true one rounded to 5 digits, not a bound)")


def _image_rows(results):
    """T1's certified image of Omega beside the paper's published bounds (the claims' ``published``)."""
    ext = {(r.claim.quantity, r.claim.extremum): r for r in results if r.claim.theorem == "Theorem 1"}
    rows = []
    for q, sym in (("mean", "mu~"), ("variance", "nu~")):
        low, high = ext[(q, "min")], ext[(q, "max")]
        lo, hi = low.extremum[0], high.extremum[1]
        plo, phi = low.claim.published, high.claim.published
        tol = max(low.tolerance, high.tolerance)
        rows.append(_row("computation", f"T1 image of Omega: {sym}",
                         f"[{lo:.8f}, {hi:.8f}] (certified min and max, enclosures of width <= {tol:g})",
                         f"paper: [{plo}, {phi}]",
                         detail=f"{_end('min', lo, plo, lo >= plo)}; {_end('max', hi, phi, hi <= phi)}"))
    return rows


def _floor_rows(results):
    """Theorem 3's consequence: no fixed point with its variance in the certified ranges."""
    rows = []
    for r in results:
        for tag in r.claim.tags:
            if "floor" in tag:
                nu, tau = r.claim.box.nu, r.claim.box.tau
                rows.append(_row("proof", f"{tag} (from {r.claim.name})",
                                 f"no fixed point with nu in [{nu[0]}, {nu[1]}] for tau in [{tau[0]}, {tau[1]}]",
                                 status=r.verdict, detail="nu~ > nu there, so g(mu, nu) != (mu, nu)"))
    return rows


def section_theorems(ctx):
    """The theorems, certified over their whole domains by the Arb interval engine."""
    from snn_verify.proofs.rigorous.suite import theorems

    suite = theorems()
    results, fp = suite.results, suite.fixed_point
    rows = [_theorem_row(r) for r in results]
    rows += _image_rows(results) + _floor_rows(results)
    rows.append(_row("proof", "T1 fixed point at omega = 0, tau = 1 (Krawczyk operator)",
                     f"mu in {fp['mu_ball']}, nu in {fp['nu_ball']}", "exactly (0, 1)",
                     "CERTIFIED" if fp["unique"] and fp["contains_0_1"] else "UNDECIDED",
                     f"unique zero of g - id in the box; ||J||_2 <= {fp['contraction']:.9f} there "
                     f"(contraction rate)"))
    note = (f"verdicts from Arb ball arithmetic over every point of each domain (outward rounding; "
            f"extremum enclosures of width <= {max(r.tolerance for r in results):g}); `verify.py theorems --certificates DIR` writes "
            f"certificates that `verify.py recheck` re-verifies independently")
    return Section("10. Theorems (certified by interval arithmetic)", rows, note)


def section_beyond(ctx):
    """Certified results beyond the paper (issue 13): the alpha-dropout theorem, the largest
    dropout rate scanned, Theorems 1-3 for float32 constants, the largest domains."""
    title = "10b. Beyond the paper (certified)"
    if ctx.quick:
        return Section(title, [_row("proof", "alpha dropout, float32 constants, largest domains", "not run (--quick)",
                                    status="NOT CERTIFIED", detail="run `verify.py theorems --extended`")])
    from snn_verify.proofs.rigorous.suite import extended

    ext = extended()
    rows = []
    for rate, results, fp in ext.dropout:
        rows += [_theorem_row(r) for r in results]
        rows.append(_row("proof", f"dropout {rate}: fixed point (0, 1) of g_q (Krawczyk operator)",
                         f"mu in {fp.mu_ball}, nu in {fp.nu_ball}", "exactly (0, 1)",
                         "CERTIFIED" if fp.unique and fp.contains_0_1 else "UNDECIDED",
                         f"||J_q||_2 <= {fp.contraction:.9f} there"))
    m = ext.max_rate
    rows.append(_row("computation", "largest alpha-dropout rate keeping Theorem 1 (scanned)",
                     f"certified up to {m['certified']}", f"scanned {', '.join(m['scanned'])}",
                     detail=f"refuted at {m['refuted']}" if m["refuted"] else m["note"]))
    f32 = ext.float32_model
    rows += [dict(_theorem_row(r), detail=f"alpha in [{f32.alpha[0]}, {f32.alpha[1]}], lambda in "
                                         f"[{f32.lambda_[0]}, {f32.lambda_[1]}]; " + _theorem_row(r)["detail"])
             for r in ext.float32]
    for d in ext.domains:
        rows.append(_row("proof", f"largest {d.kind} box, Theorem {d.theorem}'s conclusions", named_values(d.box),
                         status="CERTIFIED", detail="; ".join(f"beyond {side}: {w['claim']} broken at "
                                                             f"{named_values(w['point'])}"
                                                             for side, w in d.witnesses.items())
                         or "no side refuted within the search"))
    note = ("each row an ordinary certified claim (Arb, outward rounding); `verify.py theorems --extended "
            "--certificates DIR` writes the certificates, `verify.py recheck` re-verifies them")
    return Section(title, rows, note)


def section_meanfield(ctx):
    """LeCun initialisation (mean field, certified, issue 18): the length map
    ``F(q) = E[selu(sqrt(s_w^2 q + s_b^2) Z)^2]`` has one fixed point q*, attracting from all of
    (0, inf); chi_1, C'(0) and c* at a table of ``(s_w^2, s_b^2)``; each row a certificate that
    the independent checker accepts."""
    title = "10c. LeCun initialisation (mean field, certified)"
    from snn_verify.proofs.rigorous import meanfield

    result = meanfield.run(phase=() if ctx.quick else None)
    rows = []
    for r in result.rows:
        q_star = next((s[s.index("q* in"):] for s in r.statements if "q* in" in s), "q* enclosed")
        rows.append(_row("proof", f"{r.name}: F(q) > q below q*, F(q) < q above, F increasing", q_star,
                         status="CERTIFIED", detail="; ".join(r.statements[3:])))
    rows += [_row("proof", name, "not certified", status="UNDECIDED", detail=why) for name, why in result.undecided]
    rows += [_row("proof", f"order-to-chaos curve chi_1 = 1 at s_b^2 = {p.sb2}", f"s_w^2 in [{p.lo}, {p.hi}]",
                  status="CERTIFIED") for p in result.phase]
    checked = "every certificate re-checked by the independent checker" if not result.problems else \
        "REJECTED by the checker: " + "; ".join(n for n, _ in result.problems)
    rows.append(_check("mean-field certificates re-checked (recheck/meanfield.py)", checked, "accepted",
                       not result.problems))
    note = ("`verify.py meanfield --certificates DIR` writes the certificates; `--montecarlo` adds the "
            "finite-width evidence" + ("; --quick: the order-to-chaos curve not run" if ctx.quick else ""))
    return Section(title, rows, note)


def _ball_mid(text, digits=20):
    """The leading digits of an Arb ball's text ``[m +/- r]`` (its midpoint, cut)."""
    return text.strip("[]").split(" +/-")[0][:digits + 2]


def section_any_activation(ctx):
    """Any activation (certified, issue 20): the self-normalising constants of each activation
    of the registry (scale and shift ``lambda (f - beta)`` with ``beta = E f(Z)``,
    ``lambda = 1/sd f(Z)``; ELU-like ``(lambda, alpha)`` by a Krawczyk operator), chi_1 at the
    fixed point and the regime at LeCun initialisation, each an Arb enclosure."""
    from snn_verify.proofs.rigorous import activation_domain
    from snn_verify.proofs.rigorous.activations import table

    rows = []
    consts_table = table()
    for r in consts_table.rows:
        if not r.exists:
            rows.append(_row("proof", f"{r.name}: no self-normalising (lambda, alpha)", "none exist",
                             status="CERTIFIED", detail=r.proof[:300]))
            continue
        consts = ", ".join(f"{k} = {_ball_mid(v)}" for k, v in r.values.items())
        width = max(r.widths.values()) if r.widths else math.nan
        rows.append(_row("proof", f"{r.name} ({r.family})", consts, f"width <= {width:.1e}",
                         "CERTIFIED" if r.ok else "UNDECIDED", f"chi_1 = {_ball_mid(r.chi1)}; LeCun: {r.regime}"))
        if r.name != "elu" and activation_domain.fixed_point(r.name)[0] == "REFUTED":
            d = activation_domain.grow(r.name)        # it stops at the fixed point: about 1 s
            rows.append(_row("proof", f"{r.name}: largest certified (mu, nu) box (omega = 0, tau = 1)",
                             "none: no (mu, nu) box around (0, 1) contracts",
                             "every candidate box contains (0, 1); `verify.py activation NAME --domain`", "CERTIFIED",
                             f"{d.fixed_point['witness']}; dnu~/dnu = {_ball_mid(d.fixed_point['dnu~/dnu'], 10)}"
                             + (f"; on the paper's (omega, tau) box neither ({d.around_paper['witness']})"
                                if d.around_paper["verdict"] == "REFUTED" else "")))
    from snn_verify.proofs.rigorous.activation_meanfield import table as lecun_table

    for m in lecun_table(constants={r.name: r for r in consts_table.rows}).rows:
        rows.append(_row("proof", f"{m.name}: LeCun mean field (s_w^2 = 1, s_b^2 = 0)",
                         f"c* = 0 in [{m.c_star_lo:.1e}, {m.c_star_hi:.1e}]", f"C'(c*) = {_ball_mid(m.dC_at_c_star, 10)}",
                         "CERTIFIED" if m.certified else "UNDECIDED",
                         f"q* = 1 {m.q_star_stability} (F'(1) = {_ball_mid(m.length_slope, 8)}); chi_1 = "
                         f"{_ball_mid(m.chi1, 10)}: {m.regime}; Krawczyk on the Mehler series, K = {m.K}"))
    return Section("10d. Any activation: self-normalising constants (certified)", rows,
                   "`verify.py activation NAME --theorem1` adds Theorem 1 on the paper's box for each; "
                   "`--meanfield` the LeCun mean field (chi_1 >= 1 for every self-normalised phi: none is ordered)")


#: dense-grid points per (box, quantity) (None: the backend's default, 1e7 on the CPU, 1e9 on
#: a GPU) and Monte-Carlo sizes of the evidence section
EVIDENCE_SIZES = {
    False: {"points": None, "width": 256, "samples": 256, "depth": 32, "deep_width": 256,
            "grad_samples": 128},
    True: {"points": 100_000, "width": 64, "samples": 64, "depth": 16, "deep_width": 128,
           "grad_samples": None},  # --quick: no backward pass (its kernels would only compile)
}


def _point(p):
    return "(" + ", ".join(f"{p[v]:.6g}" for v in ("mu", "omega", "nu", "tau")) + ")"


def section_evidence(ctx):
    from snn_verify.proofs.theorems import theorem_claims
    from snn_verify.proofs.evidence.grid import EVIDENCE, claim_verdict, grid_extrema
    from snn_verify.proofs.evidence.montecarlo import EVIDENCE as MC_EVIDENCE
    from snn_verify.proofs.evidence.montecarlo import deep, gradients, map_grid

    title = "11. Evidence, not proof: float64 dense grids and Monte Carlo"
    note = ("grids see only their points and float64 rounding is not bounded; Monte Carlo is statistical. "
            "The proofs are section 10's.")
    device = ctx.options.get("device", "auto")
    size = EVIDENCE_SIZES[bool(ctx.quick)]
    rows, grids = [], {}
    for claim in theorem_claims():
        key = (claim.box, claim.quantity)
        if key not in grids:
            grids[key] = grid_extrema(claim.quantity, claim.box, points=size["points"], backend=device)
        r = grids[key]
        v = claim_verdict(claim, r)
        shape = " x ".join(str(n) for n in r.shape.values())
        published = f"; published {claim.published:g}" if claim.published is not None else ""
        rows.append(_row("evidence", f"{claim.name}: {claim.extremum} of {claim.quantity} on a {shape} grid",
                         f"{v.extremum:.10g} at (mu, omega, nu, tau) = {_point(v.arg)}",
                         f"{claim.relation} {claim.bound:g}{published}", "PASS" if v.agrees else "FAIL",
                         f"{EVIDENCE}: PASS = the grid agrees with the claim, not a proof; margin "
                         f"{v.margin:.4g}; {r.points:,} points, {r.nonfinite} non-finite, "
                         f"{r.seconds:.2f} s ({r.backend})"))
    w, b = size["width"], size["samples"]
    mc = map_grid((-0.1, 0.1), (0.8, 1.5), 21, 0.0, 1.0, width=w, samples=b, seed=ctx.seed, backend=device)
    rows.append(_row("evidence", "one-layer Monte Carlo map vs g on a 21 x 21 grid over Omega (omega = 0, tau = 1)",
                     f"largest |z| = {mc.max_abs_z:.2f} over {2 * len(mc.points)} z-scores", "< 5",
                     "PASS" if mc.max_abs_z < 5 else "FAIL",
                     f"{MC_EVIDENCE}; width {w}, {w} units x {b} samples per point, normalised weights, Normal "
                     f"inputs, seed {ctx.seed}; {mc.seconds:.1f} s ({mc.backend})"))
    depth = size["depth"]
    run = deep(depth, size["deep_width"], b, starts=((0.5, 3.0),), dropout=("none",), seed=ctx.seed,
               backend=device).runs[0]
    zmax = float(abs(run.z).max())
    (m, v), (gm, gv) = run.empirical[-1], run.analytic[-1]
    rows.append(_row("evidence", f"deep SELU net from (mu, nu) = (0.5, 3): layer {depth} of width {size['deep_width']}",
                     f"({m:+.4f}, {v:.4f}); largest |z| over layers {zmax:.2f}",
                     f"iterated g: ({gm:+.4f}, {gv:.4f}), fixed point (0, 1)", "PASS" if zmax < 5 else "FAIL",
                     f"{MC_EVIDENCE}; PASS = every layer's mean and variance within 5 standard errors of g"))
    if size["grad_samples"] is None:
        return Section(title, rows, note=note)
    g = gradients((("selu", "lecun"),), depth, size["deep_width"], size["grad_samples"], seed=ctx.seed,
                  backend=device).runs["selu/lecun"]
    rel = g.growth_per_layer / g.chi1_mean - 1
    rows.append(_row("evidence", f"backward pass, SELU + LeCun, {depth} layers: squared gradient norm per layer",
                     f"x {g.growth_per_layer:.4f} (x {g.total_growth:.3g} over {depth} layers)",
                     f"chi_1 = {g.chi1_mean:.4f} (mean field)", "PASS" if abs(rel) < 0.05 else "FAIL",
                     "PASS = measurement within 5% of mean field.  chi_1 > 1: gradient norms grow slowly with "
                     "depth toward the input (the paper: exploding gradients are impossible); "
                     "`verify.py montecarlo gradients` compares ReLU and tanh"))
    return Section(title, rows, note=note)


def section_training(ctx):
    """Figure 1's roughness ratio and the drift fraction at the last checkpoint; runs only
    with ``options["train"]`` (``verify.py --train``), since JAX training takes minutes."""
    from snn_verify.proofs.evidence.training.experiments import EVIDENCE, drift, figure1, require_jax

    title = "12. Training (evidence, not proof)"
    if not ctx.options.get("train"):
        return Section(title, [_row("evidence", "training experiments", "not run: pass --train (JAX, minutes; "
                                    "quick sizes with --quick)", detail="`verify.py train figure1|uci|drift`")])
    try:
        require_jax()
    except ValueError as exc:
        return Section(title, [_row("evidence", "training experiments", f"not run: {exc}")])
    f1, dr = figure1(quick=ctx.quick, seed=ctx.seed), drift(quick=ctx.quick, seed=ctx.seed)
    s = f1.sizes
    rows = [_row("evidence", f"Figure 1 roughness BN / SNN, {depth} layers",
                 f"{ratio['roughness']:.3f} (of log loss: {ratio['log_roughness']:.3f})",
                 "the paper: BN's curves vary far more (ratio > 1)",
                 detail=f"{f1.dataset}, width {s['width']}, lr {s['lr']}, batch {s['batch']}, {s['steps']} steps, "
                        f"{s['seeds']} seeds; roughness = std(diff L) / mean L: SNN "
                        f"{f1.curves['snn'][depth]['roughness']:.4f}, BN {f1.curves['batchnorm'][depth]['roughness']:.4f}")
            for depth, ratio in f1.ratio.items()]
    for m, run in dr.runs.items():
        first, last = run["checkpoints"][0], run["checkpoints"][-1]
        rows.append(_row("evidence", f"{m}: hidden units with (omega, tau) in Theorem 1's box, step {last['step']}",
                         f"{last['inside_theorem1']:.3f}", f"{first['inside_theorem1']:.3f} at step 0",
                         detail=f"depth {dr.sizes['depth']}, width {dr.sizes['width']}, lr {dr.sizes['lr']}"))
    return Section(title, rows, note=f"{EVIDENCE}; `verify.py train` prints the full tables")


#: report sections in reading order
SECTIONS = (
    section_integrals, section_moments, section_parameters, section_fixed_point, section_jacobian,
    section_cross_checks, section_dropout, section_variants, section_activations, section_theorems,
    section_beyond, section_meanfield, section_any_activation, section_evidence, section_training,
)


def build(ctx, progress=None):
    """Run every section; ``progress`` is an optional callable(section_name) for a progress bar."""
    out = []
    for fn in SECTIONS:
        if progress:
            progress(fn.__name__.replace("section_", ""))
        t0 = time.perf_counter()
        sec = fn(ctx)
        sec.seconds = time.perf_counter() - t0
        out.append(sec)
    return out


def failed(sections):
    """Rows whose status is FAIL or REFUTED."""
    return [r for s in sections for r in s.rows if r["status"] in ("FAIL", "REFUTED")]


def to_json(sections):
    return {"sections": [{"title": s.title, "seconds": round(s.seconds, 3), "note": s.note, "rows": s.rows}
                         for s in sections],
            "ok": not failed(sections)}


def render(sections, width=100):
    """Plain-text report."""
    lines = ["snn-verify: Self-Normalizing Networks (Klambauer et al. 2017), checked by computer", ""]
    for s in sections:
        lines.append(s.title)
        lines.append("-" * min(len(s.title), width))
        for r in s.rows:
            status = f"[{r['status']}] " if r["status"] else ""
            value = r["value"]
            if r["kind"] == "derivation" and len(value) > width - 10:
                lines.append(f"  {r['name']}:")
                lines.append(f"      {value}")
                continue
            ref = f"   (reference: {r['reference']})" if r["reference"] else ""
            lines.append(f"  {status}{r['name']}: {value}{ref}")
            if r["detail"]:
                lines.append(f"      {r['detail']}")
        if s.note:
            lines.append(f"  note: {s.note}")
        lines.append("")
    bad = failed(sections)
    total = sum(s.seconds for s in sections)
    lines.append(f"{'ALL CHECKS PASSED' if not bad else f'{len(bad)} CHECK(S) FAILED'} "
                 f"({sum(1 for s in sections for r in s.rows if r['status'] == 'PASS')} passed, "
                 f"{len(bad)} failed; {total:.1f} s)")
    return "\n".join(lines)


@dataclass(frozen=True)
class Report:
    """The whole report: its sections in order, with ``to_json()``, ``render()`` and
    ``exit_code`` (1 when a check failed)."""

    sections: tuple

    @property
    def exit_code(self):
        return 1 if failed(self.sections) else 0

    def to_json(self):
        return to_json(self.sections)

    def render(self):
        return render(self.sections)


def report(ctx, progress=None):
    """Build every section of :data:`SECTIONS` (:func:`build`) into a :class:`Report`."""
    return Report(tuple(build(ctx, progress)))
