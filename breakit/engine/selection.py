"""Which tests a mutant needs: those whose baseline coverage touches the lines it changes.

`select_tests` answers a TestPlan: the whole suite, some tests (node ids in baseline order), or
none (no test and no import executes the change: the mutant is NoCoverage, never run).
The whole suite runs when the change touches a file outside the measured source (a test file, a
conftest), creates or deletes a file, or touches a line run at import time or by a fixture. A
line at module or class level (decorators and default values included) counts as import time
even if coverage saw it run inside a test: the first test to import a module lazily runs its
body, but every later test uses what it built. A module-level line that ran nowhere (an
`if TYPE_CHECKING:` block, the branch for another Python) is a line like any other: with no
test reaching the change it is a NoCoverage claim, which the proof run checks
(breakit.engine.coverage_proof).
"""

from __future__ import annotations

import ast
import difflib
import functools
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Final

from breakit.config import entry_matches
from breakit.model import Mutant
from breakit.records import FIXTURES, IMPORT_TIME, SPECIAL_KEYS


@dataclass(frozen=True)
class TestPlan:
    """The tests a mutant runs: the whole suite (`tests` None), some of them (node ids in
    baseline order), or none (`()`: no test reaches its change, a NoCoverage claim that the
    proof run checks, breakit.engine.no_coverage)."""

    __test__ = False  # pytest: not a test class, wherever it is imported
    tests: tuple[str, ...] | None

    @property
    def whole_suite(self) -> bool:
        return self.tests is None

    @property
    def reaches_no_test(self) -> bool:
        return self.tests == ()


WHOLE_SUITE: Final = TestPlan(None)
NO_TEST: Final = TestPlan(())


def in_source(path: str, source: Sequence[str]) -> bool:
    """True if the project-relative `path` is one of, inside one of, or matched by one of the
    `source` entries (files, folders, globs: breakit.config.entry_matches)."""
    return any(entry_matches(path, entry) for entry in source)


# A run asks about the same few originals hundreds of times (pyjwt: 690 mutants of two files,
# each planned and sorted hot-or-not): each original is parsed once, each mutant diffed once.
@functools.lru_cache(maxsize=4096)
def changed_lines(original: str, new: str) -> frozenset[int]:
    """1-based lines of `original` that `new` replaces or deletes, or next to which it inserts;
    widened to the whole statement each lies in (a multi-line call is traced at some of its
    lines only), and to a compound statement's header (not its body)."""
    old_lines = original.splitlines(keepends=True)
    lines: set[int] = set()
    for i1, i2, _j1, _j2 in line_changes(old_lines, new.splitlines(keepends=True)):
        if i1 == i2:  # pure insertion: the lines around it
            lines.update(n for n in (i1, i1 + 1) if 1 <= n <= len(old_lines))
        else:
            lines.update(range(i1 + 1, i2 + 1))
    widened = set(lines)
    for span in _statement_spans(original):
        if lines.intersection(span):
            widened.update(span)
    return frozenset(widened)


