"""The in-run pytest plugin that records each test's outcome, message and duration as records.

`RecorderPlugin(sink)` turns pytest's hook calls into typed records (breakit.core.run_records) and
hands each one to `sink` as soon as it is known, so a run that is killed still leaves the tests it
finished. It can be passed to `pytest.main(..., plugins=[RecorderPlugin(sink)])` in-process;
loaded as `-p breakit.inrun.pytest_plugin`, this module writes the records as JSON lines to the
file its request names (`results`).

Records, by their "event" key in the JSON (their types in breakit.core.run_records):
- ``start``: {nodeid} — a test began (the order tests ran in; the test a timeout stopped in)
- ``test``: {nodeid, outcome, message, longrepr, duration_s, cpu_s, queued_s} — a test finished;
  outcome is one of breakit.core.model.Outcome's values. A failing subtest (``unittest``'s
  ``self.subTest``, pytest's ``subtests`` fixture) makes its test caught, whatever the test's own
  call report says. cpu_s is the CPU time of the process (and of the children it waited for) from
  the test's start to its teardown's end, queued_s the time its thread was runnable but waiting for
  a core (Linux; else 0): wall time beyond both is time spent waiting (sleep, I/O), which `-j auto`
  (breakit.engine.worker_count) turns into more workers
- ``collect_error``: {nodeid, message, longrepr, failure} — a collector that failed (a module,
  a conftest.py): its first error line, pytest's text, and what it raised as a value of
  breakit.core.model.RunFailure (a syntax error; an import error for any other exception)
- ``configure_error``: {message, longrepr, failure} — what a plugin raised while pytest loaded
  its conftest files, before any collector (pytest-django's `django.setup()` importing a source
  module that raises); pytest stops with a traceback
- ``collected``: {nodeids} — every test collected, in run order
- ``set_aside``: {notes} — the user's plugins and options breakit set aside in this run
  (breakit.inrun.set_aside), one short phrase each; only when there were any
- ``finish``: {exitstatus, peak_rss_kb, coverage_traced} — pytest's exit status, the process's
  peak resident memory so far (the baseline's sets the default memory ceiling,
  breakit.runners.memlimit), and, when per-test coverage was recorded, whether its core traced every
  source line (coverage.py's tracer: the tests' times are inflated), else null
- ``modules``: {names} — (only when asked) the modules imported by the end of the run (pytest's
  unconfigure, after the terminal summary), in import
  order, minus the project's own (under the rootdir) and breakit's: what a fork worker preloads

What to record comes in one `RunRequest` (breakit.core.wire; `RecorderPlugin.for_request`), in a
file named by BREAKIT_REQUEST for `-p breakit.inrun.pytest_plugin`. Its `nodeids` deselect every
other test, as `--deselect` would: they are reported neither as run nor as collected. Its `coverage`
turns on per-test coverage (breakit.inrun.coverage_map) before the project's conftest files are
imported. First-catch mode (breakit.engine.order): its `order` runs the tests it names first, in its
order, the others after them in collection order; `first_catch` stops the session, as `pytest -x`
does, after the first test breakit.inrun.report_outcome finds caught or errored (a failing subtest,
a setup error, a failing teardown too): pytest exits with status 1.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Collection, Generator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO

import pytest

from breakit.core.model import Outcome, RunFailure
from breakit.core.outcome_codec import TIMED, outcome_to_json
from breakit.core.wire import REQUEST_ENV, RunRequest
from breakit.inrun import set_aside
from breakit.inrun.django_db import own_test_databases
from breakit.inrun.report_outcome import judge_phases

try:
    import resource
except ImportError:  # Windows: no child-process accounting
    resource = None  # type: ignore[assignment]

# What the process that starts the run reads lives in breakit.core.run_records and
# breakit.core.failure_text, which need no pytest.
from breakit.core.failure_text import collect_error_message
from breakit.core.run_records import (
    Collected,
    CollectFailed,
    ConfigureFailed,
    Finish,
    Judged,
    Modules,
    RunRecord,
    SetAside,
    Sink,
    Start,
    record_line,
)

# What pytest_cmdline_main returns: the session's exit status.
_Status = int | pytest.ExitCode | None


class RecorderPlugin:
    """Records every test of one pytest session and hands the records to `sink`."""

    def __init__(
        self,
        sink: Sink,
        *,
        nodeids: Collection[str] | None = None,
        record_modules: bool = False,
        order: Sequence[str] | None = None,
        first_catch: bool = False,
    ) -> None:
        self.sink = sink
        self.nodeids = None if nodeids is None else frozenset(nodeids)
        self.record_modules = record_modules
        self.order = None if order is None else tuple(order)
        self.first_catch = first_catch  # set again per hot run (breakit.runners.fork.hot)
        self.session: pytest.Session | None = None
        self.rootpath: Path | None = None
        self._phases: dict[str, list[pytest.TestReport]] = {}
        self._clocks: dict[str, tuple[float, float]] = {}  # nodeid -> (CPU, queued) at start
        # A failed collector's node id -> what it raised (pytest_exception_interact, which pytest
        # calls before pytest_collectreport with the exception the report only has as text).
        self._collect_failures: dict[str, RunFailure] = {}

    @classmethod
    def for_request(cls, sink: Sink, request: RunRequest) -> RecorderPlugin:
        """The recorder that follows `request`: which tests, in what order, what else to record."""
        return cls(
            sink,
            nodeids=request.nodeids,
            record_modules=request.record_modules,
            order=request.order,
            first_catch=request.first_catch,
        )

    # In-process (a fork worker's child, a hot session) this object is the only breakit plugin,
    # registered before pytest parses its arguments: it sets the user's fighting plugins aside
    # (breakit.inrun.set_aside), as the module-level hooks below do in a `python -m pytest`.
    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(self, early_config: pytest.Config) -> Generator[None]:
        set_aside.before_conftests(early_config)
        try:
            return (yield)
        except Exception as raised:
            if lets_through(raised):
                self.sink(configure_error(raised, early_config.rootpath))
            raise

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> Generator[None, _Status, _Status]:
        set_aside.before_main(config)
        return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        self.rootpath = session.config.rootpath
        # Before any fixture: pytest-django creates the test databases in a session fixture.
        own_test_databases(self.rootpath)

    def pytest_exception_interact(
        self, node: pytest.Item | pytest.Collector, call: pytest.CallInfo[object], report: object
    ) -> None:
        if isinstance(report, pytest.CollectReport) and call.excinfo is not None:
            self._collect_failures[report.nodeid] = collect_failure(call.excinfo.value)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        text = report.longreprtext
        failure = self._collect_failures.pop(report.nodeid, RunFailure.IMPORT_ERROR)
        message = collect_error_message(text, self.rootpath)
        self.sink(CollectFailed(report.nodeid, message, text, failure.value))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if self.nodeids is not None:
            kept = [item for item in items if item.nodeid in self.nodeids]
            dropped = [item for item in items if item.nodeid not in self.nodeids]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
                items[:] = kept
        if self.order is not None:
            items[:] = [items[i] for i in ordered([item.nodeid for item in items], self.order)]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        notes = set_aside.notes(session.config, session.items)
        if notes:
            self.sink(SetAside(tuple(notes)))
        self.sink(Collected(tuple(item.nodeid for item in session.items)))

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.sink(Start(nodeid))
        self._clocks[nodeid] = (cpu_time(), queued_time())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Subtest reports (when == "call", several per test) arrive before the test's own call
        # report: every report is kept, judge_phases tells them apart.
        phases = self._phases.setdefault(report.nodeid, [])
        phases.append(report)
        if report.when == "teardown":
            del self._phases[report.nodeid]
            outcome = judge_phases(phases)
            started = self._clocks.pop(report.nodeid, None)
            if started is not None:
                outcome = replace(
                    outcome,
                    cpu_s=round(max(0.0, cpu_time() - started[0]), 6),
                    queued_s=round(max(0.0, queued_time() - started[1]), 6),
                )
            self.sink(Judged(outcome.nodeid, outcome_to_json(outcome, TIMED)))
            if self.first_catch and outcome.outcome in (Outcome.CAUGHT, Outcome.ERRORED):
                self.stop(report.nodeid)

    def stop(self, nodeid: str) -> None:
        """End the session after this test, as `pytest -x` does: pytest exits with status 1."""
        if self.session is not None:
            self.session.shouldfail = f"breakit first-catch: {nodeid} caught the mutant"

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        recorder = (
            None
            if self.session is None
            else self.session.config.pluginmanager.get_plugin(_COVERAGE_NAME)
        )
        traced = None if recorder is None else recorder.traces
        self.sink(Finish(int(exitstatus), _peak_kb(), traced))

    @pytest.hookimpl(tryfirst=True)  # before the entry point's own closes the sink
    def pytest_unconfigure(self) -> None:
        # After the terminal summary, whose plugins import more (hypothesis's imports hypothesis).
        if self.record_modules:
            self.sink(Modules(tuple(imported_modules(self.rootpath))))


def lets_through(raised: BaseException) -> bool:
    """Whether pytest lets `raised` out of its configuring as a traceback: anything but a
    conftest.py that does not import (a ConftestImportFailure, read by name as in
    `collect_failure`, which pytest reports itself: exit 4) and a usage error (exit 4)."""
    conftest = type(raised).__name__ == "ConftestImportFailure"
    return not conftest and not isinstance(raised, pytest.UsageError)


def configure_error(raised: BaseException, rootpath: Path) -> ConfigureFailed:
    """The `configure_error` record of what a plugin raised while pytest loaded its conftest
    files (pytest-django's `django.setup()` importing the project's models and apps), before
    any collector: pytest lets it through, as a traceback and exit status 1."""
    text = "".join(traceback.format_exception(raised))
    # The exception's own last line: pytest wrote no `E` lines, and a chained traceback's
    # text holds several exceptions.
    message = traceback.format_exception_only(raised)[-1].strip()
    if isinstance(raised, SyntaxError):
        message = collect_error_message(text, rootpath)  # with the file and line
    return ConfigureFailed(message, text, collect_failure(raised).value)


def collect_failure(raised: BaseException) -> RunFailure:
    """What a failed collector raised, as a RunFailure: SYNTAX_ERROR for a SyntaxError (an
    IndentationError, a TabError), which pytest wraps: a test module's in a CollectError raised
    from it, a conftest.py's in a ConftestImportFailure (its `cause`, read by name: the class is
    not pytest's public API, and the plugin must import on every pytest); else IMPORT_ERROR."""
    if isinstance(raised, pytest.Collector.CollectError) and raised.__cause__ is not None:
        raised = raised.__cause__
    elif isinstance(cause := getattr(raised, "cause", None), BaseException):
        raised = cause
    return RunFailure.SYNTAX_ERROR if isinstance(raised, SyntaxError) else RunFailure.IMPORT_ERROR


