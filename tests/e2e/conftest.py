"""End-to-end fixtures: copies of the bundled project and of a small unseen one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.cli_harness import IGNORED, REPO, SMALL_PROJECT, Breakit
from tests.project_files import write_project
from tests.tiers import pytest_runtest_protocol

__all__ = ["pytest_runtest_protocol"]  # a test not marked slow starts no process (tests/tiers.py)

# A Django project the Django tests copy (tests/e2e/test_cli_django.py): its suite is its own.
collect_ignore = ["django_library"]


@pytest.fixture(scope="session")
def bundled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pristine copy of this repository (the bundled target, its suite and catalog)."""
    target = tmp_path_factory.mktemp("template") / "project"
    shutil.copytree(REPO, target, ignore=IGNORED)
    return target


@pytest.fixture
def bundled(bundled_template: Path, tmp_path: Path) -> Breakit:
    root = tmp_path / "project"
    shutil.copytree(bundled_template, root)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return Breakit(root, scratch)


@pytest.fixture
def small(tmp_path: Path) -> Breakit:
    """A project breakit has never seen: a two-function package, three tests, two breakages."""
    root = tmp_path / "calc-project"
    write_project(root, SMALL_PROJECT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return Breakit(root, scratch)
