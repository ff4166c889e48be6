"""put-ignores-done: PUT /todos/{id} updates the title but never the done flag."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

SETS_DONE = m.SimpleStatementLine(
    body=[
        m.Assign(targets=[m.AssignTarget(m.Attribute(value=m.Name("todo"), attr=m.Name("done")))])
    ]
)


class IgnoreDone(m.MatcherDecoratableTransformer):
    """The `todo.done = ...` line of update_todo is removed."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("update_todo")))
    @m.leave(SETS_DONE)
    def drop_done(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="put-ignores-done",
    title="PUT /todos/{id} ignores the done field",
    question="PUT changes a todo's title but silently keeps its old done flag. Which tests "
    "notice, and which assertion does it?",
    hints=(
        "Which tests change done from False to True (or back) with PUT, and read it afterwards?",
        "target_app/todos.py, update_todo: which fields of the payload are copied onto the row?",
        "Copy payload.done onto the row too: `todo.done = payload.done`.",
    ),
    edits=(
        FileEdit("target_app/todos.py", IgnoreDone, looks_for="`todo.done = ...` in update_todo"),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_full_crud_flow",
        "tests/integration/test_todos.py::test_update_todo_title_and_done",
    ),
)
