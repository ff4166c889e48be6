"""Generated mutants through the real CLI on a small unseen project: list, check, gates, shards."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli_harness import outcomes

pytestmark = pytest.mark.slow


def generated_ids(small, *args: str) -> list[str]:
    result = small("list", "--generated", "--json", *args)
    assert result.returncode == 0, result.stderr
    return [m["id"] for m in json.loads(result.stdout)["mutants"]]


def test_list_generated_runs_nothing_and_ids_are_stable(small):
    first = generated_ids(small)
    assert not (small.root / ".breakit" / "baseline.json").exists()  # no test ran
    assert first == generated_ids(small)
    assert any(":comparison:" in i for i in first)
    assert any(":arithmetic:" in i for i in first)
    assert all(i.startswith("calc.__init__:") for i in first)
    document = json.loads(small("list", "--generated", "--json").stdout)
    comparison = next(m for m in document["mutants"] if ":comparison:" in m["id"])
    assert comparison["location"]["path"] == "calc/__init__.py"
    assert comparison["location"]["start"]["line"] == 6
    assert "-    return n > 0" in comparison["diff"]


def test_filters_narrow_the_list(small):
    everything = generated_ids(small)
    comparisons = generated_ids(small, "--operator", "comparison")
    assert comparisons and set(comparisons) < set(everything)
    assert all(":comparison:" in i for i in comparisons)
    pattern = generated_ids(small, "--match", "calc.__init__:arithmetic:*")
    assert pattern and all(i.startswith("calc.__init__:arithmetic:") for i in pattern)
    unknown = small("list", "--generated", "--operator", "comparsion")
    assert unknown.returncode == 2
    assert "comparison" in unknown.stderr


def test_check_generated_gives_a_score_and_lists_survivors(small):
    result = small("check", "--generated", "--json")
    document = json.loads(result.stdout)
    verdicts = {m["id"]: m["verdict"] for m in document["mutants"]}
    assert set(verdicts.values()) <= {"Killed", "Survived", "NoCoverage", "Timeout"}
    survived = [i for i, v in verdicts.items() if v in ("Survived", "NoCoverage")]
    assert result.returncode == (1 if survived else 0)
    killed = sum(v in ("Killed", "Timeout") for v in verdicts.values())
    assert document["score"] == 100.0 * killed / len(verdicts)
    # The boundary swap `n > 0` → `n >= 0` is caught by exactly the zero test.
    diffs = {i: small("diff", i).stdout for i in verdicts if ":comparison:" in i}
    boundary = next(i for i, d in diffs.items() if "+    return n >= 0" in d)
    tests = outcomes(document, next(m for m in document["mutants"] if m["id"] == boundary))
    caught = [n for n, t in tests.items() if t["outcome"] == "caught"]
    assert caught == ["tests/test_calc.py::test_zero_is_not_positive"]


def test_fail_under_is_its_own_exit_code(small):
    test_file = small.root / "tests/test_calc.py"
    test_file.write_text(
        test_file.read_text().replace("assert add(2, 3) == 5", "assert add(0, 0) == 0")
    )
    low = small("check", "--generated", "--operator", "arithmetic", "--fail-under", "90")
    assert low.returncode == 7, low.stdout + low.stderr
    assert "under --fail-under 90%" in low.stdout
    assert "Survived" in low.stdout
    assert "-    return a + b" in low.stdout  # the survivor is shown with its diff
    ok = small("check", "--generated", "--operator", "arithmetic", "--fail-under", "0")
    assert ok.returncode == 0


def test_equivalent_mutants_are_ignored_with_their_reason(small):
    arithmetic = generated_ids(small, "--operator", "arithmetic")
    pyproject = small.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + f'\n[tool.breakit.equivalent]\n"{arithmetic[0]}" = "a reason the reports show"\n'
    )
    result = small("check", "--generated", "--operator", "arithmetic", "--json")
    assert result.returncode == 0, result.stderr
    by_id = {m["id"]: m for m in json.loads(result.stdout)["mutants"]}
    assert by_id[arithmetic[0]]["verdict"] == "Ignored"
    assert by_id[arithmetic[0]]["error"] == "a reason the reports show"
    assert by_id[arithmetic[0]]["tests"] == {"ran": "", "caught": [], "errored": []}


def test_mutants_whose_compiled_code_is_the_original_or_another_are_not_run(small):
    (small.root / "calc/twice.py").write_text(
        'def twice(x):\n    "Twice x."\n    "a note, not a docstring"\n    return x * (1 + 1)\n'
    )
    (small.root / "tests/test_twice.py").write_text(
        "from calc.twice import twice\n\n\ndef test_twice():\n    assert twice(2) == 4\n"
    )
    result = small("check", "--generated", "--file", "calc/twice.py", "--json")
    mutants = json.loads(result.stdout)["mutants"]
    by_title = {m["title"]: m for m in mutants}
    note = by_title['`"a note, not a docstring"` → `""`']
    assert note["verdict"] == "Ignored"
    assert note["error"] == "its compiled code is the original's: no test can tell them apart"
    assert note["tests"] == {"ran": "", "caught": [], "errored": []}
    # `(1 + 1)` → `(2 + 1)` and → `(1 + 2)` both compile to the constant 3: the second is not
    # run, and takes the first's verdict (found in the field: a twin shown Ignored was Killed).
    numbers = {m["id"]: m for m in mutants if m["id"].startswith("calc.twice:number:")}
    twins = [m for m in numbers.values() if (m["error"] or "").startswith("its compiled code is ")]
    assert len(numbers) == 4 and len(twins) == 2
    for mutant in twins:
        assert mutant["error"].endswith("its verdict is that mutant's")
        other = numbers[mutant["error"].removeprefix("its compiled code is ").split("'s:")[0]]
        assert mutant["verdict"] == other["verdict"] != "Ignored"
        assert mutant["tests"] == other["tests"]


def test_shards_split_the_mutants_without_overlap(small):
    everything = set(generated_ids(small))
    parts = []
    for k in (1, 2, 3):
        result = small("check", "--generated", "--shard", f"{k}/3", "--json")
        parts.append({m["id"] for m in json.loads(result.stdout)["mutants"]})
    assert set().union(*parts) == everything
    assert sum(len(p) for p in parts) == len(everything)
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1
    bad = small("check", "--shard", "4/3")
    assert bad.returncode == 2
    assert "k must be between 1 and n" in bad.stderr


def test_apply_and_diff_take_a_generated_id(small):
    mutant_id = generated_ids(small, "--operator", "arithmetic")[0]
    diff = small("diff", mutant_id)
    assert diff.returncode == 0
    assert "+    return a - b" in diff.stdout
    applied = small("apply", mutant_id)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "caught by 1 of 3" in applied.stdout
    typo = small("apply", mutant_id[:-1] + "x")
    assert typo.returncode == 2
    assert f"did you mean {mutant_id!r}" in typo.stderr
