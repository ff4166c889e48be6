"""What breakit shows in a terminal (rich), the pieces every view shares: the consoles and the
spinner, the styles of outcomes and verdicts, and the short texts (a test's short name, many
names grouped, where a mutant is, how long it took, its diff, the verdict counts). The views
are beside it: `check_view` (a whole run), `mutant_view` (one mutant), `list_view` (the
generated mutants)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from breakit.core.model import Mutant, MutantResult, Outcome, Verdict

if TYPE_CHECKING:
    from breakit.runners.fork.warm_client import PoolInfo

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


def render_diff(console: Console, diff: str) -> None:
    if console.is_terminal:
        from rich.syntax import Syntax  # pygments: only to colour a diff

        console.print(Syntax(diff, "diff", theme="ansi_dark", background_color="default"))
    else:
        console.out(diff, end="", highlight=False)


def location_text(mutant: Mutant, *, short: bool = False) -> str:
    """`path:line:column` of the change; `file.py:line` when short."""
    loc = mutant.location
    if loc is None:
        return ", ".join(mutant.paths)
    if short:
        return f"{loc.path.rsplit('/', 1)[-1]}:{loc.start_line}"
    return f"{loc.path}:{loc.start_line}:{loc.start_column}"


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


def verdict_counts(verdicts: Iterable[Verdict]) -> dict[Verdict, int]:
    """How many of each verdict, in the order first met: what the summary line counts, and the
    progress lines (breakit.reports.progress_view) with it."""
    counts: dict[Verdict, int] = {}
    for verdict in verdicts:
        counts[verdict] = counts.get(verdict, 0) + 1
    return counts


def uncaught_text(counts: Mapping[Verdict, int]) -> str:
    """`38 Survived, 10 NoCoverage`: the verdicts not caught, named as the summary line names
    them; "" when there are none."""
    return ", ".join(f"{counts[v]} {v.value}" for v in UNCAUGHT if counts.get(v))


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
