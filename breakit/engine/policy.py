"""How one run's mutants run, decided once the baseline is known: `RunPolicy`, frozen, built by
`Lab.policy` and handed to the workers (breakit.engine.parallel), the trials (breakit.engine.trial)
and the NoCoverage proof (breakit.engine.no_coverage) in place of the Lab.

It answers every question a worker asks of a mutant: which tests it runs (its `TestPlan`), whether
a fork worker may run it hot, which tests first-catch tries first, under what timeout and memory
ceiling (`spec`), and under which key the sanity run and the proof are remembered. It writes
nothing: what a run finds comes back as values (breakit.engine.run_outcome).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from breakit.baseline.timing import mutant_timeout
from breakit.core.config import Config
from breakit.core.model import Baseline, Mutant
from breakit.engine.name_readers import NameReaders, read_while_importing, tests_to_try_first
from breakit.engine.order import KillerFirst
from breakit.engine.order_check import AloneOnOriginal
from breakit.engine.selection import WHOLE_SUITE, TestPlan, hot_eligible
from breakit.engine.selection import select_tests as tests_reaching
from breakit.runners import memlimit
from breakit.runners.run_spec import RunSpec
from breakit.store.engine_record import EngineRecord


def run_spec(
    config: Config,
    engine: EngineRecord,
    timeout_s: float | None = None,
    nodeids: Sequence[str] | None = None,
) -> RunSpec:
    """A run of `nodeids` (None: the whole suite) under `timeout_s`, with the project's test
    arguments and the memory ceiling the baseline's peak sets (breakit.runners.memlimit)."""
    return RunSpec(
        test_args=config.tests,
        timeout_s=timeout_s,
        extra_args=config.pytest_args,
        nodeids=None if nodeids is None else tuple(nodeids),
        memory_limit_mb=memlimit.limit_for(config.memory_limit_mb, engine.peak_rss_kb),
    )


@dataclass(frozen=True)
class RunPolicy:
    """One run's settings and what the baseline told it, frozen for its workers. The three
    objects it holds are shared memos, safe across threads: `name_readers` (which functions read
    a name), `alone_on_original` (which tests pass alone on the unmutated code) and
    `killer_first` (first-catch's order, learning from each result)."""

    config: Config
    baseline: Baseline
    engine: EngineRecord  # what the baseline's run told the engine (store.engine_record)
    backend: str  # "fork" or "subprocess"
    by_coverage: bool  # run only the tests whose coverage reaches a mutant's change
    hot: bool  # fork backend: body-only and module-level mutants in a collect-once session
    first_catch: bool  # each mutant stops at its first catching test
    batch_proofs: bool  # survivors proved on the whole suite in batches (engine.batch)
    sanity_key: str  # the forced-fail run's and the NoCoverage proof's (store.cache_keys)
    deadline: float | None  # time.monotonic() past which no mutant starts (`--max-time`)
    project_names: frozenset[str]  # the project's top-level modules (baseline.project_modules)
    name_readers: NameReaders
    alone_on_original: AloneOnOriginal
    killer_first: KillerFirst | None = None  # first-catch only

    def spec(self, timeout_s: float | None = None, nodeids: Sequence[str] | None = None) -> RunSpec:
        return run_spec(self.config, self.engine, timeout_s, nodeids)

    def timeout_for(self, tests: Sequence[str] | None = None, *, hot: bool = False) -> float:
        """How long `tests` (None: the whole suite) may run under a mutant (baseline.timing)."""
        return mutant_timeout(self.config, self.engine, self.baseline, tests, hot=hot)

    def plan(self, mutant: Mutant) -> TestPlan:
        """The tests `mutant` runs (engine.selection), the whole suite unless `by_coverage`."""
        if not self.by_coverage:
            return WHOLE_SUITE
        baseline = self.baseline
        return tests_reaching(mutant, baseline.run.coverage, baseline.tests, self.config.source)

    def whole_suite_first_pass(self, mutant: Mutant) -> tuple[str, ...] | None:
        """First-catch, for a mutant planned on the whole suite: the tests to try first
        (name_readers.tests_to_try_first); a survivor of them waits for a batched proof on the
        whole suite. None: run the whole suite at once (also when the full matrix is wanted: it
        needs every catching test). (): no test to try first: straight to the proof."""
        coverage = self.baseline.run.coverage
        if not (self.first_catch and self.batch_proofs and self.by_coverage) or coverage is None:
            return None
        return tests_to_try_first(mutant, coverage, self.baseline.tests, self.name_readers)

    def is_hot(self, mutant: Mutant) -> bool:
        """True if a fork worker may run `mutant` in its hot session (breakit.runners.fork.hot)."""
        coverage = self.baseline.run.coverage
        return (
            self.hot
            and self.backend == "fork"
            and hot_eligible(mutant, coverage, self.config.source)
            and not read_while_importing(mutant, coverage or {}, self.name_readers)
        )
