"""How long a mutant's tests may run: a multiple of their time on the unmutated code, measured
without tracing.

The baseline records per-test coverage. On 3.12+ its sys.monitoring core reports each line once per
test (breakit.inrun.line_events), so its times are a plain run's. coverage.py's tracer (Python 3.11,
or BREAKIT_COVERAGE_CORE=coverage) costs 1.5-7x on CPU-heavy tests (more-itertools' recipes: 211 s
against 32 s), and a hanging mutant would wait out `timeout_factor` times that: so after a traced
baseline the suite runs once more, plain, to time it (`untraced_times`, cached with the baseline in
its engine record), when that can matter (`timing_run_pays`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from breakit.core.config import Config
from breakit.core.model import Baseline, SuiteRun
from breakit.runners.run_spec import Runner, RunSpec
from breakit.store.engine_record import EngineRecord

# The constant absorbs what a run's time varies by besides its tests: a fresh child's import of
# the project and pytest's start most of all. A hot child has neither (it forks at its first
# test), so it gets a quarter of it: 2.5 s by default. On boltons two infinite loops among 1364
# mutants had cost 10 s each of a 2-worker run of 88 s.
HOT_CONSTANT_SHARE = 0.25


@dataclass(frozen=True)
class UntracedTimes:
    """What a plain run of the suite measured: each test's time, and the rest (startup)."""

    tests_s: Mapping[str, float]
    startup_s: float


def timing_run_pays(config: Config, run: SuiteRun) -> bool:
    """Whether untraced times could shorten a timeout by more than its constant: tracing slows
    only the time a test computes, so a plain run saves at most the traced CPU time, and a
    timeout at most `timeout_factor` times that. pyjwt's 475 tests compute for 1.8 s of their
    6.2 s (the rest is sleeps): a timing run would cost a plain run of the suite for under
    `timeout_min_s` of any timeout. more-itertools' recipes compute for most of their 211 s."""
    cpu = sum(o.duration_s if o.cpu_s is None else o.cpu_s for o in run.outcomes.values())
    return config.timeout_factor * cpu > config.timeout_min_s


def untraced_times(runner: Runner, workdir: Path, spec: RunSpec) -> UntracedTimes | None:
    """Each test's time and the suite's startup time, from one plain run of `spec` (no coverage)
    in `workdir`; None when that run broke."""
    run = runner.run(workdir, spec)
    times = {nodeid: o.duration_s for nodeid, o in run.outcomes.items()}
    if run.error or not times:
        return None  # the traced times stand: longer timeouts, never wrong verdicts
    return UntracedTimes(times, max(0.0, run.duration_s - sum(times.values())))


def with_untraced(record: EngineRecord, times: UntracedTimes | None) -> EngineRecord:
    """`record` with the untraced times in place of the traced ones, where a timing run gave
    them."""
    if times is None:
        return record
    return replace(record, untraced_s=times.tests_s, startup_s=times.startup_s)


def mutant_timeout(
    config: Config,
    engine: EngineRecord,
    baseline: Baseline,
    tests: Sequence[str] | None,
    *,
    hot: bool = False,
) -> float:
    """factor × (the tests' time + the suite's startup time) + a constant, the times being the
    untraced ones where the engine record has them; a `hot` run (breakit.runners.fork.hot) has no
    startup (it starts at its first test) and a quarter of the constant."""
    chosen = baseline.tests if tests is None else tests
    outcomes = baseline.run.outcomes
    untraced = engine.untraced_s
    tests_s = sum(untraced.get(n, outcomes[n].duration_s) for n in chosen if n in outcomes)
    startup = 0.0 if hot else engine.startup_s
    if startup is None:
        startup = max(0.0, baseline.duration_s - sum(o.duration_s for o in outcomes.values()))
    constant = config.timeout_min_s * HOT_CONSTANT_SHARE if hot else config.timeout_min_s
    return config.timeout_factor * (tests_s + startup) + constant
