"""What the engine knows of the project's names: the top-level modules a fork worker must never
preload (each child imports them fresh), and the source entries the tests never import.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path, PurePosixPath

from breakit.core.config import Config, entry_files, is_glob
from breakit.core.model import Baseline


def project_names(config: Config) -> frozenset[str]:
    """Top-level module names of the project (at its root, in src/, and the sources'):
    a fork worker never imports these, wherever they are installed."""
    root = config.root
    names = set()
    for folder in (root, root / "src"):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and any(entry.glob("*.py")):
                names.add(entry.name)
    return frozenset(names | source_names(config))


def source_names(config: Config) -> set[str]:
    """The top-level names the source is imported under: each entry's first folder (`src/`
    aside); for a file entry, or a glob's files, each of its folders and its own stem too: a
    test next to `app/main.py` in a folder without `__init__.py` imports it as `main` (pytest
    puts the folder on sys.path), so a worker must not preload `main` either. Those extra names
    are never a standard library one (a worker's child drops every project name it has)."""
    first: set[str] = set()
    extra: set[str] = set()
    for source in config.source:
        files = entry_files(config.root, source) if is_glob(source) else [source]
        for rel in files:
            parts = PurePosixPath(rel).parts
            if parts and parts[0] == "src" and len(parts) > 1:
                parts = parts[1:]
            if parts:
                first.add(parts[0].removesuffix(".py"))
            if rel.endswith(".py"):
                extra.update(p.removesuffix(".py") for p in parts if p != "__init__.py")
    return first | (extra - set(sys.stdlib_module_names))


def unimported_sources(config: Config, baseline: Baseline) -> list[str]:
    """A warning for each source entry none of whose files ran a line in the baseline (its
    coverage map): the tests never import it, so its mutants would all be NoCoverage."""
    coverage = baseline.run.coverage
    if coverage is None:
        return []
    ran = {path for lines in coverage.values() for path, _ in lines}
    notes = []
    for entry in config.source:
        files = entry_files(config.root, entry)
        if files and ran.isdisjoint(files) and any(_has_code(config.root / f) for f in files):
            notes.append(
                f"warning: [tool.breakit] source entry {entry!r}: the tests never import it "
                "(no line of it ran on the unmutated code); check the entry and the tests"
            )
    return notes


def _has_code(path: Path) -> bool:
    try:
        return bool(ast.parse(path.read_text(encoding="utf-8")).body)
    except (OSError, SyntaxError, ValueError):
        return False
