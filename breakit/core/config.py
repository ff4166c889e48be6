"""Project settings from `[tool.breakit]` in the project's pyproject.toml (docs/config.md)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from breakit.core.errors import ConfigError

PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Config:
    """Where the project is, what to mutate, which suite must catch it, and how long to wait."""

    root: Path
    source: tuple[str, ...] = ()  # files, folders or globs to mutate, relative to root
    tests: tuple[str, ...] = ()  # pytest arguments / paths that make up the suite
    mutations: tuple[str, ...] = ()  # folders of curated mutations
    pytest_args: tuple[str, ...] = ()  # extra pytest arguments for every run
    timeout_factor: float = 5.0  # a mutant may take this many times its tests' baseline time…
    timeout_min_s: float = 10.0  # …plus this constant
    equivalent: dict[str, str] = field(default_factory=dict)  # mutant id -> why it is equivalent
    exclude: tuple[str, ...] = ()  # globs of source files never mutated
    warm: str = "auto"  # warm workers (breakit.runners.fork.warm_client): "auto", "on" or "off"
    warm_idle_minutes: float = 15.0  # a warm pool stops after this long without a worker
    # A test process's memory ceiling in MB (breakit.runners.memlimit): None for the default (a
    # multiple of the baseline's peak), 0 for none ("off").
    memory_limit_mb: int | None = None


# key -> (type check, description for the error message)
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "source": (list, "a list of paths"),
    "tests": (list, "a list of pytest arguments or paths"),
    "mutations": (list, "a list of folders"),
    "pytest_args": (list, "a list of strings"),
    "timeout_factor": ((int, float), "a number"),
    "timeout_min_s": ((int, float), "a number of seconds"),
    "equivalent": (dict, "a table of mutant id = reason"),
    "exclude": (list, "a list of globs"),
    "warm": (str, 'one of "auto", "on", "off"'),
    "warm_idle_minutes": ((int, float), "a number of minutes"),
    "memory_limit_mb": ((int, str), 'a whole number of MB greater than 0, or "off"'),
}

WARM_SETTINGS = ("auto", "on", "off")


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding a pyproject.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PYPROJECT).is_file():
            return folder
    raise ConfigError(
        f"no {PYPROJECT} found in {start} or any folder above it",
        hint="run breakit inside a project, or point at one with --project PATH",
    )


def load_config(project: Path | None = None, *, cwd: Path | None = None) -> Config:
    """Read `[tool.breakit]` from `project` (a folder or its pyproject.toml), or search upward."""
    if project is not None:
        project = project.resolve()
        if project.is_file() and project.name == PYPROJECT:
            project = project.parent
        if not (project / PYPROJECT).is_file():
            raise ConfigError(
                f"{project / PYPROJECT} does not exist",
                hint="--project must name a folder that holds a pyproject.toml",
            )
        root = project
    else:
        root = find_root(cwd or Path.cwd())
    path = root / PYPROJECT
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("breakit")
    if table is None:
        raise ConfigError(
            f"{path} has no [tool.breakit] table",
            hint='add one with at least source = ["your_package"] and tests = ["tests"]',
        )
    return parse_table(root, table)


def parse_table(root: Path, table: dict[str, Any]) -> Config:
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"[tool.breakit] has an unknown key {key!r} (known keys: {known})")
        expected, described = _KEYS[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise ConfigError(f"[tool.breakit] {key} must be {described}, not {value!r}")
        if isinstance(value, list) and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"[tool.breakit] {key} must be {described} of strings")
        if isinstance(value, dict) and not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(f"[tool.breakit] {key} must map each mutant id to a reason string")
    if table.get("warm", "auto") not in WARM_SETTINGS:
        raise ConfigError(f"[tool.breakit] warm must be {_KEYS['warm'][1]}, not {table['warm']!r}")
    memory = table.get("memory_limit_mb")
    if memory is not None and memory != "off" and (isinstance(memory, str) or memory <= 0):
        described = _KEYS["memory_limit_mb"][1]
        raise ConfigError(f"[tool.breakit] memory_limit_mb must be {described}, not {memory!r}")
    for key in ("timeout_factor", "timeout_min_s", "warm_idle_minutes"):
        if key in table and table[key] <= 0:
            raise ConfigError(f"[tool.breakit] {key} must be greater than 0")
    if not table.get("tests"):
        raise ConfigError(
            "[tool.breakit] tests is missing or empty",
            hint='say which tests make up the suite, e.g. tests = ["tests"]',
        )
    for entry in table.get("mutations", []):
        if not (root / entry).exists():
            raise ConfigError(f"[tool.breakit] mutations names {entry!r}, which does not exist")
    for entry in table.get("source", []):
        if not is_glob(entry) and not (root / entry).exists():
            raise ConfigError(f"[tool.breakit] source names {entry!r}, which does not exist")
        if not entry_files(root, entry):
            raise ConfigError(
                f"[tool.breakit] source entry {entry!r} matches no Python file",
                hint="name a .py file, a folder holding some, or a glob such as 'pkg/**/*.py'",
            )
    return Config(
        root=root,
        source=tuple(table.get("source", ())),
        tests=tuple(table["tests"]),
        mutations=tuple(table.get("mutations", ())),
        pytest_args=tuple(table.get("pytest_args", ())),
        timeout_factor=float(table.get("timeout_factor", 5.0)),
        timeout_min_s=float(table.get("timeout_min_s", 10.0)),
        equivalent=dict(table.get("equivalent", {})),
        exclude=tuple(table.get("exclude", ())),
        warm=str(table.get("warm", "auto")),
        warm_idle_minutes=float(table.get("warm_idle_minutes", 15.0)),
        memory_limit_mb=0 if memory == "off" else memory,
    )


# --- source entries: a file, a folder or a glob -----------------------------------------------

_GLOB_CHARS = frozenset("*?[")
_SKIPPED = ("__pycache__", "node_modules")


def is_glob(entry: str) -> bool:
    return not _GLOB_CHARS.isdisjoint(entry)


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """`pattern` as pathlib's glob reads it: `*` and `?` stay within one path part, `**` is any
    number of folders (none included), `[...]` a set of characters."""
    out, at = [], 0
    pattern = pattern.strip("/")
    while at < len(pattern):
        if pattern.startswith("**/", at):
            out.append("(?:.*/)?")
            at += 3
        elif pattern.startswith("**", at):
            out.append(".*")
            at += 2
        elif pattern[at] == "*":
            out.append("[^/]*")
            at += 1
        elif pattern[at] == "?":
            out.append("[^/]")
            at += 1
        elif pattern[at] == "[" and "]" in pattern[at + 2 :]:
            end = pattern.index("]", at + 2)
            body = pattern[at + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            at = end + 1
        else:
            out.append(re.escape(pattern[at]))
            at += 1
    return re.compile("".join(out) + r"\Z")


def entry_matches(path: str, entry: str) -> bool:
    """True if the project-relative POSIX `path` is the source `entry`, inside it (a folder), or
    matched by it (a glob, or a folder's glob: `pkg/*` covers `pkg/sub/a.py` too)."""
    path = path.strip("/")
    entry = entry.strip("/").removeprefix("./")
    if not is_glob(entry):
        return path == entry or path.startswith(entry + "/") or entry in ("", ".")
    regex = glob_regex(entry)
    if regex.match(path):
        return True
    parts = path.split("/")
    return any(regex.match("/".join(parts[:n])) for n in range(1, len(parts)))


def entry_files(root: Path, entry: str) -> list[str]:
    """The project-relative POSIX paths of the Python files a source `entry` names, sorted:
    the file itself, every `*.py` under a folder, or every `*.py` a glob matches (hidden folders,
    caches and virtualenvs skipped)."""
    target = root / entry
    if not is_glob(entry):
        if target.is_file():
            return [target.relative_to(root).as_posix()] if target.suffix == ".py" else []
        if not target.is_dir():
            return []
    base = root / glob_base(entry) if is_glob(entry) else target
    found = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in _SKIPPED
            and not (Path(folder) / d / "pyvenv.cfg").exists()
        )
        for name in files:
            if name.endswith(".py"):
                rel = (Path(folder) / name).relative_to(root).as_posix()
                if entry_matches(rel, entry):
                    found.append(rel)
    return sorted(found)


def glob_base(entry: str) -> str:
    """The folders of a glob before its first wildcard: where to look for what it matches."""
    parts = []
    for part in entry.strip("/").split("/"):
        if is_glob(part):
            break
        parts.append(part)
    return "/".join(parts)
