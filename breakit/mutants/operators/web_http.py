"""The web operators on what a client sees over HTTP: the status a route answers, the routes
themselves (method, path, response model), the dict a handler returns, and exception handling
(HTTPException raised, handlers registered, `except` clauses). The family's table is
breakit.mutants.operators.web."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from breakit.mutants.operators.base import Context, Edit
from breakit.mutants.operators.shapes import (
    callee_name,
    drop_item,
    keyword_arg,
    method_call,
    pass_statement,
    positional_args,
    route_call,
    route_path,
    statement_call,
    status_code,
    with_parens_of,
)

# Names whose meaning has not changed across Starlette releases (422 and 413 were renamed).
_STATUS_CONSTANTS = {
    200: "HTTP_200_OK",
    201: "HTTP_201_CREATED",
    400: "HTTP_400_BAD_REQUEST",
    401: "HTTP_401_UNAUTHORIZED",
    403: "HTTP_403_FORBIDDEN",
}
_METHOD_SWAPS = {
    "get": "post",
    "post": "get",
    "put": "post",
    "patch": "put",
    "delete": "get",
    "head": "get",
    "options": "get",
}


def swapped_status(code: int) -> int:
    """The status a mutant answers instead of `code`: success ↔ its neighbour, errors → 400/422."""
    if code == 200:
        return 201
    if code < 400:
        return 200
    if code == 400:
        return 422
    if code == 401:
        return 403
    if code == 403:
        return 401
    return 400


def _status_edit(value: cst.BaseExpression, ctx: Context) -> Iterator[Edit]:
    code = status_code(value)
    if code is None:
        return
    new_code = swapped_status(code)
    if isinstance(value, cst.Attribute) and new_code in _STATUS_CONSTANTS:
        new: cst.BaseExpression = value.with_changes(attr=cst.Name(_STATUS_CONSTANTS[new_code]))
    else:
        new = with_parens_of(value, cst.Integer(str(new_code)))
    yield Edit(value, new, f"status {code} → {new_code}")


def status_code_swapped(node: cst.Call | cst.Assign, ctx: Context) -> Iterator[Edit]:
    if isinstance(node, cst.Assign):
        if any(
            isinstance(t.target, cst.Attribute) and t.target.attr.value == "status_code"
            for t in node.targets
        ):
            yield from _status_edit(node.value, ctx)
        return
    sites: list[cst.BaseExpression] = []
    name = callee_name(node) or ""
    positional = positional_args(node)
    if name.endswith("Exception") and positional:
        sites.append(positional[0].value)  # HTTPException(404, ...)
    if name.endswith("Response") and len(positional) > 1:
        sites.append(positional[1].value)  # JSONResponse(content, 201)
    keyword = keyword_arg(node, "status_code")
    if keyword is not None:
        sites.append(keyword.value)
    for site in sites:
        yield from _status_edit(site, ctx)


def raise_http_removed(node: cst.Raise, ctx: Context) -> Iterator[Edit]:
    exc = node.exc
    if isinstance(exc, cst.Call) and (callee_name(exc) or "").endswith("HTTPException"):
        yield Edit(node, pass_statement(node))


def route_method(node: cst.Decorator, ctx: Context) -> Iterator[Edit]:
    call = route_call(node)
    if call is None:
        return
    func = call.func
    if not isinstance(func, cst.Attribute):  # never: route_call is a method call
        return
    old = func.attr.value
    new_func = func.with_changes(attr=cst.Name(_METHOD_SWAPS[old]))
    yield Edit(call, call.with_changes(func=new_func), f"`.{old}` → `.{_METHOD_SWAPS[old]}`")


def route_path_changed(node: cst.Decorator, ctx: Context) -> Iterator[Edit]:
    call = route_call(node)
    path = route_path(call) if call is not None else None
    if call is None or path is None:
        return
    raw = path.raw_value
    new_raw = raw + ("x" if raw.endswith("/") else "/x")
    new_path = path.with_changes(value=f"{path.prefix}{path.quote}{new_raw}{path.quote}")
    new_call = call.deep_replace(path, new_path)
    yield Edit(call, new_call, f"route path {raw!r} → {new_raw!r}")


def response_model_dropped(node: cst.Decorator, ctx: Context) -> Iterator[Edit]:
    call = route_call(node)
    if call is None:
        return
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "response_model":
            new = call.with_changes(args=drop_item(call.args, index))
            yield Edit(call, new, f"`response_model={ctx.code(arg.value)}` dropped")


def returned_key_dropped(node: cst.Return, ctx: Context) -> Iterator[Edit]:
    value = node.value
    if not isinstance(value, cst.Dict):
        return
    for index, element in enumerate(value.elements):
        if isinstance(element, cst.DictElement):
            new = value.with_changes(elements=drop_item(value.elements, index))
            title = f"key {ctx.code(element.key)} dropped from the returned dict"
            yield Edit(value, new, title)


def exception_handler_removed(node: cst.Decorator | cst.Expr, ctx: Context) -> Iterator[Edit]:
    if isinstance(node, cst.Decorator):
        decorator = node.decorator
        if isinstance(decorator, cst.Call) and method_call(
            decorator, frozenset({"exception_handler"})
        ):
            yield Edit(node, None, f"`@{ctx.code(decorator)}` removed")
        return
    call = statement_call(node)
    if call is not None and method_call(call, frozenset({"add_exception_handler"})):
        yield Edit(node, pass_statement(node))


def _only_reraises(body: cst.BaseSuite) -> bool:
    statements = list(body.body)
    if len(statements) != 1:
        return False
    statement = statements[0]
    small = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    return len(small) == 1 and isinstance(small[0], cst.Raise) and small[0].exc is None


def except_reraises(node: cst.ExceptHandler, ctx: Context) -> Iterator[Edit]:
    if node.type is None or _only_reraises(node.body):
        return
    body: cst.BaseSuite
    if isinstance(node.body, cst.IndentedBlock):
        body = node.body.with_changes(body=[cst.SimpleStatementLine([cst.Raise()])])
    else:
        body = node.body.with_changes(body=[cst.Raise()])
    title = f"`except {ctx.code(node.type)}:` body → `raise`"
    yield Edit(node, node.with_changes(body=body), title)
