"""Source entries through the real CLI: one file, a glob, an entry that matches nothing or is
never imported, and a project whose pytest configuration imports its own classes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from breakit.core.errors import ExitCode
from breakit.core.ranges import parse_ranges
from tests.e2e.cli_harness import Breakit, verdict_counts
from tests.project_files import write_project

pytestmark = pytest.mark.slow


def project(tmp_path: Path, files: dict[str, str]) -> Breakit:
    root = tmp_path / "project"
    write_project(root, files)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return Breakit(root, scratch)


# FastAPI's own testing example: async handlers, a module-level TestClient, the tests next to
# the app, and only the app's file named as the source.
FASTAPI_APP = {
    "pyproject.toml": """
        [tool.breakit]
        source = ["app_b/main.py"]
        tests = ["app_b"]
    """,
    "app_b/__init__.py": "",
    "app_b/main.py": """
        from fastapi import FastAPI, HTTPException

        app = FastAPI()
        LIMIT = 3


        @app.get("/")
        async def read_main():
            return {"msg": "Hello World"}


        @app.get("/items/{n}")
        async def read_item(n: int):
            if n > LIMIT:
                raise HTTPException(status_code=404, detail="too big")
            return {"n": n * 2}
    """,
    "app_b/test_main.py": """
        from fastapi.testclient import TestClient

        from .main import app

        client = TestClient(app)


        def test_read_main():
            response = client.get("/")
            assert response.status_code == 200
            assert response.json() == {"msg": "Hello World"}


        def test_read_item():
            assert client.get("/items/2").json() == {"n": 4}
            assert client.get("/items/3").status_code == 200
            response = client.get("/items/4")
            assert response.status_code == 404
            assert response.json() == {"detail": "too big"}
    """,
}

# A plain module and the tests next to it, in a folder without __init__.py: pytest puts the
# folder on sys.path and the tests import the module as `calc`, not `app.calc`.
PLAIN_FILE = {
    "pyproject.toml": """
        [tool.breakit]
        source = ["app/calc.py"]
        tests = ["app"]
    """,
    "app/calc.py": """
        def add(a, b):
            return a + b


        def is_positive(n):
            return n > 0
    """,
    "app/test_calc.py": """
        from calc import add, is_positive


        def test_add():
            assert add(2, 3) == 5


        def test_positive():
            assert is_positive(1)
            assert not is_positive(0)
    """,
}


@pytest.mark.parametrize("files", [FASTAPI_APP, PLAIN_FILE], ids=["fastapi", "plain"])
def test_a_single_file_source_is_measured(tmp_path: Path, files: dict[str, str]) -> None:
    breakit = project(tmp_path, files)
    done = breakit("check", "--generated", "--json", "--verify")
    assert done.returncode == ExitCode.OK, done.stderr
    document = json.loads(done.stdout)
    counts = verdict_counts(document)
    # Every mutant is caught by a test under plain pytest (--verify agrees, test for test).
    assert counts == {"Killed": len(document["mutants"])}
    assert len(document["mutants"]) >= 5
    assert document["coverage_check"]["ran"] is False  # no NoCoverage claim to check
    assert "warning" not in done.stderr


GLOB = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        pythonpath = ["src"]

        [tool.breakit]
        source = ["src/pkg/*.py", "src/pkg/**/core.py"]
        tests = ["tests"]
    """,
    "src/pkg/__init__.py": "",
    "src/pkg/calc.py": """
        def add(a, b):
            return a + b
    """,
    "src/pkg/sub/__init__.py": "",
    "src/pkg/sub/core.py": """
        def double(x):
            return x * 2
    """,
    # Not matched by either glob: never mutated.
    "src/pkg/sub/other.py": """
        def triple(x):
            return x * 3
    """,
    "tests/test_pkg.py": """
        from pkg.calc import add
        from pkg.sub.core import double
        from pkg.sub.other import triple


        def test_add():
            assert add(2, 3) == 5


        def test_double():
            assert double(3) == 6


        def test_triple():
            assert triple(1) == 3
    """,
}


def test_a_glob_source(tmp_path: Path) -> None:
    breakit = project(tmp_path, GLOB)
    listed = breakit("list", "--generated", "--json")
    assert listed.returncode == ExitCode.OK, listed.stderr
    files = {f for m in json.loads(listed.stdout)["mutants"] for f in m["files"]}
    assert files == {"src/pkg/calc.py", "src/pkg/sub/core.py"}
    done = breakit("check", "--generated", "--json")
    assert done.returncode == ExitCode.OK, done.stderr
    document = json.loads(done.stdout)
    assert verdict_counts(document) == {"Killed": len(document["mutants"])}
    # Selected by the coverage map, which saw every file the globs name: nothing to prove.
    assert document["coverage_check"]["ran"] is False


