"""Which code reads a module-level name: the narrowed first pass of a mutant whose change runs only
at import (a constant, an entry of a table, a class attribute, an import).

Such a change reaches no test while the tests run, so per-test coverage cannot say which tests it
affects: what it changes is the value a name holds, and what notices is the code that reads that
name later. `bound_names` says which names the changed statements bind (and, within the module,
the names other module-level statements compute from them); `NameReaders` finds the functions of
the source that load any of those names, as a variable or as an attribute (`TABLE`, `self.limit`,
`module.TABLE`): the tests that run those functions are the mutant's first pass. It is a guess
that only orders the work: a survivor of it is still proved on the whole suite
(breakit.engine.batch), and a mutant whose names no function reads goes to that proof directly.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from breakit.core.model import Mutant
from breakit.core.run_records import IMPORT_TIME
from breakit.engine.selection import first_pass_tests, tests_running
from breakit.mutants.changed_lines import changed_lines, in_source, module_level_lines
from breakit.store.cache_keys import project_files

Lines = frozenset[tuple[str, int]]  # (path, line), as the coverage map keys them


@functools.lru_cache(maxsize=256)
def _tree(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _import_time_statements(body: Sequence[ast.stmt]) -> Iterable[ast.stmt]:
    """The statements that run at import: the module's and, recursively, its classes' bodies."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.ClassDef):
            yield from _import_time_statements(statement.body)


def _target_names(target: ast.expr) -> set[str]:
    """What an assignment to `target` changes, by name: `X`, `obj.attr` → attr, `T[k]` → T."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Attribute):
        return {target.attr}
    if isinstance(target, ast.Subscript):
        return _target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return {name for element in target.elts for name in _target_names(element)}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


def _binds(statement: ast.stmt) -> set[str] | None:
    """The names `statement` binds; None if it is not a plain binding (a call for its effect, a
    compound statement whose body decides what is bound)."""
    if isinstance(statement, ast.Assign):
        return {name for target in statement.targets for name in _target_names(target)}
    if isinstance(statement, ast.AnnAssign | ast.AugAssign):
        return _target_names(statement.target)
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    return None


def _loads(node: ast.AST) -> set[str]:
    """Every name `node` reads, as a variable or as an attribute."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            found.add(child.id)
        elif isinstance(child, ast.Attribute) and isinstance(child.ctx, ast.Load):
            found.add(child.attr)
    return found


def bound_names(source: str, lines: frozenset[int]) -> frozenset[str] | None:
    """The names whose values the change of `lines` (all at import time) can alter: those the
    changed statements bind, and those the module's later import-time statements compute from
    them. None if a changed line is in no plain binding (see `_binds`): no name says what the
    change affects."""
    tree = _tree(source)
    if tree is None:
        return None
    everything = list(_import_time_statements(tree.body))
    statements = [s for s in everything if not isinstance(s, ast.ClassDef)]
    classes = [s for s in everything if isinstance(s, ast.ClassDef)]
    names: set[str] = set()
    for line in lines:
        holding = [s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)] or [
            c for c in classes if _header_holds(c, line)
        ]
        if not holding:
            return None
        bound = _binds(min(holding, key=lambda s: (s.end_lineno or s.lineno) - s.lineno))
        if not bound:
            return None
        names |= bound
    # What later import-time code computes from them changes too (`_P2S = {v: k for k, v in
    # _S2P.items()}`), once through the module in order.
    for statement in statements:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            continue  # its body runs later, when called: a reader, found by NameReaders
        bound = _binds(statement)
        if bound and not names.isdisjoint(_loads(statement)):
            names |= bound
    return frozenset(names)


