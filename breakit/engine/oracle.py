"""The oracle: each mutant in a fresh copy, the whole suite in a plain `python -m pytest`.

It is the slow, obviously right way to run a mutant. `--verify` (and the benchmark) compare the
fast engine's KillMatrix with it test for test: a test the engine ran must have the same outcome;
a test it did not run (NOT_RUN: not selected, or NoCoverage) must pass in the oracle. Any
difference is an `EngineMismatchError`: a wrong verdict is worse than a slow one.

When a test process dies during a test, the engine runs the tests after it in a fresh process;
the oracle, a plain pytest, stops there (the test is caught with how the process died, the
later tests are not run), so those later tests are not compared: plain pytest has nothing to
say about them. A first-catch matrix (`KillMatrix.first_catch`) stops each Killed mutant at its
first catch: its tests not run are not compared either, and a Killed there may be the oracle's
Timeout (a test caught it before another hung: README, "Which mode where"). A fast Timeout is
the oracle's Killed when the test it stopped failed in the oracle only after running longer than
the fast run waited for it: the oracle's limit, the whole suite's, is longer, and both catch it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breakit.core.errors import EngineMismatchError
from breakit.core.model import Baseline, KillMatrix, Mutant, MutantResult, NotRun, Outcome, Verdict
from breakit.engine.verdict import mutant_result
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.workspace import Workspace


@dataclass(frozen=True)
class OracleSettings:
    """What the oracle needs (Lab.oracle_settings): the project, and the run of the whole suite
    with a mutant's timeout — plain pytest, but under the same memory ceiling, so a mutant that
    allocates without bound cannot take the machine down when it is checked either."""

    root: Path
    spec: RunSpec
    jobs: int = 1  # mutants checked at a time by check_against_oracle


def oracle_result(settings: OracleSettings, mutant: Mutant, baseline: Baseline) -> MutantResult:
    """`mutant` in a fresh copy of the project, with the whole suite in a fresh pytest."""
    started = time.perf_counter()
    spec = settings.spec
    with Workspace(settings.root) as fresh, fresh.mutated(mutant.changes) as workdir:
        run = SubprocessRunner(restart=False).run(workdir, spec)
    return mutant_result(mutant, run, baseline.tests, time.perf_counter() - started)


def oracle_matrix(
    settings: OracleSettings,
    mutants: Sequence[Mutant],
    baseline: Baseline,
    *,
    jobs: int = 1,
    on_result: Callable[[MutantResult], None] | None = None,
) -> KillMatrix:
    """Every mutant through `oracle_result`, `jobs` at a time, in input order; `on_result` gets
    each result as it finishes, in the calling thread."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            pool.submit(oracle_result, settings, mutant, baseline): index
            for index, mutant in enumerate(mutants)
        }
        results: list[MutantResult | None] = [None] * len(mutants)
        for future in as_completed(futures):
            results[futures[future]] = result = future.result()
            if on_result is not None:
                on_result(result)
    return KillMatrix(tests=baseline.tests, results=tuple(r for r in results if r is not None))


def differences(fast: MutantResult, oracle: MutantResult, *, partial: bool = False) -> list[str]:
    """How the engine's result for one mutant differs from the oracle's (empty: they agree).
    `partial`: `fast` comes from a first-catch run (see the module docstring)."""
    found = []
    stopped = partial and fast.verdict is Verdict.KILLED
    past_the_limit = _failed_past_the_limit(fast, oracle)
    same_verdict = (
        fast.verdict is oracle.verdict
        or (fast.verdict is Verdict.NO_COVERAGE and oracle.verdict is Verdict.SURVIVED)
        or (stopped and oracle.verdict is Verdict.TIMEOUT)
        or past_the_limit
    )
    if not same_verdict:
        found.append(f"verdict {fast.verdict.value}, the oracle says {oracle.verdict.value}")
    if Verdict.TIMEOUT in (fast.verdict, oracle.verdict) and not past_the_limit:
        return found  # the tests after the one that hung never ran: nothing more to compare
    for nodeid, expected in oracle.tests.items():
        if expected.outcome is Outcome.NOT_RUN and expected.not_run is NotRun.AFTER_DEATH:
            continue  # the oracle's pytest died before this test (see the module docstring)
        got = fast.tests.get(nodeid)
        outcome = got.outcome if got else Outcome.NOT_RUN
        if outcome is Outcome.NOT_RUN:
            if stopped or past_the_limit:
                continue  # not run after the stop, whatever it would have done
            if expected.outcome not in (Outcome.MISSED, Outcome.NOT_RUN):
                found.append(f"{nodeid}: not run, but {expected.outcome.value} in the oracle")
        elif outcome is not expected.outcome:
            found.append(f"{nodeid}: {outcome.value}, {expected.outcome.value} in the oracle")
    return found


