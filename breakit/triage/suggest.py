"""An input to add, where it is simple: the boundary of a comparison, zero (or one) for an
arithmetic operand, a condition never false (or true), a value never anything but None, an empty
collection. It reads the values a never-told-apart mutant's probe saw (as their reprs).

`inputs_for` is the same input where a new test can write it (breakit.triage.new_input): one
plain name given one value."""

from __future__ import annotations

import ast
import keyword
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from breakit.triage.probe import Probe

if TYPE_CHECKING:
    from breakit.triage.value import Example

_BOUNDARY = {"<", "<=", ">", ">="}
_IDENTITY = {("+", "-"): "0", ("-", "+"): "0", ("*", "/"): "1", ("/", "*"): "1"}


def literal_value(text: str) -> Any:
    """The value a repr reads back as, else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


def _operand(examples: Sequence[Example], index: int) -> list[str]:
    found: list[str] = []
    for example in examples:
        if index < len(example.operands) and example.operands[index] not in found:
            found.append(example.operands[index])
    return found


def suggestion(probe: Probe, examples: Sequence[Example]) -> str | None:
    """An input that tells the original and the mutant apart, or None when none is simple."""
    if probe.kind in ("compare", "chain"):
        return _boundary(probe, examples)
    if probe.kind == "nested":
        compare, binary, side = probe.ops
        first, second, third = probe.parts
        a, b, other = (first, second, third) if side == "0" else (second, third, first)
        if compare in _BOUNDARY or compare in ("==", "!="):
            return f"a test where `{other}` is near `{a} {binary} {b}`"
        return None
    if probe.kind == "operand":
        return _moved(probe, examples)
    if probe.kind in ("binop", "augmented"):
        return _identity(probe, examples) or _collections(probe, examples)
    if probe.kind in ("value", "truth"):
        return _forced(probe, examples)
    if probe.kind == "boolop":
        left = probe.parts[0]
        truths = {bool(literal_value(e.operands[0])) for e in examples if e.operands}
        if len(truths) == 1:
            return f"a test where `{left}` is {'falsy' if truths.pop() else 'truthy'}"
    return None


def _boundary(probe: Probe, examples: Sequence[Example]) -> str | None:
    pairs = zip(probe.ops, probe.alternative, strict=False)
    for index, (op, other) in enumerate(pairs):
        if op == other or not {op, other} <= _BOUNDARY:
            continue
        left, right = probe.parts[index], probe.parts[index + 1]
        rights = _operand(examples, index + 1)
        if len(rights) == 1 and rights[0] != right:
            return f"a test where `{left}` is {rights[0]} (equal to `{right}`)"
        if len(rights) == 1:
            return f"a test where `{left}` is {right}"
        return f"a test where `{left}` equals `{right}`"
    return _collections(probe, examples)


def _moved_point(probe: Probe) -> int | None:
    """`score >= 90` → `score >= 89` differ only at 89: the value between the two literals."""
    op = probe.ops[0]
    index, new = probe.alternative[0], probe.alternative[1]
    old, moved = literal_value(probe.parts[int(index)]), literal_value(str(new))
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (old, moved))
    if op not in _BOUNDARY or not numbers or index != "1":
        return None
    low, high = sorted((old, moved))
    return int(low if op in (">=", "<") else high)


def _moved(probe: Probe, examples: Sequence[Example]) -> str | None:
    """`score >= 90` → `score >= 89` differ only at 89: the value between the two literals."""
    point = _moved_point(probe)
    if point is not None:
        return f"a test where `{probe.parts[0]}` is {point}"
    op, index = probe.ops[0], probe.alternative[0]
    old, moved = literal_value(probe.parts[int(index)]), literal_value(str(probe.alternative[1]))
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (old, moved))
    if op in _BOUNDARY and numbers:
        return f"a test where `{probe.parts[1]}` is near {old}"
    return _collections(probe, examples)


def _identity(probe: Probe, examples: Sequence[Example]) -> str | None:
    neutral = _IDENTITY.get((probe.ops[0], str(probe.alternative[0])))
    if neutral is None:
        return None
    rights = _operand(examples, 1)
    if rights and all(literal_value(r) == literal_value(neutral) for r in rights):
        return f"a test where `{probe.parts[1]}` is not {neutral}"
    lefts = _operand(examples, 0)
    if neutral == "1" and lefts and all(literal_value(v) == 0 for v in lefts):
        return f"a test where `{probe.parts[0]}` is not 0"
    return None


def _forced(probe: Probe, examples: Sequence[Example]) -> str | None:
    literal = literal_value(str(probe.alternative))
    originals = {e.original for e in examples}
    if literal is None and originals == {"None"}:
        return f"a test where `{probe.site}` is not None"
    if isinstance(literal, bool) and len(originals) == 1:
        return f"a test where `{probe.site}` is {not literal}"
    values = [literal_value(o) for o in originals]
    if values and all(isinstance(v, int | float) and v != 0 for v in values):
        return f"a test where `{probe.site}` is 0"
    return None


def _collections(probe: Probe, examples: Sequence[Example]) -> str | None:
    for index, part in enumerate(probe.parts):
        values = [literal_value(v) for v in _operand(examples, index)]
        if values and all(isinstance(v, list | tuple | dict | set | str) and v for v in values):
            return f"a test where `{part}` is empty"
        if values and all(
            isinstance(v, int | float) and not isinstance(v, bool) and v for v in values
        ):
            return f"a test where `{part}` is 0"
    return None


@dataclass(frozen=True)
class Input:
    """An input that may tell a never-told-apart mutant apart, as a new test can write it: the
    operand `name` (a plain name: a parameter, where it is one) given the literal `value`, or,
    `same_as`, the value the operand of that name had in the same call."""

    name: str
    value: str | None = None
    same_as: str | None = None


def _named(part: str) -> bool:
    return part.isidentifier() and not keyword.iskeyword(part)


def _single(values: Sequence[str]) -> str | None:
    """The one value seen, where it reads back as a literal."""
    if len(values) != 1:
        return None
    try:
        ast.literal_eval(values[0])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return values[0]


def inputs_for(probe: Probe, examples: Sequence[Example]) -> list[Input]:
    """The inputs `suggestion` words, where each is one plain name given one value (a literal,
    or another plain name's value in the same call), the likeliest first: a new test uses the
    first whose name is a parameter of the function. Empty where none is that simple."""
    if probe.kind in ("compare", "chain"):
        return _boundary_inputs(probe, examples)
    found = _input_for(probe, examples)
    return [] if found is None else [found]


def _boundary_inputs(probe: Probe, examples: Sequence[Example]) -> list[Input]:
    """A comparison's boundary: either operand given the other's value (the one value it had,
    the same call's other argument, or one of the values it took)."""
    pairs = zip(probe.ops, probe.alternative, strict=False)
    for index, (op, other) in enumerate(pairs):
        if op == other or not {op, other} <= _BOUNDARY:
            continue
        left, right = probe.parts[index], probe.parts[index + 1]
        rights, lefts = _operand(examples, index + 1), _operand(examples, index)
        found: list[Input] = []
        for name, values, counterpart in ((left, rights, right), (right, lefts, left)):
            if not _named(name):
                continue
            single = _single(values)
            if single is not None:
                found.append(Input(name, single))
                continue
            if _named(counterpart):
                found.append(Input(name, same_as=counterpart))
            found.extend(Input(name, v) for v in reversed(values) if _single([v]) is not None)
        return found
    emptied = _emptied(probe, examples)
    return [] if emptied is None else [emptied]


def _input_for(probe: Probe, examples: Sequence[Example]) -> Input | None:
    kind = probe.kind
    if kind == "operand" and _named(probe.parts[0]):
        point = _moved_point(probe)
        return None if point is None else Input(probe.parts[0], repr(point))
    if kind in ("binop", "augmented"):
        neutral = _IDENTITY.get((probe.ops[0], str(probe.alternative[0])))
        rights = [literal_value(r) for r in _operand(examples, 1)]
        named = neutral is not None and _named(probe.parts[1])
        if named and rights and all(r == literal_value(neutral or "") for r in rights):
            return Input(probe.parts[1], "1" if neutral == "0" else "2")
        return _emptied(probe, examples)
    if kind in ("value", "truth"):
        forced = literal_value(str(probe.alternative))
        originals = {bool(literal_value(e.original)) for e in examples}
        if isinstance(forced, bool) and originals == {forced}:  # a condition forced as it was
            return _making(probe.site, not forced)
    return None


_COMPARED: dict[type[ast.cmpop], Any] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _making(condition: str, truth: bool) -> Input | None:
    """The input that makes `condition` `truth`, where it is one name's: the name itself (or
    `not` it), `name OP number` (the number, or one off it), `name is (not) None`."""
    try:
        node = ast.parse(condition.strip(), mode="eval").body
    except SyntaxError:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node, truth = node.operand, not truth
    if isinstance(node, ast.Name):
        return Input(node.id, repr(truth))
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if not isinstance(left, ast.Name) or not isinstance(right, ast.Constant):
        return None
    if right.value is None and isinstance(op, ast.Is | ast.IsNot):
        wants_none = truth == isinstance(op, ast.Is)
        return Input(left.id, "None") if wants_none else None
    number = right.value
    if not isinstance(number, int | float) or isinstance(number, bool):
        return None
    compare = _COMPARED.get(type(op))
    for value in (number, number - 1, number + 1):
        if compare is not None and compare(value, number) == truth:
            return Input(left.id, repr(value))
    return None


def _emptied(probe: Probe, examples: Sequence[Example]) -> Input | None:
    """An operand never empty (never zero) made so."""
    for index, part in enumerate(probe.parts):
        values = [literal_value(v) for v in _operand(examples, index)]
        if not _named(part) or not values:
            continue
        kinds = {type(v) for v in values}
        if len(kinds) == 1 and all(values) and kinds <= {list, tuple, dict, str, int, float}:
            return Input(part, repr(kinds.pop()()))
    return None
