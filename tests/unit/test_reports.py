"""The report renderers, on a hand-built KillMatrix over a small project written to tmp_path."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import report_fixtures as fx
from rich.console import Console

from breakit.core.model import KillMatrix, MutantResult, Outcome, Verdict
from breakit.core.model import TestOutcome as Run  # not "Test…": pytest would try to collect it
from breakit.core.outcome_codec import order_from_index, outcomes_from_index
from breakit.core.ranges import format_ranges, parse_ranges
from breakit.reports import (
    github_annotations,
    mutation_testing_report,
    render_html,
    render_junit,
)
from breakit.reports.breakit_json import MESSAGE_CHARS, matrix_document
from breakit.reports.check_view import summary_line
from breakit.reports.github import escape_data, escape_property
from breakit.reports.progress_view import (
    ETA_MIN_RAN,
    ETA_MIN_S,
    Pace,
    ProgressLines,
    RateColumn,
    progress_bar,
    rate_and_left,
)
from breakit.reports.terminal import grouped_names

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = "mutation-testing-report-schema/dist/src/mutation-testing-report-schema.json"


# Where the schema is not at hand (a fresh clone without .ci/node or $BREAKIT_REPORT_SCHEMA), the
# fixture fetches it with npm, a process: the tests that take it are in the slow tier.
SCHEMA_SLOW = pytest.mark.slow


@pytest.fixture(scope="module")
def schema() -> dict:
    """Stryker's published schema: from $BREAKIT_REPORT_SCHEMA, .ci/node, or fetched from npm."""
    env = os.environ.get("BREAKIT_REPORT_SCHEMA")
    path = Path(env) if env else REPO / ".ci/node/node_modules" / SCHEMA_FILE
    if not path.is_file():
        fetched = subprocess.run(
            [str(REPO / ".ci/fetch-report-schema")],
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        path = Path(fetched.stdout.strip().splitlines()[-1])
    loaded = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(loaded)
    return loaded


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return fx.write_todo_project(tmp_path / "project")


@pytest.fixture
def matrix() -> KillMatrix:
    return fx.build_matrix()


def _validate(report: dict, schema: dict) -> None:
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(report), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _mutants_by_id(report: dict) -> dict[str, tuple[str, dict]]:
    return {m["id"]: (path, m) for path, entry in report["files"].items() for m in entry["mutants"]}


# --- mutation-testing-report-schema -----------------------------------------------------------


@SCHEMA_SLOW
def test_report_validates_against_the_published_schema(project, matrix, schema):
    report = mutation_testing_report(
        matrix, fx.build_baseline(), project, thresholds=(90, 70), version="9.9.9"
    )
    _validate(report, schema)
    # Round-trips through JSON text too (no tuples, paths or other non-JSON values).
    _validate(json.loads(json.dumps(report)), schema)
    assert report["schemaVersion"] == "2"
    assert report["thresholds"] == {"high": 90, "low": 70}
    assert report["framework"] == {"name": "breakit", "version": "9.9.9"}
    assert report["projectRoot"] == str(project.resolve())
    assert report["performance"] == {"setup": 0, "initialRun": 1250, "mutation": 10980}


@SCHEMA_SLOW
def test_a_broken_report_fails_validation(project, matrix, schema):
    """The schema check can fail: a status the schema does not know is refused."""
    report = mutation_testing_report(matrix, None, project, version="0")
    next(iter(report["files"].values()))["mutants"][0]["status"] = "Caught"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema)


