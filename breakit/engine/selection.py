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
import functools
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Final

from breakit.core.model import Mutant
from breakit.core.run_records import FIXTURES, IMPORT_TIME, SPECIAL_KEYS
from breakit.mutants.changed_lines import changed_lines, in_source, module_level_lines


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
    """True if `mutant` may run hot (breakit.runners.fork.hot): it changes existing source modules
    only, either inside function bodies on lines that never ran at import or collection time (the
    functions' code is swapped: breakit.runners.fork.function_swap), or at module level, in
    statements the hot child runs again (breakit.runners.fork.reexec). The worker checks the
    compiled code too, and
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
