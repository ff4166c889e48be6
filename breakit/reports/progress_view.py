"""Progress of a long `check`: mutants done, mutants/s and the time left.

On a terminal, `progress_bar` (rich's bar, its done-of-total and elapsed columns, and `RateColumn`);
elsewhere (a pipe, a CI log) `ProgressLines`, a plain line on stderr now and then. Both count the
rate over the mutants that ran (`takes_time`): results reused from `.breakit/` and NoCoverage
verdicts (no test runs) arrive in bursts and would make the time left look far too short. Both
show the rate and the time left only once they mean something (`rate_and_left`): they are
measured from the first mutant that ran, since the time before it is set-up (the sanity run, the
NoCoverage proof, the workers starting), not mutants.
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
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from breakit.core.model import MutantResult, Verdict
from breakit.reports.terminal import took_text, uncaught_text, verdict_counts

# The time left is shown once at least ETA_MIN_RAN mutants ran after the first one and
# ETA_MIN_S seconds passed since it: a rate over fewer is noise.
ETA_MIN_RAN = 5
ETA_MIN_S = 5.0


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

        breakit: 120/690 mutants (3 Survived, 1 NoCoverage), 2.1/s, ~4 min 10 s left

    The counts are the summary line's (`terminal.verdict_counts`): each verdict not caught under
    its own name. With `each`, one line per mutant instead (its id, verdict and time). The rate
    and the time left count the mutants that ran (`Pace`). A `phase` (`verify`: the oracle's
    runs of `--verify`) heads each line after `breakit:`, and leaves the counts out (the run's
    verdicts were counted in its own lines).
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
        self.phase = phase
        self.prefix = f"breakit: {phase} " if phase else "breakit: "
        self.total = total
        self.each = each
        self.every_s = every_s
        self.clock = clock
        self.started = self.last_at = clock()
        self.done = self.last_step = 0
        self.verdicts: list[Verdict] = []
        self.pace = Pace()

    def __call__(self, result: MutantResult) -> None:
        self.done += 1
        if not self.phase:
            self.verdicts.append(result.verdict)
        now = self.clock()
        self.pace.add(result, now)
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
        uncaught = uncaught_text(verdict_counts(self.verdicts))
        head = f"{self.prefix}{self.done}/{self.total} mutants"
        head += f" ({uncaught})" if uncaught else ""
        if self.done >= self.total:
            return f"{head}, done in {duration_text(max(now - self.started, 0.0))}"
        rate, left = self.pace.estimate(self.total - self.done, now)
        if rate is None:
            return head
        return f"{head}, {rate:.1f}/s, ~{duration_text(left)} left"


def takes_time(result: MutantResult) -> bool:
    """A result that took a run of its own: not one reused from `.breakit/`, nor a NoCoverage
    (decided without running a test). Only these count in the rate."""
    return not result.cached and result.verdict is not Verdict.NO_COVERAGE


class Pace:
    """The rate and the time left of a run, from its results as they come: counted from the
    first that took time (`takes_time`), over every one after it (a mean over the whole run so
    far, so one slow mutant does not swing it), by the rule of `rate_and_left`."""

    def __init__(self) -> None:
        self.first_at: float | None = None
        self.ran = 0  # results that took time, after the first

    def add(self, result: MutantResult, now: float) -> None:
        if not takes_time(result):
            return
        if self.first_at is None:
            self.first_at = now
        else:
            self.ran += 1

    def estimate(self, remaining: int, now: float) -> tuple[float | None, float]:
        if self.first_at is None:
            return None, 0.0
        return rate_and_left(self.ran, remaining, now - self.first_at)


def rate_and_left(ran: int, remaining: int, elapsed: float) -> tuple[float | None, float]:
    """Mutants per second over the `ran` that ran in `elapsed` seconds (both counted from the
    first mutant that ran), and the seconds the `remaining` ones will take at that rate.

    (None, 0.0) until it means something: at least ETA_MIN_RAN mutants and ETA_MIN_S seconds.
    Before that a rate is a guess from one or two mutants, and the first of them may have waited
    on the workers starting: a 3.5-minute run once read "~2 h 48 min left"."""
    if ran < ETA_MIN_RAN or elapsed < ETA_MIN_S:
        return None, 0.0
    rate = ran / elapsed
    return rate, remaining / rate


class RateColumn(ProgressColumn):
    """The progress bar's `2.1/s  ~4 min 10 s left`: from the task's `ran` field (the mutants
    that took time, `takes_time`) and its elapsed time, both counted from when the column first
    saw a mutant that ran (as `Pace` does), by the rule of `rate_and_left`; redrawn as the clock
    runs."""

    max_refresh = 0.5  # rich's TimeRemainingColumn's pace: a time left that does not flicker

    def __init__(self) -> None:
        super().__init__()
        self._first: dict[TaskID, tuple[int, float]] = {}  # a task's (ran, elapsed) at its first

    def render(self, task: Task) -> Text:
        ran = int(task.fields.get("ran", 0))
        elapsed = task.elapsed or 0.0
        if ran <= 0 or task.finished:
            return Text("")
        first_ran, first_at = self._first.setdefault(task.id, (ran, elapsed))
        remaining = int((task.total or 0) - task.completed)
        rate, left = rate_and_left(ran - first_ran, remaining, elapsed - first_at)
        if rate is None:
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
