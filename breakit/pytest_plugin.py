"""The in-run pytest plugin that records each test's outcome, message and duration as records.

`RecorderPlugin(sink)` turns pytest's hook calls into plain JSON-ready dicts and hands each one to
`sink` as soon as it is known, so a run that is killed still leaves the tests it finished. It can
be passed to `pytest.main(..., plugins=[RecorderPlugin(sink)])` in-process; loaded as
`-p breakit.pytest_plugin`, this module writes the records as JSON lines to the file named by the
environment variable BREAKIT_RESULTS.

Records, by their "event" key:
- ``start``: {nodeid} — a test began (the order tests ran in; the test a timeout stopped in)
- ``test``: {nodeid, outcome, message, longrepr, duration_s, cpu_s, queued_s} — a test finished;
  outcome is one of breakit.model.Outcome's values. A failing subtest (``unittest``'s
  ``self.subTest``, pytest's ``subtests`` fixture) makes its test caught, whatever the test's own
  call report says. cpu_s is the CPU time of the process (and of the children it waited for) from
  the test's start to its teardown's end, queued_s the time its thread was runnable but waiting
  for a core (Linux; else 0): wall time beyond both is time spent waiting (sleep, I/O), which
  `-j auto` (breakit.engine.workers) turns into more workers
- ``collect_error``: {nodeid, message, longrepr} — a module that could not be collected
- ``collected``: {nodeids} — every test collected, in run order
- ``set_aside``: {notes} — the user's plugins and options breakit set aside in this run
  (breakit.set_aside), one short phrase each; only when there were any
- ``finish``: {exitstatus, peak_rss_kb, coverage_traced} — pytest's exit status, the process's
  peak resident memory so far (the baseline's sets the default memory ceiling,
  breakit.engine.memlimit), and, when per-test coverage was recorded, whether its core traced
  every source line (coverage.py's tracer: the tests' times are inflated), else null
- ``modules``: {names} — (only when asked) the modules imported by the end of the run, in import
  order, minus the project's own (under the rootdir) and breakit's: what a fork worker preloads

`select` (or the file of node ids named by BREAKIT_SELECT) deselects every other test, as
`--deselect` would: they are reported neither as run nor as collected. BREAKIT_COVERAGE turns on
per-test coverage (breakit.engine.coverage_map) before the project's conftest files are imported.
First-catch mode (breakit.engine.order): `order` (BREAKIT_ORDER) runs the tests it names first, in
its order, the others after them in collection order; `first_catch` (BREAKIT_FIRST_CATCH=1) stops
the session, as `pytest -x` does, after the first test judge_phases finds caught or errored (a
failing subtest, a setup error, a failing teardown too): pytest exits with status 1.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Collection, Generator, Sequence
from pathlib import Path
from typing import IO

import pytest

from breakit import set_aside
from breakit.engine import memlimit

try:
    import resource
except ImportError:  # Windows: no child-process accounting
    resource = None  # type: ignore[assignment]

# What the process that starts the run reads lives in breakit.records, which needs no pytest.
from breakit.records import (
    COVERAGE_ENV,
    FIRST_CATCH_ENV,
    MODULES_ENV,
    ORDER_ENV,
    RESULTS_ENV,
    SELECT_ENV,
    Record,
    Sink,
    collect_error_message,
    failure_message,
)

# Spelt as breakit.model.Outcome spells them; not imported so that this module, which runs inside
# the project's pytest, needs nothing from breakit but itself, breakit.records and memlimit.
CAUGHT, ERRORED, MISSED, NOT_RUN = "caught", "errored", "missed", "not_run"

# What pytest_cmdline_main returns: the session's exit status.
_Status = int | pytest.ExitCode | None


class RecorderPlugin:
    """Records every test of one pytest session and hands the records to `sink`."""

    def __init__(
        self,
        sink: Sink,
        *,
        select: Collection[str] | None = None,
        record_modules: bool = False,
        order: Sequence[str] | None = None,
        first_catch: bool = False,
    ) -> None:
        self.sink = sink
        self.select = None if select is None else frozenset(select)
        self.record_modules = record_modules
        self.order = None if order is None else tuple(order)
        self.first_catch = first_catch  # set again per hot run (breakit.engine.fork.hot)
        self.session: pytest.Session | None = None
        self.rootpath: Path | None = None
        self._phases: dict[str, list[pytest.TestReport]] = {}
        self._clocks: dict[str, tuple[float, float]] = {}  # nodeid -> (CPU, queued) at start

    # In-process (a fork worker's child, a hot session) this object is the only breakit plugin,
    # registered before pytest parses its arguments: it sets the user's fighting plugins aside
    # (breakit.set_aside), as the module-level hooks below do in a `python -m pytest`.
    @pytest.hookimpl(wrapper=True)
    def pytest_load_initial_conftests(self, early_config: pytest.Config) -> Generator[None]:
        set_aside.before_conftests(early_config)
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_main(self, config: pytest.Config) -> Generator[None, _Status, _Status]:
        set_aside.before_main(config)
        return (yield)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session
        self.rootpath = session.config.rootpath

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not report.failed:
            return
        text = report.longreprtext
        self.sink(
            {
                "event": "collect_error",
                "nodeid": report.nodeid,
                "message": collect_error_message(text, self.rootpath),
                "longrepr": text,
            }
        )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        if self.select is not None:
            kept = [item for item in items if item.nodeid in self.select]
            dropped = [item for item in items if item.nodeid not in self.select]
            if dropped:
                config.hook.pytest_deselected(items=dropped)
                items[:] = kept
        if self.order is not None:
            items[:] = [items[i] for i in ordered([item.nodeid for item in items], self.order)]

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        notes = set_aside.notes(session.config, session.items)
        if notes:
            self.sink({"event": "set_aside", "notes": notes})
        self.sink({"event": "collected", "nodeids": [item.nodeid for item in session.items]})

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.sink({"event": "start", "nodeid": nodeid})
        self._clocks[nodeid] = (cpu_time(), queued_time())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Subtest reports (when == "call", several per test) arrive before the test's own call
        # report: every report is kept, judge_phases tells them apart.
        phases = self._phases.setdefault(report.nodeid, [])
        phases.append(report)
        if report.when == "teardown":
            del self._phases[report.nodeid]
            record = judge_phases(phases)
            started = self._clocks.pop(report.nodeid, None)
            if started is not None:
                record["cpu_s"] = round(max(0.0, cpu_time() - started[0]), 6)
                record["queued_s"] = round(max(0.0, queued_time() - started[1]), 6)
            self.sink({"event": "test", **record})
            if self.first_catch and record["outcome"] in (CAUGHT, ERRORED):
                self.stop(report.nodeid)

    def stop(self, nodeid: str) -> None:
        """End the session after this test, as `pytest -x` does: pytest exits with status 1."""
        if self.session is not None:
            self.session.shouldfail = f"breakit first-catch: {nodeid} caught the mutant"

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        if self.record_modules:
            self.sink({"event": "modules", "names": imported_modules(self.rootpath)})
        recorder = (
            None
            if self.session is None
            else self.session.config.pluginmanager.get_plugin(_COVERAGE_NAME)
        )
        self.sink(
            {
                "event": "finish",
                "exitstatus": int(exitstatus),
                "peak_rss_kb": _peak_kb(),
                "coverage_traced": None if recorder is None else recorder.traces,
            }
        )


def ordered(nodeids: Sequence[str], order: Sequence[str]) -> list[int]:
    """The positions of `nodeids` with the tests `order` names first, in its order, and the
    others after them, as they were."""
    rank = {nodeid: i for i, nodeid in enumerate(order)}
    return sorted(range(len(nodeids)), key=lambda i: (rank.get(nodeids[i], len(rank)), i))


def _peak_kb() -> float | None:
    if resource is None:
        return None
    return memlimit.peak_rss_kb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


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


def is_subtest(report: pytest.TestReport) -> bool:
    """A subtest's report: pytest 9's SubtestReport or pytest-subtests' SubTestReport, both a
    call-phase report with the subtest's `context` (its message and parameters)."""
    return report.when == "call" and getattr(report, "context", None) is not None


