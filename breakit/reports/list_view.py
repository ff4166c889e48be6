"""`breakit list --generated` in a terminal: each generated mutant, where it is, what it
changes and its last result; and that last result's text, which the catalog's list shows too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breakit.core.model import Mutant, Verdict
from breakit.reports.terminal import VERDICT_STYLE, location_text


def last_result_text(known: Mapping[str, Any] | None) -> tuple[str, str]:
    if not known:
        return "not run yet", "dim"
    verdict = Verdict(known["verdict"])
    if verdict in (Verdict.KILLED, Verdict.TIMEOUT):
        n = len(known.get("caught_by") or ()) + len(known.get("errored_in") or ())
        if verdict is Verdict.TIMEOUT:
            return "caught (timeout)", "green"
        return f"caught by {n} test{'s' if n != 1 else ''}", "green"
    return verdict.value.lower() if verdict is Verdict.SURVIVED else verdict.value, VERDICT_STYLE[
        verdict
    ]


def render_generated_list(
    console: Console,
    mutants: Sequence[Mutant],
    last: Mapping[str, Mapping[str, Any]],
    equivalent: Mapping[str, str],
) -> None:
    if not mutants:
        console.print("No generated mutants: check \\[tool.breakit] source and the filters.")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("id", style="cyan", overflow="fold", ratio=3)
    table.add_column("where", no_wrap=True)
    table.add_column("change", overflow="fold", ratio=2)
    table.add_column("last result", no_wrap=True)
    for mutant in mutants:
        if mutant.id in equivalent:
            text, style = "equivalent", "dim"
        else:
            text, style = last_result_text(last.get(mutant.id))
        table.add_row(
            escape(mutant.id),
            escape(location_text(mutant, short=True)),
            escape(mutant.title),
            f"[{style}]{text}[/]",
        )
    console.print(table)
    operators: dict[str, int] = {}
    for mutant in mutants:
        operators[mutant.origin] = operators.get(mutant.origin, 0) + 1
    counts = ", ".join(f"{name} {n}" for name, n in sorted(operators.items()))
    console.print(f"\n{len(mutants)} generated mutants ({escape(counts)})")