@pytest.mark.parametrize("entry", ["pkg/*.pyx", "pkg/nothing/**/*.py", "data"])
def test_a_source_entry_that_matches_no_python_file(tmp_path: Path, entry: str) -> None:
    files = {
        "pyproject.toml": f"""
            [tool.breakit]
            source = ["pkg", "{entry}"]
            tests = ["tests"]
        """,
        "pkg/__init__.py": "X = 1\n",
        "data/notes.txt": "not code\n",
        "tests/test_pkg.py": "from pkg import X\n\n\ndef test_x():\n    assert X == 1\n",
    }
    done = project(tmp_path, files)("check", "--generated")
    assert done.returncode == ExitCode.CONFIG
    first = done.stderr.splitlines()[0]
    assert f"source entry '{entry}' matches no Python file" in first
    assert "Traceback" not in done.stderr


def test_a_source_entry_never_imported_is_a_warning(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": """
            [tool.breakit]
            source = ["pkg", "tools/helper.py"]
            tests = ["tests"]
        """,
        "pkg/__init__.py": "def one():\n    return 1\n",
        "tools/helper.py": "def unused():\n    return 2\n",
        "tests/test_pkg.py": "from pkg import one\n\n\ndef test_one():\n    assert one() == 1\n",
    }
    done = project(tmp_path, files)("check", "--generated", "--json")
    assert done.returncode == ExitCode.SURVIVED, done.stderr  # NoCoverage: not caught
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "source entry 'tools/helper.py'" in warnings[0]
    assert "never import" in warnings[0]
    document = json.loads(done.stdout)
    assert document["coverage_check"]["ran"] is True
    assert document["coverage_check"]["hit"] == []
    # pkg's mutants are caught by test_one; no test imports tools/helper.py: all of its NoCoverage.
    by_file: dict[str, set[str]] = {}
    for mutant in document["mutants"]:
        by_file.setdefault(mutant["location"]["path"], set()).add(mutant["verdict"])
    assert by_file == {"pkg/__init__.py": {"Killed"}, "tools/helper.py": {"NoCoverage"}}


# A library whose pytest configuration names its own warning class: pytest imports it while
# reading its settings, before any test.
OWN_WARNING = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        filterwarnings = ["error", "ignore::mylib.warnings.OldWarning"]

        [tool.breakit]
        source = ["mylib"]
        tests = ["tests"]
    """,
    "mylib/__init__.py": """
        from mylib.core import add, sign
        from mylib.warnings import OldWarning
    """,
    "mylib/warnings.py": """
        class OldWarning(UserWarning):
            pass
    """,
    "mylib/core.py": """
        import warnings

        from mylib.warnings import OldWarning


        def add(a, b):
            warnings.warn("add is old", OldWarning)
            return a + b


        def sign(n):
            if n > 0:
                return 1
            return 0
    """,
    "tests/test_core.py": """
        from mylib import add, sign


        def test_add():
            assert add(1, 2) == 3


        def test_sign():
            assert sign(5) == 1
            assert sign(0) == 0
    """,
}


def test_filterwarnings_naming_the_projects_own_class(tmp_path: Path) -> None:
    breakit = project(tmp_path, OWN_WARNING)
    done = breakit("check", "--generated", "--json", "--verify")
    assert done.returncode == ExitCode.SURVIVED, done.stderr  # `n > 0` → `n >= 0` survives
    document = json.loads(done.stdout)
    by_line = {
        (m["location"]["path"], m["location"]["start"]["line"]): m["verdict"]
        for m in document["mutants"]
    }
    assert by_line[("mylib/core.py", 8)] == "Killed"  # add: a + b
    assert "Survived" in verdict_counts(document)
    # The tests really import the copy breakit mutates: a shadowed copy is still refused.
    assert "forced-failure" not in done.stderr


def test_a_usage_error_keeps_the_line_that_says_what_failed(tmp_path: Path) -> None:
    files = {
        **OWN_WARNING,
        "pyproject.toml": """
            [tool.pytest.ini_options]
            filterwarnings = ["ignore::mylib.warnings.NoSuchWarning"]

            [tool.breakit]
            source = ["mylib"]
            tests = ["tests"]
        """,
    }
    done = project(tmp_path, files)("check", "--generated")
    assert done.returncode == ExitCode.BASELINE_FAILED
    stderr = " ".join(done.stderr.split())  # the terminal wraps long lines
    assert "while parsing the following warning configuration" in stderr
    # The last line of pytest's error is the one that says what failed.
    assert "AttributeError: module 'mylib.warnings' has no attribute 'NoSuchWarning'" in stderr


