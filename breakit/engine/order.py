"""First-catch mode's test order: each mutant's tests killer-first.

`check --first-catch` stops each mutant at the first test that catches it (the way mutmut, PIT and
Stryker do), so the sooner a catching test runs, the sooner the mutant is done. `KillerFirst`
orders a mutant's tests:

1. the tests that caught (or errored on) this very mutant last time (`.breakit/results.json`, by
   mutant id), fastest first;
2. the tests that caught mutants on the same line, then on nearby lines (at most `NEARBY` lines
   away in the same file), in this run (as results come in) or the last: the closest line first,
   then the test that caught the most of them, then the fastest;
3. every other test, fastest first (the baseline's durations), as PIT's prioritiser does.

Ties keep the baseline's order, so the order is deterministic for a given `.breakit/` and the
results seen so far. The order changes only which test runs first, never which tests run nor the
verdict, on a suite whose tests do not depend on each other's order (README, "Which mode
where"); the full matrix, the default, keeps the baseline's file order.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from breakit.core.model import Baseline, Mutant, MutantResult

OnResult = Callable[[MutantResult], None]
NEARBY = 5  # lines: a mutant this close to another in the same file likely has the same killers


def line_of(mutant: Mutant) -> tuple[str, int] | None:
    """Where a mutant changes the code, as (path, first line); None for a curated mutant."""
    if mutant.location is None:
        return None
    return mutant.location.path, mutant.location.start_line


class KillerFirst:
    """The killer-first order of each mutant's tests (see the module docstring). `last`: the
    last known results (`Store.last_results`); `learn` adds this run's results as they come, from
    the lab's thread, while workers call `order` from theirs."""

    def __init__(self, baseline: Baseline, last: Mapping[str, Mapping[str, Any]]) -> None:
        self.position = {nodeid: i for i, nodeid in enumerate(baseline.tests)}
        outcomes = baseline.run.outcomes
        self.duration = {n: o.duration_s for n, o in outcomes.items()}
        self.previous: dict[str, tuple[str, ...]] = {}
        # path -> line -> how many mutants on that line each test caught
        self.caught_at: dict[str, dict[int, Counter[str]]] = {}
        self._lock = threading.Lock()
        for mutant_id, known in last.items():
            killers = _killers(known)
            if not killers:
                continue
            self.previous[mutant_id] = killers
            where = known.get("location")
            if isinstance(where, Mapping) and isinstance(where.get("line"), int):
                self._add(str(where.get("path")), where["line"], killers)

    def learn(self, result: MutantResult) -> None:
        """Remember which tests caught `result`'s mutant, for the mutants near it still to run."""
        where = line_of(result.mutant)
        killers = (*result.catchers, *result.errored_in)
        if where is not None and killers:
            with self._lock:
                self._add(*where, killers)

    def learning(self, then: OnResult | None) -> OnResult:
        """A result callback that learns from each result, then calls `then` (if any)."""

        def on_result(result: MutantResult) -> None:
            self.learn(result)
            if then is not None:
                then(result)

        return on_result

    def order(self, mutant: Mutant, tests: Sequence[str]) -> tuple[str, ...]:
        """`tests` (the ones `mutant` runs) killer-first."""
        first = set(self.previous.get(mutant.id, ()))
        near: dict[str, tuple[int, int]] = {}  # test -> (distance, -mutants caught at it)
        where = line_of(mutant)
        if where is not None:
            path, line = where
            with self._lock:
                lines = dict(self.caught_at.get(path, {}))
                for other, counts in lines.items():
                    distance = abs(other - line)
                    if distance > NEARBY:
                        continue
                    for nodeid, count in counts.items():
                        seen = (distance, -count)
                        near[nodeid] = min(near.get(nodeid, seen), seen)

        def rank(nodeid: str) -> tuple[int, int, int, float, int]:
            tier = 0 if nodeid in first else 1 if nodeid in near else 2
            distance, count = near.get(nodeid, (0, 0)) if tier == 1 else (0, 0)
            fast = self.duration.get(nodeid, float("inf"))
            return tier, distance, count, fast, self.position.get(nodeid, len(self.position))

        return tuple(sorted(tests, key=rank))

    def _add(self, path: str, line: int, killers: Iterable[str]) -> None:
        self.caught_at.setdefault(path, {}).setdefault(line, Counter()).update(killers)


def _killers(known: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("caught_by", "errored_in"):
        value = known.get(name)
        if isinstance(value, list):
            found.extend(str(n) for n in value)
    return tuple(dict.fromkeys(found))
