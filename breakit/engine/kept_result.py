"""What the parent keeps of each mutant's result while a run goes on.

A run holds every result until its reports are written: on pyjwt (690 mutants, 475 tests) that was
327 750 test outcomes, nearly all of them passing or not run, and 76 MB of failure texts. A kept
result shares the baseline's own outcome object for each test that passed both times, and one
NOT_RUN object per test for the tests it did not run (one object per test, not one per mutant and
test), and keeps each failure text brief (breakit.core.failure_text: the lines the views read, not
the library frames between them).
"""

from __future__ import annotations

from dataclasses import replace

from breakit.core.failure_text import BRIEF_OVER, brief_longrepr
from breakit.core.model import Baseline, MutantResult, Outcome, TestOutcome

# A NOT_RUN outcome with nothing to say (deselected: its test does not reach the change) is the
# same for every mutant: one object per test.
_NOT_RUN: dict[str, TestOutcome] = {}


def compact_result(result: MutantResult, baseline: Baseline) -> MutantResult:
    """`result`, its passing tests' outcomes the baseline's (their own times dropped: nothing
    reads a passing test's time under a mutant) and its failure texts brief."""
    base = baseline.run.outcomes
    tests: dict[str, TestOutcome] = {}
    for nodeid, outcome in result.tests.items():
        shared = base.get(nodeid)
        if (
            shared is not None
            and shared.outcome is Outcome.MISSED
            and outcome.outcome is Outcome.MISSED
        ):
            tests[shared.nodeid] = shared  # passed both times
            continue
        if outcome.not_reached and shared is not None:
            tests[shared.nodeid] = _NOT_RUN.setdefault(
                shared.nodeid, TestOutcome(shared.nodeid, Outcome.NOT_RUN)
            )
            continue
        if outcome.longrepr is not None and len(outcome.longrepr) > BRIEF_OVER:
            outcome = replace(outcome, longrepr=brief_longrepr(outcome.longrepr, nodeid))
        tests[nodeid] = outcome
    order = tuple(base[n].nodeid if n in base else n for n in result.order)
    return replace(result, tests=tests, order=order)