def test_a_sanity_run_that_cannot_start_shows_why(tmp_path: Path) -> None:
    # A conftest that turns the source's import failure into a usage error of its own: the
    # forced-fail run cannot start, and nothing in pytest's error names the forced failure.
    files = {
        **OWN_WARNING,
        "pyproject.toml": """
            [tool.breakit]
            source = ["mylib"]
            tests = ["tests"]
        """,
        "conftest.py": """
            import pytest


            def pytest_configure(config):
                try:
                    import mylib  # noqa: F401
                except Exception:
                    raise pytest.UsageError("mylib could not be set up for the tests") from None
        """,
    }
    done = project(tmp_path, files)("check", "--generated")
    assert done.returncode == ExitCode.CONFIG, done.stderr
    stderr = " ".join(done.stderr.split())
    assert "the forced-failure sanity run did not run" in stderr
    assert "mylib could not be set up for the tests" in stderr  # pytest's own words, kept
    assert "hint:" in stderr and "imports the source" in stderr
    assert "Traceback" not in done.stderr


# The same library, where importing it calls a function the tests call too. pytest imports the
# package while it reads `filterwarnings`, before breakit's plugin can start coverage, so the
# per-test map never sees those import-time lines; they must still count as import-time.
CALLED_AT_IMPORT = {
    **OWN_WARNING,
    "mylib/__init__.py": """
        from mylib.core import scale
        from mylib.warnings import OldWarning
    """,
    "mylib/core.py": """
        def defaults():
            return {"factor": 2}


        FACTOR = defaults()["factor"]


        def scale(n):
            return n * defaults()["factor"]
    """,
    "tests/test_core.py": """
        from mylib import scale


        def test_scale():
            assert scale(3) == 6
    """,
}


def test_code_pytest_imports_before_any_plugin_counts_as_import_time(tmp_path: Path) -> None:
    breakit = project(tmp_path, CALLED_AT_IMPORT)
    listed = json.loads(breakit("list", "--generated", "--json").stdout)
    (wanted,) = [
        m["id"]
        for m in listed["mutants"]
        if '-    return {"factor": 2}\n+    return None' in m["diff"]
    ]
    done = breakit("check", "--generated", wanted, "--json", "--verify")
    document = json.loads(done.stdout)
    (mutant,) = document["mutants"]
    # With `defaults` returning None the package no longer imports: plain pytest stops with a
    # usage error while reading filterwarnings and runs no test. A hot swap of the function
    # alone would let test_scale run and fail, and call it Killed.
    assert mutant["verdict"] in ("RuntimeError", "CompileError"), done.stdout
    assert mutant["tests"]["caught"] == []
    # Its one-line reason says what failed, not only that pytest could not read its settings.
    assert "TypeError" in mutant["error"].splitlines()[0], mutant["error"]
    copy = tmp_path / "plain"
    write_project(copy, CALLED_AT_IMPORT)
    diff = breakit("diff", wanted).stdout
    subprocess.run(["git", "apply", "-"], cwd=copy, input=diff, text=True, check=True)
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert plain.returncode == pytest.ExitCode.USAGE_ERROR, plain.stdout + plain.stderr


def test_lines_of_a_preimported_module_that_do_not_run_at_import_keep_their_tests(
    tmp_path: Path,
) -> None:
    # The same package, with a second test that never calls scale(). The lines that ran at import
    # (breakit.inrun.import_probe finds them: the def lines, FACTOR, defaults' body) run the whole
    # suite; scale's body only the test that covers it, as in any other module.
    files = {
        **CALLED_AT_IMPORT,
        "tests/test_other.py": """
            def test_other():
                assert sum([1, 2]) == 3
        """,
    }
    breakit = project(tmp_path, files)
    listed = json.loads(breakit("list", "--generated", "--json").stdout)
    body = [m["id"] for m in listed["mutants"] if "-    return n * defaults()" in m["diff"]]
    at_import = [m["id"] for m in listed["mutants"] if '-    return {"factor": 2}' in m["diff"]]
    assert body and at_import
    done = breakit("check", "--generated", *body, *at_import, "--json", "--verify")
    assert done.returncode in (0, 1), done.stderr
    document = json.loads(done.stdout)
    tests = document["baseline"]["tests"]
    by_id = {m["id"]: m for m in document["mutants"]}
    for mid in body:
        ran = parse_ranges(by_id[mid]["tests"]["ran"])
        assert [tests[i] for i in ran] == ["tests/test_core.py::test_scale"], by_id[mid]
    # A new factor keeps the package importable: the whole suite runs and test_scale catches it.
    # Without the key (or the dict) the package no longer imports: pytest stops before any test.
    factor = re.compile(r'^\+    return \{"factor": -?\d+\}$', re.MULTILINE)
    numbers = {m["id"] for m in listed["mutants"] if factor.search(m["diff"])}
    assert numbers and numbers < set(at_import)
    for mid in at_import:
        mutant = by_id[mid]
        ran = [tests[i] for i in parse_ranges(mutant["tests"]["ran"])]
        expected = ("Killed", tests) if mid in numbers else ("RuntimeError", [])
        assert (mutant["verdict"], ran) == expected, mutant
