"""Which mutants a change brings in, and why: `breakit check --since REF` (docs/ci.md).

A mutant is brought in for one or both of two reasons:

- `changed-line`: a line it changes was changed since REF (breakit.mutants.git_diff), before any
  run;
- `changed-test:<node id>`: a test that is new or changed since REF executes, in the baseline's
  per-test coverage, a line the mutant changes. So this part is chosen after the baseline.

A test is changed when a line of its own definition changed: its function with its decorators,
and for a method, the lines of its classes that are not other functions or classes (the header,
its decorators, class attributes). A test whose definition breakit cannot find in its module
(inherited from a class elsewhere, generated) counts as changed when any line of that module
changed. Code a test reaches only at import time or through a fixture is not credited to it
(per-test coverage records those lines for the whole suite): a mutant there comes in only
through its own changed lines.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breakit.core.model import Mutant
from breakit.mutants.changed_lines import changed_lines, in_source
from breakit.mutants.git_diff import GitDiff

CHANGED_LINE = "changed-line"
CHANGED_TEST = "changed-test:"  # followed by the test's node id

Coverage = Mapping[str, frozenset[tuple[str, int]]]


@dataclass(frozen=True)
class Since:
    """What `--since` chose: the changed lines, each chosen mutant's reasons, and the changed tests
    with the line of their definition to point at (the first changed one)."""

    git_diff: GitDiff
    reasons: Mapping[str, tuple[str, ...]]
    tests: Mapping[str, tuple[str, int]]

    def on_changed_lines(self, mutant_id: str) -> bool:
        return CHANGED_LINE in self.reasons.get(mutant_id, ())

    def describe(self, mutant_id: str) -> str:
        """`brought in by --since REF: changed line, changed test …`, for the report files."""
        return f"brought in by --since {self.git_diff.ref}: " + reason_text(
            self.reasons.get(mutant_id, ())
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON document's `since` object (docs/json.md)."""
        return {
            "ref": self.git_diff.ref,
            "commit": self.git_diff.commit,
            "files": sorted(self.git_diff.lines),
            "changed_tests": list(self.tests),
            "reasons": {mutant_id: list(why) for mutant_id, why in self.reasons.items()},
        }


def reason_text(reasons: Iterable[str], name: Callable[[str], str] = str) -> str:
    """`changed line, changed test tests/x.py::test_y` from a mutant's reasons (each test's
    node id as `name` spells it)."""
    parts = []
    for reason in reasons:
        if reason == CHANGED_LINE:
            parts.append("changed line")
        elif reason.startswith(CHANGED_TEST):
            parts.append(f"changed test {name(reason[len(CHANGED_TEST) :])}")
    return ", ".join(parts)


def mutant_lines(mutant: Mutant) -> dict[str, set[int]]:
    """The lines of the current files that `mutant` changes (a deleted file: all of them)."""
    found: dict[str, set[int]] = {}
    for path, new in mutant.changes.items():
        original = mutant.originals.get(path)
        if original is None:  # it creates a file: no line of the tree is changed
            continue
        if new is None:
            found[path] = set(range(1, len(original.splitlines()) + 1))
        else:
            found[path] = set(changed_lines(original, new))
    return found


def on_changed_lines(mutant: Mutant, git_diff: GitDiff) -> bool:
    return any(git_diff.touches(path, lines) for path, lines in mutant_lines(mutant).items())


def may_bring_in(mutants: Sequence[Mutant], git_diff: GitDiff, source: Sequence[str]) -> bool:
    """False when no mutant is on a changed line and no Python file outside the source changed
    (so no test did): then nothing is brought in, and the baseline need not run."""
    if any(p.endswith(".py") and not in_source(p, source) for p in git_diff.lines):
        return True
    return any(on_changed_lines(m, git_diff) for m in mutants)


def changed_tests(
    tests: Sequence[str], git_diff: GitDiff, root: Path
) -> dict[str, tuple[str, int]]:
    """The tests (node ids, in `tests`' order) new or changed since the revision, each with the
    first changed line of its definition."""
    found: dict[str, tuple[str, int]] = {}
    trees: dict[str, ast.Module | None] = {}
    for nodeid in tests:
        path, _, rest = nodeid.partition("::")
        lines = git_diff.lines.get(path)
        if not lines:
            continue
        if path not in trees:
            trees[path] = _parse(root / path)
        span = _definition(trees[path], rest) if rest else None
        hit = sorted(lines if span is None else lines & span)
        if hit:
            found[nodeid] = (path, hit[0])
    return found


def _parse(file: Path) -> ast.Module | None:
    try:
        return ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None


def _definition(tree: ast.Module | None, rest: str) -> set[int] | None:
    """The lines of the test named `rest` (`Class::test[param]`) in `tree`; None if not found."""
    if tree is None:
        return None
    names = rest.split("::")
    names[-1] = names[-1].split("[", 1)[0]
    body: list[ast.stmt] = tree.body
    span: set[int] = set()
    for depth, name in enumerate(names):
        node = next(
            (
                n
                for n in reversed(body)
                if isinstance(n, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and n.name == name
            ),
            None,
        )
        if node is None:
            return None
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        if depth == len(names) - 1 or not isinstance(node, ast.ClassDef):
            span.update(range(first, (node.end_lineno or node.lineno) + 1))
            return span
        span.update(range(first, node.body[0].lineno))  # the class's header
        for stmt in node.body:
            if not isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                span.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
        body = node.body
    return span


def bring_in(
    mutants: Sequence[Mutant],
    git_diff: GitDiff,
    tests: Sequence[str],
    coverage: Coverage | None,
    root: Path,
) -> tuple[list[Mutant], Since]:
    """The mutants `git_diff` brings in (in their order) and why. `tests` and `coverage`
    are the baseline's; without per-test coverage, every changed test brings in every mutant."""
    changed = changed_tests(tests, git_diff, root)
    reasons: dict[str, tuple[str, ...]] = {}
    chosen: list[Mutant] = []
    for mutant in mutants:
        lines = mutant_lines(mutant)
        why: list[str] = []
        if any(git_diff.touches(path, found) for path, found in lines.items()):
            why.append(CHANGED_LINE)
        wanted = {(path, line) for path, found in lines.items() for line in found}
        for nodeid in changed:
            if coverage is None or not wanted.isdisjoint(coverage.get(nodeid, ())):
                why.append(CHANGED_TEST + nodeid)
        if why:
            chosen.append(mutant)
            reasons[mutant.id] = tuple(why)
    return chosen, Since(git_diff=git_diff, reasons=reasons, tests=changed)
