"""The real CLI on a Django project: pytest-django sets Django up (importing the app's models,
admin and URL confs) while pytest configures, on SQLite and on a real PostgreSQL server.

The project (tests/e2e/django_library) is a small lending library: models with field options,
`unique`, `on_delete` and `Meta.ordering`, a services module, JSON views, the admin, and both test
styles (pytest-django's fixtures and `django.test.TestCase`). Django, pytest-django and psycopg
come from a folder of their own on the commands' PYTHONPATH (tests/e2e/plugin_site.py).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_harness import IGNORED, Breakit, snapshot
from tests.e2e.plugin_site import plugin_site
from tests.postgres_server import postgres_server

pytestmark = pytest.mark.slow

TEMPLATE = Path(__file__).resolve().parent / "django_library"


def library(
    tmp_path: Path, *, django: bool = True, environ: dict[str, str] | None = None
) -> Breakit:
    """A fresh copy of the Django project; `django`: with Django and pytest-django installed."""
    root = tmp_path / "library"
    shutil.copytree(TEMPLATE, root, ignore=IGNORED)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    site = [plugin_site("django")] if django else []
    return Breakit(root, scratch, pythonpath=site, environ=environ)


def checked(project: Breakit, *args: str) -> dict[str, Any]:
    """`check --generated --verify --json` with `args`: the document, after the run's own checks
    (it exits 0 or 1, every verdict equals a plain pytest's, the tree and TMPDIR are as before)."""
    before = snapshot(project.root)
    result = project(
        "check", "--generated", "--verify", "--no-triage", "--json", *args, timeout=900
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    document = json.loads(result.stdout)
    assert document["verify"]["checked"] == len(document["mutants"]) > 0
    assert document["verify"]["agree"] == document["verify"]["checked"], result.stderr[-3000:]
    assert snapshot(project.root) == before
    assert list(project.tmp.iterdir()) == []
    return document


def by_module(document: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter((m["id"].split(":")[0], m["verdict"]) for m in document["mutants"])


def test_models_and_the_rest_of_the_app_are_judged_as_plain_pytest_judges_them(tmp_path):
    document = checked(library(tmp_path), "--shard", "1/3")
    counts = by_module(document)
    # The models, which Django imports while pytest configures, are mutated and caught...
    assert counts["lending.models", "Killed"] > 0
    assert counts["lending.services", "Killed"] > 0
    # ...and a mutant that stops Django from setting up at all (the app's name emptied, a
    # ForeignKey without on_delete) stops plain pytest too: a RuntimeError, counted nowhere.
    for mutant in document["mutants"]:
        if mutant["verdict"] == "RuntimeError":
            assert "while pytest configures" in mutant["error"]


def test_on_postgresql_each_worker_has_a_test_database_of_its_own(tmp_path):
    with postgres_server() as server:
        environ = {"LIBRARY_PG_HOST": server.host, "LIBRARY_PG_PORT": str(server.port)}
        project = library(tmp_path, environ=environ)
        # The test database a plain pytest-django would use: breakit's processes never touch it.
        createdb = server.bindir / "createdb"
        where = ["-h", server.host, "-p", str(server.port), "-U", server.user]
        subprocess.run([str(createdb), *where, "test_library"], check=True)
        document = checked(project, "--shard", "2/3", "-j", "2")
        assert by_module(document)["lending.models", "Killed"] > 0
        assert "test_library" in server.databases()
        leftover = [name for name in server.databases() if name.startswith("test_library_")]
        assert all(name.startswith("test_library_breakit_") for name in leftover), leftover


@pytest.mark.skipif(
    importlib.util.find_spec("pytest_django") is not None,
    reason="needs an environment without pytest-django (breakit's [test] extra has none)",
)
def test_a_django_project_without_pytest_django_is_told_what_to_install(tmp_path):
    project = library(tmp_path, django=False)
    result = project("check", "--generated")
    assert result.returncode == 3, result.stderr
    assert "pip install pytest-django" in result.stderr
    assert 'DJANGO_SETTINGS_MODULE = "library_site.settings"' in result.stderr
    assert "sanity run" not in result.stderr
    # With --json, the same error as a document on stdout.
    document = json.loads(project("check", "--generated", "--json").stdout)
    assert document["error"]["code"] == 3
    assert "pip install pytest-django" in document["error"]["message"]
