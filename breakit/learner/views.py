"""The learner's terminal views (rich): why it was caught, the prediction's score, progress, the
tree's breakages. Called by the CLI only; nothing here runs tests or changes files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breakit.core.model import Mutation, Outcome, SuiteRun
from breakit.learner.exercise_progress import ExerciseState, progress_line
from breakit.learner.predict import Score
from breakit.learner.tree import FileState, Written
from breakit.learner.why import CatchKind, Why
from breakit.reports.terminal import short_nodeid

if TYPE_CHECKING:
    from breakit.triage.value import Triage

KIND_STYLE = {
    CatchKind.ASSERTION: "green",
    CatchKind.SERVER_ERROR: "yellow",
    CatchKind.CRASH: "yellow",
    CatchKind.ERRORED: "yellow",
}
KIND_NOTE = {
    CatchKind.ASSERTION: "an assert noticed",
    CatchKind.SERVER_ERROR: "an assert noticed, on a 500: the app crashed",
    CatchKind.CRASH: "only because something crashed, not an assert",
    CatchKind.ERRORED: "it could not even run (setup failed)",
}
STATE_STYLE = {
    ExerciseState.NOT_TRIED: "dim",
    ExerciseState.SURVIVED: "bold red",
    ExerciseState.WRITTEN: "yellow",
    ExerciseState.CAUGHT: "green",
    ExerciseState.PREDICTED_RIGHT: "bold green",
    ExerciseState.FIXED: "bold green",
}


def render_why(
    console: Console,
    whys: Sequence[Why],
    tests: Sequence[str],
    alone: Mapping[str, Outcome] | None = None,
) -> None:
    """Per catching test: how it caught it, the failing line and values, the HTTP request."""
    if not whys:
        return
    console.print("[bold]Why it was caught[/]")
    for why in whys:
        style = KIND_STYLE[why.kind]
        console.print(
            f"  [bold]{escape(short_nodeid(why.nodeid, tests))}[/]  "
            f"[{style}]{why.kind.value}[/] [dim]({KIND_NOTE[why.kind]})[/]"
        )
        if why.line:
            console.print(f"      line   {escape(why.line)}")
        for detail in why.details[:2]:
            console.print(
                f"      got    {escape(detail)}",
                style="dim" if detail is not why.details[0] else None,
            )
        if why.last_request is not None:
            more = len(why.requests) - 1
            extra = f"  [dim](its last of {len(why.requests)} requests)[/]" if more else ""
            console.print(f"      http   {escape(str(why.last_request))}{extra}")
        if alone is not None and why.nodeid in alone:
            if alone[why.nodeid] is Outcome.MISSED:
                console.print(
                    "      [yellow]alone  passes alone, fails together[/] [dim](it "
                    "depends on what the tests before it left behind)[/]"
                )
            else:
                console.print(f"      alone  {alone[why.nodeid].value} when run alone too")
    console.print()


# What to do next, per triage class (breakit.triage.value).
TRIAGE_NEXT = {
    "told_apart_not_checked": "add the assertion that test is missing, then apply it again",
    "reached_test": "add the assertion that test is missing, then apply it again",
    "absorbed": "give that test an input for which the call's result differs, then apply it again",
    "never_told_apart": "write a test with the input that tells them apart, then apply it again",
    "not_comparable": "assert what that code does (its effect) in one of those tests",
    "not_triaged": "its triage could not run (the note says why): read its diff and its tests",
}


def render_why_not_noticed(console: Console, triage: Triage) -> None:
    """A surviving breakage: why no test noticed it, and where the test that would goes."""
    console.print("[bold]Why no test noticed[/] (its tests ran once more, on the original code):")
    for line in triage.lines(assertion=False):
        console.print(f"  {escape(line)}", soft_wrap=True, highlight=False)
    next_step = TRIAGE_NEXT[triage.followed_as or triage.kind]
    console.print(f"[bold]Alter it:[/] {escape(next_step)}.", highlight=False)
    if triage.assertion is not None:
        console.print(
            f"[dim]Stuck? `breakit suggest {escape(triage.mutant)}` prints the assertion that "
            "catches it, verified: try writing it yourself first.[/]",
            highlight=False,
        )


def render_command(console: Console, command: str) -> None:
    console.print(f"[dim]pytest ran, in a copy of the project:[/] {escape(command)}")


def render_prediction(console: Console, score: Score, tests: Sequence[str]) -> None:
    def names(items: Sequence[str]) -> str:
        return ", ".join(short_nodeid(n, tests) for n in items) or "-"

    console.print("[bold]Your prediction[/]")
    console.print(f"  [green]right[/]   {escape(names(score.right))}")
    console.print(
        f"  [red]missed[/]  {escape(names(score.missed))}  [dim](caught it, not predicted)[/]"
    )
    console.print(
        f"  [yellow]wrong[/]   {escape(names(score.wrong))}  [dim](predicted, did not catch it)[/]"
    )
    total = len(score.predicted | score.actual)
    if score.exact:
        console.print("  [bold green]Exactly right.[/]")
    else:
        console.print(f"  {len(score.right)} of {total} right.")
    console.print()


def render_choices(console: Console, options: Sequence[str], tests: Sequence[str]) -> None:
    console.print("[bold]Which tests will catch it?[/] The suite's tests:")
    for index, nodeid in enumerate(options, start=1):
        console.print(f"  {index:>3}  {escape(short_nodeid(nodeid, tests))}")


def render_exercises(
    console: Console,
    mutations: Sequence[Mutation],
    states: Mapping[str, ExerciseState],
    last_text: Mapping[str, tuple[str, str]],
) -> None:
    """The catalog as exercises: each one's state, its last result, and a progress line."""
    if not mutations:
        console.print("No curated mutations: \\[tool.breakit] mutations names no folder with any.")
        return
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("id", style="bold cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("state", no_wrap=True)
    table.add_column("last result", no_wrap=True)
    for mutation in mutations:
        state = states[mutation.id]
        text, style = last_text[mutation.id]
        table.add_row(
            escape(mutation.id),
            escape(mutation.title),
            f"[{STATE_STYLE[state]}]{state.value}[/]",
            f"[{style}]{text}[/]",
        )
    console.print(table)
    console.print()
    line = progress_line(states[m.id] for m in mutations)
    console.print(f"Progress {escape(line)}", highlight=False)
    following = next((m.id for m in mutations if states[m.id] is ExerciseState.NOT_TRIED), None)
    if following:
        console.print(f"Next: [bold]breakit apply {escape(following)} --predict[/]")


def render_status(console: Console, written: Sequence[Written]) -> None:
    if not written:
        console.print("No breakage is written in your tree.")
        console.print("[dim]`breakit apply ID --write` leaves one there for you to fix.[/]")
        return
    for item in written:
        if item.fixed:
            summary = "[green]fixed: every file is back to the original[/]"
        elif item.untouched:
            summary = "[red]in the tree, as written[/]"
        else:
            summary = "[yellow]being fixed: you have edited it[/]"
        console.print(f"[bold cyan]{escape(item.id)}[/]  {summary}")
        for file in item.files:
            style = {FileState.BROKEN: "red", FileState.RESTORED: "green"}.get(file.state, "yellow")
            deleted = (
                " (deleted)" if file.written_sha is None and file.state is FileState.BROKEN else ""
            )
            console.print(f"  [{style}]{file.state.value:<10}[/] {escape(file.path)}{deleted}")
    console.print(
        "\n[dim]`breakit verify` runs the suite on your tree; "
        "`breakit reset ID` (or --all) puts the originals back.[/]"
    )


def render_failures(console: Console, run: SuiteRun, names: Sequence[str]) -> None:
    for nodeid in names:
        outcome = run.outcomes[nodeid]
        message = escape(outcome.message or outcome.outcome.value)
        console.print(f"  [red]✘[/] {escape(short_nodeid(nodeid, run.order))}  [dim]{message}[/]")


def render_hints(console: Console, mutation: Mutation, shown: int) -> None:
    labels = ("nudge", "place", "fix")
    for index, hint in enumerate(mutation.hints[:shown]):
        label = (
            labels[index] if index < len(labels) and len(mutation.hints) == 3 else f"{index + 1}"
        )
        console.print(
            f"[bold]Hint {index + 1}/{len(mutation.hints)}[/] [dim]({label})[/]  {escape(hint)}"
        )
    if shown < len(mutation.hints):
        console.print(f"[dim]Run `breakit hint {escape(mutation.id)}` again for the next one.[/]")


def render_welcome(
    console: Console, catalog_size: int | None, first: str | None, project: Any
) -> None:
    console.print("[bold]breakit[/] — break the code on purpose, and see which tests notice.\n")
    console.print(
        "The exercise: pick a breakage, [bold]predict[/] which tests will catch it, run it and\n"
        "see [bold]why[/] each one failed; write it into your tree and [bold]fix[/] it; add code\n"
        "and tests of your own ([bold]alter[/] it); then [bold]explain[/] what you saw."
    )
    if catalog_size is None:
        console.print(f"\n[yellow]No breakit project here[/] ({escape(str(project))}).")
        console.print("Run breakit in a project with \\[tool.breakit] in its pyproject.toml.")
        return
    console.print(f"\n{catalog_size} breakages in the catalog. Start with:\n")
    console.print("  [bold]breakit list[/]                       the exercises and your progress")
    if first:
        console.print(f"  [bold]breakit apply {escape(first)} --predict[/]   your first one")
    console.print("\n[dim]`breakit --help` lists every command.[/]")
