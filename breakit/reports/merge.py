"""`breakit merge`: shard reports (breakit's own JSON) combined into one KillMatrix."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from breakit.core.errors import UsageError
from breakit.core.model import (
    FIRST_CATCH,
    Baseline,
    KillMatrix,
    MutantResult,
    Outcome,
    SuiteRun,
    TestOutcome,
    Verdict,
)
from breakit.core.outcome_codec import order_from_index, outcomes_from_index
from breakit.mutants.mutant_ids import MutantIds
from breakit.reports.breakit_json import VERSION


def read_document(path: Path) -> dict[str, Any]:
    """A breakit JSON document: a file, or an --output folder holding breakit.json."""
    if path.is_dir():
        path = path / "breakit.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} is not a breakit JSON document: {exc}") from None
    version = document.get("version") if isinstance(document, dict) else None
    if version != VERSION:
        found = f" (it is version {version})" if isinstance(version, int) else ""
        raise UsageError(
            f"{path} is not a breakit JSON document of version {VERSION}{found}",
            hint="merge reads what `check --json` prints or `check --output DIR` writes, "
            "with the same breakit version",
        )
    if isinstance(document.get("error"), dict):
        error = document["error"]
        raise UsageError(
            f"{path} is the document of a run that failed (exit {error.get('code')}): "
            f"{error.get('message')}",
            hint="merge the shards that ran; run the failed one again",
        )
    if not document.get("baseline"):
        raise UsageError(f"{path} has no baseline: it comes from `list`, not from `check`")
    return document


def merge_documents(
    documents: Sequence[dict[str, Any]], mutant_ids: MutantIds
) -> tuple[KillMatrix, Baseline]:
    """One matrix from shard documents of the same commit; mutants are rebuilt from the project
    (same ids → same changes), so the reports can show their diffs and source."""
    tests = documents[0]["baseline"]["tests"]
    for document in documents[1:]:
        if document["baseline"]["tests"] != tests:
            raise UsageError(
                "the documents come from different suites (their baseline tests differ)",
                hint="merge shards of one commit, each run with the same [tool.breakit] tests",
            )
    results: dict[str, MutantResult] = {}
    for document in documents:
        for entry in document["mutants"]:
            if entry["id"] in results:
                raise UsageError(f"mutant {entry['id']!r} is in more than one document")
            try:
                verdict = Verdict(entry["verdict"])
                outcomes = outcomes_from_index(entry, tests)
                order = order_from_index(entry, tests)
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                raise UsageError(
                    f"mutant {entry['id']!r} of a document is not readable: {exc!r}",
                    hint="merge the files `check` wrote, unedited",
                ) from None
            results[entry["id"]] = MutantResult(
                mutant=mutant_ids.resolve(entry["id"]),
                verdict=verdict,
                tests=outcomes,
                order=order,
                duration_s=entry.get("duration_s") or 0.0,
                error=entry.get("error"),
            )
    duration = max(d["baseline"]["duration_s"] for d in documents)
    run = SuiteRun(
        outcomes={n: TestOutcome(n, Outcome.MISSED) for n in tests},
        order=tuple(tests),
        duration_s=duration,
        exit_status=0,
    )
    baseline = Baseline(tests=tuple(tests), run=run, key="merged")
    ordered = sorted(results.values(), key=lambda r: r.mutant.id)
    # One first-catch shard makes the whole matrix partial.
    partial = any(d.get("matrix") == FIRST_CATCH for d in documents)
    # Shards whose --max-time was spent: their unchecked mutants stay unchecked.
    left = sorted({i for d in documents for i in d.get("unchecked_ids", ()) if i not in results})
    unchecked = tuple(mutant_ids.resolve(i) for i in left)
    return KillMatrix(tuple(tests), tuple(ordered), partial, unchecked), baseline
