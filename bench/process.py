"""A command run for the field trial: in its own session, under a timeout and a memory ceiling,
with a clean environment; and the one-line texts its rows quote from a command's output."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class StepError(Exception):
    """A step of one project failed; the row shows the message."""


@dataclass
class Run:
    rc: int | None  # None: timed out
    out: str
    err: str
    seconds: float
    out_of_memory: bool = False  # killed past `memory_limit_mb` (run's)


def group_rss_mb(pgid: int) -> float:
    """The resident memory of every process in process group `pgid`, in MB (Linux /proc)."""
    pages = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid:  # state ppid pgrp ... rss is the 22nd after the name
                pages += int(fields[21])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(
    cmd: Sequence[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    memory_limit_mb: int | None = None,
) -> Run:
    """Run a command in its own session so a timeout kills its whole process group; with
    `memory_limit_mb`, the group is killed, and the Run marked out of memory, past that RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = started + timeout
    out_of_memory = False
    while True:
        wait = deadline - time.perf_counter()
        if memory_limit_mb is not None:
            wait = min(wait, 0.2)
        try:
            out, err = proc.communicate(timeout=max(0.0, wait))
            rc: int | None = proc.returncode
            break
        except subprocess.TimeoutExpired:
            out_of_memory = memory_limit_mb is not None and group_rss_mb(proc.pid) > memory_limit_mb
            if out_of_memory or time.perf_counter() >= deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
                rc = -signal.SIGKILL if out_of_memory else None
                break
    return Run(rc, out, err, time.perf_counter() - started, out_of_memory)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every child: no leaked pytest/breakit settings, no warm pools."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "BREAKIT_", "VIRTUAL_ENV", "COV_"))
    }
    env.update(NO_COLOR="1", COLUMNS="200", BREAKIT_WARM="off", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra or {})
    return env


def error_text(text: str) -> str:
    """breakit's `error: ...` message with the lines after it (else the last line)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if line.startswith("error:"):
            return " ".join(lines[i : i + 4])[:400]
    return last_line(text)


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "(no output)"


def pytest_count(text: str) -> int | None:
    """Tests in pytest's closing line (`3 passed, 1 skipped in 0.2s`)."""
    for line in reversed(text.splitlines()):
        found = re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)", line)
        if found:
            return sum(int(n) for n, _ in found)
    return None
