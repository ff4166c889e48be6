"""email-not-validated: any string is accepted as a user's email."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation


class PlainStrEmail(m.MatcherDecoratableTransformer):
    """`email: EmailStr` in UserCreate becomes `email: str`."""

    @m.call_if_inside(m.ClassDef(name=m.Name("UserCreate")))
    @m.leave(m.AnnAssign(target=m.Name("email"), annotation=m.Annotation(m.Name("EmailStr"))))
    def plain_str(self, original: cst.AnnAssign, updated: cst.AnnAssign) -> cst.AnnAssign:
        return updated.with_changes(annotation=cst.Annotation(cst.Name("str")))


MUTATION = Mutation(
    id="email-not-validated",
    title="UserCreate accepts any string as an email",
    question="POST /users now stores 'not-an-email' as an email. Which test notices, and what "
    "does it check besides the status code?",
    hints=(
        "Which test sends a malformed email?",
        "target_app/schemas.py, UserCreate: the type of email.",
        "email: EmailStr.",
    ),
    edits=(
        FileEdit(
            "target_app/schemas.py",
            PlainStrEmail,
            looks_for="`email: EmailStr` in UserCreate",
        ),
    ),
    caught_by=(
        "tests/integration/test_users.py::test_user_with_invalid_email_or_blank_name_is_rejected",
    ),
    explain="Lesson 2: verify both the validation and the side effect: the test checks the "
    "answer and that no user was stored.",
)
