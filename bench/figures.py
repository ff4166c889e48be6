"""The benchmark's figures from its measurements: rates, ratios, the physical limit, the naive
way's estimate, the apply timings' summary, the peers' counts. Pure functions, no process run
here: a figure computed wrong is a wrong claim in the README (tests/unit/test_bench_figures.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

T = TypeVar("T")

# A Timeout in the full run that first-catch calls Killed agrees: a catch before the hang
# (README, "Which mode where").
AGREE = {("Timeout", "Killed")}
# mutmut's exit code of a mutant's test run → its status (its own meta files keep the codes).
MUTMUT_STATUS = {1: "killed", 3: "killed", 0: "survived", 33: "no tests", 5: "no tests"}


def rate(mutants: int, wall_s: float) -> float:
    """Mutants per second; infinite for a run that took no measurable time."""
    return mutants / wall_s if wall_s else float("inf")


def physical_limit(
    plans: Sequence[tuple[str, Sequence[str] | None]],
    suite: Sequence[str],
    durations: Mapping[str, float],
    workers: int,
    survivors: frozenset[str] = frozenset(),
) -> float:
    """The plain time of the tests each mutant runs, over `workers`: `plans` holds each mutant's
    id and the tests it runs (None: the whole `suite`); a test without a duration counts 0. A
    mutant of `survivors` that ran a subset of the suite runs the whole suite too: breakit
    proves a Survived on it (docs/field.md, disagreement 5), so the contract's floor holds
    that run."""
    whole = sum(durations.get(nodeid, 0.0) for nodeid in suite)
    total = 0.0
    for mutant_id, chosen in plans:
        tests = suite if chosen is None else chosen
        total += sum(durations.get(nodeid, 0.0) for nodeid in tests)
        if chosen is not None and mutant_id in survivors:
            total += whole
    return total / workers


def evenly_spaced(items: Sequence[T], count: int) -> list[T]:
    """`count` of `items` (fewer than them), evenly spaced from the first: the naive way's
    sample of the generated mutants."""
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def estimate(sample_s: float, sampled: int, total: int) -> float:
    """The wall time of `total` mutants, from `sampled` of them taking `sample_s`."""
    return sample_s * total / sampled


def engine_note(naive_s: float, wall_s: float, limit_s: float) -> str:
    """An engine row's note: how many times faster than the naive way, and its time over its
    physical limit."""
    return f"{naive_note(naive_s, wall_s)}; {wall_s / limit_s:.2f}x the limit"


def naive_note(naive_s: float, wall_s: float) -> str:
    """How many times faster than the naive way."""
    return f"{naive_s / wall_s:.1f}x naive"


def first_mutant_note(first_s: float | None, plain_s: float) -> str:
    """When a cold run's first mutant started (JSON `timing`), against one plain pytest run;
    nothing when the run did not say."""
    if not first_s:
        return ""
    return f"; first mutant after {first_s:.1f} s, {first_s / plain_s:.2f}x a plain run"


def speedup(full_s: float, run_s: float) -> float:
    """How many times faster than the full run a run was; infinite if it took no time."""
    return full_s / run_s if run_s else float("inf")


def baseline_note(core: str, baseline_s: float, plain_s: float, tests_s: float) -> str:
    """The baseline with per-test coverage against one plain pytest run, and the tests' own
    time."""
    return (
        f"baseline with per-test coverage ({core}): {baseline_s:.1f} s, "
        f"{baseline_s / plain_s:.2f}x a plain pytest run: {plain_s:.1f} s; "
        f"the tests alone: {tests_s:.2f} s"
    )


def verdicts_note(full: Mapping[str, str], first: Mapping[str, str]) -> str:
    """Whether a first-catch run's verdicts (mutant id → verdict) are the full run's (they
    must be)."""
    differ = [
        mid
        for mid, verdict in first.items()
        if full.get(mid) != verdict and (full.get(mid), verdict) not in AGREE
    ]
    return "same verdicts" if not differ else f"{len(differ)} verdicts differ: {differ[:3]}"


def apply_lines(
    apply_id: str, cold: Sequence[float], warm: Sequence[float], walls: Mapping[str, float]
) -> list[str]:
    """The apply timings: `apply_id` three times without warm workers (`cold`) and three times
    with (`warm`), best of each; then each mutation's second apply (`walls`): min, median (the
    upper one of an even count), max, and those under a second."""
    every = sorted(walls.values())
    fastest = min(walls, key=walls.__getitem__)
    under = sorted(i for i, w in walls.items() if w < 1.0)
    return [
        f"breakit apply {apply_id}, warm baseline cache, no warm workers: "
        f"{min(cold):.2f} s best of 3 ({', '.join(f'{w:.2f}' for w in cold)})",
        f"breakit apply {apply_id}, warm baseline cache, warm workers: "
        f"{min(warm):.2f} s best of 3 ({', '.join(f'{w:.2f}' for w in warm)})",
        f"breakit apply, each of the {len(every)} curated (again), warm workers: "
        f"min {every[0]:.2f} s ({fastest}), median {every[len(every) // 2]:.2f} s, "
        f"max {every[-1]:.2f} s; under 1 s: {', '.join(under) or 'none'}",
    ]


def mutmut_statuses(codes: Iterable[int]) -> dict[str, int]:
    """Status → count of mutmut's exit codes (MUTMUT_STATUS; "other" for the rest)."""
    statuses: dict[str, int] = {}
    for code in codes:
        status = MUTMUT_STATUS.get(code, "other")
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def mutant_phase_s(mutants: int, per_second: float) -> float:
    """mutmut's mutant phase in seconds, from the mutations/second it prints."""
    return mutants / per_second


def fermut_statuses(report: dict) -> dict[str, int]:
    """Status → count of a fermut JSON report's outcomes (killed, survived, timed_out, skipped:
    filtered out before any test ran, …)."""
    counts: dict[str, int] = {}
    for outcome in report.get("outcomes", []):
        status = str(outcome.get("status", "other"))
        counts[status] = counts.get(status, 0) + 1
    return counts


def ran(statuses: Mapping[str, int]) -> int:
    """The mutants a peer ran: every status but "skipped" (filtered out before any test)."""
    return sum(n for s, n in statuses.items() if s != "skipped")


def summary(statuses: Mapping[str, int]) -> str:
    """`3 killed, 1 survived`: a peer's statuses, by name."""
    return ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
