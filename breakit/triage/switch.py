"""Which survivor the probes act out (issue 36, "follow the difference to the test"): while a
mutant's number is switched on, the probe that records it returns the mutant's value instead
of the original's, so the code runs as that mutant would from its site onwards, and the test's
calls return what they return under the mutant. Off (None) everywhere but in a follow run
(breakit.triage.follow_plugin). Standard library only: the probes import it, inside the
project's pytest, possibly before pytest has loaded any plugin.
"""

from __future__ import annotations

from collections.abc import Collection


class _Switch:
    mutant: int | None = None
    checks: frozenset[int] = frozenset()  # the written assertions on (breakit.triage.assertion)


def switched(alternatives: Collection[int]) -> int | None:
    """The mutant of `alternatives` that is switched on, or None: the original's value."""
    mutant = _Switch.mutant
    if mutant is not None and mutant in alternatives:
        return mutant
    return None


def switch_to(mutant: int | None, checks: frozenset[int] = frozenset()) -> None:
    """Act out `mutant` from now on (None: the original again), with the written assertions
    `checks` on."""
    _Switch.mutant = mutant
    _Switch.checks = checks


def checking(check: int) -> bool:
    """Whether the written assertion `check` is on: its line in a scratch copy of the test runs
    its `assert` only then."""
    return check in _Switch.checks
