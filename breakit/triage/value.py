"""A survivor's triage as a value, with its words: what the CLI, the reports and the learner's
view show, and the JSON's `triage` object (docs/json.md). No libcst, no pytest: the reports
import it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from breakit.triage import IMPORT_TIME

if TYPE_CHECKING:
    from breakit.triage.assertion import Assertion

NEVER = "never_told_apart"
TOLD = "told_apart_not_checked"
NOT_COMPARABLE = "not_comparable"
# Its triage run went wrong (the instrumented code failed to import, a timeout): nothing is
# claimed, the note says what happened.
NOT_TRIAGED = "not_triaged"
WORDS = {
    NEVER: "never told apart",
    TOLD: "told apart, not checked",
    NOT_COMPARABLE: "not comparable",
    NOT_TRIAGED: "not triaged",
}
# A told-apart survivor followed to its test (breakit.triage.follow): the two halves of TOLD.
REACHED = "reached_test"
ABSORBED = "absorbed"
FOLLOWED_WORDS = {REACHED: "reached the test, not checked", ABSORBED: "absorbed before the test"}
# A never-told-apart survivor whose new input (breakit.triage.new_input) did not tell it apart.
PROBABLY_EQUIVALENT = "probably equivalent"
SHOWN_TESTS = 3
# The JSON's bounds (docs/json.md, "Size"): code as the source spells it, cut at CODE_CHARS; at
# most LISTED_TESTS tests (all of them are counted), and the values of OPERANDS operands.
CODE_CHARS = 120
VALUE_CHARS = 40  # a value's repr, as the recorder cuts it (breakit.triage.recorder)
LISTED_TESTS = 3
OPERANDS = 3


def clip(code: str | None, chars: int = CODE_CHARS) -> str | None:
    if code is None or len(code) <= chars:
        return code
    return code[: chars - 1] + "…"


@dataclass(frozen=True)
class Example:
    original: str
    mutant: str
    operands: tuple[str, ...] = ()


@dataclass(frozen=True)
class Followed:
    """A told-apart survivor followed to its test: what the calls made at `line` of the test's
    file returned on the original and under the mutant (`reached`: they differ)."""

    reached: bool
    line: int
    original: str
    mutant: str
    # What of the first differing call `original` and `mutant` show: "" the value itself, else
    # an aspect of it (".json()", a response's body) where the two reprs are the same.
    shown: str = ""
    # What an assertion is written with (not in the JSON): the line's last call's value on the
    # original as a literal, or that of its `aspect` (".json()", ".status_code", " match": an
    # exception's message) that differs under the mutant.
    literal: str | None = field(default=None, compare=False)
    aspect: str = field(default="", compare=False)
    # The first differing call's value on the original as a literal: what a unittest-style
    # `self.assertX(call(...))` line's assertion is written on (its own call returns None).
    inner: str | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "reached_test": self.reached,
            "line": self.line,
            "of": self.shown or None,
            "original": self.original,
            "mutant": self.mutant,
        }


@dataclass(frozen=True)
class Tried:
    """A never-told-apart survivor's new input, run (breakit.triage.new_input): the call, what
    it returned on the original and under the mutant, and whether that told them apart."""

    call: str
    told_apart: bool
    original: str
    mutant: str

    def to_json(self) -> dict[str, Any]:
        return {
            "call": clip(self.call),
            "told_apart": self.told_apart,
            "original": self.original,
            "mutant": self.mutant,
        }


@dataclass(frozen=True)
class Triage:
    """Why one survivor survived (docs/json.md, "triage")."""

    mutant: str
    kind: str  # NEVER, TOLD, NOT_COMPARABLE or NOT_TRIAGED
    site: str  # the original code at the changed site
    mutated: str  # the mutant's code there
    parts: tuple[str, ...] = ()  # the operands' code, as the examples' operands follow them
    reached: int = 0  # times its tests reached the site
    tests: tuple[tuple[str, int], ...] = ()  # (test, times reached), in the order they ran
    differed: int = 0  # of those, the times the two values differed
    examples: tuple[Example, ...] = ()  # a few distinct values seen (capped)
    test: str | None = None  # the first test in which they differed…
    line: int | None = None  # …the line of that test's file that called into the site…
    code: str | None = None  # …and its code
    first: Example | None = None  # the values then
    suggestion: str | None = None  # an input to add (never told apart, where simple)
    note: str | None = None
    probed: bool = True  # False: no probe could be placed; `tests` ran it, `reached` unknown
    followed: Followed | None = None  # told apart: followed to the test (None: not, `note` why)
    assertion: Assertion | None = None  # reached the test: the assertion that kills it, verified
    no_assertion: str | None = None  # reached the test, no assertion: why (none written, dropped)
    tried: Tried | None = None  # never told apart: the new input run, where one was written

    @property
    def probably_equivalent(self) -> bool:
        """Never told apart, by its tests nor by the new input tried; or absorbed before the
        test at the one input where the two differ (a boundary its test tried)."""
        if self.tried is None or self.tried.told_apart:
            return False
        return self.kind == NEVER or self.followed_as == ABSORBED

    @property
    def followed_as(self) -> str | None:
        """A told-apart survivor followed to its test: REACHED or ABSORBED (else None)."""
        if self.kind != TOLD or self.followed is None:
            return None
        return REACHED if self.followed.reached else ABSORBED

    @property
    def words(self) -> str:
        followed = self.followed_as
        words = FOLLOWED_WORDS[followed] if followed else WORDS[self.kind]
        return f"{words}, {PROBABLY_EQUIVALENT}" if self.probably_equivalent else words

    def to_json(self) -> dict[str, Any]:
        """The JSON's `triage` object (docs/json.md): bounded, whatever ran the survivor."""
        first = self.first
        difference = None
        if self.kind == TOLD and first is not None:
            difference = {
                "test": self.test,
                "line": self.line,
                "code": clip(self.code),
                "original": first.original,
                "mutant": first.mutant,
            }
        return {
            "class": self.kind,
            "site": clip(self.site),
            "mutated": clip(self.mutated),
            "reached": self.reached if self.probed else None,
            "tests": {t: n for t, n in self.tests[:LISTED_TESTS]},
            "tests_reached": len(self.tests),
            "differed": self.differed,
            "seen": {clip(k) or "": v for k, v in list(seen(self).items())[:OPERANDS]},
            "difference": difference,
            "suggestion": clip(self.suggestion),
            "followed": None if self.followed is None else self.followed.to_json(),
            "assertion": None if self.assertion is None else self.assertion.to_json(),
            "no_assertion": self.no_assertion,
            "tried": None if self.tried is None else self.tried.to_json(),
            "probably_equivalent": self.probably_equivalent,
            "note": self.note,
        }

    def lines(self, *, assertion: bool = True) -> list[str]:
        """The triage in a few plain lines (the terminal, the learner's view, the HTML);
        `assertion`: with the verified assertion that kills it, where there is one (the
        learner's view leaves it to `breakit suggest`: writing it is the exercise)."""
        head = f"why it survived: {self.words}"
        if self.kind == TOLD:
            return self._told_lines(head, with_assertion=assertion)
        if self.kind == NEVER:
            lines = [
                f"{head}: `{self.site}` and `{self.mutated}` computed the same value each of the "
                f"{self.reached} time{'s' if self.reached != 1 else ''} {tests_text(self.tests)}"
            ]
            seen = seen_text(self)
            if seen:
                lines.append(f"  seen: {seen}")
            # The new input tried is the answer the learner writes: their view keeps the hint.
            if self.suggestion and (self.tried is None or not assertion):
                lines.append(f"  try: {self.suggestion}")
            lines.extend(self._tried_lines(with_assertion=assertion))
        else:
            reached = f"reached {self.reached} time{'s' if self.reached != 1 else ''}"
            change = f" → `{self.mutated}`" if self.mutated.strip() else " removed"
            shown = f"`{self.site}`{change}; {reached} {tests_text(self.tests)}"
            lines = [f"{head}: {shown if self.probed else self.site}"]
        if self.note:
            lines.append(f"  ({self.note})")
        return lines

    def _boundary_lines(self) -> list[str]:
        if not self.probably_equivalent:
            return []
        return [
            f"  `{self.site}` and `{self.mutated}` differ only where their operands are equal, "
            "and that is the input this test gave: the mutant may behave as the original does "
            "on every input"
        ]

    def _tried_lines(self, *, with_assertion: bool) -> list[str]:
        tried = self.tried
        if tried is None:
            return []
        if not tried.told_apart:
            return [
                f"  tried {tried.call}: {tried.original} on both; no input tried tells them "
                "apart (the mutant may behave as the original does on every input)"
            ]
        if not with_assertion:
            return []
        lines = [f"  tried {tried.call}: {tried.original}, the mutant's {tried.mutant}"]
        if self.assertion is not None:
            test, check = self.assertion.new_test, self.assertion.code.strip().splitlines()[-1]
            lines.append(f"  add {test} to {self.assertion.path} (verified): {check.strip()}")
        return lines

    def _told_lines(self, head: str, *, with_assertion: bool) -> list[str]:
        at_import = self.test in (None, IMPORT_TIME)
        where = "at import time" if at_import else f"in {self.test}"
        first = self.first
        values = (
            "" if first is None else f" was {first.original} where the mutant gives {first.mutant}"
        )
        passed = "no test failed" if at_import else "the test passed"
        followed = self.followed
        path = (self.test or "").split("::", 1)[0]
        notes = [f"  ({self.note})"] if self.note else []
        if followed is not None and not followed.reached:
            return [
                f"{head}: {where}, `{self.site}`{values}, but the call at "
                f"{path}:{followed.line} returned the same on both ({followed.original})",
                "  what the mutant changed never reached what that call returns or raises: "
                "the test needs an input for which it does (or to check a side effect: a "
                "warning, a log, state elsewhere)",
                *self._boundary_lines(),
                *notes,
            ]
        if followed is not None:
            of = f" whose {followed.shown} is" if followed.shown else ""
            values += (
                f", and the call at {path}:{followed.line} returned{of} {followed.original} "
                f"where the mutant's {'gives' if of else 'returns'} {followed.mutant}"
            )
        lines = [f"{head}: {where}, `{self.site}`{values}, yet {passed}"]
        if self.assertion is not None and with_assertion:
            at = f"{self.assertion.path}:{self.assertion.after}"
            verb = "change" if self.assertion.replaces else "add after"
            lines.append(f"  {verb} {at} (verified): {self.assertion.code.strip()}")
        elif self.line is not None and self.test:
            call = f": {self.code}" if self.code else ""
            lines.append(f"  assert what depends on it after {path}:{self.line}{call}")
        return lines + notes


def tests_text(tests: Sequence[tuple[str, int]]) -> str:
    if not tests:
        return "(no test reached it)"
    names = ", ".join(t for t, _ in tests[:SHOWN_TESTS])
    more = f" and {len(tests) - SHOWN_TESTS} more" if len(tests) > SHOWN_TESTS else ""
    return f"in {names}{more}"


def seen(triage: Triage) -> dict[str, list[str]]:
    """Per operand that is not a literal (or the site itself), the distinct values seen."""
    found: dict[str, list[str]] = {}
    parts = triage.parts or (triage.site,)
    for index, part in enumerate(parts):
        values = _distinct(
            e.operands[index] if e.operands else e.original
            for e in triage.examples
            if not e.operands or index < len(e.operands)
        )
        if values and values != [part]:
            found[part] = values
    return found


def seen_text(triage: Triage) -> str:
    """`score` was 95, 80, 10 — per operand that is not a literal, the values seen."""
    return "; ".join(f"`{part}` was {', '.join(v)}" for part, v in seen(triage).items())


def _distinct(values: Iterable[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        if value not in found:
            found.append(value)
    return found
