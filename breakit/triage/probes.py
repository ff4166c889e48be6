"""The probes instrumented code calls (breakit.triage.instrument splices them in through
`__import__`): `value`, `truth`, `operand`, `nested`, `binop`, `compare`, `chain`, `boolop`,
`negation`, `augmented` and `reached`. Each computes the original value exactly as the code did
(operands evaluated once, in the same order; nothing the original skipped evaluated for a mutant
unless it calls nothing) and returns it; for each mutant at that site it also computes the
mutated value and hands both to the recorder (breakit.triage.recorder). Outside a triage run (a
subprocess the tests start) they only compute the original. In a follow run, the one mutant
switched on (breakit.triage.switch) is acted out: its probe computes only the mutant's value, as
the mutant's code would (operands evaluated once, in the mutant's order), and returns it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from breakit.triage.recorder import UNKNOWN, active
from breakit.triage.switch import switched

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "@": operator.matmul,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
    "is": operator.is_,
    "is not": operator.is_not,
}


def _attempt(compute: Callable[..., Any], *args: Any) -> Any:
    try:
        return compute(*args)
    except _NotComputed:
        raise
    except Exception as exc:  # the mutant would raise here: that is its value
        return _Raised(exc)


class _Raised:
    def __init__(self, exc: Exception) -> None:
        self.name = type(exc).__name__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Raised) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"raises {self.name}"


def value(original: Any, alternatives: Mapping[int, Any]) -> Any:
    acted = switched(alternatives)
    if acted is not None:
        return alternatives[acted]
    recorder = active()
    if recorder is not None:
        for mutant, mutated in alternatives.items():
            recorder.observe(mutant, original, mutated, ())
    return original


def truth(original: Any, alternatives: Mapping[int, Any]) -> Any:
    """A value only tested for its truth (an `if`'s condition): the truths are compared."""
    acted = switched(alternatives)
    if acted is not None:
        return alternatives[acted]
    recorder = active()
    if recorder is not None:
        for mutant, mutated in alternatives.items():
            recorder.observe(mutant, bool(original), bool(mutated), (original,))
    return original


def _pair(
    table: Mapping[str, Callable[[Any, Any], Any]],
    left: Any,
    right: Any,
    op: str,
    alternatives: Mapping[int, str],
) -> Any:
    """`left op right` from `table`, and each mutant's operator on the same operands."""
    acted = switched(alternatives)
    if acted is not None:
        return table[alternatives[acted]](left, right)
    result = table[op](left, right)
    recorder = active()
    if recorder is not None:
        for mutant, other in alternatives.items():
            mutated = _attempt(table[other], left, right)
            recorder.observe(mutant, result, mutated, (left, right))
    return result


def binop(left: Any, right: Any, op: str, alternatives: Mapping[int, str]) -> Any:
    return _pair(BINARY, left, right, op, alternatives)


def augmented(target: Any, value_: Any, op: str, alternatives: Mapping[int, str]) -> None:
    """`target op= value`, before it runs: the value it would assign, and the mutant's."""
    recorder = active()
    if recorder is not None:
        result = _attempt(BINARY[op], target, value_)
        for mutant, other in alternatives.items():
            mutated = _attempt(BINARY[other], target, value_)
            recorder.observe(mutant, result, mutated, (target, value_))


def operand(left: Any, right: Any, op: str, alternatives: Mapping[int, tuple[int, Any]]) -> Any:
    """`left op right`, and for each mutant the same with one operand (a literal) changed."""
    function = COMPARE.get(op) or BINARY[op]
    acted = switched(alternatives)
    if acted is not None:
        index, literal = alternatives[acted]
        return function(*((literal, right) if index == 0 else (left, literal)))
    result = function(left, right)
    recorder = active()
    if recorder is not None:
        for mutant, (index, literal) in alternatives.items():
            args = [left, right]
            args[index] = literal
            recorder.observe(mutant, result, _attempt(function, *args), (left, right))
    return result


def nested(
    first: Any,
    second: Any,
    third: Any,
    compare_op: str,
    binary_op: str,
    side: int,
    alternatives: Mapping[int, tuple[str, int, Any]],
) -> Any:
    """`a op b` compared with `other` (`side` 0: `a op b < other`, its operands in that order;
    1: `other < a op b`); for each mutant the comparison with its operation instead (another
    operator, or one operand a literal: index ≥ 0)."""
    a, b, other = (first, second, third) if side == 0 else (second, third, first)
    compare = COMPARE[compare_op]
    acted = switched(alternatives)
    if acted is not None:
        op, index, literal = alternatives[acted]
        args = [a, b]
        if index >= 0:
            args[index] = literal
        changed = BINARY[op](*args)
        return compare(changed, other) if side == 0 else compare(other, changed)
    inner = BINARY[binary_op](a, b)
    result = compare(inner, other) if side == 0 else compare(other, inner)
    recorder = active()
    if recorder is not None:
        for mutant, (op, index, literal) in alternatives.items():
            args = [a, b]
            if index >= 0:
                args[index] = literal
            changed = _attempt(BINARY[op], *args)
            pair = (changed, other) if side == 0 else (other, changed)
            mutated = changed if isinstance(changed, _Raised) else _attempt(compare, *pair)
            recorder.observe(mutant, result, mutated, (first, second, third))
    return result


def compare(left: Any, right: Any, op: str, alternatives: Mapping[int, str]) -> Any:
    return _pair(COMPARE, left, right, op, alternatives)


class _Operands:
    """Lazily evaluated operands, each at most once; `pure` ones may be evaluated for a mutant
    even when the original did not need them."""

    def __init__(self, thunks: Sequence[Callable[[], Any]], pure: Sequence[bool]) -> None:
        self.thunks, self.pure = thunks, pure
        self.values: dict[int, Any] = {}

    def get(self, index: int, *, for_mutant: bool = False) -> Any:
        if index not in self.values:
            if for_mutant and not self.pure[index]:
                raise _NotComputed
            self.values[index] = self.thunks[index]()
        return self.values[index]


class _NotComputed(Exception):
    pass


def _chain_value(operands: _Operands, ops: Sequence[str], for_mutant: bool) -> Any:
    result: Any = True
    for index, op in enumerate(ops):
        left = operands.get(index, for_mutant=for_mutant)
        right = operands.get(index + 1, for_mutant=for_mutant)
        result = COMPARE[op](left, right)
        if not result:
            return result
    return result


def chain(
    thunks: Sequence[Callable[[], Any]],
    pure: Sequence[bool],
    ops: Sequence[str],
    alternatives: Mapping[int, Sequence[str]],
) -> Any:
    acted = switched(alternatives)
    if acted is not None:
        return _chain_value(_Operands(thunks, pure), alternatives[acted], False)
    operands = _Operands(thunks, pure)
    result = _chain_value(operands, ops, False)
    recorder = active()
    if recorder is not None:
        for mutant, other in alternatives.items():
            try:
                mutated = _attempt(_chain_value, operands, other, True)
            except _NotComputed:
                mutated = UNKNOWN
            seen = [operands.values[i] for i in sorted(operands.values)]
            recorder.observe(mutant, result, mutated, seen)
    return result


def boolop(
    left: Any, right: Callable[[], Any], pure: bool, op: str, alternatives: Mapping[int, str]
) -> Any:
    operands = _Operands((lambda: left, right), (True, pure))
    operands.values[0] = left

    def evaluate(kind: str, for_mutant: bool) -> Any:
        if (kind == "and") == bool(left):
            return operands.get(1, for_mutant=for_mutant)
        return left

    acted = switched(alternatives)
    if acted is not None:
        return evaluate(alternatives[acted], False)
    result = evaluate(op, False)
    recorder = active()
    if recorder is not None:
        for mutant, other in alternatives.items():
            try:
                mutated = evaluate(other, True)
            except _NotComputed:
                mutated = UNKNOWN
            except Exception as exc:
                mutated = _Raised(exc)
            seen = [operands.values[i] for i in sorted(operands.values)]
            recorder.observe(mutant, result, mutated, seen)
    return result


def negation(operand: Any, alternatives: Sequence[int]) -> Any:
    if switched(alternatives) is not None:
        return operand  # the mutant drops the `not`
    result = not operand
    recorder = active()
    if recorder is not None:
        for mutant in alternatives:
            recorder.observe(mutant, result, operand, (operand,))
    return result


def reached(mutants: Sequence[int]) -> None:
    recorder = active()
    if recorder is not None:
        for mutant in mutants:
            recorder.reach(mutant)
