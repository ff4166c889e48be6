"""breakit's own JSON document for `--json` on list / apply / check (docs/json.md).

A mutant's tests in it, and reading them back (breakit merge, and anyone in Python), are
breakit.core.outcome_codec's (`tests_by_index`, `outcomes_from_index`, `order_from_index`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from breakit.core.model import Baseline, KillMatrix, Mutant, MutantResult, Mutation, Verdict
from breakit.core.outcome_codec import order_by_index, tests_by_index
from breakit.reports.data_tables import findings_json

if TYPE_CHECKING:
    from breakit.mutants.changed_since import Since
    from breakit.triage.value import Triage

VERSION = 2

# A failure line longer than this is cut (ending in "…"): the document's size stays bounded
# per catching test; the whole line is in the terminal's -v views and the HTML report.
MESSAGE_CHARS = 240


def _mutant_fields(mutant: Mutant) -> dict[str, Any]:
    fields: dict[str, Any] = {"id": mutant.id, "title": mutant.title, "origin": mutant.origin}
    fields["files"] = list(mutant.paths)
    if mutant.mutation is not None:
        fields["expected_caught_by"] = (
            None if mutant.mutation.caught_by is None else list(mutant.mutation.caught_by)
        )
    if mutant.location is not None:
        loc = mutant.location
        fields["location"] = {
            "path": loc.path,
            "start": {"line": loc.start_line, "column": loc.start_column},
            "end": {"line": loc.end_line, "column": loc.end_column},
        }
    return fields


def result_json(
    result: MutantResult, index: Mapping[str, int], triage: Triage | None = None
) -> dict[str, Any]:
    """One mutant's object; a triaged survivor's has its `triage` (docs/json.md)."""
    found = {
        **_mutant_fields(result.mutant),
        "verdict": result.verdict.value,
        "error": result.error,
        "tests": tests_by_index(result.tests, index, message_chars=MESSAGE_CHARS),
        "order": order_by_index(result, index),
        "duration_s": round(result.duration_s, 4),
        "cached": result.cached,
    }
    if triage is not None:
        found["triage"] = triage.to_json()
    return found


def matrix_document(
    matrix: KillMatrix,
    baseline: Baseline,
    coverage_check: Mapping[str, Any] | None = None,
    since: Since | None = None,
    run: Mapping[str, Any] | None = None,
    triage: Mapping[str, Triage] | None = None,
) -> dict[str, Any]:
    """`coverage_check`: what the NoCoverage proof run found (Lab.coverage_check), if known;
    `since`: why `check --since` brought each mutant in; `run`: what the engine ran under
    (`memory_limit_mb`) and what `--verify` found (`verify`), top-level keys as they are."""
    index = {nodeid: i for i, nodeid in enumerate(baseline.tests)}
    document = {
        "version": VERSION,
        # "first-catch": each mutant stopped at its first catching test (docs/json.md, "matrix")
        "matrix": matrix.mode,
        "baseline": {"tests": list(baseline.tests), "duration_s": round(baseline.duration_s, 4)},
        "mutants": [
            result_json(result, index, (triage or {}).get(result.mutant.id))
            for result in matrix.results
        ],
        "score": matrix.score(),
        # `check --max-time`: the mutants never started, in no verdict's count (docs/json.md)
        "unchecked": len(matrix.unchecked),
        "unchecked_ids": [mutant.id for mutant in matrix.unchecked],
    }
    # Survivors that are entries of one table of data (reports.data_tables), as one finding.
    survived = [r for r in matrix.results if r.verdict is Verdict.SURVIVED]
    document["tables"] = findings_json(survived)
    if coverage_check is not None:
        document["coverage_check"] = dict(coverage_check)
    if since is not None:
        document["since"] = since.to_json()
    document.update(run or {})
    return document


def nothing_document(reason: str, since: Since | None = None) -> dict[str, Any]:
    """`check --since REF` that the change brings no mutant into: a green run of no mutant,
    `nothing_to_check` saying why (docs/json.md)."""
    document: dict[str, Any] = {
        "version": VERSION,
        "matrix": "full",
        "baseline": None,
        "mutants": [],
        "score": None,
        "unchecked": 0,
        "unchecked_ids": [],
        "nothing_to_check": reason,
    }
    if since is not None:
        document["since"] = since.to_json()
    return document


def error_document(
    code: int, kind: str, message: str, hint: str | None, document: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A command run with `--json` that ended in an error: `error` says which (its exit code,
    the code's name, the one line and its hint), added to the document the command had made,
    if any, else to an empty one (docs/json.md, "Errors")."""
    found: dict[str, Any] = dict(document or {"version": VERSION, "baseline": None, "mutants": []})
    found["error"] = {"code": code, "kind": kind, "message": message, "hint": hint}
    return found


def list_document(
    mutations: Sequence[Mutation], last: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The catalog without running anything: each verdict is the last known one, or null."""
    entries = []
    for mutation in mutations:
        known = last.get(mutation.id) or {}
        entries.append(
            {
                "id": mutation.id,
                "title": mutation.title,
                "origin": "mutation",
                "files": list(mutation.files),
                "expected_caught_by": None
                if mutation.caught_by is None
                else list(mutation.caught_by),
                "verdict": known.get("verdict"),
                "caught_by": known.get("caught_by"),
                "tests": None,
                "duration_s": None,
            }
        )
    return {"version": VERSION, "baseline": None, "mutants": entries}


def generated_list_document(
    mutants: Sequence[Mutant], last: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Generated mutants without running anything, each with its diff and last known verdict."""
    entries = []
    for mutant in mutants:
        known = last.get(mutant.id) or {}
        entries.append(
            {
                **_mutant_fields(mutant),
                "replacement": mutant.replacement,
                "diff": mutant.diff,
                "verdict": known.get("verdict"),
                "caught_by": known.get("caught_by"),
                "tests": None,
                "duration_s": None,
            }
        )
    return {"version": VERSION, "baseline": None, "mutants": entries}