def _failed_past_the_limit(fast: MutantResult, oracle: MutantResult) -> bool:
    """A Timeout the oracle calls Killed only because its limit is longer: the test the fast
    run was stopped in failed in the oracle (ran out of memory, say) after running longer than
    the fast run waited for it. Both verdicts catch the mutant, and plain pytest, with no limit,
    fails (more-itertools' `_factor_pollard` loop skipped: `factor` grows its list without end,
    past a 15 s timeout in breakit, into the memory ceiling in the oracle's longer one)."""
    if fast.verdict is not Verdict.TIMEOUT or oracle.verdict is not Verdict.KILLED:
        return False
    hung = [
        nodeid
        for nodeid, outcome in fast.tests.items()
        if outcome.outcome is Outcome.NOT_RUN and outcome.not_run is NotRun.STOPPED_DURING
    ]
    finished = sum(o.duration_s for o in fast.tests.values() if o.outcome is not Outcome.NOT_RUN)
    waited = fast.duration_s - finished  # its time in the hung test, and its start-up: no less
    return len(hung) == 1 and (
        (failed := oracle.tests.get(hung[0])) is not None
        and failed.outcome in (Outcome.CAUGHT, Outcome.ERRORED)
        and failed.duration_s >= waited
    )


def compare(fast: KillMatrix, oracle: KillMatrix) -> dict[str, list[str]]:
    """Per mutant id, the differences between the two matrices (only mutants that differ)."""
    by_id = {r.mutant.id: r for r in oracle.results}
    mismatches = {}
    for result in fast.results:
        found = differences(result, by_id[result.mutant.id], partial=fast.first_catch)
        if found:
            mismatches[result.mutant.id] = found
    return mismatches


@dataclass(frozen=True)
class Verification:
    """What `--verify` found: how many mutants the oracle ran again, and per mutant id that
    disagrees, how (`differences`). JSON `verify` (docs/json.md); the CLI's closing line.
    `matrix` is the fast engine's, the one checked (a disagreeing one is never kept)."""

    checked: int
    mismatches: Mapping[str, list[str]] = field(default_factory=dict)
    matrix: KillMatrix | None = field(default=None, compare=False, repr=False)

    @property
    def agree(self) -> int:
        return self.checked - len(self.mismatches)

    def line(self) -> str:
        """`verify: 248/248 mutants agree with a fresh plain pytest`."""
        if not self.mismatches:
            return f"verify: {self.agree}/{self.checked} mutants agree with a fresh plain pytest"
        return (
            f"verify: {len(self.mismatches)} of {self.checked} mutants disagree with a fresh "
            "plain pytest"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "agree": self.agree,
            "disagree": [
                {"id": mid, "differences": list(found)} for mid, found in self.mismatches.items()
            ],
        }

    def error(self) -> EngineMismatchError:
        """The error a disagreement exits with (70), listing every difference."""
        lines = [f"  {mid}: {'; '.join(found)}" for mid, found in self.mismatches.items()]
        return EngineMismatchError(
            f"the fast engine disagrees with the oracle (a fresh pytest per mutant) on "
            f"{len(self.mismatches)} of {self.checked} mutants — its verdicts cannot be "
            "trusted:\n" + "\n".join(lines),
            hint="run again with --backend subprocess, and please report this with the diff",
        )


def verify(
    settings: OracleSettings,
    matrix: KillMatrix,
    baseline: Baseline,
    *,
    on_result: Callable[[MutantResult], None] | None = None,
) -> Verification:
    """Every mutant of `matrix` again through the oracle (`on_result` gets each oracle result as
    it finishes), compared test by test."""
    mutants = [r.mutant for r in matrix.results]
    oracle = oracle_matrix(settings, mutants, baseline, jobs=settings.jobs, on_result=on_result)
    return Verification(len(mutants), compare(matrix, oracle), matrix)
