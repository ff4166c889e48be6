"""Judging one mutant: from a SuiteRun to a Verdict, test by test; NoCoverage without a run."""

from __future__ import annotations

from collections.abc import Iterable

from breakit.core.model import (
    Baseline,
    Mutant,
    MutantResult,
    Outcome,
    RunFailure,
    SuiteRun,
    TestOutcome,
    Verdict,
)


def outcomes_for(run: SuiteRun, tests: Iterable[str]) -> dict[str, TestOutcome]:
    """Every test of the baseline, in baseline order, plus any new ones the run reported.

    A baseline test the run did not report (deselected, or the run stopped) is NOT_RUN,
    never "missed": only a test that ran and passed missed the breakage.
    """
    result = {
        nodeid: run.outcomes.get(nodeid, TestOutcome(nodeid, Outcome.NOT_RUN)) for nodeid in tests
    }
    for nodeid, outcome in run.outcomes.items():
        result.setdefault(nodeid, outcome)
    return result


def judge(run: SuiteRun, tests: dict[str, TestOutcome]) -> tuple[Verdict, str | None]:
    """The verdict for a mutant whose suite run was `run`, and a line saying why where useful.

    A verdict claims what plain pytest does with the mutant (README, "What a verdict guarantees"). A
    test module that raises while it is collected (its own module-level code, a conftest.py, or the
    source it imports raising) makes plain pytest fail, naming it: that module is ERRORED
    (runners.run_failure.collection_failures) and the mutant Killed. What no file of the suite can
    be charged with does not count in the score (docs/json.md, "Verdicts that do not count"):
    CompileError, code that does not compile (a syntax error: no program to test); RuntimeError,
    pytest stopping on its own (a usage error while it reads its configuration, such as a
    `filterwarnings` class the mutant broke; an internal error; a process that died while
    collecting). The run's `failure` says which (a SYNTAX_ERROR is a CompileError when no test ran);
    their `error` is the first line of the run's, which says what failed.
    """
    if run.timed_out:
        return Verdict.TIMEOUT, _one_line(run.error) or "the tests did not finish in time"
    if any(o.outcome in (Outcome.CAUGHT, Outcome.ERRORED) for o in tests.values()):
        return Verdict.KILLED, None
    if run.error:
        nothing_ran = all(o.outcome is Outcome.NOT_RUN for o in tests.values())
        if nothing_ran and run.failure is RunFailure.SYNTAX_ERROR:
            return Verdict.COMPILE_ERROR, _one_line(run.error)
        return Verdict.RUNTIME_ERROR, _one_line(run.error)
    return Verdict.SURVIVED, None


def _one_line(error: str | None) -> str | None:
    """A run's error as a mutant's `error`: its first line (the rest, such as the traceback
    under a pytest usage error, only repeats it for a person reading a red baseline)."""
    if not error:
        return error
    return next((line.strip() for line in error.splitlines() if line.strip()), error.strip())


def mutant_result(
    mutant: Mutant, run: SuiteRun, tests: Iterable[str], duration_s: float
) -> MutantResult:
    """The MutantResult of one run of the suite (`tests`: the baseline's) against `mutant`."""
    outcomes = outcomes_for(run, tests)
    verdict, error = judge(run, outcomes)
    return MutantResult(
        mutant=mutant,
        verdict=verdict,
        tests=outcomes,
        order=run.order,
        duration_s=duration_s,
        error=error,
    )


def no_coverage(mutant: Mutant, baseline: Baseline) -> MutantResult:
    """No test and no import executes the mutant's lines: NoCoverage, without running."""
    tests = {nodeid: TestOutcome(nodeid, Outcome.NOT_RUN) for nodeid in baseline.tests}
    return MutantResult(
        mutant=mutant,
        verdict=Verdict.NO_COVERAGE,
        tests=tests,
        error="no test executes the changed lines",
    )
