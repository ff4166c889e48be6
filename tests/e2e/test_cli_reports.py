"""`breakit check --output DIR` and the single-report options, on a project with a survivor."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.slow


def make_minus_survive(small) -> None:
    test_file = small.root / "tests/test_calc.py"
    text = test_file.read_text().replace("assert add(2, 3) == 5", "assert add(0, 0) == 0")
    test_file.write_text(text)


def test_output_folder_has_every_report_with_the_survivor(small, tmp_path):
    make_minus_survive(small)
    out = tmp_path / "breakit.out"
    result = small("check", "--output", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".gitignore",
        "breakit.json",
        "junit.xml",
        "report.html",
        "report.json",
        "summary.md",
    ]

    report = json.loads((out / "report.json").read_text())
    assert report["schemaVersion"] == "2"
    assert report["framework"]["name"] == "breakit"
    mutants = {m["id"]: m for m in report["files"]["calc/__init__.py"]["mutants"]}
    assert mutants["minus"]["status"] == "Survived"
    assert mutants["minus"]["killedBy"] == []
    # Its covering test passed, so the survivor was confirmed on the whole suite: every test ran it.
    assert mutants["minus"]["coveredBy"] == [
        "tests/test_calc.py::test_add",
        "tests/test_calc.py::test_positive",
        "tests/test_calc.py::test_zero_is_not_positive",
    ]
    assert mutants["boundary"]["status"] == "Killed"
    assert mutants["boundary"]["killedBy"] == ["tests/test_calc.py::test_zero_is_not_positive"]
    assert "assert not True" in mutants["boundary"]["statusReason"]
    assert (
        report["files"]["calc/__init__.py"]["source"]
        == (small.root / "calc/__init__.py").read_text()
    )

    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    failed = [case for case in suite.iter("testcase") if case.find("failure") is not None]
    assert len(failed) == 1
    assert failed[0].get("name").startswith("minus")
    assert "-    return a + b" in failed[0].find("failure").text

    html = (out / "report.html").read_text()
    assert "minus" in html and "Survived" in html
    assert "http://" not in html.replace("http://www.w3.org", "")  # self-contained

    own = json.loads((out / "breakit.json").read_text())
    assert {m["id"]: m["verdict"] for m in own["mutants"]} == {
        "boundary": "Killed",
        "minus": "Survived",
    }


def test_single_report_options_and_github_annotations(small, tmp_path):
    make_minus_survive(small)
    junit = tmp_path / "j.xml"
    env_result = small.run_with_env(
        {"GITHUB_ACTIONS": "true"}, "check", "--junit", str(junit), "--quiet"
    )
    assert env_result.returncode == 1
    assert junit.exists()
    assert not (tmp_path / "report.json").exists()
    annotations = [line for line in env_result.stdout.splitlines() if line.startswith("::error")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=calc/__init__.py,line=2")
    assert "minus" in annotations[0]
    assert "1 Survived" in env_result.stdout


def test_merge_of_shards_equals_the_whole_and_gates_on_it(small, tmp_path):
    make_minus_survive(small)
    shards = []
    for k in (1, 2):
        out = tmp_path / f"shard{k}"
        result = small("check", "--shard", f"{k}/2", "--output", str(out))
        assert result.returncode in (0, 1), result.stderr
        shards.append(out)
    merged_dir = tmp_path / "merged"
    merged = small(
        "merge", str(shards[0]), str(shards[1] / "breakit.json"), "--output", str(merged_dir)
    )
    assert merged.returncode == 1, merged.stdout + merged.stderr  # the survivor fails the gate
    whole = json.loads(small("check", "--json").stdout)
    combined = json.loads((merged_dir / "breakit.json").read_text())
    assert {m["id"]: m["verdict"] for m in combined["mutants"]} == {
        m["id"]: m["verdict"] for m in whole["mutants"]
    }
    for mutant in combined["mutants"]:
        twin = next(m for m in whole["mutants"] if m["id"] == mutant["id"])
        assert mutant["tests"] == twin["tests"]
        assert mutant["order"] == twin["order"]
    report = json.loads((merged_dir / "report.json").read_text())
    statuses = sorted(m["status"] for m in report["files"]["calc/__init__.py"]["mutants"])
    assert statuses == ["Killed", "Survived"]
    twice = small("merge", str(shards[0]), str(shards[0]))
    assert twice.returncode == 2
    assert "in more than one document" in twice.stderr
