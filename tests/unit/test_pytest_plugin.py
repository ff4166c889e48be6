"""The recorder plugin, run in-process on tiny real projects: outcomes, messages, order, errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from breakit.core.run_records import Finish, Start, read_records, record_to_json
from breakit.inrun.pytest_plugin import JsonLinesSink, RecorderPlugin
from tests.project_files import tiny_project
from tests.recorded_runs import record_run, records_by_name

OUTCOMES = """
import time

import pytest


@pytest.fixture
def boom():
    raise RuntimeError("fixture exploded")


@pytest.fixture
def bad_teardown():
    yield
    raise ValueError("teardown went wrong")


@pytest.fixture
def slow_setup():
    time.sleep(0.05)


def test_passes(slow_setup):
    time.sleep(0.05)


def test_assertion():
    assert 1 == 2


def test_assertion_with_message():
    assert 404 == 200, "wrong status"


def test_exception():
    nothing = None
    nothing[0]


def test_missing_fixture(client):
    pass


def test_fixture_raises(boom):
    pass


def test_teardown_raises(bad_teardown):
    pass


def test_fails_and_teardown_raises(bad_teardown):
    assert False


def test_skipped():
    pytest.skip("not today")


@pytest.mark.skip(reason="marked off")
def test_marked_skip():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xfail_fails():
    assert False


@pytest.mark.xfail(reason="known bug", strict=True)
def test_xpass_strict():
    pass


@pytest.mark.xfail(reason="known bug")
def test_xpass_lenient():
    pass
"""


@pytest.fixture(scope="module")
def outcome_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, list[dict[str, Any]]]:
    root = tiny_project(tmp_path_factory.mktemp("outcomes"), {"tests/test_outcomes.py": OUTCOMES})
    return record_run(root, "tests")


@pytest.mark.parametrize(
    ("name", "outcome", "message"),
    [
        ("test_passes", "missed", None),
        ("test_assertion", "caught", "assert 1 == 2"),
        ("test_assertion_with_message", "caught", "AssertionError: wrong status"),
        ("test_exception", "caught", "TypeError: 'NoneType' object is not subscriptable"),
        ("test_missing_fixture", "errored", "fixture 'client' not found"),
        ("test_fixture_raises", "errored", "RuntimeError: fixture exploded"),
        ("test_teardown_raises", "errored", "ValueError: teardown went wrong"),
        ("test_fails_and_teardown_raises", "caught", "assert False"),
        ("test_skipped", "not_run", "not today"),
        ("test_marked_skip", "not_run", "marked off"),
        ("test_xfail_fails", "missed", None),
        ("test_xpass_strict", "caught", "[XPASS(strict)] known bug"),
        ("test_xpass_lenient", "missed", None),
    ],
)
def test_each_kind_of_result_gets_its_outcome_and_first_line(
    outcome_run: tuple[int, list[dict[str, Any]]], name: str, outcome: str, message: str | None
) -> None:
    record = records_by_name(outcome_run[1])[name]
    assert (record["outcome"], record["message"]) == (outcome, message)
    assert record["nodeid"] == f"tests/test_outcomes.py::{name}"


def test_failures_keep_pytest_full_text(outcome_run: tuple[int, list[dict[str, Any]]]) -> None:
    by_name = records_by_name(outcome_run[1])
    assert by_name["test_passes"]["longrepr"] is None
    assert "def test_assertion():" in by_name["test_assertion"]["longrepr"]
    assert "E       assert 1 == 2" in by_name["test_assertion"]["longrepr"]
    both = by_name["test_fails_and_teardown_raises"]["longrepr"]
    assert "assert False" in both and "teardown went wrong" in both


def test_duration_sums_the_phases(outcome_run: tuple[int, list[dict[str, Any]]]) -> None:
    # 0.05 s in the fixture's setup plus 0.05 s in the test itself
    assert records_by_name(outcome_run[1])["test_passes"]["duration_s"] >= 0.1


def test_order_collection_and_exit_status_are_recorded(
    outcome_run: tuple[int, list[dict[str, Any]]],
) -> None:
    status, records = outcome_run
    started = [r["nodeid"] for r in records if r["event"] == "start"]
    finished = [r["nodeid"] for r in records if r["event"] == "test"]
    (collected,) = [r["nodeids"] for r in records if r["event"] == "collected"]
    assert started == finished == collected
    assert started[:2] == [
        "tests/test_outcomes.py::test_passes",
        "tests/test_outcomes.py::test_assertion",
    ]
    assert len(started) == 13
    finish = records[-1]
    assert finish["event"] == "finish" and finish["exitstatus"] == 1 and status == 1
    assert finish["peak_rss_kb"] > 1024  # a Python running pytest holds more than a MB
    json.dumps(records)  # plain data: it can go through a file or a pipe


def test_collection_errors_name_the_module_and_the_error(tmp_path: Path) -> None:
    root = tiny_project(
        tmp_path,
        {
            "tests/test_syntax.py": "def broken(:\n    pass\n",
            "tests/test_imports.py": "import no_such_module_anywhere\n",
            "tests/test_names.py": "value = undefined_name\n",
            "tests/test_fine.py": "def test_ok():\n    pass\n",
        },
    )
    status, records = record_run(root, "tests")
    errors = {r["nodeid"]: r["message"] for r in records if r["event"] == "collect_error"}
    assert errors == {
        "tests/test_imports.py": "ModuleNotFoundError: No module named 'no_such_module_anywhere'",
        "tests/test_names.py": "NameError: name 'undefined_name' is not defined",
        "tests/test_syntax.py": "SyntaxError: invalid syntax (tests/test_syntax.py, line 1)",
    }
    assert all(r["longrepr"] for r in records if r["event"] == "collect_error")
    # What each raised, from the exception itself (RunFailure's values), not from its text.
    failures = {r["nodeid"]: r["failure"] for r in records if r["event"] == "collect_error"}
    assert failures == {
        "tests/test_imports.py": "import error",
        "tests/test_names.py": "import error",
        "tests/test_syntax.py": "syntax error",
    }
    assert not [r for r in records if r["event"] == "test"]  # pytest stops before running
    assert status == 2


def test_json_lines_sink_flushes_every_record(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    sink = JsonLinesSink(path)
    try:
        sink(Start("t::a"))
        assert read_records(path) == [Start("t::a")]  # before close
        sink(Finish(0))
    finally:
        sink.close()
    with path.open("a") as file:
        file.write('{"event": "test", "nodeid": "t::b", "outc')  # a line cut short by a kill
    assert read_records(path) == [Start("t::a"), Finish(0)]
    assert read_records(tmp_path / "missing.jsonl") == []


# --- first-catch mode (breakit.engine.order): stop at the first catch, killer-first order ------

FIRST_CATCH = """
import unittest

