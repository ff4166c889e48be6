"""`SubprocessRunner`: one fresh `python -m pytest -p breakit.inrun.pytest_plugin …` per run.

It starts pytest in the workspace, in its own process group, waits (killing the whole group on
timeout or Ctrl-C) and builds a `SuiteRun` from the records the plugin wrote
(breakit.runners.suite_run). The baseline always runs here: it alone records per-test coverage and
the modules the suite imports.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from breakit.core.model import SuiteRun
from breakit.core.run_records import RunRecord, output_tail, read_map, read_records
from breakit.core.wire import REQUEST_ENV, RunReply
from breakit.inrun.lifeline import PARENT_ENV
from breakit.runners.breakit_link import make_shim
from breakit.runners.memlimit import Watch
from breakit.runners.run_spec import RunSpec, RunStats, pytest_args, run_request
from breakit.runners.suite_run import run_in_pieces, suite_run_from_pieces
from breakit.runners.workspace import Scratch

CoverageFound = dict[str, frozenset[tuple[str, int]]]  # a run's per-test coverage map


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

    def environment(self, workdir: Path, request: Path, shim: Path | None = None) -> dict[str, str]:
        """The run's environment: no bytecode, the request file (breakit.core.wire.RunRequest, for
        the plugin), the workspace first on the path.

        The workspace (and its src/) come first on PYTHONPATH so that its copy of the project wins
        over an editable or normal install of the same package; the lab's forced-fail sanity
        check catches any shadowing this misses.
        """
        env = dict(os.environ if self.env is None else self.env)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env[REQUEST_ENV] = str(request)
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

    def run_with_records(self, workdir: Path, spec: RunSpec) -> tuple[SuiteRun, list[RunRecord]]:
        """The SuiteRun, and the plugin's records it was made from (the "modules" one, say)."""
        workdir = Path(workdir).resolve()
        pieces: list[RunReply] = []
        coverage: list[CoverageFound | None] = []

        def run_piece(nodeids: tuple[str, ...] | None) -> RunReply:
            piece_spec = replace(spec, nodeids=nodeids)
            if pieces:  # after a crash: the tests only, the baseline's extras came with the first
                piece_spec = replace(piece_spec, coverage_source=None, record_modules=False)
            piece, found = self._run_piece(workdir, piece_spec)
            pieces.append(piece)
            coverage.append(found)
            return piece

        if self.restart:
            run_in_pieces(run_piece, spec)
        else:
            run_piece(spec.nodeids)
        run = suite_run_from_pieces(
            pieces,
            timeout_s=spec.timeout_s,
            memory_limit_mb=spec.memory_limit_mb,
            workdir=workdir,
        )
        if spec.coverage_source is not None:
            run = replace(run, coverage=coverage[0])
        return run, [record for piece in pieces for record in piece.records]

    def _run_piece(self, workdir: Path, spec: RunSpec) -> tuple[RunReply, CoverageFound | None]:
        """One `python -m pytest` for `spec`: what it reported, and its coverage map if asked."""
        owned = Scratch("breakit-run-")  # a SIGKILLed run leaves it: the next one removes it
        scratch = owned.path
        try:
            results, coverage_out = scratch / "results.jsonl", scratch / "coverage.json"
            request = run_request(workdir, spec, results=results, coverage_out=coverage_out)
            request_file = scratch / "request.json"
            request_file.write_text(json.dumps(request.encode()), encoding="utf-8")
            env = self.environment(workdir, request_file, make_shim(scratch))
            # The tests' temporary files (pytest's tmp_path too) go with the run's scratch folder.
            (scratch / "tmp").mkdir()
            env["TMPDIR"] = str(scratch / "tmp")
            output = scratch / "output.txt"
            started = time.monotonic()
            returncode, timed_out, out_of_memory = self._run_pytest(workdir, spec, env, output)
            piece = RunReply(
                records=read_records(results),
                duration_s=time.monotonic() - started,
                exit_status=None if timed_out else returncode,
                timed_out=timed_out,
                output=_read_tail(output),
                out_of_memory=out_of_memory,
            )
            if self._cancelled:  # stopped from outside: not a crash to run the rest after
                piece = replace(piece, exit_status=None)
            found = read_map(coverage_out) if spec.coverage_source is not None else None
            return piece, found
        finally:
            owned.remove()

    def _run_pytest(
        self, workdir: Path, spec: RunSpec, env: dict[str, str], output: Path
    ) -> tuple[int, bool, bool]:
        """Start pytest, in a process group of its own, and wait for it (killing the group on
        timeout, the memory ceiling or Ctrl-C): its return code, timed out, out of memory."""
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
        return proc.returncode, timed_out, watch.hit


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