def ordered(nodeids: Sequence[str], order: Sequence[str]) -> list[int]:
    """The positions of `nodeids` with the tests `order` names first, in its order, and the
    others after them, as they were."""
    rank = {nodeid: i for i, nodeid in enumerate(order)}
    return sorted(range(len(nodeids)), key=lambda i: (rank.get(nodeids[i], len(rank)), i))


def _peak_kb() -> float | None:
    if resource is None:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform == "darwin" else float(peak)  # in bytes on macOS


def imported_modules(rootpath: Path | None) -> list[str]:
    """Modules imported so far, in import order, minus the project's (under `rootpath`), ours
    and dunder names: the third-party packages a fork worker can import once for all mutants."""
    root = None if rootpath is None else str(rootpath.resolve())
    names = []
    for name, module in list(sys.modules.items()):
        if name.startswith("__") or name == "breakit" or name.startswith("breakit."):
            continue
        places = [getattr(module, "__file__", None) or ""]
        places.extend(str(p) for p in (getattr(module, "__path__", None) or ()))
        if root is not None and any(
            place == root or place.startswith(root + os.sep) for place in places
        ):
            continue
        names.append(name)
    return names


_SCHEDSTAT = "/proc/thread-self/schedstat"


def cpu_time() -> float:
    """CPU seconds of this process (every thread) and of the child processes it has waited for:
    a test that waits for a subprocess it started is computing, not sleeping."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN) if resource is not None else None
    spent = 0.0 if children is None else children.ru_utime + children.ru_stime
    return time.process_time() + spent


def queued_time() -> float:
    """Seconds this thread has spent runnable but waiting for a core (Linux's schedstat; 0.0
    where there is none): on a busy machine a test's wall time grows by this much without the
    test waiting for anything."""
    try:
        with open(_SCHEDSTAT, encoding="ascii") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class JsonLinesSink:
    """Appends each record to a file as one JSON line, flushed at once (it survives a kill)."""

    def __init__(self, path: Path | str) -> None:
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def __call__(self, record: RunRecord) -> None:
        self._file.write(record_line(record))
        self._file.flush()

    def close(self) -> None:
        self._file.close()


# --- the `-p breakit.inrun.pytest_plugin` entry point
# -----------------------------------------------

_PLUGIN_NAME = "breakit-recorder"
_COVERAGE_NAME = "breakit-coverage"
_sink_key = pytest.StashKey[JsonLinesSink]()


# A wrapper runs before every plain implementation of its hook, tryfirst ones included: pytest-cov
# starts its tracer in its own (tryfirst) pytest_load_initial_conftests.
@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> Generator[None]:
    set_aside.before_conftests(early_config)
    # Coverage starts here, before conftest.py files import the project: lines run at import
    # time must be seen (as "import-time") too.
    request = _request()
    coverage = None if request is None else request.coverage
    if coverage is not None and not early_config.pluginmanager.has_plugin(_COVERAGE_NAME):
        from breakit.inrun.coverage_map import CoverageRecorder

        source = [Path(p) for p in coverage.source]
        recorder = CoverageRecorder(Path(coverage.out), Path(coverage.root), source)
        recorder.start()
        early_config.pluginmanager.register(recorder, _COVERAGE_NAME)
    try:
        return (yield)
    except Exception as raised:
        # pytest has no session yet, and no sink: the record goes straight to the results file.
        if request is not None and request.results and lets_through(raised):
            sink = JsonLinesSink(request.results)
            sink(configure_error(raised, early_config.rootpath))
            sink.close()
        raise


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, _Status, _Status]:
    # Before pytest-xdist's (tryfirst) pytest_cmdline_main and every plugin's pytest_configure.
    set_aside.before_main(config)
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    request = _request()
    if request is None or not request.results or config.pluginmanager.has_plugin(_PLUGIN_NAME):
        return
    sink = JsonLinesSink(request.results)
    config.stash[_sink_key] = sink
    config.pluginmanager.register(RecorderPlugin.for_request(sink, request), _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    sink = config.stash.get(_sink_key, None)
    if sink is not None:
        sink.close()


def _request() -> RunRequest | None:
    """The run's request, from the file BREAKIT_REQUEST names (None: no request)."""
    path = os.environ.get(REQUEST_ENV)
    if not path:
        return None
    return RunRequest.decode(json.loads(Path(path).read_text(encoding="utf-8")))
