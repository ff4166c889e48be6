"""A small project on disk and a hand-built KillMatrix over it, for the report tests."""

from __future__ import annotations

from pathlib import Path

import libcst as cst

from breakit.core.model import (
    Baseline,
    FileEdit,
    KillMatrix,
    Location,
    Mutant,
    MutantResult,
    Mutation,
    Outcome,
    SuiteRun,
    TestOutcome,
    Verdict,
)
from tests.project_files import write_project

XSS = "<script>alert(1)</script>"

SOURCE = f'''"""A tiny todo store."""

MAX_TITLE = 200


def create(store: dict, title: str) -> dict:
    if len(title) > MAX_TITLE:
        raise ValueError("title too long")
    todo = {{"id": len(store) + 1, "title": title, "done": False}}
    store[todo["id"]] = todo
    return todo


def status_for(created: bool) -> int:
    return 201 if created else 200


def banner() -> str:
    return "{XSS}"
'''

CONFTEST = """import pytest


@pytest.fixture
def store():
    return {}
"""

TEST_TODOS = f'''import pytest

from app.todos import create, status_for


def test_create(store):
    assert create(store, "milk")["id"] == 1


def test_second_id(store):
    create(store, "a")
    assert create(store, "b")["id"] == 2


def test_title_too_long(store):
    with pytest.raises(ValueError):
        create(store, "x" * 201)


@pytest.mark.parametrize("title", ["{XSS}"])
def test_title_roundtrip(store, title):
    assert create(store, title)["title"] == title


class TestStatus:
    def test_created(self):
        assert status_for(True) in (200, 201)
'''

TEST_USERS = """def test_users_are_separate():
    assert True
"""

FILES = {
    "app/__init__.py": "",
    "app/todos.py": SOURCE,
    "tests/conftest.py": CONFTEST,
    "tests/test_todos.py": TEST_TODOS,
    "tests/test_users.py": TEST_USERS,
}

T_CREATE = "tests/test_todos.py::test_create"
T_SECOND = "tests/test_todos.py::test_second_id"
T_TOO_LONG = "tests/test_todos.py::test_title_too_long"
T_ROUNDTRIP = f"tests/test_todos.py::test_title_roundtrip[{XSS}]"
T_STATUS = "tests/test_todos.py::TestStatus::test_created"
T_USERS = "tests/test_users.py::test_users_are_separate"
TESTS = (T_CREATE, T_SECOND, T_TOO_LONG, T_ROUNDTRIP, T_STATUS, T_USERS)

ID_KILLED = "arith-0001"
ID_SURVIVED = "status_code@app/todos.py:15"
ID_TIMEOUT = "slow_create"
ID_COMPILE = "constant-0002"
ID_NO_COVERAGE = "string-0003"
ID_DROP_CONFTEST = "drop_conftest"

CAUGHT_MESSAGES = {T_CREATE: "assert 0 == 1", T_SECOND: "assert 1 == 2"}


def write_todo_project(root: Path) -> Path:
    """The todo store of `FILES` on disk, which the hand-built matrices describe."""
    return write_project(root, FILES)