def test_report_content_matches_the_matrix(project, matrix):
    report = mutation_testing_report(matrix, None, project, version="0")
    mutants = _mutants_by_id(report)
    assert set(mutants) == {r.mutant.id for r in matrix.results}

    path, killed = mutants[fx.ID_KILLED]
    assert path == "app/todos.py"
    assert killed["status"] == "Killed"
    assert killed["killedBy"] == [fx.T_CREATE, fx.T_SECOND]
    assert killed["coveredBy"] == [
        fx.T_CREATE,
        fx.T_SECOND,
        fx.T_TOO_LONG,
        fx.T_ROUNDTRIP,
        fx.T_STATUS,
    ]
    assert killed["testsCompleted"] == 5
    assert "assert 0 == 1" in killed["statusReason"]
    assert "assert 1 == 2" in killed["statusReason"]
    assert killed["mutatorName"] == "arithmetic"
    assert killed["replacement"] == "len(store)"
    assert killed["description"] == "len(store) + 1 → len(store)"
    assert killed["duration"] == 420

    statuses = {mid: m["status"] for mid, (_, m) in mutants.items()}
    assert statuses == {
        fx.ID_KILLED: "Killed",
        fx.ID_SURVIVED: "Survived",
        fx.ID_TIMEOUT: "Timeout",
        fx.ID_COMPILE: "CompileError",
        fx.ID_NO_COVERAGE: "NoCoverage",
        fx.ID_DROP_CONFTEST: "Survived",
    }
    assert mutants[fx.ID_NO_COVERAGE][1]["coveredBy"] == []
    assert mutants[fx.ID_SURVIVED][1]["killedBy"] == []
    assert "10.0s" in mutants[fx.ID_TIMEOUT][1]["statusReason"]
    assert mutants[fx.ID_COMPILE][1]["statusReason"].startswith("SyntaxError")

    # The source is the real file text, read from the project root.
    assert report["files"]["app/todos.py"]["source"] == (project / "app/todos.py").read_text()
    assert report["files"]["app/todos.py"]["language"] == "python"


def test_locations_are_one_based_with_an_exclusive_end(project, matrix):
    report = mutation_testing_report(matrix, None, project, version="0")
    mutants = _mutants_by_id(report)
    source_lines = fx.SOURCE.splitlines()
    _, survived = mutants[fx.ID_SURVIVED]
    start, end = survived["location"]["start"], survived["location"]["end"]
    line = source_lines[start["line"] - 1]
    # Slicing the source with the reported columns gives back exactly the replaced text.
    assert line[start["column"] - 1 : end["column"] - 1] == "201"
    assert start["line"] == end["line"] == 15


def test_curated_mutants_without_location_sit_at_line_one_of_their_first_file(project, matrix):
    report = mutation_testing_report(matrix, None, project, version="0")
    mutants = _mutants_by_id(report)
    path, timeout = mutants[fx.ID_TIMEOUT]
    assert path == "app/todos.py"
    assert timeout["mutatorName"] == "slow_create"
    assert timeout["location"]["start"] == {"line": 1, "column": 1}
    assert "replacement" not in timeout
    # The conftest deletion touches only a test file: it is reported under that file.
    path, dropped = mutants[fx.ID_DROP_CONFTEST]
    assert path == "tests/conftest.py"
    assert report["files"][path]["source"] == fx.CONFTEST
    assert dropped["statusReason"] == "no test failed: 1 of the 5 tests that ran passed"
    assert dropped["coveredBy"] == [
        fx.T_CREATE,
        fx.T_SECOND,
        fx.T_TOO_LONG,
        fx.T_ROUNDTRIP,
        fx.T_STATUS,
    ]


@SCHEMA_SLOW
def test_deleted_file_missing_from_root_falls_back_to_the_mutant_originals(project, matrix, schema):
    (project / "tests/conftest.py").unlink()
    report = mutation_testing_report(matrix, None, project, version="0")
    assert report["files"]["tests/conftest.py"]["source"] == fx.CONFTEST
    _validate(report, schema)


def test_test_files_name_each_test_and_where_it_is_defined(project, matrix):
    report = mutation_testing_report(matrix, fx.build_baseline(), project, version="0")
    test_files = report["testFiles"]
    assert set(test_files) == {"tests/test_todos.py", "tests/test_users.py"}
    tests = {t["id"]: t for t in test_files["tests/test_todos.py"]["tests"]}
    assert tests[fx.T_ROUNDTRIP]["name"] == f"test_title_roundtrip[{fx.XSS}]"
    lines = fx.TEST_TODOS.splitlines()
    for nodeid, needle in [
        (fx.T_CREATE, "def test_create("),
        (fx.T_ROUNDTRIP, "def test_title_roundtrip("),
        (fx.T_STATUS, "    def test_created("),
    ]:
        start = tests[nodeid]["location"]["start"]
        assert lines[start["line"] - 1][start["column"] - 1 :].startswith(needle.strip())
    assert tests[fx.T_STATUS]["name"] == "TestStatus::test_created"
    # Every id in killedBy/coveredBy is a declared test, so viewers can link them.
    declared = {t["id"] for f in test_files.values() for t in f["tests"]}
    for _, mutant in _mutants_by_id(report).values():
        assert set(mutant["killedBy"]) | set(mutant["coveredBy"]) <= declared


# --- HTML -------------------------------------------------------------------------------------


