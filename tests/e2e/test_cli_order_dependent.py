"""The real CLI on a suite whose tests depend on their order: `test_ready_after_start` passes only
after `test_start_runs` has run (breakit.engine.order_check).

A mutant's first pass runs only the tests that reach its change, and first-catch moves last
time's killers first: `test_ready_after_start` then runs without `test_start_runs` before it and
fails on any mutant of `ready()`, the equivalent ones too (`-5` → `-4`, `>` → `>=`: `ready()`
is False before `start()` and True after, either way). Such a kill is checked: the test fails
alone on the unmutated code, so the mutant runs the whole suite in file order, as plain pytest
does, and --verify's oracle (a plain pytest per mutant) agrees with every verdict.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit
from tests.project_files import write_project

pytestmark = pytest.mark.slow

STEPS = {
    "pyproject.toml": """
        [project]
        name = "steps"
        version = "0"

        [tool.breakit]
        source = ["steps"]
        tests = ["tests"]
    """,
    "steps/__init__.py": """
        _STATE = {}


        def start():
            _STATE["ready"] = True  # pragma: no mutate


        def ready():
            return _STATE.get("ready", -5) > 0


        def double(x):
            return x * 2
    """,
    "tests/test_steps.py": """
        from steps import double, ready, start


        def test_start_runs():
            start()


        def test_ready_after_start():
            assert ready()


        def test_double():
            assert double(3) == 6
    """,
}


@pytest.mark.parametrize("mode", ["full", "first-catch"])
def test_a_test_that_needs_the_tests_before_it_kills_nothing_plain_pytest_would_not(
    tmp_path: Path, mode: str
) -> None:
    root, scratch = tmp_path / "steps", tmp_path / "tmp"
    write_project(root, STEPS)
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    extra = ["--first-catch"] if mode == "first-catch" else []
    listed = json.loads(breakit("list", "--generated", "--json").stdout)["mutants"]
    # Equivalent in file order: -5 or -4 or -6, `>` or `>=`, ready() is False before start().
    titles = {"`5` → `6`", "`5` → `4`", "`>` → `>=`"}
    equivalent = {m["id"] for m in listed if m["title"] in titles}
    assert len(equivalent) == len(titles), [m["title"] for m in listed]
    done = breakit("check", "--generated", "--json", "--verify", "--no-cache", "-j", "1", *extra)
    assert done.returncode == 1, done.stdout + done.stderr  # survivors, and no disagreement
    document = json.loads(done.stdout)
    assert document["verify"]["agree"] == document["verify"]["checked"] == len(listed)
    verdicts = {m["id"]: m["verdict"] for m in document["mutants"]}
    assert {verdicts[i] for i in equivalent} == {"Survived"}, verdicts
    # The kills of `ready()`'s mutants by test_ready_after_start out of file order ran again.
    assert document["survivor_proofs"]["runs_in_file_order"] >= 1, document["survivor_proofs"]
    # A mutant that breaks ready() is still Killed, by the test that needs start().
    broken = [m for m in document["mutants"] if m["title"].endswith("> 0` → `None`")]
    assert broken and broken[0]["verdict"] == "Killed"
