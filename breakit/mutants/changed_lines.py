"""Where a mutant changes its file, as lines: the lines of the original a new text replaces (each
widened to its whole statement), the lines that run at import, and whether a path is one of the
`source` entries. What `--since`, the test selection, batching and the NoCoverage proof all ask.
"""

from __future__ import annotations

import ast
import difflib
import functools
from collections.abc import Sequence

from breakit.core.config import entry_matches


def in_source(path: str, source: Sequence[str]) -> bool:
    """True if the project-relative `path` is one of, inside one of, or matched by one of the
    `source` entries (files, folders, globs: breakit.core.config.entry_matches)."""
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
