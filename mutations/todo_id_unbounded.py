"""todo-id-unbounded: the bounds on a todo id in the path are removed (0, and ids past 2**63)."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

TODO_ID_ALIAS = m.Assign(
    targets=[m.AssignTarget(m.Name("TodoId"))], value=m.Subscript(value=m.Name("Annotated"))
)


class PlainIntTodoId(m.MatcherDecoratableTransformer):
    """`TodoId = Annotated[int, Path(ge=1, le=...)]` becomes `TodoId = int`."""

    @m.leave(TODO_ID_ALIAS)
    def plain_int(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        return updated.with_changes(value=cst.Name("int"))


MUTATION = Mutation(
    id="todo-id-unbounded",
    title="Todo ids in the path are no longer bounded",
    question="GET /todos/0 and GET /todos/99999999999999999999999 are no longer refused up "
    "front. What do they answer now, and which tests say that is wrong?",
    hints=(
        "SQLite stores 64-bit integers: what does the driver do with a larger one?",
        "target_app/todos.py: the TodoId type used by the path parameters.",
        "TodoId = Annotated[int, Path(ge=1, le=2**63 - 1)].",
    ),
    edits=(
        FileEdit(
            "target_app/todos.py", PlainIntTodoId, looks_for="`TodoId = Annotated[...]` alias"
        ),
    ),
    caught_by=(
        "tests/integration/test_errors.py::test_bad_requests_get_a_4xx_with_detail[todo-id-zero]",
        "tests/integration/test_errors.py::test_bad_requests_get_a_4xx_with_detail[todo-id-too-large]",
        "tests/integration/test_limits.py::test_todo_id_past_the_largest_is_refused[get]",
        "tests/integration/test_limits.py::test_todo_id_past_the_largest_is_refused[put]",
        "tests/integration/test_limits.py::test_todo_id_past_the_largest_is_refused[delete]",
    ),
    explain="Why do we test error cases (404, invalid input) and not just the happy path? No "
    "input may make the API answer 500.",
)
