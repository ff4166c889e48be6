"""The probes' runtime, and the pytest plugin (`-p breakit.triage.recorder`) that writes what
they saw, test by test, as JSON lines to the file named by BREAKIT_TRIAGE.

Instrumented code (breakit.triage.instrument) calls `value`, `truth`, `binop`, `compare`, `chain`,
`boolop`, `negation`, `augmented` and `reached` through `__import__`: each computes the original
value exactly as the code did (operands evaluated once, in the same order) and returns it, and
for each mutant at that site also computes the mutated value and records whether they differ.
Outside a pytest run with this plugin (a subprocess the tests start) they only compute the
original. This module runs inside the project's pytest: it needs the standard library only.

A line per test: {test, sites: {mutant: [reached, differed, unknown]}, examples: {mutant:
[[original, mutant, [operands…]], …]}, first: {mutant: {original, mutant, line, code}}}; the
sites reached while no test ran (import time) are written under the test "(import)".
"""

from __future__ import annotations

import contextlib
import json
import linecache
import operator
import os
import reprlib
import sys
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import Any

import pytest

from breakit.triage import IMPORT_TIME, TRIAGE_ENV

MAX_EXAMPLES = 5  # distinct examples kept per mutant
LOOKS = 200  # observations of a mutant whose values are looked at for examples (a repr costs)
REPR_CHARS = 40

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
_UNKNOWN = object()  # a mutated value not computed: it would run code the original skipped


def _bounded_repr() -> reprlib.Repr:
    bounded = reprlib.Repr()  # Python 3.11's takes no settings: they are attributes
    bounded.maxstring = bounded.maxother = REPR_CHARS
    bounded.maxlevel = 3
    return bounded


_REPR = _bounded_repr()


def short(value: object) -> str:
    """The value's repr, at most REPR_CHARS long, never the whole of a big container."""
    try:
        text = _REPR.repr(value)
    except Exception as exc:  # a repr that raises is the object's business, not ours
        text = f"<{type(value).__name__}: repr raised {type(exc).__name__}>"
    return text if len(text) <= REPR_CHARS else text[: REPR_CHARS - 1] + "…"


def _same(a: object, b: object) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # an array's ambiguous truth value, say: compare what it shows
        return short(a) == short(b)


