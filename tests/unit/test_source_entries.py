"""A `source` entry is a file, a folder or a glob, read the same way everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.baseline.forced_fail import forced_failure_changes
from breakit.baseline.project_modules import source_names
from breakit.core.config import Config, entry_files, entry_matches, parse_table
from breakit.core.errors import ConfigError
from breakit.mutants.changed_lines import in_source
from breakit.mutants.operators import source_files
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from tests.project_files import tiny_project


@pytest.mark.parametrize(
    ("path", "entry", "expected"),
    [
        ("pkg/core.py", "pkg/**/core.py", True),  # `**` is any number of folders, none too
        ("pkg/a/b/core.py", "pkg/**/core.py", True),
        ("pkg/a/core2.py", "pkg/**/core.py", False),
        ("src/pkg/a.py", "src/pkg/*.py", True),
        ("src/pkg/sub/a.py", "src/pkg/*.py", False),  # `*` stays within one folder
        ("pkg/sub/a.py", "pkg/*", True),  # a glob naming a folder covers what is in it
        ("pkg/x.py", "pkg/[wx].py", True),
        ("pkg/y.py", "pkg/[wx].py", False),
        ("app/main.py", "app/main.py", True),
        ("app/main.py", "app", True),
        ("application/main.py", "app", False),
        ("app/main.py", "app/", True),
    ],
)
def test_entry_matches(path: str, entry: str, expected: bool) -> None:
    assert entry_matches(path, entry) is expected
    assert in_source(path, ("elsewhere", entry)) is expected


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in (
        "src/pkg/__init__.py",
        "src/pkg/types.py",
        "src/pkg/sub/core.py",
        "src/pkg/.hidden/x.py",
        "src/pkg/notes.txt",
        "app/main.py",
        ".venv/lib/site.py",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("X = 1\n")
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("")
    return tmp_path


def test_files_of_an_entry(tree: Path) -> None:
    assert entry_files(tree, "src/pkg/*.py") == ["src/pkg/__init__.py", "src/pkg/types.py"]
    assert entry_files(tree, "**/core.py") == ["src/pkg/sub/core.py"]
    assert entry_files(tree, "src/pkg") == [
        "src/pkg/__init__.py",
        "src/pkg/sub/core.py",
        "src/pkg/types.py",
    ]
    assert entry_files(tree, "app/main.py") == ["app/main.py"]
    assert entry_files(tree, "src/pkg/notes.txt") == []
    assert entry_files(tree, "**/site.py") == []  # never inside a virtualenv
    config = Config(root=tree, source=("src/pkg/*.py", "**/core.py"), tests=("t",))
    assert source_files(config) == entry_files(tree, "src/pkg")
    assert sorted(forced_failure_changes(config)) == source_files(config)


def test_entries_that_match_nothing_are_config_errors(tree: Path) -> None:
    for entry, says in (
        ("src/pkg/*.pyx", "matches no Python file"),
        ("src/pkg/notes.txt", "matches no Python file"),
        ("missing", "which does not exist"),
    ):
        with pytest.raises(ConfigError) as raised:
            parse_table(tree, {"source": ["app", entry], "tests": ["t"]})
        assert "[tool.breakit] source" in raised.value.message
        assert repr(entry) in raised.value.message and says in raised.value.message
        assert "\n" not in raised.value.message


def test_module_names_of_file_entries(tree: Path) -> None:
    names = source_names(Config(root=tree, source=("app/main.py", "src/pkg/*.py"), tests=("t",)))
    # `main`: a test next to it may import it under that name; `types` is the standard library's.
    assert names == {"app", "main", "pkg"}


@pytest.mark.slow
def test_a_single_file_is_measured(tmp_path: Path) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {
            "app/calc.py": "def add(a, b):\n    return a + b\n",
            "app/test_calc.py": "from calc import add\n\ndef test_add():\n    assert add(1, 2)\n",
        },
    )
    spec = RunSpec(test_args=("app",), coverage_source=("app/calc.py",))
    run = SubprocessRunner().run(root, spec)
    assert run.coverage is not None
    assert run.coverage["app/test_calc.py::test_add"] == frozenset({("app/calc.py", 2)})
    measured = {path for lines in run.coverage.values() for path, _ in lines}
    assert measured == {"app/calc.py"}  # the tests' own file, measured too, is left out
