"""no-commit: create_todo never commits, so the new todo is rolled back after the response."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

COMMIT = m.SimpleStatementLine(
    body=[m.Expr(m.Call(func=m.Attribute(value=m.Name("session"), attr=m.Name("commit"))))]
)


class DropCommit(m.MatcherDecoratableTransformer):
    """The `session.commit()` line of create_todo is removed."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("create_todo")))
    @m.leave(COMMIT)
    def drop_commit(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="no-commit",
    title="create_todo forgets to commit",
    question="POST /todos answers 201 with the new todo, but the todo is never committed. Which "
    "tests notice, and how: through the API or through the database?",
    hints=(
        "The response is built from the object in memory, so it looks right: what shows that "
        "nothing was stored?",
        "target_app/todos.py, create_todo: after session.add(todo).",
        "Call session.commit() before returning the todo.",
    ),
    edits=(
        FileEdit("target_app/todos.py", DropCommit, looks_for="session.commit() in create_todo"),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_create_todo",
        "tests/integration/test_todos.py::test_create_todo_returns_id",
        "tests/integration/test_todos.py::test_create_and_retrieve_todo",
        "tests/integration/test_todos.py::test_delete_todo",
        "tests/integration/test_todos.py::test_full_crud_flow",
        "tests/integration/test_todos.py::test_update_todo_title_and_done",
        "tests/integration/test_todos.py::test_update_todo_validates_title",
        "tests/integration/test_todos.py::test_list_returns_all_five_todos",
        "tests/integration/test_todos.py::test_filter_done_true",
        "tests/integration/test_todos.py::test_filter_done_false",
        "tests/integration/test_todos.py::test_ids_are_not_reused_after_delete",
        "tests/integration/test_app.py::test_in_memory_url_keeps_one_database_across_requests[sqlite://]",
        "tests/integration/test_app.py::test_in_memory_url_keeps_one_database_across_requests[sqlite:///:memory:]",
        "tests/integration/test_app.py::test_file_database_outlives_the_app",
        "tests/integration/test_app.py::test_id_counter_is_stored_in_the_database",
        "tests/integration/test_app.py::test_shutdown_leaves_a_database_it_was_given_open",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[declared]",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[streamed]",
        "tests/integration/test_limits.py::test_first_ids_are_one",
        "tests/integration/test_limits.py::test_title_of_one_character_is_accepted",
        "tests/integration/test_todos.py::test_update_with_unknown_field_is_rejected",
    ),
    explain="Why test against a real database rather than a mock (lesson 2)? A mocked session "
    "would happily 'store' the todo.",
)
