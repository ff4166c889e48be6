"""Ties a process's life to its parent's: when `breakit check` dies, even by SIGKILL, so do the
processes it started (docs/ci.md, "No process left behind").

On Linux `prctl(PR_SET_PDEATHSIG)` has the kernel send a signal when the parent dies; elsewhere
(and as a check against the race where the parent died before the call) the caller compares
`os.getppid()` with the parent it expects. Loaded as `-p breakit.inrun.lifeline` by the subprocess
backend, this module does that for its `python -m pytest` before any conftest or test module is
imported: the parent's pid comes in PARENT_ENV, which the tests then no longer see.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

PARENT_ENV = "BREAKIT_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def on_parent_death(signum: int) -> bool:
    """Ask the kernel to send `signum` to this process when its parent dies; False where it
    cannot (not Linux, no libc).

    The kernel's "parent" is the *thread* that started this process: if that thread ends while
    the parent process lives on, the signal comes too. A handler of `signum` that must tell the
    two apart compares `os.getppid()` with the parent's pid (it changes only when the process
    dies)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with(parent: int) -> None:
    """SIGKILL this process when `parent` dies (now, if it has already)."""
    on_parent_death(signal.SIGKILL)
    if os.getppid() != parent:  # it died before the kernel was asked
        os.kill(os.getpid(), signal.SIGKILL)


def pytest_load_initial_conftests() -> None:
    """pytest's hook, run before the project's conftest files are imported."""
    with contextlib.suppress(KeyError, ValueError):
        die_with(int(os.environ.pop(PARENT_ENV)))
