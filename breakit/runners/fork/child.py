"""A fork worker's children: one forked process per run, in its own process group, which imports
the (mutated) project anew and runs pytest in-process.

`Forker` is the worker's hold on them (where their run folders go, the one running now, killed
with the worker); `child_setup` and `enter_workspace` make a forked child a process of its own in
the workspace, as `python -m pytest` there would be; `fresh_child` is a fresh run's main. Runs in
the worker, never in the command: nothing here imports the parent's side.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import select
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from breakit.core.run_records import RunRecord, output_tail, record_line, records_from_lines
from breakit.core.wire import RunReply, RunRequest
from breakit.inrun.lifeline import on_parent_death
from breakit.runners import memlimit
from breakit.runners.workspace import remove_tree

# A child's main: (the run's temporary folder, records fd, output fd) → exit status.
ChildMain = Callable[[str, int, int], int]


class Forker:
    """Forks the worker's children, one at a time, and knows the one that runs (see module doc).

    `scratch_dir` is the worker's own folder: each run's temporary folder goes in it.
    """

    def __init__(self, scratch_dir: str) -> None:
        self.scratch_dir = scratch_dir
        self.worker_pid = os.getpid()  # the children's parent, to die with
        self.child_pid = 0  # the child running now (0: none)

    def kill_child(self) -> None:
        """SIGKILL the running child's process group, if there is one (the worker is stopping)."""
        if self.child_pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child_pid, signal.SIGKILL)

    def fork(self, request: RunRequest, main: ChildMain) -> RunReply:
        """Fork a child running `main(tmpdir, records_fd, output_fd)` for `request`; collect its
        records, kill its process group on timeout or over the memory ceiling; the reply."""
        # The run's own temporary folder (pytest's tmp_path too), removed when the child is
        # done: nothing a test leaves in TMPDIR outlives its run or reaches the next mutant.
        run_tmp = tempfile.mkdtemp(prefix="run-", dir=self.scratch_dir)
        read_fd, write_fd = os.pipe()
        output = tempfile.TemporaryFile(dir=self.scratch_dir)  # noqa: SIM115 - closed below
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read_fd)
            status = 70
            try:
                status = main(run_tmp, write_fd, output.fileno())
            finally:
                os._exit(status)
        self.child_pid = pid
        with contextlib.suppress(PermissionError, ProcessLookupError):
            os.setpgid(pid, pid)  # also done in the child: whichever runs first
        os.close(write_fd)
        watch = memlimit.Watch(pid, request.memory_limit_mb)
        deadline = None if request.timeout_s is None else started + request.timeout_s
        buffer, timed_out = _read_until_done(read_fd, deadline, watch)
        status = _end_child(pid, killed=timed_out or watch.hit)
        self.child_pid = 0
        if timed_out or watch.hit:  # what the child wrote before it was killed, still in the pipe
            buffer += _drain(read_fd)
        os.close(read_fd)
        remove_tree(Path(run_tmp))
        duration = time.monotonic() - started
        text = output_tail(output)
        output.close()
        return RunReply(
            records=_records(buffer),
            duration_s=duration,
            exit_status=None if timed_out else os.waitstatus_to_exitcode(status),
            timed_out=timed_out,
            output=text,
            out_of_memory=watch.hit,
        )


def _read_until_done(
    read_fd: int, deadline: float | None, watch: memlimit.Watch
) -> tuple[bytearray, bool]:
    """What the child writes, until it closes its end, goes over its memory ceiling (`watch`
    says), or `deadline` passes (then: timed out)."""
    buffer = bytearray()
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return buffer, True
        ready, _, _ = select.select([read_fd], [], [], watch.wait_s(remaining))
        if watch.check(time.monotonic()):
            return buffer, False  # over the memory ceiling: killed, like a child that hangs
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            return buffer, False
        buffer += chunk


def _end_child(pid: int, *, killed: bool) -> int:
    """Kill the child's process group (what a test left running too) and reap the child: its
    wait status. A child that finished (not `killed`) is waited for, unreaped, first."""
    if not killed and hasattr(os, "waitid"):
        with contextlib.suppress(ChildProcessError):
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return status


