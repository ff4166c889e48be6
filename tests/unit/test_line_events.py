"""The two cores of the per-test coverage map (breakit.inrun.coverage_map) record the same lines:
sys.monitoring's (breakit.inrun.line_events, Python 3.12+) and coverage.py's tracer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from breakit.core.run_records import IMPORT_TIME
from breakit.inrun import line_events
from breakit.inrun.coverage_map import CORE_ENV
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from tests.project_files import tiny_project

# What a core may get wrong: nested functions, generators resumed later, coroutines, class
# bodies, a `def` handler in a worker thread, a lazily imported module, a loop's body (recorded
# once, however often it runs), and a line that never runs.
LIB = """\
import asyncio
import threading


class Box:
    size = 3

    def grow(self, n):
        def inner(k):
            return k + self.size
        return [inner(i) for i in range(n)]


def numbers(n):
    for i in range(n):
        yield i * 2


async def later(x):
    await asyncio.sleep(0)
    return x + 1


def in_thread(x):
    found = []
    worker = threading.Thread(target=lambda: found.append(x * 3))
    worker.start()
    worker.join()
    return found[0]


def lazy():
    from lib import extra
    return extra.VALUE


def never():
    return 0
"""

EXTRA = """\
VALUE = 7
"""

TESTS = """\
import asyncio

from lib import Box, in_thread, later, lazy, numbers


def test_box():
    assert Box().grow(2) == [3, 4]


def test_generator():
    gen = numbers(3)
    assert next(gen) == 0
    assert list(gen) == [2, 4]


def test_coroutine():
    assert asyncio.run(later(1)) == 2


def test_thread():
    assert in_thread(2) == 6


def test_lazy():
    assert lazy() == 7
"""


def coverage_map(root: Path) -> dict[str, set[tuple[str, int]]]:
    run = SubprocessRunner().run(root, RunSpec(("tests",), timeout_s=120, coverage_source=("lib",)))
    assert run.error is None and run.coverage is not None
    return {key: set(lines) for key, lines in run.coverage.items()}


@pytest.mark.slow
@pytest.mark.skipif(not line_events.available(), reason="sys.monitoring needs Python 3.12+")
def test_monitoring_records_what_coverage_py_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {"lib/__init__.py": LIB, "lib/extra.py": EXTRA, "tests/test_lib.py": TESTS},
    )
    fast = coverage_map(root)
    monkeypatch.setenv(CORE_ENV, "coverage")
    traced = coverage_map(root)
    assert fast == traced
    # And the map says something: each test has its lines, the module bodies are import time.
    never = ("lib/__init__.py", LIB.splitlines().index("    return 0") + 1)
    assert all(never not in lines for lines in fast.values())
    thread_line = ("lib/__init__.py", LIB.splitlines().index("    worker.start()") + 1)
    assert thread_line in fast["tests/test_lib.py::test_thread"]
    assert ("lib/__init__.py", 1) in fast[IMPORT_TIME]
    # A module the test imports lazily: its body runs in that test (selection reads a module's
    # body lines as import time whatever the map says: breakit.engine.selection).
    assert ("lib/extra.py", 1) in fast["tests/test_lib.py::test_lazy"]


def test_the_core_in_use_follows_the_python() -> None:
    # On 3.12+ the fast core is available (no other tool holds every id in a plain pytest run).
    assert line_events.available() == (sys.version_info >= (3, 12))
