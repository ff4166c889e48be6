"""Incremental runs: results cached in .breakit/, reused while nothing they depend on changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_harness import MIXED_PROJECT, Breakit
from tests.project_files import write_project

pytestmark = pytest.mark.slow

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


def test_a_partial_run_adds_to_the_cache_and_the_next_full_run_reuses_every_result(tmp_path):
    # Issue 23: `check ONE_ID` left 1 of 398 results in .breakit/cache.json, `--operator` 46.
    root = tmp_path / "mixed"
    write_project(root, MIXED_PROJECT)
    (tmp_path / "tmp").mkdir()
    breakit = Breakit(root, tmp_path / "tmp")

    def check(*args: str) -> dict:
        done = breakit("check", "--generated", "--json", *args)
        assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
        return json.loads(done.stdout)

    full = check()
    verdicts = {m["id"]: m["verdict"] for m in full["mutants"]}
    assert not any(m["cached"] for m in full["mutants"])
    # Every result is cached but a NoCoverage (no test ran: nothing to reuse) and a Timeout.
    cacheable = sorted(i for i, v in verdicts.items() if v not in ("NoCoverage", "Timeout"))
    assert len(cacheable) >= 5 and "NoCoverage" in verdicts.values()
    comparison = [i for i in cacheable if ":comparison:" in i]
    assert comparison

    # Partial runs, each of other mutants than the whole: an id, an operator (run again, not
    # reused), a pattern, a file, a shard, and `apply` (which always runs).
    (one,) = check(cacheable[0])["mutants"]
    assert one["cached"]
    rerun = check("--operator", "comparison", "--no-cache")["mutants"]
    assert [m["id"] for m in rerun] == comparison and not any(m["cached"] for m in rerun)
    assert check("--match", "*:number:*")["mutants"]
    assert check("--file", "calc/__init__.py", "--shard", "2/3")["mutants"]
    applied = breakit("apply", cacheable[-1])
    assert applied.returncode in (0, 1), applied.stderr[-2000:]

    # Each mutant's last result is kept too (.breakit/results.json), not only the last run's.
    last = json.loads((root / ".breakit" / "results.json").read_text())
    assert {i: last[i]["verdict"] for i in verdicts} == verdicts

    # The next full run reuses every result the partial runs did not touch, and those they did.
    human = breakit("check", "--generated")
    assert human.returncode == 1, human.stderr[-2000:]  # the Survived one
    assert f"({len(cacheable)} reused from .breakit/)" in human.stdout.splitlines()[-1]
    again = check()
    assert sorted(m["id"] for m in again["mutants"] if m["cached"]) == cacheable
    assert {m["id"]: m["verdict"] for m in again["mutants"]} == verdicts
