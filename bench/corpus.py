"""The field trial's corpus: bench/corpus.toml read into `Project`s, each entry checked."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("corpus.toml")


@dataclass(frozen=True)
class Project:
    """One corpus entry: where its code comes from, how to install it, how breakit sees it."""

    name: str
    why: str
    source: tuple[str, ...]
    tests: tuple[str, ...]
    dist: str = ""  # the PyPI name; empty for a local project (the smoke test)
    version: str = ""
    subdir: str = ""  # the project's root inside the unpacked sdist
    cut: tuple[tuple[str, str], ...] = ()  # (from, to) copied out of the sdist into a new root
    write: tuple[tuple[str, str], ...] = ()  # (path, text) written into the project root
    install: tuple[str, ...] = ()  # pip arguments; "." is the project root
    files: tuple[str, ...] = ()  # --file bounds for list/check
    operators: tuple[str, ...] = ()  # --operator bounds for list/check (a large module)
    exclude: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    workaround: str = ""  # a configuration that dodges a known breakit defect, and why
    local: str = ""  # a folder to copy instead of fetching (the smoke test)


class CorpusError(Exception):
    """corpus.toml cannot be read, or one of its entries is malformed (the message names it)."""


TEXTS = ("name", "why", "dist", "version", "subdir", "workaround")
LISTS = ("source", "tests", "install", "files", "operators", "exclude", "pytest_args")
TABLES = ("cut", "write")  # {from: to} and {path: text}, in the file's order
REQUIRED = ("name", "why", "dist", "version", "source", "tests")
# Every field of Project but `local`, which only the smoke test sets.
assert {*TEXTS, *LISTS, *TABLES, "local"} == {f.name for f in fields(Project)}


def load_corpus(path: Path = CORPUS) -> tuple[Project, ...]:
    """Every `[[project]]` of `path`, in its order; CorpusError on the first malformed one."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CorpusError(f"{path}: {exc}") from None
    unknown = sorted(set(data) - {"project"})
    if unknown:
        raise CorpusError(f"{path}: unknown top-level key(s) {unknown}; want [[project]] tables")
    entries = data.get("project")
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{path}: no [[project]] entries")
    projects = tuple(project(entry, f"{path}: project {i + 1}") for i, entry in enumerate(entries))
    names = [p.name for p in projects]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CorpusError(f"{path}: project name(s) used twice: {', '.join(twice)}")
    return projects


def project(entry: Any, where: str) -> Project:
    """One entry as a Project; `where` (the file and the entry's number) opens each error."""
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: not a table")
    if isinstance(entry.get("name"), str) and entry["name"]:
        where = f"{where} ({entry['name']})"
    unknown = sorted(set(entry) - {*TEXTS, *LISTS, *TABLES})
    if unknown:
        raise CorpusError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = [key for key in REQUIRED if not entry.get(key)]
    if missing:
        raise CorpusError(f"{where}: missing or empty {', '.join(missing)}")
    values: dict[str, Any] = {}
    for key, value in entry.items():
        if key in TEXTS and not isinstance(value, str):
            raise CorpusError(f"{where}: {key} must be a string, not {value!r}")
        if key in LISTS and not _strings(value):
            raise CorpusError(f"{where}: {key} must be a list of strings, not {value!r}")
        if key in TABLES and not (isinstance(value, dict) and _strings(list(value.values()))):
            raise CorpusError(f"{where}: {key} must be a table of strings, not {value!r}")
        values[key] = (
            tuple(value) if key in LISTS else tuple(value.items()) if key in TABLES else value
        )
    return Project(**values)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)
