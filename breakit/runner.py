"""Runs the suite for a Baseline or a Mutant: one fresh pytest per run, recorded by our plugin.

`SubprocessRunner` starts `python -m pytest -p breakit.pytest_plugin …` in the workspace, in its
own process group, waits (killing the whole group on timeout or Ctrl-C) and builds a `SuiteRun`
from the records the plugin wrote. `suite_run_from_records` is the part a forked, in-process
runner reuses with records it received over a pipe.

A test process that dies while a test runs (`os._exit`, a segfault, the memory ceiling) does not
lose the run: as pytest-xdist does with a crashed worker, that test is caught with how the
process died, and the tests after it run in a fresh process (`tests_after_death`, one `Piece`
per process; `suite_run_from_pieces` puts them together).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import breakit
from breakit.lifeline import PARENT_ENV
from breakit.memlimit import Watch
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
# A test's message when its process died before it started and nothing ran it afterwards (a
# plain pytest, as the oracle runs it, stops at the first crash).
NOT_RUN_AFTER_DEATH = "not run: the test process died before this test"
FAILS_AT_IMPORT = "fails at import"
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


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
    # The test process's memory ceiling in MB (breakit.memlimit); None: none.
    memory_limit_mb: int | None = None


@dataclass(frozen=True)
class Piece:
    """What one test process reported: most runs are one piece; a run whose process died during
    a test has one more for the tests after it."""

    records: list[Record] = field(default_factory=list)
    duration_s: float = 0.0
    exit_status: int | None = None  # None: killed on timeout
    timed_out: bool = False
    output: str = ""  # the tail of pytest's output
    out_of_memory: bool = False  # killed for going over its memory ceiling (breakit.memlimit)


def tests_after_death(piece: Piece) -> tuple[str, ...]:
    """The selected tests that never started because the process died during a test: what a
    fresh process runs next (empty if it did not die in a test)."""
    if died_during(piece) is None:
        return ()
    started = {r["nodeid"] for r in piece.records if r.get("event") == "start"}
    collected = next((r["nodeids"] for r in piece.records if r.get("event") == "collected"), [])
    return tuple(nodeid for nodeid in collected if nodeid not in started)


def died_during(piece: Piece) -> str | None:
    """The test that was running when the process died (None: it did not die in a test).

    pytest always ends with its `finish` record, also on pytest.exit(), Ctrl-C and internal
    errors, and sys.exit() inside a test is a failure like any other; so a test that started,
    never finished, and no `finish` record, means the process itself went away.
    """
    if piece.timed_out or piece.exit_status is None:
        return None
    if any(r.get("event") == "finish" for r in piece.records):
        return None
    done = {r["nodeid"] for r in piece.records if r.get("event") == "test"}
    starts = [r["nodeid"] for r in piece.records if r.get("event") == "start"]
    return next((nodeid for nodeid in reversed(starts) if nodeid not in done), None)


PieceRun = Callable[[tuple[str, ...] | None], Piece]  # run the tests `select` names (None: all)


def run_in_pieces(run_piece: PieceRun, spec: RunSpec) -> list[Piece]:
    """`run_piece(select)` for `spec.select`, then, each time the process died during a test,
    again for the tests after that one (each piece runs at least one test fewer).

    No new piece starts once the pieces so far have used the mutant's whole time
    (`spec.timeout_s`): a mutant that kills every test is Killed by the first death already,
    and one fresh process per test of a large suite would cost more than the rest can tell.
    The tests left are NOT_RUN (NOT_RUN_AFTER_DEATH), as they are in a plain pytest.
    """
    pieces = [run_piece(spec.select)]
    while rest := tests_after_death(pieces[-1]):
        spent = sum(piece.duration_s for piece in pieces)
        if spec.timeout_s is not None and spent >= spec.timeout_s:
            break
        pieces.append(run_piece(rest))
    return pieces


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
        restart: bool = True,
    ) -> None:
        self.python = python or sys.executable
        self.grace_s = grace_s  # between SIGTERM and SIGKILL when a run is stopped
        self.env = env  # the base environment (default: this process's)
        self._current: subprocess.Popen[bytes] | None = None
        self._cancelled = False
        # After a test process dies in a test, run the tests after it in a fresh one (as
        # pytest-xdist does). The oracle turns this off: it is a plain pytest, which stops there.
        self.restart = restart

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
        pieces: list[Piece] = []
        coverage: list[dict[str, frozenset[tuple[str, int]]] | None] = []

        def run_piece(select: tuple[str, ...] | None) -> Piece:
            piece_spec = replace(spec, select=select)
            if pieces:  # after a crash: the tests only, the baseline's extras came with the first
                piece_spec = replace(piece_spec, coverage_source=None, record_modules=False)
            piece, found = self._run_piece(workdir, piece_spec)
            pieces.append(piece)
            coverage.append(found)
            return piece

        if self.restart:
            run_in_pieces(run_piece, spec)
        else:
            run_piece(spec.select)
        run = suite_run_from_pieces(
            pieces,
            timeout_s=spec.timeout_s,
            memory_limit_mb=spec.memory_limit_mb,
            workdir=workdir,
        )
        if spec.coverage_source is not None:
            run = replace(run, coverage=coverage[0])
        return run, [record for piece in pieces for record in piece.records]

    def _run_piece(
        self, workdir: Path, spec: RunSpec
    ) -> tuple[Piece, dict[str, frozenset[tuple[str, int]]] | None]:
        """One `python -m pytest` for `spec`: what it reported, and its coverage map if asked."""
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
                watch = Watch(proc.pid, spec.memory_limit_mb)
                try:
                    deadline = None if spec.timeout_s is None else started + spec.timeout_s
                    if _wait_exited(proc, deadline, watch):
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
            piece = Piece(
                records=read_records(results),
                duration_s=time.monotonic() - started,
                exit_status=None if timed_out else proc.returncode,
                timed_out=timed_out,
                output=_tail(output),
                out_of_memory=watch.hit,
            )
            if self._cancelled:  # stopped from outside: not a crash to run the rest after
                piece = replace(piece, exit_status=None)
            found = read_map(coverage_out) if spec.coverage_source is not None else None
            return piece, found
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
    piece = Piece(list(records), duration_s, exit_status, timed_out, output)
    return suite_run_from_pieces([piece], timeout_s=timeout_s)


def suite_run_from_pieces(
    pieces: Sequence[Piece],
    *,
    timeout_s: float | None = None,
    memory_limit_mb: int | None = None,
    workdir: Path | None = None,
) -> SuiteRun:
    """One SuiteRun from the pieces of a run (run_in_pieces), in the order they ran.

    A test during which its process died is caught, with how the process died. Tests collected
    but never started are NOT_RUN: after a death that nothing followed up, with
    NOT_RUN_AFTER_DEATH. `workdir` is cut from the paths in pytest's messages.
    """
    outcomes: dict[str, TestOutcome] = {}
    order: list[str] = []
    collected: list[str] = []
    collect_errors: dict[str, str] = {}
    problems: list[str] = []
    stopped: dict[str, str] = {}  # nodeid -> why it has no outcome
    timed_out = False
    for index, piece in enumerate(pieces):
        output = piece.output
        if workdir is not None:
            output = output.replace(f"{workdir}{os.sep}", "")
        starts: list[str] = []
        for record in piece.records:
            event = record.get("event")
            if event == "start":
                starts.append(record["nodeid"])
            elif event == "test":
                outcomes[record["nodeid"]] = _test_outcome(record)
            elif event == "collected":
                collected.extend(n for n in record["nodeids"] if n not in collected)
            elif event == "collect_error":
                where = record.get("nodeid") or "the session"
                collect_errors.setdefault(where, str(record.get("message")))
        order.extend(n for n in starts if n not in order)
        running = next((n for n in reversed(starts) if n not in outcomes), None)
        died = died_during(piece)
        if piece.timed_out:
            limit = f" after {timeout_s:g} s" if timeout_s is not None else ""
            if running:
                stopped[running] = "the run was stopped during this test"
            if index == 0:
                timed_out = True
                where = f" in {running}" if running else " before any test started"
                problems.append(f"timed out{limit}{where}")
            elif running:  # after a crash, in the fresh process: that crash is the verdict
                stopped[running] = f"timed out{limit} (in a fresh process, after a crash)"
            running = None
        elif died is not None:
            how = _how_it_died(piece, memory_limit_mb)
            outcomes[died] = TestOutcome(
                died, Outcome.CAUGHT, message=f"the test process {how} while this test ran"
            )
            started = set(order)
            for nodeid in collected:
                if nodeid not in started:
                    stopped.setdefault(nodeid, NOT_RUN_AFTER_DEATH)
        elif not any(r.get("event") == "finish" for r in piece.records) and _died(piece, output):
            how = _how_it_died(piece, memory_limit_mb)
            if starts:
                problems.append(f"the test process {how} after its last test")
            elif collected:
                problems.append(f"the test process {how} before any test started")
            else:
                problems.append(f"{FAILS_AT_IMPORT}: the test process {how} while collecting")
        elif piece.exit_status not in (None, 0, 1, 5) and not collect_errors:
            problems.append(_exit_problem(piece.exit_status, output))
        if running and died is None:  # stopped from outside (Ctrl-C)
            stopped.setdefault(running, "the run was stopped during this test")
    for nodeid in (*collected, *order):
        if nodeid not in outcomes:
            outcomes[nodeid] = TestOutcome(nodeid, Outcome.NOT_RUN, message=stopped.get(nodeid))
    error: str | None = None
    if timed_out:
        error = problems[0]
    elif collect_errors:
        error = import_failure(collect_errors)
    elif problems:
        error = "\n".join(dict.fromkeys(problems))
    first = pieces[0] if pieces else Piece()
    return SuiteRun(
        outcomes=outcomes,
        order=tuple(order),
        duration_s=sum(p.duration_s for p in pieces),
        exit_status=first.exit_status,
        timed_out=timed_out,
        error=error,
    )


def import_failure(collect_errors: Mapping[str, str]) -> str:
    """What went wrong collecting, per module (`collect_errors`: where -> first error line).

    Code that does not compile keeps pytest's "error collecting …" per module; an exception
    raised while importing (a KeyError, a TypeError) is named once with the number of test
    modules it stopped: `fails at import: KeyError: 'verify_signature' in 5 test modules`.
    """
    lines = []
    raised: dict[str, list[str]] = {}
    for where, message in collect_errors.items():
        if message.startswith(_SYNTAX_ERRORS):
            lines.append(f"error collecting {where}: {message}")
        else:
            raised.setdefault(message, []).append(where)
    for message, places in sorted(raised.items(), key=lambda item: -len(item[1])):
        where = places[0] if len(places) == 1 else f"{len(places)} test modules"
        lines.append(f"{FAILS_AT_IMPORT}: {message} in {where}")
    return "\n".join(lines)


def does_not_compile(error: str) -> bool:
    """True if a run's `error` says the code does not compile (a syntax error), rather than
    that importing it raised."""
    return any(re.search(rf"\b{name}\b", error) for name in _SYNTAX_ERRORS)


def _test_outcome(record: Record) -> TestOutcome:
    return TestOutcome(
        nodeid=record["nodeid"],
        outcome=Outcome(record["outcome"]),
        message=record.get("message"),
        duration_s=float(record.get("duration_s", 0.0)),
        longrepr=record.get("longrepr"),
        cpu_s=record.get("cpu_s"),
        queued_s=record.get("queued_s"),
    )


def _how_it_died(piece: Piece, memory_limit_mb: int | None) -> str:
    """`exited with status 3`, `was killed by signal SIGSEGV`, `ran out of memory (limit N MB)`."""
    status = piece.exit_status or 0
    if piece.out_of_memory:
        return f"ran out of memory (limit {memory_limit_mb} MB)"
    if status < 0:
        try:
            return f"was killed by signal {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


def _died(piece: Piece, output: str) -> bool:
    """A piece without a `finish` record and no test running: did the process die, or did
    pytest stop by itself before its session (a usage error, a conftest that does not import,
    an internal error), saying why in its output?"""
    status = piece.exit_status
    if status is None or piece.timed_out:
        return False
    if status < 0 or status not in (2, 3, 4):
        return True
    lines = output.splitlines()
    return not any(
        line.startswith(("ERROR: ", "INTERNALERROR>", _CONFTEST_FAILED)) for line in lines
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


def _wait_exited(
    proc: subprocess.Popen[bytes], deadline: float | None, watch: Watch | None = None
) -> bool:
    """Wait until `proc` exits or `deadline` passes; True if it exited, or if `watch` saw it go
    over its memory ceiling (it is then killed, with its group).

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
                if watch is not None:
                    remaining = watch.wait_s(remaining)
                if poller.poll(None if remaining is None else max(1, int(remaining * 1000))):
                    return True
                if watch is not None and watch.check(time.monotonic()):
                    _signal_group(proc, signal.SIGKILL)
                    poller.poll()  # it is gone at once: SIGKILL cannot be caught
                    return True
        finally:
            os.close(fd)
    try:  # no pidfd (macOS, where no ceiling is watched): Popen.wait reaps
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
