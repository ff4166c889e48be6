"""The warm pool's own process (`python -m breakit.engine.fork.warm_server`): it imports what a
fork worker would (the baseline's third-party modules, never the project's), listens on a Unix
socket and forks itself away from the command that started it; each connection gets a fork of it
that *is* a fork worker (breakit.engine.fork.worker: same loop, same protocol).

It stops after `idle_s` without a worker, when its socket is removed or replaced, or on "stop".
Runs apart from any command: nothing here imports the command's side (breakit.engine.fork.
warm_client starts it and talks to it).
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
from typing import Any

from breakit.engine.fork.channel import HANDSHAKE_TIMEOUT_S, Channel, read_message
from breakit.engine.fork.worker import Worker, preload
from breakit.engine.shim import remove_with_shim
from breakit.errors import WarmUnavailable


def main() -> None:
    """`python -m breakit.engine.fork.warm_server`: preload, listen, fork away from the command,
    serve."""
    spec = json.loads(sys.stdin.buffer.readline())
    started = time.monotonic()
    scratch = os.getcwd()
    base_path = [p for p in sys.path if p not in ("", scratch)]
    project = tuple(spec["project"])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.dont_write_bytecode = True
    preload(spec["modules"], project)  # and frozen, as in a worker
    path = Path(spec["socket"])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        staging.unlink()
    listener.bind(str(staging))
    listener.listen(16)
    os.replace(staging, path)  # atomic: a stale socket of a dead pool is replaced
    if os.fork():
        # The command waits for this line, then reaps this first process; the pool lives on.
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    inode = path.stat().st_ino
    serve_pool(listener, path, inode, spec, base_path, project, started)
    os.chdir("/")
    with contextlib.suppress(OSError):
        if path.stat().st_ino == inode:  # else a newer pool owns the socket and the folder
            path.unlink()
            remove_with_shim(Path(scratch))
    os._exit(0)


def serve_pool(
    listener: socket.socket,
    path: Path,
    inode: int,
    spec: dict[str, Any],
    base_path: list[str],
    project: tuple[str, ...],
    started: float,
) -> None:
    """Accept connections until stopped, idle for `idle_s`, or the socket is not ours any more."""
    stop = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    idle_s = float(spec["idle_s"])
    workers: set[int] = set()
    last_active = time.monotonic()
    while not stop:
        for pid in list(workers):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0]:
                    workers.discard(pid)
        if workers:
            last_active = time.monotonic()
        elif time.monotonic() - last_active > idle_s:
            return
        try:
            if path.stat().st_ino != inode:
                return  # replaced by a newer pool, or removed: this one is not reachable
        except OSError:
            return
        ready, _, _ = select.select([listener], [], [], 1.0)
        if not ready:
            continue
        conn, _ = listener.accept()
        last_active = time.monotonic()
        try:
            request = read_message(conn, HANDSHAKE_TIMEOUT_S)
            conn.settimeout(None)
        except (OSError, ValueError, WarmUnavailable):
            conn.close()
            continue
        op = request.get("op")
        if op == "worker":
            pid = os.fork()
            if pid == 0:
                listener.close()
                _become_worker(conn, request, base_path, project)
            workers.add(pid)
            conn.close()
            continue
        with conn:
            now = time.monotonic()
            reply = {
                "pid": os.getpid(),
                "root": spec["root"],
                "age_s": now - started,
                "idle_s": 0.0 if workers else now - last_active,
                "workers": len(workers),
                "stops_after_s": idle_s,
            }
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps(reply).encode() + b"\n")
        if op == "stop":
            return


def _become_worker(
    conn: socket.socket, request: dict[str, Any], base_path: list[str], project: tuple[str, ...]
) -> None:
    """In the forked child: the command's environment and scratch folder, then the worker loop."""
    status = 70
    try:
        os.setsid()  # its own group: the command can kill it and only it
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["scratch"])
        channel = Channel(conn.makefile("rb"), conn.makefile("wb"))
        channel.reply({"ready": True, "pid": os.getpid()})
        Worker(channel, base_path, project).loop()
        status = 0
    finally:
        os._exit(status)


if __name__ == "__main__":
    main()
