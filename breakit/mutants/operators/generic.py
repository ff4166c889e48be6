"""Generic operators, as mutmut, cosmic-ray and Stryker users know them: one small rule each."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst

from breakit.mutants.operators.base import Context, Edit, Operator
from breakit.mutants.operators.shapes import (
    claimed_by_web,
    pass_statement,
    statement_call,
    with_parens_of,
)

_COMPARISON_SWAPS: dict[type[cst.BaseCompOp], type[cst.BaseCompOp]] = {
    cst.LessThan: cst.LessThanEqual,
    cst.LessThanEqual: cst.LessThan,
    cst.GreaterThan: cst.GreaterThanEqual,
    cst.GreaterThanEqual: cst.GreaterThan,
    cst.Equal: cst.NotEqual,
    cst.NotEqual: cst.Equal,
    cst.In: cst.NotIn,
    cst.NotIn: cst.In,
    cst.Is: cst.IsNot,
    cst.IsNot: cst.Is,
}

_ARITHMETIC_SWAPS: dict[type[cst.BaseBinaryOp], type[cst.BaseBinaryOp]] = {
    cst.Add: cst.Subtract,
    cst.Subtract: cst.Add,
    cst.Multiply: cst.Divide,
    cst.Divide: cst.Multiply,
    cst.FloorDivide: cst.Divide,
    cst.Modulo: cst.Divide,
    cst.Power: cst.Multiply,
}

_AUGMENTED_SWAPS: dict[type[cst.BaseAugOp], type[cst.BaseAugOp]] = {
    cst.AddAssign: cst.SubtractAssign,
    cst.SubtractAssign: cst.AddAssign,
    cst.MultiplyAssign: cst.DivideAssign,
    cst.DivideAssign: cst.MultiplyAssign,
}

_STRINGS = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)


def _swap_operator(op: Any, new_type: Callable[..., cst.CSTNode]) -> cst.CSTNode:
    # Every operator node has whitespace_before/after; `not in` and `is not` add one between.
    # libcst declares them on each concrete operator class, not on a common base: hence Any.
    return new_type(whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)


def _title(ctx: Context, old: cst.CSTNode, new: cst.CSTNode) -> str:
    return f"`{ctx.code(old)}` → `{ctx.code(new)}`"


def comparison(node: cst.Comparison, ctx: Context) -> Iterator[Edit]:
    for index, target in enumerate(node.comparisons):
        new_type = _COMPARISON_SWAPS.get(type(target.operator))
        if new_type is None:
            continue
        new_op = _swap_operator(target.operator, new_type)
        targets = list(node.comparisons)
        targets[index] = target.with_changes(operator=new_op)
        title = _title(ctx, target.operator, new_op)
        yield Edit(node, node.with_changes(comparisons=targets), title)


def arithmetic(node: cst.BinaryOperation, ctx: Context) -> Iterator[Edit]:
    # `"%s" % x` and `"a" + b` are formatting and concatenation: swapping them only crashes.
    if isinstance(node.left, _STRINGS) or isinstance(node.right, _STRINGS):
        return
    new_type = _ARITHMETIC_SWAPS.get(type(node.operator))
    if new_type is not None:
        new_op = _swap_operator(node.operator, new_type)
        yield Edit(node, node.with_changes(operator=new_op), _title(ctx, node.operator, new_op))


def boolean(node: cst.Name, ctx: Context) -> Iterator[Edit]:
    if node.value in ("True", "False"):
        yield Edit(node, node.with_changes(value="False" if node.value == "True" else "True"))


def and_or(node: cst.BooleanOperation, ctx: Context) -> Iterator[Edit]:
    new_type = cst.Or if isinstance(node.operator, cst.And) else cst.And
    new_op = _swap_operator(node.operator, new_type)
    yield Edit(node, node.with_changes(operator=new_op), _title(ctx, node.operator, new_op))


def not_removed(node: cst.UnaryOperation, ctx: Context) -> Iterator[Edit]:
    if isinstance(node.operator, cst.Not):
        yield Edit(node, with_parens_of(node, node.expression))


def number(node: cst.Integer | cst.Float, ctx: Context) -> Iterator[Edit]:
    if isinstance(node, cst.Integer):
        value = int(node.evaluated_value)
        prefix = node.value[:2].lower()
        spell = {"0x": hex, "0o": oct, "0b": bin}.get(prefix, str)
        for new in (value + 1, value - 1):
            if new >= 0:
                yield Edit(node, node.with_changes(value=spell(new)))
    else:
        real = float(node.evaluated_value)
        for new_real in (real + 1.0, 0.0):
            if new_real != real and math.isfinite(new_real):
                yield Edit(node, node.with_changes(value=repr(new_real)))


def string_emptied(node: cst.SimpleString, ctx: Context) -> Iterator[Edit]:
    # Pieces of f-strings are left alone: `f"{d['key']}"` is formatting, not a value.
    if node.raw_value and not ctx.inside(cst.FormattedString):
        yield Edit(node, node.with_changes(value=f"{node.prefix}{node.quote}{node.quote}"))


def return_none(node: cst.Return, ctx: Context) -> Iterator[Edit]:
    value = node.value
    if value is None or (isinstance(value, cst.Name) and value.value == "None"):
        return
    yield Edit(value, with_parens_of(value, cst.Name("None")))


def call_removed(node: cst.Expr, ctx: Context) -> Iterator[Edit]:
    call = statement_call(node)
    if call is not None and not claimed_by_web(call):
        yield Edit(node, pass_statement(node))


def if_condition(node: cst.If, ctx: Context) -> Iterator[Edit]:
    test = node.test
    if isinstance(test, cst.Name) and test.value in ("True", "False"):
        return
    for forced in ("True", "False"):
        yield Edit(test, with_parens_of(test, cst.Name(forced)))


def augmented_assignment(node: cst.AugAssign, ctx: Context) -> Iterator[Edit]:
    new_type = _AUGMENTED_SWAPS.get(type(node.operator))
    if new_type is not None:
        new_op = _swap_operator(node.operator, new_type)
        yield Edit(node, node.with_changes(operator=new_op), _title(ctx, node.operator, new_op))


OPERATORS: tuple[Operator, ...] = (
    Operator(
        "comparison",
        "generic",
        (cst.Comparison,),
        comparison,
        "a comparison moved across its boundary or negated (< ↔ <=, == ↔ !=, in ↔ not in, …)",
        "if size > limit:",
        "if size >= limit:",
    ),
    Operator(
        "arithmetic",
        "generic",
        (cst.BinaryOperation,),
        arithmetic,
        "an arithmetic operator swapped (+ ↔ -, * ↔ /, // → /, % → /, ** → *)",
        "total = price * count",
        "total = price / count",
    ),
    Operator(
        "boolean",
        "generic",
        (cst.Name,),
        boolean,
        "a boolean literal flipped",
        "done = False",
        "done = True",
    ),
    Operator(
        "and_or",
        "generic",
        (cst.BooleanOperation,),
        and_or,
        "`and` and `or` swapped",
        "if admin and owner:",
        "if admin or owner:",
    ),
    Operator(
        "not_removed",
        "generic",
        (cst.UnaryOperation,),
        not_removed,
        "a `not` dropped",
        "if not found:",
        "if found:",
    ),
    Operator(
        "number",
        "generic",
        (cst.Integer, cst.Float),
        number,
        "a number moved by one: n → n+1 and n → n-1 (floats: x → x+1.0 and x → 0.0)",
        "retries = 3",
        "retries = 4  /  retries = 2",
    ),
    Operator(
        "string_emptied",
        "generic",
        (cst.SimpleString,),
        string_emptied,
        "a non-empty string literal emptied (docstrings and f-strings left alone)",
        'prefix = "/api"',
        'prefix = ""',
    ),
    Operator(
        "return_none",
        "generic",
        (cst.Return,),
        return_none,
        "a returned value replaced by None",
        "return total",
        "return None",
    ),
    Operator(
        "call_removed",
        "generic",
        (cst.Expr,),
        call_removed,
        "a call made as a statement removed (database writes are `db_*_removed`)",
        "cache.clear()",
        "pass",
    ),
    Operator(
        "if_condition",
        "generic",
        (cst.If,),
        if_condition,
        "an `if` / `elif` condition forced True, and forced False",
        "if user is None:",
        "if True:  /  if False:",
    ),
    Operator(
        "augmented_assignment",
        "generic",
        (cst.AugAssign,),
        augmented_assignment,
        "an augmented assignment swapped (+= ↔ -=, *= ↔ /=)",
        "count += 1",
        "count -= 1",
    ),
)