def subtest_label(report: pytest.TestReport) -> str:
    """`[message] (x=2)`, as pytest names a subtest in `SUBFAILED[message] (x=2)`."""
    # `context` is on subtest reports only (pytest 9's SubtestReport, pytest-subtests'); pytest 8's
    # TestReport type does not declare it, pytest 9's does.
    context = report.context  # type: ignore[attr-defined,unused-ignore]
    parts = []
    msg = getattr(context, "msg", None)
    if msg is not None:
        parts.append(f"[{msg}]")
    kwargs = getattr(context, "kwargs", None) or {}
    if kwargs:
        parts.append("(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")")
    return " ".join(parts) or "(<subtest>)"


def judge_phases(phases: list[pytest.TestReport]) -> Record:
    """One test's record from its setup, call and teardown reports, and its subtests' reports.

    A failing subtest is a catch, as it is for plain pytest (which exits 1): the message names the
    first failing subtest and its first useful line.
    """
    subtests = [report for report in phases if is_subtest(report)]
    own = [report for report in phases if not is_subtest(report)]
    by_when = {report.when: report for report in own}
    setup, call, teardown = by_when.get("setup"), by_when.get("call"), by_when.get("teardown")
    # A subtest's time lies inside its test's call phase: counting it again would inflate it.
    duration = sum(report.duration for report in own)
    failed_subtests = [report for report in subtests if report.failed]
    decisive: pytest.TestReport | None
    if setup is not None and setup.failed:
        outcome, decisive = ERRORED, setup
    elif setup is not None and setup.skipped:
        outcome, decisive = NOT_RUN, setup
    elif failed_subtests:
        # Before the test's own call report: pytest 9 fails a test whose subtests failed with
        # just "contains N failed subtests", and the first subtest's failure came first anyway.
        outcome, decisive = CAUGHT, failed_subtests[0]
    elif call is not None and call.failed:
        # Includes a strict xfail that passed: pytest fails it with "[XPASS(strict)] …".
        outcome, decisive = CAUGHT, call
    elif call is not None and call.skipped and not hasattr(call, "wasxfail"):
        outcome, decisive = NOT_RUN, call
    elif teardown is not None and teardown.failed:
        outcome, decisive = ERRORED, teardown
    else:
        # Passed, an xfail that failed as expected, or a non-strict xpass: nothing was noticed.
        outcome, decisive = MISSED, None
    message = longrepr = None
    if decisive is not None:
        message = failure_message(decisive)
        longrepr = decisive.longreprtext or None
    if failed_subtests and decisive is failed_subtests[0]:
        message, longrepr = _subtests_failure(failed_subtests, call)
    if outcome == CAUGHT and teardown is not None and teardown.failed:
        longrepr = f"{longrepr or ''}\n\n--- teardown ---\n{teardown.longreprtext}"
    nodeid = phases[0].nodeid
    return {
        "nodeid": nodeid,
        "outcome": outcome,
        "message": message,
        "longrepr": longrepr,
        "duration_s": round(duration, 6),
    }