def _header_holds(node: ast.ClassDef, line: int) -> bool:
    """True if `line` is in the class's header: its decorators, bases and keywords."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return first <= line < node.body[0].lineno


@functools.lru_cache(maxsize=1024)
def _readers_in(source: str) -> tuple[tuple[frozenset[str], range], ...]:
    """Each function of `source` (nested ones and methods too): the names its body reads, and
    its body's lines."""
    tree = _tree(source)
    if tree is None:
        return ()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            body = node.body if isinstance(node.body, list) else [node.body]
            start, end = body[0].lineno, max(b.end_lineno or b.lineno for b in body)
            found.append((frozenset(_loads(node)), range(start, end + 1)))
    return tuple(found)


class NameReaders:
    """The functions of the source files that read given names (module docstring): the files are
    listed, read and parsed once, when first asked."""

    def __init__(self, root: Path, source: Sequence[str]) -> None:
        self.root = root
        self.source = tuple(source)  # [tool.breakit] source

    @functools.cached_property
    def _texts(self) -> Mapping[str, str]:
        texts = {}
        for found in project_files(self.root):
            path = found.relative_to(self.root).as_posix()
            if not path.endswith(".py") or not in_source(path, self.source):
                continue
            try:
                texts[path] = found.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return texts

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one lab's readers, asked per mutant
    def lines_reading(self, names: frozenset[str]) -> Lines:
        """The body lines of every function that reads one of `names`."""
        lines: set[tuple[str, int]] = set()
        for path, text in self._texts.items():
            for reads, body in _readers_in(text):
                if not names.isdisjoint(reads):
                    lines.update((path, line) for line in body)
        return frozenset(lines)


def read_while_importing(
    mutant: Mutant, coverage: Mapping[str, Lines], readers: NameReaders
) -> bool:
    """True if a function that reads a name `mutant`'s module-level change alters ran while the
    project was imported or collected (`Y = f()` after `X = 1`, f reading X): what it computed then
    came from the old value, and running the changed statements again (runners.fork.reexec)
    cannot know it. Such a mutant runs fresh."""
    ran = coverage.get(IMPORT_TIME, frozenset())
    if not ran:
        return False
    for path, new in mutant.changes.items():
        original = mutant.originals.get(path)
        if new is None or original is None or not path.endswith(".py"):
            continue
        lines = changed_lines(original, new) & module_level_lines(original)
        bound = bound_names(original, frozenset(lines)) if lines else None
        if bound and not readers.lines_reading(bound).isdisjoint(ran):
            return True
    return False


def reader_tests(
    mutant: Mutant,
    coverage: Mapping[str, Lines],
    tests: Sequence[str],
    readers: NameReaders,
) -> tuple[str, ...] | None:
    """For a mutant whose every change runs only at import: the tests that run a function reading
    a name the change can alter (`bound_names`), in suite order; () if no function reads one.
    None if some change is not of that kind (a function body, a deleted file), or binds no name."""
    names: set[str] = set()
    for path, new in mutant.changes.items():
        original = mutant.originals.get(path)
        if new is None or original is None or not path.endswith(".py"):
            return None
        lines = changed_lines(original, new)
        if not lines or not lines <= module_level_lines(original):
            return None
        bound = bound_names(original, lines)
        if bound is None:
            return None
        names |= bound
    return tests_running(readers.lines_reading(frozenset(names)), coverage, tests)


def tests_to_try_first(
    mutant: Mutant, coverage: Mapping[str, Lines], tests: Sequence[str], readers: NameReaders
) -> tuple[str, ...] | None:
    """First-catch's first pass for a mutant planned on the whole suite: the tests that reach
    its change while they run (selection.first_pass_tests), else those running code that reads
    what it changes (`reader_tests`). None: the whole suite at once (neither says, or every
    test would run); (): no test to try first, the mutant waits for the batched proof."""
    found = first_pass_tests(mutant, coverage, tests)
    if not found:
        readers_found = reader_tests(mutant, coverage, tests, readers)
        if not readers_found:
            return readers_found  # None, or () for names nothing reads
        found = readers_found
    return found if len(found) < len(tests) else None
