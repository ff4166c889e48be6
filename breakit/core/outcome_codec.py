"""A test's outcome as JSON: the one encoder (`outcome_to_json`) and decoder
(`outcome_from_json`), and the compact forms of a run's tests built on them.

Every file that keeps an outcome goes through here: the result cache and its journal
(breakit.store.result_cache: `tests_to_lists`), the cached baseline (`run_to_json`), breakit's JSON
document (docs/json.md: `tests_by_index`, read back by `breakit merge` and `last_run.json`) and the
in-run plugin's test records (runners.suite_run reads them with `outcome_from_json`). An outcome's
string is its `Outcome` value; a compact form names the outcome by the key it files a test under
(`missed`, `caught`, ...), which is that value too. tests/unit/test_outcome_codec.py checks that
nothing else in breakit encodes or decodes one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from breakit.core.model import (
    MutantResult,
    NotRun,
    Outcome,
    RunFailure,
    SuiteRun,
    TestOutcome,
    Verdict,
)
from breakit.core.ranges import format_ranges, parse_ranges

__all__ = [
    "LISTED",
    "RECORD",
    "TIMED",
    "order_by_index",
    "order_from_index",
    "outcome_from_json",
    "outcome_to_json",
    "outcomes_from_index",
    "run_from_json",
    "run_to_json",
    "tests_by_index",
    "tests_from_lists",
    "tests_to_lists",
]

# The fields of an outcome's record, in the order they are written. `not_run` only where it is
# set, and the CPU times only where measured: a record without them reads back as None.
RECORD = ("outcome", "message", "duration_s", "longrepr", "not_run")  # the result cache's
TIMED = (*RECORD, "cpu_s", "queued_s")  # the cached baseline's: only its CPU times are kept

# The outcomes the result cache keeps as lists of node ids (`tests_to_lists`).
_LISTED = (Outcome.MISSED, Outcome.NOT_RUN)
LISTED = tuple(kind.value for kind in _LISTED)  # their keys in a result's JSON
# The outcomes breakit's JSON document lists by test, with their failure line (`tests_by_index`).
_DETECTED = (Outcome.CAUGHT, Outcome.ERRORED)


def outcome_to_json(outcome: TestOutcome, fields: Sequence[str] = RECORD) -> dict[str, Any]:
    """`outcome` as a JSON object of `fields` (the node id is the caller's: a key, a list)."""
    record: dict[str, Any] = {
        "outcome": outcome.outcome.value,
        "message": outcome.message,
        "duration_s": outcome.duration_s,
        "longrepr": outcome.longrepr,
    }
    if outcome.not_run is not None:
        record["not_run"] = outcome.not_run.value
    if outcome.cpu_s is not None:
        record["cpu_s"] = outcome.cpu_s
        record["queued_s"] = outcome.queued_s
    return {name: record[name] for name in fields if name in record}


def outcome_from_json(nodeid: str, data: Mapping[str, Any]) -> TestOutcome:
    """The outcome of `nodeid` from its JSON object (any of `outcome_to_json`'s, or a plugin's
    test record, which has the same fields); a field missing reads as its default. A ValueError,
    KeyError or TypeError if the object is not an outcome's."""
    reason = data.get("not_run")
    return TestOutcome(
        nodeid=nodeid,
        outcome=Outcome(data["outcome"]),
        message=data.get("message"),
        duration_s=float(data.get("duration_s", 0.0)),
        longrepr=data.get("longrepr"),
        cpu_s=data.get("cpu_s"),
        queued_s=data.get("queued_s"),
        not_run=None if reason is None else NotRun(reason),
    )


# --- the result cache's form: passing and unreached tests by node id only --------------------


def tests_to_lists(tests: Mapping[str, TestOutcome]) -> dict[str, Any]:
    """A mutant's tests as the result cache keeps them: the tests that passed (`missed`) and
    those not reached (`not_run`, TestOutcome.not_reached) by node id only, most of a result
    (their times are not kept: nothing reads a passing test's time under a mutant), every other
    test's record under `tests`."""
    lists: dict[str, list[str]] = {key: [] for key in LISTED}
    records: dict[str, Any] = {}
    for nodeid, outcome in tests.items():
        if outcome.outcome is Outcome.MISSED or outcome.not_reached:
            lists[outcome.outcome.value].append(nodeid)
        else:
            records[nodeid] = outcome_to_json(outcome, RECORD)
    return {**lists, "tests": records}


def tests_from_lists(data: Mapping[str, Any]) -> dict[str, TestOutcome]:
    """`tests_to_lists`' tests back (a list missing reads as empty)."""
    tests = {n: TestOutcome(n, kind) for kind in _LISTED for n in data.get(kind.value, ())}
    tests.update((n, outcome_from_json(n, o)) for n, o in data["tests"].items())
    return tests


# --- breakit's JSON document's form: tests by their index in the baseline's list ------------


def tests_by_index(
    tests: Mapping[str, TestOutcome],
    index: Mapping[str, int],
    *,
    message_chars: int | None,
    other: bool = True,
) -> dict[str, Any]:
    """The tests of one mutant, by their index in the baseline's list: which ran (`ran`), which
    of those caught or errored (with the failure line, cut at `message_chars`; None: without
    it); every other test that ran passed, and a test not in `ran` did not run. A test the
    baseline does not have (the mutant changed the suite) is under `other`, by node id (left
    out if not `other`)."""
    ran: list[int] = []
    detected: dict[Outcome, list[dict[str, Any]]] = {kind: [] for kind in _DETECTED}
    others: dict[str, Any] = {}
    for nodeid, outcome in tests.items():
        if nodeid not in index:
            if other:
                brief = replace(outcome, message=_cut(outcome.message, message_chars))
                others[nodeid] = outcome_to_json(brief, ("outcome", "message"))
            continue
        if outcome.outcome is Outcome.NOT_RUN:
            continue
        ran.append(index[nodeid])
        if outcome.outcome in detected:
            entry: dict[str, Any] = {"test": index[nodeid]}
            if message_chars is not None:
                entry["message"] = _cut(outcome.message, message_chars)
            detected[outcome.outcome].append(entry)
    fields: dict[str, Any] = {"ran": format_ranges(ran)}
    for kind, entries in detected.items():
        fields[kind.value] = sorted(entries, key=lambda e: e["test"])
    if others:
        fields["other"] = others
    return fields


def _cut(message: str | None, chars: int | None) -> str | None:
    if message is not None and chars is not None and len(message) > chars:
        return message[: chars - 1] + "…"
    return message


def outcomes_from_index(entry: Mapping[str, Any], tests: Sequence[str]) -> dict[str, TestOutcome]:
    """One mutant's outcome for every test, as the engine made them: `entry` is the mutant's
    object (`tests_by_index` under `tests`, its `verdict`), `tests` the document's
    `baseline.tests`. A test that ran and is not listed as caught or errored passed (missed);
    one not in `ran` did not run. An Ignored mutant ran nothing, and lists no test."""
    listed = entry["tests"]
    if entry.get("verdict") == Verdict.IGNORED.value:
        return {}
    outcomes = {n: TestOutcome(n, Outcome.NOT_RUN) for n in tests}
    for i in parse_ranges(listed["ran"]):
        outcomes[tests[i]] = TestOutcome(tests[i], Outcome.MISSED)
    for kind in _DETECTED:
        for found in listed[kind.value]:
            nodeid = tests[found["test"]]
            outcomes[nodeid] = TestOutcome(nodeid, kind, message=found.get("message"))
    for nodeid, found in (listed.get("other") or {}).items():
        outcomes[nodeid] = outcome_from_json(nodeid, found)
    return outcomes


def order_by_index(result: MutantResult, index: Mapping[str, int]) -> list[int | str] | None:
    """None when the tests ran in baseline order (the usual case: `ran`, ascending); else the
    order, each test as its baseline index (a node id if the baseline does not have it)."""
    ran = {n for n, o in result.tests.items() if o.outcome is not Outcome.NOT_RUN}
    in_run = [n for n in result.order if n in ran]
    expected = sorted((n for n in ran if n in index), key=index.__getitem__)
    if in_run == expected and len(in_run) == len(ran):
        return None
    return [index.get(nodeid, nodeid) for nodeid in result.order]


def order_from_index(entry: Mapping[str, Any], tests: Sequence[str]) -> tuple[str, ...]:
    """The order one mutant's tests ran in, as node ids."""
    order = entry.get("order")
    if order is None:
        return tuple(tests[i] for i in parse_ranges(entry["tests"]["ran"]))
    return tuple(tests[t] if isinstance(t, int) else t for t in order)


# --- a whole run: the cached baseline's -----------------------------------------------------


def run_to_json(run: SuiteRun) -> dict[str, Any]:
    return {
        "outcomes": {n: outcome_to_json(o, TIMED) for n, o in run.outcomes.items()},
        "order": list(run.order),
        "duration_s": run.duration_s,
        "exit_status": run.exit_status,
        "timed_out": run.timed_out,
        "error": run.error,
        "failure": None if run.failure is None else run.failure.value,
        "coverage": None
        if run.coverage is None
        else {n: sorted([p, line] for p, line in lines) for n, lines in run.coverage.items()},
    }


def run_from_json(data: dict[str, Any]) -> SuiteRun:
    coverage = data.get("coverage")
    return SuiteRun(
        outcomes={n: outcome_from_json(n, o) for n, o in data["outcomes"].items()},
        order=tuple(data["order"]),
        duration_s=data["duration_s"],
        exit_status=data["exit_status"],
        timed_out=data.get("timed_out", False),
        error=data.get("error"),
        failure=None if data.get("failure") is None else RunFailure(data["failure"]),
        coverage=None
        if coverage is None
        else {n: frozenset((p, line) for p, line in lines) for n, lines in coverage.items()},
    )
