"""Progress of a long `check`: mutants done, mutants/s and the time left.

On a terminal, `progress_bar` (rich's bar, its done-of-total and elapsed columns, and `RateColumn`);
elsewhere (a pipe, a CI log) `ProgressLines`, a plain line on stderr now and then. Both count the
rate over the mutants that ran: results reused from `.breakit/` arrive at once, at the start, and
would make the time left look far too short.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from breakit.model import MutantResult, Verdict
from breakit.reports.terminal import took_text


def progress_bar(console: Console) -> Progress:
    """The terminal's bar: `mutant-id ━━━━━━━━━━ 120/690 0:01:02 2.1/s ~4 min 10 s left`; update
    its task with `advance=1, ran=N` (N: the mutants that ran so far, not reused)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        RateColumn(),
        console=console,
        transient=True,
    )


class ProgressLines:
    """Progress where no bar can be drawn (a pipe, a CI log): a plain line every ~5 % of the
    mutants or every `every_s` seconds, whichever comes first, and one at the end:

        breakit: 120/690 mutants (3 survived), 2.1/s, ~4 min 10 s left

    With `each`, one line per mutant instead (its id, verdict and time). The rate and the time
    left count the mutants that ran: those reused from `.breakit/` come at once, at the start.
    A `phase` (`verify`: the oracle's runs of `--verify`) heads each line after `breakit:`, and
    leaves the survivors out (the run's verdicts were counted in its own lines).
    """

    STEPS = 20  # a line every 1/STEPS of the run

    def __init__(
        self,
        console: Console,
        total: int,
        *,
        each: bool = False,
        every_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        phase: str = "",
    ) -> None:
        self.console = console
        self.prefix = f"breakit: {phase} " if phase else "breakit: "
        self.total = total
        self.each = each
        self.every_s = every_s
        self.clock = clock
        self.started = self.last_at = clock()
        self.done = self.survived = self.last_step = self.reused = 0

    def __call__(self, result: MutantResult) -> None:
        self.done += 1
        self.reused += result.cached
        if self.prefix == "breakit: ":
            self.survived += result.verdict in (Verdict.SURVIVED, Verdict.NO_COVERAGE)
        now = self.clock()
        if self.each:
            self.console.print(
                f"{self.prefix}{self.done}/{self.total} {escape(result.mutant.id)}: "
                f"{result.verdict.value} ({took_text(result)})",
                highlight=False,
            )
            return
        step = self.done * self.STEPS // max(self.total, 1)
        if self.done >= self.total or step > self.last_step or now - self.last_at >= self.every_s:
            self.last_step, self.last_at = step, now
            self.console.print(self.line(now), highlight=False)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        survived = f" ({self.survived} survived)" if self.survived else ""
        head = f"{self.prefix}{self.done}/{self.total} mutants{survived}"
        if self.done >= self.total:
            return f"{head}, done in {duration_text(elapsed)}"
        rate, left = rate_and_left(self.done - self.reused, self.total - self.done, elapsed)
        if rate is None:
            return head
        return f"{head}, {rate:.1f}/s, ~{duration_text(left)} left"


def rate_and_left(ran: int, remaining: int, elapsed: float) -> tuple[float | None, float]:
    """Mutants per second over the `ran` that ran in `elapsed` seconds, and the seconds the
    `remaining` ones will take at that rate; (None, 0.0) before any mutant ran."""
    if ran <= 0 or elapsed <= 0:
        return None, 0.0
    rate = ran / elapsed
    return rate, remaining / rate


class RateColumn(ProgressColumn):
    """The progress bar's `2.1/s  ~4 min 10 s left`: from the task's `ran` field (the mutants
    that ran, not those reused from .breakit/) and its elapsed time; redrawn as the clock runs."""

    max_refresh = 0.5  # rich's TimeRemainingColumn's pace: a time left that does not flicker

    def render(self, task: Task) -> Text:
        ran = int(task.fields.get("ran", 0))
        remaining = int((task.total or 0) - task.completed)
        rate, left = rate_and_left(ran, remaining, task.elapsed or 0.0)
        if rate is None or task.finished:
            return Text("")
        return Text(f"{rate:.1f}/s  ~{duration_text(left)} left", style="progress.remaining")


def duration_text(seconds: float) -> str:
    """`12 s`, `4 min 05 s`, `25 min`, `1 h 05 min`: as precise as a person reading a log needs."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest:02d} min"
