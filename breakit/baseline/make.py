"""The baseline: the suite on the unmutated code, with per-test coverage of the source and the
modules it imports, and the engine record the mutants' runs need (breakit.engine.lab caches both).

Before the first mutant can start, a traced run of the whole suite must finish; on a machine with a
core to spare, the plain run that times the tests without the tracer (baseline.timing: only where
its times can shorten a timeout) runs next to it, in a copy of its own, rather than after it, and
is stopped as soon as the traced run shows it cannot pay (issue 24: a cold start near one plain
run).
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import replace

from breakit.baseline.django_project import missing_setup
from breakit.baseline.timing import UntracedTimes, timing_run_pays, untraced_times, with_untraced
from breakit.baseline.user_setup import plain_pytest_passes
from breakit.core.config import Config
from breakit.core.errors import BaselineFailedError, RecorderConflictError
from breakit.core.model import Baseline, SuiteRun
from breakit.core.run_records import CORE_ENV, Finish, Modules, RunRecord, SetAside, first
from breakit.runners.run_failure import baseline_failure
from breakit.runners.run_spec import Runner, RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.workspace import Workspace
from breakit.store.cache_keys import content_key
from breakit.store.engine_record import EngineRecord
from breakit.store.gateway import Store


def make_baseline(
    config: Config,
    workspace: Workspace,
    spec: RunSpec,
    key: str,
    *,
    project: frozenset[str],
    coverage: bool = True,
    runner: Runner | None = None,
) -> tuple[Baseline, EngineRecord]:
    """The Baseline under `key` and its engine record (modules a fork worker preloads, startup
    time, peak memory, what was set aside, and the untraced times where they pay). `spec` is the
    unmutated run's; `runner` one the lab was given, else a fresh pytest. Raises
    BaselineFailedError for a red suite, RecorderConflictError when only breakit's run fails."""
    traced = replace(spec, record_modules=True)
    if coverage and config.source:
        traced = replace(traced, coverage_source=config.source)
    plain = replace(spec, coverage_source=None, record_modules=False)
    # Untraced times can pay only where coverage.py's tracer records the coverage.
    ahead = runner is None and traced.coverage_source is not None and _coverage_py_traces()
    timing = _TimingRun(config, plain) if ahead and _spare_core() else None
    try:
        with workspace.mutated({}) as workdir:
            # Only a subprocess records coverage and modules: the baseline runs in one.
            run, records = (runner or SubprocessRunner()).run_with_records(workdir, traced)
        baseline = Baseline(tests=run.order, run=run, key=key)
        if run.error:
            with workspace.mutated({}) as workdir:
                if plain_pytest_passes(workdir, config):
                    raise RecorderConflictError(run.error)
        if run.error or baseline.failing or not run.order:
            raise missing_setup(config.root) or BaselineFailedError(baseline_failure(baseline))
        engine = engine_record(run, records, project)
        finish = first(records, Finish)
        if finish is not None and finish.coverage_traced and timing_run_pays(config, run):
            if timing is not None:
                engine = with_untraced(engine, timing.result())
            else:
                with workspace.mutated({}) as workdir:
                    times = untraced_times(runner or SubprocessRunner(), workdir, plain)
                engine = with_untraced(engine, times)
        return baseline, engine
    finally:
        if timing is not None:
            timing.stop()


def cached_or_made(
    config: Config,
    store: Store,
    workspace: Workspace,
    spec: RunSpec,
    *,
    use_cache: bool,
    project: frozenset[str],
    coverage: bool = True,
    runner: Runner | None = None,
) -> tuple[Baseline, EngineRecord]:
    """The baseline of the project as it is now (its content key) and its engine record: the
    cached ones if `use_cache` and they are there, else made (`make_baseline`) and cached."""
    key = content_key(config.root)
    cached = store.load_baseline(key) if use_cache else None
    if cached is not None:
        return cached, store.load_engine(key)
    # The unmutated suite runs as plain pytest would, under a ceiling only if one is set.
    plain = replace(spec, memory_limit_mb=config.memory_limit_mb or None)
    made = make_baseline(
        config, workspace, plain, key, project=project, coverage=coverage, runner=runner
    )
    store.save_baseline(*made)
    return made


def engine_record(run: SuiteRun, records: list[RunRecord], project: frozenset[str]) -> EngineRecord:
    """What the baseline's run tells the engine, besides the tests' outcomes."""
    modules = first(records, Modules)
    finish = first(records, Finish)
    set_aside = first(records, SetAside)
    imported = modules.names if modules else ()
    tests_s = sum(o.duration_s for o in run.outcomes.values())
    return EngineRecord(
        modules=tuple(m for m in imported if m.split(".")[0] not in project),
        startup_s=max(0.0, run.duration_s - tests_s),
        peak_rss_kb=finish.peak_rss_kb if finish else None,
        set_aside=set_aside.notes if set_aside else (),
    )


def _coverage_py_traces() -> bool:
    """Whether the test process records coverage with coverage.py's tracer (Python 3.11, or
    BREAKIT_COVERAGE_CORE=coverage) rather than sys.monitoring (breakit.inrun.coverage_map)."""
    return os.environ.get(CORE_ENV) == "coverage" or not hasattr(sys, "monitoring")


def _spare_core() -> bool:
    """Two runs at once only where each has a core (a shared core would slow the traced run)."""
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except AttributeError:  # not Linux
        return (os.cpu_count() or 1) >= 2


class _TimingRun:
    """The plain timing run, started at once in a copy of its own, in a thread."""

    def __init__(self, config: Config, spec: RunSpec) -> None:
        self._runner = SubprocessRunner()
        self._times: UntracedTimes | None = None
        self._workspace = Workspace(config.root)
        self._thread = threading.Thread(target=self._run, args=(spec,), daemon=True)
        self._thread.start()

    def _run(self, spec: RunSpec) -> None:
        try:
            with self._workspace as workspace, workspace.mutated({}) as workdir:
                self._times = untraced_times(self._runner, workdir, spec)
        except Exception:  # stopped, or broken: the traced times stand (longer timeouts)
            self._times = None

    def result(self) -> UntracedTimes | None:
        """The untraced times, once the run is over (None if it broke)."""
        self._thread.join()
        return self._times

    def stop(self) -> None:
        """Stop the run if it goes on (it did not pay, or the baseline failed), and wait."""
        if self._thread.is_alive():
            self._runner.close()
        self._thread.join()