def _subtests_failure(
    failed: list[pytest.TestReport], call: pytest.TestReport | None
) -> tuple[str, str]:
    """The message and full text of a test whose subtests failed: `subtest (x=2): assert …`."""
    first = failed[0]
    message = f"subtest {subtest_label(first)}: {failure_message(first) or 'failed'}"
    if len(failed) > 1:
        message += f" (and {len(failed) - 1} more failed subtests)"
    texts = [f"--- subtest {subtest_label(r)} ---\n{r.longreprtext}" for r in failed]
    # The test's own failure, unless it is only pytest's "contains N failed subtests".
    if call is not None and call.failed and not isinstance(call.longrepr, str):
        texts.append(f"--- the test itself ---\n{call.longreprtext}")
    return message, "\n\n".join(texts)


class JsonLinesSink:
    """Appends each record to a file as one JSON line, flushed at once (it survives a kill)."""

    def __init__(self, path: Path | str) -> None:
        self._file: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def __call__(self, record: Record) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


# --- the `-p breakit.pytest_plugin` entry point -----------------------------------------------

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
    settings = os.environ.get(COVERAGE_ENV)
    if settings and not early_config.pluginmanager.has_plugin(_COVERAGE_NAME):
        from breakit.engine.coverage_map import CoverageRecorder

        recorder = CoverageRecorder.from_json(settings)
        recorder.start()
        early_config.pluginmanager.register(recorder, _COVERAGE_NAME)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, _Status, _Status]:
    # Before pytest-xdist's (tryfirst) pytest_cmdline_main and every plugin's pytest_configure.
    set_aside.before_main(config)
    return (yield)


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(RESULTS_ENV)
    if not path or config.pluginmanager.has_plugin(_PLUGIN_NAME):
        return
    select = None
    if os.environ.get(SELECT_ENV):
        select = Path(os.environ[SELECT_ENV]).read_text(encoding="utf-8").splitlines()
    sink = JsonLinesSink(path)
    config.stash[_sink_key] = sink
    order = None
    if os.environ.get(ORDER_ENV):
        order = Path(os.environ[ORDER_ENV]).read_text(encoding="utf-8").splitlines()
    plugin = RecorderPlugin(
        sink,
        select=select,
        record_modules=os.environ.get(MODULES_ENV) == "1",
        order=order,
        first_catch=os.environ.get(FIRST_CATCH_ENV) == "1",
    )
    config.pluginmanager.register(plugin, _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    sink = config.stash.get(_sink_key, None)
    if sink is not None:
        sink.close()
