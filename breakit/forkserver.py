"""Forked workers: a long-lived process imports the suite's third-party packages once and forks a
fresh child per run, which imports the (mutated) project anew and runs pytest in-process.

The worker (`python -m breakit.forkserver`, started by `ForkRunner`) never imports the project's
own modules: every child imports them fresh from its workspace, so FastAPI routes, `Depends` and
`Field(default_factory=…)`, which capture functions at import time, always hold the mutated code.
Everything a test changes — modules, environment, working directory, globals — dies with the
child. Protocol: one JSON object per line, requests on the worker's stdin, replies on a private
copy of its stdout (the worker's fd 1 goes to stderr, so nothing a package prints at import can
break the protocol).

A child runs in its own process group; on timeout the worker kills the group and carries on.

Nothing outlives the command (docs/ci.md, "No process left behind"): a worker stops, killing its
child's group, on SIGTERM, when its channel hangs up (the command is gone: noticed through SIGIO
even while a child runs), and, for a worker of its own, when the kernel says its parent died
(PR_SET_PDEATHSIG). A child gets SIGKILL when its worker dies.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from breakit.lifeline import on_parent_death
from breakit.model import SuiteRun
from breakit.records import RESULTS_ENV, Record
from breakit.runner import RunSpec, pytest_args, suite_run_from_records
from breakit.sandbox import Scratch, remove_tree
from breakit.warm import WarmPool, WarmWorker

_OUTPUT_TAIL_BYTES = 64 * 1024
_READY_TIMEOUT_S = 120.0


class WorkerDied(RuntimeError):
    """The worker process ended while it had a run to do (killed, or Ctrl-C)."""


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
        self.warm = False  # the worker was forked from a warm pool
        self._scratch: Path | None = None
        self._owned: Scratch | None = None
        self._closed = False
        self._session: Path | None = None  # the workspace of the worker's hot session
        self.session_refused: str | None = None  # why a hot session could not start
        self.startup_s = 0.0
        self.hot_runs = 0
        self.fallbacks = 0  # hot mutants the session could not swap, run fresh instead
        self.fallback_reasons: list[str] = []

    def command(self, workdir: Path, spec: RunSpec) -> list[str]:
        return ["pytest", *pytest_args(Path(workdir), spec, in_process=True)]

    def start(self) -> None:
        """Start the worker and wait until it has imported `modules`: a fork of the warm pool if
        there is one (breakit.warm), else a process of its own."""
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
        env.pop(RESULTS_ENV, None)
        # The worker imports breakit from where this process found it, never from the project.
        shim = self._scratch / "shim"
        shim.mkdir()
        package = Path(__file__).resolve().parent
        (shim / "breakit").symlink_to(package, target_is_directory=True)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(shim), env.get("PYTHONPATH")) if p)
        # A warm pool runs this Python (the one in its key); another one starts its own worker.
        usable = self.pool is not None and self.python == sys.executable
        warm = self.pool.worker(env, self._scratch) if usable and self.pool else None
        if warm is not None:
            self._worker = warm
            self.warm = True
        else:
            self._worker = _SpawnedWorker(
                subprocess.Popen(
                    [self.python, "-m", "breakit.forkserver"],
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
            reply = self._ask(
                {"op": "preload", "modules": list(self.modules), "project": list(self.project)},
                timeout_s=_READY_TIMEOUT_S,
            )
            if not reply.get("ready"):
                raise WorkerDied(f"the fork worker did not start: {reply}")
        self.startup_s = time.monotonic() - started

    @property
    def worker_pid(self) -> int | None:
        """The worker process's id while there is one (tests kill it from outside)."""
        return None if self._worker is None else self._worker.pid

    def open_session(self, workdir: Path, spec: RunSpec) -> bool:
        """Turn the worker into a hot session on `workdir` (breakit.hotsession): the project is
        imported and the suite collected once, from `workdir` as it is now — unmutated. False
        if that cannot be done (a collection error, say): hot mutants then run fresh."""
        workdir = Path(workdir).resolve()
        if self._session == workdir and self._worker is not None and self._worker.alive():
            return True
        if self.session_refused is not None:
            return False
        if self._session is not None:
            self._discard()
        self.start()
        request = {
            "op": "session",
            "workdir": str(workdir),
            "args": pytest_args(workdir, spec, in_process=True),
        }
        try:
            reply = self._ask(request, timeout_s=_READY_TIMEOUT_S)
        except WorkerDied as exc:
            if self._closed:
                raise
            reply = {"ready": False, "error": str(exc)}
        if reply.get("ready"):
            self._session = workdir
            return True
        self.session_refused = str(reply.get("error"))
        self._discard()  # it may have imported the project: no use for fresh runs
        return False

    def run(self, workdir: Path, spec: RunSpec) -> SuiteRun:
        workdir = Path(workdir).resolve()
        if spec.hot is not None and self._session == workdir:
            hot = self._run_hot(workdir, spec)
            if hot is not None:
                return hot
        if self._session is not None:
            self._discard()  # a hot session has the project imported: a fresh worker
        self.start()
        request = _request(
            "run", spec, workdir=str(workdir), args=pytest_args(workdir, spec, in_process=True)
        )
        try:
            reply = self._ask(request, timeout_s=None)
        except WorkerDied:
            if self._closed:
                raise
            # The worker itself died (killed from outside): a new one gets one more try.
            self._discard()
            self.start()
            reply = self._ask(request, timeout_s=None)
        return _suite_run(reply, workdir, spec)

    def _run_hot(self, workdir: Path, spec: RunSpec) -> SuiteRun | None:
        """`spec` in the hot session; None if it must run fresh."""
        request = _request("hot", spec, changes=dict(spec.hot or ()))
        try:
            reply = self._ask(request, timeout_s=None)
        except WorkerDied:
            if self._closed:
                raise
            self._discard()  # the session died (killed from outside): this one runs fresh
            return None
        if "fallback" in reply:
            self.fallbacks += 1
            self.fallback_reasons.append(str(reply["fallback"]))
            return None
        self.hot_runs += 1
        return _suite_run(reply, workdir, spec)

    def _ask(self, request: dict[str, Any], timeout_s: float | None) -> dict[str, Any]:
        worker = self._worker
        if worker is None:
            raise WorkerDied("the fork worker is not running")
        try:
            worker.requests.write(json.dumps(request).encode() + b"\n")
            worker.requests.flush()
            if timeout_s is not None:
                ready, _, _ = select.select([worker.replies], [], [], timeout_s)
                if not ready:
                    raise WorkerDied(f"the fork worker did not answer in {timeout_s:g} s")
            line = worker.replies.readline()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise WorkerDied(f"the fork worker stopped: {exc}") from None
        if not line:
            raise WorkerDied("the fork worker stopped")
        return json.loads(line)

    def close(self) -> None:
        """Stop the worker and whatever child it is running; safe to call twice, from any thread."""
        self._closed = True
        self._discard()

    def _discard(self) -> None:
        worker, self._worker = self._worker, None
        self._session = None
        if worker is not None:
            worker.stop()
        owned, self._owned, self._scratch = self._owned, None, None
        if owned is not None:
            owned.remove()


