"""Web-aware operators for FastAPI / Starlette / Pydantic / SQLAlchemy code, found by shape."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from breakit.operators.base import Change, Context, Operator
from breakit.operators.shapes import (
    callee_name,
    db_statement_kind,
    drop_item,
    is_capitalised_name,
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
CONSTRAINT_CALLS = frozenset(
    {
        "Field",
        "StringConstraints",
        "Path",
        "Query",
        "Body",
        "Header",
        "Cookie",
        "Form",
        "File",
        "constr",
        "conint",
        "confloat",
        "condecimal",
        "conbytes",
        "conlist",
        "conset",
        "confrozenset",
        "condate",
    }
)
CONSTRAINT_KEYWORDS = frozenset(
    {
        "min_length",
        "max_length",
        "gt",
        "ge",
        "lt",
        "le",
        "multiple_of",
        "pattern",
        "regex",
        "strip_whitespace",
        "to_lower",
        "to_upper",
        "max_digits",
        "decimal_places",
        "min_items",
        "max_items",
        "unique_items",
        "allow_inf_nan",
        "strict",
    }
)
_DEPENDENCIES = frozenset({"Depends", "Security"})
_NOT_CONSTRUCTORS = CONSTRAINT_CALLS | _DEPENDENCIES | {"Annotated"}
_FILTER_METHODS = frozenset({"where", "filter", "filter_by"})


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


def _status_change(value: cst.BaseExpression, ctx: Context) -> Iterator[Change]:
    code = status_code(value)
    if code is None:
        return
    new_code = swapped_status(code)
    if isinstance(value, cst.Attribute) and new_code in _STATUS_CONSTANTS:
        new: cst.BaseExpression = value.with_changes(attr=cst.Name(_STATUS_CONSTANTS[new_code]))
    else:
        new = with_parens_of(value, cst.Integer(str(new_code)))
    yield Change(value, new, f"status {code} → {new_code}")


def status_code_swapped(node: cst.Call | cst.Assign, ctx: Context) -> Iterator[Change]:
    if isinstance(node, cst.Assign):
        if any(
            isinstance(t.target, cst.Attribute) and t.target.attr.value == "status_code"
            for t in node.targets
        ):
            yield from _status_change(node.value, ctx)
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
        yield from _status_change(site, ctx)


def raise_http_removed(node: cst.Raise, ctx: Context) -> Iterator[Change]:
    exc = node.exc
    if isinstance(exc, cst.Call) and (callee_name(exc) or "").endswith("HTTPException"):
        yield Change(node, pass_statement(node))


def route_method(node: cst.Decorator, ctx: Context) -> Iterator[Change]:
    call = route_call(node)
    if call is None:
        return
    func = call.func
    if not isinstance(func, cst.Attribute):  # never: route_call is a method call
        return
    old = func.attr.value
    new_func = func.with_changes(attr=cst.Name(_METHOD_SWAPS[old]))
    yield Change(call, call.with_changes(func=new_func), f"`.{old}` → `.{_METHOD_SWAPS[old]}`")


def route_path_changed(node: cst.Decorator, ctx: Context) -> Iterator[Change]:
    call = route_call(node)
    path = route_path(call) if call is not None else None
    if call is None or path is None:
        return
    raw = path.raw_value
    new_raw = raw + ("x" if raw.endswith("/") else "/x")
    new_path = path.with_changes(value=f"{path.prefix}{path.quote}{new_raw}{path.quote}")
    new_call = call.deep_replace(path, new_path)
    yield Change(call, new_call, f"route path {raw!r} → {new_raw!r}")


def response_model_dropped(node: cst.Decorator, ctx: Context) -> Iterator[Change]:
    call = route_call(node)
    if call is None:
        return
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "response_model":
            new = call.with_changes(args=drop_item(call.args, index))
            yield Change(call, new, f"`response_model={ctx.code(arg.value)}` dropped")


def returned_key_dropped(node: cst.Return, ctx: Context) -> Iterator[Change]:
    value = node.value
    if not isinstance(value, cst.Dict):
        return
    for index, element in enumerate(value.elements):
        if isinstance(element, cst.DictElement):
            new = value.with_changes(elements=drop_item(value.elements, index))
            title = f"key {ctx.code(element.key)} dropped from the returned dict"
            yield Change(value, new, title)


def constructor_keyword_dropped(node: cst.Call, ctx: Context) -> Iterator[Change]:
    name = callee_name(node)
    if not is_capitalised_name(name) or name in _NOT_CONSTRUCTORS:
        return
    if name is None or name.endswith(("Error", "Exception", "Warning")):
        return
    if ctx.inside(cst.Decorator):
        return
    for index, arg in enumerate(node.args):
        if arg.keyword is not None:
            new = node.with_changes(args=drop_item(node.args, index))
            yield Change(node, new, f"`{arg.keyword.value}=` dropped from {name}(...)")


def _parameter_names(function: cst.FunctionDef) -> set[str]:
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            every.append(star)
    return {param.name.value for param in every}


def _guarded_parameter(test: cst.BaseExpression) -> str | None:
    """`p` for `if p is not None:` and `if p:`."""
    if isinstance(test, cst.Name):
        return test.value
    if (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].operator, cst.IsNot)
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        return test.left.value
    return None


def param_filter_removed(node: cst.If, ctx: Context) -> Iterator[Change]:
    function = ctx.enclosing_function()
    name = _guarded_parameter(node.test)
    if function is None or name is None or node.orelse is not None:
        return
    if name in _parameter_names(function):
        new = cst.SimpleStatementLine([cst.Pass()], leading_lines=node.leading_lines)
        yield Change(node, new, f"the `if {ctx.code(node.test)}:` block removed")


def where_dropped(node: cst.Call, ctx: Context) -> Iterator[Change]:
    func = node.func
    if method_call(node, _FILTER_METHODS) and isinstance(func, cst.Attribute):
        yield Change(node, with_parens_of(node, func.value), f"`.{func.attr.value}(...)` dropped")


def pydantic_constraint_removed(node: cst.Call, ctx: Context) -> Iterator[Change]:
    name = callee_name(node)
    if name not in CONSTRAINT_CALLS:
        return
    for index, arg in enumerate(node.args):
        if arg.keyword is not None and arg.keyword.value in CONSTRAINT_KEYWORDS:
            new = node.with_changes(args=drop_item(node.args, index))
            yield Change(node, new, f"`{ctx.code(arg).rstrip(',')}` dropped from {name}(...)")


def _is_dependency(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Call) and callee_name(node) in _DEPENDENCIES


def depends_removed(
    node: cst.Subscript | cst.Param | cst.List | cst.Tuple, ctx: Context
) -> Iterator[Change]:
    new: cst.CSTNode
    if isinstance(node, cst.Param):
        default = node.default
        if default is not None and _is_dependency(default):
            new = node.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)
            yield Change(node, new, f"`= {ctx.code(default)}` dropped")
        return
    if isinstance(node, cst.Subscript):
        value = node.value
        name = value.attr.value if isinstance(value, cst.Attribute) else getattr(value, "value", "")
        if name != "Annotated":
            return
        elements = node.slice
        for index, element in enumerate(elements):
            if index == 0 or not isinstance(element.slice, cst.Index):
                continue
            if _is_dependency(element.slice.value):
                if len(elements) > 2:
                    new = node.with_changes(slice=drop_item(elements, index))
                else:  # Annotated[T, Depends(f)] -> T: Annotated needs some metadata
                    first = elements[0].slice
                    if not isinstance(first, cst.Index):
                        return
                    new = with_parens_of(node, first.value)
                yield Change(node, new, f"`{ctx.code(element.slice.value)}` dropped")
        return
    if isinstance(node, cst.Tuple) and not node.lpar and len(node.elements) < 2:
        return  # `x = Depends(f),` cannot become an empty tuple without parentheses
    for index, item in enumerate(node.elements):
        if isinstance(item, cst.Element) and _is_dependency(item.value):
            new = node.with_changes(elements=drop_item(node.elements, index))
            yield Change(node, new, f"`{ctx.code(item.value)}` dropped")


def exception_handler_removed(node: cst.Decorator | cst.Expr, ctx: Context) -> Iterator[Change]:
    if isinstance(node, cst.Decorator):
        decorator = node.decorator
        if isinstance(decorator, cst.Call) and method_call(
            decorator, frozenset({"exception_handler"})
        ):
            yield Change(node, None, f"`@{ctx.code(decorator)}` removed")
        return
    call = statement_call(node)
    if call is not None and method_call(call, frozenset({"add_exception_handler"})):
        yield Change(node, pass_statement(node))


def _only_reraises(body: cst.BaseSuite) -> bool:
    statements = list(body.body)
    if len(statements) != 1:
        return False
    statement = statements[0]
    small = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    return len(small) == 1 and isinstance(small[0], cst.Raise) and small[0].exc is None


def except_reraises(node: cst.ExceptHandler, ctx: Context) -> Iterator[Change]:
    if node.type is None or _only_reraises(node.body):
        return
    body: cst.BaseSuite
    if isinstance(node.body, cst.IndentedBlock):
        body = node.body.with_changes(body=[cst.SimpleStatementLine([cst.Raise()])])
    else:
        body = node.body.with_changes(body=[cst.Raise()])
    title = f"`except {ctx.code(node.type)}:` body → `raise`"
    yield Change(node, node.with_changes(body=body), title)


def _db_statement(node: cst.Expr, kind: str) -> Iterator[Change]:
    call = statement_call(node)
    if call is not None and db_statement_kind(call) == kind:
        yield Change(node, pass_statement(node))


def db_commit_removed(node: cst.Expr, ctx: Context) -> Iterator[Change]:
    yield from _db_statement(node, "commit")


def db_write_removed(node: cst.Expr, ctx: Context) -> Iterator[Change]:
    yield from _db_statement(node, "write")


OPERATORS: tuple[Operator, ...] = (
    Operator(
        "status_code",
        "web",
        (cst.Call, cst.Assign),
        status_code_swapped,
        "an HTTP status swapped (201/204 → 200, 200 → 201, 400 → 422, other 4xx/5xx → 400)"
        " in routes, HTTPException, responses and `x.status_code = ...`",
        "raise HTTPException(status.HTTP_404_NOT_FOUND)",
        "raise HTTPException(status.HTTP_400_BAD_REQUEST)",
    ),
    Operator(
        "raise_http_removed",
        "web",
        (cst.Raise,),
        raise_http_removed,
        "a `raise HTTPException(...)` removed",
        "raise HTTPException(404, detail='not found')",
        "pass",
    ),
    Operator(
        "route_method",
        "web",
        (cst.Decorator,),
        route_method,
        "a route's HTTP method changed (get ↔ post, put → post, patch → put, delete → get)",
        '@router.delete("/{item_id}")',
        '@router.get("/{item_id}")',
    ),
    Operator(
        "route_path",
        "web",
        (cst.Decorator,),
        route_path_changed,
        "a route's path moved (`/x` appended)",
        '@router.get("/{item_id}")',
        '@router.get("/{item_id}/x")',
    ),
    Operator(
        "response_model_dropped",
        "web",
        (cst.Decorator,),
        response_model_dropped,
        "`response_model=...` dropped from a route",
        '@router.get("", response_model=list[Item])',
        '@router.get("")',
    ),
    Operator(
        "returned_key_dropped",
        "web",
        (cst.Return,),
        returned_key_dropped,
        "one key left out of a returned dict literal",
        'return {"id": item.id, "name": item.name}',
        'return {"name": item.name}',
    ),
    Operator(
        "constructor_keyword_dropped",
        "web",
        (cst.Call,),
        constructor_keyword_dropped,
        "a keyword argument left out of a model constructor (a CapWords call)",
        "row = ItemRow(name=payload.name, price=payload.price)",
        "row = ItemRow(price=payload.price)",
    ),
    Operator(
        "param_filter_removed",
        "web",
        (cst.If,),
        param_filter_removed,
        "a filter on a parameter ignored: `if <param> is not None:` (or `if <param>:`) removed",
        "if done is not None: query = query.where(Item.done == done)",
        "pass",
    ),
    Operator(
        "where_dropped",
        "web",
        (cst.Call,),
        where_dropped,
        "a query's `.where(...)` / `.filter(...)` / `.filter_by(...)` dropped",
        "select(Item).where(Item.owner == user)",
        "select(Item)",
    ),
    Operator(
        "pydantic_constraint_removed",
        "web",
        (cst.Call,),
        pydantic_constraint_removed,
        "a validation constraint dropped from Field / StringConstraints / Path / Query / con*()",
        "Field(min_length=1, max_length=200)",
        "Field(max_length=200)",
        in_annotations=True,
    ),
    Operator(
        "depends_removed",
        "web",
        (cst.Subscript, cst.Param, cst.List, cst.Tuple),
        depends_removed,
        "a `Depends(...)` dropped: from Annotated[...], a parameter default, or dependencies=[...]",
        "SessionDep = Annotated[Session, Depends(get_session)]",
        "SessionDep = Session",
        in_annotations=True,
    ),
    Operator(
        "exception_handler_removed",
        "web",
        (cst.Decorator, cst.Expr),
        exception_handler_removed,
        "an exception handler unregistered: its `@app.exception_handler(...)` or"
        " `app.add_exception_handler(...)` removed",
        "@app.exception_handler(NotFound)",
        "(decorator removed)",
    ),
    Operator(
        "except_reraises",
        "web",
        (cst.ExceptHandler,),
        except_reraises,
        "an `except SomeError:` clause's body replaced by `raise`",
        "except IntegrityError: return conflict()",
        "except IntegrityError: raise",
    ),
    Operator(
        "db_commit_removed",
        "web",
        (cst.Expr,),
        db_commit_removed,
        "a database `commit()` removed",
        "session.commit()",
        "pass",
    ),
    Operator(
        "db_write_removed",
        "web",
        (cst.Expr,),
        db_write_removed,
        "a session write removed: `.add(x)`, `.add_all(xs)`, `.delete(x)`, `.merge(x)`, `.flush()`",
        "session.add(item)",
        "pass",
    ),
)
