"""How many workers `-j auto` runs: one per core, more when the tests to run wait.

A test that sleeps or waits for I/O leaves its core idle, so a run whose tests wait more than they
compute runs its mutants faster with more workers than cores. The baseline records each test's wall
time, CPU time and time queued for a free core (breakit.inrun.pytest_plugin); their ratio over the
tests the mutants will run (`Baseline.wait_ratio_of`, each test counted once per mutant that runs
it; 1 for CPU-bound work) scales the core count:

    workers = round(cores × wall / (CPU + queued)),  at least cores, at most 4 × cores,

Only the tests the mutants run count: a suite whose few sleeping tests cover none of the mutated
code (pyjwt: 4.5 s of its 6.2 s are three JWKS-client tests that sleep) would otherwise get four
workers per core, each holding its memory, for work that computes. And never more workers beyond
the cores than half the available memory holds, each counted at the
peak memory of the largest pytest this process has run (the baseline's), else 256 MiB. Not
fewer than one per core for the ratio's sake: a ratio below 1 (tests that compute on several
threads) would save little, as every mutant's start (import, collection) runs on one.

Memory bounds it all, the cores included: each worker's test process may grow to the memory ceiling
(breakit.runners.memlimit) before it is stopped, and runaway mutants come in runs (the mutants of
one loop, handed out together), so there are never more workers than the available memory holds at
the ceiling each (at least one). The ceiling counts the pages a fork child shares with its worker,
so a worker and its child together never hold more than that.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from breakit.core.model import Baseline

MAX_PER_CORE = 4
DEFAULT_WORKER_BYTES = 256 * 1024 * 1024


def auto_workers(
    baseline: Baseline | None,
    *,
    runs: Iterable[Sequence[str] | None] | None = None,
    cores: int | None = None,
    available_bytes: int | None = None,
    worker_bytes: int | None = None,
    ceiling_bytes: int | None = None,
) -> int:
    """The worker count for `-j auto` (the default): `cores` when the baseline says nothing.
    `runs`: the tests each mutant will run (None: the whole suite); without it, the whole
    suite once. `ceiling_bytes`: the test processes' memory ceiling (None: none)."""
    cores = max(1, cores or os.cpu_count() or 1)
    if baseline is None:
        ratio = None
    else:
        ratio = baseline.wait_ratio if runs is None else baseline.wait_ratio_of(runs)
    wanted = cores if ratio is None else max(cores, round(cores * ratio))
    wanted = min(wanted, MAX_PER_CORE * cores)
    available = None
    if wanted > cores or ceiling_bytes:
        available = available_memory() if available_bytes is None else available_bytes
    if available is not None and wanted > cores:
        each = worker_bytes or largest_child_bytes() or DEFAULT_WORKER_BYTES
        wanted = min(wanted, max(cores, available // 2 // each))
    if available is not None and ceiling_bytes:
        wanted = min(wanted, max(1, available // ceiling_bytes))
    return wanted


def available_memory() -> int | None:
    """Bytes of memory available without swapping (Linux's MemAvailable), None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def largest_child_bytes() -> int | None:
    """Peak memory of the largest child process this one has waited for (the baseline's pytest
    when it ran in this command), None if there was none."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= 0:
        return None
    # ru_maxrss is in kibibytes on Linux, in bytes on macOS.
    return peak if os.uname().sysname == "Darwin" else peak * 1024
