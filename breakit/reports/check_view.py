"""A whole run in a terminal, as `check` and `merge` end: the results table (or, for many
mutants, the verdict counts per operator), the catching tests with -v, the answer keys that do
not match, each survivor (those that are entries of one table of data as one finding) and each
broken mutant, then the summary line and the score gate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breakit.core.model import KillMatrix, Outcome, Verdict
from breakit.reports.data_tables import TableFinding, finding_line, table_findings
from breakit.reports.mutant_view import render_survivor, render_triage
from breakit.reports.terminal import (
    OUTCOME_STYLE,
    UNCAUGHT,
    VERDICT_STYLE,
    location_text,
    render_diff,
    short_nodeid,
    took_text,
    verdict_counts,
)

if TYPE_CHECKING:
    from breakit.triage.value import Triage


def render_check(
    console: Console,
    matrix: KillMatrix,
    key_mismatches: Mapping[str, tuple[set[str], set[str]]],
    *,
    verbose: bool = False,
    triage: Mapping[str, Triage] | None = None,
) -> None:
    if len(matrix.results) > 40 and not verbose:
        render_verdict_counts(console, matrix)
    elif matrix.results:  # none: --max-time was spent before the first mutant
        render_results_table(console, matrix)
    if verbose:
        render_catchers(console, matrix)
    for mutant_id, (missing, unexpected) in key_mismatches.items():
        console.print(
            f"\n[yellow]Answer key of {escape(mutant_id)} does not match the tests that "
            "catch it:[/]"
        )
        for nodeid in sorted(missing):
            console.print(f"  [red]- expected, did not catch[/] {escape(nodeid)}", soft_wrap=True)
        for nodeid in sorted(unexpected):
            console.print(f"  [green]+ caught, not in the key[/] {escape(nodeid)}", soft_wrap=True)
    survivors = [r for r in matrix.results if r.verdict in UNCAUGHT]
    tables = table_findings(r for r in survivors if r.verdict is Verdict.SURVIVED)
    for finding in tables:
        render_table_finding(console, finding, verbose=verbose)
    grouped = {r.mutant.id for finding in tables for r in finding.survivors}
    for result in survivors:
        if result.mutant.id in grouped:
            continue
        render_survivor(console, result, matrix.tests, verbose=verbose)
        found = (triage or {}).get(result.mutant.id)
        if found is not None:
            render_triage(console, found)
    render_broken(console, matrix, verbose=verbose)
    console.print()
    console.print(summary_line(matrix))


def render_table_finding(console: Console, finding: TableFinding, *, verbose: bool = False) -> None:
    """Survivors that are entries of one table (reports.data_tables): one finding, the first
    survivor as its example; with `verbose`, each of them."""
    console.print(f"\n[bold red]Survived[/] {escape(finding_line(finding))}", soft_wrap=True)
    example = finding.survivors[0]
    console.print(f"[dim]for example, {escape(example.mutant.id)}:[/]", soft_wrap=True)
    render_diff(console, example.mutant.diff)
    if verbose:
        for result in finding.survivors:
            where = location_text(result.mutant)
            text = f"  {result.mutant.id} {result.mutant.title} ({where})"
            console.print(f"[dim]{escape(text)}[/]", soft_wrap=True)
    else:
        console.print(f"[dim]-v lists all {len(finding.survivors)}[/]")


_BROKEN_SHOWN = 10  # CompileError / RuntimeError reasons listed without --verbose


def render_broken(console: Console, matrix: KillMatrix, *, verbose: bool = False) -> None:
    """Why each CompileError and RuntimeError mutant counts for nothing, one line each (its
    error's first line: `fails at import: KeyError: 'x' in 5 test modules`)."""
    broken = [
        r for r in matrix.results if r.verdict in (Verdict.COMPILE_ERROR, Verdict.RUNTIME_ERROR)
    ]
    if not broken:
        return
    console.print()
    shown = broken if verbose else broken[:_BROKEN_SHOWN]
    for result in shown:
        reason = (result.error or "").splitlines()[0] if result.error else ""
        console.print(
            f"[yellow]{result.verdict.value}[/] [bold]{escape(result.mutant.id)}[/]: "
            f"{escape(reason)}",
            soft_wrap=True,
        )
    if len(shown) < len(broken):
        console.print(f"[dim]… and {len(broken) - len(shown)} more (-v lists them)[/]")


def render_catchers(console: Console, matrix: KillMatrix) -> None:
    """--verbose: per detected mutant, every test that caught it and its failure line."""
    for result in matrix.results:
        detecting = [
            o for o in result.tests.values() if o.outcome in (Outcome.CAUGHT, Outcome.ERRORED)
        ]
        if not detecting:
            continue
        console.print(f"\n[bold]{escape(result.mutant.id)}[/] caught by {len(detecting)}:")
        for outcome in detecting:
            label, style = OUTCOME_STYLE[outcome.outcome]
            name = escape(short_nodeid(outcome.nodeid, matrix.tests))
            why = f" [dim]{escape(outcome.message)}[/]" if outcome.message else ""
            console.print(f"  [{style}]{label}[/] {name}{why}", soft_wrap=True)


def render_results_table(console: Console, matrix: KillMatrix) -> None:
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("id", style="bold", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    table.add_column("caught by", justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for result in matrix.results:
        style = VERDICT_STYLE[result.verdict]
        detected = len(result.catchers) + len(result.errored_in)
        table.add_row(
            escape(result.mutant.id),
            f"[{style}]{result.verdict.value}[/]",
            f"{detected}/{len(matrix.tests)}" if detected else "-",
            took_text(result),
        )
    console.print(table)


def render_verdict_counts(console: Console, matrix: KillMatrix) -> None:
    """Per operator (or `mutation` for the catalog): how many mutants got which verdict."""
    rows: dict[str, dict[Verdict, int]] = {}
    for result in matrix.results:
        counts = rows.setdefault(result.mutant.origin, {})
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
    shown = [v for v in Verdict if any(v in counts for counts in rows.values())]
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("operator", style="bold")
    for verdict in shown:
        table.add_column(verdict.value, justify="right", style=VERDICT_STYLE[verdict])
    for origin, counts in sorted(rows.items()):
        table.add_row(escape(origin), *(str(counts.get(v, "")) for v in shown))
    console.print(table)


def fail_under_line(matrix: KillMatrix, fail_under: float) -> str:
    score = matrix.score()
    if score is None:
        return "[yellow]no valid mutants: the score gate does not apply[/]"
    if score < fail_under:
        return f"[bold red]score {score:.1f}% is under --fail-under {fail_under:g}%[/]"
    return f"[green]score {score:.1f}% meets --fail-under {fail_under:g}%[/]"


def summary_line(matrix: KillMatrix) -> str:
    counts = verdict_counts(result.verdict for result in matrix.results)
    parts = [f"{n} {v.value}" for v, n in counts.items()]
    score = matrix.score()
    score_text = f", score {score:.1f}%" if score is not None else ""
    survived = counts.get(Verdict.SURVIVED, 0)
    colour = "red" if survived else "green"
    cached = sum(1 for result in matrix.results if result.cached)
    reused = f" [dim]({cached} reused from .breakit/)[/]"
    counted = f": {', '.join(parts)}" if parts else ""
    line = f"[{colour}]{len(matrix.results)} mutants{counted}{score_text}[/]"
    # A partial matrix: the catching tests shown are the first of each (docs/json.md, "matrix").
    partial = " [dim](first-catch: each stopped at its first catching test)[/]"
    line += (reused if cached else "") + (partial if matrix.first_catch else "")
    return line + unchecked_text(matrix)


def unchecked_text(matrix: KillMatrix) -> str:
    """`--max-time` spent: how many mutants were never started, counted apart from the verdicts
    (the next run takes them up); empty when none."""
    if not matrix.unchecked:
        return ""
    left = len(matrix.unchecked)
    return (
        f"\n[yellow]{left} mutant{'s' if left != 1 else ''} unchecked: --max-time spent before "
        "they started; the next run checks them[/]"
    )
