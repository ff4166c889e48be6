"""What breakit shows in a terminal (rich): tables, verdicts and diffs, in 80 columns."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breakit.model import Baseline, KillMatrix, Mutant, MutantResult, Outcome, Verdict

if TYPE_CHECKING:
    from breakit.engine.fork.warm_client import PoolInfo
    from breakit.triage.value import Triage

OUTCOME_STYLE = {
    Outcome.CAUGHT: ("caught", "green"),
    Outcome.ERRORED: ("errored", "yellow"),
    Outcome.MISSED: ("missed", "red"),
    Outcome.NOT_RUN: ("not run", "dim"),
}
# What the summary line and the progress lines count as not caught, each under its own name.
UNCAUGHT = (Verdict.SURVIVED, Verdict.NO_COVERAGE)
VERDICT_STYLE = {
    Verdict.KILLED: "green",
    Verdict.TIMEOUT: "green",
    Verdict.SURVIVED: "bold red",
    Verdict.NO_COVERAGE: "red",
    Verdict.COMPILE_ERROR: "yellow",
    Verdict.RUNTIME_ERROR: "yellow",
    Verdict.IGNORED: "dim",
}


def short_nodeid(nodeid: str, tests: Sequence[str]) -> str:
    """A node id without the folder all tests share, to keep tables narrow."""
    folders = {t.split("::")[0].rpartition("/")[0] for t in tests}
    if len(folders) == 1:
        prefix = folders.pop() + "/"
        if prefix != "/" and nodeid.startswith(prefix):
            return nodeid[len(prefix) :]
    return nodeid


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


def render_diff(console: Console, diff: str) -> None:
    if console.is_terminal:
        from rich.syntax import Syntax  # pygments: only to colour a diff

        console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
    else:
        console.out(diff, end="", highlight=False)


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


def location_text(mutant: Mutant, *, short: bool = False) -> str:
    """`path:line:column` of the change; `file.py:line` when short."""
    loc = mutant.location
    if loc is None:
        return ", ".join(mutant.paths)
    if short:
        return f"{loc.path.rsplit('/', 1)[-1]}:{loc.start_line}"
    return f"{loc.path}:{loc.start_line}:{loc.start_column}"


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


def grouped_names(nodeids: Sequence[str], tests: Sequence[str], *, limit: int | None = None) -> str:
    """`test_todos.py: a, b ×3; test_users.py: c` — many test names in a few lines. With
    `limit`, the names that fit in about that many characters, then how many are left out."""
    groups: dict[str, Counter[str]] = {}
    for nodeid in nodeids:
        path, _, name = short_nodeid(nodeid, tests).partition("::")
        groups.setdefault(path, Counter())[name.split("[")[0]] += 1
    parts: list[str] = []
    used = shown = 0
    for path, counts in groups.items():
        taken: list[str] = []
        for name, n in counts.items():
            label = f"{name} ×{n}" if n > 1 else name
            if limit is not None and (parts or taken) and used + len(label) > limit:
                break
            taken.append(label)
            used += len(label) + 2
            shown += n
        if taken:
            parts.append(f"{path}: {', '.join(taken)}")
            used += len(path) + 2
        if len(taken) < len(counts):
            break
    if shown < len(nodeids):
        parts.append(f"… {len(nodeids) - shown} more (-v lists them)")
    return "; ".join(parts)


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
    else:
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
    for result in survivors:
        render_survivor(console, result, matrix.tests, verbose=verbose)
        found = (triage or {}).get(result.mutant.id)
        if found is not None:
            render_triage(console, found)
    render_broken(console, matrix, verbose=verbose)
    console.print()
    console.print(summary_line(matrix))


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


def fail_under_line(matrix: KillMatrix, fail_under: float) -> str:
    score = matrix.score()
    if score is None:
        return "[yellow]no valid mutants: the score gate does not apply[/]"
    if score < fail_under:
        return f"[bold red]score {score:.1f}% is under --fail-under {fail_under:g}%[/]"
    return f"[green]score {score:.1f}% meets --fail-under {fail_under:g}%[/]"


def verdict_counts(verdicts: Iterable[Verdict]) -> dict[Verdict, int]:
    """How many of each verdict, in the order first met: what the summary line counts, and the
    progress lines (breakit.reports.progress) with it."""
    counts: dict[Verdict, int] = {}
    for verdict in verdicts:
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def uncaught_text(counts: Mapping[Verdict, int]) -> str:
    """`38 Survived, 10 NoCoverage`: the verdicts not caught, named as the summary line names
    them; "" when there are none."""
    return ", ".join(f"{counts[v]} {v.value}" for v in UNCAUGHT if counts.get(v))


def summary_line(matrix: KillMatrix) -> str:
    counts = verdict_counts(result.verdict for result in matrix.results)
    parts = [f"{n} {v.value}" for v, n in counts.items()]
    score = matrix.score()
    score_text = f", score {score:.1f}%" if score is not None else ""
    survived = counts.get(Verdict.SURVIVED, 0)
    colour = "red" if survived else "green"
    cached = sum(1 for result in matrix.results if result.cached)
    reused = f" [dim]({cached} reused from .breakit/)[/]"
    line = f"[{colour}]{len(matrix.results)} mutants: {', '.join(parts)}{score_text}[/]"
    # A partial matrix: the catching tests shown are the first of each (docs/json.md, "matrix").
    partial = " [dim](first-catch: each stopped at its first catching test)[/]"
    return line + (reused if cached else "") + (partial if matrix.first_catch else "")


def took_text(result: MutantResult) -> str:
    """How long it took, or that its result was reused."""
    return "cached" if result.cached else f"{result.duration_s:.1f} s"


# Wide enough that nothing a pipe receives is wrapped or folded.
PIPE_WIDTH = 100_000


def make_console(*, stderr: bool = False, color: bool | None = None) -> Console:
    """A console for stdout or stderr. On a terminal, lines wrap at its width; on a pipe or in a
    file, nothing wraps (ids and paths stay whole, to copy or grep), whatever COLUMNS says."""
    no_color = color is False or (color is None and "NO_COLOR" in os.environ)
    console = Console(stderr=stderr, no_color=no_color, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


@contextmanager
def spinner(console: Console, text: str, *, pipe_line: bool = False) -> Iterator[None]:
    """A spinner on `console` while something runs, on a terminal only (CI logs stay clean);
    with `pipe_line`, elsewhere one plain line says what started. `text` is plain text."""
    if console.is_terminal:
        with console.status(escape(text)):
            yield
    else:
        if pipe_line:
            console.print(f"breakit: {escape(text)}", highlight=False)
        yield


def warm_pool_line(info: PoolInfo) -> str:
    """One warm pool, for `breakit warm status` and `start`."""
    idle = "in use" if info.workers else f"unused for {_minutes(info.idle_s)}"
    return (
        f"pid {info.pid}, up {_minutes(info.age_s)}, {idle} "
        f"(stops after {_minutes(info.stops_after_s)} unused)"
    )


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.0f} min"
