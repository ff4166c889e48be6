"""Warm workers, as a command sees them: the project's warm pool (`WarmPool`: connect, or start
it), the workers it forks (`WarmWorker`), and `pools`/`stop_pools` for `breakit warm`.

A fork worker (breakit.runners.fork.worker) spends ~1.1 s importing FastAPI, SQLAlchemy and pytest
before its first run, in every command. A *warm pool* (breakit.runners.fork.warm_server) does that
once and forks ready workers, a few milliseconds each.

It is only reused while nothing it was made from has changed — the key (`fingerprint`,
breakit.runners.fork.pool_key) hashes the Python, breakit's own files, the modules to preload, the
project's module names, the paths packages are imported from (their modification times change on
every install) and the environment — and it stops by itself after `idle_s` without a worker. It is a
cache: stopping it (`breakit warm stop`, or killing it) loses nothing. docs/architecture.md, "Warm
workers".

Sockets live in a folder only this user can open (pool_key.runtime_dir).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from breakit.core.errors import WarmUnavailable
from breakit.core.wire import (
    LaunchRequest,
    PoolReady,
    PoolStatus,
    Reply,
    Request,
    StatusRequest,
    StopRequest,
    WireError,
    WorkerReady,
    WorkerRequest,
    decode_reply,
)
from breakit.runners.breakit_link import make_shim, remove_with_shim
from breakit.runners.fork.channel import HANDSHAKE_TIMEOUT_S, Channel, pool_folder
from breakit.runners.fork.pool_key import fingerprint, project_tag, runtime_dir

R = TypeVar("R", bound=Reply)

DEFAULT_IDLE_S = 15 * 60
_READY_TIMEOUT_S = 120.0
SERVER_MODULE = "breakit.runners.fork.warm_server"  # what `python -m` starts


@dataclass(frozen=True)
class PoolInfo:
    """One running warm pool, as `breakit warm status` shows it."""

    socket: Path
    pid: int
    root: str
    age_s: float
    idle_s: float
    workers: int
    stops_after_s: float


class WarmWorker:
    """A fork worker forked from a warm pool: the ForkRunner talks to it over a socket."""

    def __init__(self, sock: socket.socket, pid: int, channel: Channel) -> None:
        self.sock = sock
        self.pid = pid
        self.channel = channel

    def alive(self) -> bool:
        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
            return not ready or self.sock.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def stop(self) -> None:
        """Like a worker process's terminate(): it kills its child's group, then exits."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGTERM)
        with contextlib.suppress(OSError, ValueError):
            ready, _, _ = select.select([self.sock], [], [], 2.0)
            if not ready:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.pid, signal.SIGKILL)
        self.channel.close()
        self.sock.close()


