"""``verify.py theorems``: every theorem claim certified, and the Krawczyk fixed point.

:func:`theorems` runs :func:`snn_verify.proofs.rigorous.certify.certify_suite` on
:func:`snn_verify.proofs.theorems.theorem_claims` and encloses the fixed point of g at
omega = 0, tau = 1 (:func:`snn_verify.proofs.rigorous.fixed_point.fixed_point`); the result is a
:class:`TheoremsResult` with ``to_json()``, ``render()`` and ``exit_code``.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..theorems import theorem_claims
from .certify import MAX_SECONDS, TOLERANCE, certify_suite, verdict_exit
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


def theorems(tol=TOLERANCE, workers=None, certificates=None, max_seconds=MAX_SECONDS, progress=None):
    """Certify every theorem claim (certificates written to the directory ``certificates``
    if given) and enclose the fixed point at omega = 0, tau = 1: a :class:`TheoremsResult`."""
    results = certify_suite(theorem_claims(), tol=tol, workers=workers, certificates=certificates,
                            max_seconds=max_seconds, progress=progress)
    return TheoremsResult(tuple(results), tol, fixed_point("0", "1"), certificates)
