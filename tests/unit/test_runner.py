"""The subprocess runner on tiny real projects: outcomes, errors, timeouts, fresh imports."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from breakit.core.model import Outcome
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.workspace import Workspace
from tests.processes import HANGING, wait_gone
from tests.project_files import CALC, TEST_ADD, tiny_project

pytestmark = pytest.mark.slow  # every test here starts a process (tests/tiers.py)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the runner's temporary files go to, to check that they are cleaned up."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_outcomes_messages_order_and_command(tmp_path: Path, scratch: Path) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {
            "tests/test_mixed.py": """
                def test_passes():
                    pass


                def test_fails():
                    assert 1 == 2


                def test_needs_a_fixture(client):
                    pass
            """,
        },
    )
    runner = SubprocessRunner()
    spec = RunSpec(("tests",), timeout_s=60)
    command = runner.command(root, spec)
    assert command[:3] == [sys.executable, "-m", "pytest"]
    flags = ("breakit.inrun.pytest_plugin", f"--rootdir={root}")
    for flag in (*flags, "--tb=native"):
        assert flag in command
    # Plugins are set aside after pytest parsed the user's options (breakit.inrun.set_aside), never
    # blocked here: a blocked plugin's options in addopts would be unknown to pytest.
    assert not [arg for arg in command if arg.startswith("no:")]
    run = runner.run(root, spec)
    prefix = "tests/test_mixed.py::"
    assert {nodeid: o.outcome for nodeid, o in run.outcomes.items()} == {
        f"{prefix}test_passes": Outcome.MISSED,
        f"{prefix}test_fails": Outcome.CAUGHT,
        f"{prefix}test_needs_a_fixture": Outcome.ERRORED,
    }
    assert run.outcomes[f"{prefix}test_fails"].message == "assert 1 == 2"
    # --tb=native: Python's own traceback, ending in the failing line and the error.
    longrepr = run.outcomes[f"{prefix}test_fails"].longrepr or ""
    assert "in test_fails\n    assert 1 == 2" in longrepr
    assert longrepr.endswith("AssertionError: assert 1 == 2")
    assert run.outcomes[f"{prefix}test_needs_a_fixture"].message == "fixture 'client' not found"
    assert run.order == (
        f"{prefix}test_passes",
        f"{prefix}test_fails",
        f"{prefix}test_needs_a_fixture",
    )
    assert run.exit_status == 1 and not run.timed_out and run.error is None
    assert 0 < run.duration_s < 30
    # No bytecode written into the project (pytest's cache is, as in any pytest run: blocking its
    # plugin would make `--lf` in a user's addopts unknown; breakit.inrun.set_aside turns --lf off),
    # nothing left in the temp folder.
    assert not list(root.rglob("__pycache__"))
    assert list(scratch.iterdir()) == []


def test_a_module_that_does_not_import_sets_error(tmp_path: Path) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {
            "tests/test_ok.py": "def test_ok():\n    pass\n",
            "tests/test_broken.py": "def test_broken(:\n    pass\n",
        },
    )
    run = SubprocessRunner().run(root, RunSpec(("tests",), timeout_s=60))
    assert run.error == (
        "error collecting tests/test_broken.py: "
        "SyntaxError: invalid syntax (tests/test_broken.py, line 1)"
    )
    assert run.exit_status == 2
    assert {o.outcome for o in run.outcomes.values()} == {Outcome.NOT_RUN}
    assert run.order == ()


def test_usage_and_conftest_errors_are_explained(tmp_path: Path) -> None:
    fine = tiny_project(tmp_path / "fine", {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    root = tiny_project(
        tmp_path / "proj",
        {
            "tests/conftest.py": "import no_such_plugin_module\n",
            "tests/test_ok.py": "def test_ok():\n    pass\n",
        },
    )
    runner = SubprocessRunner()
    missing = runner.run(fine, RunSpec(("nowhere/test_gone.py",), timeout_s=60))
    assert missing.exit_status == 4
    assert missing.error == "pytest usage error: file or directory not found: nowhere/test_gone.py"
    conftest = runner.run(root, RunSpec(("tests",), timeout_s=60))
    assert conftest.exit_status == 4
    assert conftest.error == (
        "ImportError while loading conftest 'tests/conftest.py': "
        "ModuleNotFoundError: No module named 'no_such_plugin_module'"
    )


def test_timeout_kills_the_whole_process_group(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tiny_project(tmp_path / "proj", {"tests/test_hang.py": HANGING})
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("PIDS_FILE", str(pids_file))
    started = time.monotonic()
    run = SubprocessRunner().run(root, RunSpec(("tests",), timeout_s=2))
    assert time.monotonic() - started < 6
    assert run.timed_out and run.exit_status is None
    assert run.error == "timed out after 2 s in tests/test_hang.py::test_hangs"
    outcomes = {nodeid.partition("::")[2]: o.outcome for nodeid, o in run.outcomes.items()}
    assert outcomes == {  # what finished before the kill survives it
        "test_quick": Outcome.MISSED,
        "test_hangs": Outcome.NOT_RUN,
        "test_never_reached": Outcome.NOT_RUN,
    }
    assert run.order == ("tests/test_hang.py::test_quick", "tests/test_hang.py::test_hangs")
    pytest_pid, child_pid = map(int, pids_file.read_text().split())
    assert wait_gone([pytest_pid, child_pid], pgid=pytest_pid)
    assert list(scratch.iterdir()) == []


def test_ctrl_c_kills_the_group_and_is_raised_again(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tiny_project(tmp_path / "proj", {"tests/test_hang.py": HANGING})
    pids_file = tmp_path / "pids"
    monkeypatch.setenv("PIDS_FILE", str(pids_file))

    def press_ctrl_c_once_the_test_hangs() -> None:
        deadline = time.monotonic() + 20
        while not pids_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    # Ctrl-C raises KeyboardInterrupt here even if the suite was started with SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    presser = threading.Thread(target=press_ctrl_c_once_the_test_hangs, daemon=True)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            SubprocessRunner().run(root, RunSpec(("tests",), timeout_s=30))
    finally:
        signal.signal(signal.SIGINT, previous)
    presser.join()
    pytest_pid, child_pid = map(int, pids_file.read_text().split())
    assert wait_gone([pytest_pid, child_pid], pgid=pytest_pid)
    assert list(scratch.iterdir()) == []


def test_two_mutants_of_one_file_in_a_row_each_import_fresh(tmp_path: Path) -> None:
    # Both mutants have the same size and get the same mtime: exactly what a cached .pyc of the
    # first one is keyed on, so if any bytecode were written the second run would reuse it.
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TEST_ADD})
    # The runner must not rely on the caller's environment to keep bytecode out.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runner = SubprocessRunner(env=env)
    spec = RunSpec(("tests",), timeout_s=60)
    nodeid = "tests/test_calc.py::test_add"
    same_second = time.time_ns()
    results = []
    with Workspace(root) as workspace:
        for operator in ("-", "*"):
            with workspace.mutated({"calc.py": CALC.replace("+", operator)}) as workdir:
                os.utime(workdir / "calc.py", ns=(same_second, same_second))
                results.append(runner.run(workdir, spec))
        restored = runner.run(workspace.path, spec)
        bytecode = list(workspace.path.rglob("*.pyc"))
    first, second = results
    assert first.outcomes[nodeid].message == "assert -1 == 5"
    assert second.outcomes[nodeid].message == "assert 6 == 5"
    assert bytecode == []
    assert restored.outcomes[nodeid].outcome is Outcome.MISSED


def test_the_workspace_copy_wins_over_the_same_package_elsewhere(tmp_path: Path) -> None:
    # A src/ layout project, and a decoy of its package first on the inherited PYTHONPATH
    # (as an editable install of the user's unmutated tree would be).
    root = tiny_project(
        tmp_path / "proj",
        {
            "src/calc/__init__.py": CALC,
            "tests/test_calc.py": TEST_ADD,
        },
    )
    decoy = tiny_project(tmp_path / "decoy", {"calc/__init__.py": "def add(a, b):\n    return 5\n"})
    env = {**os.environ, "PYTHONPATH": str(decoy)}
    runner = SubprocessRunner(env=env)
    mutant = {"src/calc/__init__.py": CALC.replace("+", "-")}
    with Workspace(root) as workspace, workspace.mutated(mutant) as workdir:
        run = runner.run(workdir, RunSpec(("tests",), timeout_s=60))
    assert run.outcomes["tests/test_calc.py::test_add"].outcome is Outcome.CAUGHT
    assert run.outcomes["tests/test_calc.py::test_add"].message == "assert -1 == 5"
