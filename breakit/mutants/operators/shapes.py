"""Shape tests and node helpers shared by the operators: framework names only, never the app's."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

import libcst as cst

ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
# Statement calls that a web operator owns: the generic `call_removed` leaves them alone, so
# one site never yields the same mutant under two names.
DB_COMMIT_METHODS = frozenset({"commit"})
DB_WRITE_METHODS = frozenset({"add", "add_all", "delete", "merge", "flush"})
EXCEPTION_HANDLER_ADDERS = frozenset({"add_exception_handler"})
_STATUS_NAME = re.compile(r"HTTP_(\d{3})(?:_|$)")

Item = TypeVar("Item", cst.Arg, cst.Element, cst.DictElement, cst.SubscriptElement)


def callee_name(call: cst.Call) -> str | None:
    """The last identifier of what is called: `Field` for `Field(...)` and `pydantic.Field(...)`."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def method_call(node: cst.BaseExpression, names: frozenset[str]) -> cst.Call | None:
    """`node` if it is `<something>.<name>(...)` with `name` in `names`."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in names
    ):
        return node
    return None


def statement_call(statement: cst.Expr) -> cst.Call | None:
    """The call an expression statement makes (`f(x)` or `await f(x)`), if it is one."""
    value = statement.value
    if isinstance(value, cst.Await):
        value = value.expression
    return value if isinstance(value, cst.Call) else None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    return [arg for arg in call.args if arg.keyword is None and not arg.star]


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def db_statement_kind(call: cst.Call) -> str | None:
    """ "commit" for `x.commit()`, "write" for `x.add(obj)` / `x.delete(obj)` / …; else None."""
    if method_call(call, DB_COMMIT_METHODS) and not call.args:
        return "commit"
    if method_call(call, DB_WRITE_METHODS):
        method = callee_name(call)  # the method's name: method_call saw an attribute call
        wanted = 0 if method == "flush" else 1
        if len(call.args) == wanted and all(not arg.keyword for arg in call.args):
            return "write"
    return None


def claimed_by_web(call: cst.Call) -> bool:
    """Statement calls that a web operator removes under its own, more telling name."""
    return db_statement_kind(call) is not None or bool(method_call(call, EXCEPTION_HANDLER_ADDERS))


def route_call(decorator: cst.Decorator) -> cst.Call | None:
    """The call of a route decorator, `@<router>.get("/path", ...)`: a method name and a path."""
    call = decorator.decorator
    if not isinstance(call, cst.Call) or not method_call(call, ROUTE_METHODS):
        return None
    return call if route_path(call) is not None else None


def route_path(call: cst.Call) -> cst.SimpleString | None:
    path = keyword_arg(call, "path")
    if path is None:
        positional = positional_args(call)
        path = positional[0] if positional else None
    if path is not None and isinstance(path.value, cst.SimpleString):
        return path.value
    return None


def status_code(node: cst.BaseExpression) -> int | None:
    """The HTTP status `node` spells: `404`, `status.HTTP_404_NOT_FOUND` or `HTTP_404_NOT_FOUND`."""
    if isinstance(node, cst.Integer):
        try:
            value = int(node.evaluated_value)
        except ValueError:
            return None
        return value if 100 <= value <= 599 else None
    name = node.attr if isinstance(node, cst.Attribute) else node
    if isinstance(name, cst.Name):
        found = _STATUS_NAME.match(name.value)
        if found:
            return int(found.group(1))
    return None


def drop_item(items: Sequence[Item], index: int) -> list[Item]:
    """`items` without the one at `index`, commas kept right (no stray trailing comma)."""
    kept = [item for position, item in enumerate(items) if position != index]
    if kept and index == len(items) - 1:
        kept[-1] = kept[-1].with_changes(comma=items[index].comma)
    return kept


def with_parens_of(original: cst.BaseExpression, new: cst.BaseExpression) -> cst.BaseExpression:
    """`new`, wrapped in the parentheses `original` had (so `return(x)` stays valid)."""
    if not original.lpar:
        return new
    return new.with_changes(lpar=[*original.lpar, *new.lpar], rpar=[*new.rpar, *original.rpar])


def is_capitalised_name(name: str | None) -> bool:
    """A CapWords name, the shape of a class: `TodoRow`, `ConfigDict` (not `HTTP_OK`, `x`)."""
    if not name:
        return False
    return name[0].isupper() and any(ch.islower() for ch in name)


def pass_statement(node: cst.BaseSmallStatement) -> cst.Pass:
    """`pass`, keeping the `;` of the small statement it stands in for."""
    return cst.Pass(semicolon=node.semicolon)
