"""The real CLI on a small project breakit has never seen: verdicts, errors and exit codes."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.e2e.cli_harness import HANG_BREAKAGE, outcomes, snapshot
from tests.project_files import write_project

pytestmark = pytest.mark.slow


def test_check_catches_both_breakages_with_the_declared_tests(small):
    before = snapshot(small.root)
    result = small("check", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["version"] == 2
    assert document["baseline"]["tests"] == [
        "tests/test_calc.py::test_add",
        "tests/test_calc.py::test_positive",
        "tests/test_calc.py::test_zero_is_not_positive",
    ]
    by_id = {m["id"]: m for m in document["mutants"]}
    assert by_id["minus"]["verdict"] == "Killed"
    # Tests by their index in baseline.tests; only test_add executes add().
    assert by_id["minus"]["tests"] == {
        "ran": "0",
        "caught": [{"test": 0, "message": "assert -1 == 5"}],
        "errored": [],
    }
    minus = outcomes(document, by_id["minus"])
    # test_positive never executes add(): coverage selection does not run it (NotRun, not missed).
    assert minus["tests/test_calc.py::test_positive"]["outcome"] == "not_run"
    assert by_id["boundary"]["verdict"] == "Killed"
    boundary = outcomes(document, by_id["boundary"])
    caught = [n for n, t in boundary.items() if t["outcome"] == "caught"]
    assert caught == ["tests/test_calc.py::test_zero_is_not_positive"]
    assert snapshot(small.root) == before
    assert list(small.tmp.iterdir()) == []  # the workspace copy is gone


def test_surviving_breakage_exits_1(small):
    test_file = small.root / "tests/test_calc.py"
    test_file.write_text(
        test_file.read_text().replace("assert add(2, 3) == 5", "assert add(0, 0) == 0")
    )
    result = small("apply", "minus")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "minus survived" in result.stdout
    check = small("check")
    assert check.returncode == 1
    assert "Survived" in check.stdout


def test_answer_key_mismatch_exits_6_and_shows_the_difference(small):
    breakage = small.root / "breakages/minus.py"
    breakage.write_text(breakage.read_text().replace("::test_add", "::test_positive"))
    result = small("check", "minus")
    assert result.returncode == 6, result.stdout + result.stderr
    assert "expected, did not catch" in result.stdout
    assert "tests/test_calc.py::test_positive" in result.stdout
    assert "caught, not in the key" in result.stdout


def test_red_baseline_exits_4_and_names_the_failing_test(small):
    test_file = small.root / "tests/test_calc.py"
    test_file.write_text(test_file.read_text().replace("== 5", "== 6"))
    result = small("apply", "minus")
    assert result.returncode == 4
    assert "tests/test_calc.py::test_add" in result.stderr
    assert "assert 5 == 6" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_id_suggests_the_closest(small):
    result = small("apply", "minsu")
    assert result.returncode == 2
    assert "no mutation called 'minsu'; did you mean 'minus'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_mutation_that_no_longer_applies_fails_loudly(small):
    source = small.root / "calc/__init__.py"
    source.write_text(source.read_text().replace("return a + b", "return sum((a, b))"))
    result = small("check")
    assert result.returncode == 5
    assert "minus" in result.stderr
    assert "calc/__init__.py" in result.stderr
    assert "a + in calc" in result.stderr


def test_hanging_mutant_is_a_timeout(small):
    write_project(small.root, {"breakages/hang.py": HANG_BREAKAGE})
    before = snapshot(small.root)
    started = time.monotonic()
    result = small("apply", "hang", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mutants"][0]["verdict"] == "Timeout"
    assert time.monotonic() - started < 60
    assert snapshot(small.root) == before


def test_sigint_leaves_the_tree_unchanged(small):
    write_project(
        small.root,
        {"tests/test_slow.py": "import time\n\n\ndef test_slow():\n    time.sleep(3)\n"},
    )
    before = snapshot(small.root)
    process = small.popen("check")
    time.sleep(2.5)  # inside the baseline's pytest run
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert snapshot(small.root) == before
    assert list(small.tmp.iterdir()) == []


def test_works_from_a_subfolder_and_with_project(small, tmp_path):
    from_subfolder = small("list", "--json", cwd=small.root / "tests")
    assert from_subfolder.returncode == 0, from_subfolder.stderr
    assert [m["id"] for m in json.loads(from_subfolder.stdout)["mutants"]] == ["boundary", "minus"]
    elsewhere = small("--project", str(small.root), "list", "--json", cwd=tmp_path)
    assert elsewhere.returncode == 0
    assert json.loads(elsewhere.stdout) == json.loads(from_subfolder.stdout)


def test_config_errors_name_the_key(small):
    pyproject = small.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("timeout_factor", "timeout_factr"))
    result = small("list")
    assert result.returncode == 3
    assert "unknown key 'timeout_factr'" in result.stderr
    pyproject.write_text(pyproject.read_text().replace('tests = ["tests"]', 'tests = "tests"'))
    assert small("list").returncode == 3


def test_no_project_is_a_config_error(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "breakit", "list"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 3
    assert "no pyproject.toml found" in result.stderr


def test_list_shows_last_results(small):
    listed = small("list")
    assert "not run yet" in listed.stdout
    assert small("apply", "minus").returncode == 0
    listed = small("list", "--json")
    by_id = {m["id"]: m for m in json.loads(listed.stdout)["mutants"]}
    assert by_id["minus"]["verdict"] == "Killed"
    assert by_id["minus"]["caught_by"] == ["tests/test_calc.py::test_add"]
    assert by_id["boundary"]["verdict"] is None
