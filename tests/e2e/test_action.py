"""The GitHub Action's script, action/run.sh, run for real (bash, git and the real breakit CLI)
on the small project, with the environment GitHub gives the action's steps (docs/ci.md, "The
GitHub Action"): the outputs, the job summary, the report folder, the exit code."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.e2e.cli_harness import REPO, Breakit
from tests.git_helper import commit_all, git

pytestmark = pytest.mark.slow

RUN_SH = REPO / "action" / "run.sh"
EARLIER_STEP = "## an earlier step's summary\n"
NEW_FUNCTION = "\n\ndef double(n):\n    return n * 2\n"
NEW_TEST = "\n\ndef test_double():\n    from calc import double\n\n    assert double(3) == 6\n"


@dataclass
class Step:
    """One run of the script, and what it left where GitHub would read it."""

    result: subprocess.CompletedProcess[str]
    outputs: dict[str, str]
    summary: str  # the job summary file, after an earlier step wrote to it

    @property
    def log(self) -> str:
        return self.result.stdout + self.result.stderr

    def document(self) -> dict:
        return json.loads((Path(self.outputs["report-dir"]) / "breakit.json").read_text())


def run_script(
    small: Breakit,
    workspace: Path,
    command: str = "check",
    *,
    event_name: str = "push",
    event: dict | None = None,
    python: str | None = None,
    **inputs: str,
) -> Step:
    """`bash action/run.sh COMMAND` in the workspace, as the action's step runs it: GitHub's
    variables, and each input as INPUT_<NAME> (`fail_under=` is INPUT_FAIL_UNDER)."""
    github = small.root.parent / "github"  # the runner's files, outside the project
    github.mkdir(exist_ok=True)
    output, summary, event_path = github / "output", github / "summary.md", github / "event.json"
    output.write_text("")
    summary.write_text(EARLIER_STEP)
    event_path.write_text(json.dumps(event or {}))
    env = small.env()  # without the GITHUB_* of a suite that itself runs on GitHub Actions
    env.update(
        # The action's `python`: the one that has breakit, as after its install step.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_EVENT_NAME=event_name,
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_OUTPUT=str(output),
        GITHUB_STEP_SUMMARY=str(summary),
    )
    if python is not None:
        env["BREAKIT_PYTHON"] = python
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    result = subprocess.run(
        ["bash", str(RUN_SH), command],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = output.read_text().splitlines()
    outputs = dict(line.split("=", 1) for line in lines)
    assert len(outputs) == len(lines), lines  # each output written once
    return Step(result, outputs, summary.read_text())


def generated_ids(small: Breakit, root: Path) -> dict[str, int]:
    """Every generated mutant of the project at `root`, and the line it is on."""
    listed = small("list", "--generated", "--json", cwd=root)
    assert listed.returncode == 0, listed.stderr
    return {m["id"]: m["location"]["start"]["line"] for m in json.loads(listed.stdout)["mutants"]}


def test_push_runs_a_full_check_and_writes_outputs_summary_and_report(small):
    root = small.root
    git(root, "init", "-q")
    commit_all(root, "the project")
    step = run_script(small, root.parent, working_directory=root.name)

    assert step.result.returncode == 0, step.log
    report = root / "breakit-report"
    assert step.outputs == {
        "score": "100.0",
        "survivors": "0",
        "unchecked": "0",
        "exit-code": "0",
        "report-dir": str(report),
    }
    assert "--since" not in step.log  # a push: every mutant
    doc = step.document()
    assert {m["id"] for m in doc["mutants"]} == set(generated_ids(small, root))
    assert {m["verdict"] for m in doc["mutants"]} == {"Killed"}
    html = (report / "report.html").read_text()
    assert html.lstrip().lower().startswith("<!doctype html") and "calc.__init__:" in html
    for name in ("report.json", "junit.xml", "summary.md"):
        assert (report / name).stat().st_size > 0, name
    # breakit appended its Markdown summary to the job summary, after the earlier step's.
    assert step.summary == EARLIER_STEP + (report / "summary.md").read_text()
    assert step.summary.count(f"## breakit: {len(doc['mutants'])} mutants, score 100.0%") == 1


def test_pull_request_in_a_shallow_checkout_runs_since_the_base_commit(small, tmp_path):
    """A pull request's event names its base commit; the checkout (fetch-depth 1, as
    actions/checkout does by default) lacks it: the script fetches it, then `--since` it runs
    only the mutants of the changed lines."""
    origin = small.root
    git(origin, "init", "-q")
    base = commit_all(origin, "base")
    calc = origin / "calc/__init__.py"
    first_new_line = len(calc.read_text().splitlines()) + 1
    calc.write_text(calc.read_text() + NEW_FUNCTION)
    tests = origin / "tests/test_calc.py"
    tests.write_text(tests.read_text() + NEW_TEST)
    head = commit_all(origin, "double, and its test")
    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "-q", "--depth=1", origin.as_uri(), str(workspace))
    missing = subprocess.run(["git", "cat-file", "-e", f"{base}^{{commit}}"], cwd=workspace)
    assert missing.returncode != 0  # the shallow clone has only the head

    event = {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}
    step = run_script(small, workspace, event_name="pull_request", event=event)

    assert step.result.returncode == 0, step.log
    assert "fetching it from origin" in step.log
    assert f"breakit check --generated --since {base} --output breakit-report" in step.log
    doc = step.document()
    assert doc["since"]["ref"] == base and doc["since"]["commit"] == base
    assert doc["since"]["files"] == ["calc/__init__.py", "tests/test_calc.py"]
    everything = generated_ids(small, workspace)
    on_new_lines = {i for i, line in everything.items() if line >= first_new_line}
    assert on_new_lines and on_new_lines != set(everything)
    assert {m["id"] for m in doc["mutants"]} == on_new_lines  # none of add's or is_positive's
    assert all("changed-line" in reasons for reasons in doc["since"]["reasons"].values())
    assert step.outputs["score"] == "100.0" and step.outputs["survivors"] == "0"
    assert step.outputs["exit-code"] == "0"
    assert step.outputs["report-dir"] == str(workspace / "breakit-report")
    assert f"mutants on the change since `{base}`" in step.summary
    assert (workspace / "breakit-report/report.html").is_file()


@pytest.mark.parametrize(
    ("fail_under", "expected"),
    [("", 1), ("90", 7)],
    ids=["a-survivor", "under-fail-under"],
)
def test_a_failing_check_exits_with_breakits_code_and_still_reports(small, fail_under, expected):
    root = small.root
    tests = root / "tests/test_calc.py"
    # add(0, 0) == 0 holds for a - b and a * b too: add's arithmetic mutants survive.
    tests.write_text(tests.read_text().replace("add(2, 3) == 5", "add(0, 0) == 0"))
    # Quotes and a glob, split as a shell would (never expanded): every mutant of calc.
    args = f"--match {shlex.quote('calc.__init__:*')} --first-catch"
    step = run_script(
        small, root.parent, working_directory=root.name, fail_under=fail_under, args=args
    )

    assert step.result.returncode == expected, step.log
    doc = step.document()
    assert doc["matrix"] == "first-catch"  # the args reached breakit
    survived = [m for m in doc["mutants"] if m["verdict"] in ("Survived", "NoCoverage")]
    assert survived and len(survived) < len(doc["mutants"])
    assert step.outputs["exit-code"] == str(expected)
    assert step.outputs["survivors"] == str(len(survived))
    assert step.outputs["score"] == f"{doc['score']:.1f}"
    assert float(step.outputs["score"]) < 90
    assert (root / "breakit-report/report.html").is_file()
    assert "### Survivors" in step.summary
    assert "::error file=calc/__init__.py,line=2" in step.result.stdout  # annotated on the diff


def test_nothing_to_check_on_a_pull_request_still_sets_outputs(small):
    """A change breakit reads nothing in (a README): no mutant, no baseline, exit 0; the outputs
    say so, and an earlier run's report in the folder is not read as this one's."""
    root = small.root
    git(root, "init", "-q")
    base = commit_all(root, "base")
    (root / "README.md").write_text("calc\n")
    commit_all(root, "a readme")
    stale = root / "out/breakit.json"
    stale.parent.mkdir()
    stale.write_text(json.dumps({"score": 12.5, "mutants": [{"verdict": "Survived"}]}))
    event = {"pull_request": {"base": {"sha": base}}}
    step = run_script(
        small,
        root.parent,
        event_name="pull_request",
        event=event,
        working_directory=root.name,
        output_dir="out",
    )

    assert step.result.returncode == 0, step.log
    assert step.outputs == {
        "score": "",
        "survivors": "0",
        "unchecked": "0",
        "exit-code": "0",
        "report-dir": str(root / "out"),
    }
    assert not stale.exists()
    assert step.summary == (
        EARLIER_STEP
        + f"## breakit: nothing to check since `{base}`: the change brings in no mutant\n"
    )


def test_since_input_wins_and_breakits_own_error_is_its_exit_code(small):
    """`since` set on a push: --since that revision; one that does not exist stops breakit
    before it runs anything (exit 2): the outputs carry the code, the summary says why."""
    root = small.root
    git(root, "init", "-q")
    commit_all(root, "the project")
    step = run_script(small, root.parent, working_directory=root.name, since="no-such-branch")

    assert step.result.returncode == 2, step.log
    assert "--since no-such-branch" in step.log
    assert step.outputs["exit-code"] == "2"
    assert step.outputs["score"] == "" and step.outputs["survivors"] == ""
    assert "breakit exited 2 before writing a report" in step.summary


def test_a_selection_of_nothing_fails_the_action(small):
    """A typo in `args` selects no mutant: never green (exit 9), the summary says so."""
    root = small.root
    git(root, "init", "-q")
    commit_all(root, "the project")
    step = run_script(small, root.parent, working_directory=root.name, args="--match 'zzz*'")
    assert step.result.returncode == 9, step.log
    assert step.outputs["exit-code"] == "9" and step.outputs["survivors"] == ""
    assert "selects no mutant" in step.log
    assert "breakit checked nothing (exit 9)" in step.summary


def test_max_time_reaches_breakit_and_its_unchecked_count_the_outputs(small):
    """`max-time` is `--max-time`: a budget shorter than the baseline leaves every mutant
    unchecked (exit 10), counted in the `unchecked` output and the job summary."""
    root = small.root
    (root / "tests/conftest.py").write_text("import time\n\ntime.sleep(1.5)  # a slow start\n")
    git(root, "init", "-q")
    commit_all(root, "the project")
    step = run_script(small, root.parent, working_directory=root.name, max_time="1s")
    assert step.result.returncode == 10, step.log
    assert "--max-time 1s" in step.log
    assert step.outputs["unchecked"] == str(len(generated_ids(small, root)))
    assert step.outputs["exit-code"] == "10"
    assert "| unchecked (`--max-time` spent) |" in step.summary


def test_pull_request_whose_event_names_no_base_commit_is_an_error(small):
    step = run_script(small, small.root.parent, event_name="pull_request", event={"number": 1})
    assert step.result.returncode == 2, step.log
    assert "::error title=breakit::cannot read the base commit" in step.result.stdout
    assert step.outputs == {}  # stopped before breakit ran: the action's outputs stay empty


def test_install_runs_one_pip_with_breakit_and_the_install_input(small, tmp_path):
    """The install step's pip command, recorded by a stand-in python (installing for real would
    build breakit and reach PyPI): breakit from the action's checkout and the project's own
    packages, split as a shell would, in one pip run from the working directory."""
    record = tmp_path / "pip-args.json"
    python = tmp_path / "python"
    python.write_text(
        f"#!{sys.executable}\n"
        "import json, os, subprocess, sys\n"
        "if sys.argv[1:3] == ['-m', 'pip']:\n"
        f"    json.dump({{'args': sys.argv[3:], 'cwd': os.getcwd()}}, open({str(record)!r}, 'w'))\n"
        "    sys.exit(0)\n"
        f"sys.exit(subprocess.call([{sys.executable!r}, *sys.argv[1:]]))\n"
    )
    python.chmod(0o755)
    step = run_script(
        small,
        small.root.parent,
        "install",
        python=str(python),
        working_directory=small.root.name,
        install="-e '.[test]' -r \"requirements dev.txt\"",
    )
    assert step.result.returncode == 0, step.log
    recorded = json.loads(record.read_text())
    assert recorded == {
        "args": [
            "install",
            "--disable-pip-version-check",
            str(REPO),
            "-e",
            ".[test]",
            "-r",
            "requirements dev.txt",
        ],
        "cwd": str(small.root),
    }


def test_docs_show_the_example_workflow_and_every_input_and_output():
    """docs/ci.md's section shows docs/examples/breakit.yml as it is (.ci/lint-action lints
    that file) and a table row for each of action.yml's inputs and outputs."""
    ci = (REPO / "docs/ci.md").read_text()
    section = ci.split("\n## The GitHub Action\n", 1)[1].split("\n## ", 1)[0]
    example = (REPO / "docs/examples/breakit.yml").read_text()
    assert f"```yaml\n{example}```" in section
    action = yaml.safe_load((REPO / "action.yml").read_text())
    for name in [*action["inputs"], *action["outputs"]]:
        assert f"\n| `{name}` |" in section, name
    # Each input reaches run.sh as an environment variable, as the docs say.
    env = {k: v for step in action["runs"]["steps"] for k, v in step.get("env", {}).items()}
    for name in action["inputs"]:
        # used by the steps' `with:` (and `cache` by their `if:`)
        if name not in ("python-version", "artifact-name", "cache"):
            key = "INPUT_" + name.upper().replace("-", "_")
            assert env.get(key) == f"${{{{ inputs.{name} }}}}", key
