"""Tests ranked by the kill matrix: what each test catches, what only it catches, the redundant
tests, a minimal suite and the subsuming mutants. Pure functions of a KillMatrix (and the
baseline's per-test durations): they return values, the CLI and the reports print them.

The words, as docs/json.md ("`breakit tests --json`") defines them:

- a test **catches** a mutant when its outcome under it is caught or errored (it failed or could
  not run: plain pytest fails either way, which is what makes the mutant Killed) and the mutant
  is detected (Killed or Timeout). Only the baseline's tests count (`KillMatrix.tests`); a test
  a curated breakage added to the suite is nobody's.
- a mutant detected with no catching test (a Timeout: the run was stopped, no test is credited)
  is **uncredited**: no test, and no minimal suite, can be said to catch it.
- a test is **redundant** when every mutant it catches is caught by another test too: each
  redundant test *alone* could be removed without losing a catch. Two tests catching the same
  mutants are both redundant, and removing both loses that mutant: the minimal suite is the set
  that can go together. A test that catches nothing is redundant (and in `catches_none`).
- the **minimal suite** catches every mutant some test catches. Greedy set cover: first the tests
  that alone catch a mutant (every cover holds them), then, while a mutant is left, the test
  catching most of those left (ties: the faster, then the earlier in the baseline), then any
  picked test whose catches the others cover is dropped again. Small, not proven smallest.
- mutant A **subsumes** mutant B when every test that catches A catches B too (A's catching
  tests are a subset of B's): a suite that catches A catches B, so B is redundant to review.
  The **subsuming** mutants are the detected, credited mutants no other one strictly subsumes,
  one per group of mutants with the same catching tests (the first in the run): the ones worth
  a look. Survivors have no catching test and are not part of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from breakit.core.model import Baseline, KillMatrix, Outcome

CATCHING = (Outcome.CAUGHT, Outcome.ERRORED)


@dataclass(frozen=True)
class TestRank:
    """One test of the suite, by what it catches."""

    __test__ = False  # not a pytest test class, whatever its name says

    id: str
    caught: tuple[str, ...]  # mutant ids, in the matrix's order
    only: tuple[str, ...]  # those no other test catches
    duration_s: float | None  # its baseline time; None when unknown
    ran: int  # how many mutants it ran under (caught, errored or missed)
    subsumed_by: str | None  # another test that catches everything it catches (and it catches any)


@dataclass(frozen=True)
class Ranking:
    """The whole view; `tests` ranked: most `only`, most `caught`, fastest, baseline order."""

    tests: tuple[TestRank, ...]
    mutants: int  # every mutant of the matrix
    credited: tuple[str, ...]  # the detected mutants some test catches
    uncredited: tuple[str, ...]  # detected (a Timeout), but no test catches them
    redundant: tuple[str, ...]  # in baseline order
    catches_none: tuple[str, ...]
    minimal_suite: tuple[str, ...]  # in baseline order
    subsuming: tuple[str, ...]  # mutant ids, in the matrix's order
    subsumed_by: Mapping[str, str]  # every other credited mutant → one that subsumes it
    all_origins_curated: bool  # every mutant is a curated breakage: the exercise's words

    def test(self, test_id: str) -> TestRank:
        for rank in self.tests:
            if rank.id == test_id:
                return rank
        raise KeyError(test_id)

    @property
    def suite_s(self) -> float | None:
        """The whole suite's time: its tests' baseline durations, summed (None: unknown)."""
        return _total(self.tests)

    @property
    def minimal_suite_s(self) -> float | None:
        chosen = set(self.minimal_suite)
        return _total(t for t in self.tests if t.id in chosen)


def durations(baseline: Baseline | None) -> dict[str, float]:
    """Each test's time on the unmutated code ({} without a baseline)."""
    if baseline is None:
        return {}
    return {n: o.duration_s for n, o in baseline.run.outcomes.items()}


