"""The command's side of a fork worker: `ForkRunner`, the Runner that hands each run to a worker
process (breakit.runners.fork.worker) and reads its replies.

The worker is a process of its own (`python -m breakit.runners.fork.worker`, started here, on its
stdin and stdout) or one forked from the project's warm pool (breakit.runners.fork.warm_client).
Either way it imports the suite's third-party packages once and forks a fresh child per run; a hot
mutant may run in its hot session instead (`open_session`, `run_hot`; breakit.runners.fork.hot). A
run whose child dies during a test goes on in another child for the tests after it
(breakit.runners.suite_run).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from breakit.core.errors import WorkerDied
from breakit.core.model import SuiteRun
from breakit.core.run_records import RunRecord
from breakit.core.wire import (
    REQUEST_ENV,
    Fallback,
    HotRequest,
    PreloadReply,
    PreloadRequest,
    Reply,
    Request,
    RunReply,
    RunRequest,
    SessionReply,
    SessionRequest,
    WireError,
)
from breakit.runners.breakit_link import make_shim
from breakit.runners.fork.channel import Channel
from breakit.runners.fork.warm_client import WarmPool, WarmWorker
from breakit.runners.run_spec import RunSpec, RunStats, pytest_args, run_request
from breakit.runners.suite_run import run_in_pieces, suite_run_from_pieces, tests_after_death
from breakit.runners.workspace import Scratch

R = TypeVar("R", bound=Reply)

_READY_TIMEOUT_S = 120.0
WORKER_MODULE = "breakit.runners.fork.worker"  # what `python -m` starts


class ForkRunner:
    """A Runner that hands each run to its own fork worker (see the module docstring).

    `modules` are imported by the worker before any run (from the baseline); `project` names the
    project's top-level modules, which the worker never imports and each child drops.
    """

    def __init__(
        self,
        modules: Sequence[str] = (),
        *,
        project: Sequence[str] = (),
        python: str | None = None,
        env: dict[str, str] | None = None,
        pool: WarmPool | None = None,
    ) -> None:
        self.modules = tuple(modules)
        self.project = tuple(project)
        self.python = python or sys.executable
        self.env = env
        self.pool = pool
        self._worker: _SpawnedWorker | WarmWorker | None = None
        self._scratch: Path | None = None
        self._owned: Scratch | None = None
        self._closed = False
        self._session: Path | None = None  # the workspace of the worker's hot session
        # The other worker, set aside while this one runs: a hot session waiting while a fresh
        # worker runs what it refused, or the fresh worker while the session runs.
        self._aside: _Held | None = None
        self.session_refused: str | None = None  # why a hot session could not start
        self.startup_s = 0.0
        self.stats = RunStats()

    def command(self, workdir: Path, spec: RunSpec) -> list[str]:
        return ["pytest", *pytest_args(Path(workdir), spec, in_process=True)]

    def start(self) -> None:
        """Start the worker and wait until it has imported `modules`: a fork of the warm pool if
        there is one (breakit.runners.fork.warm_client), else a process of its own."""
        if self._closed:
            raise WorkerDied("the fork worker was stopped")
        if self._worker is not None:
            if self._worker.alive():
                return
            self._discard()  # it died between runs
        started = time.monotonic()
        self._owned = Scratch("breakit-worker-")  # a SIGKILLed command's: the next one removes it
        self._scratch = self._owned.path
        env = dict(os.environ if self.env is None else self.env)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop(REQUEST_ENV, None)
        # The worker imports breakit from where this process found it, never from the project.
        shim = make_shim(self._scratch)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH")) if p)
        # A warm pool runs this Python (the one in its key); another one starts its own worker.
        usable = self.pool is not None and self.python == sys.executable
        warm = self.pool.worker(env, self._scratch) if usable and self.pool else None
        if warm is not None:
            self._worker = warm
            self.stats.warm = 1
        else:
            self._worker = _SpawnedWorker(
                subprocess.Popen(
                    [self.python, "-m", WORKER_MODULE],
                    cwd=self._scratch,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # Ctrl-C reaches us only; we stop the worker ourselves
                )
            )
        if self._closed:  # closed from another thread while starting
            self.close()
            raise WorkerDied("the fork worker was stopped")
        if warm is None:
            preload = PreloadRequest(modules=self.modules, project=self.project)
            self._ask(preload, PreloadReply, timeout_s=_READY_TIMEOUT_S)
        self.startup_s = time.monotonic() - started

    @property
    def worker_pid(self) -> int | None:
        """The worker process's id while there is one (tests kill it from outside)."""
        return None if self._worker is None else self._worker.pid

    def open_session(self, workdir: Path, spec: RunSpec) -> bool:
        """Turn the worker into a hot session on `workdir` (breakit.runners.fork.hot): the project
        is imported and the suite collected once, from `workdir` as it is now — unmutated. False
        if that cannot be done (a collection error, say): hot mutants then run fresh."""
        workdir = Path(workdir).resolve()
        if self._session == workdir and self._worker is not None and self._worker.alive():
            return True
        if self.session_refused is not None:
            return False
        aside = self._aside
        if aside and aside.session == workdir and aside.worker and aside.worker.alive():
            self._trade()  # the session set aside while fresh runs went on
            return True
        if self._session is not None:
            self._discard()
        self.start()
        request = SessionRequest(
            workdir=str(workdir), args=tuple(pytest_args(workdir, spec, in_process=True))
        )
        try:
            reply = self._ask(request, SessionReply, timeout_s=_READY_TIMEOUT_S)
        except WorkerDied as exc:
            if self._closed:
                raise
            reply = SessionReply(ready=False, tests=0, error=str(exc))
        if reply.ready:
            self._session = workdir
            return True
        self.session_refused = str(reply.error)
        self._discard()  # it may have imported the project: no use for fresh runs
        return False

    def run(self, workdir: Path, spec: RunSpec) -> SuiteRun:
        workdir = Path(workdir).resolve()
        return _suite_run(self._run_fresh(workdir, spec), workdir, spec)

    def run_with_records(self, workdir: Path, spec: RunSpec) -> tuple[SuiteRun, list[RunRecord]]:
        """A fork worker's run has none of the baseline's extras (coverage, the modules record):
        the run, and no records."""
        return self.run(workdir, spec), []

    def run_hot(self, workdir: Path, spec: RunSpec, changes: Mapping[str, str]) -> SuiteRun:
        """A hot mutant (its `changes` inside function bodies, written into `workdir`) in the
        hot session if one is open on `workdir`, else, or if the session refuses it, fresh."""
        workdir = Path(workdir).resolve()
        if self._session == workdir:
            hot = self._run_hot(workdir, spec, changes)
            if hot is not None:
                return hot
        return self.run(workdir, spec)

    def _run_fresh(self, workdir: Path, spec: RunSpec) -> list[RunReply]:
        """`spec` in fresh children: one, and one more each time a child dies during a test."""
        if self._session is not None:
            # A hot session has the project imported: the run goes to a fresh worker, the
            # session is set aside for the next hot mutant (not collected again).
            self._trade()
        self.start()

        def run_piece(nodeids: tuple[str, ...] | None) -> RunReply:
            request = _run_request(workdir, replace(spec, nodeids=nodeids))
            try:
                reply = self._ask(request, RunReply)
            except WorkerDied:
                if self._closed:
                    raise
                # The worker itself died (killed from outside): a new one gets one more try.
                self._discard()
                self.start()
                reply = self._ask(request, RunReply)
            return reply

        return run_in_pieces(run_piece, spec)

    def _run_hot(self, workdir: Path, spec: RunSpec, changes: Mapping[str, str]) -> SuiteRun | None:
        """`spec` in the hot session; None if it must run fresh. A hot child that dies during a
        test is followed by another for the tests after it (fresh ones if the session goes)."""
        pieces: list[RunReply] = []
        nodeids = spec.nodeids
        while True:
            hot_timeout = spec.timeout_s if spec.hot_timeout_s is None else spec.hot_timeout_s
            run = _run_request(workdir, replace(spec, nodeids=nodeids, timeout_s=hot_timeout))
            request = HotRequest(run=run, changes=dict(changes))
            reply: Reply | None  # a RunReply, a Fallback, or None: the session is gone
            try:
                reply = self._ask(request, RunReply, Fallback)
            except WorkerDied:
                if self._closed:
                    raise
                self._discard()  # the session died (killed from outside): the rest runs fresh
                reply = None
            if not isinstance(reply, RunReply):
                if not pieces:
                    if isinstance(reply, Fallback):
                        self.stats.fallbacks += 1
                        self.stats.fallback_reasons.append(reply.reason)
                    return None
                pieces += self._run_fresh(workdir, replace(spec, nodeids=nodeids))
                break
            pieces.append(reply)
            # First-catch: a death is a catch, and the run stops there (suite_run.run_in_pieces).
            nodeids = () if spec.first_catch else tests_after_death(pieces[-1])
            if not nodeids:
                break
        self.stats.hot_runs += 1
        return _suite_run(pieces, workdir, spec)

    def _ask(self, request: Request, *expected: type[R], timeout_s: float | None = None) -> R:
        """`request` to the worker, and its reply (one of `expected`); WorkerDied if the worker
        is gone, does not answer within `timeout_s`, or answers something else."""
        worker = self._worker
        if worker is None:
            raise WorkerDied("the fork worker is not running")
        try:
            return worker.channel.ask(request, *expected, timeout_s=timeout_s)
        except TimeoutError:
            raise WorkerDied(f"the fork worker did not answer in {timeout_s:g} s") from None
        except EOFError:
            raise WorkerDied("the fork worker stopped") from None
        except WireError as exc:
            raise WorkerDied(f"the fork worker answered {request.NAME!r} with: {exc}") from None
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise WorkerDied(f"the fork worker stopped: {exc}") from None

    def close(self) -> None:
        """Stop the workers and whatever child they run; safe to call twice, from any thread."""
        self._closed = True
        self._discard()
        aside, self._aside = self._aside, None
        if aside is not None:
            aside.stop()

    def _trade(self) -> None:
        """Set the running worker aside and bring back the one set aside (if any)."""
        held = _Held(self._worker, self._owned, self._scratch, self._session)
        aside, self._aside = self._aside, held if held.worker is not None else None
        if aside is None:
            self._worker, self._owned, self._scratch, self._session = None, None, None, None
        else:
            self._worker, self._owned = aside.worker, aside.owned
            self._scratch, self._session = aside.scratch, aside.session

    def _discard(self) -> None:
        worker, self._worker = self._worker, None
        self._session = None
        if worker is not None:
            worker.stop()
        owned, self._owned, self._scratch = self._owned, None, None
        if owned is not None:
            owned.remove()


@dataclass
class _Held:
    """A worker set aside (ForkRunner._trade), with its folder and its session's workspace."""

    worker: _SpawnedWorker | WarmWorker | None
    owned: Scratch | None
    scratch: Path | None
    session: Path | None

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.owned is not None:
            self.owned.remove()


class _SpawnedWorker:
    """A worker process of its own (`python -m breakit.runners.fork.worker`), on its stdin and
    stdout."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.pid = proc.pid
        self.channel = Channel(proc.stdout, proc.stdin)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        proc = self.proc
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()  # the worker kills its child's group, then exits
        try:
            proc.wait(2.0)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        self.channel.close()


def _run_request(workdir: Path, spec: RunSpec) -> RunRequest:
    """A fork child's request: the tests only, none of the baseline's extras (coverage, the
    modules record); its records come back through a pipe, not a results file."""
    tests_only = replace(spec, coverage_source=None, record_modules=False)
    return run_request(workdir, tests_only, in_process=True)


def _suite_run(pieces: list[RunReply], workdir: Path, spec: RunSpec) -> SuiteRun:
    return suite_run_from_pieces(
        pieces, timeout_s=spec.timeout_s, memory_limit_mb=spec.memory_limit_mb, workdir=workdir
    )
