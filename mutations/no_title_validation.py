"""no-title-validation: a todo's title is any string: not trimmed, may be empty or too long."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

TITLE_ALIAS = m.Assign(
    targets=[m.AssignTarget(m.Name("Title"))], value=m.Subscript(value=m.Name("Annotated"))
)


class PlainStrTitle(m.MatcherDecoratableTransformer):
    """`Title = Annotated[str, StringConstraints(...)]` becomes `Title = str`."""

    @m.leave(TITLE_ALIAS)
    def plain_str(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        return updated.with_changes(value=cst.Name("str"))


MUTATION = Mutation(
    id="no-title-validation",
    title="The Title constraints are removed (no trimming, no length limits)",
    question="Titles are no longer trimmed nor checked for length: '', '   ' and 201 characters "
    "are all accepted. Which tests break, and which bad titles would slip through unnoticed?",
    hints=(
        "Which tests send an empty, blank, padded or too long title?",
        "target_app/schemas.py: the Title type that TodoCreate and TodoUpdate share.",
        "Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, "
        "max_length=200)].",
    ),
    edits=(
        FileEdit(
            "target_app/schemas.py",
            PlainStrTitle,
            looks_for="`Title = Annotated[...]` alias",
        ),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_create_todo_invalid_input",
        "tests/integration/test_todos.py::test_update_todo_validates_title",
        "tests/integration/test_todos.py::test_title_is_trimmed",
    ),
    explain="Why do we test error cases (404, invalid input) and not just the happy path? Every "
    "happy-path test still passes.",
)
