"""``verify.py theorems``: every theorem claim certified, and the Krawczyk fixed point.

:func:`theorems` runs :func:`snn_verify.proofs.rigorous.certify.certify_suite` on
:func:`snn_verify.proofs.theorems.theorem_claims` and encloses the fixed point of g at
omega = 0, tau = 1 (:func:`snn_verify.proofs.rigorous.fixed_point.fixed_point`); the result is a
:class:`TheoremsResult` with ``to_json()``, ``render()`` and ``exit_code``.
"""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass

from ..theorems import theorem_claims
from .certify import (CERTIFIED, MAX_SECONDS, REFUTED, TOLERANCE, Evaluator, certificate_name, certify, certify_suite,
                      verdict_exit)
from .fixed_point import fixed_point


@dataclass(frozen=True)
class TheoremsResult:
    """The certified theorem claims (:class:`snn_verify.proofs.rigorous.certify.Result`), the
    tolerance they ran with, the fixed point at (0, 1) and the certificate directory."""

    results: tuple
    tolerance: float
    fixed_point: object
    certificates: str | None = None

    @property
    def exit_code(self):
        return verdict_exit([r.verdict for r in self.results])

    def to_json(self):
        out = {"claims": [r.to_json() for r in self.results], "tolerance": self.tolerance,
               "fixed_point": self.fixed_point.to_json()}
        if self.certificates:
            out["certificates"] = self.certificates
        return out

    def render(self):
        lines = [f"{'claim':40s} {'verdict':10s} {'certified extremum':>36s} {'paper':>9s} {'boxes':>6s} {'s':>6s}"]
        for c in (r.to_json() for r in self.results):
            ext = c.get("extremum")
            text = f"{c['extremum_kind']} in [{ext[0]:.10f}, {ext[1]:.10f}]" if ext else "-"
            pub = f"{c['published']:.5f}" if c.get("published") is not None else ""
            lines.append(f"{c['name']:40s} {c['verdict']:10s} {text:>36s} {pub:>9s} {c['boxes']:6d} {c['seconds']:6.2f}")
        fp = self.fixed_point
        lines.append(f"fixed point at omega = 0, tau = 1: mu in {fp.mu_ball}, nu in {fp.nu_ball} "
                     f"(Krawczyk, unique: {fp.unique}); ||J|| <= {fp.contraction:.9f}")
        return "\n".join(lines)


def claim_count(extended=False):
    """How many claims :func:`theorems` (or :func:`extended`) certifies (for progress bars)."""
    n = len(theorem_claims())
    return n + (len(DROPOUT_RATES) * len(dropout_claims(DROPOUT_RATES[0])) + n if extended else 0)


def theorems(tol=TOLERANCE, workers=None, certificates=None, max_seconds=MAX_SECONDS, progress=None,
             session=None):
    """Certify every theorem claim (certificates written to the directory ``certificates``
    if given) and enclose the fixed point at omega = 0, tau = 1: a :class:`TheoremsResult`.
    ``session`` (a :class:`snn_verify.proofs.sweep.Session`): each claim a Dask task
    (:mod:`.swept`) instead of the local pool of ``workers`` processes."""
    if session is not None:
        from . import swept

        results = swept.certify_all(session, theorem_claims(), tol, max_seconds, certificates,
                                    swept.suite_spec(swept.PAPER))
    else:
        results = certify_suite(theorem_claims(), tol=tol, workers=workers, certificates=certificates,
                                max_seconds=max_seconds, progress=progress)
    return TheoremsResult(tuple(results), tol, fixed_point("0", "1"), certificates)


# --- beyond the paper (issue 13) --------------------------------------------------------------

#: the alpha-dropout rates of the dropout theorem, and the rates scanned for the largest one
DROPOUT_RATES = ("0.05", "0.1", "0.2")
RATE_SCAN = ("0.3", "0.5", "0.7", "0.9", "0.99", "0.9999")


def dropout_claims(rate):
    """Theorem 1's claims for g_q (alpha dropout at ``rate`` after the layer) on Omega with
    Theorem 1's omega and tau ranges: self-map (4 claims) and contraction."""
    from ..claims import Model
    from ..theorems import THEOREM1 as CLAIMS

    model = Model(dropout=rate)
    return tuple(dataclasses.replace(c, name=f"dropout {rate}: {c.name[3:]}", theorem=f"dropout {rate}",
                                     statement=f"for g_q (alpha dropout at rate {rate}): {c.statement}",
                                     published=None, model=model) for c in CLAIMS)


