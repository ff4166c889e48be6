"""breakit's own JSON document for `--json` on list / apply / check (docs/json.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from breakit.model import Baseline, KillMatrix, Mutant, MutantResult, Mutation

VERSION = 1


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


def result_json(result: MutantResult) -> dict[str, Any]:
    return {
        **_mutant_fields(result.mutant),
        "verdict": result.verdict.value,
        "error": result.error,
        "order": list(result.order),
        "tests": {nodeid: outcome.to_json() for nodeid, outcome in result.tests.items()},
        "duration_s": round(result.duration_s, 4),
        "cached": result.cached,
    }


def matrix_document(
    matrix: KillMatrix, baseline: Baseline, coverage_check: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """`coverage_check`: what the NoCoverage proof run found (Lab.coverage_check), if known."""
    document = {
        "version": VERSION,
        "baseline": {"tests": list(baseline.tests), "duration_s": round(baseline.duration_s, 4)},
        "mutants": [result_json(result) for result in matrix.results],
        "score": matrix.score(),
    }
    if coverage_check is not None:
        document["coverage_check"] = dict(coverage_check)
    return document


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
                "tests": {},
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
                "tests": {},
                "duration_s": None,
            }
        )
    return {"version": VERSION, "baseline": None, "mutants": entries}
