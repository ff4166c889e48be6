"""`breakit tests`: the tests ranked by the last check's kill matrix, on the real CLI; the minimal
suite it names catches what the whole suite catches (on the bundled target); the learner's
`list` hides a breakage's result until the learner has tried it."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli_harness import outcomes

pytestmark = pytest.mark.slow


def catching(document: dict) -> dict[str, set[str]]:
    """Mutant id → the tests that caught or errored on it, from `check --json` (detected only)."""
    found = {}
    for mutant in document["mutants"]:
        if mutant["verdict"] not in ("Killed", "Timeout"):
            continue
        by_test = outcomes(document, mutant)
        found[mutant["id"]] = {
            t for t, o in by_test.items() if o["outcome"] in ("caught", "errored")
        }
    return found


def test_tests_needs_a_previous_check(small):
    result = small("tests")
    assert result.returncode == 2
    assert "no previous run" in result.stderr and "run breakit check first" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    # A file cut short, or from another version, is no previous run either.
    (small.root / ".breakit").mkdir()
    (small.root / ".breakit/last_run.json").write_text('{"version": 1, "tests": [')
    garbled = small("tests", "--json")
    assert garbled.returncode == 2 and "run breakit check first" in garbled.stderr


def test_tests_json_on_a_small_project(small):
    checked = small("check", "--generated", "--json")
    assert checked.returncode == 0, checked.stderr
    document = json.loads(checked.stdout)
    caught_by = catching(document)
    assert caught_by, "the small project's generated mutants are caught"

    ranked = small("tests", "--json")
    assert ranked.returncode == 0, ranked.stderr
    view = json.loads(ranked.stdout)
    assert view["version"] == 1
    assert {"tests", "redundant", "minimal_suite", "subsuming"} <= set(view)
    tests = {t["id"]: t for t in view["tests"]}
    assert set(tests) == set(document["baseline"]["tests"])
    for test_id, entry in tests.items():
        assert set(entry) >= {"id", "caught", "only", "duration_s"}
        assert set(entry["caught"]) == {m for m, found in caught_by.items() if test_id in found}
        assert set(entry["only"]) == {m for m, found in caught_by.items() if found == {test_id}}
        assert entry["duration_s"] > 0  # the baseline's time for it: no test takes none
    # Redundant: each alone could go without losing a catch.
    assert set(view["redundant"]) == {t for t, e in tests.items() if not e["only"]}
    # The minimal suite catches every mutant some test catches.
    chosen = set(view["minimal_suite"])
    assert all(found & chosen for found in caught_by.values())
    # Subsuming: no other caught mutant's catching tests are a strict subset of theirs.
    for mutant_id in view["subsuming"]:
        assert not any(other < caught_by[mutant_id] for other in caught_by.values())

    minimal = small("tests", "--minimal")
    assert minimal.stdout.splitlines() == view["minimal_suite"]
    shown = small("tests")
    assert shown.returncode == 0, shown.stderr
    assert "Minimal suite:" in shown.stdout and "Redundant:" in shown.stdout
    assert "test_calc.py::test_add" in shown.stdout

    # A first-catch run knows one catcher per mutant: too few to rank by, and `tests` says so.
    partial = small("check", "--generated", "--first-catch", "--no-cache", "-q")
    assert partial.returncode == 0, partial.stderr
    refused = small("tests")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--first-catch" in refused.stderr and "without --first-catch" in refused.stderr


def test_the_learner_sees_which_test_catches_most_and_results_only_after_trying(small):
    # A check (CI's, a classmate's) before the learner has tried anything.
    assert small("check").returncode == 0
    listed = small("list").stdout
    assert "caught by" not in listed
    assert listed.count("try it to see") == 2

    ranked = small("tests").stdout
    # The exercise's words, and the lesson's question: who catches the most, who catches none.
    assert "2 breakages" in ranked
    most = next(line for line in ranked.splitlines() if line.startswith("Catches the most:"))
    assert "test_calc.py::test_add" in most and "test_calc.py::test_zero_is_not_positive" in most
    assert "(1 of 2 breakages)" in most
    assert "Catch none (1): test_calc.py::test_positive" in ranked

    assert small("apply", "minus").returncode == 0
    listed = small("list").stdout
    minus = next(line for line in listed.splitlines() if line.startswith("minus"))
    boundary = next(line for line in listed.splitlines() if line.startswith("boundary"))
    assert "caught by 1 test" in minus
    assert "try it to see" in boundary and "caught" not in boundary


def test_the_minimal_suite_catches_what_the_whole_suite_catches(bundled):
    # The generated mutants of two files of the bundled target (31 mutants, about a minute on
    # two cores): ids.py (function bodies) and limits.py (a middleware every request crosses).
    files = ("--file", "target_app/ids.py", "--file", "target_app/limits.py")
    whole = bundled("check", "--generated", *files, "--json", timeout=600)
    assert whole.returncode == 0, whole.stderr
    caught_whole = set(catching(json.loads(whole.stdout)))
    assert len(caught_whole) >= 20

    minimal = bundled("tests", "--minimal").stdout.split()
    assert 0 < len(minimal) < 69 / 4, minimal  # far fewer than the suite's 69 tests

    pyproject = bundled.root / "pyproject.toml"
    text = pyproject.read_text()
    assert 'tests = ["tests/integration"]' in text
    pyproject.write_text(
        text.replace('tests = ["tests/integration"]', f"tests = {json.dumps(minimal)}")
    )
    only = bundled("check", "--generated", *files, "--json", "--no-cache", timeout=600)
    assert only.returncode == 0, only.stderr
    document = json.loads(only.stdout)
    assert sorted(document["baseline"]["tests"]) == sorted(minimal)
    assert set(catching(document)) == caught_whole
