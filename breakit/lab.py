"""The main loop: baseline, then each Mutant in the sandbox through the runner, into a KillMatrix.

The lab returns values and never prints: progress goes to the `on_result` callback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from breakit.config import Config
from breakit.errors import BaselineFailedError
from breakit.model import Baseline, KillMatrix, Mutant, MutantResult
from breakit.runner import Runner, RunSpec, SubprocessRunner
from breakit.sandbox import Workspace
from breakit.state import State, content_key
from breakit.verdict import judge, outcomes_for

OnResult = Callable[[MutantResult], None]


@dataclass
class Lab:
    config: Config
    runner: Runner = field(default_factory=SubprocessRunner)
    use_cache: bool = True

    def __post_init__(self) -> None:
        self.state = State(self.config.root)
        self._workspace: Workspace | None = None

    @contextmanager
    def session(self) -> Iterator[Lab]:
        """One copy of the project for the whole session; removed on exit, also on Ctrl-C."""
        with Workspace(self.config.root) as workspace:
            self._workspace = workspace
            try:
                yield self
            finally:
                self._workspace = None

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("Lab.session() must be entered first")
        return self._workspace

    def spec(self, timeout_s: float | None = None) -> RunSpec:
        return RunSpec(
            test_args=self.config.tests, timeout_s=timeout_s, extra_args=self.config.pytest_args
        )

    def baseline(self) -> Baseline:
        """The suite on the unmutated code (cached while source and tests are unchanged)."""
        key = content_key(self.config.root)
        cached = self.state.load_baseline(key) if self.use_cache else None
        if cached is not None:
            return cached
        with self.workspace.mutated({}) as workdir:
            run = self.runner.run(workdir, self.spec())
        baseline = Baseline(tests=run.order, run=run, key=key)
        if run.error or baseline.failing or not run.order:
            raise BaselineFailedError(baseline_failure(baseline))
        self.state.save_baseline(baseline)
        return baseline

    def timeout_for(self, baseline: Baseline) -> float:
        return self.config.timeout_factor * baseline.duration_s + self.config.timeout_min_s

    def run_mutant(self, mutant: Mutant, baseline: Baseline) -> MutantResult:
        started = time.perf_counter()
        with self.workspace.mutated(mutant.changes) as workdir:
            run = self.runner.run(workdir, self.spec(self.timeout_for(baseline)))
        tests = outcomes_for(run, baseline.tests)
        verdict, error = judge(run, tests)
        return MutantResult(
            mutant=mutant,
            verdict=verdict,
            tests=tests,
            order=run.order,
            duration_s=time.perf_counter() - started,
            error=error,
        )

    def run(
        self, mutants: Sequence[Mutant], baseline: Baseline, on_result: OnResult | None = None
    ) -> KillMatrix:
        results = []
        for mutant in mutants:
            result = self.run_mutant(mutant, baseline)
            results.append(result)
            if on_result is not None:
                on_result(result)
        matrix = KillMatrix(tests=baseline.tests, results=tuple(results))
        self.state.record(matrix)
        return matrix


def baseline_failure(baseline: Baseline) -> str:
    """One line naming what is wrong with a red baseline."""
    run = baseline.run
    if run.error:
        return f"the suite does not run on the unmutated code: {run.error}"
    if not run.order:
        return "the suite collected no tests: check [tool.breakit] tests"
    failing = list(baseline.failing)
    names = ", ".join(f"{o.nodeid} ({o.message or o.outcome.value})" for o in failing[:5])
    more = f" and {len(failing) - 5} more" if len(failing) > 5 else ""
    return f"the suite fails on the unmutated code, fix it first: {names}{more}"