def rank_tests(matrix: KillMatrix, times: Mapping[str, float] | None = None) -> Ranking:
    """The ranking of `matrix.tests` by what they catch in `matrix`; `times`: baseline durations."""
    times = times or {}
    tests = matrix.tests
    position = {t: i for i, t in enumerate(tests)}
    catchers: dict[str, frozenset[str]] = {}  # credited mutant → the tests catching it
    uncredited: list[str] = []
    ran = dict.fromkeys(tests, 0)
    for result in matrix.results:
        for nodeid, outcome in result.tests.items():
            if nodeid in ran and outcome.outcome is not Outcome.NOT_RUN:
                ran[nodeid] += 1
        if not result.detected:
            continue
        found = frozenset(
            n for n, o in result.tests.items() if n in position and o.outcome in CATCHING
        )
        if found:
            catchers[result.mutant.id] = found
        else:
            uncredited.append(result.mutant.id)
    caught: dict[str, list[str]] = {t: [] for t in tests}
    only: dict[str, list[str]] = {t: [] for t in tests}
    for mutant_id, found in catchers.items():
        for nodeid in found:
            caught[nodeid].append(mutant_id)
        if len(found) == 1:
            only[next(iter(found))].append(mutant_id)
    masks = _masks(caught, list(catchers))
    subsumed = _subsumed_tests(tests, masks, times, position)
    ranks = [
        TestRank(
            id=t,
            caught=tuple(caught[t]),
            only=tuple(only[t]),
            duration_s=times.get(t) if t in times else None,
            ran=ran[t],
            subsumed_by=subsumed.get(t),
        )
        for t in tests
    ]
    ranks.sort(key=lambda r: (-len(r.only), -len(r.caught), r.duration_s or 0.0, position[r.id]))
    subsuming, subsumed_by = subsuming_mutants(catchers)
    return Ranking(
        tests=tuple(ranks),
        mutants=len(matrix.results),
        credited=tuple(catchers),
        uncredited=tuple(uncredited),
        redundant=tuple(t for t in tests if not only[t]),
        catches_none=tuple(t for t in tests if not caught[t]),
        minimal_suite=minimal_suite(catchers, times, tests),
        subsuming=subsuming,
        subsumed_by=subsumed_by,
        all_origins_curated=bool(matrix.results)
        and all(r.mutant.origin == "mutation" for r in matrix.results),
    )


def minimal_suite(
    catchers: Mapping[str, frozenset[str]],
    times: Mapping[str, float],
    tests: tuple[str, ...],
) -> tuple[str, ...]:
    """A small set of `tests` that catches every mutant of `catchers` (mutant → its catching
    tests), in baseline order: greedy set cover, as the module docstring says."""
    position = {t: i for i, t in enumerate(tests)}
    catches: dict[str, set[str]] = {}
    for mutant_id, found in catchers.items():
        for nodeid in found:
            catches.setdefault(nodeid, set()).add(mutant_id)
    chosen = {next(iter(found)) for found in catchers.values() if len(found) == 1}
    left = set(catchers) - {m for t in chosen for m in catches[t]}
    while left:
        best = min(
            (t for t in catches if t not in chosen and catches[t] & left),
            key=lambda t: (-len(catches[t] & left), times.get(t, 0.0), position[t]),
        )
        chosen.add(best)
        left -= catches[best]
    # Greedy can pick a test whose catches the later picks cover: drop those, slowest first.
    for nodeid in sorted(chosen, key=lambda t: (-times.get(t, 0.0), -position[t])):
        rest = chosen - {nodeid}
        if all(found & rest for found in catchers.values()):
            chosen = rest
    return tuple(sorted(chosen, key=position.__getitem__))


def subsuming_mutants(
    catchers: Mapping[str, frozenset[str]],
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The subsuming mutants of `catchers` (mutant → its catching tests, in run order), and for
    every other mutant the first subsuming one whose catching tests are among its own."""
    ids = list(catchers)
    tests = sorted({t for found in catchers.values() for t in found})
    bit = {t: 1 << i for i, t in enumerate(tests)}
    mask = {m: sum(bit[t] for t in catchers[m]) for m in ids}
    order = {m: i for i, m in enumerate(ids)}
    # Fewest catching tests first: a strict subset is always seen before its superset, and of
    # mutants with the same tests the first in the run.
    minimal: list[str] = []
    for mutant_id in sorted(ids, key=lambda m: (len(catchers[m]), order[m])):
        mine = mask[mutant_id]
        if not any(mask[s] & mine == mask[s] for s in minimal):
            minimal.append(mutant_id)
    subsuming = sorted(minimal, key=order.__getitem__)
    keep = set(subsuming)
    subsumed_by = {
        m: next(s for s in subsuming if mask[s] & mask[m] == mask[s]) for m in ids if m not in keep
    }
    return tuple(subsuming), subsumed_by


def _masks(caught: Mapping[str, list[str]], mutant_ids: list[str]) -> dict[str, int]:
    """Each test's caught mutants as the bits of an int: subset tests stay cheap at 500 tests."""
    bit = {m: 1 << i for i, m in enumerate(mutant_ids)}
    return {t: sum(bit[m] for m in found) for t, found in caught.items()}


def _subsumed_tests(
    tests: tuple[str, ...],
    masks: Mapping[str, int],
    times: Mapping[str, float],
    position: Mapping[str, int],
) -> dict[str, str]:
    """For each test that catches something, another test catching all of it (and it catches
    something else too, or is the earlier of two that catch the same): the fastest such."""
    found: dict[str, str] = {}
    by_speed = sorted(tests, key=lambda t: (times.get(t, 0.0), position[t]))
    for nodeid in tests:
        mine = masks[nodeid]
        if not mine:
            continue
        for other in by_speed:
            theirs = masks[other]
            if other == nodeid or mine & theirs != mine:
                continue
            if theirs != mine or position[other] < position[nodeid]:
                found[nodeid] = other
                break
    return found


def _total(ranks: Iterable[TestRank]) -> float | None:
    values = [r.duration_s for r in ranks]
    if not values or any(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)