import pytest


def test_passes_first():
    pass


class Buckets(unittest.TestCase):
    def test_one_subtest_fails(self):
        for x in (0, 1, 2):
            with self.subTest(x=x):
                self.assertNotEqual(x, 1)


def test_passes_after():
    pass


def test_missing_fixture(client):
    pass


def test_fails_last():
    assert False
"""


def first_catch_run(
    root: Path, *, order: list[str] | None = None
) -> tuple[int, list[dict[str, Any]]]:
    records: list[dict[str, Any]] = []
    modules = set(sys.modules)
    try:
        status = pytest.main(
            [
                f"--rootdir={root}",
                *("-p", "no:cacheprovider", "-p", "no:randomly", "-q"),
                *("--import-mode=importlib", str(root / "tests")),
            ],
            plugins=[
                RecorderPlugin(
                    lambda r: records.append(record_to_json(r)), order=order, first_catch=True
                )
            ],
        )
    finally:
        for name in set(sys.modules) - modules:
            del sys.modules[name]
    return int(status), records


def started(records: list[dict[str, Any]]) -> list[str]:
    return [r["nodeid"].rpartition("::")[2] for r in records if r["event"] == "start"]


def test_first_catch_stops_after_a_failing_subtest(tmp_path: Path) -> None:
    root = tiny_project(tmp_path, {"tests/test_fc.py": FIRST_CATCH})
    status, records = first_catch_run(root)
    # A failing subtest is a catch (judge_phases): the session stops after its test, exit 1.
    assert started(records) == ["test_passes_first", "test_one_subtest_fails"]
    assert records_by_name(records)["test_one_subtest_fails"]["outcome"] == "caught"
    assert status == 1
    finish = next(r for r in records if r["event"] == "finish")
    assert finish["exitstatus"] == 1


def test_first_catch_runs_the_ordered_tests_first_and_stops_at_a_setup_error(
    tmp_path: Path,
) -> None:
    root = tiny_project(tmp_path, {"tests/test_fc.py": FIRST_CATCH})
    ids = [f"tests/test_fc.py::{name}" for name in ("test_passes_after", "test_missing_fixture")]
    status, records = first_catch_run(root, order=ids)
    # The named tests first, in that order; the missing fixture (errored) stops the run.
    assert started(records) == ["test_passes_after", "test_missing_fixture"]
    assert records_by_name(records)["test_missing_fixture"]["outcome"] == "errored"
    collected = next(r for r in records if r["event"] == "collected")["nodeids"]
    assert [n.rpartition("::")[2] for n in collected] == [
        "test_passes_after",
        "test_missing_fixture",
        "test_passes_first",
        "test_one_subtest_fails",
        "test_fails_last",
    ]
    assert status == 1
