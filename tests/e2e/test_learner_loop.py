"""The learner's loop through the real CLI: predict, why, write, verify, reset, catch, watch."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from tests.e2e.cli_harness import answering, snapshot

pytestmark = pytest.mark.slow


def test_welcome_and_completion_of_ids(small):
    welcome = small()
    assert welcome.returncode == 0, welcome.stderr
    assert "predict" in welcome.stdout
    assert "breakit apply boundary --predict" in welcome.stdout
    env = small.env()
    env.update(_BREAKIT_COMPLETE="bash_complete", COMP_WORDS="breakit hint bo", COMP_CWORD="2")
    done = subprocess.run(
        [sys.executable, "-m", "breakit"], cwd=small.root, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["plain,boundary"], done.stderr


def test_hints_in_steps_explain_after_trying_and_progress(small):
    assert "not tried" in small("list").stdout
    first = small("hint", "minus")
    assert "Hint 1/1" in first.stdout and "Look at add." in first.stdout
    refused = small("explain", "minus")
    assert refused.returncode == 2
    assert "try minus first" in refused.stderr
    ran = answering(small, "test_zero_is_not_positive\n", "apply", "boundary", "--predict")
    assert ran.returncode == 0, ran.stderr
    assert "Exactly right." in ran.stdout
    listed = small("list").stdout
    assert "predicted right" in listed
    assert "1/2 tried · 1 predicted right" in listed
    cleared = small("list", "--reset-progress")
    assert "Progress cleared." in cleared.stderr
    assert "0/2 tried" in small("list").stdout


def test_write_verify_reset_keeps_the_learners_other_edits(small):
    before = snapshot(small.root)
    ran = answering(small, "1, 2\n", "apply", "minus", "--predict", "--write")
    assert ran.returncode == 0, ran.stderr
    assert "right   test_calc.py::test_add" in ran.stdout
    assert "wrong   test_calc.py::test_positive" in ran.stdout
    assert "assertion" in ran.stdout and "assert -1 == 5" in ran.stdout
    assert "pytest ran, in a copy of the project: python -m pytest" in ran.stdout
    assert "return a - b" in (small.root / "calc/__init__.py").read_text()
    assert "written, not yet fixed" in small("list").stdout
    assert "as written" in small("status").stdout
    again = small("apply", "minus", "--write")
    assert again.returncode == 8 and "already written" in again.stderr
    failing = small("verify")
    assert failing.returncode == 4, failing.stdout
    assert "1 of 3 tests fail on your tree" in failing.stdout
    # The learner edits another file meanwhile: reset must keep it.
    notes = small.root / "tests" / "test_calc.py"
    notes.write_text(notes.read_text() + "\n# my note\n")
    expected = {**before, "tests/test_calc.py": snapshot(small.root)["tests/test_calc.py"]}
    assert small("reset", "minus").returncode == 0
    assert snapshot(small.root) == expected
    assert "No breakage is written" in small("status").stdout


def test_reset_after_a_partial_fix_refuses_without_a_terminal_and_force_keeps_a_copy(small):
    before = snapshot(small.root)
    assert small("apply", "minus", "--write").returncode == 0
    calc = small.root / "calc" / "__init__.py"
    partial = calc.read_text().replace("return a - b", "return a - b  # TODO")
    calc.write_text(partial)
    assert "being fixed" in small("status").stdout
    refused = small("reset", "minus")
    assert refused.returncode == 8
    assert "would overwrite your edits to calc/__init__.py" in refused.stderr
    assert calc.read_text() == partial
    forced = small("reset", "minus", "--force")
    assert forced.returncode == 0, forced.stderr
    assert snapshot(small.root) == before
    assert [p.read_text() for p in (small.root / ".breakit/backups").rglob("__init__.py")] == [
        partial
    ]


def test_verify_says_fixed_after_the_learner_fixes_it(small):
    assert small("apply", "boundary", "--write").returncode == 0
    calc = small.root / "calc" / "__init__.py"
    calc.write_text(calc.read_text().replace("n >= 0", "n > 0"))
    fixed = small("verify")
    assert fixed.returncode == 0, fixed.stdout
    assert "boundary: fixed" in fixed.stdout
    assert "fixed" in small("list").stdout


def test_catch_confirms_a_new_test_fails_on_the_breakage_and_passes_clean(small):
    tests = small.root / "tests" / "test_calc.py"
    original = tests.read_text()
    tests.write_text(original.replace("def test_add():\n    assert add(2, 3) == 5\n", ""))
    task = small("catch", "minus")
    assert task.returncode == 1, task.stdout
    assert "no test catches minus yet" in task.stdout
    assert "Your task" in task.stdout and "-    return a + b" in task.stdout
    tests.write_text(
        tests.read_text()
        + "\n\ndef test_always_fails():\n    assert add(1, 1) == 3\n"
        + "\n\ndef test_add_again():\n    assert add(1, 1) == 2\n"
    )
    caught = small("catch", "minus")
    assert caught.returncode == 0, caught.stdout
    assert "minus is caught by 1 test" in caught.stdout
    assert "test_add_again" in caught.stdout
    assert "do not count" in caught.stdout
    assert "test_always_fails" in caught.stdout.split("do not count")[1]


def test_watch_reruns_on_save_and_ctrl_c_leaves_cleanly(small):
    assert shutil.which("tmux"), "tmux is needed for the watch-mode test"
    session = f"breakit-{uuid.uuid4().hex[:8]}"
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in small.env().items() if k != "TMUX")
    command = f"cd {shlex.quote(str(small.root))} && env {env} {shlex.quote(sys.executable)} "
    command += "-m breakit watch; echo EXITED=$?; sleep 60"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True
    )

    def screen() -> str:
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
        ).stdout

    def wait_for(text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared:\n{screen()}")

    try:
        first = wait_for("Watching for changes")
        assert "run 1" in first and "all 3 tests pass" in first
        calc = small.root / "calc" / "__init__.py"
        calc.write_text(calc.read_text().replace("a + b", "a * b"))
        second = wait_for("run 2")
        second = wait_for("Watching for changes")
        assert "run 1" not in second  # redrawn in place
        assert "saved calc/__init__.py" in second
        assert "1 of 3 tests fail on your tree" in second
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=True)
        done = wait_for("EXITED=")
        assert "Stopped watching." in done
        assert "EXITED=0" in done
        assert "Traceback" not in done
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
