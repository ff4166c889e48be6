"""Survivor proofs in batches (breakit.engine.batch): the survivors of their covering tests run
the whole suite together, and a batch in which a test fails runs that test with each member alone
(breakit.engine.trial.run_suspects): the member it catches is done (first-catch) or runs the whole
suite alone (the full matrix), the others are proved again without it.

A memoized value that per-test coverage cannot see (a module-level dict, which no
lru_cache reset forgets) is what makes a survivor of its covering tests caught on the whole suite.
Only `found["b"] = 2` is mutated on the memoized path: a mutant that broke "a" would be caught by
its covering test and its row would lack test_second (per-test coverage cannot see it), which
--verify reports (docs/field.md, "A memo per-test coverage cannot see").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit, outcomes
from tests.project_files import write_project

pytestmark = pytest.mark.slow

MEMO_IN_A_DICT = {
    "pyproject.toml": """
        [project]
        name = "memo"
        version = "0"

        [tool.breakit]
        source = ["memo"]
        tests = ["tests"]
    """,
    "memo/__init__.py": """
        _TABLE = {}


        def table():
            if not _TABLE:  # pragma: no mutate
                _TABLE.update(build())  # pragma: no mutate
            return _TABLE  # pragma: no mutate


        def build():
            found = {"a": 1}  # pragma: no mutate
            found["b"] = 2
            return found  # pragma: no mutate


        def lookup(key):
            return table()[key]  # pragma: no mutate


        def double(x):
            return x * 2


        def shout(text):
            return text.upper() + "!"


        def clamp(x):
            return max(0, x)
    """,
    "tests/test_memo.py": """
        from memo import clamp, double, lookup, shout


        def test_first():
            assert lookup("a") == 1


        def test_second():
            assert lookup("b") == 2


        def test_double_runs():
            assert double(3) is not None


        def test_shout_runs():
            assert isinstance(shout("a"), str)


        def test_clamp_runs():
            assert clamp(5) >= 0
    """,
}

MEMO_LINE = '-    found["b"] = 2'


@pytest.mark.parametrize("mode", ["full", "first-catch"])
def test_a_batch_with_a_caught_survivor_finds_it_by_the_failing_test(
    tmp_path: Path, mode: str
) -> None:
    root, scratch = tmp_path / "memo", tmp_path / "tmp"
    write_project(root, MEMO_IN_A_DICT)
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    extra = ["--first-catch"] if mode == "first-catch" else []
    listed = json.loads(breakit("list", "--generated", "--json").stdout)["mutants"]
    on_the_memo = {m["id"] for m in listed if MEMO_LINE in m["diff"]}
    assert on_the_memo
    # One worker: every first pass runs before the batches are formed, so they are the same
    # batches every time.
    done = breakit("check", "--generated", "--json", "--verify", "--no-cache", "-j", "1", *extra)
    # Survivors exit 1; --verify's oracle (each mutant alone, plain pytest) agreeing is exit 0/1.
    assert done.returncode == 1, done.stdout + done.stderr
    document = json.loads(done.stdout)
    assert document["verify"]["agree"] == document["verify"]["checked"] == len(listed)
    # Their covering test (test_first, the one that built the table) passes; only test_second,
    # served the memoized table, reads "b".
    for memo in (m for m in document["mutants"] if m["id"] in on_the_memo):
        assert memo["verdict"] == "Killed", memo["id"]
        seen = outcomes(document, memo)
        assert seen["tests/test_memo.py::test_second"]["outcome"] == "caught", memo["id"]
    survivors = [m for m in document["mutants"] if m["verdict"] == "Survived"]
    assert len(survivors) >= 3
    proofs = document["survivor_proofs"]
    # The survivors and the memo mutants shared batches (one memo mutant each: they are on one
    # line), which test_second failed; run alone on it, each memo mutant was caught (and, in
    # the full matrix, then ran the whole suite alone for its row); some survivors were proved
    # again in a batch that passed, never alone.
    assert proofs["batches"] >= 2, proofs
    assert proofs["caught_by_failing_test"] == len(on_the_memo), proofs
    memo_alone = len(on_the_memo) if mode == "full" else 0
    assert memo_alone <= proofs["alone"] < len(survivors) + memo_alone, proofs
    # test_second passes alone on the unmutated code: its catches stand as they are.
    assert proofs["runs_in_file_order"] == 0, proofs
    if mode == "full":
        # A batch-proved survivor's matrix row is the whole suite, every test passed.
        for mutant in survivors:
            seen = outcomes(document, mutant)
            assert {o["outcome"] for o in seen.values()} == {"missed"}, mutant["id"]


def test_no_batch_proves_each_survivor_alone_with_the_same_verdicts(tmp_path: Path) -> None:
    root, scratch = tmp_path / "memo", tmp_path / "tmp"
    write_project(root, MEMO_IN_A_DICT)
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    listed = json.loads(breakit("list", "--generated", "--json").stdout)["mutants"]
    on_the_memo = sum(MEMO_LINE in m["diff"] for m in listed)
    runs = {}
    for how in (["--no-batch"], []):
        done = breakit("check", "--generated", "--json", "--no-cache", "-j", "1", *how)
        assert done.returncode == 1, done.stdout + done.stderr
        runs[bool(how)] = json.loads(done.stdout)
    alone, batched = runs[True], runs[False]
    assert {m["id"]: m["verdict"] for m in alone["mutants"]} == {
        m["id"]: m["verdict"] for m in batched["mutants"]
    }
    # Every survivor of its covering tests ran the whole suite by itself: the survivors, and the
    # memo mutants that only the whole suite catches.
    survivors = sum(m["verdict"] == "Survived" for m in alone["mutants"])
    assert alone["survivor_proofs"] == {
        "batches": 0,
        "alone": survivors + on_the_memo,
        "caught_by_failing_test": 0,
        "runs_in_file_order": 0,
    }
    assert batched["survivor_proofs"]["alone"] < survivors + on_the_memo
    # The first mutant starts once the baseline is there, both timed from the command's start.
    timing = batched["timing"]
    assert 0 < timing["baseline_s"] < timing["first_mutant_s"]


# Code run at import (pyjwt's shape): `default_options` builds the options of the module's global
# Checker, whose bound `check` the tests call. A mutant of it must pass the whole suite; first-catch
# tries the tests that reach its line while they run (test_custom_limit) first, and a survivor of
# those waits for a batch. "strict" is read only through the global: the batch fails, and halving
# finds it. The `if TYPE_CHECKING or …` block never runs: its mutants are NoCoverage.
RUN_AT_IMPORT = {
    "pyproject.toml": MEMO_IN_A_DICT["pyproject.toml"].replace('"memo"', '"opts"'),
    "opts/__init__.py": """
        import os
        from typing import TYPE_CHECKING

        if TYPE_CHECKING or os.environ.get("BUILDING_DOCS"):
            DOCS_LIMIT = 3


        def default_options():
            return {
                "strict": True,
                # how far a value may go
                "limit": 10,
                # say more
                "verbose": False,
            }


        class Checker:
            def __init__(self, options=None):
                self.options = {**default_options(), **(options or {})}  # pragma: no mutate

            def check(self, value, scale=1):
                if self.options["strict"] and value > self.options["limit"] * scale:
                    raise ValueError(value)
                return value


        _GLOBAL = Checker()
        check = _GLOBAL.check
    """,
    "tests/test_opts.py": """
        import pytest

        from opts import Checker, check


        def test_global_strict():
            with pytest.raises(ValueError):
                check(11)


        def test_global_ok():
            assert check(5) == 5


        def test_custom_limit():
            assert Checker({"limit": 3}).check(2) == 2
    """,
}


def test_a_mutant_run_at_import_tries_its_tests_first_then_a_batch(tmp_path: Path) -> None:
    root, scratch = tmp_path / "opts", tmp_path / "tmp"
    write_project(root, RUN_AT_IMPORT)
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    listed = json.loads(breakit("list", "--generated", "--json").stdout)["mutants"]

    def ids(fragment: str) -> set[str]:
        return {m["id"] for m in listed if f"+{fragment}" in m["diff"].replace(" ", "")}

    strict, verbose = ids('"strict":False'), ids('"verbose":True')
    limit_up, limit_down, docs = ids('"limit":11'), ids('"limit":9'), ids("DOCS_LIMIT=4")
    assert all(len(found) == 1 for found in (strict, verbose, limit_up, limit_down, docs))
    runs = {}
    for mode in ("first-catch", "full"):
        extra = ["--first-catch"] if mode == "first-catch" else []
        done = breakit("check", "--generated", "--json", "--verify", "--no-cache", "-j1", *extra)
        assert done.returncode == 1, done.stdout + done.stderr
        runs[mode] = json.loads(done.stdout)
        assert runs[mode]["verify"]["agree"] == runs[mode]["verify"]["checked"] == len(listed)
    verdicts = {m["id"]: m["verdict"] for m in runs["first-catch"]["mutants"]}
    assert verdicts == {m["id"]: m["verdict"] for m in runs["full"]["mutants"]}
    assert {verdicts[i] for i in strict | limit_up} == {"Killed"}
    assert {verdicts[i] for i in verbose | limit_down} == {"Survived"}
    assert {verdicts[i] for i in docs} == {"NoCoverage"}
    caught = runs["first-catch"]["mutants"]
    for mutant in (m for m in caught if m["id"] in strict):
        seen = outcomes(runs["first-catch"], mutant)
        assert seen["tests/test_opts.py::test_global_strict"]["outcome"] == "caught"
    # The survivors of test_custom_limit were proved in a batch (the full matrix runs the whole
    # suite for each at once, as it needs every catching test).
    assert runs["first-catch"]["survivor_proofs"]["batches"] >= 1
