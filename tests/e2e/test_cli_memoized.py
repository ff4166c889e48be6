"""A memoized result hides a test from per-test coverage (docs/field.md, disagreement 5): the
survivor's claim is checked on the whole suite before it is made."""

from __future__ import annotations

import json
from pathlib import Path

from cli_harness import Breakit, outcomes, write_project

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
