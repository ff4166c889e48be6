"""Proving NoCoverage: a marker on every line the coverage map calls unrun, and one suite run.

Per-test coverage misses code that runs where coverage.py does not look: in a subprocess the
tests start, in a thread started where it is not traced, through `exec` or a C callback. So a
mutant is reported NoCoverage only after the claim has been checked: `marked_sources` puts a
marker before each statement the claims name (a call that appends the marker's number to a file
and carries on: robust to code that swallows exceptions, and to processes that die), the suite
runs once with those sources (breakit.engine.lab), and `read_hits` says which markers ran. A
marker that ran shows the map was wrong about its lines.

A marker must run whenever its line runs, never less often: it goes before the statement that
holds the line, or before the statement around it when that one cannot get a line of its own
(`elif` headers, `except` clauses, one-line bodies); a one-line function gets it inline. A
claim at module or class level (a line that never ran at import: an `if TYPE_CHECKING:` block)
gets its marker the same way. A claim no marker can stand for is not proved: its mutants run
the whole suite (breakit.engine.no_coverage.settle).
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from breakit.core.model import Mutant
from breakit.engine.selection import TestPlan
from breakit.mutants.changed_lines import changed_lines
from breakit.runners.run_spec import Runner, RunSpec
from breakit.runners.workspace import Scratch, Workspace

HIT = "_breakit_proof_hit"  # the helper each marked module defines; markers call it

_HELPER = """\
def {name}(n, _seen=set()):
    # breakit's NoCoverage proof: note that marker n ran, once per process, and carry on.
    if n not in _seen:
        _seen.add(n)
        try:
            import os
            fd = os.open({path!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.write(fd, b"%d\\n" % n)
            os.close(fd)
        except BaseException:
            pass
"""


@dataclass(frozen=True)
class Marked:
    """The marked sources, and which claimed (path, line)s each marker stands for."""

    changes: dict[str, str]  # path -> marked text
    markers: dict[int, frozenset[tuple[str, int]]]
    checked: frozenset[tuple[str, int]]  # the claims a marker stands for (function bodies)


def marked_sources(
    originals: Mapping[str, str], claims: Iterable[tuple[str, int]], hits_file: Path
) -> Marked:
    """Every file of `claims` (path, line) with a marker before each claimed statement."""
    by_path: dict[str, set[int]] = {}
    for path, line in claims:
        by_path.setdefault(path, set()).add(line)
    changes: dict[str, str] = {}
    markers: dict[int, frozenset[tuple[str, int]]] = {}
    checked: set[tuple[str, int]] = set()
    for path in sorted(by_path):
        text = originals.get(path)
        if text is None:
            continue
        # Markers go below the helper (after the docstring and `from __future__` imports,
        # which always run: never a claim).
        helper = _helper_line(text)
        spots = {
            spot: lines for spot, lines in _spots(text, by_path[path]).items() if spot[0] > helper
        }
        if not spots:
            continue
        first = len(markers)
        numbered = {spot: first + i for i, spot in enumerate(sorted(spots))}
        new = _insert(text, numbered, hits_file)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(new, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue  # cannot mark this file: its claims stay unchecked
        changes[path] = new
        for spot, number in numbered.items():
            markers[number] = frozenset((path, line) for line in spots[spot])
            checked.update(markers[number])
    return Marked(changes, markers, frozenset(checked))


def read_hits(hits_file: Path) -> set[int]:
    """The markers that ran (numbers in `hits_file`, one a line; a cut-off line is dropped)."""
    try:
        text = hits_file.read_text(encoding="ascii", errors="replace")
    except OSError:
        return set()
    return {int(word) for word in text.split() if word.isdigit()}


# A spot is where one marker goes: (line, column, inline). `inline` markers go at that column of
# the line, followed by "; "; the others on a line of their own before it, at its indentation.
_Spot = tuple[int, int, bool]


def _spots(text: str, lines: set[int]) -> dict[_Spot, set[int]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    source_lines = text.splitlines()
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    statements = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    spots: dict[_Spot, set[int]] = {}
    for line in lines:
        holding = [s for s in statements if _first_line(s) <= line <= (s.end_lineno or s.lineno)]
        if not holding:
            continue
        deepest = max(holding, key=lambda s: _depth(s, parents))
        # A one-line function's line is its header too, run when the `def` runs: a marker
        # before the `def` as well as the one in its body.
        headers = [
            s
            for s in holding
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
            and s.body[0].lineno == line
            and not _starts_line(s.body[0], source_lines)
        ]
        for statement in (deepest, *headers):
            spot = _spot_for(statement, parents, source_lines)
            if spot is not None:
                spots.setdefault(spot, set()).add(line)
    return spots


def _spot_for(
    statement: ast.stmt, parents: Mapping[ast.AST, ast.AST], lines: list[str]
) -> _Spot | None:
    """Where the marker for a line of `statement` goes: before it if it starts a line of its
    own, else before the statement around it (or inline in a one-line function's body)."""
    node: ast.AST = statement
    while node in parents:
        parent = parents[node]
        if isinstance(node, ast.stmt):
            if _starts_line(node, lines) and not _is_elif(node, lines):
                return (_first_line(node), 0, False)
            siblings = _siblings(node, parent)
            at = siblings.index(node)
            if at and (siblings[at - 1].end_lineno or 0) >= node.lineno:  # `a; b`: before `a`
                node = siblings[at - 1]
                continue
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef) and at == 0:
                return (node.lineno, node.col_offset, True)  # def f(): return x
        node = parent
    return None


def _siblings(node: ast.stmt, parent: ast.AST) -> list[ast.stmt]:
    for name in ("body", "orelse", "finalbody", "handlers", "cases"):
        group = getattr(parent, name, None)
        if isinstance(group, list) and node in group:
            return group
    return [node]


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _starts_line(node: ast.stmt, lines: list[str]) -> bool:
    line = lines[_first_line(node) - 1] if _first_line(node) <= len(lines) else ""
    decorators = getattr(node, "decorator_list", [])
    col = node.col_offset if not decorators else min(d.col_offset for d in decorators) - 1
    return not line.encode("utf-8")[: max(col, 0)].strip()


def _is_elif(node: ast.stmt, lines: list[str]) -> bool:
    return isinstance(node, ast.If) and lines[node.lineno - 1].lstrip().startswith("elif")


def _depth(node: ast.AST, parents: Mapping[ast.AST, ast.AST]) -> int:
    depth = 0
    while node in parents:
        node = parents[node]
        depth += 1
    return depth


def _insert(text: str, numbered: Mapping[_Spot, int], hits_file: Path) -> str:
    lines = text.splitlines(keepends=True)
    for (line, col, inline), number in sorted(numbered.items(), reverse=True):
        current = lines[line - 1]
        if inline:
            raw = current.encode("utf-8")
            lines[line - 1] = (raw[:col] + f"{HIT}({number}); ".encode() + raw[col:]).decode()
        else:
            indent = current[: len(current) - len(current.lstrip())]
            lines.insert(line - 1, f"{indent}{HIT}({number})\n")
    at = _helper_line(text)
    newline = "" if at == 0 or lines[at - 1].endswith("\n") else "\n"
    lines.insert(at, newline + _HELPER.format(name=HIT, path=str(hits_file)))
    return "".join(lines)


def _helper_line(text: str) -> int:
    """The 0-based line after the docstring and `from __future__` imports: where the helper goes
    (those must stay first); markers are all below it."""
    body = ast.parse(text).body
    at = 0
    while at < len(body):
        statement = body[at]
        docstring = (
            at == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        )
        future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if not (docstring or future):
            break
        at += 1
    return (body[at - 1].end_lineno or 0) if at else 0


Claims = dict[tuple[str, int], list[int]]  # (path, line) → the indexes of the mutants claiming it


def no_coverage_claims(
    mutants: Sequence[Mutant], plans: Sequence[TestPlan]
) -> tuple[Claims, dict[str, str]]:
    """The (path, line)s the NoCoverage mutants (their plan reaches no test) changed, each with
    the mutants that claim it, and the original text of their files."""
    claims: Claims = {}
    originals: dict[str, str] = {}
    for index, plan in enumerate(plans):
        if not plan.reaches_no_test:
            continue
        for path, new in mutants[index].changes.items():
            original = mutants[index].originals.get(path)
            if new is None or original is None:
                continue
            originals[path] = original
            for line in changed_lines(original, new):
                claims.setdefault((path, line), []).append(index)
    return claims, originals


def proof_note(path: str, lines: int, mutants: int, error: str | None) -> str:
    """The note for the user about `lines` lines of `path` the proof found run (or could not
    check: `error`), whose `mutants` mutants ran the whole suite instead."""
    why = "the coverage map missed" if error is None else "could not check"
    return (
        f"{why} {lines} line{'s' * (lines != 1)} in {path}; their "
        f"{mutants} mutant{'s' * (mutants != 1)} ran the whole suite"
        + (f" ({error.splitlines()[0]})" if error else "")
    )


Found = dict[str, set[tuple[str, int]]]  # "asked", "checked", "hit": sets of (path, line)


def proof_run(
    runner: Runner,
    workspace: Workspace,
    spec: RunSpec,
    originals: dict[str, str],
    claims: set[tuple[str, int]],
) -> tuple[Found, str | None, bool]:
    """The suite once (`spec`) with markers on the claimed lines: what it checked and hit, why it
    could not run (a timeout, an error: then nothing is proved), and whether it ran at all."""
    scratch = Scratch("breakit-proof-")  # a SIGKILLed command's: the next one removes it
    try:
        hits_file = scratch.path / "hits"
        marked = marked_sources(originals, claims, hits_file)
        found: Found = {"asked": claims, "checked": set(marked.checked), "hit": set()}
        if not marked.changes:
            return found, None, False
        with workspace.mutated(marked.changes) as workdir:
            run = runner.run(workdir, spec)
        for number in read_hits(hits_file):
            found["hit"].update(marked.markers.get(number, ()))
    finally:
        scratch.remove()
    if run.timed_out:
        return found, f"the proof run {run.error or 'timed out'}", True
    return found, None if run.error is None else f"the proof run failed: {run.error}", True