def float32_model():
    """alpha01 and lambda01 rounded to float32, +/- half an ulp (exact decimal intervals):
    every value a float32 network's constants can stand for."""
    import numpy as np
    from decimal import Decimal

    from snn_verify.theory.parameters import ALPHA01, LAMBDA01

    from ..claims import Model

    def interval(x):
        f = np.float32(x)
        half = Decimal(float(np.spacing(f))) / 2
        return (str(Decimal(float(f)) - half), str(Decimal(float(f)) + half))

    return Model(alpha=interval(ALPHA01), lambda_=interval(LAMBDA01))


def float32_claims():
    """Theorems 1-3 with alpha and lambda over their float32 rounding intervals."""
    model = float32_model()
    return tuple(dataclasses.replace(c, name=f"float32: {c.name}", published=None, model=model)
                 for c in theorem_claims())


@dataclass(frozen=True)
class ExtendedResult:
    """``theorems --extended``: the paper's suite plus the certified results beyond it."""

    paper: TheoremsResult
    dropout: tuple          # (rate, (Result, ...), FixedPoint)
    max_rate: dict
    float32: tuple          # Result, ...
    float32_model: object
    domains: tuple          # DomainResult, ...
    seconds: float

    def _all(self):
        return list(self.paper.results) + [r for _, rs, _ in self.dropout for r in rs] + list(self.float32)

    @property
    def exit_code(self):
        return verdict_exit([r.verdict for r in self._all()])

    def to_json(self):
        out = self.paper.to_json()
        out["extended"] = {
            "dropout": [{"rate": rate, "claims": [r.to_json() for r in rs], "fixed_point": fp.to_json()}
                        for rate, rs, fp in self.dropout],
            "max_rate": self.max_rate,
            "float32": {"alpha": list(self.float32_model.alpha), "lambda": list(self.float32_model.lambda_),
                        "claims": [r.to_json() for r in self.float32]},
            "domains": {f"{d.kind} T{d.theorem}": d.to_json() for d in self.domains},
            "seconds": round(self.seconds, 3),
        }
        return out

    def render(self):
        lines = [self.paper.render(), "", "Beyond the paper (certified):"]
        for rate, rs, fp in self.dropout:
            lines.append(f"alpha dropout at rate {rate}: fixed point (0, 1) of g_q (Krawczyk, unique: {fp.unique}, "
                         f"||J_q|| <= {fp.contraction:.6f} there)")
            for r in rs:
                lines.append(f"  {r.claim.name:44s} {r.verdict:10s} {r.claim.extremum} in "
                             f"[{r.extremum[0]:.8f}, {r.extremum[1]:.8f}]")
        m = self.max_rate
        lines.append(f"largest dropout rate: certified up to {m['certified']}; "
                     + (f"refuted at {m['refuted']}" if m["refuted"] else f"none refuted ({m['note']})"))
        lines.append(f"float32 constants: alpha in [{self.float32_model.alpha[0]}, {self.float32_model.alpha[1]}], "
                     f"lambda in [{self.float32_model.lambda_[0]}, {self.float32_model.lambda_[1]}]")
        for r in self.float32:
            lines.append(f"  {r.claim.name:50s} {r.verdict:10s} {r.claim.extremum} in "
                         f"[{r.extremum[0]:.8f}, {r.extremum[1]:.8f}]")
        for d in self.domains:
            lines.append(d.render())
        lines.append(f"extended suite: {self.seconds:.1f} s")
        return "\n".join(lines)


def _scan_rates(evaluator, certificates=None, session=None):
    """The largest rate of :data:`RATE_SCAN` up to which every dropout claim is certified
    (verdicts only), and the first rate with a refuted claim, if any.  ``certificates``: a
    directory for every scanned claim's certificate.  The rates are scanned one after the
    other (the scan stops at the first failure); with ``session`` the claims of one rate are
    Dask tasks (one round per rate)."""
    from . import certificate

    certified, refuted, failed = DROPOUT_RATES[-1], None, None
    for rate in RATE_SCAN:
        if session is not None:
            from . import swept

            claims = dropout_claims(rate)
            verdicts = [(c.name, r) for c, r in zip(claims, swept.certify_all(
                session, claims, math.inf, MAX_SECONDS, certificates, swept.suite_spec(swept.DROPOUT, rate), "scan_"))]
        else:
            verdicts = [(c.name, certify(c, tol=math.inf, evaluator=evaluator)) for c in dropout_claims(rate)]
        if certificates and session is None:
            for _, r in verdicts:
                certificate.write(r, os.path.join(certificates, "scan_" + certificate_name(r.claim)))
        bad = [(n, r) for n, r in verdicts if r.verdict != CERTIFIED]
        if bad:
            name, r = bad[0]
            if r.verdict == REFUTED:
                refuted, failed = rate, {"claim": name, **r.counterexample}
            break
        certified = rate
    note = "" if refuted else f"every scanned rate up to {RATE_SCAN[-1]} is certified"
    return {"certified": certified, "refuted": refuted, "witness": failed, "scanned": list(RATE_SCAN), "note": note}


