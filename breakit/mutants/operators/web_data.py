"""The web operators on the data a request carries and stores: model constructors, Pydantic
validation constraints, FastAPI dependencies, filters on a parameter, query filters and the
session's writes and commits. The family's table is breakit.mutants.operators.web."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from breakit.mutants.operators.base import Context, Edit
from breakit.mutants.operators.shapes import (
    callee_name,
    db_statement_kind,
    drop_item,
    is_capitalised_name,
    method_call,
    pass_statement,
    statement_call,
    with_parens_of,
)

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


def constructor_keyword_dropped(node: cst.Call, ctx: Context) -> Iterator[Edit]:
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
            yield Edit(node, new, f"`{arg.keyword.value}=` dropped from {name}(...)")


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


def param_filter_removed(node: cst.If, ctx: Context) -> Iterator[Edit]:
    function = ctx.enclosing_function()
    name = _guarded_parameter(node.test)
    if function is None or name is None or node.orelse is not None:
        return
    if name in _parameter_names(function):
        new = cst.SimpleStatementLine([cst.Pass()], leading_lines=node.leading_lines)
        yield Edit(node, new, f"the `if {ctx.code(node.test)}:` block removed")


def where_dropped(node: cst.Call, ctx: Context) -> Iterator[Edit]:
    func = node.func
    if method_call(node, _FILTER_METHODS) and isinstance(func, cst.Attribute):
        yield Edit(node, with_parens_of(node, func.value), f"`.{func.attr.value}(...)` dropped")


def pydantic_constraint_removed(node: cst.Call, ctx: Context) -> Iterator[Edit]:
    name = callee_name(node)
    if name not in CONSTRAINT_CALLS:
        return
    for index, arg in enumerate(node.args):
        if arg.keyword is not None and arg.keyword.value in CONSTRAINT_KEYWORDS:
            new = node.with_changes(args=drop_item(node.args, index))
            yield Edit(node, new, f"`{ctx.code(arg).rstrip(',')}` dropped from {name}(...)")


def _is_dependency(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Call) and callee_name(node) in _DEPENDENCIES


def depends_removed(
    node: cst.Subscript | cst.Param | cst.List | cst.Tuple, ctx: Context
) -> Iterator[Edit]:
    new: cst.CSTNode
    if isinstance(node, cst.Param):
        default = node.default
        if default is not None and _is_dependency(default):
            new = node.with_changes(default=None, equal=cst.MaybeSentinel.DEFAULT)
            yield Edit(node, new, f"`= {ctx.code(default)}` dropped")
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
                yield Edit(node, new, f"`{ctx.code(element.slice.value)}` dropped")
        return
    if isinstance(node, cst.Tuple) and not node.lpar and len(node.elements) < 2:
        return  # `x = Depends(f),` cannot become an empty tuple without parentheses
    for index, item in enumerate(node.elements):
        if isinstance(item, cst.Element) and _is_dependency(item.value):
            new = node.with_changes(elements=drop_item(node.elements, index))
            yield Edit(node, new, f"`{ctx.code(item.value)}` dropped")


def _db_statement(node: cst.Expr, kind: str) -> Iterator[Edit]:
    call = statement_call(node)
    if call is not None and db_statement_kind(call) == kind:
        yield Edit(node, pass_statement(node))


def db_commit_removed(node: cst.Expr, ctx: Context) -> Iterator[Edit]:
    yield from _db_statement(node, "commit")


def db_write_removed(node: cst.Expr, ctx: Context) -> Iterator[Edit]:
    yield from _db_statement(node, "write")
