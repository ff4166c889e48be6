"""The in-run records (breakit.core.run_records): typed on both sides, JSON only in between, one
codec; what a cut-short line and an unknown event become."""

from __future__ import annotations

import importlib.util
import json
import sys

import breakit.core.run_records as run_records
from breakit.core.run_records import (
    Collected,
    CollectFailed,
    Finish,
    Judged,
    Start,
    record_from_json,
    record_to_json,
    records_from_lines,
)


def test_a_judged_test_travels_flat_as_the_plugin_always_wrote_it() -> None:
    judged = Judged("t::a", {"outcome": "caught", "message": "boom", "duration_s": 0.5})
    data = record_to_json(judged)
    assert data == {
        "event": "test",
        "nodeid": "t::a",
        "outcome": "caught",
        "message": "boom",
        "duration_s": 0.5,
    }
    assert record_from_json(json.loads(json.dumps(data))) == judged


def test_tuples_travel_as_lists_and_come_back_as_tuples() -> None:
    collected = Collected(("t::a", "t::b"))
    assert record_to_json(collected) == {"event": "collected", "nodeids": ["t::a", "t::b"]}
    assert record_from_json(record_to_json(collected)) == collected


def test_optional_fields_may_be_absent() -> None:
    # A hot session's finish says only the status; an old collector record no failure.
    assert record_from_json({"event": "finish", "exitstatus": 1}) == Finish(1)
    failed = record_from_json({"event": "collect_error", "nodeid": "t.py", "message": "E"})
    assert failed == CollectFailed("t.py", "E")


def test_an_unknown_event_is_no_record_and_a_cut_line_is_dropped() -> None:
    assert record_from_json({"event": "something-new", "x": 1}) is None
    lines = [json.dumps(record_to_json(Start("t::a"))), '{"event": "test", "nodeid": "t::b", "ou']
    assert records_from_lines(lines) == [Start("t::a")]
    assert records_from_lines([b"\xff\xfe not utf-8"]) == []


def test_a_record_from_a_second_import_of_the_module_encodes_the_same() -> None:
    # In a test process of a project that holds breakit itself, the plugin's records can come
    # from another import of this module: the codec reads the event, not the class.
    spec = importlib.util.spec_from_file_location("second_run_records", run_records.__file__)
    assert spec is not None and spec.loader is not None
    second = importlib.util.module_from_spec(spec)
    sys.modules["second_run_records"] = second  # dataclasses looks its module up
    try:
        spec.loader.exec_module(second)
        other = second.Judged("t::a", {"outcome": "missed"})
    finally:
        del sys.modules["second_run_records"]
    assert not isinstance(other, Judged)
    assert record_to_json(other) == {"event": "test", "nodeid": "t::a", "outcome": "missed"}
