"""A memory ceiling for the process that runs a mutant's tests, so that a mutant that allocates
without bound ends as a verdict instead of swapping the machine to death.

The ceiling is on resident memory (RSS), watched from outside: the process that waits for a
test process (the fork worker, or the subprocess runner) reads its RSS every `POLL_S` and kills
it past the ceiling, and then knows for certain why it died. An rlimit set inside the child
was tried and refused: `RLIMIT_AS` counts every byte of address space, also what is only
reserved (glibc's 64 MB per malloc arena, OpenBLAS's per-thread buffers, large shared
libraries), so a FastAPI/SQLAlchemy/numpy suite with a few hundred MB in use can have GBs of
address space; `RLIMIT_DATA` counts every thread's 8 MB stack whether it is used or not (a
1 GiB limit stops a plain Python at 126 threads). Both would fail healthy tests. RSS is what
fills the machine's memory. The price is that a ceiling can be overshot by what is allocated
within one poll, a few hundred MB at most, which the ceiling's margin absorbs. Linux only
(/proc); elsewhere there is no ceiling.

Standard library only: the CLI process imports it.
"""

from __future__ import annotations

import os

# The default ceiling, when `[tool.breakit] memory_limit_mb` is not set: FACTOR × the baseline's
# peak RSS, at least FLOOR_MB.
#
# The ceiling is a cost as well as a guard: every mutant that runs away grows to it before it is
# stopped, and `-j auto` must fit a worker at its ceiling per worker (breakit.engine.worker_count).
# A fixed 1 GiB floor let a library whose suite peaks at 150 MB reach 1.2 GB on runaway mutants;
# scaled to the suite, the same run stops each at 600 MB.
#
# Why 4×: the baseline's peak is that of one `python -m pytest` of the whole suite (traced, so a
# little above a plain run), the most its tests ever held at once. A mutant's test process holds
# the same imports: a fork child starts as its worker's copy, and RSS counts the pages it shares
# with it (the preloaded packages, most of a suite's memory) as its own, so the child's RSS
# starts near that peak less what the tests allocate. 4× leaves the tests about three times the
# whole suite's memory to grow into before a mutant is called a runaway — far beyond what a
# healthy test under a mutant needs (more than the suite's own peak is already a changed
# behaviour) — plus the overshoot of one poll (POLL_S: a tight loop allocates a few hundred MB
# in it). Why 256 MB: the floor only matters for suites under 64 MB (pytest alone is 30–40 MB),
# where 4× would leave so little above the interpreter that allocator and garbage-collector
# timing could decide; 256 MB is still a quarter of the old floor.
FACTOR = 4
FLOOR_MB = 256
POLL_S = 0.05  # how often a waiting process reads its child's RSS


def default_limit_mb(peak_kb: float | None) -> int:
    """The ceiling when `[tool.breakit] memory_limit_mb` is not set: FACTOR × the baseline's
    peak RSS (in KB), at least FLOOR_MB. With no known peak, half the machine's memory."""
    if peak_kb:
        return max(FLOOR_MB, int(FACTOR * peak_kb / 1024))
    return max(FLOOR_MB, physical_mb() // 2)


def limit_for(configured_mb: int | None, peak_kb: float | None) -> int | None:
    """The test processes' ceiling in MB: `[tool.breakit] memory_limit_mb` if it is set (0:
    none), else `default_limit_mb` of the baseline's peak. None: no ceiling."""
    if configured_mb is not None:
        return configured_mb or None
    return default_limit_mb(peak_kb)


def limit_text(limit_mb: int | None, peak_kb: float | None, *, configured: bool) -> str:
    """The ceiling in force (None: none), and where it comes from, in words (`check -v`)."""
    if limit_mb is None:
        if not can_watch():
            return "memory ceiling: none (watched on Linux only)"
        return "memory ceiling: off ([tool.breakit] memory_limit_mb)"
    head = f"memory ceiling: {limit_mb} MB per test process"
    if configured:
        return f"{head} ([tool.breakit] memory_limit_mb)"
    if peak_kb:
        peak = f"{peak_kb / 1024:.0f} MB"
        return f"{head} ({FACTOR} × the baseline's peak of {peak}, at least {FLOOR_MB} MB)"
    return f"{head} (half the machine's memory: the baseline's peak is unknown)"


def physical_mb() -> int:
    """The machine's physical memory in MB (0 if it cannot be told)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        return 0


def can_watch() -> bool:
    """True where a process's RSS can be read cheaply (Linux)."""
    return os.path.exists("/proc/self/statm")


def over_limit(pid: int, limit_mb: int) -> bool:
    """True if process `pid` holds more than `limit_mb` MB resident (False once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            resident_pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return False
    return resident_pages * _PAGE_SIZE > limit_mb * 1024 * 1024


try:
    _PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
except (ValueError, OSError, AttributeError):
    _PAGE_SIZE = 4096


class Watch:
    """Reads `pid`'s RSS at most every POLL_S; `check()` is True once it went over the ceiling."""

    def __init__(self, pid: int, limit_mb: int | None) -> None:
        self.pid = pid
        self.limit_mb = limit_mb if limit_mb and can_watch() else None
        self.hit = False
        self._next = 0.0

    @property
    def active(self) -> bool:
        return self.limit_mb is not None

    def wait_s(self, remaining: float | None) -> float | None:
        """How long to wait for something else before the next look (None: forever)."""
        if self.limit_mb is None:
            return remaining
        return POLL_S if remaining is None else min(remaining, POLL_S)

    def check(self, now: float) -> bool:
        if self.limit_mb is None or self.hit or now < self._next:
            return self.hit
        self._next = now + POLL_S
        self.hit = over_limit(self.pid, self.limit_mb)
        return self.hit
