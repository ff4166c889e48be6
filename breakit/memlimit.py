"""A memory ceiling for the process that runs a mutant's tests, so that a mutant that allocates
without bound ends as a verdict instead of swapping the machine to death.

The ceiling is `RLIMIT_DATA`, not `RLIMIT_AS`. `RLIMIT_AS` counts every byte of address space,
including what is only reserved: glibc reserves 64 MB per malloc arena (up to 8 per core),
OpenBLAS (numpy) and other native libraries reserve large buffers per thread, and big shared
libraries map hundreds of MB they never touch. A FastAPI/SQLAlchemy/numpy suite can have several
GB of address space with a few hundred MB in use, so an AS ceiling kills healthy runs. Since
Linux 4.7 `RLIMIT_DATA` counts the private writable mappings (heap, anonymous mmap, thread stacks)
and not reservations (PROT_NONE) or code: close to what a process has actually asked for. On a
platform that does not enforce it (macOS), the ceiling is simply not there.

Used by the fork worker's children (breakit.forkserver) directly, and by a subprocess run's
pytest through the environment variable `MEMORY_ENV` (breakit.pytest_plugin). Standard library
only: the CLI process imports it.
"""

from __future__ import annotations

import contextlib
import os
import sys

MEMORY_ENV = "BREAKIT_MEMORY_LIMIT_MB"
FACTOR = 4  # the default ceiling: this many times the baseline's peak…
FLOOR_MB = 1024  # …but never less than this


def default_limit_mb(peak_kb: float | None, data_kb: float | None = None) -> int:
    """The ceiling when `[tool.breakit] memory_limit_mb` is not set: FACTOR × the baseline's
    peak RSS (in KB), at least FLOOR_MB, and at least twice the data the baseline's process
    held at its end (`data_kb`, what RLIMIT_DATA measures: native libraries' per-thread
    buffers count there before they are touched, so a small RSS alone could be too little).
    With no known peak, half the machine's memory."""
    if not peak_kb:
        return max(FLOOR_MB, physical_mb() // 2)
    return max(FLOOR_MB, int(FACTOR * peak_kb / 1024), int(2 * (data_kb or 0) / 1024))


def data_kb() -> float | None:
    """This process's data size in KB as RLIMIT_DATA counts it (Linux's VmData); else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def physical_mb() -> int:
    """The machine's physical memory in MB (0 if it cannot be told)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        return 0


def peak_rss_kb(ru_maxrss: float) -> float:
    """`ru_maxrss` in KB, whatever the platform reports it in (bytes on macOS)."""
    return ru_maxrss / 1024 if sys.platform == "darwin" else float(ru_maxrss)


def apply(limit_mb: int | None) -> None:
    """Put this process (and what it starts) under a ceiling of `limit_mb` MB of data; None or 0:
    no ceiling. A hard limit lower than that already in place is kept."""
    if not limit_mb:
        return
    try:
        import resource
    except ImportError:  # no resource module (Windows): no ceiling
        return
    which = getattr(resource, "RLIMIT_DATA", None)
    if which is None:
        return
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(which)
        wanted = int(limit_mb) * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(which, (wanted, hard))
