"""The assertion that kills a survivor that reached its test (issue 36): written from the
statement at the test's line where the difference arrived and the value the original returned
there, and the scratch copy of the test file that proves it before anyone sees it
(breakit.triage.assertion_proof: it must pass on the original and fail, at that assertion, with
the survivor acted out).

Written only where it is plain: the statement at that line assigns a call's result (`result =
total([3, 4], 2)`: `assert result == 5` after it), is a bare call of a function that is not a
builtin, or asserts on one; the value reads back as a literal (`pytest.approx` for a float), or
is a web response's JSON body or status. An exception whose message the mutant changes gets
`match=` on the test's own `pytest.raises` (that line changed). Else why not.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CHECKING = "__import__('breakit.triage.switch').triage.switch.checking"
BUILTINS = frozenset(dir(builtins))


@dataclass(frozen=True)
class Assertion:
    """An assertion to add to `path` after line `after` (the statement's last line)."""

    path: str
    after: int
    code: str  # the assertion, indented as the statement it follows
    needs_pytest: bool = False  # it uses pytest.approx and the file does not import pytest
    # The test function whose body holds it (its parametrized cases are the tests that run
    # it), or None: a helper, a fixture, a closure (any test of the file may run it).
    runs_in: str | None = None
    # Not an added line but line `after` changed: `old` (a call on it) becomes `new`.
    old: str = ""
    new: str = ""
    # A new test (breakit.triage.new_input): its function's name, `code` the whole test, added
    # at the end of the file (`after`: its last line).
    new_test: str = ""
    # While proven: the assertion takes the place of the statement at `after` (a new test's
    # bare call), and fails its test whichever way it fails (the call may raise).
    instead: bool = False

    @property
    def replaces(self) -> bool:
        return bool(self.old)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "after_line": self.after,
            "code": self.code.strip(),
            "needs_import": "import pytest" if self.needs_pytest else None,
            "replaces_line": self.replaces,  # true: line `after_line` becomes `code`
            "new_test": self.new_test or None,  # a test function added at the end of the file
            "verified": True,  # only a verified one is ever kept
        }


def asserted(subject: str, value: str | None) -> tuple[str, bool] | None:
    """`assert SUBJECT == VALUE` (`is` for None and booleans, `pytest.approx` for a float:
    then True), or None where `value` is not a literal."""
    if value is None:
        return None
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if parsed is None or isinstance(parsed, bool):
        return f"assert {subject} is {value}", False
    if isinstance(parsed, float):
        return f"assert {subject} == pytest.approx({value})", True
    return f"assert {subject} == {value}", False


def _statement(tree: ast.Module, line: int) -> ast.stmt | None:
    """The innermost statement holding `line` (a compound one only where its header does)."""
    found: ast.stmt | None = None
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        end = node.end_lineno or node.lineno
        if node.lineno <= line <= end and (found is None or node.lineno >= found.lineno):
            found = node
    return found


def _outer_call(node: ast.expr) -> ast.Call | None:
    """The first call met going down from `node` (the one whose value an assertion is on)."""
    queue: list[ast.AST] = [node]
    while queue:
        current = queue.pop(0)
        if isinstance(current, ast.Call):
            return current
        queue.extend(ast.iter_child_nodes(current))
    return None