def extended(tol=TOLERANCE, workers=None, certificates=None, max_seconds=MAX_SECONDS, progress=None,
             domain_steps=6, session=None):
    """The paper's suite, then: the alpha-dropout theorem at :data:`DROPOUT_RATES` (claims
    and Krawczyk fixed point), the rate scan, Theorems 1-3 over the float32 intervals of the
    constants, and the largest mu-nu and omega-tau (Theorem 1) boxes.  Certificates of every
    claim go to ``certificates``.  ``session`` (a :class:`snn_verify.proofs.sweep.Session`):
    every claim a Dask task (:func:`_extended_swept`)."""
    import time

    from .domain import grow

    if session is not None:
        return _extended_swept(tol, certificates, max_seconds, domain_steps, session)
    t0 = time.perf_counter()
    paper = theorems(tol=tol, workers=workers, certificates=certificates, max_seconds=max_seconds, progress=progress)
    drop = []
    for rate in DROPOUT_RATES:
        rs = certify_suite(dropout_claims(rate), tol=tol, workers=workers, certificates=certificates,
                           max_seconds=max_seconds, progress=progress)
        drop.append((rate, tuple(rs), fixed_point("0", "1", dropout=rate)))
    f32 = certify_suite(float32_claims(), tol=tol, workers=workers, certificates=certificates,
                        max_seconds=max_seconds, progress=progress)
    with Evaluator(workers) as ev:
        max_rate = _scan_rates(ev, certificates)
    domains = tuple(grow(kind, 1, workers=workers or 1, steps_per_side=domain_steps, doublings=domain_steps,
                         certificates=certificates) for kind in ("mu-nu", "omega-tau"))
    return ExtendedResult(paper, tuple(drop), max_rate, tuple(f32), float32_model(), domains,
                          time.perf_counter() - t0)


def _extended_swept(tol, certificates, max_seconds, domain_steps, session):
    """:func:`extended` on a sweep: the paper's, the dropout and the float32 claims are one
    round of tasks (all independent); the rate scan is one round per rate (it stops at the
    first rate that fails); the domain searches send each candidate box's claims as a round
    (:func:`snn_verify.proofs.rigorous.domain.grow`).  The Krawczyk fixed points (a few
    milliseconds each) are computed on the client."""
    import time

    from . import swept
    from .domain import grow

    t0 = time.perf_counter()
    groups = [("paper", tuple(theorem_claims()), swept.PAPER, ())]
    groups += [(f"dropout {r}", dropout_claims(r), swept.DROPOUT, (r,)) for r in DROPOUT_RATES]
    groups.append(("float32", float32_claims(), swept.FLOAT32, ()))
    spec_of = {id(c): swept.suite_spec(f, *args) for _, cs, f, args in groups for c in cs}
    claims = [c for _, cs, _, _ in groups for c in cs]
    results = swept.certify_all(session, claims, tol, max_seconds, certificates, lambda c: spec_of[id(c)](c))
    by_group, k = {}, 0
    for g, cs, _, _ in groups:
        by_group[g], k = tuple(results[k:k + len(cs)]), k + len(cs)
    paper = TheoremsResult(by_group["paper"], tol, fixed_point("0", "1"), certificates)
    drop = [(rate, by_group[f"dropout {rate}"], fixed_point("0", "1", dropout=rate)) for rate in DROPOUT_RATES]
    max_rate = _scan_rates(None, certificates, session=session)
    domains = tuple(grow(kind, 1, steps_per_side=domain_steps, doublings=domain_steps, certificates=certificates,
                         session=session) for kind in ("mu-nu", "omega-tau"))
    return ExtendedResult(paper, tuple(drop), max_rate, by_group["float32"], float32_model(), domains,
                          time.perf_counter() - t0)
