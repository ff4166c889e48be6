"""Reading why a test caught a breakage, scoring predictions, finding answers, tracing HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from breakit.core.errors import UsageError
from breakit.core.model import (
    FileEdit,
    Mutant,
    MutantResult,
    Mutation,
    Outcome,
    TestOutcome,
    Verdict,
)
from breakit.learner.exercise_progress import ExerciseState, exercise_state, progress_line
from breakit.learner.explain import answer_for, sections
from breakit.learner.http_trace import read_trace
from breakit.learner.predict import choices, parse_answer, score
from breakit.learner.why import CatchKind, explain_outcome, parse_longrepr

REPO = Path(__file__).resolve().parents[2]
TESTS = [
    "tests/test_a.py::test_one[x]",
    "tests/test_a.py::test_one[y]",
    "tests/test_a.py::test_two",
    "tests/test_b.py::test_three",
]


def run_pytest(folder: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            *args,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("style", ["native", "long"])
def test_parse_longrepr_finds_the_tests_line_and_the_values(tmp_path: Path, style: str) -> None:
    (tmp_path / "test_x.py").write_text(
        textwrap.dedent("""
            class Response:
                status_code = 200

            def test_status():
                response = Response()
                assert response.status_code == 404
        """)
    )
    output = run_pytest(tmp_path, f"--tb={style}")
    text = output.split("test_status ___", 1)[1].split("short test summary")[0].rstrip("= \n")
    line, details, raised = parse_longrepr(text, "test_x.py::test_status")
    assert line == "assert response.status_code == 404"
    assert details[0] == "assert 200 == 404"
    assert raised == "AssertionError"


def test_a_crash_is_not_an_assertion_and_a_500_is_labelled() -> None:
    crash = TestOutcome(
        "t.py::test_c",
        Outcome.CAUGHT,
        message="ValueError: boom",
        longrepr='Traceback (most recent call last):\n  File "/x/t.py", line 3, in test_c\n'
        "    client.post('/todos')\nValueError: boom\n",
    )
    why = explain_outcome(crash, [{"method": "POST", "path": "/todos", "status": None}])
    assert why.kind is CatchKind.CRASH
    assert why.line == "client.post('/todos')"
    assert str(why.last_request) == "POST /todos → raised inside the app"
    on_500 = TestOutcome(
        "t.py::test_s",
        Outcome.CAUGHT,
        message="assert 500 == 201",
        longrepr='Traceback (most recent call last):\n  File "/x/t.py", line 3, in test_s\n'
        "    assert r.status_code == 201\nAssertionError: assert 500 == 201\n",
    )
    assert explain_outcome(on_500, [{"method": "POST", "path": "/t", "status": 500}]).kind is (
        CatchKind.SERVER_ERROR
    )
    assert explain_outcome(on_500, [{"method": "POST", "path": "/t", "status": 200}]).kind is (
        CatchKind.ASSERTION
    )
    errored = TestOutcome("t.py::test_e", Outcome.ERRORED, message="fixture 'client' not found")
    assert explain_outcome(errored).kind is CatchKind.ERRORED


def test_answers_by_number_name_or_node_id_and_scores_by_function() -> None:
    options = choices(TESTS)
    assert options == [
        "tests/test_a.py::test_one",
        "tests/test_a.py::test_two",
        "tests/test_b.py::test_three",
    ]
    assert parse_answer("1, test_three", options) == {options[0], options[2]}
    assert parse_answer("tests/test_a.py::test_two", options) == {options[1]}
    assert parse_answer("none", options) == frozenset()
    with pytest.raises(UsageError, match="not a test"):
        parse_answer("test_nope", options)
    with pytest.raises(UsageError, match="1 to 3"):
        parse_answer("7", options)
    mutant = Mutant(id="m", origin="mutation", title="m", changes={}, originals={})
    result = MutantResult(
        mutant=mutant,
        verdict=Verdict.KILLED,
        tests={
            TESTS[0]: TestOutcome(TESTS[0], Outcome.MISSED),
            TESTS[1]: TestOutcome(TESTS[1], Outcome.CAUGHT),
            TESTS[2]: TestOutcome(TESTS[2], Outcome.ERRORED),
            TESTS[3]: TestOutcome(TESTS[3], Outcome.MISSED),
        },
    )
    scored = score({options[0], options[2]}, result)
    assert scored.right == (options[0],)
    assert scored.missed == (options[1],)
    assert scored.wrong == (options[2],)
    assert not scored.exact
    assert score({options[0], options[1]}, result).exact


def test_exercise_states_and_the_progress_line() -> None:
    assert exercise_state(None) is ExerciseState.NOT_TRIED
    assert exercise_state({"verdict": "Survived"}) is ExerciseState.SURVIVED
    assert exercise_state({"verdict": "Killed"}) is ExerciseState.CAUGHT
    right = {"verdict": "Killed", "prediction": {"exact": True}}
    assert exercise_state(right) is ExerciseState.PREDICTED_RIGHT
    assert exercise_state(right, written=True) is ExerciseState.WRITTEN
    assert exercise_state(right, written=True, restored=True) is ExerciseState.FIXED
    line = progress_line([ExerciseState.NOT_TRIED, ExerciseState.PREDICTED_RIGHT])
    assert line == "[##########----------] 1/2 tried · 1 predicted right"


def test_the_answer_is_the_section_of_the_closest_question(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "exercise.md").write_text(
        "# Ex\n\n## Explain it\n\n### Why a fresh app?\n\nShared state: see `drop`.\n\n"
        "### Why test errors?\n\nError paths break silently.\n\n## After\n\nnot an answer\n"
    )
    assert [s.heading for s in sections((tmp_path / "docs" / "exercise.md").read_text())] == [
        "Why a fresh app?",
        "Why test errors?",
    ]

    def mutation(mutation_id: str, explain: str | None) -> Mutation:
        return Mutation(mutation_id, "t", "q", (), (FileEdit("a.py", None),), explain=explain)

    found = answer_for(mutation("x", "Why test errors (404)? Because."), tmp_path)
    assert found is not None and found.body == "Error paths break silently."
    named = answer_for(mutation("drop", None), tmp_path)
    assert named is not None and named.heading == "Why a fresh app?"
    assert answer_for(mutation("other", None), tmp_path) is None


@pytest.mark.slow
def test_http_trace_records_each_tests_testclient_requests(tmp_path: Path) -> None:
    (tmp_path / "test_api.py").write_text(
        textwrap.dedent("""
            from fastapi import FastAPI
            from fastapi.testclient import TestClient

            app = FastAPI()

            @app.get("/items/{item_id}")
            def item(item_id: int):
                if item_id == 0:
                    raise RuntimeError("boom")
                return {"id": item_id}

            def test_two_requests():
                client = TestClient(app)
                client.get("/items/1")
                assert client.get("/items/7?x=1").status_code == 404

            def test_crash():
                TestClient(app).get("/items/0")

            def test_no_http():
                assert True
        """)
    )
    trace = tmp_path / "trace.jsonl"
    run_pytest(
        tmp_path,
        "-p",
        "breakit.learner.http_trace",
        "-W",
        "ignore::DeprecationWarning",
        env={"BREAKIT_HTTP_TRACE": str(trace)},
    )
    found = read_trace(trace)
    assert found["test_api.py::test_two_requests"] == [
        {"method": "GET", "path": "/items/1", "status": 200},
        {"method": "GET", "path": "/items/7?x=1", "status": 200},
    ]
    assert found["test_api.py::test_crash"][0]["path"] == "/items/0"
    assert found["test_api.py::test_crash"][0]["status"] in (None, 500)
    assert found["test_api.py::test_no_http"] == []


def test_a_multi_line_exception_is_read_from_its_first_line() -> None:
    # SQLAlchemy's errors go on for lines after the exception's own, all unindented.
    longrepr = textwrap.dedent(
        """\
        Traceback (most recent call last):
          File "/w/tests/integration/test_todos.py", line 30, in test_create_todo_returns_id
            second = client.post("/todos", json={"title": "Second"})
          File "/venv/sqlalchemy/engine/default.py", line 951, in do_execute
            cursor.execute(statement, parameters)
        sqlite3.IntegrityError: UNIQUE constraint failed: todos.id

        The above exception was the direct cause of the following exception:

        Traceback (most recent call last):
          File "/w/tests/integration/test_todos.py", line 30, in test_create_todo_returns_id
            second = client.post("/todos", json={"title": "Second"})
          File "/venv/sqlalchemy/engine/default.py", line 951, in do_execute
            cursor.execute(statement, parameters)
        sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: todos.id
        [SQL: INSERT INTO todos (id, title, done) VALUES (?, ?, ?)]
        [parameters: (1, 'Second', 0)]
        (Background on this error at: https://sqlalche.me/e/21/gkpj)
        """
    )
    line, details, raised = parse_longrepr(
        longrepr, "tests/integration/test_todos.py::test_create_todo_returns_id"
    )
    assert line == 'second = client.post("/todos", json={"title": "Second"})'
    assert raised == "IntegrityError"
    assert details[0] == (
        "sqlalchemy.exc.IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: todos.id"
    )
