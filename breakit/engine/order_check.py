"""Kills plain pytest would see too: a test that catches a mutant after a run that left out or
moved the tests before it in file order is trusted only if it passes alone on the unmutated code.

A mutant's runs rarely run the suite as plain pytest does: a first pass runs only the tests that
reach its change, first-catch puts last time's killers first, a batch skips what its members
passed alone. A test that needs an earlier test's state (`start()` in one test, `assert ready()`
in the next) then fails for want of it, on any mutant, and a plain pytest with the mutant's diff
applied would pass: before this check, three equivalent mutants of such a project came out
Killed where `--verify`'s oracle said Survived. Each test that catches a mutant out of file order
is run once alone on the unmutated code (hot where the worker has a session: a few
milliseconds), and the answer kept for the run; one that fails alone sends the mutant to a run of
the whole suite in file order, whose verdict is plain pytest's (trial.as_plain_pytest).

What it does not see: a test that passes alone but fails after some other test than the ones
before it in file order (state one test leaves that a test between them would have reset).
`--verify` compares with plain pytest and reports such a mutant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from breakit.core.model import MutantResult


class AloneOnOriginal:
    """Whether each test asked about passes alone on the unmutated code: found out once per test
    (`check` runs it) and kept, shared by the run's workers."""

    def __init__(self) -> None:
        self._known: dict[str, bool] = {}
        self._lock = threading.Lock()

    def passes(self, nodeid: str, check: Callable[[str], bool]) -> bool:
        with self._lock:
            known = self._known.get(nodeid)
        if known is None:
            known = check(nodeid)  # two workers may both check a test: the same answer
            with self._lock:
                self._known[nodeid] = known
        return known

    @property
    def failing(self) -> frozenset[str]:
        """The tests found to fail alone on the unmutated code."""
        with self._lock:
            return frozenset(nodeid for nodeid, passed in self._known.items() if not passed)


def out_of_order_catchers(result: MutantResult, file_order: Sequence[str]) -> tuple[str, ...]:
    """The tests that caught or errored on `result`'s mutant after a run whose tests before them
    were not exactly the suite's tests before them in file order (`file_order`)."""
    ran = result.order
    doubtful = []
    for nodeid in (*result.catchers, *result.errored_in):
        if nodeid not in ran:
            continue  # a test module that failed to import: no test ran before it
        position = ran.index(nodeid)
        if tuple(ran[: position + 1]) != tuple(file_order[: position + 1]):
            doubtful.append(nodeid)
    return tuple(doubtful)
