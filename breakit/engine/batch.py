"""Survivor proofs in batches: group testing over the mutants that survived their covering tests.

A mutant that passes the tests whose coverage reaches its change is proved a survivor only on the
whole suite (a memoized value can hide a catching test from per-test coverage: docs/field.md,
disagreement 5). One whole-suite run per survivor made the proofs most of a run's time on a
library with a slow suite (pyjwt: 119 survivors × 7 s of its 690 mutants' 1453 worker-seconds).
So the survivors are proved together: one run of the whole suite with every survivor of a batch
in the code at once, their edits (a line apart at least) merged into one text per file. A batch
in which every test passes proves each of its survivors; a batch in which something fails, errs,
dies or hangs is split in two, and so on, down to one survivor, which runs the whole suite alone
and gets its verdict from that run, exactly as without batches.

What a batch assumes, and how it is checked (docs/architecture.md, "Survivor proofs in
batches"): no two survivors of one batch mask each other — a test that fails with one of them
alone passes with both in the code. `--verify` runs each mutant alone under a plain pytest and
would report such a survivor as a disagreement; the field trial runs `--verify` on every project.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from breakit.core.model import Baseline, Mutant, MutantResult, Outcome
from breakit.mutants.changed_lines import line_changes

BATCH_SIZE = 32  # survivors per batch: a failing batch costs about log2(size) more suite runs
# Survivors of changes at import (a table's entries, constants) per batch: most of them survive
# the whole suite too (an untested table), so a batch of them passes more often than not.
IMPORT_TIME_BATCH_SIZE = 2 * BATCH_SIZE

Hunk = tuple[int, int, tuple[str, ...]]  # original lines [start, end) → these lines


@lru_cache(maxsize=4096)  # batches are formed more than once while survivors wait
def hunks(original: str, new: str) -> tuple[Hunk, ...]:
    """The line ranges of `original` that `new` replaces, and what with."""
    old_lines = original.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    return tuple(
        (i1, i2, tuple(new_lines[j1:j2])) for i1, i2, j1, j2 in line_changes(old_lines, new_lines)
    )


def apart(first: Sequence[Hunk], second: Sequence[Hunk]) -> bool:
    """True if no hunk of `first` touches or borders one of `second` (at least one unchanged
    line between them, so the merged text is each edit in its own place)."""
    return all(
        a_end < b_start or b_end < a_start
        for a_start, a_end, _ in first
        for b_start, b_end, _ in second
    )


def apply_hunks(original: str, edits: Sequence[Hunk]) -> str:
    """`original` with every hunk of `edits` (pairwise apart) applied."""
    lines = original.splitlines(keepends=True)
    for start, end, new in sorted(edits, key=lambda hunk: hunk[0], reverse=True):
        lines[start:end] = new
    return "".join(lines)


@lru_cache(maxsize=256)
def _functions(original: str) -> tuple[tuple[int, int], ...]:
    """The line spans (1-based, inclusive) of the outermost functions of a module's text, the
    methods of its classes included."""
    try:
        tree = ast.parse(original)
    except SyntaxError:
        return ()
    spans: list[tuple[int, int]] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                spans.append((child.lineno, child.end_lineno or child.lineno))
            elif isinstance(child, ast.ClassDef):
                todo.append(child)
    return tuple(spans)


def function_of(original: str, hunk: Hunk) -> tuple[int, int] | None:
    """The span of the outermost function the hunk lies in (None: outside every function)."""
    first, last = hunk[0] + 1, max(hunk[0] + 1, hunk[1])
    for start, end in _functions(original):
        if start <= first and last <= end:
            return (start, end)
    return None


@dataclass
class Batch:
    """Survivors (by index) whose changes merge into one text per file."""

    indices: list[int] = field(default_factory=list)
    edits: dict[str, list[Hunk]] = field(default_factory=dict)  # path → the merged hunks
    alone: bool = False  # holds one mutant that shares no batch (a deleted file)
    # Whether its members' edits lie outside every function (they run at import): such edits
    # share a batch only with each other. None: no member yet.
    import_time: bool | None = None

    def admit(self, index: int, mutant: Mutant) -> bool:
        """Add `mutant` if its edits stay apart from the batch's (a line between them, in one
        function or not); False (and the batch unchanged) if not."""
        if self.alone:
            return False
        mine: dict[str, tuple[Hunk, ...]] = {}
        outside = False  # some edit lies outside every function
        for path, new in mutant.changes.items():
            original = mutant.originals.get(path)
            if new is None or original is None:
                return False
            mine[path] = hunks(original, new)
            if not apart(self.edits.get(path, ()), mine[path]):
                return False
            outside |= any(function_of(original, hunk) is None for hunk in mine[path])
        # A change outside every function (module or class level) runs at import, where it can
        # change what every other member's code sees: it shares a batch only with changes of
        # its kind (the constants and table entries whose first pass was narrowed by name,
        # breakit.engine.name_readers), which fail a batch as any member does.
        if self.import_time is not None and outside != self.import_time:
            return False
        self.import_time = outside
        self.indices.append(index)
        for path, edits in mine.items():
            self.edits.setdefault(path, []).extend(edits)
        return True


def batches(
    mutants: Sequence[Mutant], indices: Sequence[int], size: int = BATCH_SIZE
) -> list[list[int]]:
    """`indices` (of `mutants`) grouped into batches of at most `size` (of changes at import,
    IMPORT_TIME_BATCH_SIZE for each BATCH_SIZE), greedily, in order."""
    formed: list[Batch] = []
    for index in indices:
        for batch in formed:
            limit = size * IMPORT_TIME_BATCH_SIZE // BATCH_SIZE if batch.import_time else size
            if len(batch.indices) < limit and batch.admit(index, mutants[index]):
                break
        else:
            batch = Batch()
            if not batch.admit(index, mutants[index]):
                batch.indices.append(index)
                batch.alone = True
            formed.append(batch)
    return [batch.indices for batch in formed]


def merged_mutant(mutants: Sequence[Mutant]) -> Mutant:
    """One Mutant with every member's changes in the code at once (members from `batches`)."""
    if len(mutants) == 1:
        return mutants[0]
    edits: dict[str, list[Hunk]] = {}
    originals: dict[str, str] = {}
    for mutant in mutants:
        for path, new in mutant.changes.items():
            original = mutant.originals[path]
            assert new is not None
            originals[path] = original
            edits.setdefault(path, []).extend(hunks(original, new))
    changes: Mapping[str, str | None] = {
        path: apply_hunks(originals[path], found) for path, found in edits.items()
    }
    ids = ", ".join(m.id for m in mutants)
    return Mutant(
        id=f"batch of {len(mutants)}: {ids}",
        origin="batch",
        title=f"{len(mutants)} survivors at once",
        changes=changes,
        originals=originals,
    )


def passed_by_all(firsts: Sequence[MutantResult]) -> frozenset[str]:
    """The tests every one of `firsts` (survivors of their first passes) ran and passed with
    itself alone in the code: a batch of them need not run those again."""
    passed = [
        {nodeid for nodeid, outcome in first.tests.items() if outcome.outcome is Outcome.MISSED}
        for first in firsts
    ]
    return frozenset(set.intersection(*passed)) if passed else frozenset()


def proved_survivor(first: MutantResult, baseline: Baseline, extra_s: float) -> MutantResult:
    """`first`, a survivor of its planned tests, once its batch passed the whole suite: the result
    its own whole-suite run would give (every other test as the baseline ran it), its time plus
    `extra_s`, its share of the batch's runs."""
    base = baseline.run.outcomes
    tests = {
        nodeid: base[nodeid] if outcome.outcome is Outcome.NOT_RUN and nodeid in base else outcome
        for nodeid, outcome in first.tests.items()
    }
    ran = set(first.order)
    order = (*first.order, *(nodeid for nodeid in baseline.tests if nodeid not in ran))
    return replace(first, tests=tests, order=order, duration_s=first.duration_s + extra_s)
