"""extra-fields-allowed: POST /todos silently ignores fields it does not know."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

FORBID = m.Arg(keyword=m.Name("extra"), value=m.SimpleString('"forbid"'))


class IgnoreExtra(m.MatcherDecoratableTransformer):
    """`extra="forbid"` in TodoCreate's model_config becomes `extra="ignore"`."""

    @m.call_if_inside(m.ClassDef(name=m.Name("TodoCreate")))
    @m.leave(FORBID)
    def ignore(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(value=cst.SimpleString('"ignore"'))


MUTATION = Mutation(
    id="extra-fields-allowed",
    title="TodoCreate ignores unknown fields instead of refusing them",
    question="POST /todos with an unknown field (a typo, or 'owner') now succeeds and drops it. "
    "Which test notices?",
    hints=(
        "Which test sends a field the API does not know?",
        "target_app/schemas.py, TodoCreate: its model_config.",
        'model_config = ConfigDict(extra="forbid").',
    ),
    edits=(
        FileEdit("target_app/schemas.py", IgnoreExtra, looks_for='extra="forbid" in TodoCreate'),
    ),
    caught_by=(
        "tests/integration/test_errors.py::test_bad_requests_get_a_4xx_with_detail[unknown-field]",
    ),
)