def _drain(read_fd: int) -> bytes:
    """What is left in the pipe of a killed child; bounded: a stray process of the test's may
    hold the pipe open."""
    buffer = bytearray()
    for _ in range(64):
        if not select.select([read_fd], [], [], 0)[0]:
            break
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer)


def _records(buffer: bytes | bytearray) -> list[RunRecord]:
    """The records in the child's pipe; a line cut short by a kill is dropped."""
    return records_from_lines(bytes(buffer).splitlines())


def child_setup(tmpdir: str, output_fd: int | None, worker_pid: int) -> None:
    """What makes a forked child a process of its own: its group, signals, stdio, randomness
    and temporary folder (the run's, from Forker.fork); it dies with `worker_pid`."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in ("SIGIO", "SIGUSR1"):  # the worker's watchdogs, not the tests'
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    # A child dies with its worker, however the worker ends (even SIGKILL).
    if on_parent_death(signal.SIGKILL) and worker_pid and os.getppid() != worker_pid:
        os._exit(70)  # the worker died between the fork and here
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    if output_fd is not None:
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
    import random

    random.seed()  # a fresh process would not share its parent's random state
    os.environ["TMPDIR"] = tmpdir
    tempfile.tempdir = None  # gettempdir() caches the worker's; read TMPDIR again
    if "hypothesis.configuration" in sys.modules:
        # A hot child runs no pytest.main, whose set-aside would do this: Hypothesis's example
        # database in this run's own folder, not the session's (breakit.inrun.set_aside).
        from breakit.inrun.set_aside import fresh_hypothesis_home

        fresh_hypothesis_home()


def bytecode_folder(scratch_dir: str) -> str:
    """The bytecode folder of a worker whose own folder is `scratch_dir`."""
    return os.path.join(scratch_dir, "bytecode")


def enter_workspace(workdir: str, base_path: list[str], bytecode: str) -> None:
    """As `python -m pytest` in the workspace would have it: cwd, sys.path and PYTHONPATH; the
    bytecode of what it imports (pytest's rewritten test modules too) kept in `bytecode`, the
    worker's own folder, so that the next child reads what this one compiled (a mutated file
    has a modification time no cached bytecode matches: breakit.runners.workspace)."""
    os.chdir(workdir)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # what the tests start writes none
    sys.pycache_prefix = bytecode
    sys.dont_write_bytecode = False
    # The workspace (and its src/) first.
    front = [workdir]
    if os.path.isdir(os.path.join(workdir, "src")):
        front.append(os.path.join(workdir, "src"))
    sys.path[:] = [*front, *(p for p in base_path if p not in front)]
    # …and for any Python the tests start themselves, the same PYTHONPATH as that run would give.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [*front, *filter(None, [os.environ.get("PYTHONPATH")])]
    )


def fresh_child(
    request: RunRequest,
    base_path: list[str],
    project: tuple[str, ...],
    worker_pid: int,
    tmpdir: str,
    write_fd: int,
    output_fd: int,
) -> int:
    """A fresh run's child: the project's modules dropped, pytest.main for `request`."""
    child_setup(tmpdir, output_fd, worker_pid)
    # The run's temporary folder is in the worker's own (Forker.fork).
    enter_workspace(request.workdir, base_path, bytecode_folder(os.path.dirname(tmpdir)))
    for name in list(sys.modules):
        if name.split(".")[0] in project:
            del sys.modules[name]
    importlib.invalidate_caches()

    import pytest

    from breakit.inrun.pytest_plugin import RecorderPlugin

    sink_file = os.fdopen(write_fd, "w", encoding="utf-8")

    def sink(record: RunRecord) -> None:
        sink_file.write(record_line(record))
        sink_file.flush()

    sys.argv = ["pytest"]
    plugin = RecorderPlugin.for_request(sink, request)
    try:
        status = int(pytest.main(list(request.args), plugins=[plugin]))
    except Exception:
        # What a plugin raised while pytest configured (pytest-django's django.setup()), which
        # pytest lets through: `python -m pytest` prints it and exits with status 1.
        traceback.print_exc()
        status = 1
    finally:
        with contextlib.suppress(OSError):
            sink_file.close()
        # What a normal interpreter exit does (pytest's own temp-dir locks are released there).
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    return status
