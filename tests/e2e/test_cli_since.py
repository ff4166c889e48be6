"""`breakit check --since REF` with the real git and the real CLI: the mutants on changed lines,
and those that changed tests cover; why each came in; the Markdown summary and annotations."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tests.e2e.cli_harness import outcomes
from tests.git_helper import commit_all, git, init_repo

pytestmark = pytest.mark.slow

NEW_FUNCTION = '''

def ids_between(first: int, last: int) -> list[int]:
    """The ids from first to last, both included (none when last comes first)."""
    if last < first:
        return []
    return list(range(first, last + 1))
'''
NEW_TEST_FILE = "tests/integration/test_ids_between.py"
NEW_TEST = f"{NEW_TEST_FILE}::test_ids_between_includes_both_ends"
NEW_TEST_TEXT = """
from target_app.ids import ids_between


def test_ids_between_includes_both_ends():
    assert ids_between(2, 4) == [2, 3, 4]
    assert ids_between(3, 2) == []
"""


def document(result: subprocess.CompletedProcess[str]) -> dict:
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_bundled_new_function_then_the_test_that_covers_it(bundled):
    """The issue's done-when: a new untested function brings in exactly its mutants; once a test
    covers it and is committed, `--since HEAD~1` brings in the mutants that test covers."""
    root = bundled.root
    init_repo(root)
    ids_py = root / "target_app/ids.py"
    before = len(ids_py.read_text().splitlines())
    ids_py.write_text(ids_py.read_text() + NEW_FUNCTION)  # uncommitted: --since sees it
    listed = document(bundled("list", "--generated", "--file", "target_app/ids.py", "--json"))
    function = {m["id"] for m in listed["mutants"] if m["location"]["start"]["line"] > before}
    assert len(function) >= 4, listed  # a comparison, numbers, a return at least

    untested = bundled("check", "--generated", "--since", "HEAD", "--json")
    assert untested.returncode == 1, untested.stderr  # NoCoverage survivors fail the gate
    doc = document(untested)
    assert {m["id"] for m in doc["mutants"]} == function
    assert {m["verdict"] for m in doc["mutants"]} == {"NoCoverage"}
    since = doc["since"]
    assert since["ref"] == "HEAD" and since["commit"] == git(root, "rev-parse", "HEAD").strip()
    assert since["files"] == ["target_app/ids.py"]
    assert since["changed_tests"] == []
    assert since["reasons"] == {mutant_id: ["changed-line"] for mutant_id in function}

    commit_all(root, "ids_between")
    (root / NEW_TEST_FILE).write_text(NEW_TEST_TEXT.lstrip())
    commit_all(root, "a test for ids_between")
    covered = bundled("check", "--generated", "--since", "HEAD~1", "--json")
    doc = document(covered)
    # Only the test changed since HEAD~1: the function's mutants come in through its coverage.
    assert doc["since"]["files"] == [NEW_TEST_FILE]
    assert doc["since"]["changed_tests"] == [NEW_TEST]
    assert doc["since"]["reasons"] == {m: [f"changed-test:{NEW_TEST}"] for m in function}
    assert {m["id"] for m in doc["mutants"]} == function
    for mutant in doc["mutants"]:
        assert outcomes(doc, mutant)[NEW_TEST]["outcome"] != "not_run", mutant
    assert "Killed" in {m["verdict"] for m in doc["mutants"]}
    assert covered.returncode in (0, 1), covered.stderr


def test_a_changed_test_brings_in_what_it_covers_summary_and_annotations(small, tmp_path):
    root = small.root
    init_repo(root)
    test_file = root / "tests/test_calc.py"
    # Weaker: add's mutants now survive test_add, which changed (unstaged) since HEAD.
    test_file.write_text(test_file.read_text().replace("add(2, 3) == 5", "add(0, 0) == 0"))
    changed_line = test_file.read_text().splitlines().index("    assert add(0, 0) == 0") + 1
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n")
    out = tmp_path / "out"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step_summary)}
    result = small.run_with_env(
        env, "check", "--generated", "--since", "HEAD", "--output", str(out)
    )
    assert result.returncode == 1, result.stdout + result.stderr
    own = json.loads((out / "breakit.json").read_text())
    reasons = own["since"]["reasons"]
    assert reasons and set(map(tuple, reasons.values())) == {
        ("changed-test:tests/test_calc.py::test_add",)
    }
    assert {m["id"] for m in own["mutants"]} == set(reasons)
    assert all(m["location"]["start"]["line"] == 2 for m in own["mutants"])  # `return a + b`

    # The terminal says why they came; annotations stay on changed lines: no survivor is on
    # one, so no error, and the changed test gets one warning where it changed.
    assert (
        "Since HEAD" in result.stdout
        and "changed test tests/test_calc.py::test_add" in result.stdout
    )
    assert not [line for line in result.stdout.splitlines() if line.startswith("::error")]
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"::warning file=tests/test_calc.py,line={changed_line},")

    # The other reports say it too: report.json's descriptions, junit.xml's properties.
    why = "brought in by --since HEAD: changed test tests/test_calc.py::test_add"
    report = json.loads((out / "report.json").read_text())
    described = [m["description"] for m in report["files"]["calc/__init__.py"]["mutants"]]
    assert len(described) == len(reasons) and all(d.endswith(f"({why})") for d in described)
    junit = ET.parse(out / "junit.xml").getroot()
    assert [p.get("value") for p in junit.iter("property")] == [why] * len(reasons)
    page = (out / "report.html").read_text()
    assert page.count(f'<p class="sub">{why}</p>') == len(reasons)

    summary = (out / "summary.md").read_text()
    assert step_summary.read_text() == "earlier step\n" + summary  # appended, as GitHub asks
    assert summary.startswith("## breakit: ")
    assert "on the change since `HEAD`" in summary and "### Survivors" in summary
    assert "```diff\n" in summary and "<details>" in summary


def test_git_errors_are_one_line_with_a_fix_and_exit_2(small, tmp_path):
    no_repo = small.run_with_env(
        {"GIT_CEILING_DIRECTORIES": str(tmp_path)}, "check", "--generated", "--since", "HEAD"
    )
    assert no_repo.returncode == 2
    assert "Traceback" not in no_repo.stderr
    assert "--since needs a git repository" in no_repo.stderr.splitlines()[0]
    assert "git init" in no_repo.stderr

    init_repo(small.root)
    bad_ref = small("check", "--generated", "--since", "no-such-branch")
    assert bad_ref.returncode == 2
    lines = bad_ref.stderr.splitlines()
    assert lines[0] == "error: --since: unknown git revision 'no-such-branch'"
    assert "fetch-depth: 0" in bad_ref.stderr and "Traceback" not in bad_ref.stderr
    assert "baseline" not in bad_ref.stderr  # nothing ran

    with_ids = small("check", "minus", "--since", "HEAD")
    assert with_ids.returncode == 2 and "not both" in with_ids.stderr


def test_nothing_changed_runs_nothing(small):
    init_repo(small.root)
    (small.root / "notes.txt").write_text("not code\n")  # untracked, but no mutant is on it
    result = small("check", "--generated", "--since", "HEAD")
    assert result.returncode == 0, result.stderr
    assert "Nothing to check" in result.stderr and "baseline" not in result.stderr


def test_curated_mutants_and_filters_compose_with_since(small):
    init_repo(small.root)
    calc = small.root / "calc/__init__.py"
    calc.write_text(calc.read_text().replace("return n > 0", "return n > 0  # positive"))
    curated = document(small("check", "--since", "HEAD", "--json"))
    assert [m["id"] for m in curated["mutants"]] == ["boundary"]  # on the changed line
    generated = document(
        small("check", "--generated", "--since", "HEAD", "--operator", "comparison", "--json")
    )
    assert generated["mutants"] and all(
        m["origin"] == "comparison" and m["location"]["start"]["line"] == 6
        for m in generated["mutants"]
    )
