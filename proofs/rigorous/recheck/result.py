"""The checker's typed results: one certificate (:class:`RecheckResult`) or several
(:class:`RecheckAll`), each with ``to_json()``, ``render()`` and ``exit_code`` (0 accepted,
1 rejected, 2 malformed input)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecheckResult:
    """The outcome of re-checking one certificate: ``ok`` only if every check passed;
    ``malformed`` when the input is not a well-formed certificate (exit status 2).

    Item access (``r["ok"]``) reads the JSON fields."""

    ok: bool
    verdict: str | None
    problems: tuple
    leaves: int
    seconds: float
    file: str | None = None
    claim: dict | None = None          # the claim checked (JSON), with its "statement" in words
    malformed: bool = False

    def to_json(self):
        out = {"ok": self.ok, "verdict": self.verdict, "problems": list(self.problems), "leaves": self.leaves,
               "seconds": round(self.seconds, 3)}
        if self.claim is not None:
            out["claim"] = self.claim
        if self.malformed:
            out["malformed"] = True
        if self.file is not None:
            out["file"] = self.file
        return out

    def __getitem__(self, key):
        return self.to_json()[key] if key != "seconds" else self.seconds

    @property
    def exit_code(self):
        return 0 if self.ok else 2 if self.malformed else 1

    @classmethod
    def malformed_input(cls, problem, file=None):
        """The result for input that is not a well-formed certificate (exit status 2)."""
        return cls(False, None, (problem,), 0, 0.0, file, malformed=True)

    def render(self):
        where = f"{self.file}: " if self.file else ""
        if self.malformed:
            return f"MALFORMED: {where}{self.problems[0]}"
        head = (f"{'OK' if self.ok else 'REJECTED'}: {where}{self.verdict} {self.claim['statement']} "
                f"({self.leaves} leaves, {round(self.seconds, 3)} s)")
        return "\n".join([head] + [f"  - {p}" for p in self.problems])


def _malformed(problem, file=None):
    return RecheckResult(False, None, (problem,), 0, 0.0, file, malformed=True)


@dataclass(frozen=True)
class RecheckAll:
    """The re-checks of several certificates: ``ok`` only if every one passed."""

    results: tuple

    @property
    def ok(self):
        return all(r.ok for r in self.results)

    @property
    def exit_code(self):
        return max(r.exit_code for r in self.results)

    def to_json(self):
        return {"ok": self.ok, "certificates": [r.to_json() for r in self.results],
                "rejected": sum(not r.ok for r in self.results)}

    def render(self):
        lines = [r.render() for r in self.results]
        lines.append(f"{len(self.results)} certificates: {sum(r.ok for r in self.results)} OK, "
                     f"{sum(not r.ok for r in self.results)} rejected")
        return "\n".join(lines)
