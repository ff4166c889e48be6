"""`SubprocessRunner`: one fresh `python -m pytest -p breakit.pytest_plugin …` per run.

It starts pytest in the workspace, in its own process group, waits (killing the whole group on
timeout or Ctrl-C) and builds a `SuiteRun` from the records the plugin wrote
(breakit.engine.pieces). The baseline always runs here: it alone records per-test coverage and
the modules the suite imports.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from breakit.engine.lifeline import PARENT_ENV
from breakit.engine.memlimit import Watch
from breakit.engine.pieces import Piece, run_in_pieces, suite_run_from_pieces
from breakit.engine.runner import RunSpec, RunStats, pytest_args
from breakit.engine.shim import make_shim
from breakit.engine.workspace import Scratch
from breakit.model import SuiteRun
from breakit.records import (
    COVERAGE_ENV,
    FIRST_CATCH_ENV,
    MODULES_ENV,
    ORDER_ENV,
    RESULTS_ENV,
    SELECT_ENV,
    Record,
    coverage_settings,
    output_tail,
    read_map,
    read_records,
)


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
        self.stats = RunStats()  # never a hot run, never a warm worker

    def command(self, workdir: Path, spec: RunSpec) -> list[str]:
        return [self.python, "-m", "pytest", *pytest_args(workdir, spec)]

    def environment(self, workdir: Path, results: Path, shim: Path | None = None) -> dict[str, str]:
        """The run's environment: no bytecode, the results file, the workspace first on the path.

        The workspace (and its src/) come first on PYTHONPATH so that its copy of the project wins
        over an editable or normal install of the same package; the lab's forced-fail sanity
        check catches any shadowing this misses.
        """
        env = dict(os.environ if self.env is None else self.env)
        for name in (SELECT_ENV, MODULES_ENV, COVERAGE_ENV, ORDER_ENV, FIRST_CATCH_ENV):
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

    def start(self) -> None:
        """Nothing to start: each run is a process of its own."""

    def run(self, workdir: Path, spec: RunSpec) -> SuiteRun:
        return self.run_with_records(workdir, spec)[0]

    def open_session(self, workdir: Path, spec: RunSpec) -> bool:
        return False  # every run imports the project afresh: no hot session

    def run_hot(self, workdir: Path, spec: RunSpec, changes: Mapping[str, str]) -> SuiteRun:
        return self.run(workdir, spec)

    def close(self) -> None:
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
            env = self.environment(workdir, results, make_shim(scratch))
            coverage_out = scratch / "coverage.json"
            # The tests' temporary files (pytest's tmp_path too) go with the run's scratch folder.
            (scratch / "tmp").mkdir()
            env["TMPDIR"] = str(scratch / "tmp")
            if spec.select is not None:
                (scratch / "select.txt").write_text("\n".join(spec.select), encoding="utf-8")
                env[SELECT_ENV] = str(scratch / "select.txt")
            if spec.order is not None:
                (scratch / "order.txt").write_text("\n".join(spec.order), encoding="utf-8")
                env[ORDER_ENV] = str(scratch / "order.txt")
            if spec.first_catch:
                env[FIRST_CATCH_ENV] = "1"
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
                output=_read_tail(output),
                out_of_memory=watch.hit,
            )
            if self._cancelled:  # stopped from outside: not a crash to run the rest after
                piece = replace(piece, exit_status=None)
            found = read_map(coverage_out) if spec.coverage_source is not None else None
            return piece, found
        finally:
            owned.remove()


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


def _read_tail(path: Path) -> str:
    try:
        with path.open("rb") as file:
            return output_tail(file)
    except OSError:
        return ""
