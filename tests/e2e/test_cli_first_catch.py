"""`check --first-catch` through the real CLI: the full run's verdicts, killer-first order, a
partial matrix in the JSON, results kept apart from the full run's, answer keys not checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_harness import Breakit
from tests.project_files import write_project

pytestmark = pytest.mark.slow

# A project whose mutants of `double` only the slow test, listed last, catches; the fast tests run
# `double` (so they are selected) without checking what it returns. `label` survives everything.
KILLER_PROJECT = {
    "pyproject.toml": """
        [project]
        name = "dbl"
        version = "0"

        [tool.breakit]
        source = ["dbl"]
        tests = ["tests"]
    """,
    "dbl/__init__.py": """
        def double(x):
            return x * 2


        def label():
            return "dbl"
    """,
    "tests/test_dbl.py": """
        import time

        from dbl import double, label


        def test_fast_one():
            double(1)


        def test_fast_two():
            double(2)


        def test_fast_three():
            double(3)
            label()


        def test_slow_checks_the_result():
            time.sleep(0.4)
            assert double(3) == 6


        def test_slower_checks_it_too():
            time.sleep(0.6)
            assert double(4) == 8
    """,
}

SLOW = "tests/test_dbl.py::test_slow_checks_the_result"
SLOWER = "tests/test_dbl.py::test_slower_checks_it_too"


def killer_project(tmp_path: Path) -> Breakit:
    root = tmp_path / "dbl-project"
    write_project(root, KILLER_PROJECT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return Breakit(root, scratch)


def check_json(breakit: Breakit, *args: str) -> dict[str, Any]:
    result = breakit("check", "--json", *args)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in document["mutants"]}


def ran(document: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """The node ids a mutant ran, in the order they ran."""
    tests = document["baseline"]["tests"]
    order = entry["order"]
    if order is not None:
        return [tests[i] if isinstance(i, int) else i for i in order]
    indices: list[int] = []
    for part in filter(None, entry["tests"]["ran"].split(",")):
        first, _, last = part.partition("-")
        indices.extend(range(int(first), int(last or first) + 1))
    return [tests[i] for i in indices]


def detected(document: dict[str, Any], entry: dict[str, Any]) -> set[str]:
    tests = document["baseline"]["tests"]
    found = [*entry["tests"]["caught"], *entry["tests"]["errored"]]
    return {tests[f["test"]] for f in found}


def multiplication(breakit: Breakit) -> str:
    """The id of the mutant that turns `x * 2` into `x / 2` (only the slow tests notice)."""
    listed = json.loads(breakit("list", "--generated", "--json").stdout)["mutants"]
    return next(m["id"] for m in listed if "return x / 2" in m["diff"])


def test_first_catch_verdicts_equal_the_full_runs_on_the_bundled_target(bundled):
    # A bounded subset (38 of the 190): ids.py and limits.py (hot and fresh mutants, caught and
    # errored tests) and models.py (column definitions: Killed by the tests, or at import). The
    # first-catch run goes first, so the full run cannot have been served its results.
    subset = ["--generated"]
    for path in ("target_app/ids.py", "target_app/limits.py", "target_app/models.py"):
        subset += ["--file", path]
    first = check_json(bundled, *subset, "--first-catch")
    full = check_json(bundled, *subset)
    assert (first["matrix"], full["matrix"]) == ("first-catch", "full")
    verdicts = {i: m["verdict"] for i, m in by_id(full).items()}
    assert {i: m["verdict"] for i, m in by_id(first).items()} == verdicts
    assert len(verdicts) == 38
    assert "Killed" in set(verdicts.values())
    assert not any(m["cached"] for m in full["mutants"])  # first-catch results never serve it
    # A primary key dropped from a model: SQLAlchemy refuses it at import, so the conftest that
    # imports the models does not load, in either mode: Killed, that conftest named.
    at_import = {i for i, m in by_id(full).items() if m["tests"].get("other")}
    assert at_import
    fewer = 0
    for mutant_id, entry in by_id(first).items():
        if entry["verdict"] != "Killed":
            continue
        if mutant_id in at_import:
            assert entry["tests"]["other"] == by_id(full)[mutant_id]["tests"]["other"]
            assert list(entry["tests"]["other"]) == ["tests/integration/conftest.py"]
            assert entry["tests"]["ran"] == ""
            continue
        # Stopped at the first catch: one catching (or erroring) test, the last one run, and one
        # the full matrix has too.
        caught = detected(first, entry)
        assert len(caught) == 1, mutant_id
        assert caught <= detected(full, by_id(full)[mutant_id])
        assert ran(first, entry)[-1] in caught
        fewer += len(ran(first, entry)) < len(ran(full, by_id(full)[mutant_id]))
    assert fewer > 20  # most mutants ran fewer tests than in the full run


def test_killer_first_runs_last_times_catching_test_first(tmp_path):
    breakit = killer_project(tmp_path)
    mutant = multiplication(breakit)
    first = check_json(breakit, "--generated", "--match", mutant, "--first-catch")
    entry = by_id(first)[mutant]
    assert first["matrix"] == "first-catch" and entry["verdict"] == "Killed"
    # Nothing known yet: fastest first, so the three fast tests, then the slow one, which
    # catches it; the slower one is not run.
    order = ran(first, entry)
    assert order[-1] == SLOW and len(order) == 4
    assert detected(first, entry) == {SLOW}
    assert SLOWER not in order
    # The next run (results not reused) starts with the test that caught it last time: only it.
    # The first ran in a hot session (a change inside a function body); this one in a fresh
    # `python -m pytest`, which gets its order and its stop through the environment.
    second = check_json(
        breakit,
        "--generated",
        "--match",
        mutant,
        "--first-catch",
        "--no-cache",
        "--backend",
        "subprocess",
    )
    entry = by_id(second)[mutant]
    assert entry["verdict"] == "Killed" and not entry["cached"]
    assert ran(second, entry) == [SLOW]
    assert detected(second, entry) == {SLOW}


def test_first_catch_results_are_kept_apart_from_the_full_matrix(tmp_path):
    breakit = killer_project(tmp_path)
    mutant = multiplication(breakit)
    first = by_id(check_json(breakit, "--generated", "--first-catch"))
    assert detected_ids(first[mutant]) == 1
    # The full run runs it again (its cached first-catch result is partial) and sees both.
    full_document = check_json(breakit, "--generated")
    full = by_id(full_document)
    assert full_document["matrix"] == "full"
    assert not any(entry["cached"] for entry in full.values())
    assert detected(full_document, full[mutant]) == {SLOW, SLOWER}
    # Same verdicts, the survivor too: it ran every test in both modes (and the whole suite).
    assert {i: e["verdict"] for i, e in first.items()} == {i: e["verdict"] for i, e in full.items()}
    survivors = [i for i, e in full.items() if e["verdict"] == "Survived"]
    assert survivors
    for mutant_id in survivors:
        assert first[mutant_id]["tests"]["ran"] == full[mutant_id]["tests"]["ran"]
    # A later first-catch run may reuse a full result: the same verdict, every catching test.
    again = by_id(check_json(breakit, "--generated", "--first-catch"))
    assert again[mutant]["cached"] and detected_ids(again[mutant]) == 2


def detected_ids(entry: dict[str, Any]) -> int:
    return len(entry["tests"]["caught"]) + len(entry["tests"]["errored"])


def test_first_catch_on_curated_mutations_skips_the_answer_key_check(small):
    # An answer key that is wrong: the full run says so (exit 6), first-catch does not check it.
    breakage = small.root / "breakages/minus.py"
    breakage.write_text(
        breakage.read_text().replace(
            'caught_by=("tests/test_calc.py::test_add",)',
            'caught_by=("tests/test_calc.py::test_add", "tests/test_calc.py::test_positive")',
        )
    )
    full = small("check")
    assert full.returncode == 6, full.stdout + full.stderr
    first = small("check", "--first-catch")
    assert first.returncode == 0, first.stdout + first.stderr
    skipped = [line for line in first.stderr.splitlines() if "answer keys" in line]
    assert skipped == [
        "first-catch: the answer keys of 2 curated mutations are not checked (each mutant "
        "stopped at its first catching test); run `breakit check` without --first-catch to "
        "check them"
    ]
    assert "answer keys" not in full.stderr
    # The summary says the matrix is partial.
    partial = "(first-catch: each stopped at its first catching test)"
    assert partial in first.stdout and partial not in full.stdout


# A breakage that makes one test fail at once and another hang: the one place where first-catch's
# verdict may differ from the full run's, by rule (README, "Which mode where").
FAIL_AND_HANG = {
    "pyproject.toml": """
        [project]
        name = "fh"
        version = "0"

        [tool.breakit]
        source = ["fh"]
        tests = ["tests"]
        mutations = ["breakages"]
        timeout_factor = 1.0
        timeout_min_s = 3.0
    """,
    "fh/__init__.py": """
        def half(n):
            return n // 2
    """,
    "tests/test_fh.py": """
        import time

        from fh import half


        def test_two_hangs_under_the_breakage():
            time.sleep(0.3)  # slower: first-catch, knowing nothing, runs the fast test first
            assert half(2) == 1


        def test_zero_fails_under_the_breakage():
            assert half(0) == 0
    """,
    "breakages/fail_and_hang.py": """
        import libcst as cst
        import libcst.matchers as m

        from breakit.core.model import FileEdit, Mutation

        BODY = "if n == 0:\\n    return -1\\nwhile True:\\n    pass\\n"


        class FailOrHang(m.MatcherDecoratableTransformer):
            @m.leave(m.FunctionDef(name=m.Name("half")))
            def fail_or_hang(self, original, updated):
                body = list(cst.parse_module(BODY).body)
                return updated.with_changes(body=updated.body.with_changes(body=body))


        MUTATION = Mutation(
            id="fail-and-hang",
            title="half(0) is -1, half(2) never returns",
            question="Which test notices first?",
            hints=("Look at half.",),
            edits=(FileEdit("fh/__init__.py", FailOrHang, looks_for="def half"),),
        )
    """,
}


def test_a_catch_before_a_hang_is_killed_in_first_catch_and_timeout_in_the_full_run(tmp_path):
    root = tmp_path / "fh-project"
    write_project(root, FAIL_AND_HANG)
    (tmp_path / "tmp").mkdir()
    breakit = Breakit(root, tmp_path / "tmp")
    full = breakit("check", "--json")
    first = breakit("check", "--json", "--first-catch")
    full_entry = json.loads(full.stdout)["mutants"][0]
    first_entry = json.loads(first.stdout)["mutants"][0]
    # The full run runs the hanging test first (file order) and times out; first-catch runs the
    # failing one first and stops there. Both count as caught: the same exit code and score.
    assert (full_entry["verdict"], first_entry["verdict"]) == ("Timeout", "Killed")
    assert full.returncode == first.returncode == 0
    assert json.loads(full.stdout)["score"] == json.loads(first.stdout)["score"] == 100.0
    tests = json.loads(first.stdout)["baseline"]["tests"]
    caught = [tests[c["test"]] for c in first_entry["tests"]["caught"]]
    assert caught == ["tests/test_fh.py::test_zero_fails_under_the_breakage"]
