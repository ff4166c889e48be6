"""no-body-limit: the middleware that answers oversize bodies in JSON is not installed."""

import libcst as cst
import libcst.matchers as m

from breakit.core.model import FileEdit, Mutation

ADDS_BODY_LIMIT = m.SimpleStatementLine(
    body=[
        m.Expr(
            m.Call(
                func=m.Attribute(attr=m.Name("add_middleware")),
                args=[m.Arg(m.Name("DeclaredBodyLimit")), m.ZeroOrMore()],
            )
        )
    ]
)


class DropBodyLimit(m.MatcherDecoratableTransformer):
    """The `app.add_middleware(DeclaredBodyLimit, ...)` line of create_app is removed."""

    @m.call_if_inside(m.FunctionDef(name=m.Name("create_app")))
    @m.leave(ADDS_BODY_LIMIT)
    def drop(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.RemovalSentinel:
        return cst.RemoveFromParent()


MUTATION = Mutation(
    id="no-body-limit",
    title="Oversize request bodies are refused in plain text, not JSON",
    question="A 70 kB POST body is still refused with 413, but by FastAPI's own limit, in plain "
    "text. Which test notices, and what does it check besides the status code?",
    hints=(
        'Every error of the API should have the same {"detail": ...} shape.',
        "target_app/app.py, create_app: the middleware it adds.",
        "app.add_middleware(DeclaredBodyLimit, max_bytes=MAX_BODY_BYTES).",
    ),
    edits=(
        FileEdit(
            "target_app/app.py",
            DropBodyLimit,
            looks_for="app.add_middleware(DeclaredBodyLimit, ...) in create_app",
        ),
    ),
    caught_by=(
        "tests/integration/test_errors.py::test_bad_requests_get_a_4xx_with_detail[declared-oversize-body]",
        "tests/integration/test_limits.py::test_body_one_byte_over_64_kib_is_refused[declared]",
    ),
)
