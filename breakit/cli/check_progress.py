"""What `check` shows while its mutants run: a progress bar on a terminal, plain lines
elsewhere (breakit.reports.progress_view draws both); `progress` hands the lab what to call with
each result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.markup import escape

from breakit.cli.env import Env
from breakit.core.model import MutantResult

OnResult = Callable[[MutantResult], None]


@dataclass(frozen=True)
class Shown:
    """A check's progress: `mutant` gets each result of the run; with `--verify`, `verify(n)`
    starts the oracle's phase of n mutants and returns what gets each of its results."""

    mutant: OnResult
    verify: Callable[[int], OnResult]


@contextmanager
def progress(
    env: Env, total: int, *, quiet: bool = False, verbose: bool = False
) -> Iterator[Shown]:
    """A progress bar on a terminal; elsewhere (a pipe, CI logs, `--json | jq`) plain lines on
    stderr every ~5 % or 10 s (one per mutant with -v); both with mutants/s and the time left
    (breakit.reports.progress_view), for the mutants and then for `--verify`'s runs. Nothing with
    -q."""
    from breakit.reports.progress_view import ProgressLines, progress_bar, takes_time

    if quiet:
        yield Shown(lambda result: None, lambda count: lambda result: None)
        return
    if env.err.is_terminal:
        with progress_bar(env.err) as bar:
            tasks = [bar.add_task("mutants", total=total, ran=0)]

            def phase(prefix: str) -> OnResult:
                task, ran = tasks[-1], 0

                def advance(result: MutantResult) -> None:
                    nonlocal ran
                    ran += takes_time(result)
                    name = prefix + escape(result.mutant.id)
                    bar.update(task, advance=1, description=name, ran=ran)

                return advance

            def verify(count: int) -> OnResult:
                bar.remove_task(tasks[-1])
                tasks.append(bar.add_task("verify", total=count, ran=0))
                return phase("verify ")

            yield Shown(phase(""), verify)
        return
    yield Shown(
        ProgressLines(env.err, total, each=verbose),
        lambda count: ProgressLines(env.err, count, each=verbose, phase="verify"),
    )
