"""done-filter-ignored: GET /todos?done=... returns every todo, whatever the filter says."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

DONE_IS_GIVEN = m.If(
    test=m.Comparison(left=m.Name("done"), comparisons=[m.ComparisonTarget(operator=m.IsNot())])
)


class IgnoreDoneFilter(m.MatcherDecoratableTransformer):
    """The `if done is not None: query = query.where(...)` block of list_todos is removed."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("list_todos")))
    @m.leave(DONE_IS_GIVEN)
    def drop_filter(self, original: cst.If, updated: cst.If) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="done-filter-ignored",
    title="GET /todos ignores the done filter",
    question="GET /todos?done=true now returns open todos too. Which tests notice, and would "
    "they notice if every todo they created were done?",
    hints=(
        "A filter is only tested by data it must leave out.",
        "target_app/todos.py, list_todos: the `if done is not None` block.",
        "Add `query = query.where(TodoRow.done == done)` when done is given.",
    ),
    edits=(
        FileEdit(
            "target_app/todos.py", IgnoreDoneFilter, looks_for="`if done is not None` in list_todos"
        ),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_filter_done_true",
        "tests/integration/test_todos.py::test_filter_done_false",
    ),
)
