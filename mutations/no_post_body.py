"""no-post-body: POST /todos answers 201 with an empty (null) body (lesson 1, "Break it")."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

IN_CREATE_TODO = m.FunctionDef(name=m.Name("create_todo"))


class DropCreatedTodo(m.MatcherDecoratableTransformer):
    """create_todo loses its `return` and its response model, so the body is `null`."""

    @m.call_if_inside(IN_CREATE_TODO)
    @m.leave(m.Arg(keyword=m.Name("response_model"), value=~m.Name("None")))
    def no_response_model(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        # Without this FastAPI would refuse to send None as a Todo (a 500, not an empty body).
        return updated.with_changes(value=cst.Name("None"))

    @m.call_if_inside(IN_CREATE_TODO)
    @m.leave(m.SimpleStatementLine(body=[m.Return()]))
    def drop_return(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="no-post-body",
    title="POST /todos no longer returns the created todo",
    question="POST /todos still stores the todo and answers 201, but the body is empty (null). "
    "Which tests break, and which of them only break because they needed the new id?",
    hints=(
        "A client learns a new todo's id from the response of POST: which tests read it?",
        "target_app/todos.py, create_todo: its return statement and the route's response_model.",
        "Return the created row again (`return todo`), with response_model=Todo on the route.",
    ),
    edits=(
        FileEdit(
            "target_app/todos.py",
            DropCreatedTodo,
            looks_for="return statement or response_model in create_todo",
        ),
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
        "tests/integration/test_todos.py::test_title_is_trimmed",
        "tests/integration/test_todos.py::test_title_of_200_characters_is_accepted",
        "tests/integration/test_todos.py::test_ids_are_not_reused_after_delete",
        "tests/integration/test_app.py::test_in_memory_url_keeps_one_database_across_requests[sqlite://]",
        "tests/integration/test_app.py::test_in_memory_url_keeps_one_database_across_requests[sqlite:///:memory:]",
        "tests/integration/test_app.py::test_file_database_outlives_the_app",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[declared]",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[streamed]",
        "tests/integration/test_limits.py::test_first_ids_are_one",
        "tests/integration/test_limits.py::test_title_of_one_character_is_accepted",
        "tests/integration/test_todos.py::test_update_with_unknown_field_is_rejected",
    ),
    explain="What is the difference between a unit test and an integration test? The handler's "
    "row is still right; only a test of the HTTP response sees that the client gets nothing.",
)
