"""A mutant's timeout (breakit.baseline.timing): a multiple of its tests' time on the unmutated
code, with the suite's startup for a fresh run and without it, and a quarter of the constant, for a
hot
one."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.baseline.timing import mutant_timeout
from breakit.core.config import Config
from breakit.core.model import Baseline, Outcome, SuiteRun, TestOutcome
from breakit.store.engine_record import EngineRecord

TESTS = ("t.py::a", "t.py::b")


def baseline() -> Baseline:
    outcomes = {n: TestOutcome(n, Outcome.MISSED, duration_s=0.5) for n in TESTS}
    return Baseline(TESTS, SuiteRun(outcomes, TESTS, duration_s=3.0, exit_status=0), key="k")


@pytest.mark.parametrize(
    ("engine", "hot", "expected"),
    [
        (EngineRecord(), False, 5.0 * (0.5 + 2.0) + 10.0),  # startup: the run less its tests
        (EngineRecord(startup_s=1.0), False, 5.0 * (0.5 + 1.0) + 10.0),
        # A hot child starts at its test, and has a quarter of the constant.
        (EngineRecord(startup_s=1.0), True, 5.0 * 0.5 + 2.5),
        (EngineRecord(untraced_s={"t.py::a": 0.1}), True, 5.0 * 0.1 + 2.5),
    ],
)
def test_the_timeout_counts_the_startup_only_for_a_fresh_run(
    engine: EngineRecord, hot: bool, expected: float
) -> None:
    config = Config(root=Path("."))
    timeout = mutant_timeout(config, engine, baseline(), ("t.py::a",), hot=hot)
    assert timeout == pytest.approx(expected)
