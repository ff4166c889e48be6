"""One mutant in a terminal: `breakit show` (its question and diff), `breakit apply` (who
caught it and with what failure, its verdict line), and a survivor of `check` (its diff, the
tests that ran it, its triage)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breakit.core.model import Baseline, Mutant, MutantResult, Outcome, Verdict
from breakit.reports.terminal import (
    OUTCOME_STYLE,
    grouped_names,
    location_text,
    render_diff,
    short_nodeid,
    took_text,
)

if TYPE_CHECKING:
    from breakit.triage.value import Triage


def render_show(console: Console, mutant: Mutant) -> None:
    mutation = mutant.mutation
    console.print(f"[bold cyan]{escape(mutant.id)}[/] — {escape(mutant.title)}\n")
    if mutation is not None:
        console.print(f"[bold]Question[/]  {escape(mutation.question)}")
        if mutation.hints:
            console.print(f"[bold]Hint[/]      {escape(mutation.hints[0])}")
    else:
        console.print(f"[bold]Operator[/]  {escape(mutant.origin)}")
        if mutant.location is not None:
            console.print(f"[bold]Where[/]     {escape(location_text(mutant))}")
    console.print(f"[bold]Files[/]     {escape(', '.join(mutant.paths))}\n")
    render_diff(console, mutant.diff)
    console.print(f"\nRun it: [bold]breakit apply {escape(mutant.id)}[/]")


def render_apply(
    console: Console, result: MutantResult, baseline: Baseline, *, verbose: bool = False
) -> None:
    """Who caught the breakage and with what failure; the tests that missed it, compactly."""
    tests = baseline.tests
    detecting = [o for o in result.tests.values() if o.outcome in (Outcome.CAUGHT, Outcome.ERRORED)]
    if detecting:
        table = Table(box=None, pad_edge=False, show_edge=False)
        table.add_column("test", overflow="fold", ratio=2)
        table.add_column("result", no_wrap=True)
        table.add_column("why", overflow="fold", ratio=3)
        for outcome in detecting:
            label, style = OUTCOME_STYLE[outcome.outcome]
            table.add_row(
                escape(short_nodeid(outcome.nodeid, tests)),
                f"[{style}]{label}[/]",
                escape(outcome.message or ""),
            )
        console.print(table)
        console.print()
    for outcome_kind in (Outcome.MISSED, Outcome.NOT_RUN):
        names = [o.nodeid for o in result.tests.values() if o.outcome is outcome_kind]
        if not names:
            continue
        label, style = OUTCOME_STYLE[outcome_kind]
        console.print(f"[{style}]{label} ({len(names)}):[/]", end=" ")
        if verbose:
            console.print()
            for name in names:
                console.print(f"  {escape(short_nodeid(name, tests))}")
        else:
            console.print(escape(grouped_names(names, tests, limit=APPLY_NAMES_CHARS)), style="dim")
    console.print()
    console.print(verdict_line(result, len(tests)))
    if result.error and result.verdict is not Verdict.KILLED:
        console.print(f"[yellow]{escape(result.error)}[/]")
    console.print(
        "[dim]Tests ran in file order (breakit sets shuffling plugins aside); "
        "an order-dependent result can differ in another order.[/]"
    )


# `apply` names the tests that missed or did not run in about three lines; -v lists them all.
APPLY_NAMES_CHARS = 240


def verdict_line(result: MutantResult, total: int) -> str:
    name = escape(result.mutant.id)
    took = f"({took_text(result)})"
    if result.verdict is Verdict.KILLED:
        caught, errored = len(result.catchers), len(result.errored_in)
        extra = f", {errored} errored" if errored else ""
        return f"[green]✔ {name}[/] caught by [bold]{caught} of {total}[/] tests{extra} {took}"
    if result.verdict is Verdict.TIMEOUT:
        return f"[green]✔ {name}[/] caught: the tests hung and were stopped {took}"
    if result.verdict is Verdict.SURVIVED:
        ran = sum(o.outcome is Outcome.MISSED for o in result.tests.values())
        if ran == total:
            return f"[bold red]✘ {name} survived[/]: all {total} tests passed {took}"
        return (
            f"[bold red]✘ {name} survived[/]: the {ran} tests that ran it passed "
            f"({total - ran} of {total} did not run) {took}"
        )
    return f"[yellow]! {name}: {result.verdict.value}[/] {took}"


def render_survivor(
    console: Console, result: MutantResult, tests: Sequence[str], *, verbose: bool = False
) -> None:
    """A survivor with its diff and how many tests ran it without noticing (with `verbose`,
    which ones): where to add one. On a real suite that list runs to hundreds of names."""
    mutant = result.mutant
    console.print(
        f"\n[bold red]{result.verdict.value}[/] [bold]{escape(mutant.id)}[/] "
        f"{escape(mutant.title)} ({escape(location_text(mutant))})"
    )
    render_diff(console, mutant.diff)
    covered = [n for n, o in result.tests.items() if o.outcome is Outcome.MISSED]
    if covered and verbose:
        console.print(
            f"[dim]ran it and passed ({len(covered)}): {escape(grouped_names(covered, tests))}[/]"
        )
    elif covered:
        plural = "s" if len(covered) != 1 else ""
        console.print(f"[dim]{len(covered)} test{plural} ran it and passed (-v lists them)[/]")
    else:
        console.print("[dim]no test runs this code[/]")


def render_triage(console: Console, triage: Triage) -> None:
    """Why a survivor survived (breakit.triage), under it: its class and what to do."""
    style = {"told_apart_not_checked": "yellow", "never_told_apart": "cyan"}.get(triage.kind, "dim")
    for index, line in enumerate(triage.lines()):
        console.print(f"[{style if index == 0 else 'dim'}]{escape(line)}[/]", soft_wrap=True)
