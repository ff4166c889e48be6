"""wrong-create-status: POST /todos answers 200 OK instead of 201 Created."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

CREATED = m.Attribute(value=m.Name("status"), attr=m.Name("HTTP_201_CREATED"))


class OkNotCreated(m.MatcherDecoratableTransformer):
    """`status_code=status.HTTP_201_CREATED` on create_todo's route becomes HTTP_200_OK."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("create_todo")))
    @m.leave(m.Arg(keyword=m.Name("status_code"), value=CREATED))
    def ok(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        ok = cst.Attribute(value=cst.Name("status"), attr=cst.Name("HTTP_200_OK"))
        return updated.with_changes(value=ok)


MUTATION = Mutation(
    id="wrong-create-status",
    title="POST /todos answers 200 instead of 201",
    question="Creating a todo now answers 200 OK. The todo is created all the same: which tests "
    "care about the status code, and should they?",
    hints=(
        "Which tests assert the status code of a POST, not just its body?",
        "target_app/todos.py: the @router.post decorator of create_todo.",
        "status_code=status.HTTP_201_CREATED.",
    ),
    edits=(
        FileEdit(
            "target_app/todos.py",
            OkNotCreated,
            looks_for="status_code=status.HTTP_201_CREATED on create_todo",
        ),
    ),
    caught_by=(
        "tests/integration/test_todos.py::test_create_todo",
        "tests/integration/test_todos.py::test_create_todo_returns_id",
        "tests/integration/test_todos.py::test_full_crud_flow",
        "tests/integration/test_todos.py::test_title_is_trimmed",
        "tests/integration/test_todos.py::test_title_of_200_characters_is_accepted",
        "tests/integration/test_app.py::test_in_memory_url_keeps_one_database_across_requests[sqlite://]",
        "tests/integration/test_app.py::test_in_memory_url_keeps_one_database_across_requests[sqlite:///:memory:]",
        "tests/integration/test_app.py::test_file_database_outlives_the_app",
        "tests/integration/test_app.py::test_shutdown_releases_a_database_the_app_opened",
        "tests/integration/test_app.py::test_shutdown_leaves_a_database_it_was_given_open",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[declared]",
        "tests/integration/test_limits.py::test_body_of_exactly_64_kib_is_accepted[streamed]",
        "tests/integration/test_limits.py::test_title_of_one_character_is_accepted",
    ),
)
