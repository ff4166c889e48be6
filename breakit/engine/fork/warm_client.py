"""Warm workers, as a command sees them: the project's warm pool (`WarmPool`: connect, or start
it), the workers it forks (`WarmWorker`), and `pools`/`stop_pools` for `breakit warm`.

A fork worker (breakit.engine.fork.worker) spends ~1.1 s importing FastAPI, SQLAlchemy and pytest
before its first run, in every command. A *warm pool* (breakit.engine.fork.warm_server) does that
once and forks ready workers, a few milliseconds each.

It is only reused while nothing it was made from has changed — the key (`fingerprint`) hashes
the Python, breakit's own files, the modules to preload, the project's module names, the paths
packages are imported from (their modification times change on every install) and the
environment — and it stops by itself after `idle_s` without a worker. It is a cache: stopping
it (`breakit warm stop`, or killing it) loses nothing. docs/architecture.md, "Warm workers".

Sockets live in a folder only this user can open: $XDG_RUNTIME_DIR/breakit, or
$TMPDIR/breakit-<uid>.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from breakit.engine.fork.channel import HANDSHAKE_TIMEOUT_S, pool_folder, read_message
from breakit.engine.shim import PACKAGE, make_shim, remove_with_shim
from breakit.errors import WarmUnavailable

DEFAULT_IDLE_S = 15 * 60
_READY_TIMEOUT_S = 120.0
SERVER_MODULE = "breakit.engine.fork.warm_server"  # what `python -m` starts

# Shell bookkeeping that changes between commands and cannot change what an import does.
VOLATILE_ENV = frozenset(
    {
        "_",
        "OLDPWD",
        "PWD",
        "SHLVL",
        "COLUMNS",
        "LINES",
        "TERM_SESSION_ID",
        "WINDOWID",
        "PS1",
        "PROMPT_COMMAND",
        "HISTFILE",
        "TMUX_PANE",
        "SSH_TTY",
    }
)


# Read by breakit and pytest when a run starts, never when a package is imported.
RUNTIME_ENV_PREFIXES = ("BREAKIT_", "PYTEST_")


def runtime_dir(create: bool = True) -> Path:
    """The folder of the sockets: private to this user, or WarmUnavailable. Only a command
    that may start a pool creates it: looking for one leaves no trace."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "fork"):
        raise WarmUnavailable("warm workers need Unix sockets and os.fork")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(runtime) / "breakit"] if runtime else []
    candidates += [
        Path(tempfile.gettempdir()) / f"breakit-{os.getuid()}",
        Path("/tmp") / f"breakit-{os.getuid()}",
    ]
    # A socket's path is at most ~107 bytes: a long TMPDIR (as under pytest) falls back to /tmp.
    fitting = [c for c in candidates if len(str(c)) + _SOCKET_NAME_LENGTH < 100]
    if not fitting:
        raise WarmUnavailable(f"{candidates[0]} is too long a path for a Unix socket")
    folder = fitting[0]
    if not create and not folder.is_dir():
        raise WarmUnavailable("no warm pool is running")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        raise WarmUnavailable(f"cannot use {folder}: {exc}") from None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise WarmUnavailable(f"{folder} is not private to this user: not using it")
    return folder


_SOCKET_NAME_LENGTH = len("/0123456789-0123456789ab.sock")


def project_tag(root: Path) -> str:
    return hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:10]


def fingerprint(modules: Sequence[str], project: Sequence[str], env: dict[str, str]) -> str:
    """What a warm pool was made from; a pool is used only by commands with the same one."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            digest.update(str(part).encode())
            digest.update(b"\0")

    add(os.path.realpath(sys.executable), sys.version, *sorted(modules), "|", *sorted(project))
    add(PACKAGE)
    for path in sorted(PACKAGE.rglob("*.py")):
        info = path.stat()
        add(path.relative_to(PACKAGE), info.st_mtime_ns, info.st_size)
    # A pip install or uninstall adds or removes entries: the folder's mtime changes.
    for entry in sys.path[1:]:
        with contextlib.suppress(OSError):
            add(entry, os.stat(entry or ".").st_mtime_ns)
    for name in sorted(env):
        # breakit's and pytest's settings (BREAKIT_WARM, PYTEST_PLUGINS, PYTEST_ADDOPTS…) are
        # read when a run starts, in the child, which has the command's own environment.
        if name not in VOLATILE_ENV and not name.startswith(RUNTIME_ENV_PREFIXES):
            add(name, env[name])
    return digest.hexdigest()[:12]


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

    def __init__(self, sock: socket.socket, pid: int) -> None:
        self.sock = sock
        self.pid = pid
        self.requests: IO[bytes] = sock.makefile("wb")
        self.replies: IO[bytes] = sock.makefile("rb")

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
        for stream in (self.requests, self.replies):
            with contextlib.suppress(OSError):
                stream.close()
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
            request = {"op": "worker", "env": env, "scratch": str(scratch)}
            reply = _exchange(sock, request, HANDSHAKE_TIMEOUT_S)
            if not reply.get("ready"):
                raise WarmUnavailable(f"the warm pool refused a worker: {reply}")
            sock.settimeout(None)
            return WarmWorker(sock, int(reply["pid"]))
        except (OSError, ValueError, WarmUnavailable) as exc:
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
        spec = {
            "socket": str(path),
            "root": str(self.root),
            "modules": list(self.modules),
            "project": list(self.project),
            "idle_s": self.idle_s,
        }
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
            proc.stdin.write(json.dumps(spec).encode() + b"\n")
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
        if not line or not json.loads(line).get("ready"):
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


def _exchange(sock: socket.socket, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    sock.settimeout(timeout_s)
    sock.sendall(json.dumps(request).encode() + b"\n")
    return read_message(sock, timeout_s)


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
            try:
                reply = _exchange(sock, {"op": "status"}, HANDSHAKE_TIMEOUT_S)
            except (OSError, ValueError, WarmUnavailable):
                continue
        found.append(
            PoolInfo(
                socket=path,
                pid=int(reply["pid"]),
                root=str(reply["root"]),
                age_s=float(reply["age_s"]),
                idle_s=float(reply["idle_s"]),
                workers=int(reply["workers"]),
                stops_after_s=float(reply["stops_after_s"]),
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
        with sock, contextlib.suppress(OSError, ValueError, WarmUnavailable):
            _exchange(sock, {"op": "stop"}, HANDSHAKE_TIMEOUT_S)
            stopped += 1
    return stopped
