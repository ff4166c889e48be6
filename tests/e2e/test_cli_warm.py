"""Warm workers through the real CLI: who starts a pool, who only uses one, and how it stops."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator

import pytest

from tests.e2e.cli_harness import HANG_BREAKAGE, Breakit, snapshot
from tests.project_files import write_project

pytestmark = pytest.mark.slow

WARM = {"BREAKIT_WARM": "on"}


@pytest.fixture
def project(small: Breakit) -> Iterator[Breakit]:
    yield small
    small("warm", "stop")  # whatever a failing test left running


def outcomes(mutant: dict) -> dict:
    """Which tests ran, caught (with the failure line) or errored (docs/json.md)."""
    return mutant["tests"]


def test_apply_starts_a_pool_once_and_later_commands_use_it(project: Breakit) -> None:
    before = snapshot(project.root)
    first = project.run_with_env(WARM, "apply", "minus", "--json")
    assert first.returncode == 0, first.stderr
    assert "started warm workers for this project" in first.stderr
    status = project("warm", "status")
    assert status.returncode == 0
    assert status.stdout.startswith("pid ") and "stops after 15 min unused" in status.stdout
    # The next command (a non-interactive one: it would never start a pool) uses it.
    second = project("apply", "minus", "--json")
    assert second.returncode == 0, second.stderr
    assert "started warm workers" not in second.stderr
    assert project("warm", "status").stdout.split(",")[0] == status.stdout.split(",")[0]
    verdicts = [json.loads(r.stdout)["mutants"][0] for r in (first, second)]
    assert [v["verdict"] for v in verdicts] == ["Killed", "Killed"]
    assert [outcomes(v) for v in verdicts] == [outcomes(verdicts[0])] * 2
    stop = project("warm", "stop")
    assert (stop.returncode, stop.stdout.strip()) == (0, "stopped 1 warm pool")
    assert project("warm", "status").stdout.startswith("no warm workers")
    assert snapshot(project.root) == before


def test_a_command_outside_a_terminal_starts_no_pool(project: Breakit) -> None:
    result = project("check")
    assert result.returncode == 0, result.stderr
    assert project("warm", "status").stdout.startswith("no warm workers")
    assert list(project.tmp.iterdir()) == []  # not even the folder of the sockets


def test_warm_start_then_stop(project: Breakit) -> None:
    started = project("warm", "start")
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("warm workers started: pid ")
    again = project("warm", "start")
    assert again.stdout.startswith("warm workers already running: pid ")
    assert project("warm", "stop").stdout.strip() == "stopped 1 warm pool"


def test_a_bad_warm_setting_is_a_one_line_error(project: Breakit) -> None:
    result = project.run_with_env({"BREAKIT_WARM": "sometimes"}, "apply", "minus")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: BREAKIT_WARM is 'sometimes'",
        "  hint: set it to one of auto, on, off",
    ]
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'warm = "always"\n')
    result = project("apply", "minus")
    assert result.returncode == 3
    assert "warm must be one of" in result.stderr and "Traceback" not in result.stderr


def test_ctrl_c_stops_the_warm_workers_it_used_and_leaves_the_tree_unchanged(
    project: Breakit,
) -> None:
    write_project(project.root, {"breakages/hang.py": HANG_BREAKAGE})
    assert project("warm", "start").returncode == 0
    before = snapshot(project.root)
    process = project.popen("apply", "hang", extra=WARM)
    deadline = time.monotonic() + 30
    while "in use" not in project("warm", "status").stdout:  # its worker is running `hang`
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert snapshot(project.root) == before
    # The pool lives on, without the worker (nor the hanging child) the command had.
    deadline = time.monotonic() + 5
    while "in use" in project("warm", "status").stdout:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "unused for" in project("warm", "status").stdout
    assert list(project.tmp.iterdir()) == []  # the workspace and the worker's folder are gone
