"""A memoized result hides a test from per-test coverage (docs/field.md, disagreement 5): the
baseline's coverage run forgets source functions' lru_caches before every test, so each test is
seen running what it needs; and a survivor's claim is checked on the whole suite before it is
made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit, outcomes
from tests.project_files import write_project

pytestmark = pytest.mark.slow

MEMOIZED = {
    "pyproject.toml": """
        [project]
        name = "memo"
        version = "0"

        [tool.breakit]
        source = ["memo"]
        tests = ["tests"]
    """,
    "memo/__init__.py": """
        import functools


        @functools.lru_cache(maxsize=None)
        def table():
            return build()


        def build():
            return {"a": 1, "b": 2}


        def lookup(key):
            return table()[key]
    """,
    "tests/test_memo.py": """
        from memo import lookup


        def test_first():
            assert lookup("a") == 1


        def test_second():
            assert lookup("b") == 2
    """,
}


def test_a_test_fed_a_memoized_result_still_catches(tmp_path: Path) -> None:
    root, scratch = tmp_path / "memo", tmp_path / "tmp"
    write_project(root, MEMOIZED)
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    listed = json.loads(breakit("list", "--generated", "--json").stdout)
    # build() runs once, in test_first (the baseline's coverage says so); test_second gets the
    # cached table and never runs build(), yet it is the test that reads "b".
    (wanted,) = [m["id"] for m in listed["mutants"] if '+    return {"a": 1, "b": 3}' in m["diff"]]
    done = breakit("check", "--generated", wanted, "--json", "--verify")
    assert done.returncode == 0, done.stdout + done.stderr  # Killed, and the oracle agrees
    document = json.loads(done.stdout)
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed"
    assert outcomes(document, mutant)["tests/test_memo.py::test_second"]["outcome"] == "caught"


def test_a_test_served_from_a_cache_is_in_the_matrix(tmp_path: Path) -> None:
    # build() returning None: table() caches None and both tests fail. Without the cache
    # forgotten per test, the baseline sees build() run only in test_first, the mutant runs only
    # test_first, and the matrix misses test_second (--verify: "not run, fails in the oracle").
    root, scratch = tmp_path / "memo", tmp_path / "tmp"
    write_project(root, MEMOIZED)
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    listed = json.loads(breakit("list", "--generated", "--json").stdout)
    (wanted,) = [
        m["id"]
        for m in listed["mutants"]
        if ":return_none:" in m["id"] and '-    return {"a": 1, "b": 2}' in m["diff"]
    ]
    done = breakit("check", "--generated", wanted, "--json", "--verify")
    assert done.returncode == 0, done.stdout + done.stderr  # the oracle agrees test for test
    document = json.loads(done.stdout)
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed"
    seen = outcomes(document, mutant)
    assert seen["tests/test_memo.py::test_first"]["outcome"] == "caught"
    assert seen["tests/test_memo.py::test_second"]["outcome"] == "caught"
