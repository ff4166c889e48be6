"""What every runner shares: `RunSpec` (what to run), the `Runner` protocol the lab drives, and
pytest's arguments, the same for every backend.

A runner runs the suite for a Baseline or a Mutant and returns a SuiteRun: `SubprocessRunner`
(breakit.runners.subprocess_runner) one fresh `python -m pytest` per run, `ForkRunner`
(breakit.runners.fork.client) a fork worker's child per run, or a hot session's.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from breakit.core.model import SuiteRun
from breakit.core.run_records import RunRecord
from breakit.core.wire import CoverageRequest, RunRequest

PLUGIN = "breakit.inrun.pytest_plugin"
LIFELINE = "breakit.inrun.lifeline"


@dataclass(frozen=True)
class RunSpec:
    """What to run: pytest arguments relative to the project root, and how long to allow."""

    test_args: tuple[str, ...]  # pytest args / paths / node ids, relative to the project root
    timeout_s: float | None = None  # kill the run (and its whole process group) after this long
    # …or after this long when it runs hot: a hot child starts at its first test, so its timeout
    # holds no startup time (baseline.timing); None: timeout_s.
    hot_timeout_s: float | None = None
    extra_args: tuple[str, ...] = ()  # from config.pytest_args
    nodeids: tuple[str, ...] | None = None  # run only these node ids (None: every test)
    # Baseline only: per-test coverage of these project-relative source paths
    # (SuiteRun.coverage), and the imported modules (the "modules" record).
    coverage_source: tuple[str, ...] | None = None
    record_modules: bool = False
    # The test process's memory ceiling in MB (breakit.runners.memlimit); None: none.
    memory_limit_mb: int | None = None
    # First-catch mode (breakit.engine.order): these tests first, in this order, the others after
    # them in collection order; and the run stops after the first test that catches or errors.
    order: tuple[str, ...] | None = None
    first_catch: bool = False


@dataclass
class RunStats:
    """What a runner did besides running: hot runs (breakit.runners.fork.hot), hot mutants the
    session refused and ran fresh (with why), workers forked from a warm pool, and survivors'
    proofs on the whole suite (breakit.engine.trial): batch runs, and survivors run alone."""

    hot_runs: int = 0
    fallbacks: int = 0
    fallback_reasons: list[str] = field(default_factory=list)
    warm: int = 0
    proof_batches: int = 0
    proofs_alone: int = 0
    # members of failed batches their failing test caught alone (trial.run_suspects)
    caught_by_failing_test: int = 0
    # kills a test gave out of file order that it cannot give alone: run again in file order
    runs_in_file_order: int = 0

    def add(self, other: RunStats) -> None:
        """`other`'s counts added to these (a closed runner's to the lab's)."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            setattr(self, name, mine + value)


class Runner(Protocol):
    """What the lab asks of a runner, whichever it is. One run at a time; `close` may come from
    another thread (Ctrl-C in a parallel run) and stops the run in progress."""

    stats: RunStats

    def start(self) -> None:
        """Get ready for the first run (a fork worker imports the suite's packages)."""
        ...

    def close(self) -> None: ...

    def run(self, workdir: Path, spec: RunSpec) -> SuiteRun: ...

    def run_with_records(self, workdir: Path, spec: RunSpec) -> tuple[SuiteRun, list[RunRecord]]:
        """The run, and the in-run plugin's records it was made from (the baseline's modules)."""
        ...

    def open_session(self, workdir: Path, spec: RunSpec) -> bool:
        """A hot session on `workdir`, unmutated (True), or none for this runner (False)."""
        ...

    def run_hot(self, workdir: Path, spec: RunSpec, changes: Mapping[str, str]) -> SuiteRun:
        """A hot mutant's run: its `changes` (inside function bodies, already in `workdir`)
        swapped into the open session, else a run like `run`'s."""
        ...

    def command(self, workdir: Path, spec: RunSpec) -> list[str]: ...


# Preloaded by a fork worker, a pytest plugin's package (anyio's, say) is already imported when
# pytest marks it for assertion rewriting; only that one warning is silenced, only in-process.
_PRELOADED_WARNING = (
    "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"
)


def pytest_args(workdir: Path, spec: RunSpec, *, in_process: bool = False) -> list[str]:
    """pytest's arguments for a run in `workdir`, the same for every backend.

    The user's plugins and options that would fight the engine (pytest-cov's `--cov`, xdist's
    `-n`, pytest-randomly's shuffling, `--lf`, `-x`, …) are set aside by breakit's plugin once
    pytest has parsed them (breakit.inrun.set_aside), not with `-p no:NAME` here: that would make
    the plugin's options in the user's `addopts` (`--randomly-seed`, `--lf`) unknown to pytest.
    `--rootdir` is pinned so node ids never depend on where the workspace is. `--tb=native`:
    pytest's long tracebacks re-read and re-parse the source of every frame (deep in FastAPI
    and SQLAlchemy), several seconds per failing mutant; Python's own traceback says the same
    (the config's pytest_args come after, and may choose another style).
    """
    return [
        # A pytest of its own dies with breakit (breakit.inrun.lifeline); a forked child is tied to
        # its worker by breakit.runners.fork.child instead.
        *(["-W", _PRELOADED_WARNING] if in_process else ["-p", PLUGIN, "-p", LIFELINE]),
        f"--rootdir={workdir}",
        "-q",
        "--tb=native",
        *spec.extra_args,
        *spec.test_args,
    ]


def run_request(
    workdir: Path,
    spec: RunSpec,
    *,
    in_process: bool = False,
    results: Path | None = None,
    coverage_out: Path | None = None,
) -> RunRequest:
    """The wire's request for `spec` in `workdir`, the one place a RunSpec becomes a RunRequest
    (both backends; the in-run plugin follows it). `results`: where a test process of its own
    writes its records; `coverage_out`: where its per-test coverage map goes, if `spec` asks."""
    coverage = None
    if spec.coverage_source is not None and coverage_out is not None:
        source = tuple(str(workdir / s) for s in spec.coverage_source)
        coverage = CoverageRequest(out=str(coverage_out), root=str(workdir), source=source)
    return RunRequest(
        workdir=str(workdir),
        args=tuple(pytest_args(workdir, spec, in_process=in_process)),
        timeout_s=spec.timeout_s,
        memory_limit_mb=spec.memory_limit_mb,
        nodeids=spec.nodeids,
        order=spec.order,
        first_catch=spec.first_catch,
        record_modules=spec.record_modules,
        coverage=coverage,
        results=None if results is None else str(results),
    )


class StartingRunner:
    """A runner whose `start` runs in a thread of its own, so that a worker imports the suite's
    packages while the caller does something else (Lab.start_workers)."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner
        self._failed = False
        self._thread = threading.Thread(target=self._start, daemon=True)

    def begin(self) -> None:
        """Start the runner, in its thread (once the caller holds this, to close it)."""
        self._thread.start()

    def _start(self) -> None:
        try:
            self._runner.start()
        except BaseException:  # the runner is closed; the lab makes a new one
            self._failed = True
            self._runner.close()

    def started(self) -> Runner | None:
        """The runner once its start is over; None if it failed (it is closed then)."""
        if self._thread.ident is not None:  # begun
            self._thread.join()
        return None if self._failed else self._runner
