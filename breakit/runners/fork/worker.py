"""A fork worker: a long-lived process that imports the suite's third-party packages once, then
forks a fresh child per run (breakit.runners.fork.child), or becomes a hot session
(breakit.runners.fork.hot).

The worker (`python -m breakit.runners.fork.worker`, started by ForkRunner; or forked from a warm
pool, breakit.runners.fork.warm_server) never imports the project's own modules: every child imports
them fresh from its workspace, so FastAPI routes, `Depends` and `Field(default_factory=…)`, which
capture functions at import time, always hold the mutated code. Protocol
(breakit.runners.fork.channel, breakit.core.wire): one typed message per line, requests on the
worker's stdin, replies on a private copy of its stdout (the worker's fd 1 goes to stderr, so
nothing a package prints at import can break the protocol). The loop dispatches on the operation's
name, as pytest-xdist's workers do (`Worker.handlers`): an operation it does not serve, or a request
it cannot read, gets an ErrorReply. This module runs in the worker only: it imports nothing of the
command's side.

Nothing outlives the command (docs/ci.md, "No process left behind"): a worker stops, killing its
child's group, on SIGTERM, when its channel hangs up (the command is gone: noticed through SIGIO
even while a child runs), and, for a worker of its own, when the kernel says its parent died
(PR_SET_PDEATHSIG). A child gets SIGKILL when its worker dies.
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from breakit.core.wire import (
    ErrorReply,
    PreloadReply,
    PreloadRequest,
    Reply,
    Request,
    RunReply,
    RunRequest,
    SessionRequest,
    WireError,
    decode_request,
)
from breakit.inrun.lifeline import on_parent_death
from breakit.runners.fork.channel import Channel
from breakit.runners.fork.child import Forker, fresh_child


class Worker:
    """The worker loop on `channel`, and the signals that stop it. The current folder is the
    worker's scratch folder; a worker forked from a warm pool starts with `project` preloaded.
    `parent_pid`: a worker of its own, the command that started it (None: a warm pool's)."""

    def __init__(
        self,
        channel: Channel,
        base_path: list[str],
        project: tuple[str, ...],
        parent_pid: int | None = None,
    ) -> None:
        self.channel = channel
        self.base_path = base_path
        self.project = project
        self.parent_pid = parent_pid
        self.forker = Forker(os.getcwd())

    def on_term(self, signum: int, frame: object) -> None:
        self.forker.kill_child()
        os._exit(128 + signum)

    def on_parent_signal(self, signum: int, frame: object) -> None:
        # PR_SET_PDEATHSIG also fires when the command's *thread* that started us ends: only a
        # changed parent pid means the command itself is gone.
        if os.getppid() != self.parent_pid:
            self.on_term(signal.SIGTERM, frame)

    def loop(self) -> None:
        """Read a request, answer it, until the channel closes (or the worker becomes a hot
        session, which then answers until it closes)."""
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        watch_channel(self.channel, self.on_term)
        sys.dont_write_bytecode = True
        # The operations served, each with its handler (None: the loop is over); after "session",
        # the hot session serves its own (breakit.runners.fork.hot).
        handlers: dict[type[Request], Callable[[Any], Reply | None]] = {
            PreloadRequest: self.preload,
            RunRequest: self.run_fresh,
            SessionRequest: self.session,
        }
        served = {kind.NAME: kind for kind in handlers}
        for message in self.channel:
            try:
                request = decode_request(message, served)
            except WireError as exc:
                self.channel.send(ErrorReply(error=str(exc)))
                continue
            reply = handlers[type(request)](request)
            if reply is None:
                return
            self.channel.send(reply)

    def preload(self, request: PreloadRequest) -> PreloadReply:
        """Import the suite's packages once, for every child."""
        self.project = request.project
        return PreloadReply(failed=tuple(preload(request.modules, self.project)))

    def session(self, request: SessionRequest) -> None:
        """Become a hot session: it serves hot runs until the channel closes; the project is
        imported from then on, so this worker can never run a fresh child again."""
        from breakit.runners.fork.hot import hot_session

        hot_session(request, self.channel, self.base_path, self.forker)

    def run_fresh(self, request: RunRequest) -> RunReply:
        """Fork one child that imports the project fresh and runs pytest for `request`."""
        base_path, project, worker_pid = self.base_path, self.project, self.forker.worker_pid

        def main(tmpdir: str, write_fd: int, output_fd: int) -> int:
            return fresh_child(request, base_path, project, worker_pid, tmpdir, write_fd, output_fd)

        return self.forker.fork(request, main)


def _hung_up(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)


def watch_channel(channel: Channel, stop: Callable[[int, object], None]) -> None:
    """Call `stop(SIGTERM, frame)` as soon as the channel hangs up: the command that talks to
    this worker has exited or was killed. SIGIO tells, even while the worker waits for a child
    (which could run for minutes); requests arriving raise it too, and are left alone. A no-op
    where there is no SIGIO or O_ASYNC."""
    fd = channel.incoming.fileno()
    if not hasattr(signal, "SIGIO") or not hasattr(os, "O_ASYNC"):
        return
    import fcntl

    def on_io(signum: int, frame: object) -> None:
        if _hung_up(fd):
            stop(signal.SIGTERM, frame)

    try:
        signal.signal(signal.SIGIO, on_io)
        fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
    except (OSError, ValueError):
        return
    if _hung_up(fd):  # gone before we asked
        stop(signal.SIGTERM, None)


def serve() -> None:
    """`python -m breakit.runners.fork.worker`: the worker loop on stdin and stdout."""
    channel = Channel(
        # Copies of stdin and stdout: pytest's capturing (in a hot session) redirects fds 0-2.
        os.fdopen(os.dup(0), "rb"),
        os.fdopen(os.dup(1), "wb"),
    )
    os.dup2(2, 1)  # anything printed from now on goes to stderr (DEVNULL), not to the protocol
    base_path = [p for p in sys.path if p not in ("", os.getcwd())]
    worker = Worker(channel, base_path, (), parent_pid=os.getppid())
    signal.signal(signal.SIGUSR1, worker.on_parent_signal)
    on_parent_death(signal.SIGUSR1)  # and if the parent died before this, the channel says so
    worker.loop()


def preload(modules: Sequence[str], project: Sequence[str]) -> list[str]:
    """Import `modules` (never one of the `project`'s), then freeze them out of the garbage
    collector; the names that failed to import."""
    failed = []
    import pytest  # noqa: F401 - every child runs it…

    import breakit.inrun.pytest_plugin  # noqa: F401 - …with this plugin

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in modules:
            if name.split(".")[0] in project or name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except BaseException:  # anything a broken import raises
                failed.append(name)
    # Everything imported so far lives as long as the worker: keep it out of the children's
    # garbage collections (pytest collects at exit), which would otherwise walk, and copy on
    # write, every object of every preloaded package.
    gc.collect()
    gc.freeze()
    return failed


if __name__ == "__main__":
    serve()
