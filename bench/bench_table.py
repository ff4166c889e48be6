"""The benchmark's rows and the table they print: mutants, wall seconds, mutants/s, peak MB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.figures import rate


@dataclass
class Row:
    name: str
    mutants: int
    wall_s: float | None
    note: str = ""
    peak_mb: float | None = None  # the tree's peak PSS during the run (bench/memory.py)

    def cells(self) -> list[str]:
        peak = "-" if self.peak_mb is None else f"{self.peak_mb:.0f}"
        if self.wall_s is None:
            return [self.name, str(self.mutants), "-", "-", peak, self.note]
        wall = f"{self.wall_s:.1f}"
        per_second = rate(self.mutants, self.wall_s)
        return [self.name, str(self.mutants), wall, f"{per_second:.2f}", peak, self.note]


def table(title: str, rows: Sequence[Row]) -> str:
    header = ["", "mutants", "wall s", "mutants/s", "peak MB", ""]
    body = [header, *(row.cells() for row in rows)]
    widths = [max(len(r[i]) for r in body) for i in range(len(header))]
    lines = [title, "-" * len(title)]
    for r in body:
        lines.append(
            "  ".join(
                c.ljust(w) if i in (0, 5) else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)
