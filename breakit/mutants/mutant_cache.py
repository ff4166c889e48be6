"""Curated mutants, remembered in `.breakit/mutants.json`: while nothing a mutant was computed from
has changed, `breakit apply ID` needs neither the catalog's modules nor libcst.

breakit.mutants.codemod computes a curated Mutant from its mutation module, the files that module's
edits name and read, and the code that applies it. An entry is used only while the hash of all of it
is the one it was stored under:

- every `*.py` file directly in each mutations folder, `_` helpers included: the catalog is then
  the one that defined the id (and loaded without error) when the entry was stored;
- each edit's path, the files it names now (a glob is matched again) and their bytes, or that a
  file is missing;
- breakit's version and the code of codemod, model, catalog and this module; libcst's version and
  Python's.

Anything else (no entry, another key, an unreadable file) computes the Mutant as before, so a
mutation that no longer applies fails exactly as it did. Entries are written only into a
`.breakit/` that exists (a command that shows a diff never creates it) and never fail a command.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from breakit import __version__
from breakit.core.config import Config
from breakit.core.model import FileEdit, Location, Mutant, Mutation
from breakit.mutants.codemod import matching
from breakit.store.gateway import Store

FORMAT = 1  # of an entry: a new one makes every stored entry a miss
# breakit's, hashed: the package-relative paths of what a curated Mutant is computed by
_CODE = ("mutants/codemod.py", "core/model.py", "mutants/catalog.py", "mutants/mutant_cache.py")


class NotLoaded:
    """The transformer of each FileEdit of a Mutant's Mutation from the cache: its module was not
    imported. The Mutation describes the breakage (id, title, question, hints, answer key, files);
    only the catalog's own can be applied again."""

    def __init__(self) -> None:
        raise RuntimeError("a Mutation from breakit's mutant cache cannot be applied again")


class MutantCache:
    def __init__(self, config: Config) -> None:
        self.root = config.root
        self.folders = config.mutations
        self.state = Store(config.root)
        self._entries: dict[str, Any] | None = None
        self._common: str | None = None

    def get(self, mutation_id: str) -> Mutant | None:
        """The Mutant of curated mutation `mutation_id` if its entry is still valid, else None."""
        entry = self._load().get(mutation_id)
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        try:
            paths = [str(path) for path, _ in entry["edits"]]
            if entry["key"] != self.key(paths):
                return None
            return _mutant_from_json(mutation_id, entry)
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, mutant: Mutant, known: Iterable[str]) -> None:
        """Remember curated `mutant`, just computed; drop the entries of ids not in `known`."""
        mutation = mutant.mutation
        if mutation is None or not self.state.dir.is_dir():
            return
        key = self.key([edit.path for edit in mutation.edits])
        if key is None:
            return
        kept = set(known)
        entries = {k: v for k, v in self._load().items() if k in kept}
        entries[mutant.id] = {"format": FORMAT, "key": key, **_mutant_to_json(mutant, mutation)}
        self._entries = entries
        with contextlib.suppress(OSError):  # only a cache: a read-only project still works
            self.state.store_mutants(entries)

    def key(self, paths: Sequence[str]) -> str | None:
        """The hash of everything a mutant whose edits name `paths` is computed from (None: no
        mutations folder to hash, so nothing can be cached)."""
        common = self._common_key()
        if common is None:
            return None
        digest = hashlib.sha256(common.encode())
        for path in paths:
            digest.update(f"\0edit {path}\0".encode())
            for rel in matching(self.root, path):
                digest.update(f"\0file {rel}\0".encode())
                digest.update(_content(self.root / rel))
        return digest.hexdigest()

    def _common_key(self) -> str | None:
        if self._common is not None:
            return self._common
        digest = hashlib.sha256(f"breakit {__version__}\0{FORMAT}\0{sys.version}\0".encode())
        package = Path(__file__).resolve().parents[1]  # breakit/
        for name in _CODE:
            digest.update(f"\0breakit {name}\0".encode())
            digest.update(_content(package / name))
        digest.update(b"\0libcst\0" + _libcst_version())
        for folder_name in self.folders:
            folder = self.root / folder_name
            if not folder.is_dir():
                return None  # the catalog raises for it: never a hit
            digest.update(f"\0mutations {folder.resolve()}\0".encode())
            for path in sorted(folder.glob("*.py")):
                digest.update(f"\0module {path.name}\0".encode())
                digest.update(_content(path))
        self._common = digest.hexdigest()
        return self._common

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = self.state.cached_mutants()
        return self._entries


def _content(path: Path) -> bytes:
    try:
        return b"<file>" + path.read_bytes()
    except OSError:
        return b"<missing>"


def _libcst_version() -> bytes:
    """libcst's version file and where it is installed, without importing it."""
    spec = importlib.util.find_spec("libcst")
    if spec is None or spec.origin is None:
        return b"<none>"
    origin = Path(spec.origin)
    return origin.as_posix().encode() + b"\0" + _content(origin.parent / "_version.py")


def _mutant_to_json(mutant: Mutant, mutation: Mutation) -> dict[str, Any]:
    location = mutant.location
    return {
        "title": mutant.title,
        # Pairs, not objects: the order of the changes is the order they were made in.
        "changes": [[path, text] for path, text in mutant.changes.items()],
        "originals": [[path, text] for path, text in mutant.originals.items()],
        "location": None
        if location is None
        else [
            location.path,
            location.start_line,
            location.start_column,
            location.end_line,
            location.end_column,
        ],
        "edits": [[edit.path, edit.looks_for] for edit in mutation.edits],
        "mutation": {
            "title": mutation.title,
            "question": mutation.question,
            "hints": list(mutation.hints),
            "caught_by": None if mutation.caught_by is None else list(mutation.caught_by),
            "explain": mutation.explain,
            "source_file": mutation.source_file,
        },
    }


def _mutant_from_json(mutation_id: str, entry: dict[str, Any]) -> Mutant:
    data = entry["mutation"]
    edits = tuple(
        FileEdit(str(path), NotLoaded, str(looks_for))  # type: ignore[arg-type]
        for path, looks_for in entry["edits"]
    )
    mutation = Mutation(
        id=mutation_id,
        title=str(data["title"]),
        question=str(data["question"]),
        hints=tuple(str(h) for h in data["hints"]),
        edits=edits,
        caught_by=None if data["caught_by"] is None else tuple(str(n) for n in data["caught_by"]),
        explain=data["explain"],
        source_file=data["source_file"],
    )
    location = entry["location"]
    return Mutant(
        id=mutation_id,
        origin="mutation",
        title=str(entry["title"]),
        changes={str(path): None if text is None else str(text) for path, text in entry["changes"]},
        originals={str(path): str(text) for path, text in entry["originals"]},
        mutation=mutation,
        location=None if location is None else Location(*location),
    )