def line_changes(
    old_lines: Sequence[str], new_lines: Sequence[str]
) -> list[tuple[int, int, int, int]]:
    """difflib's opcodes that are not "equal" (`old[i1:i2]` → `new[j1:j2]`), the lines both
    share at the start and at the end left out of the diff first: a mutant changes a few lines
    of a long module, and difflib's time grows with what it compares."""
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    limit = min(len(old_lines), len(new_lines)) - head
    while tail < limit and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    old_middle = old_lines[head : len(old_lines) - tail]
    new_middle = new_lines[head : len(new_lines) - tail]
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle, False)
    return [
        (i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


@functools.lru_cache(maxsize=64)
def _statement_spans(source: str) -> tuple[range, ...]:
    """Each statement's lines: a simple statement's all, a compound statement's header only
    (decorators included); none if `source` does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    spans = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.end_lineno is None:
            continue
        body = getattr(node, "body", None)
        end = node.end_lineno
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            # A compound statement: its header only (decorators included).
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            end = max(first, body[0].lineno - 1)
            spans.append(range(first, end + 1))
        else:
            spans.append(range(node.lineno, end + 1))
    return tuple(spans)


@functools.lru_cache(maxsize=64)
def module_level_lines(source: str) -> frozenset[int]:
    """Lines that run when the module is imported: everything outside function bodies."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset(range(1, source.count("\n") + 2))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            inside.update(range(node.body[0].lineno, node.end_lineno + 1))
        elif isinstance(node, ast.Lambda) and node.end_lineno:
            inside.update(range(node.body.lineno, node.body.end_lineno or node.body.lineno + 1))
    return frozenset(range(1, source.count("\n") + 2)) - inside


def select_tests(
    mutant: Mutant,
    coverage: Mapping[str, frozenset[tuple[str, int]]] | None,
    tests: Sequence[str],
    source: Sequence[str],
) -> TestPlan:
    """The tests `mutant` must run, from the baseline's `coverage` map (see coverage_map)."""
    if coverage is None:
        return WHOLE_SUITE
    wanted: set[tuple[str, int]] = set()
    for path, new in mutant.changes.items():
        original = mutant.originals.get(path)
        if new is None or original is None or not in_source(path, source):
            return WHOLE_SUITE
        if not path.endswith(".py"):
            return WHOLE_SUITE
        lines = changed_lines(original, new)
        at_module_level = {(path, line) for line in lines & module_level_lines(original)}
        if at_module_level and ran_anywhere(at_module_level, coverage):
            return WHOLE_SUITE
        wanted.update((path, line) for line in lines)
    shared = coverage.get(IMPORT_TIME, frozenset()) | coverage.get(FIXTURES, frozenset())
    if wanted & shared:
        return WHOLE_SUITE
    return TestPlan(tests_running(wanted, coverage, tests))


def tests_running(
    lines: Set[tuple[str, int]],
    coverage: Mapping[str, frozenset[tuple[str, int]]],
    tests: Sequence[str],
) -> tuple[str, ...]:
    """The tests (in `tests`' order) whose own coverage holds any of `lines`."""
    hit = {
        nodeid
        for nodeid, seen in coverage.items()
        if nodeid not in SPECIAL_KEYS and not seen.isdisjoint(lines)
    }
    return tuple(nodeid for nodeid in tests if nodeid in hit)


def first_pass_tests(
    mutant: Mutant, coverage: Mapping[str, frozenset[tuple[str, int]]], tests: Sequence[str]
) -> tuple[str, ...]:
    """For a mutant that must pass the whole suite (its change runs at import time): the tests
    that reach its change while they run, to try first. A change to a `def` line (a default
    value, a decorator) reaches the tests that run the function's body. Most such mutants a
    test catches are caught by these; the survivors of them are proved on the whole suite
    (breakit.engine.batch). Empty if no test reaches the change, or a file is deleted."""
    wanted: set[tuple[str, int]] = set()
    for path, new in mutant.changes.items():
        original = mutant.originals.get(path)
        if new is None or original is None:
            return ()
        lines = changed_lines(original, new)
        wanted.update((path, line) for line in lines)
        for header, body in _function_parts(original):
            if not lines.isdisjoint(header):
                wanted.update((path, line) for line in body)
    return tests_running(wanted, coverage, tests)


@functools.lru_cache(maxsize=64)
def _function_parts(source: str) -> tuple[tuple[range, range], ...]:
    """Each function's header lines (decorators included) and body lines."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    parts = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            start = node.body[0].lineno
            header_end = start + 1 if start == node.lineno else start  # `def f(): return 1`
            parts.append((range(first, header_end), range(start, node.end_lineno + 1)))
    return tuple(parts)


def ran_anywhere(
    lines: set[tuple[str, int]], coverage: Mapping[str, frozenset[tuple[str, int]]]
) -> bool:
    """True if any of `lines` ran in the baseline: at import, in a fixture or in a test."""
    return any(not lines.isdisjoint(seen) for seen in coverage.values())


def hot_eligible(
    mutant: Mutant,
    coverage: Mapping[str, frozenset[tuple[str, int]]] | None,
    source: Sequence[str],
) -> bool:
    """True if `mutant` may run hot (breakit.engine.fork.hot): it changes existing source modules
    only, either inside function bodies on lines that never ran at import or collection time (the
    functions' code is swapped: breakit.engine.codeswap), or at module level, in statements the
    hot child runs again (breakit.engine.reexec). The worker checks the compiled code too, and
    refuses what it cannot prove the same as importing the mutated module afresh."""
    if coverage is None or not mutant.changes:
        return False
    import_time = coverage.get(IMPORT_TIME, frozenset())
    for path, new in mutant.changes.items():
        original = mutant.originals.get(path)
        if new is None or original is None or not path.endswith(".py"):
            return False
        if not in_source(path, source):
            return False
        lines = changed_lines(original, new) - module_level_lines(original)
        if any((path, line) in import_time for line in lines):
            return False  # a function the module's import ran: what it made is not made again
    return True
