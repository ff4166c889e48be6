"""A test process that dies is a catch: os._exit, a segfault, the memory ceiling; on the real
fork worker (fresh and hot children) and the subprocess backend, on tiny real projects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_runner import write_project

from breakit.forkserver import ForkRunner
from breakit.model import Outcome, SuiteRun
from breakit.runner import NOT_RUN_AFTER_DEATH, RunSpec, SubprocessRunner
from breakit.sandbox import Workspace

# calc.add is what the mutants break; the three tests run in this order.
CALC = "def add(a, b):\n    return a + b\n"
TESTS = """
from calc import add


def test_first_fails():
    assert add(1, 1) == 3


def test_second_calls_add():
    assert add(2, 2) == 4


def test_third_passes():
    assert 1 + 1 == 2
"""
FIRST, SECOND, THIRD = (
    f"tests/test_calc.py::{name}"
    for name in ("test_first_fails", "test_second_calls_add", "test_third_passes")
)
EXITS = "import os\n\n\ndef add(a, b):\n    if (a, b) == (2, 2):\n        os._exit(3)\n    return a + b\n"
SEGFAULTS = (
    "import ctypes\n\n\ndef add(a, b):\n"
    "    if (a, b) == (2, 2):\n        ctypes.string_at(0)\n    return a + b\n"
)
# Allocates without bound, a MB at a time, touching every page (as a real leak would).
ALLOCATES = (
    "def add(a, b):\n    if (a, b) == (2, 2):\n        hoard = []\n        while True:\n"
    "            hoard.append(bytearray(1 << 20))\n    return a + b\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TESTS})


@pytest.fixture(params=["fork", "subprocess"])
def runner(request: pytest.FixtureRequest) -> Iterator[ForkRunner | SubprocessRunner]:
    if request.param == "subprocess":
        yield SubprocessRunner()
        return
    fork = ForkRunner(["json"], project=["calc", "tests"])
    yield fork
    fork.close()


def run_mutant(
    runner: ForkRunner | SubprocessRunner, project: Path, source: str, **spec: object
) -> SuiteRun:
    with Workspace(project) as workspace, workspace.mutated({"calc.py": source}) as workdir:
        return runner.run(workdir, RunSpec(("tests",), timeout_s=60, **spec))  # type: ignore[arg-type]


def assert_rest_ran(run: SuiteRun) -> None:
    """The tests before and after the one that died ran, with their real outcomes."""
    assert run.order == (FIRST, SECOND, THIRD)
    assert run.outcomes[FIRST].outcome is Outcome.CAUGHT
    assert run.outcomes[FIRST].message == "assert 2 == 3"
    assert run.outcomes[THIRD].outcome is Outcome.MISSED
    assert run.error is None and not run.timed_out


def test_a_test_whose_process_exits_is_caught_and_the_rest_run(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, EXITS)
    died = run.outcomes[SECOND]
    assert died.outcome is Outcome.CAUGHT
    assert died.message == "the test process exited with status 3 while this test ran"
    assert_rest_ran(run)
    assert run.exit_status == 3  # what plain pytest would have exited with


def test_a_test_whose_process_segfaults_is_caught_and_the_rest_run(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, SEGFAULTS)
    died = run.outcomes[SECOND]
    assert died.outcome is Outcome.CAUGHT
    assert died.message == "the test process was killed by signal SIGSEGV while this test ran"
    assert_rest_ran(run)


def test_a_test_that_allocates_without_bound_hits_the_ceiling(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, ALLOCATES, memory_limit_mb=300)
    hit = run.outcomes[SECOND]
    assert hit.outcome is Outcome.CAUGHT
    assert hit.message is not None
    assert hit.message.startswith("ran out of memory (limit 300 MB)"), hit.message
    assert_rest_ran(run)


def test_a_plain_pytest_stops_at_the_death(project: Path) -> None:
    """What the oracle runs: no fresh process after the crash, the later tests not run."""
    run = run_mutant(SubprocessRunner(restart=False), project, EXITS)
    assert run.outcomes[SECOND].outcome is Outcome.CAUGHT
    assert run.outcomes[THIRD].outcome is Outcome.NOT_RUN
    assert run.outcomes[THIRD].message == NOT_RUN_AFTER_DEATH
    assert run.order == (FIRST, SECOND)
