"""no-404-check: find_todo no longer raises 404 for a todo that does not exist."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

IS_NONE = m.Comparison(comparisons=[m.ComparisonTarget(operator=m.Is(), comparator=m.Name("None"))])


class DropNotFoundCheck(m.MatcherDecoratableTransformer):
    """The `if todo is None: raise ...` guard in find_todo is removed."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("find_todo")))
    @m.leave(m.If(test=IS_NONE))
    def drop_guard(self, original: cst.If, updated: cst.If) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="no-404-check",
    title="find_todo no longer raises 404 for a missing todo",
    question="GET, PUT and DELETE of a todo that does not exist no longer answer 404. What do "
    "they do instead, and which tests notice?",
    hints=(
        "Which tests ask for an id that was never created, or was deleted?",
        "target_app/todos.py, find_todo: what happens when session.get finds nothing?",
        "Put back `if todo is None: raise HTTPException(404, ...)` before `return todo`.",
    ),
    edits=(
        FileEdit(
            "target_app/todos.py", DropNotFoundCheck, looks_for="`if ... is None` in find_todo"
        ),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_get_todo_not_found",
        "tests/integration/test_todos.py::test_delete_todo",
        "tests/integration/test_todos.py::test_delete_nonexistent_todo",
        "tests/integration/test_todos.py::test_update_missing_todo_is_404",
        "tests/integration/test_limits.py::test_largest_todo_id_is_a_valid_id[get]",
        "tests/integration/test_limits.py::test_largest_todo_id_is_a_valid_id[put]",
        "tests/integration/test_limits.py::test_largest_todo_id_is_a_valid_id[delete]",
    ),
    explain="Why do we test error cases (404, invalid input) and not just the happy path? Only "
    "the not-found tests catch this one.",
)