class Recorder:
    """What the probes saw during the current test (or at import time)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.item: pytest.Item | None = None
        self.counts: dict[int, list[int]] = {}
        self.examples: dict[int, list[list[Any]]] = {}
        self.kept: dict[int, int] = {}  # examples kept so far per mutant, over the whole run
        self.looked: dict[int, int] = {}  # observations so far per mutant, over the whole run
        self.first: dict[int, dict[str, Any]] = {}
        self.firsts: set[int] = set()

    def observe(
        self, mutant: int, original: object, mutated: object, operands: Sequence[Any]
    ) -> None:
        counts = self.counts.setdefault(mutant, [0, 0, 0])
        counts[0] += 1
        if mutated is _UNKNOWN:
            counts[2] += 1
            return
        same = _same(original, mutated)
        if not same:
            counts[1] += 1
        looked = self.looked[mutant] = self.looked.get(mutant, 0) + 1
        if self.kept.get(mutant, 0) < MAX_EXAMPLES and looked <= LOOKS:
            example = [short(original), short(mutated), [short(o) for o in operands]]
            seen = self.examples.setdefault(mutant, [])
            if example not in seen:
                seen.append(example)
                self.kept[mutant] = self.kept.get(mutant, 0) + 1
        if not same and mutant not in self.firsts:
            self.firsts.add(mutant)
            line, code = self.test_line()
            self.first[mutant] = {
                "original": short(original),
                "mutant": short(mutated),
                "operands": [short(o) for o in operands],
                "line": line,
                "code": code,
            }

    def reach(self, mutant: int) -> None:
        self.counts.setdefault(mutant, [0, 0, 0])[0] += 1

    def test_line(self) -> tuple[int | None, str | None]:
        """The line of the running test's file that called into the site (innermost)."""
        if self.item is None:
            return None, None
        wanted = str(self.item.path)
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == wanted:
                line = frame.f_lineno
                return line, linecache.getline(wanted, line).strip() or None
            frame = frame.f_back  # type: ignore[assignment]
        return None, None

    def flush(self, test: str) -> None:
        if not (self.counts or self.first):
            return
        line = {
            "test": test,
            "sites": {str(k): v for k, v in self.counts.items()},
            "examples": {str(k): v for k, v in self.examples.items()},
            "first": {str(k): v for k, v in self.first.items()},
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        self.counts, self.examples, self.first = {}, {}, {}
        self.firsts = set()


class _Active:
    """The one recorder of this process (None outside a triage run)."""

    recorder: Recorder | None = None


def _active() -> Recorder | None:
    return _Active.recorder


@contextlib.contextmanager
def recording(path: str) -> Iterator[Recorder]:
    """The probes record into `path` while inside (the plugin's run; a test of the probes)."""
    _Active.recorder = recorder = Recorder(path)
    try:
        yield recorder
    finally:
        recorder.flush(IMPORT_TIME)
        _Active.recorder = None


# --- the probes ---------------------------------------------------------------------------


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
    recorder = _active()
    if recorder is not None:
        for mutant, mutated in alternatives.items():
            recorder.observe(mutant, original, mutated, ())
    return original


def truth(original: Any, alternatives: Mapping[int, Any]) -> Any:
    """A value only tested for its truth (an `if`'s condition): the truths are compared."""
    recorder = _active()
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
    result = table[op](left, right)
    recorder = _active()
    if recorder is not None:
        for mutant, other in alternatives.items():
            mutated = _attempt(table[other], left, right)
            recorder.observe(mutant, result, mutated, (left, right))
    return result


def binop(left: Any, right: Any, op: str, alternatives: Mapping[int, str]) -> Any:
    return _pair(BINARY, left, right, op, alternatives)


def augmented(target: Any, value_: Any, op: str, alternatives: Mapping[int, str]) -> None:
    """`target op= value`, before it runs: the value it would assign, and the mutant's."""
    recorder = _active()
    if recorder is not None:
        result = _attempt(BINARY[op], target, value_)
        for mutant, other in alternatives.items():
            mutated = _attempt(BINARY[other], target, value_)
            recorder.observe(mutant, result, mutated, (target, value_))


def operand(left: Any, right: Any, op: str, alternatives: Mapping[int, tuple[int, Any]]) -> Any:
    """`left op right`, and for each mutant the same with one operand (a literal) changed."""
    function = COMPARE.get(op) or BINARY[op]
    result = function(left, right)
    recorder = _active()
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
    inner = BINARY[binary_op](a, b)
    result = compare(inner, other) if side == 0 else compare(other, inner)
    recorder = _active()
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
    operands = _Operands(thunks, pure)
    result = _chain_value(operands, ops, False)
    recorder = _active()
    if recorder is not None:
        for mutant, other in alternatives.items():
            try:
                mutated = _attempt(_chain_value, operands, other, True)
            except _NotComputed:
                mutated = _UNKNOWN
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

    result = evaluate(op, False)
    recorder = _active()
    if recorder is not None:
        for mutant, other in alternatives.items():
            try:
                mutated = evaluate(other, True)
            except _NotComputed:
                mutated = _UNKNOWN
            except Exception as exc:
                mutated = _Raised(exc)
            seen = [operands.values[i] for i in sorted(operands.values)]
            recorder.observe(mutant, result, mutated, seen)
    return result


def negation(operand: Any, alternatives: Sequence[int]) -> bool:
    result = not operand
    recorder = _active()
    if recorder is not None:
        for mutant in alternatives:
            recorder.observe(mutant, result, operand, (operand,))
    return result


def reached(mutants: Sequence[int]) -> None:
    recorder = _active()
    if recorder is not None:
        for mutant in mutants:
            recorder.reach(mutant)


# --- the plugin ---------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(TRIAGE_ENV)
    if path:
        _Active.recorder = Recorder(path)


def pytest_collection_finish(session: pytest.Session) -> None:
    recorder = _active()
    if recorder is not None:
        recorder.flush(IMPORT_TIME)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    recorder = _active()
    if recorder is None:
        return (yield)
    recorder.flush(IMPORT_TIME)
    recorder.item = item
    try:
        return (yield)
    finally:
        recorder.flush(item.nodeid)
        recorder.item = None


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = _active()
    if recorder is not None:
        recorder.flush(IMPORT_TIME)
        _Active.recorder = None
