"""The real CLI on a copy of the bundled target: the exercise works as the README says."""

from __future__ import annotations

import ast
import json
import subprocess

import pytest

from tests.e2e.cli_harness import outcomes, snapshot

pytestmark = pytest.mark.slow


def test_show_and_diff_and_git_apply(bundled):
    shown = bundled("show", "constant-id")
    assert shown.returncode == 0, shown.stderr
    assert "next_todo_id" in shown.stdout
    diff = bundled("diff", "constant-id")
    assert diff.returncode == 0
    assert diff.stdout.startswith("--- a/target_app/ids.py\n+++ b/target_app/ids.py\n")
    assert_git_applies(bundled.root, diff.stdout)


def assert_git_applies(root, diff):
    """`git apply --check` accepts the diff in a git repository at `root`."""
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    checked = subprocess.run(
        ["git", "apply", "--check", "-"], cwd=root, input=diff, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stderr


def test_drop_conftest_diff_deletes_the_conftest(bundled):
    diff = bundled("diff", "drop-conftest")
    assert diff.returncode == 0
    assert "deleted file mode" in diff.stdout
    assert "+++ /dev/null" in diff.stdout
    assert_git_applies(bundled.root, diff.stdout)


def test_apply_drop_conftest_shows_who_catches_it_and_the_order(bundled):
    before = snapshot(bundled.root)
    result = bundled("apply", "drop-conftest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "caught by" in result.stdout
    assert "file order" in result.stdout
    assert snapshot(bundled.root) == before
    document = json.loads(bundled("apply", "drop-conftest", "--json").stdout)
    mutant = document["mutants"][0]
    assert mutant["verdict"] == "Killed"
    # The order is null when the tests ran in baseline order, else their indices there: the
    # whole suite without its conftest runs in file order, the baseline's.
    assert mutant["order"] is None
    tests = outcomes(document, mutant)
    assert set(mutant["expected_caught_by"]) == {
        n for n, t in tests.items() if t["outcome"] in ("caught", "errored")
    }


# `check` over the whole catalog runs in test_engine_oracle.py, verified against the oracle.


def test_surviving_mutation_when_its_catching_tests_are_removed(bundled):
    key = json.loads(bundled("list", "--json").stdout)
    no_post_body = next(m for m in key["mutants"] if m["id"] == "no-post-body")
    # Remove, in the copy, every test that catches it: then nothing can.
    by_file: dict[str, list[str]] = {}
    for nodeid in no_post_body["expected_caught_by"]:
        path, name = nodeid.split("::")
        by_file.setdefault(path, []).append(name.split("[")[0])
    for path, names in by_file.items():
        module = bundled.root / path
        source = module.read_text()
        lines = source.splitlines(keepends=True)
        doomed = set()
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                doomed.update(range(first - 1, node.end_lineno))
        module.write_text("".join(line for i, line in enumerate(lines) if i not in doomed))
    result = bundled("apply", "no-post-body")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "survived" in result.stdout
