"""The field trial's rows: one per project, its disagreements, and the table printed (and read
back from --json-out files)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

VERDICTS = ("Killed", "Survived", "Timeout", "NoCoverage", "CompileError", "RuntimeError")


@dataclass
class Disagreement:
    project: str
    mutant: str
    kind: str  # "verify" (breakit's oracle), "plain" (the independent check), "first-catch"
    verdict: str
    tests: list[str]
    plain: str
    detail: str = ""


@dataclass
class Row:
    project: str
    tests: int | None = None
    mutants: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    wall_s: float | None = None
    sample: int = 0
    picked: list[str] = field(default_factory=list)
    verify_agree: int | None = None
    plain_agree: int | None = None
    first_catch_s: float | None = None  # the `check --first-catch` wall time
    first_catch_agree: int | None = None  # mutants whose first-catch verdict is the full one's
    first_catch_total: int = 0
    tracebacks: int = 0
    total_s: float | None = None  # the whole row: fetch, venv, plain suite, check, both checks
    error: str = ""
    disagreements: list[Disagreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def cells(row: Row) -> list[str]:
    def n(v: int | None) -> str:
        return "-" if v is None else str(v)

    verify = "-" if row.verify_agree is None else f"{row.verify_agree}/{row.sample}"
    plain = "-" if row.plain_agree is None else f"{row.plain_agree}/{row.sample}"
    return [
        row.project,
        n(row.tests),
        n(row.mutants),
        *(str(row.counts.get(v, 0)) if row.counts else "-" for v in VERDICTS),
        "-" if row.wall_s is None else f"{row.wall_s:.0f}",
        "-" if row.first_catch_s is None else f"{row.first_catch_s:.0f}",
        "-"
        if row.first_catch_agree is None
        else f"{row.first_catch_agree}/{row.first_catch_total}",
        "-" if row.total_s is None else f"{row.total_s:.0f}",
        verify,
        plain,
        str(row.tracebacks),
        row.error or "; ".join(row.notes)[:120],
    ]


HEADER = ["project", "tests", "mutants", "K", "S", "T", "NC", "CE", "RE", "check s"]
HEADER += ["first-catch s", "first-catch = full", "row s"]
HEADER += ["verify", "plain", "tracebacks", "error / note"]


def table(rows: Sequence[Row]) -> str:
    body = [HEADER, *(cells(r) for r in rows)]
    widths = [max(len(r[i]) for r in body) for i in range(len(HEADER))]
    out = []
    for i, r in enumerate(body):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if i == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def report(rows: Sequence[Row]) -> str:
    lines = [table(rows), ""]
    found = [d for r in rows for d in r.disagreements]
    lines.append(f"Disagreements: {len(found)}")
    for d in found:
        tests = ", ".join(d.tests[:3]) or "none"
        lines.append(
            f"- {d.project} {d.mutant} [{d.kind}]: breakit {d.verdict} (caught by: {tests}); "
            f"plain pytest: {d.plain}" + (f" — {d.detail}" if d.detail else "")
        )
    return "\n".join(lines)


def load_row(data: dict) -> Row:
    found = [Disagreement(**d) for d in data.pop("disagreements", [])]
    return Row(**data, disagreements=found)