class WarmPool:
    """The warm pool of one project and fingerprint: connect to it, or start it (`start`)."""

    def __init__(
        self,
        root: Path,
        modules: Sequence[str],
        project: Sequence[str],
        *,
        start: bool = True,
        idle_s: float = DEFAULT_IDLE_S,
        env: dict[str, str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.modules = tuple(modules)
        self.project = tuple(project)
        self.may_start = start
        self.idle_s = idle_s
        self.env = dict(os.environ if env is None else env)
        self.started = False  # this command started the pool (it was cold)
        self.error: str | None = None  # why the pool could not be used, if it could not
        self._socket: Path | None = None

    @property
    def socket_path(self) -> Path:
        if self._socket is None:
            key = fingerprint(self.modules, self.project, self.env)
            folder = runtime_dir(create=self.may_start)
            self._socket = folder / f"{project_tag(self.root)}-{key}.sock"
        return self._socket

    def ensure(self) -> PoolInfo:
        """Connect to the pool, starting it if there is none (`breakit warm start`); raises
        WarmUnavailable if that cannot be done."""
        sock = self._connect_or_start()
        if sock is None:
            raise WarmUnavailable("no warm pool is running and this one may not start one")
        sock.close()
        for info in pools(self.root):
            if info.socket == self.socket_path:
                return info
        raise WarmUnavailable("the warm pool stopped as soon as it started")

    def worker(self, env: dict[str, str], scratch: Path) -> WarmWorker | None:
        """A fresh fork worker forked from the pool, with `env` and `scratch` as its own; None
        (and `error` says why) if there is no pool and it may not start one, or it fails."""
        if self.error is not None:
            return None
        try:
            sock = self._connect_or_start()
            if sock is None:
                raise WarmUnavailable("no warm pool is running")
            channel = Channel.over_socket(sock)
            request = WorkerRequest(env=dict(env), scratch=str(scratch))
            try:
                reply = _exchange(sock, channel, request, WorkerReady)
            except WireError as exc:
                raise WarmUnavailable(f"the warm pool refused a worker: {exc}") from None
            sock.settimeout(None)
            return WarmWorker(sock, reply.pid, channel)
        except (OSError, ValueError, EOFError, WarmUnavailable) as exc:
            self.error = str(exc)
            return None

    def _connect_or_start(self) -> socket.socket | None:
        path = self.socket_path
        sock = _connect(path)
        if sock is not None or not self.may_start:
            return sock
        # One command at a time starts a pool; the others wait for it, then connect.
        with _locked(path.parent / "start.lock"):
            sock = _connect(path)
            if sock is None:
                stop_pools(self.root)  # made from something that changed since
                self._launch(path)
                self.started = True
                sock = _connect(path)
        if sock is None:
            raise WarmUnavailable("the warm pool started but does not answer")
        return sock

    def _launch(self, path: Path) -> None:
        # The pool's own folder (its cwd and breakit shim), next to its socket: a pool that was
        # killed cannot remove it, the next one on the same socket (or `warm stop`) does.
        scratch = pool_folder(path)
        remove_with_shim(scratch)
        scratch.mkdir(mode=0o700)
        env = dict(self.env)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        # As for a worker: breakit from where this process found it, never from the project.
        shim = make_shim(scratch)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH")) if p)
        launch = LaunchRequest(
            socket=str(path),
            root=str(self.root),
            modules=self.modules,
            project=self.project,
            idle_s=self.idle_s,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", SERVER_MODULE],
            cwd=scratch,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in this terminal does not reach it
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(launch.line())
            proc.stdin.close()
            ready, _, _ = select.select([proc.stdout], [], [], _READY_TIMEOUT_S)
            line = proc.stdout.readline() if ready else b""
        finally:
            proc.stdout.close()
            # The pool forks itself away and this first process exits at once: reap it.
            try:
                proc.wait(_READY_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if not _pool_ready(line):
            remove_with_shim(scratch)
            raise WarmUnavailable("the warm pool did not start")


def _connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except OSError:
        sock.close()
        raise
    return sock


def _pool_ready(line: bytes) -> bool:
    """The new pool's first line says it listens."""
    try:
        decode_reply(json.loads(line), PoolReady)
    except (ValueError, WireError):  # nothing, or not that
        return False
    return True


def _exchange(sock: socket.socket, channel: Channel, request: Request, expected: type[R]) -> R:
    """One request to the pool and its reply, within HANDSHAKE_TIMEOUT_S (socket.timeout, an
    OSError, if not)."""
    sock.settimeout(HANDSHAKE_TIMEOUT_S)
    return channel.ask(request, expected)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl  # Unix only, as warm pools are: importing this module must work everywhere

    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pool_sockets(root: Path) -> list[Path]:
    """The sockets of the project's pools; what dead pools left behind is removed."""
    try:
        folder = runtime_dir(create=False)
    except WarmUnavailable:
        return []
    tag = project_tag(root)
    for leftover in folder.glob(f"{tag}-*.d"):
        if not leftover.with_suffix(".sock").exists():
            remove_with_shim(leftover)
    return sorted(folder.glob(f"{tag}-*.sock"))


def _unlink_stale(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
    remove_with_shim(pool_folder(path))


def pools(root: Path) -> list[PoolInfo]:
    """The warm pools of the project at `root` that answer; stale sockets are removed."""
    found = []
    for path in _pool_sockets(root):
        sock = _connect(path)
        if sock is None:
            _unlink_stale(path)
            continue
        with sock:
            channel = Channel.over_socket(sock)
            try:
                reply = _exchange(sock, channel, StatusRequest(), PoolStatus)
            except (OSError, ValueError, EOFError):  # WireError is a ValueError
                continue
            finally:
                channel.close()
        found.append(
            PoolInfo(
                socket=path,
                pid=reply.pid,
                root=reply.root,
                age_s=reply.age_s,
                idle_s=reply.idle_s,
                workers=reply.workers,
                stops_after_s=reply.stops_after_s,
            )
        )
    return found


def stop_pools(root: Path) -> int:
    """Stop every warm pool of the project at `root`; how many were running."""
    stopped = 0
    for path in _pool_sockets(root):
        sock = _connect(path)
        if sock is None:
            _unlink_stale(path)
            continue
        channel = Channel.over_socket(sock)
        with sock, contextlib.suppress(OSError, ValueError, EOFError):
            _exchange(sock, channel, StopRequest(), PoolStatus)
            stopped += 1
        channel.close()
    return stopped
