"""Small projects written to disk for the tests: the one writer every test module uses."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

# A project of its own to pytest (its rootdir), with none of the checkout's addopts.
TINY_PYPROJECT = (
    '[project]\nname = "tiny"\nversion = "0"\n\n[tool.pytest.ini_options]\naddopts = ""\n'
)

CALC = "def add(a, b):\n    return a + b\n"
TEST_ADD = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write exactly `files` (relative path → text) under `root`, each text dedented and without
    its leading blank lines, so that it can be written indented in a triple-quoted string; files
    already there and not named are left alone."""
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def tiny_project(root: Path, files: Mapping[str, str]) -> Path:
    """`files` as a project of their own: `TINY_PYPROJECT` unless `files` bring a pyproject.toml."""
    return write_project(root, {"pyproject.toml": TINY_PYPROJECT, **files})
