"""Predict, then see: the learner names the tests they expect to catch a breakage; we score it.

Tests are offered by function (a parametrized test is one choice), numbered in run order. An
answer is comma- or space-separated numbers, test names or node ids; `none` predicts that no
test catches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from breakit.core.errors import UsageError
from breakit.core.model import MutantResult, Outcome

NONE_WORDS = ("none", "nothing", "-")


def test_function(nodeid: str) -> str:
    """`tests/test_x.py::test_a[p1]` → `tests/test_x.py::test_a` (one choice per function)."""
    return nodeid.split("[", 1)[0]


def choices(tests: Sequence[str]) -> list[str]:
    """The test functions of the suite, in run order, each once."""
    return list(dict.fromkeys(test_function(t) for t in tests))


def parse_answer(answer: str, options: Sequence[str]) -> frozenset[str]:
    """The test functions an answer names; UsageError on a part that names none of them."""
    picked: set[str] = set()
    parts = [p for p in re.split(r"[,\s]+", answer.strip()) if p]
    if not parts:
        raise UsageError("no answer: name at least one test, or `none`")
    for part in parts:
        if part.lower() in NONE_WORDS:
            continue
        picked.add(_resolve(part, options))
    return frozenset(picked)


def _resolve(part: str, options: Sequence[str]) -> str:
    if part.isdigit():
        index = int(part)
        if 1 <= index <= len(options):
            return options[index - 1]
        raise UsageError(f"{part} is not one of the numbers 1 to {len(options)}")
    function = test_function(part)
    matches = [o for o in options if o == function or o.endswith(("/" + function, ":" + function))]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"{part!r} is not a test of the suite")
    raise UsageError(f"{part!r} names {len(matches)} tests; give its file too (file.py::name)")


@dataclass(frozen=True)
class Score:
    """A prediction against what happened, by test function."""

    predicted: frozenset[str]
    actual: frozenset[str]

    @property
    def right(self) -> tuple[str, ...]:
        return tuple(sorted(self.predicted & self.actual))

    @property
    def missed(self) -> tuple[str, ...]:
        """Caught it, but not predicted."""
        return tuple(sorted(self.actual - self.predicted))

    @property
    def wrong(self) -> tuple[str, ...]:
        """Predicted, but did not catch it."""
        return tuple(sorted(self.predicted - self.actual))

    @property
    def exact(self) -> bool:
        return self.predicted == self.actual

    def to_json(self) -> dict[str, object]:
        return {
            "predicted": sorted(self.predicted),
            "right": list(self.right),
            "missed": list(self.missed),
            "wrong": list(self.wrong),
            "exact": self.exact,
        }


def detecting_functions(result: MutantResult) -> frozenset[str]:
    detecting = (Outcome.CAUGHT, Outcome.ERRORED)
    return frozenset(test_function(n) for n, o in result.tests.items() if o.outcome in detecting)


def score(predicted: Iterable[str], result: MutantResult) -> Score:
    return Score(frozenset(predicted), detecting_functions(result))