def _where(text: str, needle: str, path: str) -> Location:
    """The 1-based location of `needle` in `text`, end column inclusive as breakit has it."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(path, line, column, line, column + len(needle) - 1)


def _operator(mutant_id: str, origin: str, title: str, old: str, new: str) -> Mutant:
    assert SOURCE.count(old) == 1, old
    return Mutant(
        id=mutant_id,
        origin=origin,
        title=title,
        changes={"app/todos.py": SOURCE.replace(old, new)},
        originals={"app/todos.py": SOURCE},
        location=_where(SOURCE, old, "app/todos.py"),
        replacement=new,
    )


def _outcomes(**by_outcome: tuple[str, ...]) -> dict[str, TestOutcome]:
    out: dict[str, TestOutcome] = {}
    for name, nodeids in by_outcome.items():
        for nodeid in nodeids:
            outcome = Outcome[name.upper()]
            message = None
            if outcome is Outcome.CAUGHT:
                message = CAUGHT_MESSAGES[nodeid]
            elif outcome is Outcome.ERRORED:
                message = "fixture 'store' not found"
            out[nodeid] = TestOutcome(nodeid, outcome, message, duration_s=0.01)
    return out


SLOW_CREATE = Mutation(
    id=ID_TIMEOUT,
    title="create never returns",
    question="What does your suite do when a handler hangs?",
    hints=("Look at the timeout in [tool.breakit].",),
    edits=(FileEdit("app/todos.py", cst.CSTTransformer, "the body of create()"),),
    caught_by=(T_CREATE,),
)

DROP_CONFTEST = Mutation(
    id=ID_DROP_CONFTEST,
    title=f"conftest.py deleted {XSS}",
    question="Does a missing fixture fail your suite, or only error it?",
    hints=("An error is not a failure.",),
    edits=(FileEdit("tests/conftest.py", None, "the file"),),
)


def build_matrix() -> KillMatrix:
    """Killed by two tests, Survived, Timeout, CompileError, NoCoverage, and a deleted test file."""
    killed = _operator(
        ID_KILLED, "arithmetic", "len(store) + 1 → len(store)", "len(store) + 1", "len(store)"
    )
    survived = _operator(ID_SURVIVED, "status_code", "201 → 200", "201", "200")
    compile_error = _operator(
        ID_COMPILE,
        "constant",
        "MAX_TITLE = 200 → MAX_TITLE = 200 +",
        "MAX_TITLE = 200",
        "MAX_TITLE = 200 +",
    )
    no_coverage = _operator(
        ID_NO_COVERAGE, "string", f"banner string → XX{XSS}XX", f'"{XSS}"', f'"XX{XSS}XX"'
    )
    timeout = Mutant(
        id=ID_TIMEOUT,
        origin="mutation",
        title=SLOW_CREATE.title,
        changes={
            "app/todos.py": SOURCE.replace(
                "    if len(title)", "    while True:\n        pass\n    if len(title)"
            )
        },
        originals={"app/todos.py": SOURCE},
        mutation=SLOW_CREATE,
    )
    dropped = Mutant(
        id=ID_DROP_CONFTEST,
        origin="mutation",
        title=DROP_CONFTEST.title,
        changes={"tests/conftest.py": None},
        originals={"tests/conftest.py": CONFTEST},
        mutation=DROP_CONFTEST,
    )
    results = (
        MutantResult(
            killed,
            Verdict.KILLED,
            _outcomes(
                caught=(T_CREATE, T_SECOND),
                missed=(T_TOO_LONG, T_ROUNDTRIP, T_STATUS),
                not_run=(T_USERS,),
            ),
            order=TESTS[:5],
            duration_s=0.42,
        ),
        MutantResult(
            survived,
            Verdict.SURVIVED,
            _outcomes(missed=TESTS[:5]),
            order=TESTS[:5],
            duration_s=0.31,
        ),
        MutantResult(
            timeout,
            Verdict.TIMEOUT,
            _outcomes(not_run=TESTS),
            duration_s=10.0,
            error=f"timed out after 10.0s in {T_CREATE}",
        ),
        MutantResult(
            compile_error,
            Verdict.COMPILE_ERROR,
            {},
            duration_s=0.05,
            error="SyntaxError: invalid syntax (app/todos.py, line 3)",
        ),
        MutantResult(no_coverage, Verdict.NO_COVERAGE, {}, duration_s=0.0),
        MutantResult(
            dropped,
            Verdict.SURVIVED,
            _outcomes(errored=(T_CREATE, T_SECOND, T_TOO_LONG, T_ROUNDTRIP), missed=(T_STATUS,)),
            order=TESTS[:5],
            duration_s=0.2,
        ),
    )
    return KillMatrix(tests=TESTS, results=results)


def build_baseline() -> Baseline:
    outcomes = {t: TestOutcome(t, Outcome.MISSED, duration_s=0.01) for t in TESTS}
    run = SuiteRun(outcomes=outcomes, order=TESTS, duration_s=1.25, exit_status=0)
    return Baseline(tests=TESTS, run=run, key="0123abcd")
