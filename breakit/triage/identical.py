"""Equivalence that costs nothing: a mutant whose compiled code is the original's (a string
statement emptied, dead code changed) cannot be caught, and one whose compiled code is another
mutant's (`1 + 1` → `0 + 1` and → `1 + 0`) gets that mutant's verdict. Neither is run: each is
Ignored, and says why.

Only the smallest piece holding the change is compiled (its top-level statement, or a statement
of a top-level class's body), the original's once per piece; the code objects are compared
without their line and column positions.
"""

from __future__ import annotations
import __future__

import ast
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import CodeType

from breakit.core.model import Mutant, MutantResult, Verdict
from breakit.runners.fork.function_swap import _shape, _walk

SAME_AS_ORIGINAL = "its compiled code is the original's: no test can tell them apart"


def changed_region(original: str, new: str) -> tuple[int, int, int]:
    """`[start, end)` of `original` that differs from `new`, and `len(new) - len(original)`."""
    limit = min(len(original), len(new))
    # The longest common prefix, then suffix, by halving: each comparison is one memcmp.
    start = _longest(lambda k: original[:k] == new[:k], limit)
    end = _longest(lambda k: original[len(original) - k :] == new[len(new) - k :], limit - start)
    return start, len(original) - end, len(new) - len(original)


def _longest(holds: Callable[[int], bool], limit: int) -> int:
    """The largest k ≤ `limit` for which `holds(k)`, `holds` being true up to some k, then false."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def shape(code: CodeType) -> tuple[object, ...]:
    """What a module's code does, without where its lines are: each code object's shape, the
    hot swap's (breakit.runners.fork.function_swap), in place."""
    return tuple((place, _shape(inner)) for place, inner in _walk(code))


class _File:
    """One original file: its top-level statements' lines, its `__future__` flags."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        tree = ast.parse(text)
        self.flags = 0
        self.units: list[tuple[int, int, bool]] = []  # (first line, last line, in a class)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                for alias in node.names:
                    feature = getattr(__future__, alias.name, None)
                    self.flags |= getattr(feature, "compiler_flag", 0)
            if isinstance(node, ast.ClassDef):
                self.units.extend((*_lines(inner), True) for inner in node.body)
            self.units.append((*_lines(node), False))
        self.compiled: dict[tuple[int, int, bool], tuple[object, ...] | None] = {}

    def unit(self, first: int, last: int) -> tuple[int, int, bool] | None:
        """The smallest unit holding lines `first`..`last` (class body statements first)."""
        found = [u for u in self.units if u[0] <= first and last <= u[1]]
        return min(found, key=lambda u: u[1] - u[0]) if found else None

    def shape_of(self, lines: Sequence[str], in_class: bool) -> tuple[object, ...] | None:
        text = ("class _:\n" if in_class else "") + "".join(lines)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                code = compile(text, "<unit>", "exec", flags=self.flags, dont_inherit=True)
        except (SyntaxError, ValueError):
            return None
        return shape(code)


def _lines(node: ast.stmt) -> tuple[int, int]:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    return first, node.end_lineno or node.lineno


def _key(mutant: Mutant, files: dict[str, _File | None]) -> tuple[object, ...] | None:
    """(path, unit, original's shape, mutant's shape), or None when it cannot be compared."""
    if len(mutant.changes) != 1:
        return None
    (path,) = mutant.changes
    new, original = mutant.changes[path], mutant.originals.get(path)
    if new is None or original is None:
        return None
    if path not in files:
        try:
            files[path] = _File(original)
        except (SyntaxError, ValueError):
            files[path] = None
    file = files[path]
    if file is None:
        return None
    start, end, _delta = changed_region(original, new)
    first = original.count("\n", 0, start) + 1
    last = original.count("\n", 0, max(end - 1, start)) + 1
    unit = file.unit(first, last)
    if unit is None:
        return None
    if unit not in file.compiled:
        file.compiled[unit] = file.shape_of(file.lines[unit[0] - 1 : unit[1]], unit[2])
    moved = new.count("\n") - original.count("\n")
    new_lines = new.splitlines(keepends=True)[unit[0] - 1 : unit[1] + moved]
    return (path, unit, file.compiled[unit], file.shape_of(new_lines, unit[2]))


def split_identical(
    mutants: Sequence[Mutant],
) -> tuple[list[Mutant], list[MutantResult], dict[str, str]]:
    """Mutants to run; Ignored results for those whose compiled code is the original's (the
    reason in `error`, as for `[tool.breakit.equivalent]`); and, for each mutant whose compiled
    code is an earlier mutant's, that mutant's id: it is not run, and takes its verdict
    (`twins_results`, once the run is over)."""
    files: dict[str, _File | None] = {}
    first_with: dict[tuple[object, ...], str] = {}
    to_run: list[Mutant] = []
    ignored: list[MutantResult] = []
    twins: dict[str, str] = {}
    for mutant in mutants:
        key = _key(mutant, files)
        if key is not None and key[3] is not None:
            path, unit, original, mutated = key
            if mutated == original:
                ignored.append(
                    MutantResult(
                        mutant=mutant, verdict=Verdict.IGNORED, tests={}, error=SAME_AS_ORIGINAL
                    )
                )
                continue
            if (path, unit, mutated) in first_with:
                twins[mutant.id] = first_with[(path, unit, mutated)]
                continue
            first_with[(path, unit, mutated)] = mutant.id
        to_run.append(mutant)
    return to_run, ignored, twins


def twins_results(
    mutants: Sequence[Mutant], results: Sequence[MutantResult], twins: Mapping[str, str]
) -> list[MutantResult]:
    """Each twin's result for the mutant that was not run: the same verdict and tests (their
    compiled code is the same), and why in `error`."""
    by_id = {result.mutant.id: result for result in results}
    found = []
    for mutant in mutants:
        other = twins.get(mutant.id)
        if other is None or other not in by_id:
            continue
        twin = by_id[other]
        why = f"its compiled code is {other}'s: its verdict is that mutant's"
        found.append(replace(twin, mutant=mutant, error=why if twin.error is None else twin.error))
    return found