def _unittest(call: ast.Call) -> bool:
    """A unittest-style `self.assertX(...)`."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return False
    return func.value.id == "self" and func.attr.startswith("assert")


def _unittest_subject(call: ast.Call) -> ast.Call | None:
    """The call a unittest-style `self.assertX(call(...), …)` checks, where its other
    arguments call nothing (the call checked is then the first to return at that line)."""
    if not call.args or not isinstance(call.args[0], ast.Call):
        return None
    rest = [*call.args[1:], *(k.value for k in call.keywords)]
    if any(isinstance(n, ast.Call) for arg in rest for n in ast.walk(arg)):
        return None
    return call.args[0]


def _imports_pytest(tree: ast.Module) -> bool:
    imports = [node for node in tree.body if isinstance(node, ast.Import)]
    return any(a.name == "pytest" and not a.asname for node in imports for a in node.names)


def write(
    path: str,
    text: str,
    line: int,
    value: str | None,
    aspect: str = "",
    inner: str | None = None,
) -> Assertion | str:
    """The assertion that the statement at `line` of `text` (the test file at `path`) gave
    `value` (a literal's repr) — or that `aspect` of what it gave did (`.json()`, a response's
    body; " match": the message of what it raised, `value` the message itself); for a
    unittest-style `self.assertX(call(...))`, that `call(...)` gave `inner` (the first
    differing call's value) — or why none is written."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return "the test file does not parse"
    if aspect == " match":
        return _match(path, text, tree, line, value or "")
    statement = _statement(tree, line)
    if statement is None:
        return f"no simple statement at line {line}"
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        subject = ast.get_source_segment(text, statement.targets[0])
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        subject = ast.get_source_segment(text, statement.target)
    elif isinstance(statement, ast.Expr | ast.Assert):
        expression = statement.value if isinstance(statement, ast.Expr) else statement.test
        call = _outer_call(expression)
        if call is not None and isinstance(call.func, ast.Name) and call.func.id in BUILTINS:
            # Not traced (a C function): the value seen is an inner call's, not this one's.
            return f"the call at line {line} is the builtin `{call.func.id}`"
        subject = None if call is None else ast.get_source_segment(text, call)
        if call is not None and _unittest(call):  # `self.assertFalse(f(x))`: on `f(x)`
            checked = _unittest_subject(call)
            if checked is None:
                return f"line {line} is a unittest assertion on more than one call"
            subject, value, aspect = ast.get_source_segment(text, checked), inner, ""
    else:
        return f"the statement at line {line} is a `{type(statement).__name__}`"
    if not subject or "\n" in subject:
        return f"no one value to assert at line {line}"
    made = asserted(subject + aspect, value)
    if made is None:
        return "the value is not a literal"
    check, approx = made
    lines = text.splitlines()
    first = lines[statement.lineno - 1]
    indent = first[: len(first) - len(first.lstrip())]
    end = statement.end_lineno or statement.lineno
    needs = approx and not _imports_pytest(tree)
    runs_in = _test_function(tree, statement)
    return Assertion(path, end, indent + check, needs_pytest=needs, runs_in=runs_in)


def _match(path: str, text: str, tree: ast.Module, line: int, message: str) -> Assertion | str:
    """`match=` added to the `pytest.raises(...)` of the `with` around `line`: the message the
    original raised, as a pattern."""
    holders = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.With) and node.body and node.body[0].lineno <= line
        and line <= (node.end_lineno or node.lineno)
    ]  # fmt: skip
    if not holders:
        return "it raises, outside a `with pytest.raises(...)`"
    holder = max(holders, key=lambda node: node.lineno)
    for item in holder.items:
        call = item.context_expr
        if not isinstance(call, ast.Call) or call.lineno != holder.lineno:
            continue
        func = call.func
        named = (isinstance(func, ast.Attribute) and func.attr == "raises") or (
            isinstance(func, ast.Name) and func.id == "raises"
        )
        if not named:
            continue
        if any(k.arg == "match" for k in call.keywords) or call.end_lineno != call.lineno:
            return "its `pytest.raises` already has a `match=`, or spans lines"
        old = ast.get_source_segment(text, call)
        if not old or not message:
            return "no message to match"
        inner = old.rstrip()[:-1].rstrip().rstrip(",")
        pattern = re.escape(message).replace("\\ ", " ")  # a space needs no escape
        new = f"{inner}, match={pattern!r})"
        changed = text.splitlines()[holder.lineno - 1].replace(old, new, 1)
        runs_in = _test_function(tree, holder)
        return Assertion(path, holder.lineno, changed, runs_in=runs_in, old=old, new=new)
    return "it raises, but the `with` around it is not a `pytest.raises(...)`"


def _test_function(tree: ast.Module, statement: ast.stmt) -> str | None:
    """The name of the test function (`test…`, at module level or in a class) whose own body
    holds `statement`, else None."""
    holders: list[ast.AST] = []

    def holding(node: ast.AST, chain: list[ast.AST]) -> bool:
        if node is statement:
            holders.extend(chain)
            return True
        functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        inner = [*chain, node] if isinstance(node, functions) else chain
        return any(holding(child, inner) for child in ast.iter_child_nodes(node))

    holding(tree, [])
    functions = [h for h in holders if isinstance(h, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(functions) != 1:  # module level, or a function nested in another
        return None
    name = functions[0].name
    return name if name.startswith("test") else None


def scratch(text: str, checks: Sequence[tuple[int, Assertion]]) -> tuple[str, Mapping[int, int]]:
    """`text` with each assertion in, run only while its check is on (breakit.triage.switch),
    and the line each check's assertion is on (for a changed line: that line)."""
    lines = text.splitlines()
    placed: list[tuple[int, int, str]] = []
    for check, assertion in checks:
        code = assertion.code.strip()
        if assertion.needs_pytest:
            code = code.replace("pytest.approx", "__import__('pytest').approx")
        if assertion.instead:  # a new test's call: its assertion, run only while checked
            line = lines[assertion.after - 1]
            indent = line[: len(line) - len(line.lstrip())]
            lines[assertion.after - 1] = f"{indent}if {CHECKING}({check}): {code}"
            continue
        if assertion.replaces:  # the line itself, changed only while checked
            either = f"({assertion.new} if {CHECKING}({check}) else {assertion.old})"
            line = lines[assertion.after - 1]
            lines[assertion.after - 1] = line.replace(assertion.old, either, 1)
            continue
        indent = assertion.code[: len(assertion.code) - len(assertion.code.lstrip())]
        guarded = f"{indent}if {CHECKING}({check}): {code}"
        placed.append((assertion.after, check, guarded))
    for after, _check, guarded in sorted(placed, reverse=True):
        lines.insert(after, guarded)
    where: dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        for check, _assertion in checks:
            if f"{CHECKING}({check})" in line:
                where[check] = number
    return "\n".join(lines) + "\n", where
