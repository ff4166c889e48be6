"""`breakit check --output DIR` and the single-report options, on a project with a survivor."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET


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
    ]

    report = json.loads((out / "report.json").read_text())
    assert report["schemaVersion"] == "2"
    assert report["framework"]["name"] == "breakit"
    mutants = {m["id"]: m for m in report["files"]["calc/__init__.py"]["mutants"]}
    assert mutants["minus"]["status"] == "Survived"
    assert mutants["minus"]["killedBy"] == []
    assert len(mutants["minus"]["coveredBy"]) == 3
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
