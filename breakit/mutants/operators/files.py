"""The files discovery reads: the project's `*.py` source files as `[tool.breakit] source` (or
the paths given) names them, excludes applied, and their text."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from breakit.core.config import Config, entry_files, is_glob
from breakit.core.errors import ConfigError, MutationError, UsageError

_SKIPPED_DIRS = ("__pycache__",)


def source_files(config: Config, paths: Sequence[str] | None = None) -> list[str]:
    """Project-relative POSIX paths of the `*.py` files to mutate, sorted, excludes applied.

    An entry is a file, a folder (every `*.py` under it) or a glob
    (breakit.core.config.entry_files).

    `exclude` globs are matched with fnmatch against the relative path (`*` crosses `/`); a
    glob naming a folder excludes everything under it.
    """
    root = config.root.resolve()
    entries = config.source if paths is None else tuple(paths)
    if not entries:
        raise ConfigError(
            "[tool.breakit] source is empty: there is no code to mutate",
            hint='name the package to mutate, e.g. source = ["your_package"]',
        )
    found: set[str] = set()
    for entry in entries:
        if is_glob(entry) and not Path(entry).is_absolute():
            matched = entry_files(root, entry)
            if not matched:
                error = ConfigError if paths is None else UsageError
                raise error(f"{entry} matches no Python file (in {root})")
            found.update(matched)
            continue
        target = Path(entry) if Path(entry).is_absolute() else root / entry
        target = target.resolve()
        if not target.is_relative_to(root):
            raise UsageError(f"{entry} is outside the project ({root})")
        if target.is_file():
            if target.suffix != ".py":
                raise UsageError(f"{entry} is not a Python file")
            found.add(target.relative_to(root).as_posix())
        elif target.is_dir():
            for file in target.rglob("*.py"):
                rel = file.relative_to(root)
                hidden = any(p.startswith(".") or p in _SKIPPED_DIRS for p in rel.parts[:-1])
                if not hidden and file.is_file():
                    found.add(rel.as_posix())
        else:
            error = ConfigError if paths is None else UsageError
            raise error(f"{entry} does not exist (in {root})")
    return sorted(rel for rel in found if not _excluded(rel, config.exclude))


def _excluded(rel: str, globs: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob.rstrip("/") + "/*")
        for glob in globs
    )


def read_source(path: Path, rel: str) -> str:
    """The text of a file to mutate, newlines as they are; a MutationError if it cannot be read."""
    try:
        with path.open(encoding="utf-8", newline="") as file:  # keep \r\n as it is
            return file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise MutationError(f"cannot read {rel}: {exc}") from None
