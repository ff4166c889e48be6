"""Runs the suite for a Baseline or a Mutant: one fresh pytest per run, recorded by our plugin.

`SubprocessRunner` starts `python -m pytest -p breakit.pytest_plugin …` in the workspace, in its
own process group, waits (killing the whole group on timeout or Ctrl-C) and builds a `SuiteRun`
from the records the plugin wrote. `suite_run_from_records` is the part a forked, in-process
runner reuses with records it received over a pipe.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import breakit
from breakit.lifeline import PARENT_ENV
from breakit.model import Outcome, SuiteRun, TestOutcome
from breakit.records import (
    COVERAGE_ENV,
    MODULES_ENV,
    RESULTS_ENV,
    SELECT_ENV,
    Record,
    collect_error_message,
    coverage_settings,
    read_map,
    read_records,
)
from breakit.sandbox import Scratch

PLUGIN = "breakit.pytest_plugin"
LIFELINE = "breakit.lifeline"
_OUTPUT_TAIL_BYTES = 64 * 1024
_TAIL_LINES = 5
_USAGE_LINES = 20  # at most this many lines of a pytest usage error's own text
_CONFTEST_FAILED = "ImportError while loading conftest"


@dataclass(frozen=True)
class RunSpec:
    """What to run: pytest arguments relative to the project root, and how long to allow."""

    test_args: tuple[str, ...]  # pytest args / paths / node ids, relative to the project root
    timeout_s: float | None = None  # kill the run (and its whole process group) after this long
    extra_args: tuple[str, ...] = ()  # from config.pytest_args
    select: tuple[str, ...] | None = None  # run only these node ids (None: every test)
    # Baseline only: per-test coverage of these project-relative source paths
    # (SuiteRun.coverage), and the imported modules (the "modules" record).
    coverage_source: tuple[str, ...] | None = None
    record_modules: bool = False
    # A hot mutant's changes (path, new text), inside function bodies only: a fork runner with
    # a hot session swaps them in (breakit.hotsession); every other runner ignores this.
    hot: tuple[tuple[str, str], ...] | None = None


class Runner(Protocol):
    def run(self, workdir: Path, spec: RunSpec) -> SuiteRun: ...

    def command(self, workdir: Path, spec: RunSpec) -> list[str]: ...


# Preloaded by a fork worker, a pytest plugin's package (anyio's, say) is already imported when
# pytest marks it for assertion rewriting; only that one warning is silenced, only in-process.
_PRELOADED_WARNING = (
    "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning"
)


def pytest_args(workdir: Path, spec: RunSpec, *, in_process: bool = False) -> list[str]:
    """pytest's arguments for a run in `workdir`, the same for every backend.

    `-p no:randomly`: tests run in file order so verdicts are deterministic; the order is
    recorded anyway. `-p no:cacheprovider`: no .pytest_cache written into the workspace.
    `--rootdir` is pinned so node ids never depend on where the workspace is. `--tb=native`:
    pytest's long tracebacks re-read and re-parse the source of every frame (deep in FastAPI
    and SQLAlchemy), several seconds per failing mutant; Python's own traceback says the same
    (the config's pytest_args come after, and may choose another style).
    """
    return [
        # A pytest of its own dies with breakit (breakit.lifeline); a forked child is tied to
        # its worker by breakit.forkserver instead.
        *(["-W", _PRELOADED_WARNING] if in_process else ["-p", PLUGIN, "-p", LIFELINE]),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        f"--rootdir={workdir}",
        "-q",
        "--tb=native",
        *spec.extra_args,
        *spec.test_args,
    ]


class SubprocessRunner:
    """One fresh `python -m pytest` per run: nothing of one mutant can leak into the next."""

    def __init__(
        self,
        *,
        python: str | None = None,
        grace_s: float = 0.5,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.python = python or sys.executable
        self.grace_s = grace_s  # between SIGTERM and SIGKILL when a run is stopped
        self.env = env  # the base environment (default: this process's)
        self._current: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def command(self, workdir: Path, spec: RunSpec) -> list[str]:
        return [self.python, "-m", "pytest", *pytest_args(workdir, spec)]

    def environment(self, workdir: Path, results: Path, shim: Path | None = None) -> dict[str, str]:
        """The run's environment: no bytecode, the results file, the workspace first on the path.

        The workspace (and its src/) come first on PYTHONPATH so that its copy of the project wins
        over an editable or normal install of the same package; the lab's forced-fail sanity
        check catches any shadowing this misses.
        """
        env = dict(os.environ if self.env is None else self.env)
        for name in (SELECT_ENV, MODULES_ENV, COVERAGE_ENV):
            env.pop(name, None)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env[RESULTS_ENV] = str(results)
        env[PARENT_ENV] = str(os.getpid())  # pytest dies with this process, even if SIGKILLed
        paths = [str(workdir)]
        if (workdir / "src").is_dir():
            paths.append(str(workdir / "src"))
        if shim is not None:
            paths.append(str(shim))
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        return env

    def run(self, workdir: Path, spec: RunSpec) -> SuiteRun:
        return self.run_with_records(workdir, spec)[0]

    def cancel(self) -> None:
        """Stop the run in progress, from another thread (Ctrl-C in a parallel run)."""
        self._cancelled = True
        proc = self._current
        if proc is not None:
            _signal_group(proc, signal.SIGKILL)

    def run_with_records(self, workdir: Path, spec: RunSpec) -> tuple[SuiteRun, list[Record]]:
        """The SuiteRun, and the plugin's records it was made from (the "modules" one, say)."""
        workdir = Path(workdir).resolve()
        owned = Scratch("breakit-run-")  # a SIGKILLed run leaves it: the next one removes it
        scratch = owned.path
        try:
            results = scratch / "results.jsonl"
            output = scratch / "output.txt"
            env = self.environment(workdir, results, _plugin_shim(scratch))
            coverage_out = scratch / "coverage.json"
            # The tests' temporary files (pytest's tmp_path too) go with the run's scratch folder.
            (scratch / "tmp").mkdir()
            env["TMPDIR"] = str(scratch / "tmp")
            if spec.select is not None:
                (scratch / "select.txt").write_text("\n".join(spec.select), encoding="utf-8")
                env[SELECT_ENV] = str(scratch / "select.txt")
            if spec.record_modules:
                env[MODULES_ENV] = "1"
            if spec.coverage_source is not None:
                sources = [workdir / s for s in spec.coverage_source]
                env[COVERAGE_ENV] = coverage_settings(coverage_out, workdir, sources)
            timed_out = False
            started = time.monotonic()
            with output.open("wb") as out:
                proc = subprocess.Popen(
                    self.command(workdir, spec),
                    cwd=workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                self._current = proc
                if self._cancelled:  # cancelled while it was starting: it must not run on
                    _signal_group(proc, signal.SIGKILL)
                try:
                    deadline = None if spec.timeout_s is None else started + spec.timeout_s
                    if _wait_exited(proc, deadline):
                        # Kill whatever the tests left running (a server, a stray child).
                        _signal_group(proc, signal.SIGKILL)
                    else:
                        timed_out = True
                        _stop_group(proc, self.grace_s)
                    proc.wait()
                except BaseException:  # Ctrl-C included: never leave pytest running
                    _stop_group(proc, self.grace_s)
                    proc.wait()
                    raise
                finally:
                    self._current = None
            duration = time.monotonic() - started
            records = read_records(results)
            run = suite_run_from_records(
                records,
                duration_s=duration,
                exit_status=None if timed_out else proc.returncode,
                timed_out=timed_out,
                timeout_s=spec.timeout_s,
                # Paths in pytest's own messages are shown relative to the project.
                output=_tail(output).replace(f"{workdir}{os.sep}", ""),
            )
            if spec.coverage_source is not None:
                run = replace(run, coverage=read_map(coverage_out))
            return run, records
        finally:
            owned.remove()


def suite_run_from_records(
    records: Iterable[Record],
    *,
    duration_s: float,
    exit_status: int | None,
    timed_out: bool = False,
    timeout_s: float | None = None,
    output: str = "",
) -> SuiteRun:
    """A SuiteRun from the plugin's records, pytest's exit status and the tail of its output."""
    outcomes: dict[str, TestOutcome] = {}
    order: list[str] = []
    collected: list[str] = []
    collect_errors: list[str] = []
    for record in records:
        event = record.get("event")
        if event == "start":
            order.append(record["nodeid"])
        elif event == "test":
            outcomes[record["nodeid"]] = TestOutcome(
                nodeid=record["nodeid"],
                outcome=Outcome(record["outcome"]),
                message=record.get("message"),
                duration_s=float(record.get("duration_s", 0.0)),
                longrepr=record.get("longrepr"),
                cpu_s=record.get("cpu_s"),
                queued_s=record.get("queued_s"),
            )
        elif event == "collected":
            collected = list(record["nodeids"])
        elif event == "collect_error":
            where = record.get("nodeid") or "the session"
            collect_errors.append(f"error collecting {where}: {record.get('message')}")
    running = next((nodeid for nodeid in reversed(order) if nodeid not in outcomes), None)
    for nodeid in (*collected, *order):
        if nodeid not in outcomes:
            message = "the run was stopped during this test" if nodeid == running else None
            outcomes[nodeid] = TestOutcome(nodeid, Outcome.NOT_RUN, message=message)
    error: str | None = None
    if timed_out:
        limit = f" after {timeout_s:g} s" if timeout_s is not None else ""
        where = f" in {running}" if running else " before any test started"
        error = f"timed out{limit}{where}"
    elif collect_errors:
        error = "\n".join(collect_errors)
    elif exit_status is not None and exit_status not in (0, 1, 5):
        error = _exit_problem(exit_status, output)
    return SuiteRun(
        outcomes=outcomes,
        order=tuple(order),
        duration_s=duration_s,
        exit_status=exit_status,
        timed_out=timed_out,
        error=error,
    )


def _exit_problem(exit_status: int, output: str) -> str:
    """One or two lines saying why pytest stopped with an unusual status."""
    summary = _output_summary(output)
    if exit_status < 0:
        try:
            label = f"pytest was killed by {signal.Signals(-exit_status).name}"
        except ValueError:
            label = f"pytest was killed by signal {-exit_status}"
    elif summary.startswith(_CONFTEST_FAILED):
        return summary  # says it all: pytest stopped before collecting anything
    else:
        labels = {2: "pytest was interrupted", 3: "pytest hit an internal error"}
        label = labels.get(exit_status, "pytest usage error" if exit_status == 4 else "")
        label = label or f"pytest exited with status {exit_status}"
    return f"{label}: {summary}" if summary else label


def _output_summary(output: str) -> str:
    """The most telling line(s) of pytest's own output when no record explains the problem."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    conftest = [line for line in lines if line.startswith(_CONFTEST_FAILED)]
    if conftest:  # a conftest that does not import stops pytest before collection
        return f"{conftest[-1].rstrip('.')}: {collect_error_message(output)}"
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR: ")]
    if errors:
        first = next(i for i, line in enumerate(lines) if line.startswith("ERROR: "))
        block = [lines[first].removeprefix("ERROR: "), *lines[first + 1 :]]
        if any(line.startswith("Traceback (most recent call last)") for line in block):
            # A usage error with a traceback (a filterwarnings class that does not import):
            # the line saying what failed is its last one, so keep the head and the tail.
            if len(block) > _USAGE_LINES:
                block = [*block[:4], "…", *block[-(_USAGE_LINES - 5) :]]
            return "\n".join(block)
        return "\n".join(errors)
    internal = [line for line in lines if line.startswith("INTERNALERROR>")]
    if internal:
        raised = [line for line in internal if line.startswith("INTERNALERROR> E ")]
        return (raised or internal)[-1].removeprefix("INTERNALERROR>").strip()
    if any(line.startswith("E ") for line in lines):
        return collect_error_message(output)
    return "\n".join(lines[-_TAIL_LINES:])


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _OUTPUT_TAIL_BYTES))
            return file.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _plugin_shim(scratch: Path) -> Path:
    """A folder holding only `breakit` (a link to this package), so pytest can load the plugin.

    It comes after the workspace on PYTHONPATH and holds nothing else, so it cannot shadow any of
    the project's own modules, whether breakit is installed where the tests run or not.
    """
    shim = scratch / "shim"
    shim.mkdir()
    (shim / "breakit").symlink_to(Path(breakit.__file__).resolve().parent, target_is_directory=True)
    return shim


def _wait_exited(proc: subprocess.Popen[bytes], deadline: float | None) -> bool:
    """Wait until `proc` exits or `deadline` passes; True if it exited.

    The process is left unreaped (a zombie) where the platform allows it, so its process group id
    cannot be reused before we have signalled the group's stragglers.
    """
    if hasattr(os, "pidfd_open"):
        fd = os.pidfd_open(proc.pid)
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            while True:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                if poller.poll(None if remaining is None else max(1, int(remaining * 1000))):
                    return True
        finally:
            os.close(fd)
    try:  # no pidfd (macOS): Popen.wait reaps, so the group is signalled just after
        proc.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return True


def _stop_group(proc: subprocess.Popen[bytes], grace_s: float) -> None:
    """SIGTERM the run's whole process group, then SIGKILL whatever is left after `grace_s`."""
    _signal_group(proc, signal.SIGTERM)
    _wait_exited(proc, time.monotonic() + grace_s)
    _signal_group(proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    # The group id is pytest's pid (start_new_session=True); it may already be empty.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signum)
