"""The real CLI on small projects (issue 23): `--verify` shows its progress and says that it
agreed; a mutant that breaks the collection of a test module is Killed with that module named,
and the oracle agrees; one that breaks pytest's own configuration is a RuntimeError whose error
is one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit, outcomes
from tests.project_files import write_project

pytestmark = pytest.mark.slow

VERIFY_LINE = re.compile(r"^breakit: verify (\d+)/(\d+) mutants", re.MULTILINE)


def generated_id(breakit: Breakit, removed: str, added: str) -> str:
    """The generated mutant whose diff removes the line `removed` and adds `added`."""
    listed = json.loads(breakit("list", "--generated", "--json").stdout)["mutants"]
    (found,) = [m["id"] for m in listed if f"-{removed}\n+{added}\n" in m["diff"]]
    return found


def test_verify_shows_its_progress_and_says_it_agreed(small: Breakit) -> None:
    result = small("check", "--generated", "--verify", "--json", timeout=600)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    document = json.loads(result.stdout)
    count = len(document["mutants"])
    assert count > 3
    assert document["verify"] == {"checked": count, "agree": count, "disagree": []}
    # Outside a terminal, plain progress lines on stderr for the verify phase too, after the
    # run's own "done in"; then one line saying the result.
    stderr = result.stderr
    assert f"breakit: {count}/{count} mutants" in stderr
    phases = [(int(done), int(total)) for done, total in VERIFY_LINE.findall(stderr)]
    assert phases and all(total == count for _, total in phases)
    assert phases[-1] == (count, count)
    assert f"breakit: verify {count}/{count} mutants, done in " in stderr
    assert stderr.index("breakit: verify") > stderr.index(f"breakit: {count}/{count} mutants")
    assert f"verify: {count}/{count} mutants agree with a fresh plain pytest" in stderr
    # -q: nothing but the summary line.
    quiet = small("check", "--generated", "--verify", "-q", timeout=600)
    assert "verify" not in quiet.stderr and "verify" not in quiet.stdout


# A test module that calls the code at import, as a module-level `Version(...)` or `@cached(...)`
# does: a mutant that makes that call raise stops pytest at collection (exit 2).
CALLED_BY_A_TEST_MODULE = {
    "calc/__init__.py": """
        def add(a, b):
            return a + b


        def is_positive(n):
            return n > 0


        def parse_version(text):
            major, minor = text.split(".")
            return int(major), int(minor)
    """,
    "tests/test_version.py": """
        from calc import parse_version

        MAJOR, MINOR = parse_version("3.11")


        def test_version():
            assert (MAJOR, MINOR) == (3, 11)
    """,
}


def test_a_test_module_that_fails_to_import_is_charged_and_verify_agrees(small: Breakit) -> None:
    write_project(small.root, CALLED_BY_A_TEST_MODULE)
    wanted = generated_id(
        small, '    major, minor = text.split(".")', '    major, minor = text.split("")'
    )
    result = small("check", "--generated", wanted, "--verify", "--json", timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    document = json.loads(result.stdout)
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed" and mutant["error"] is None
    # The module is named by its node id (its path), errored: not one of the baseline's tests.
    assert mutant["tests"]["other"] == {
        "tests/test_version.py": {
            "outcome": "errored",
            "message": "collection failed: ValueError: empty separator",
        }
    }
    assert mutant["tests"]["ran"] == "" and mutant["tests"]["caught"] == []
    assert outcomes(document, mutant)["tests/test_version.py"]["outcome"] == "errored"
    assert document["score"] == 100.0
    assert document["verify"] == {"checked": 1, "agree": 1, "disagree": []}
    # The terminal names it among the tests that caught it.
    terminal = small("check", "--generated", wanted, "-v")
    assert terminal.returncode == 0
    assert "errored test_version.py collection failed: ValueError: empty separator" in (
        " ".join(terminal.stdout.split())
    )


# pytest imports the package while it reads `filterwarnings`: a mutant that breaks the package's
# import stops pytest with a usage error (exit 4) before any test module is collected.
OWN_WARNING = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        filterwarnings = ["error::mylib.MyWarning"]

        [tool.breakit]
        source = ["mylib"]
        tests = ["tests"]
    """,
    "mylib/__init__.py": """
        class MyWarning(UserWarning):
            pass


        LIMITS = {"size": 10}
        SIZE = LIMITS["size"]


        def clamp(n):
            return min(n, SIZE)
    """,
    "tests/test_lib.py": """
        from mylib import clamp


        def test_clamp():
            assert clamp(20) == 10
    """,
}


def test_a_usage_error_while_pytest_reads_filterwarnings_has_a_one_line_error(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    write_project(root, OWN_WARNING)
    (tmp_path / "tmp").mkdir()
    breakit = Breakit(root, tmp_path / "tmp")
    wanted = generated_id(breakit, 'SIZE = LIMITS["size"]', 'SIZE = LIMITS[""]')
    result = breakit("check", "--generated", wanted, "--verify", "--json", timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    document = json.loads(result.stdout)
    (mutant,) = document["mutants"]
    # No file of the suite can be charged: pytest stopped reading its own configuration.
    assert mutant["verdict"] == "RuntimeError"
    assert mutant["error"] == (
        "pytest usage error: while parsing the following warning configuration "
        "'error::mylib.MyWarning': KeyError: ''"
    )
    assert document["verify"]["agree"] == 1
