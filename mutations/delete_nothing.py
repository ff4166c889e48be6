"""delete-nothing: DELETE /todos/{id} answers 204 but deletes nothing."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

SESSION_DELETE = m.SimpleStatementLine(
    body=[m.Expr(m.Call(func=m.Attribute(value=m.Name("session"), attr=m.Name("delete"))))]
)


class DropDelete(m.MatcherDecoratableTransformer):
    """The `session.delete(...)` line of delete_todo is removed."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("delete_todo")))
    @m.leave(SESSION_DELETE)
    def drop_delete(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="delete-nothing",
    title="DELETE /todos/{id} answers 204 but deletes nothing",
    question="DELETE still answers 204 No Content, but the todo stays. Which tests look past "
    "the status code?",
    hints=(
        "A 204 proves nothing by itself: what would show that the todo is really gone?",
        "target_app/todos.py, delete_todo: between find_todo and session.commit.",
        "Call session.delete(todo) before committing.",
    ),
    edits=(
        FileEdit("target_app/todos.py", DropDelete, looks_for="session.delete(...) in delete_todo"),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_delete_todo",
        "tests/integration/test_todos.py::test_full_crud_flow",
        "tests/integration/test_app.py::test_file_database_outlives_the_app",
    ),
    explain="Why verify side effects where they land (lesson 2)? The status code says "
    "'deleted'; only a GET afterwards, or the database, says otherwise.",
)
