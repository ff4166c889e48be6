"""Never a false green (issue 33): a check or merge that checked nothing fails (exit 9) unless
`--since` found no change; `--json` prints a document on every error path; `check --max-time`
stops at its budget with the rest unchecked (exit 10), and the next run takes up only those."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit, snapshot
from tests.project_files import tiny_project

pytestmark = pytest.mark.slow


def error_of(result: subprocess.CompletedProcess[str]) -> dict:
    """The `error` of the one JSON document a failed `--json` run printed, checked against its
    exit code (docs/json.md, "Errors")."""
    document = json.loads(result.stdout)
    assert document["version"] == 2 and document["mutants"] == []
    error = document["error"]
    assert set(error) == {"code", "kind", "message", "hint"}
    assert error["code"] == result.returncode, result.stderr
    assert error["message"] and "\n" not in error["message"]
    return error


def test_a_typo_in_match_checks_nothing_and_fails(small):
    result = small("check", "--generated", "--match", "zzz*")
    assert result.returncode == 9, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "error: --match 'zzz*' selects no mutant: nothing was checked"
    assert lines[1].startswith("  hint: `breakit list --generated`")
    assert "baseline" not in result.stderr  # nothing ran
    as_json = small("check", "--generated", "--match", "zzz*", "--json")
    error = error_of(as_json)
    assert error["kind"] == "nothing_checked" and "--match 'zzz*'" in error["message"]


def test_unknown_ids_are_a_usage_error_with_a_document(small):
    result = small("check", "--generated", "calc:nope:00000000", "--json")
    assert result.returncode == 2
    assert error_of(result)["kind"] == "usage"


def test_an_empty_shard_checks_nothing_and_fails(small):
    result = small("check", "--generated", "--shard", "50/50")
    assert result.returncode == 9, result.stderr
    assert "--shard 50/50 holds none of the 5 mutants selected" in result.stderr
    assert "use at most 5 shards" in result.stderr


def test_since_with_no_source_change_is_green_with_a_document(small):
    subprocess.run(["git", "init", "-q"], cwd=small.root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=small.root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"],
        cwd=small.root,
        check=True,
    )
    (small.root / "README.md").write_text("docs only\n")
    result = small("check", "--generated", "--since", "HEAD", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["mutants"] == [] and document["unchecked"] == 0
    assert "no mutant is on a line changed since HEAD" in document["nothing_to_check"]
    assert document["since"]["ref"] == "HEAD" and document["since"]["reasons"] == {}
    assert "error" not in document


def test_merge_of_shards_holding_no_mutant_fails(small, tmp_path):
    empty = {
        "version": 2,
        "matrix": "full",
        "baseline": {"tests": ["tests/test_calc.py::test_add"], "duration_s": 0.1},
        "mutants": [],
        "score": None,
    }
    shards = []
    for k in (1, 2):
        shards.append(tmp_path / f"shard{k}.json")
        shards[-1].write_text(json.dumps(empty))
    none = small("merge", "--json")  # no shard report at all: click's usage error
    assert none.returncode == 2 and error_of(none)["kind"] == "usage"
    result = small("merge", *map(str, shards), "--json")
    assert result.returncode == 9, result.stderr
    assert error_of(result)["message"].startswith("the 2 shard reports hold no mutant")
    # A shard whose run failed wrote an error document: merge says so, not "no baseline".
    failed = small("check", "--generated", "--shard", "50/50", "--json")
    (tmp_path / "failed.json").write_text(failed.stdout)
    merged = small("merge", str(tmp_path / "failed.json"))
    assert merged.returncode == 2
    assert "is the document of a run that failed (exit 9)" in merged.stderr


def test_json_on_every_error_path(small, tmp_path):
    cases = {
        "usage (breakit's)": (("apply", "nope", "--json"), 2, "usage"),
        "usage (click's)": (("check", "--max-time", "soon", "--json"), 2, "usage"),
        "nothing selected": (("check", "--operator", "comparison", "--shard", "9/9", "--json"), 9),
        "list, bad filter": (("list", "--generated", "--file", "nowhere.py", "--json"), 2),
    }
    for name, (args, code, *kind) in cases.items():
        result = small(*args)
        assert result.returncode == code, (name, result.stderr)
        error = error_of(result)
        assert error["kind"] == (kind[0] if kind else error["kind"]), name
    assert "soon" in small("check", "--max-time", "soon").stderr
    # A red baseline (exit 4) and a broken config (exit 3), each as one document.
    test_file = small.root / "tests/test_calc.py"
    test_file.write_text(test_file.read_text().replace("== 5", "== 6"))
    red = small("check", "--json")
    assert red.returncode == 4 and error_of(red)["kind"] == "baseline_failed"
    pyproject = small.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("timeout_factor", "timeout_factr"))
    bad = small("check", "--generated", "--json")
    assert bad.returncode == 3 and error_of(bad)["kind"] == "config"


# Each mutant runs a test that sleeps: a budget of a few seconds checks only some of them.
SLOW_PROJECT = {
    "pyproject.toml": """
        [project]
        name = "slow"
        version = "0"

        [tool.pytest.ini_options]
        addopts = ""

        [tool.breakit]
        source = ["slow.py"]
        tests = ["test_slow.py"]
    """,
    "slow.py": "".join(f"def f{i}(x):\n    return x + {i + 1}\n\n\n" for i in range(8)).rstrip()
    + "\n",
    "test_slow.py": "import time\n\nimport slow\n\n\ndef test_all():\n"
    "    time.sleep(0.4)\n" + "".join(f"    assert slow.f{i}(1) == {i + 2}\n" for i in range(8)),
}


def test_max_time_leaves_the_rest_unchecked_and_the_next_run_checks_only_those(tmp_path: Path):
    root = tiny_project(tmp_path / "slow", SLOW_PROJECT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    before = snapshot(root)
    listed = breakit("list", "--generated", "--json")
    every = {m["id"] for m in json.loads(listed.stdout)["mutants"]}
    # 8 s: the baseline and some mutants; 32 mutants of 0.4 s each cannot all fit.
    first = breakit(
        "check", "--generated", "-j", "1", "--max-time", "8s", "--output", "out", "--verify"
    )
    assert first.returncode == 10, first.stdout + first.stderr
    # No time is left for the oracle: --verify says it did not run, and never delays the exit.
    assert "verify: not run: --max-time was spent" in first.stderr
    document = json.loads((root / "out/breakit.json").read_text())
    assert "verify" not in document
    finished = {m["id"] for m in document["mutants"]}
    left = set(document["unchecked_ids"])
    assert document["unchecked"] == len(left) >= 1 and finished and not finished & left
    assert finished | left == every
    assert all(not m["cached"] for m in document["mutants"])
    assert f"{len(left)} mutant" in first.stdout and "unchecked: --max-time" in first.stdout
    summary = (root / "out/summary.md").read_text()
    assert f"| unchecked (`--max-time` spent) | {len(left)} |" in summary
    html = (root / "out/report.html").read_text()
    assert f"unchecked (--max-time)<b>{len(left)}</b>" in html
    junit = (root / "out/junit.xml").read_text()
    assert junit.count("unchecked: --max-time was spent before it ran") == len(left)
    assert f'tests="{len(every)}"' in junit
    # The working tree as it was (the report folder aside), no workspace left behind.
    assert {k: v for k, v in snapshot(root).items() if not k.startswith("out/")} == before
    assert list(scratch.iterdir()) == []

    second = breakit("check", "--generated", "-j", "1", "--json")
    assert second.returncode == 0, second.stderr
    rerun = json.loads(second.stdout)
    assert rerun["unchecked"] == 0 and rerun["unchecked_ids"] == []
    cached = {m["id"] for m in rerun["mutants"] if m["cached"]}
    fresh = {m["id"] for m in rerun["mutants"] if not m["cached"]}
    # NoCoverage is never cached: none here, every mutant's line runs in the one test.
    assert cached == finished and fresh == left
