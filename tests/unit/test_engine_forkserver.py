"""The fork worker on tiny real projects: fresh imports, no leaks between mutants, timeouts."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from breakit.core.model import Outcome
from breakit.runners.fork.client import ForkRunner
from breakit.runners.fork.warm_client import WarmPool, stop_pools
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.workspace import Workspace
from tests.processes import HANGING, group_members, wait_gone
from tests.project_files import CALC, TEST_ADD, tiny_project

pytestmark = pytest.mark.slow  # every test here starts a process (tests/tiers.py)

# Each test leaves something behind that a fresh process would not see: an environment
# variable, a changed working directory, a module-level registry, an extra module.
LEAKY_TESTS = """
import os
import sys

import calc


def test_add():
    assert calc.add(2, 3) == 5


def test_environment_and_cwd_are_fresh():
    assert "LEAKED" not in os.environ
    assert os.getcwd() == os.environ["EXPECTED_CWD"]
    os.environ["LEAKED"] = "1"
    os.chdir("/")


def test_module_state_is_fresh():
    assert calc.REGISTRY == []
    calc.REGISTRY.append("leaked")
    assert "leftover_module" not in sys.modules
    sys.modules["leftover_module"] = calc
"""


@pytest.fixture(params=["spawned", "warm"])
def runner(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ForkRunner]:
    """A worker of its own, or one forked from a warm pool (breakit.runners.fork.warm_client): every
    test here must
    hold for both."""
    # Preloads pytest only: the project's own module `calc` must never be imported by the worker.
    pool = None
    if request.param == "warm":
        pool = WarmPool(tmp_path, ["json"], ["calc", "tests"], idle_s=60)
    fork = ForkRunner(["json"], project=["calc", "tests"], pool=pool)
    yield fork
    fork.close()
    if pool is not None:
        assert fork.stats.warm, pool.error
        assert stop_pools(tmp_path) == 1


def test_same_outcomes_as_a_fresh_pytest(tmp_path: Path, runner: ForkRunner) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {
            "calc.py": CALC,
            "tests/test_mixed.py": """
                from calc import add

                def test_passes():
                    assert add(1, 1) == 2

                def test_fails():
                    assert add(1, 2) == 4

                def test_needs_a_fixture(client):
                    pass
            """,
        },
    )
    spec = RunSpec(("tests",), timeout_s=60)
    fork = runner.run(root, spec)
    plain = SubprocessRunner().run(root, spec)
    assert fork.order == plain.order
    assert {n: (o.outcome, o.message) for n, o in fork.outcomes.items()} == {
        n: (o.outcome, o.message) for n, o in plain.outcomes.items()
    }
    assert fork.outcomes["tests/test_mixed.py::test_fails"].message == "assert 3 == 4"
    assert fork.exit_status == plain.exit_status == 1
    assert runner.command(root, spec)[0] == "pytest"


def test_two_mutants_of_one_file_in_a_row_leak_nothing(tmp_path: Path, runner: ForkRunner) -> None:
    source = CALC + "\nREGISTRY = []\n"
    root = tiny_project(tmp_path / "proj", {"calc.py": source, "tests/test_calc.py": LEAKY_TESTS})
    nodeid = "tests/test_calc.py::test_add"
    runs = []
    stamps = []
    with Workspace(root) as workspace:
        original = int((workspace.path / "calc.py").stat().st_mtime)
        os.environ["EXPECTED_CWD"] = str(workspace.path)
        try:
            # The same size, written within a second: what a stale .pyc would be served on, but for
            # the modification time each version gets (breakit.runners.workspace).
            for operator in ("-", "*"):
                with workspace.mutated({"calc.py": source.replace("+", operator)}) as workdir:
                    stamps.append(int((workdir / "calc.py").stat().st_mtime))
                    runs.append(runner.run(workdir, RunSpec(("tests",), timeout_s=60)))
            runs.append(runner.run(workspace.path, RunSpec(("tests",), timeout_s=60)))
            assert int((workspace.path / "calc.py").stat().st_mtime) == original
        finally:
            del os.environ["EXPECTED_CWD"]
        # The children keep their bytecode outside the copy (the worker's own folder).
        assert list(workspace.path.rglob("*.pyc")) == []
    assert len({original, *stamps}) == 3
    minus, times, restored = runs
    assert minus.outcomes[nodeid].message == "assert -1 == 5"
    assert times.outcomes[nodeid].message == "assert 6 == 5"
    assert restored.outcomes[nodeid].outcome is Outcome.MISSED
    for run in runs:
        for name in ("test_environment_and_cwd_are_fresh", "test_module_state_is_fresh"):
            outcome = run.outcomes[f"tests/test_calc.py::{name}"]
            assert outcome.outcome is Outcome.MISSED, outcome.longrepr
    assert "LEAKED" not in os.environ


def test_selection_runs_only_the_chosen_tests(tmp_path: Path, runner: ForkRunner) -> None:
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": LEAKY_TESTS})
    os.environ["EXPECTED_CWD"] = str(root.resolve())
    try:
        run = runner.run(
            root, RunSpec(("tests",), timeout_s=60, nodeids=("tests/test_calc.py::test_add",))
        )
    finally:
        del os.environ["EXPECTED_CWD"]
    assert run.order == ("tests/test_calc.py::test_add",)
    assert set(run.outcomes) == {"tests/test_calc.py::test_add"}


def test_timeout_kills_the_child_group_and_the_worker_carries_on(
    tmp_path: Path, runner: ForkRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("PIDS_FILE", str(pids_file))
    root = tiny_project(
        tmp_path / "proj",
        {"calc.py": CALC, "tests/test_hang.py": HANGING, "tests/test_calc.py": LEAKY_TESTS},
    )
    started = time.monotonic()
    run = runner.run(root, RunSpec(("tests/test_hang.py",), timeout_s=2))
    assert time.monotonic() - started < 15
    assert run.timed_out and run.exit_status is None
    assert run.error == "timed out after 2 s in tests/test_hang.py::test_hangs"
    assert run.outcomes["tests/test_hang.py::test_quick"].outcome is Outcome.MISSED
    assert run.outcomes["tests/test_hang.py::test_never_reached"].outcome is Outcome.NOT_RUN
    child_pid, grandchild_pid = map(int, pids_file.read_text().split())
    assert wait_gone([child_pid, grandchild_pid], pgid=child_pid)
    assert group_members(child_pid) == []
    # The same worker runs the next mutant.
    after = runner.run(root, RunSpec(("tests/test_hang.py::test_quick",), timeout_s=30))
    assert after.outcomes["tests/test_hang.py::test_quick"].outcome is Outcome.MISSED


def test_the_workspace_copy_wins_over_an_installed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A decoy `calc` first on the worker's PYTHONPATH, as an install of the unmutated tree
    # would be; listed for preloading, it must still not be imported by the worker.
    decoy = tiny_project(tmp_path / "decoy", {"calc/__init__.py": "def add(a, b):\n    return 5\n"})
    monkeypatch.setenv("PYTHONPATH", str(decoy))
    root = tiny_project(
        tmp_path / "proj",
        {"src/calc/__init__.py": CALC, "tests/test_calc.py": LEAKY_TESTS.split("def test_env")[0]},
    )
    fork = ForkRunner(["calc", "json"], project=["calc", "tests"])
    try:
        with Workspace(root) as workspace:
            mutant = {"src/calc/__init__.py": CALC.replace("+", "-") + "REGISTRY = []\n"}
            with workspace.mutated(mutant) as workdir:
                run = fork.run(workdir, RunSpec(("tests",), timeout_s=60))
    finally:
        fork.close()
    assert run.outcomes["tests/test_calc.py::test_add"].message == "assert -1 == 5"


def test_close_stops_the_worker(runner: ForkRunner) -> None:
    runner.start()
    pid = runner.worker_pid
    assert pid is not None and group_members(pid) == [pid]
    runner.close()
    assert wait_gone([pid], pid)
    runner.close()  # twice is fine


def test_a_worker_killed_from_outside_is_replaced(tmp_path: Path, runner: ForkRunner) -> None:
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TEST_ADD})
    spec = RunSpec(("tests",), timeout_s=60)
    assert runner.run(root, spec).outcomes["tests/test_calc.py::test_add"].outcome is Outcome.MISSED
    first = runner.worker_pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    assert wait_gone([first], first)
    again = runner.run(root, spec)
    assert again.outcomes["tests/test_calc.py::test_add"].outcome is Outcome.MISSED
    assert runner.worker_pid not in (None, first)


# --- the hot session: collected once, a mutant's function bodies swapped in a forked child ---


def hot_spec(**kwargs: object) -> RunSpec:
    settings: dict[str, object] = {"timeout_s": 60, **kwargs}
    return RunSpec(("tests",), **settings)  # type: ignore[arg-type]


def test_hot_mutants_of_one_file_in_a_row_leak_nothing(tmp_path: Path, runner: ForkRunner) -> None:
    source = CALC + "\nREGISTRY = []\n"
    root = tiny_project(tmp_path / "proj", {"calc.py": source, "tests/test_calc.py": LEAKY_TESTS})
    nodeid = "tests/test_calc.py::test_add"
    runs = []
    with Workspace(root) as workspace:
        os.environ["EXPECTED_CWD"] = str(workspace.path)
        try:
            assert runner.open_session(workspace.path, RunSpec(("tests",)))
            for new in ("a - b", "a / 0"):
                changes = {"calc.py": source.replace("a + b", new)}
                with workspace.mutated(changes) as workdir:
                    runs.append(runner.run_hot(workdir, hot_spec(), changes))
            runs.append(runner.run_hot(workspace.path, hot_spec(), {"calc.py": source}))
        finally:
            del os.environ["EXPECTED_CWD"]
        assert list(workspace.path.rglob("*.pyc")) == []
    assert (runner.stats.hot_runs, runner.stats.fallbacks) == (3, 0)
    minus, divide, restored = runs
    assert minus.outcomes[nodeid].message == "assert -1 == 5"
    assert divide.outcomes[nodeid].message == "ZeroDivisionError: division by zero"
    assert "    return a / 0" in (divide.outcomes[nodeid].longrepr or "")  # the mutated line
    assert restored.outcomes[nodeid].outcome is Outcome.MISSED
    for run in runs:
        assert run.order == tuple(f"tests/test_calc.py::{name}" for name in TEST_NAMES)
        for name in TEST_NAMES[1:]:
            outcome = run.outcomes[f"tests/test_calc.py::{name}"]
            assert outcome.outcome is Outcome.MISSED, outcome.longrepr


TEST_NAMES = ("test_add", "test_environment_and_cwd_are_fresh", "test_module_state_is_fresh")


def test_a_hot_mutant_the_session_cannot_swap_runs_fresh_and_the_session_waits(
    tmp_path: Path, runner: ForkRunner
) -> None:
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TEST_ADD})
    nodeid = "tests/test_calc.py::test_add"
    with Workspace(root) as workspace:
        assert runner.open_session(workspace.path, RunSpec(("tests",)))
        session_pid = runner.worker_pid
        # A statement added at import: running the changed statements again cannot give it.
        changes = {"calc.py": CALC.replace("+", "-") + "EXTRA = 1\n"}
        with workspace.mutated(changes) as workdir:
            run = runner.run_hot(workdir, hot_spec(nodeids=(nodeid,)), changes)
        after = runner.run(workspace.path, RunSpec(("tests",), timeout_s=60))
        # The session was set aside while the fresh worker ran: the next hot mutant is its.
        assert runner.open_session(workspace.path, RunSpec(("tests",)))
        assert runner.worker_pid == session_pid
        body = {"calc.py": CALC.replace("+", "*")}
        with workspace.mutated(body) as workdir:
            hot = runner.run_hot(workdir, hot_spec(nodeids=(nodeid,)), body)
    assert (runner.stats.hot_runs, runner.stats.fallbacks) == (1, 1)
    assert runner.stats.fallback_reasons == ["a statement was added or removed at import time"]
    assert run.outcomes[nodeid].message == "assert -1 == 5"
    assert after.outcomes[nodeid].outcome is Outcome.MISSED
    assert hot.outcomes[nodeid].message == "assert 6 == 5"


def test_a_default_value_runs_hot_as_a_fresh_import_gives_it(
    tmp_path: Path, runner: ForkRunner
) -> None:
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TEST_ADD})
    nodeid = "tests/test_calc.py::test_add"
    with Workspace(root) as workspace:
        assert runner.open_session(workspace.path, RunSpec(("tests",)))
        # A default value is evaluated at import: the def runs again (runners.fork.reexec).
        changes = {"calc.py": CALC.replace("(a, b)", "(a, b=1)").replace("+", "-")}
        with workspace.mutated(changes) as workdir:
            run = runner.run_hot(workdir, hot_spec(nodeids=(nodeid,)), changes)
    assert (runner.stats.hot_runs, runner.stats.fallbacks) == (1, 0)
    assert run.outcomes[nodeid].message == "assert -1 == 5"


def test_a_suite_that_does_not_collect_gets_no_hot_session(
    tmp_path: Path, runner: ForkRunner
) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {"calc.py": CALC, "tests/test_calc.py": TEST_ADD, "tests/test_broken.py": "import nope\n"},
    )
    with Workspace(root) as workspace:
        assert not runner.open_session(workspace.path, RunSpec(("tests",)))
        assert "nope" in (runner.session_refused or "")
        changes = {"calc.py": CALC.replace("+", "-")}
        with workspace.mutated(changes) as workdir:
            run = runner.run_hot(workdir, hot_spec(), changes)
    assert run.error is not None and "nope" in run.error  # as a fresh run reports it
    assert runner.stats.hot_runs == 0


def test_a_hot_mutant_that_hangs_is_killed_and_the_session_carries_on(
    tmp_path: Path, runner: ForkRunner
) -> None:
    loop = "def add(a, b):\n    while True:\n        pass\n"
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TEST_ADD})
    with Workspace(root) as workspace:
        assert runner.open_session(workspace.path, RunSpec(("tests",)))
        started = time.monotonic()
        with workspace.mutated({"calc.py": loop}) as workdir:
            hung = runner.run_hot(workdir, hot_spec(timeout_s=2), {"calc.py": loop})
        assert time.monotonic() - started < 15
        changes = {"calc.py": CALC.replace("+", "-")}
        with workspace.mutated(changes) as workdir:
            after = runner.run_hot(workdir, hot_spec(), changes)
    assert hung.timed_out
    assert after.outcomes["tests/test_calc.py::test_add"].message == "assert -1 == 5"
    assert runner.stats.hot_runs == 2
