"""duplicate-email-500: a second user with the same email crashes instead of answering 409."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

CATCHES_INTEGRITY_ERROR = m.Try(handlers=[m.ExceptHandler(type=m.Name("IntegrityError"))])


class UnguardedCommit(m.MatcherDecoratableTransformer):
    """`try: <body> except IntegrityError: ...` in create_user becomes just `<body>`."""

    # The splice happens on the function's body: libcst's matcher decorators do not let a
    # leave method return a FlattenSentinel.
    @m.leave(m.FunctionDef(name=m.Name("create_user")))
    def unwrap(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        body: list[cst.BaseStatement] = []
        for statement in updated.body.body:
            if m.matches(statement, CATCHES_INTEGRITY_ERROR):
                body.extend(statement.body.body)
            else:
                body.append(statement)
        return updated.with_changes(body=updated.body.with_changes(body=body))


MUTATION = Mutation(
    id="duplicate-email-500",
    title="A duplicate email is no longer mapped to 409 Conflict",
    question="The database still refuses a second user with the same email, but nobody turns "
    "its IntegrityError into a 409. What does the client get, and which test says so?",
    hints=(
        "The unique index on users.email is the real check: what happens when it fires?",
        "target_app/users.py, create_user: around session.commit().",
        "Catch IntegrityError, roll back, and raise HTTPException(409, ...).",
    ),
    edits=(
        FileEdit(
            "target_app/users.py",
            UnguardedCommit,
            looks_for="`try: ... except IntegrityError` in create_user",
        ),
    ),
    caught_by=(
        "tests/integration/test_users.py::test_duplicate_email_rejected_with_409",
        "tests/integration/test_app.py::test_file_database_outlives_the_app",
        "tests/integration/test_users.py::test_api_keeps_working_after_a_duplicate_email",
    ),
    explain="Why test against a real database rather than a mock (lesson 2)? Only a real "
    "database enforces the unique constraint this handler relies on.",
)
