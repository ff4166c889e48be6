"""The last `breakit check`'s kill matrix, kept small in `.breakit/last_run.json` (written by
breakit.store.gateway), so that `breakit tests` ranks the tests without running any.

The file is breakit's JSON document (docs/json.md, version 2) without what ranking never reads
(failure lines, the run order, diffs): per mutant its id, origin, title, verdict and the
tests that ran, caught and errored, by index; and the baseline's per-test durations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from breakit.core.errors import UsageError
from breakit.core.model import (
    FULL,
    Baseline,
    KillMatrix,
    Mutant,
    MutantResult,
    TestOutcome,
    Verdict,
)
from breakit.core.outcome_codec import outcomes_from_index, tests_by_index
from breakit.store.gateway import Store

VERSION = 1


def save_last_run(root: Path, matrix: KillMatrix, baseline: Baseline) -> None:
    """Keep `matrix` (a finished `check`) for `breakit tests`; replaces the previous one."""
    index = {nodeid: i for i, nodeid in enumerate(baseline.tests)}
    mutants = []
    for result in matrix.results:
        # Without failure lines, and without the tests the baseline does not have (`other`):
        # those are nobody's catch.
        tests = tests_by_index(result.tests, index, message_chars=None, other=False)
        mutants.append(
            {
                "id": result.mutant.id,
                "origin": result.mutant.origin,
                "title": result.mutant.title,
                "verdict": result.verdict.value,
                "tests": tests,
            }
        )
    outcomes = baseline.run.outcomes
    document = {
        "version": VERSION,
        "tests": list(baseline.tests),
        "durations": [round(outcomes[t].duration_s, 4) if t in outcomes else None for t in index],
        "duration_s": round(baseline.duration_s, 4),
        "matrix": matrix.mode,
        "mutants": mutants,
    }
    Store(root).save_last_run(document)


def load_last_run(root: Path) -> tuple[KillMatrix, dict[str, float]]:
    """The last check's matrix and each test's baseline time; a UsageError when there is none."""
    data = Store(root).load_last_run()
    try:
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("no last run")
        tests = tuple(str(t) for t in data["tests"])
        pairs = zip(tests, data["durations"], strict=True)
        times = {t: float(d) for t, d in pairs if d is not None}
        results = tuple(_result(entry, tests) for entry in data["mutants"])
    except (KeyError, TypeError, ValueError, IndexError):
        raise UsageError(
            "no previous run to rank the tests by", hint="run breakit check first"
        ) from None
    if data.get("matrix", FULL) != FULL:
        # Only each mutant's first catching test is known: "only it catches", the redundant
        # tests and the minimal suite would all be wrong.
        raise UsageError(
            "the last check was a --first-catch run: it knows one catching test per mutant, "
            "too few to rank the tests by",
            hint="run breakit check without --first-catch first",
        )
    return KillMatrix(tests=tests, results=results), times


def _result(entry: dict[str, Any], tests: tuple[str, ...]) -> MutantResult:
    # A Mutant with its name only: ranking reads ids, origins and outcomes, never the code.
    mutant = Mutant(
        id=str(entry["id"]),
        origin=str(entry["origin"]),
        title=str(entry["title"]),
        changes={},
        originals={},
    )
    outcomes: dict[str, TestOutcome] = outcomes_from_index(entry, tests)
    return MutantResult(mutant=mutant, verdict=Verdict(entry["verdict"]), tests=outcomes)