def test_html_escapes_test_names_and_source_strings(project, matrix):
    page = render_html(matrix, fx.build_baseline(), project)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # The only script element is breakit's own inline one.
    assert page.count("<script>") == 1


def test_html_is_self_contained(project, matrix):
    page = render_html(matrix, None, project)
    assert page.startswith("<!doctype html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert "<link" not in page


def test_html_shows_score_summary_matrix_and_why(project, matrix):
    page = render_html(matrix, fx.build_baseline(), project)
    score = matrix.score()
    assert score is not None
    assert f"{score:.1f}%" in page  # 2 detected of 5 valid: 40.0%
    assert "40.0%" in page
    rows = re.findall(r'<tr data-verdict="(\w+)"', page)
    assert rows == [r.verdict.value for r in matrix.results]
    # Each row has one cell per test, classed by outcome, in column order.
    killed_row = re.search(r'<tr data-verdict="Killed".*?</tr>', page, re.S).group()
    assert re.findall(r'<td class="([cemn])"', killed_row) == ["c", "c", "m", "m", "m", "n"]
    dropped_row = page.split('<tr data-verdict="Survived"')[2].split("</tr>")[0]
    assert re.findall(r'<td class="([cemn])"', dropped_row) == ["e", "e", "e", "e", "m", "n"]
    # The hover text of a caught cell carries the test and its failure line.
    assert f'title="{fx.T_CREATE}\ncaught (the test failed): assert 0 == 1"' in page
    # Column headers are numbers with the node id in the tooltip, and a legend names them.
    assert '<th class="t" title="tests/test_users.py::test_users_are_separate">6</th>' in page
    assert "<li><code>tests/test_todos.py::test_second_id</code></li>" in page
    # Why it was caught: both tests and their messages, in the mutant's section.
    sections = page.split('<details class="mutant"')[1:]
    assert len(sections) == len(matrix.results)
    section = sections[0]
    assert "Caught by 2 of the 5 tests that ran" in section
    assert "assert 1 == 2" in section
    assert '<span class="add">' in section and '<span class="del">' in section
    # Errored tests are not counted as passing: the conftest deletion errored four of five.
    dropped = sections[5]
    assert "1 of the 5 tests that ran passed" in dropped
    assert "Errored (could not run, not a failure)" in dropped
    assert dropped.count("fixture &#x27;store&#x27; not found") == 4
    assert "+    todo = {&quot;id&quot;: len(store), " in section


def test_html_scales_to_200_mutants_by_60_tests(project):
    base = fx.build_matrix().results[0]
    tests = tuple(f"tests/test_big.py::test_case_{i:02d}" for i in range(60))
    results = []
    for n in range(220):
        outcomes = {
            t: Run(
                t,
                Outcome.CAUGHT if (n + i) % 17 == 0 else Outcome.MISSED,
                "assert False" if (n + i) % 17 == 0 else None,
            )
            for i, t in enumerate(tests)
        }
        assert any(o.outcome is Outcome.CAUGHT for o in outcomes.values())
        mutant = replace(base.mutant, id=f"m{n:03d}")
        results.append(MutantResult(mutant, Verdict.KILLED, outcomes))
    page = render_html(KillMatrix(tests=tests, results=tuple(results)), None, project)
    assert page.count("<tr data-verdict=") == 220
    assert page.count('<th class="t"') == 60
    assert len(page) < 1_500_000, len(page)


# --- JUnit XML --------------------------------------------------------------------------------


def test_junit_one_testcase_per_mutant_with_right_counts(matrix):
    root = ET.fromstring(render_junit(matrix))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "breakit"
    cases = suite.findall("testcase")
    assert len(cases) == len(matrix.results) == int(suite.get("tests"))
    assert suite.get("failures") == "3"  # two survivors and one NoCoverage
    assert suite.get("errors") == "2"  # the Timeout and the CompileError
    assert suite.get("skipped") == "0"
    by_name = {c.get("name"): c for c in cases}

    killed = by_name[f"{fx.ID_KILLED}: len(store) + 1 → len(store)"]
    assert killed.get("classname") == "breakit.arithmetic"
    assert killed.find("failure") is None and killed.find("error") is None
    out = killed.find("system-out").text
    assert fx.T_CREATE in out and "assert 1 == 2" in out

    survived = by_name[f"{fx.ID_SURVIVED}: 201 → 200"]
    failure = survived.find("failure")
    assert failure.get("type") == "Survived"
    assert "covered by 5 tests" in failure.get("message")
    assert "-    return 201 if created else 200" in failure.text

    nocov = next(c for c in cases if c.get("name").startswith(fx.ID_NO_COVERAGE))
    assert nocov.find("failure").get("type") == "NoCoverage"
    assert fx.XSS in nocov.get("name")  # escaped in the XML, back as text once parsed

    timeout = next(c for c in cases if c.get("name").startswith(fx.ID_TIMEOUT))
    assert timeout.get("classname") == "breakit.mutation"
    assert timeout.find("error").get("type") == "Timeout"
    assert "10.0s" in timeout.find("error").get("message")


def test_junit_stays_valid_xml_with_control_characters_and_cdata_ends(matrix):
    nasty = "boom \x1b[31mred\x1b[0m ]]> \x00 end <b>&amp;"
    results = list(matrix.results)
    timeout = next(i for i, r in enumerate(results) if r.verdict is Verdict.TIMEOUT)
    results[timeout] = replace(results[timeout], error=nasty)
    results[0] = replace(results[0], mutant=replace(results[0].mutant, title="a ]]> b\x07"))
    text = render_junit(replace(matrix, results=tuple(results)))
    root = ET.fromstring(text)  # raises on invalid XML
    error = next(c for c in root.iter("testcase") if c.find("error") is not None).find("error")
    assert "]]>" in error.get("message") and "<b>&amp;" in error.get("message")
    assert "\\x1b[31mred" in error.get("message")
    assert "\x00" not in text and "\x1b" not in text


# --- GitHub annotations -----------------------------------------------------------------------


def test_github_annotations_one_error_line_per_survivor(matrix):
    lines = github_annotations(matrix)
    assert len(lines) == len(matrix.survivors) == 2
    assert lines[0] == (
        "::error file=app/todos.py,line=15,endLine=15,"
        "title=breakit status_code@app/todos.py%3A15::201 → 200 survived (covered by 5 tests)"
    )
    # The conftest deletion has no location: line 1 of the file it deletes.
    assert lines[1].startswith("::error file=tests/conftest.py,line=1,endLine=1,")
    assert lines[1].endswith(f"::conftest.py deleted {fx.XSS} survived (covered by 5 tests)")


def test_github_escaping_follows_the_workflow_command_rules():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"
    matrix = fx.build_matrix()
    survivor = matrix.survivors[0]
    tricky = replace(survivor.mutant, title="50% of\nlines", id="x,y:z")
    line = github_annotations(replace(matrix, results=(replace(survivor, mutant=tricky),)))[0]
    assert line.count("\n") == 0
    assert "title=breakit x%2Cy%3Az::" in line
    assert line.endswith("::50%25 of%0Alines survived (covered by 5 tests)")


# --- breakit's own JSON (docs/json.md, version 2) ---------------------------------------------


def test_index_ranges_round_trip():
    assert format_ranges([]) == ""
    assert format_ranges([3, 0, 1, 2, 7, 9, 10]) == "0-3,7,9-10"
    for indices in ([], [5], [0, 1, 2, 3], [0, 2, 4, 6], list(range(475))):
        assert parse_ranges(format_ranges(indices)) == indices


def test_document_round_trips_every_outcome_and_message(matrix):
    baseline = fx.build_baseline()
    document = json.loads(json.dumps(matrix_document(matrix, baseline)))
    assert document["version"] == 2
    killed = next(m for m in document["mutants"] if m["id"] == fx.ID_KILLED)
    assert killed["tests"] == {
        "ran": "0-4",
        "caught": [
            {"test": 0, "message": "assert 0 == 1"},
            {"test": 1, "message": "assert 1 == 2"},
        ],
        "errored": [],
    }
    assert killed["order"] is None  # ran in baseline order
    for result, entry in zip(matrix.results, document["mutants"], strict=True):
        outcomes = outcomes_from_index(entry, document["baseline"]["tests"])
        for nodeid in fx.TESTS:
            assert outcomes[nodeid].outcome is matrix.outcome(result.mutant.id, nodeid)
            expected = result.tests.get(nodeid)
            if expected is not None and expected.outcome in (Outcome.CAUGHT, Outcome.ERRORED):
                assert outcomes[nodeid].message == expected.message
        ran = [n for n in result.order if result.tests[n].outcome is not Outcome.NOT_RUN]
        assert list(order_from_index(entry, document["baseline"]["tests"])) == ran


def test_document_keeps_an_unusual_order_tests_outside_the_baseline_and_long_messages(matrix):
    baseline = fx.build_baseline()
    base = matrix.results[0]
    long_message = "assert " + "x" * 1000
    tests = {
        **base.tests,
        fx.T_CREATE: Run(fx.T_CREATE, Outcome.CAUGHT, long_message),
        "tests/test_new.py::test_added": Run("tests/test_new.py::test_added", Outcome.MISSED),
    }
    order = (fx.T_STATUS, fx.T_CREATE, "tests/test_new.py::test_added")
    result = replace(base, tests=tests, order=order)
    ignored = MutantResult(replace(base.mutant, id="eq"), Verdict.IGNORED, {}, error="same")
    document = matrix_document(KillMatrix(fx.TESTS, (result, ignored)), baseline)
    entry, ignored_entry = document["mutants"]
    assert entry["order"] == [4, 0, "tests/test_new.py::test_added"]
    assert entry["tests"]["other"] == {
        "tests/test_new.py::test_added": {"outcome": "missed", "message": None}
    }
    message = entry["tests"]["caught"][0]["message"]
    assert len(message) == MESSAGE_CHARS and message.endswith("…")
    outcomes = outcomes_from_index(entry, fx.TESTS)
    assert outcomes["tests/test_new.py::test_added"].outcome is Outcome.MISSED
    assert order_from_index(entry, fx.TESTS) == order
    assert outcomes_from_index(ignored_entry, fx.TESTS) == {}


def test_document_size_does_not_grow_with_the_tests_that_passed(matrix):
    """Per mutant, 200 more passing tests cost a few bytes of `ran`, not 200 entries."""
    base = matrix.results[0]

    def size(passing: int) -> int:
        tests = (fx.T_CREATE, *(f"tests/test_big.py::test_{i}" for i in range(passing)))
        outcomes = {fx.T_CREATE: Run(fx.T_CREATE, Outcome.CAUGHT, "assert 0 == 1")}
        outcomes.update({t: Run(t, Outcome.MISSED, duration_s=0.01) for t in tests[1:]})
        results = tuple(
            replace(base, mutant=replace(base.mutant, id=f"m{n}"), tests=outcomes, order=tests)
            for n in range(30)
        )
        run = replace(fx.build_baseline().run, order=tests)
        baseline = replace(fx.build_baseline(), tests=tests, run=run)
        document = matrix_document(KillMatrix(tests, results), baseline)
        return sum(len(json.dumps(entry, indent=2)) for entry in document["mutants"])

    assert size(200) - size(0) < 30 * 10


# --- the terminal -----------------------------------------------------------------------------


def test_grouped_names_stay_short_and_say_how_many_are_left_out():
    tests = [f"tests/test_a.py::test_{i}" for i in range(300)]
    tests += [f"tests/test_b.py::test_p[{i}]" for i in range(5)]
    short = grouped_names(tests, tests, limit=240)
    assert len(short) < 300
    assert short.startswith("test_a.py: test_0, test_1,")
    shown = short.count("test_")
    assert short.endswith(f"… {305 - shown + 1} more (-v lists them)")  # +1: "test_a.py"
    assert (
        grouped_names(tests[-7:], tests, limit=240)
        == "test_a.py: test_298, test_299; test_b.py: test_p ×5"
    )
    assert "more" not in grouped_names(tests, tests)


def test_progress_lines_on_a_pipe_every_5_percent_or_10_seconds(matrix):
    out = io.StringIO()
    console = Console(file=out, width=100_000, no_color=True)
    now = [0.0]
    lines = ProgressLines(console, 200, clock=lambda: now[0])
    survived = next(r for r in matrix.results if r.verdict is Verdict.SURVIVED)
    killed = matrix.results[0]
    for n in range(1, 201):
        now[0] = n * 0.5 if n < 150 else 75 + (n - 149) * 12  # then slow mutants: 12 s each
        lines(survived if n == 3 else killed)
    text = out.getvalue().splitlines()
    # Not yet 5 s since the first mutant: no rate, no time left.
    assert text[0] == "breakit: 10/200 mutants (1 Survived)"
    assert text[1] == "breakit: 20/200 mutants (1 Survived), 2.0/s, ~1 min 30 s left"
    assert text[-1].startswith("breakit: 200/200 mutants (1 Survived), done in 11 min")
    # 20 lines at the 5 % steps, and one for each slow mutant after 150 (10 s apart or more).
    assert len(text) == 20 + len(range(151, 200)) - len(range(160, 200, 10))
    assert all(line.startswith("breakit: ") and "\\r" not in line for line in text)


def test_progress_counts_what_the_summary_line_counts(matrix):
    # NoCoverage is not caught, but it is not Survived either: both lines name each verdict.
    out = io.StringIO()
    console = Console(file=out, width=100_000, no_color=True)
    lines = ProgressLines(console, len(matrix.results))
    for result in matrix.results:
        lines(result)
    last = out.getvalue().splitlines()[-1]
    counts = re.fullmatch(r"breakit: \d+/\d+ mutants \((.*)\), done in .*", last)
    assert counts is not None, last
    assert counts[1] == "2 Survived, 1 NoCoverage"
    for part in counts[1].split(", "):
        assert part in summary_line(matrix)


def test_progress_rate_and_time_left_count_only_the_mutants_that_ran(matrix):
    # 50 results reused from .breakit/ arrive at once; then one mutant a second.
    out = io.StringIO()
    console = Console(file=out, width=100_000, no_color=True)
    now = [0.0]
    lines = ProgressLines(console, 100, clock=lambda: now[0])
    reused = replace(matrix.results[0], cached=True)
    for _ in range(50):
        lines(reused)
    for n in range(1, 11):
        now[0] = float(n)
        lines(matrix.results[0])
    assert out.getvalue().splitlines()[-1] == "breakit: 60/100 mutants, 1.0/s, ~40 s left"


def test_the_time_left_waits_for_enough_mutants_and_seconds_after_the_first(matrix):
    # 40 s of set-up (the sanity run, the workers starting) before the first result, then one
    # mutant every 2 s, and a burst of NoCoverage verdicts that ran no test.
    killed = matrix.results[0]
    uncovered = next(r for r in matrix.results if r.verdict is Verdict.NO_COVERAGE)
    pace = Pace()
    pace.add(killed, 40.0)
    for _ in range(10):
        pace.add(uncovered, 40.0)  # instant: not in the rate
    assert pace.estimate(237, 40.0) == (None, 0.0)
    for n in range(1, 5):
        pace.add(killed, 40.0 + 2 * n)
        assert pace.estimate(237 - n, 40.0 + 2 * n) == (None, 0.0)  # fewer than 5 after it
    pace.add(killed, 50.0)
    rate, left = pace.estimate(232, 50.0)
    assert rate == pytest.approx(0.5) and left == pytest.approx(464.0)  # not ~2 h 48 min
    # Counted from the start, the first estimate would have been 40 s a mutant: never shown.
    assert rate_and_left(1, 247, 40.0) == (None, 0.0)
    # Enough mutants but not yet ETA_MIN_S seconds: still nothing.
    assert rate_and_left(ETA_MIN_RAN + 20, 100, ETA_MIN_S - 0.1) == (None, 0.0)
    assert rate_and_left(ETA_MIN_RAN, 100, ETA_MIN_S) == (1.0, 100.0)


def test_progress_bar_shows_mutants_per_second_and_time_left():
    out = io.StringIO()
    console = Console(file=out, width=200, no_color=True, force_terminal=True)
    now = [0.0]
    bar = progress_bar(console)
    bar.get_time = lambda: now[0]  # type: ignore[method-assign]
    task = bar.add_task("mutants", total=100, ran=0)
    bar.start_task(task)
    column = RateColumn()
    column.max_refresh = None  # render at every call, not twice a second
    now[0] = 20.0
    bar.update(task, advance=21, ran=1)  # 20 reused at once, then the first that ran, at 20 s
    assert str(column(bar.tasks[0])) == ""  # the set-up time before it is not a rate
    now[0] = 40.0
    bar.update(task, advance=10, ran=11)  # 10 more in the next 20 s
    assert str(column(bar.tasks[0])) == "0.5/s  ~2 min 18 s left"


@SCHEMA_SLOW
def test_mutants_max_time_left_unchecked_are_pending_in_the_schema_report(project, matrix, schema):
    from dataclasses import replace

    left = matrix.results[0].mutant
    partial = replace(matrix, results=matrix.results[1:], unchecked=(left,))
    report = mutation_testing_report(partial, None, project, version="0")
    _validate(report, schema)
    _path, entry = _mutants_by_id(report)[left.id]
    assert (entry["status"], entry["statusReason"]) == (
        "Pending",
        "unchecked: --max-time was spent before it ran",
    )
