"""Comparing the fast engine's results with the oracle's, test by test."""

from __future__ import annotations

from breakit.core.model import (
    KillMatrix,
    Mutant,
    MutantResult,
    NotRun,
    Outcome,
    TestOutcome,
    Verdict,
)
from breakit.engine.oracle import compare, differences
from breakit.runners.suite_run import NOT_RUN_AFTER_DEATH, STOPPED_DURING

MUTANT = Mutant("m", "test", "m", {"a.py": "x = 2\n"}, {"a.py": "x = 1\n"})


def result(verdict: Verdict, **outcomes: Outcome) -> MutantResult:
    return MutantResult(MUTANT, verdict, {n: TestOutcome(n, o) for n, o in outcomes.items()})


def test_not_run_tests_must_pass_in_the_oracle() -> None:
    fast = result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.NOT_RUN)
    assert differences(fast, result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.MISSED)) == []
    found = differences(fast, result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.CAUGHT))
    assert found == ["t2: not run, but caught in the oracle"]


def test_tests_that_ran_must_agree() -> None:
    fast = result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.ERRORED)
    oracle = result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.CAUGHT)
    assert differences(fast, oracle) == ["t2: errored, caught in the oracle"]


def test_verdicts() -> None:
    unrun = result(Verdict.NO_COVERAGE, t1=Outcome.NOT_RUN)
    assert differences(unrun, result(Verdict.SURVIVED, t1=Outcome.MISSED)) == []
    survived = result(Verdict.SURVIVED, t1=Outcome.MISSED)
    found = differences(survived, result(Verdict.KILLED, t1=Outcome.CAUGHT))
    assert found == ["verdict Survived, the oracle says Killed", "t1: missed, caught in the oracle"]
    # After a timeout, the tests that never ran cannot be compared: the verdict must agree.
    timeout = result(Verdict.TIMEOUT, t1=Outcome.NOT_RUN)
    assert differences(timeout, result(Verdict.TIMEOUT, t1=Outcome.CAUGHT)) == []


def test_compare_names_only_the_mutants_that_differ() -> None:
    fast = KillMatrix(("t1",), (result(Verdict.SURVIVED, t1=Outcome.MISSED),))
    assert compare(fast, fast) == {}
    oracle = KillMatrix(("t1",), (result(Verdict.KILLED, t1=Outcome.CAUGHT),))
    assert list(compare(fast, oracle)) == ["m"]


def test_a_first_catch_result_is_compared_up_to_its_stop() -> None:
    # Killed at t1, t2 not run after the stop: t2 may do anything in the oracle's whole run.
    stopped = result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.NOT_RUN)
    oracle = result(Verdict.KILLED, t1=Outcome.CAUGHT, t2=Outcome.CAUGHT)
    assert differences(stopped, oracle, partial=True) == []
    # The one verdict rule of first-catch: a catch before a hang is Killed, the oracle's Timeout.
    timeout = result(Verdict.TIMEOUT, t1=Outcome.CAUGHT, t2=Outcome.NOT_RUN)
    assert differences(stopped, timeout, partial=True) == []
    assert differences(stopped, timeout) == ["verdict Killed, the oracle says Timeout"]
    # What ran must still agree, and a survivor ran everything: nothing else is let through.
    wrong = result(Verdict.KILLED, t1=Outcome.MISSED, t2=Outcome.CAUGHT)
    assert differences(stopped, wrong, partial=True) == ["t1: caught, missed in the oracle"]
    survived = result(Verdict.SURVIVED, t1=Outcome.MISSED, t2=Outcome.NOT_RUN)
    found = differences(survived, oracle, partial=True)
    assert found[0] == "verdict Survived, the oracle says Killed"
    partial = KillMatrix(("t1", "t2"), (stopped,), first_catch=True)
    assert compare(partial, KillMatrix(("t1", "t2"), (oracle,))) == {}


def test_a_timeout_the_oracle_saw_fail_later_agrees_only_past_the_limit() -> None:
    # The fast run waited 15 s in t2 and stopped it; the oracle, with the whole suite's longer
    # limit, saw t2 die of the memory ceiling after 30 s: both catch it, the limits differ.
    fast = MutantResult(
        MUTANT,
        Verdict.TIMEOUT,
        {
            "t1": TestOutcome("t1", Outcome.MISSED, duration_s=0.5),
            "t2": TestOutcome(
                "t2", Outcome.NOT_RUN, message=STOPPED_DURING, not_run=NotRun.STOPPED_DURING
            ),
            "t3": TestOutcome("t3", Outcome.NOT_RUN),
        },
        duration_s=15.6,
    )

    def oracle(t1: Outcome, t2_after_s: float) -> MutantResult:
        tests = {
            "t1": TestOutcome("t1", t1, duration_s=0.5),
            "t2": TestOutcome("t2", Outcome.CAUGHT, duration_s=t2_after_s),
            "t3": TestOutcome(
                "t3", Outcome.NOT_RUN, message=NOT_RUN_AFTER_DEATH, not_run=NotRun.AFTER_DEATH
            ),
        }
        return MutantResult(MUTANT, Verdict.KILLED, tests)

    assert differences(fast, oracle(Outcome.MISSED, 30.0)) == []
    # t2 failed in the oracle sooner than the fast run gave up on it: a real difference.
    assert differences(fast, oracle(Outcome.MISSED, 2.0)) == [
        "verdict Timeout, the oracle says Killed"
    ]
    # What the fast run finished must still agree.
    assert differences(fast, oracle(Outcome.CAUGHT, 30.0)) == ["t1: missed, caught in the oracle"]
