"""`breakit tests`: the Ranking (breakit.verdicts.ranking) as a terminal view and as its JSON
document (docs/json.md, "`breakit tests --json`")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from breakit.reports.terminal import short_nodeid
from breakit.verdicts.ranking import Ranking, TestRank

VERSION = 1
TOP = 20  # tests shown without -v: the table stays one screen on a 500-test suite
NAMED = 8  # tests named in a one-line list without -v


def ranking_document(ranking: Ranking) -> dict[str, Any]:
    """The JSON of `breakit tests --json`: the issue's shape, and a few fields more."""
    return {
        "version": VERSION,
        "tests": [_test_json(rank) for rank in ranking.tests],
        "redundant": list(ranking.redundant),
        "minimal_suite": list(ranking.minimal_suite),
        "subsuming": list(ranking.subsuming),
        "catches_none": list(ranking.catches_none),
        "subsumed_by": dict(ranking.subsumed_by),
        "mutants": ranking.mutants,
        "credited": len(ranking.credited),
        "uncredited": list(ranking.uncredited),
        "suite_s": _round(ranking.suite_s),
        "minimal_suite_s": _round(ranking.minimal_suite_s),
    }


def _test_json(rank: TestRank) -> dict[str, Any]:
    return {
        "id": rank.id,
        "caught": list(rank.caught),
        "only": list(rank.only),
        "duration_s": _round(rank.duration_s),
        "ran": rank.ran,
        "subsumed_by": rank.subsumed_by,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def render_ranking(console: Console, ranking: Ranking, *, verbose: bool = False) -> None:
    """The table of the top tests (every test with -v), then one line per answer."""
    noun = "breakages" if ranking.all_origins_curated else "mutants"
    ids = [rank.id for rank in ranking.tests]
    credited = len(ranking.credited)
    console.print(
        f"[bold]Tests ranked by what they catch[/] — the last check: {ranking.mutants} {noun}, "
        f"{credited} caught by a test; {len(ids)} tests",
        highlight=False,
    )
    if not ids:
        console.print("The last check ran no test.")
        return
    shown = ranking.tests if verbose else ranking.tests[:TOP]
    table = Table(box=None, pad_edge=False, show_edge=False)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("test", overflow="fold", ratio=1)
    table.add_column("caught", justify="right", no_wrap=True)
    table.add_column("only it", justify="right", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for place, rank in enumerate(shown, 1):
        only = f"[bold]{len(rank.only)}[/]" if rank.only else "[dim]0[/]"
        caught = str(len(rank.caught)) if rank.caught else "[red]0[/]"
        table.add_row(
            str(place), escape(short_nodeid(rank.id, ids)), caught, only, _seconds(rank.duration_s)
        )
    console.print(table)
    if len(shown) < len(ids):
        console.print(f"[dim]… {len(ids) - len(shown)} more tests (-v lists every one)[/]")
    console.print()
    for line in answers(ranking, noun, verbose=verbose):
        console.print(line, highlight=False)


def answers(ranking: Ranking, noun: str, *, verbose: bool = False) -> list[str]:
    """The lines under the table (rich markup, every name escaped)."""
    ids = [rank.id for rank in ranking.tests]
    credited = len(ranking.credited)
    lines = []
    best = ranking.tests[0]
    if best.caught:
        top = max(len(r.caught) for r in ranking.tests)
        most = [r for r in ranking.tests if len(r.caught) == top]
        lines.append(
            f"[bold]Catches the most:[/] {_names(most, ids, verbose)} ({top} of {credited} {noun})"
        )
    none = [ranking.test(t) for t in ranking.catches_none]
    if none:
        lines.append(f"[bold]Catch none[/] ({len(none)}): {_names(none, ids, verbose)}")
    else:
        lines.append(f"[bold]Catch none:[/] no test; every one catches at least one of the {noun}")
    nothing = f"; {len(none)} of them catch nothing" if none else ""
    lines.append(
        f"[bold]Redundant:[/] {len(ranking.redundant)} of {len(ids)} tests (each alone could go "
        f"without losing a catch: other tests catch all it catches{nothing})"
    )
    chosen, whole = ranking.minimal_suite_s, ranking.suite_s
    time_text = (
        f" in {_seconds(chosen)}, against {_seconds(whole)} for all {len(ids)}"
        if chosen is not None and whole is not None
        else ""
    )
    size = len(ranking.minimal_suite)
    lines.append(
        f"[bold]Minimal suite:[/] {size} test{'s' * (size != 1)} catch{'es' * (size == 1)} all "
        f"{credited} {noun} the suite catches{time_text} (`breakit tests --minimal` lists them)"
    )
    others = credited - len(ranking.subsuming)
    why = (
        f"review these: a suite that catches them catches the other {others}"
        if others
        else "no one is caught by every test that catches another"
    )
    lines.append(f"[bold]Subsuming {noun}:[/] {len(ranking.subsuming)} of {credited} ({why})")
    if ranking.uncredited:
        named = ", ".join(escape(m) for m in ranking.uncredited[: None if verbose else NAMED])
        more = len(ranking.uncredited) - (len(ranking.uncredited) if verbose else NAMED)
        tail = f", … {more} more" if more > 0 else ""
        lines.append(
            f"[bold]Detected, credited to no test[/] ({len(ranking.uncredited)}: timed out, or "
            f"failed only tests it added to the suite): {named}{tail}"
        )
    return lines


def _names(ranks: Sequence[TestRank], ids: Sequence[str], verbose: bool) -> str:
    shown = ranks if verbose else ranks[:NAMED]
    text = ", ".join(escape(short_nodeid(r.id, ids)) for r in shown)
    if len(shown) < len(ranks):
        text += f", … {len(ranks) - len(shown)} more (-v)"
    return text


def _seconds(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.2f} s" if value >= 1 else f"{value:.3f} s"
