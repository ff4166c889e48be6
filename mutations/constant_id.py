"""constant-id: every new todo gets id 1 (lesson 1, "Break it", third exercise)."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation


class ReturnOne(m.MatcherDecoratableTransformer):
    """`return <anything>` in next_todo_id becomes `return 1`."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("next_todo_id")))
    @m.leave(m.Return(value=~m.Integer("1")))
    def return_one(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        return updated.with_changes(value=cst.Integer("1"))


MUTATION = Mutation(
    id="constant-id",
    title="next_todo_id always returns 1",
    question="Every new todo now gets id 1. Which tests break, and why do they break the way "
    "they do?",
    hints=(
        "Ids must differ between todos: which tests create more than one todo, or one after a "
        "delete?",
        "target_app/ids.py, next_todo_id: look at what it returns.",
        "Return counter.last_id again, so each todo gets one more than the last id handed out.",
    ),
    edits=(
        FileEdit(
            "target_app/ids.py",
            ReturnOne,
            looks_for="return statement in next_todo_id other than `return 1`",
        ),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_create_todo_returns_id",
        "tests/integration/test_todos.py::test_list_returns_all_five_todos",
        "tests/integration/test_todos.py::test_filter_done_true",
        "tests/integration/test_todos.py::test_filter_done_false",
        "tests/integration/test_todos.py::test_ids_are_not_reused_after_delete",
        "tests/integration/test_app.py::test_file_database_outlives_the_app",
        "tests/integration/test_app.py::test_id_counter_is_stored_in_the_database",
    ),
    explain="Why do we test error cases and not just the happy path? A second todo with the same "
    "id is a database error, and only tests that create two todos meet it.",
)