class _SpawnedWorker:
    """A worker process of its own (`python -m breakit.forkserver`), on its stdin and stdout."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.pid = proc.pid
        self.requests: IO[bytes] = proc.stdin
        self.replies: IO[bytes] = proc.stdout

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
        for stream in (self.requests, self.replies):
            try:
                stream.close()
            except OSError:  # a request still buffered for a dead worker: drop it
                with contextlib.suppress(OSError):
                    stream.raw.close()  # type: ignore[attr-defined]


def _request(op: str, spec: RunSpec, **fields: Any) -> dict[str, Any]:
    return {
        "op": op,
        "timeout_s": spec.timeout_s,
        "select": None if spec.select is None else list(spec.select),
        **fields,
    }


def _suite_run(reply: dict[str, Any], workdir: Path, spec: RunSpec) -> SuiteRun:
    return suite_run_from_records(
        reply["records"],
        duration_s=reply["duration_s"],
        exit_status=reply["exit_status"],
        timed_out=reply["timed_out"],
        timeout_s=spec.timeout_s,
        output=reply["output"].replace(f"{workdir}{os.sep}", ""),
    )


# --- the worker process ---------------------------------------------------------------------

_child_pid = 0
_scratch_dir = ""  # the worker's own folder (its cwd until a hot session moves it)
_worker_pid = 0  # the worker's pid, as its children find it (their parent to die with)
_parent_pid = 0  # a worker of its own: the command that started it


def _on_term(signum: int, frame: object) -> None:
    if _child_pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(_child_pid, signal.SIGKILL)
    os._exit(128 + signum)


def _on_parent_signal(signum: int, frame: object) -> None:
    # PR_SET_PDEATHSIG also fires when the command's *thread* that started us ends: only a
    # changed parent pid means the command itself is gone.
    if os.getppid() != _parent_pid:
        _on_term(signal.SIGTERM, frame)


def _hung_up(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        events = poller.poll(0)
    except OSError:
        return True
    return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, mask in events)


def watch_channel(channel: Channel) -> None:
    """Stop (killing the child's group) as soon as the channel hangs up: the command that
    talks to this worker has exited or was killed. SIGIO tells, even while the worker waits
    for a child (which could run for minutes); requests arriving raise it too, and are left
    alone. A no-op where there is no SIGIO or O_ASYNC."""
    fd = channel.requests.fileno()
    if not hasattr(signal, "SIGIO") or not hasattr(os, "O_ASYNC"):
        return
    import fcntl

    def on_io(signum: int, frame: object) -> None:
        if _hung_up(fd):
            _on_term(signal.SIGTERM, frame)

    try:
        signal.signal(signal.SIGIO, on_io)
        fcntl.fcntl(fd, fcntl.F_SETOWN, os.getpid())
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_ASYNC)
    except (OSError, ValueError):
        return
    if _hung_up(fd):  # gone before we asked
        _on_term(signal.SIGTERM, None)


def serve() -> None:
    """`python -m breakit.forkserver`: the worker loop on stdin and stdout."""
    channel = Channel(
        # Copies of stdin and stdout: pytest's capturing (in a hot session) redirects fds 0-2.
        os.fdopen(os.dup(0), "rb"),
        os.fdopen(os.dup(1), "wb"),
    )
    os.dup2(2, 1)  # anything printed from now on goes to stderr (DEVNULL), not to the protocol
    global _parent_pid
    _parent_pid = os.getppid()
    signal.signal(signal.SIGUSR1, _on_parent_signal)
    on_parent_death(signal.SIGUSR1)  # and if the parent died before this, the channel says so
    worker_loop(channel, [p for p in sys.path if p not in ("", os.getcwd())], ())


def worker_loop(channel: Channel, base_path: list[str], project: tuple[str, ...]) -> None:
    """The worker's loop: read a request, answer it, until the channel closes. The current
    folder is the worker's scratch folder; a worker forked from a warm pool (breakit.warm)
    starts here with `project` already preloaded."""
    global _scratch_dir, _worker_pid
    _scratch_dir = os.getcwd()
    _worker_pid = os.getpid()
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_channel(channel)
    sys.dont_write_bytecode = True
    for request in channel:
        if request["op"] == "preload":
            project = tuple(request["project"])
            reply: dict[str, Any] = {"ready": True, "failed": preload(request["modules"], project)}
        elif request["op"] == "session":
            from breakit.hotsession import hot_session

            # Serves hot runs until stdin closes; the project is imported from then on, so this
            # worker can never run a fresh child again.
            hot_session(request, channel, base_path)
            return
        else:
            reply = run_child(request, base_path, project)
        channel.reply(reply)


class Channel:
    """The worker's side of the protocol: JSON requests in, one JSON reply per request out."""

    def __init__(self, requests: IO[bytes], replies: IO[bytes]) -> None:
        self.requests = requests
        self.replies = replies

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for line in self.requests:
            yield json.loads(line)

    def reply(self, reply: dict[str, Any]) -> None:
        self.replies.write(json.dumps(reply).encode() + b"\n")
        self.replies.flush()


def preload(modules: Sequence[str], project: Sequence[str]) -> list[str]:
    """Import `modules` (never one of the `project`'s), then freeze them out of the garbage
    collector; the names that failed to import."""
    failed = []
    import pytest  # noqa: F401 - every child runs it…

    import breakit.pytest_plugin  # noqa: F401 - …with this plugin

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


ChildMain = Callable[[dict[str, Any], int, int], int]


def run_child(request: dict[str, Any], base_path: list[str], project: tuple[str, ...]) -> Any:
    """Fork one child that imports the project fresh and runs pytest for `request`."""
    return fork_child(
        request, lambda req, write_fd, out_fd: _child(req, base_path, project, write_fd, out_fd)
    )


def fork_child(request: dict[str, Any], main: ChildMain) -> dict[str, Any]:
    """Fork a child running `main(request, records_fd, output_fd)`; collect its records, kill
    its process group on timeout; the reply for the runner."""
    global _child_pid
    # The run's own temporary folder (pytest's tmp_path too), removed when the child is done:
    # nothing a test leaves in TMPDIR outlives its run or reaches the next mutant.
    run_tmp = tempfile.mkdtemp(prefix="run-", dir=_scratch_dir)
    request = {**request, "tmpdir": run_tmp}
    read_fd, write_fd = os.pipe()
    output = tempfile.TemporaryFile(dir=_scratch_dir)  # noqa: SIM115 - closed after the fork
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        status = 70
        try:
            status = main(request, write_fd, output.fileno())
        finally:
            os._exit(status)
    _child_pid = pid
    with contextlib.suppress(PermissionError, ProcessLookupError):
        os.setpgid(pid, pid)  # also done in the child: whichever runs first
    os.close(write_fd)
    timeout_s = request.get("timeout_s")
    deadline = None if timeout_s is None else started + timeout_s
    buffer = bytearray()
    timed_out = False
    while True:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([read_fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            break
        buffer += chunk
    if timed_out:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    else:
        # The child has closed its end; wait for it, unreaped, then kill what it left behind.
        if hasattr(os, "waitid"):
            with contextlib.suppress(ChildProcessError):
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    _child_pid = 0
    os.close(read_fd)
    remove_tree(Path(run_tmp))
    duration = time.monotonic() - started
    exit_status = None if timed_out else os.waitstatus_to_exitcode(status)
    records: list[Record] = []
    for raw in bytes(buffer).splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(raw))
    size = output.seek(0, os.SEEK_END)
    output.seek(max(0, size - _OUTPUT_TAIL_BYTES))
    text = output.read().decode("utf-8", errors="replace")
    output.close()
    return {
        "records": records,
        "duration_s": duration,
        "exit_status": exit_status,
        "timed_out": timed_out,
        "output": text,
    }


def child_setup(request: dict[str, Any], output_fd: int | None) -> None:
    """What makes a forked child a process of its own: its group, signals, stdio, randomness
    and temporary folder (the run's, from fork_child)."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for name in ("SIGIO", "SIGUSR1"):  # the worker's watchdogs, not the tests'
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    # A child dies with its worker, however the worker ends (even SIGKILL).
    if on_parent_death(signal.SIGKILL) and _worker_pid and os.getppid() != _worker_pid:
        os._exit(70)  # the worker died between the fork and here
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    if output_fd is not None:
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
    import random

    random.seed()  # a fresh process would not share its parent's random state
    os.environ["TMPDIR"] = request["tmpdir"]
    tempfile.tempdir = None  # gettempdir() caches the worker's; read TMPDIR again


def enter_workspace(workdir: str, base_path: list[str]) -> None:
    """As `python -m pytest` in the workspace would have it: cwd, sys.path and PYTHONPATH."""
    os.chdir(workdir)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    # The workspace (and its src/) first.
    front = [workdir]
    if os.path.isdir(os.path.join(workdir, "src")):
        front.append(os.path.join(workdir, "src"))
    sys.path[:] = [*front, *(p for p in base_path if p not in front)]
    # …and for any Python the tests start themselves, the same PYTHONPATH as that run would give.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [*front, *filter(None, [os.environ.get("PYTHONPATH")])]
    )


def _child(
    request: dict[str, Any],
    base_path: list[str],
    project: tuple[str, ...],
    write_fd: int,
    output_fd: int,
) -> int:
    child_setup(request, output_fd)
    enter_workspace(request["workdir"], base_path)
    for name in list(sys.modules):
        if name.split(".")[0] in project:
            del sys.modules[name]
    importlib.invalidate_caches()

    import pytest

    from breakit.pytest_plugin import RecorderPlugin

    sink_file = os.fdopen(write_fd, "w", encoding="utf-8")

    def sink(record: Record) -> None:
        sink_file.write(json.dumps(record) + "\n")
        sink_file.flush()

    sys.argv = ["pytest"]
    plugin = RecorderPlugin(sink, select=request.get("select"))
    try:
        status = int(pytest.main(request["args"], plugins=[plugin]))
    finally:
        with contextlib.suppress(OSError):
            sink_file.close()
        # What a normal interpreter exit does (pytest's own temp-dir locks are released there).
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    return status


if __name__ == "__main__":
    serve()
