"""A survivor's triage as a value: what its probe saw in its tests, and its class.

- **never told apart**: each time a test reached the site, the original and the mutant computed
  the same value (the values seen, and where simple an input to add: the comparison's boundary,
  an operand that is never zero, a collection never empty, a condition never false);
- **told apart, not checked**: in test T the two values differed, yet T passed: T, and the line of
  T that called into the code, are where the missing assertion goes;
- **not comparable**: no single value to compare (a call or statement removed, a change the
  probe cannot evaluate twice): how often its tests reached it, and which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from breakit.triage import IMPORT_TIME
from breakit.triage.probe import Probe
from breakit.triage.suggest import suggestion
from breakit.triage.value import NEVER, NOT_COMPARABLE, NOT_TRIAGED, TOLD, Example, Triage


@dataclass
class Seen:
    """What the recorder's lines say about one mutant, summed over its tests."""

    reached: int = 0
    differed: int = 0
    unknown: int = 0
    tests: dict[str, int] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)
    first_test: str | None = None
    first: Mapping[str, Any] | None = None
    call: Mapping[str, Any] | None = None  # a call of the site's function, its arguments literals


def gather(
    lines: Iterable[Mapping[str, Any]], numbers: Mapping[int, str], covering: Mapping[str, set[str]]
) -> dict[str, Seen]:
    """Per mutant id, what its probe saw in its own tests (and at import time)."""
    seen: dict[str, Seen] = {}
    for line in lines:
        test = line["test"]
        for number, counts in line.get("sites", {}).items():
            mutant = numbers.get(int(number))
            if mutant is None or (test != IMPORT_TIME and test not in covering.get(mutant, ())):
                continue
            found = seen.setdefault(mutant, Seen())
            found.reached += counts[0]
            found.differed += counts[1]
            found.unknown += counts[2]
            if counts[0]:
                found.tests[test] = found.tests.get(test, 0) + counts[0]
            for original, mutated, operands in line.get("examples", {}).get(number, ()):
                example = Example(original, mutated, tuple(operands))
                if example not in found.examples:
                    found.examples.append(example)
            call = line.get("calls", {}).get(number)
            if call is not None and found.call is None and test != IMPORT_TIME:
                found.call = call
            first = line.get("first", {}).get(number)
            if first is not None and found.first is None:
                found.first_test, found.first = test, first
    return seen


def classify(
    probe: Probe | None,
    seen: Seen | None,
    mutant: str,
    *,
    note: str | None = None,
    went_wrong: bool = False,
) -> Triage:
    """The triage of one survivor from its probe (None: none could be placed) and what it saw;
    `went_wrong`: its run failed, so what it saw proves nothing (never a guess)."""
    seen = seen or Seen()
    tests = tuple(seen.tests.items())
    site = probe.site if probe else ""
    mutated = probe.mutated if probe else ""
    if went_wrong:
        return Triage(mutant, NOT_TRIAGED, site, mutated, (), seen.reached, tests, note=note)
    if probe is None or not probe.compares or (seen.reached and seen.unknown == seen.reached):
        return Triage(mutant, NOT_COMPARABLE, site, mutated, (), seen.reached, tests, note=note)
    parts = probe.parts if probe.kind != "value" else ()
    examples = tuple(seen.examples)
    if seen.differed and seen.first is not None:
        first = seen.first
        return Triage(
            mutant,
            TOLD,
            site,
            mutated,
            parts,
            seen.reached,
            tests,
            seen.differed,
            examples,
            test=seen.first_test,
            line=first.get("line"),
            code=first.get("code"),
            first=Example(first["original"], first["mutant"], tuple(first.get("operands", ()))),
            note=note,
        )
    if not seen.reached:
        note = note or "its tests did not reach it in this run"
    return Triage(
        mutant,
        NEVER,
        site,
        mutated,
        parts,
        seen.reached,
        tests,
        0,
        examples,
        suggestion=suggestion(probe, examples) if seen.reached else None,
        note=note,
    )
