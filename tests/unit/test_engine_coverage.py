"""Per-test coverage and test selection: a real FastAPI app, sync and async handlers."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.core.model import Mutant
from breakit.core.run_records import FIXTURES, IMPORT_TIME
from breakit.engine.selection import WHOLE_SUITE, TestPlan, select_tests
from breakit.mutants.changed_lines import changed_lines, in_source, module_level_lines
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from tests.project_files import tiny_project

APP = """\
from fastapi import FastAPI

app = FastAPI()
LIMIT = 10


@app.get("/sync")
def sync_handler():
    value = LIMIT + 1
    return {"value": value}


@app.get("/async")
async def async_handler():
    value = LIMIT + 2
    return {"value": value}


def never_called():
    return 0
"""

HELPERS = """\
def make_client():
    from fastapi.testclient import TestClient

    from shop.app import app

    return TestClient(app)
"""

TESTS = """\
import pytest

from shop.helpers import make_client


@pytest.fixture
def client():
    return make_client()


def test_sync(client):
    assert client.get("/sync").json() == {"value": 11}


def test_async(client):
    assert client.get("/async").json() == {"value": 12}
"""

SYNC = "tests/test_shop.py::test_sync"
ASYNC = "tests/test_shop.py::test_async"


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def mutant(path: str, original: str, new: str | None) -> Mutant:
    return Mutant("m", "test", "m", changes={path: new}, originals={path: original})


@pytest.mark.slow
def test_handlers_are_attributed_to_their_tests_in_every_thread(tmp_path: Path) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {
            "shop/__init__.py": "",
            "shop/app.py": APP,
            "shop/helpers.py": HELPERS,
            "tests/test_shop.py": TESTS,
        },
    )
    spec = RunSpec(("tests",), timeout_s=120, coverage_source=("shop",))
    run = SubprocessRunner().run(root, spec)
    assert run.error is None and run.coverage is not None
    cov = run.coverage
    sync_line = ("shop/app.py", line_of(APP, "LIMIT + 1"))
    async_line = ("shop/app.py", line_of(APP, "LIMIT + 2"))
    # The plain `def` handler runs in a thread-pool worker, the async one in the event loop.
    assert sync_line in cov[SYNC] and sync_line not in cov[ASYNC]
    assert async_line in cov[ASYNC] and async_line not in cov[SYNC]
    # helpers.py is imported by the test module (import time); app.py lazily, by the fixture.
    assert ("shop/helpers.py", line_of(HELPERS, "def make_client")) in cov[IMPORT_TIME]
    assert ("shop/app.py", line_of(APP, "LIMIT = 10")) in cov[FIXTURES]
    assert ("shop/helpers.py", line_of(HELPERS, "return TestClient(app)")) in cov[FIXTURES]
    assert not any(path.startswith("tests/") for lines in cov.values() for path, _ in lines)
    never = ("shop/app.py", line_of(APP, "return 0"))
    assert all(never not in lines for lines in cov.values())

    tests = (SYNC, ASYNC)
    source = ("shop",)

    def pick(path: str, original: str, old: str, new: str) -> object:
        return select_tests(mutant(path, original, original.replace(old, new)), cov, tests, source)

    assert pick("shop/app.py", APP, "LIMIT + 1", "LIMIT - 1") == TestPlan((SYNC,))
    assert pick("shop/app.py", APP, "LIMIT + 2", "LIMIT - 2") == TestPlan((ASYNC,))
    assert pick("shop/app.py", APP, "LIMIT = 10", "LIMIT = 11") == WHOLE_SUITE  # import time
    assert pick("shop/app.py", APP, "return 0", "return 1") == TestPlan(())  # NoCoverage
    # A module imported lazily by the first test that needs it: its body is still import time.
    lazy = {k: v for k, v in cov.items() if k != FIXTURES}
    changed = mutant("shop/app.py", APP, APP.replace("LIMIT = 10", "LIMIT = 11"))
    assert select_tests(changed, lazy, tests, source) == WHOLE_SUITE
    assert pick("shop/app.py", APP, '"/sync"', '"/sink"') == WHOLE_SUITE  # a decorator's argument
    assert (
        pick("shop/helpers.py", HELPERS, "TestClient(app)", "None") == WHOLE_SUITE
    )  # fixture code
    assert pick("tests/test_shop.py", TESTS, "11}", "12}") == WHOLE_SUITE  # not in the source
    assert select_tests(mutant("shop/app.py", APP, None), cov, tests, source) == WHOLE_SUITE
    assert select_tests(mutant("shop/app.py", APP, APP), None, tests, source) == WHOLE_SUITE


def test_changed_lines_cover_whole_statements_and_headers_only() -> None:
    original = "def f(a,\n      b):\n    x = g(a,\n          b)\n    return x\n"
    # A change on the continuation line of a call widens to the whole statement.
    assert changed_lines(original, original.replace("          b)", "          -b)")) == {3, 4}
    # A change in a body line does not widen to the enclosing function.
    assert changed_lines(original, original.replace("return x", "return -x")) == {5}
    # A change in the header widens to the header, not the body.
    assert changed_lines(original, original.replace("def f(a,", "def f(a=1,")) == {1, 2}
    # An inserted line selects its neighbours.
    assert changed_lines("a = 1\nb = 2\n", "a = 1\nprint()\nb = 2\n") == {1, 2}


def test_module_level_lines() -> None:
    source = (
        "X = 1\n\n\n@deco(2)\ndef f(a=3):\n    return a\n\n\n"
        "class C:\n    y = 4\n\n    def g(self):\n        return 5\n"
    )
    assert module_level_lines(source) >= {1, 4, 5, 9, 10, 12}
    assert not module_level_lines(source) & {6, 13}


def test_in_source() -> None:
    assert in_source("shop/app.py", ("shop",))
    assert in_source("src/shop/app.py", ("src/shop",))
    assert in_source("single.py", ("single.py",))
    assert not in_source("shopping/app.py", ("shop",))
    assert not in_source("tests/test_shop.py", ("shop",))
