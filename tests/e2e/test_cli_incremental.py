"""Incremental runs: results cached in .breakit/, reused while nothing they depend on changed."""

from __future__ import annotations

import json
from pathlib import Path

from cli_harness import write_project

SPLIT_TESTS = {
    "tests/test_calc.py": None,  # the two files below replace it
    "tests/test_add.py": """
        from calc import add


        def test_add():
            assert add(2, 3) == 5
    """,
    "tests/test_positive.py": """
        from calc import is_positive


        def test_positive():
            assert is_positive(1)


        def test_zero_is_not_positive():
            assert not is_positive(0)
    """,
    # Counts pytest sessions, wherever breakit runs them: "nothing ran" is then a fact.
    "tests/conftest.py": """
        import os


        def pytest_sessionstart(session):
            log = os.environ.get("RUNS_LOG")
            if log:
                with open(log, "a") as handle:
                    handle.write("session\\n")
    """,
}


def sessions(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def cached_ids(result) -> dict[str, bool]:
    assert result.returncode == 0, result.stdout + result.stderr
    return {m["id"]: m["cached"] for m in json.loads(result.stdout)["mutants"]}


def test_a_rerun_reuses_results_and_a_changed_test_file_reruns_what_it_affects(small, tmp_path):
    for path, text in SPLIT_TESTS.items():
        if text is None:
            (small.root / path).unlink()
    write_project(small.root, {p: t for p, t in SPLIT_TESTS.items() if t is not None})
    for breakage in ("minus", "boundary"):
        module = small.root / f"breakages/{breakage}.py"
        module.write_text(
            module.read_text()
            .replace("tests/test_calc.py::test_add", "tests/test_add.py::test_add")
            .replace("tests/test_calc.py::test_zero", "tests/test_positive.py::test_zero")
        )
    log = tmp_path / "runs.log"
    env = {"RUNS_LOG": str(log)}

    assert cached_ids(small.run_with_env(env, "check", "--json")) == {
        "boundary": False,
        "minus": False,
    }
    ran = sessions(log)
    assert ran >= 3  # the baseline, the forced-fail sanity run, the mutants

    # Nothing changed: every result comes from .breakit/, and no test runs at all.
    assert cached_ids(small.run_with_env(env, "check", "--json")) == {
        "boundary": True,
        "minus": True,
    }
    assert sessions(log) == ran
    human = small.run_with_env(env, "check")
    assert "2 reused from .breakit/" in human.stdout
    assert sessions(log) == ran

    # A changed test module: only the mutant that runs one of its tests runs again.
    test_add = small.root / "tests/test_add.py"
    new_test = "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"
    test_add.write_text(test_add.read_text() + new_test)
    assert cached_ids(small.run_with_env(env, "check", "--json")) == {
        "boundary": True,
        "minus": False,
    }
    assert sessions(log) > ran

    # --no-cache runs everything again.
    assert cached_ids(small.run_with_env(env, "check", "--json", "--no-cache")) == {
        "boundary": False,
        "minus": False,
    }
