"""breakit's own JSON document for `--json` on list / apply / check (docs/json.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from breakit.model import (
    Baseline,
    KillMatrix,
    Mutant,
    MutantResult,
    Mutation,
    Outcome,
    TestOutcome,
    Verdict,
)
from breakit.ranges import format_ranges, parse_ranges

if TYPE_CHECKING:
    from breakit.since import Since
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


# --- one mutant's tests ---------------------------------------------------------------------


def _message(outcome: TestOutcome) -> str | None:
    message = outcome.message
    if message is not None and len(message) > MESSAGE_CHARS:
        return message[: MESSAGE_CHARS - 1] + "…"
    return message


def tests_json(result: MutantResult, index: Mapping[str, int]) -> dict[str, Any]:
    """The tests of one mutant, by their index in the baseline's list: which ran (`ran`), which
    of those caught or errored (with the failure line); every other test that ran passed, and a
    test not in `ran` did not run. A test the baseline does not have (the mutant changed the
    suite) is under `other`, by node id."""
    ran: list[int] = []
    detected: dict[Outcome, list[dict[str, Any]]] = {Outcome.CAUGHT: [], Outcome.ERRORED: []}
    other: dict[str, Any] = {}
    for nodeid, outcome in result.tests.items():
        if nodeid not in index:
            other[nodeid] = {"outcome": outcome.outcome.value, "message": _message(outcome)}
            continue
        if outcome.outcome is Outcome.NOT_RUN:
            continue
        ran.append(index[nodeid])
        if outcome.outcome in detected:
            entry = {"test": index[nodeid], "message": _message(outcome)}
            detected[outcome.outcome].append(entry)
    fields: dict[str, Any] = {
        "ran": format_ranges(ran),
        "caught": sorted(detected[Outcome.CAUGHT], key=lambda e: e["test"]),
        "errored": sorted(detected[Outcome.ERRORED], key=lambda e: e["test"]),
    }
    if other:
        fields["other"] = other
    return fields


def order_json(result: MutantResult, index: Mapping[str, int]) -> list[int | str] | None:
    """None when the tests ran in baseline order (the usual case: `ran`, ascending); else the
    order, each test as its baseline index (a node id if the baseline does not have it)."""
    ran = {n for n, o in result.tests.items() if o.outcome is not Outcome.NOT_RUN}
    in_run = [n for n in result.order if n in ran]
    expected = sorted((n for n in ran if n in index), key=index.__getitem__)
    if in_run == expected and len(in_run) == len(ran):
        return None
    return [index.get(nodeid, nodeid) for nodeid in result.order]


def result_json(
    result: MutantResult, index: Mapping[str, int], triage: Triage | None = None
) -> dict[str, Any]:
    """One mutant's object; a triaged survivor's has its `triage` (docs/json.md)."""
    found = {
        **_mutant_fields(result.mutant),
        "verdict": result.verdict.value,
        "error": result.error,
        "tests": tests_json(result, index),
        "order": order_json(result, index),
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
    }
    if coverage_check is not None:
        document["coverage_check"] = dict(coverage_check)
    if since is not None:
        document["since"] = since.to_json()
    document.update(run or {})
    return document


# --- reading it back (breakit merge, and anyone in Python) ------------------------------------


def entry_outcomes(entry: Mapping[str, Any], tests: Sequence[str]) -> dict[str, TestOutcome]:
    """One mutant's outcome for every test, as the engine made them: `tests` is the document's
    `baseline.tests`. A test that ran and is not listed as caught or errored passed (missed);
    one not in `ran` did not run. An Ignored mutant ran nothing, and lists no test."""
    listed = entry["tests"]
    if entry.get("verdict") == Verdict.IGNORED.value:
        return {}
    outcomes = {n: TestOutcome(n, Outcome.NOT_RUN) for n in tests}
    for i in parse_ranges(listed["ran"]):
        outcomes[tests[i]] = TestOutcome(tests[i], Outcome.MISSED)
    for kind in (Outcome.CAUGHT, Outcome.ERRORED):
        for found in listed[kind.value]:
            nodeid = tests[found["test"]]
            outcomes[nodeid] = TestOutcome(nodeid, kind, message=found.get("message"))
    for nodeid, found in (listed.get("other") or {}).items():
        outcomes[nodeid] = TestOutcome(nodeid, Outcome(found["outcome"]), found.get("message"))
    return outcomes


def entry_order(entry: Mapping[str, Any], tests: Sequence[str]) -> tuple[str, ...]:
    """The order one mutant's tests ran in, as node ids."""
    order = entry.get("order")
    if order is None:
        return tuple(tests[i] for i in parse_ranges(entry["tests"]["ran"]))
    return tuple(tests[t] if isinstance(t, int) else t for t in order)


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
