"""The warm pool's own process (`python -m breakit.runners.fork.warm_server`): it imports what a
fork worker would (the baseline's third-party modules, never the project's), listens on a Unix
socket and forks itself away from the command that started it; each connection gets a fork of it
that *is* a fork worker (breakit.runners.fork.worker: same loop, same protocol).

It stops after `idle_s` without a worker, when its socket is removed or replaced, or on "stop". Runs
apart from any command: nothing here imports the command's side (breakit.runners.fork. warm_client
starts it and talks to it).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import sys
import time
from pathlib import Path

from breakit.core.errors import WarmUnavailable
from breakit.core.wire import (
    ErrorReply,
    LaunchRequest,
    PoolReady,
    PoolStatus,
    Request,
    StatusRequest,
    StopRequest,
    WireError,
    WorkerReady,
    WorkerRequest,
    decode_request,
)
from breakit.runners.breakit_link import remove_with_shim
from breakit.runners.fork.channel import HANDSHAKE_TIMEOUT_S, Channel, read_message
from breakit.runners.fork.worker import Worker, preload

# The operations a pool serves on a new connection, by name.
SERVED: dict[str, type[Request]] = {
    kind.NAME: kind for kind in (WorkerRequest, StatusRequest, StopRequest)
}


def main() -> None:
    """`python -m breakit.runners.fork.warm_server`: preload, listen, fork away from the command,
    serve."""
    launch = LaunchRequest.decode(json.loads(sys.stdin.buffer.readline()))
    started = time.monotonic()
    scratch = os.getcwd()
    base_path = [p for p in sys.path if p not in ("", scratch)]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.dont_write_bytecode = True
    preload(launch.modules, launch.project)  # and frozen, as in a worker
    path = Path(launch.socket)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    listener.bind(str(staging))
    listener.listen(16)
    os.replace(staging, path)  # atomic: a stale socket of a dead pool is replaced
    if os.fork():
        # The command waits for this line, then reaps this first process; the pool lives on.
        sys.stdout.buffer.write(PoolReady().line())
        sys.stdout.flush()
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    pool = Pool(listener, path, launch, base_path, started)
    pool.serve()
    os.chdir("/")
    with contextlib.suppress(OSError):
        if path.stat().st_ino == pool.inode:  # else a newer pool owns the socket and the folder
            path.unlink()
            remove_with_shim(Path(scratch))
    os._exit(0)


class Pool:
    """The pool's loop: it accepts connections until stopped, idle for `idle_s`, or its socket
    is not its own any more, and forks a worker for each that asks for one."""

    def __init__(
        self,
        listener: socket.socket,
        path: Path,
        launch: LaunchRequest,
        base_path: list[str],
        started: float,
    ) -> None:
        self.listener = listener
        self.path = path
        self.inode = path.stat().st_ino
        self.launch = launch
        self.base_path = base_path
        self.started = started  # before the preload: the pool's age counts it
        self.last_active = time.monotonic()
        self.workers: set[int] = set()
        self.stopping = False

    def serve(self) -> None:
        signal.signal(signal.SIGTERM, self.on_term)
        while not self.stopping:
            self._reap_workers()
            if self.workers:
                self.last_active = time.monotonic()
            elif time.monotonic() - self.last_active > self.launch.idle_s:
                return
            if not self._still_ours():
                return  # replaced by a newer pool, or removed: this one is not reachable
            ready, _, _ = select.select([self.listener], [], [], 1.0)
            if ready:
                self._answer(self.listener.accept()[0])

    def on_term(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _reap_workers(self) -> None:
        for pid in list(self.workers):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    self.workers.discard(pid)

    def _still_ours(self) -> bool:
        try:
            return self.path.stat().st_ino == self.inode
        except OSError:
            return False

    def _answer(self, conn: socket.socket) -> None:
        """One connection's first message: fork it a worker, or answer and close it."""
        self.last_active = time.monotonic()
        try:
            message = read_message(conn, HANDSHAKE_TIMEOUT_S)
            conn.settimeout(None)
        except (OSError, ValueError, WarmUnavailable):
            conn.close()
            return
        try:
            request = decode_request(message, SERVED)
        except WireError as exc:
            with conn, contextlib.suppress(OSError):
                conn.sendall(ErrorReply(error=str(exc)).line())
            return
        if isinstance(request, WorkerRequest):
            pid = os.fork()
            if pid == 0:
                self.listener.close()
                _become_worker(conn, request, self.base_path, self.launch.project)
            self.workers.add(pid)
            conn.close()
            return
        with conn, contextlib.suppress(OSError):
            conn.sendall(self._status().line())
        if isinstance(request, StopRequest):
            self.stopping = True

    def _status(self) -> PoolStatus:
        now = time.monotonic()
        return PoolStatus(
            pid=os.getpid(),
            root=self.launch.root,
            age_s=now - self.started,
            idle_s=0.0 if self.workers else now - self.last_active,
            workers=len(self.workers),
            stops_after_s=self.launch.idle_s,
        )


def _become_worker(
    conn: socket.socket, request: WorkerRequest, base_path: list[str], project: tuple[str, ...]
) -> None:
    """In the forked child: the command's environment and scratch folder, then the worker loop."""
    status = 70
    try:
        os.setsid()  # its own group: the command can kill it and only it
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request.env)
        os.chdir(request.scratch)
        channel = Channel.over_socket(conn)
        channel.send(WorkerReady(pid=os.getpid()))
        Worker(channel, base_path, project).loop()
        status = 0
    finally:
        os._exit(status)


if __name__ == "__main__":
    main()
