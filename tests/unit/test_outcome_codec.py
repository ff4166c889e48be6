"""breakit.core.outcome_codec: a test's outcome has one encoder and one decoder.

Every outcome and every reason a test did not run goes through each form and comes back
(the compact forms keep what they document keeping); the forms are pinned byte for byte to
what breakit wrote before the codec (old caches read, the JSON report unchanged); and a grep of
breakit/ finds no other encoder or decoder (`test_no_other_outcome_codec`, which says what it
looks for).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from breakit.core.model import Mutant, MutantResult, NotRun, Outcome, SuiteRun, TestOutcome, Verdict
from breakit.core.outcome_codec import (
    RECORD,
    TIMED,
    order_by_index,
    order_from_index,
    outcome_from_json,
    outcome_to_json,
    outcomes_from_index,
    run_from_json,
    run_to_json,
)
from breakit.core.outcome_codec import (
    tests_by_index as by_index,  # "test…": pytest would collect it
)
from breakit.core.outcome_codec import tests_from_lists as from_lists
from breakit.core.outcome_codec import tests_to_lists as to_lists
from breakit.store.result_cache import result_from_json, result_to_json

BREAKIT = Path(__file__).resolve().parents[2] / "breakit"
MUTANT = Mutant("m1", "op", "a mutant", {}, {})


def every_outcome() -> list[TestOutcome]:
    """Each Outcome, with and without a message, failure text and CPU times; each NotRun."""
    found = []
    for i, kind in enumerate(Outcome):
        found.append(TestOutcome(f"t::{kind.value}", kind))
        found.append(
            TestOutcome(
                f"t::{kind.value}_full",
                kind,
                message=f"line {i}",
                duration_s=0.5 + i,
                longrepr=f"E line {i}",
                cpu_s=0.25,
                queued_s=0.0,
            )
        )
    for reason in NotRun:
        found.append(TestOutcome(f"t::{reason.value}", Outcome.NOT_RUN, "why", not_run=reason))
    return found


def through_json(data: object) -> object:
    return json.loads(json.dumps(data))


@pytest.mark.parametrize("outcome", every_outcome(), ids=lambda o: o.nodeid)
def test_every_outcome_round_trips(outcome: TestOutcome) -> None:
    timed = through_json(outcome_to_json(outcome, TIMED))
    assert outcome_from_json(outcome.nodeid, timed) == outcome  # type: ignore[arg-type]
    # The result cache keeps no CPU times (only the baseline's are kept).
    cached = through_json(outcome_to_json(outcome, RECORD))
    untimed = replace(outcome, cpu_s=None, queued_s=None)
    assert outcome_from_json(outcome.nodeid, cached) == untimed  # type: ignore[arg-type]


def test_a_mutants_tests_round_trip_through_the_cache_form() -> None:
    tests = {o.nodeid: o for o in every_outcome()}
    back = from_lists(through_json(to_lists(tests)))  # type: ignore[arg-type]
    assert back.keys() == tests.keys()
    for nodeid, outcome in tests.items():
        if outcome.outcome is Outcome.MISSED:  # a passing test is its node id only
            assert back[nodeid] == TestOutcome(nodeid, Outcome.MISSED)
        else:
            assert back[nodeid] == replace(outcome, cpu_s=None, queued_s=None)


def test_a_mutants_tests_round_trip_through_the_report_form() -> None:
    tests = {o.nodeid: o for o in every_outcome()}
    baseline = [n for n in tests if not n.endswith("_full")]
    index = {n: i for i, n in enumerate(baseline)}
    result = MutantResult(MUTANT, Verdict.KILLED, tests, order=tuple(reversed(tests)))
    entry = through_json(
        {
            "verdict": "Killed",
            "tests": by_index(tests, index, message_chars=240),
            "order": order_by_index(result, index),
        }
    )
    back = outcomes_from_index(entry, baseline)  # type: ignore[arg-type]
    # The report keeps what ran and how, and the failure line of what caught or errored.
    for nodeid, outcome in tests.items():
        detected = outcome.outcome in (Outcome.CAUGHT, Outcome.ERRORED)
        kept = outcome.message if detected or nodeid not in index else None
        assert back[nodeid] == TestOutcome(nodeid, outcome.outcome, kept)
    assert order_from_index(entry, baseline) == result.order  # type: ignore[arg-type]


def test_a_suite_run_round_trips() -> None:
    outcomes = {o.nodeid: o for o in every_outcome()}
    run = SuiteRun(
        outcomes, tuple(outcomes), 2.0, 1, coverage={"t::missed": frozenset({("a.py", 1)})}
    )
    assert run_from_json(through_json(run_to_json(run))) == run  # type: ignore[arg-type]


# --- what breakit wrote before the codec: byte for byte ------------------------------------

LONG = "x" * 300
TESTS = {
    "t::a": TestOutcome("t::a", Outcome.MISSED, duration_s=0.25, cpu_s=0.2, queued_s=0.01),
    "t::b": TestOutcome(
        "t::b", Outcome.CAUGHT, "assert 1 == 2", 0.5, "E assert 1 == 2", cpu_s=0.4, queued_s=0.0
    ),
    "t::c": TestOutcome("t::c", Outcome.ERRORED, "fixture 'db' not found", 0.1),
    "t::d": TestOutcome("t::d", Outcome.NOT_RUN),
    "t::e": TestOutcome("t::e", Outcome.NOT_RUN, "the run was stopped during this test"),
    "t::new": TestOutcome("t::new", Outcome.CAUGHT, LONG),
}
RESULT = MutantResult(
    MUTANT, Verdict.KILLED, TESTS, order=("t::b", "t::a", "t::c", "t::new"), duration_s=1.5
)
INDEX = {n: i for i, n in enumerate(["t::a", "t::b", "t::c", "t::d", "t::e"])}


def compact(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def test_the_cache_entry_is_as_before() -> None:
    record = {"duration_s": 0.0, "longrepr": None}
    before = {
        "verdict": "Killed",
        "missed": ["t::a"],
        "not_run": ["t::d"],
        "tests": {
            "t::b": {
                "outcome": "caught",
                "message": "assert 1 == 2",
                "duration_s": 0.5,
                "longrepr": "E assert 1 == 2",
            },
            "t::c": {
                "outcome": "errored",
                "message": "fixture 'db' not found",
                "duration_s": 0.1,
                "longrepr": None,
            },
            "t::e": {
                "outcome": "not_run",
                "message": "the run was stopped during this test",
                **record,
            },
            "t::new": {"outcome": "caught", "message": LONG, **record},
        },
        "order": ["t::b", "t::a", "t::c", "t::new"],
        "duration_s": 1.5,
        "error": None,
    }
    assert compact(result_to_json(RESULT)) == compact(before)
    # Read back: an entry written before the reasons were data has none.
    back = result_from_json(MUTANT, before)
    assert back is not None and back.tests["t::e"].not_run is None
    # A reason is a field of its own, only where there is one.
    stopped = replace(TESTS["t::e"], not_run=NotRun.STOPPED_DURING)
    entry = result_to_json(replace(RESULT, tests={**TESTS, "t::e": stopped}))
    assert entry["tests"]["t::e"] == {**before["tests"]["t::e"], "not_run": "stopped_during"}  # type: ignore[index]


def test_the_baseline_record_is_as_before() -> None:
    run = SuiteRun({n: TESTS[n] for n in ("t::a", "t::c")}, ("t::a",), 2.0, 1)
    outcomes = {
        "t::a": {
            "cpu_s": 0.2,
            "duration_s": 0.25,
            "longrepr": None,
            "message": None,
            "outcome": "missed",
            "queued_s": 0.01,
        },
        "t::c": {
            "duration_s": 0.1,
            "longrepr": None,
            "message": "fixture 'db' not found",
            "outcome": "errored",
        },
    }
    assert run_to_json(run)["outcomes"] == outcomes
    assert run_from_json(run_to_json(run)) == run


def test_the_report_form_is_as_before() -> None:
    before = {
        "ran": "0-2",
        "caught": [{"test": 1, "message": "assert 1 == 2"}],
        "errored": [{"test": 2, "message": "fixture 'db' not found"}],
        "other": {"t::new": {"outcome": "caught", "message": "x" * 239 + "…"}},
    }
    assert compact(by_index(TESTS, INDEX, message_chars=240)) == compact(before)
    assert order_by_index(RESULT, INDEX) == [1, 0, 2, "t::new"]
    # last_run.json's: the same without failure lines and without `other`.
    brief = {"ran": "0-2", "caught": [{"test": 1}], "errored": [{"test": 2}]}
    assert by_index(TESTS, INDEX, message_chars=None, other=False) == brief


def test_the_plugins_records_are_the_codecs() -> None:
    # The in-run plugin judges a test into a TestOutcome (breakit.inrun.report_outcome) and writes
    # its record with outcome_to_json: no second spelling of an outcome's string in the test
    # process.
    for module in ("inrun/pytest_plugin.py", "inrun/report_outcome.py"):
        text = (BREAKIT / module).read_text(encoding="utf-8")
        assert "outcome_to_json" in text or module == "inrun/report_outcome.py"
        spelt = [kind.value for kind in Outcome if f'"{kind.value}"' in text]
        assert spelt == [], module


# --- no other encoder or decoder ---------------------------------------------------------------

# What encoding or decoding an outcome looks like, outside breakit/core/outcome_codec.py:
OTHER_CODECS = {
    # an Outcome or a NotRun made from a value (a string read back); `class Outcome(` is not
    "made from a string": r"(?<!class )(?<![\w.])(Outcome|NotRun)\(",
    # an outcome's string as a dict entry or key (`"outcome": o.outcome.value`, `d[o.value]`)
    "its string in a dict": r"[\"']\w+[\"']\s*:\s*[\w.]*(outcome|not_run)\.value"
    r"|\[[^\]\n]*(outcome|not_run)\.value[^\]\n]*\]",
    # an outcome member spelt as its string (`Outcome.CAUGHT.value`)
    "a member's string": r"\b(Outcome|NotRun)\.[A-Z_]+\.value\b",
    # a record's `outcome` / `not_run` field written or read (`{"outcome": …}`, `d["outcome"]`)
    "a record's field": r"[\"'](outcome|not_run)[\"']\s*:"
    r"|\[\s*[\"'](outcome|not_run)[\"']\s*\]|\.get\(\s*[\"'](outcome|not_run)[\"']",
}
NOT_SEARCHED = {"outcome_codec.py"}


def test_no_other_outcome_codec() -> None:
    """No module of breakit but breakit/core/outcome_codec.py turns a test outcome into JSON or
    back: the grep looks for the shapes in OTHER_CODECS. Printing `outcome.value` for a person (an
    f-string, a table cell: reports, engine.oracle's differences) is not encoding, and none of
    the patterns matches it: they look for an outcome's string going into a dict (a JSON object)
    or an Outcome coming out of one. Not searched: the codec itself (NOT_SEARCHED). Words that
    are outcome values but name something else as a JSON key (a ranking's `caught` mutants, a
    prediction's `missed` tests) are not searched for either: the codec's forms key tests by the
    outcome's own value, which is what is looked for. The in-run plugin is searched like the
    rest: its records are the codec's."""
    found = []
    for path in sorted(BREAKIT.rglob("*.py")):
        if path.name in NOT_SEARCHED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for what, pattern in OTHER_CODECS.items():
                if re.search(pattern, line):
                    where = path.relative_to(BREAKIT.parent)
                    found.append(f"{where}:{number}: {what}: {line.strip()}")
    assert not found, "an outcome encoded outside breakit.core.outcome_codec:\n" + "\n".join(found)
    assert not hasattr(TestOutcome, "to_json")


def test_the_grep_finds_what_it_looks_for() -> None:
    for line in (
        'outcome=Outcome(data["outcome"]),',
        '{"outcome": o.outcome.value, "message": o.message}',
        "lists[outcome.outcome.value].append(nodeid)",
        "listed[Outcome.CAUGHT.value]",
        "reason = NotRun(found)",
    ):
        assert any(re.search(p, line) for p in OTHER_CODECS.values()), line
    for line in (
        'found.append(f"{nodeid}: {outcome.value}, {expected.outcome.value} in the oracle")',
        "escape(outcome.message or outcome.outcome.value)",
        "class Outcome(StrEnum):",
        'TestOutcome(nodeid, Outcome.NOT_RUN, message="x")',
    ):
        assert not any(re.search(p, line) for p in OTHER_CODECS.values()), line
