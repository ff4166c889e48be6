"""Survivors that are entries of one table of literal data, as one finding.

A module that holds a table (a dict, list, tuple or set of many literal entries, bound at module
or class level: boltons' irregular plurals, a country-code map) gets a mutant per entry, each
run and judged like any other (docs/operators.md, "Tables of data"). When no test reads the
table, or only a few of its entries, most of those mutants survive; listed one by one they bury
every other finding. The reports show them as one: the table, how many of its entries'
mutants survived, one of them as the example, and `-v` lists the others.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from breakit.core.model import MutantResult

TABLE_MIN_ENTRIES = 10  # a literal of at least this many entries is a table
GROUPED_MIN = 3  # survivors of one table shown as one finding from this many


@dataclass(frozen=True)
class DataTable:
    """A table of literal data: its name, file and lines (1-based, inclusive), its entries."""

    name: str
    path: str
    start: int
    end: int
    entries: int

    def label(self) -> str:
        return f"{self.name} ({self.path}:{self.start}-{self.end}, {self.entries} entries)"


@dataclass(frozen=True)
class TableFinding:
    """The survivors that are entries of one table."""

    table: DataTable
    survivors: tuple[MutantResult, ...]


def _entries(value: ast.expr) -> int:
    if isinstance(value, ast.Dict):
        return len(value.keys)
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return len(value.elts)
    if isinstance(value, ast.Call) and value.args:  # frozenset([...]), dict([...])
        return _entries(value.args[0])
    return 0


@functools.lru_cache(maxsize=128)
def tables_in(path: str, source: str) -> tuple[DataTable, ...]:
    """The tables bound at module or class level in `source` (the file at `path`)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    found = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for statement in getattr(node, "body", ()):
            if isinstance(statement, ast.ClassDef):
                todo.append(statement)
                continue
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                target, value = statement.target, statement.value
            else:
                continue
            count = _entries(value)
            if isinstance(target, ast.Name) and count >= TABLE_MIN_ENTRIES:
                end = statement.end_lineno or statement.lineno
                found.append(DataTable(target.id, path, statement.lineno, end, count))
    return tuple(found)


def table_of(result: MutantResult) -> DataTable | None:
    """The table whose entry `result`'s mutant changes, if it is one."""
    location = result.mutant.location
    if location is None:
        return None
    source = result.mutant.originals.get(location.path)
    if source is None:
        return None
    for table in tables_in(location.path, source):
        if table.start < location.start_line and location.end_line <= table.end:
            return table
    return None


def table_findings(survivors: Iterable[MutantResult]) -> list[TableFinding]:
    """The tables that at least GROUPED_MIN of `survivors` are entries of, each with them, in
    the order of their first survivor."""
    by_table: dict[DataTable, list[MutantResult]] = {}
    for result in survivors:
        table = table_of(result)
        if table is not None:
            by_table.setdefault(table, []).append(result)
    return [
        TableFinding(table, tuple(members))
        for table, members in by_table.items()
        if len(members) >= GROUPED_MIN
    ]


def finding_line(finding: TableFinding) -> str:
    """`202 mutants of entries of the table _IRR_S2P (boltons/strutils.py:281-315, 105
    entries): no test checks these entries` (after the verdict, Survived)."""
    return (
        f"{len(finding.survivors)} mutants of entries of the table "
        f"{finding.table.label()}: no test checks these entries"
    )


def findings_json(survivors: Iterable[MutantResult]) -> list[dict[str, object]]:
    """The JSON document's `tables` (docs/json.md): each table with grouped survivors."""
    return [
        {
            "name": finding.table.name,
            "path": finding.table.path,
            "start": finding.table.start,
            "end": finding.table.end,
            "entries": finding.table.entries,
            "survived": [result.mutant.id for result in finding.survivors],
        }
        for finding in table_findings(survivors)
    ]
