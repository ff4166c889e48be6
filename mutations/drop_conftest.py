"""drop-conftest: no conftest.py; every test module shares ONE app, client and database.

Lesson 1, "Break it", first exercise: remove conftest.py and build the TestClient directly in
each test module instead of through the fixture. The tests then share state, and those that
assumed a fresh, empty database fail, in an order-dependent way.
"""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

# The conftest's fixtures, which become module-level names of the same meaning.
FIXTURES = frozenset({"client", "db", "engine"})

# What each test module gets in place of the fixtures: the conftest's Database helper, inlined,
# and one app on one database, built once when the module is imported.
SHARED_SETUP = '''
from fastapi.testclient import TestClient
from sqlalchemy import column, func, select, table

from target_app import create_app
from target_app.db import make_engine


class Database:
    """Reads the module's (shared) database past the API."""

    def __init__(self, engine):
        self.engine = engine

    def count(self, table_name):
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table(table_name)))

    def rows(self, table_name, *columns):
        query = select(*(column(c) for c in columns)).select_from(table(table_name))
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]


# No conftest.py: one app, one database and one client for every test of this module.
engine = make_engine("sqlite://")
client = TestClient(create_app(engine))
db = Database(engine)
'''

TEST_FUNCTION = m.FunctionDef(name=m.Name(m.MatchIfTrue(lambda name: name.startswith("test_"))))
DOCSTRING = m.SimpleStatementLine(body=[m.Expr(m.SimpleString() | m.ConcatenatedString())])
IMPORT = m.SimpleStatementLine(body=[m.AtLeastN(m.Import() | m.ImportFrom(), n=1)])


class SharedClient(m.MatcherDecoratableTransformer):
    """Test functions lose their fixture parameters; the module gets SHARED_SETUP after imports."""

    def __init__(self) -> None:
        super().__init__()
        self.uses_fixtures = False

    @m.call_if_inside(TEST_FUNCTION)
    @m.leave(m.Parameters())
    def drop_fixtures(self, original: cst.Parameters, updated: cst.Parameters) -> cst.Parameters:
        kept = [p for p in updated.params if p.name.value not in FIXTURES]
        if len(kept) == len(updated.params):
            return updated
        self.uses_fixtures = True
        if kept:  # the last parameter left must not keep a trailing comma
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(params=kept)

    @m.leave(m.Module())
    def add_shared_setup(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self.uses_fixtures:
            return updated
        body = list(updated.body)
        at = 1 if body and m.matches(body[0], DOCSTRING) else 0
        while at < len(body) and m.matches(body[at], IMPORT):
            at += 1
        setup = cst.parse_module(SHARED_SETUP).body
        return updated.with_changes(body=[*body[:at], *setup, *body[at:]])


MUTATION = Mutation(
    id="drop-conftest",
    title="No conftest.py: each test module shares one app, client and database",
    question="conftest.py is gone and each test module builds one TestClient for all its tests. "
    "Which tests fail now, why those, and would the same ones fail in another order?",
    hints=(
        "A test that passes alone can fail after another test left todos or users behind.",
        "tests/integration/conftest.py gave every test a fresh engine, app and client; now "
        "they are module-level names at the top of each test module.",
        "Put conftest.py back: function-scoped fixtures give each test its own in-memory database.",
    ),
    edits=(
        FileEdit("tests/integration/conftest.py", None, looks_for="conftest.py to delete"),
        FileEdit(
            "tests/integration/test_*.py",
            SharedClient,
            looks_for="test functions taking the client, db or engine fixture",
        ),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_delete_todo",
        "tests/integration/test_todos.py::test_create_todo_invalid_input",
        "tests/integration/test_todos.py::test_full_crud_flow",
        "tests/integration/test_todos.py::test_update_todo_title_and_done",
        "tests/integration/test_todos.py::test_update_missing_todo_is_404",
        "tests/integration/test_todos.py::test_list_returns_all_five_todos",
        "tests/integration/test_todos.py::test_filter_done_true",
        "tests/integration/test_todos.py::test_filter_done_false",
        "tests/integration/test_users.py::test_duplicate_email_rejected_with_409",
        "tests/integration/test_users.py::test_list_three_users",
        "tests/integration/test_users.py::test_user_with_invalid_email_or_blank_name_is_rejected",
        "tests/integration/test_users.py::test_list_users_empty",
        "tests/integration/test_app.py::test_shutdown_leaves_a_database_it_was_given_open",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[streamed]",
        "tests/integration/test_limits.py::test_body_one_byte_over_64_kib_is_refused[declared]",
        "tests/integration/test_limits.py::test_body_one_byte_over_64_kib_is_refused[streamed]",
        "tests/integration/test_limits.py::test_largest_todo_id_is_a_valid_id[get]",
        "tests/integration/test_limits.py::test_largest_todo_id_is_a_valid_id[put]",
        "tests/integration/test_limits.py::test_largest_todo_id_is_a_valid_id[delete]",
        "tests/integration/test_limits.py::test_first_ids_are_one",
        "tests/integration/test_limits.py::test_title_of_one_character_is_accepted",
        "tests/integration/test_limits.py::test_name_length_within_bounds_is_accepted[one-character]",
        "tests/integration/test_limits.py::test_name_length_within_bounds_is_accepted[100-characters]",
        "tests/integration/test_limits.py::test_name_of_101_characters_is_refused",
        "tests/integration/test_todos.py::test_update_with_unknown_field_is_rejected",
        "tests/integration/test_users.py::test_api_keeps_working_after_a_duplicate_email",
        "tests/integration/test_users.py::test_user_with_unknown_field_is_rejected_and_not_stored",
    ),
    explain="Why does each test need a fresh app instance (a fresh client fixture)? Without "
    "one, tests see each other's data and pass or fail depending on the order they run in.",
)
