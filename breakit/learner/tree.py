"""Breakages written into the learner's working tree: write, status, and an exact reset.

`apply --write` keeps the bytes of every file it changes under `.breakit/originals/<id>/` and the
text it wrote under `.breakit/written/<id>/`, with content hashes in `.breakit/tree.json`. From
those, each file is one of: still as written (broken), back to the original (fixed), or edited by
the learner. `reset` restores the originals byte for byte, and never overwrites an edit of the
learner's unless asked to (a copy of what it overwrites is kept under `.breakit/backups/`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

from breakit.core.errors import RefusedError, UsageError
from breakit.core.model import Mutant
from breakit.store.gateway import (
    copy_into_state,
    read_state_json,
    remove_state_tree,
    state_file,
    write_state_bytes,
    write_state_json,
)

MANIFEST = "tree.json"


class FileState(StrEnum):
    BROKEN = "as written"  # still exactly what the breakage wrote
    RESTORED = "restored"  # back to the original bytes
    EDITED = "edited"  # changed by the learner since: neither written nor original


@dataclass(frozen=True)
class WrittenFile:
    path: str
    original_sha: str
    written_sha: str | None  # None: the breakage deleted the file
    state: FileState


@dataclass(frozen=True)
class Written:
    """One breakage in the tree, and what became of each of its files."""

    id: str
    files: tuple[WrittenFile, ...]

    @property
    def fixed(self) -> bool:
        return all(f.state is FileState.RESTORED for f in self.files)

    @property
    def untouched(self) -> bool:
        return all(f.state is FileState.BROKEN for f in self.files)

    @property
    def edited(self) -> tuple[WrittenFile, ...]:
        return tuple(f for f in self.files if f.state is FileState.EDITED)


def sha(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


class Tree:
    """The project's working tree and the breakages written into it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- the manifest -----------------------------------------------------------------------

    def _manifest(self) -> dict[str, Any]:
        data = read_state_json(self.root, MANIFEST)
        return data if isinstance(data, dict) else {}

    def _save(self, manifest: Mapping[str, Any]) -> None:
        write_state_json(self.root, MANIFEST, dict(manifest))

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._manifest()))

    def is_written(self, mutant_id: str) -> bool:
        return mutant_id in self._manifest()

    def _current(self, rel: str) -> bytes | None:
        path = self._path(rel)
        return path.read_bytes() if path.is_file() else None

    def _path(self, rel: str) -> Path:
        parts = PurePosixPath(rel).parts
        if PurePosixPath(rel).is_absolute() or ".." in parts:
            raise UsageError(f"{rel!r} is not a path inside the project")
        return self.root.joinpath(*parts)

    # --- status -----------------------------------------------------------------------------

    def status(self) -> tuple[Written, ...]:
        return tuple(self.written(mutant_id) for mutant_id in self.ids())

    def written(self, mutant_id: str) -> Written:
        entry = self._manifest().get(mutant_id)
        if entry is None:
            raise UsageError(
                f"{mutant_id} is not written in your tree",
                hint="`breakit status` lists the breakages that are",
            )
        files = []
        for rel, hashes in sorted(entry["files"].items()):
            now = sha(self._current(rel))
            if now == hashes["written"]:
                state = FileState.BROKEN
            elif now == hashes["original"]:
                state = FileState.RESTORED
            else:
                state = FileState.EDITED
            files.append(WrittenFile(rel, hashes["original"], hashes["written"], state))
        return Written(mutant_id, tuple(files))

    def original_text(self, mutant_id: str, rel: str) -> str:
        return self._copy(mutant_id, "originals", rel).read_bytes().decode("utf-8")

    def written_text(self, mutant_id: str, rel: str) -> str | None:
        path = self._copy(mutant_id, "written", rel)
        return path.read_bytes().decode("utf-8") if path.is_file() else None

    def _copy(self, mutant_id: str, kind: str, rel: str) -> Path:
        return state_file(self.root, *_kept(mutant_id, kind, rel))

    def clean_changes(self, mutant_id: str) -> dict[str, str | None]:
        """The changes that turn the tree back into the clean app (the originals)."""
        entry = self._manifest()[mutant_id]
        return {rel: self.original_text(mutant_id, rel) for rel in entry["files"]}

    def broken_changes(self, mutant_id: str) -> dict[str, str | None]:
        """The changes that put the breakage back exactly as it was written."""
        entry = self._manifest()[mutant_id]
        return {rel: self.written_text(mutant_id, rel) for rel in entry["files"]}

    # --- write --------------------------------------------------------------------------------

    def check_writable(self, mutant_id: str, paths: Iterable[str] = ()) -> None:
        """RefusedError if writing `mutant_id` over `paths` could lose anything of the learner's."""
        # A breakage the learner fixed (every file back to its original) holds nothing of
        # theirs: its record goes, so it can be written again (or another over its files).
        for written_id in list(self._manifest()):
            if self.written(written_id).fixed:
                self.forget(written_id)
        manifest = self._manifest()
        if mutant_id in manifest:
            raise RefusedError(
                f"{mutant_id} is already written in your tree",
                hint=f"`breakit status` shows it; `breakit reset {mutant_id}` takes it out",
            )
        for other, entry in manifest.items():
            shared = sorted(set(paths) & set(entry["files"]))
            if shared:
                raise RefusedError(
                    f"refusing to write {mutant_id}: {', '.join(shared)} already holds the "
                    f"breakage {other}, and resetting either one later would undo your work on "
                    "the other",
                    hint=f"fix it and run `breakit reset {other}` first (`breakit status`)",
                )

    def write(self, mutant: Mutant) -> Written:
        """Leave `mutant` in the tree, keeping the original bytes of every file it changes."""
        self.check_writable(mutant.id, mutant.changes)
        files: dict[str, dict[str, str | None]] = {}
        for rel, new in mutant.changes.items():
            original = self._current(rel)
            if original is None:
                raise RefusedError(f"{rel} does not exist: nothing to break")
            # Compared as codemod read it (universal newlines), the bytes are what is kept.
            if self._path(rel).read_text(encoding="utf-8") != mutant.originals.get(rel):
                raise RefusedError(
                    f"{rel} changed while the breakage was being run; nothing was written",
                    hint="run the command again",
                )
            write_state_bytes(self.root, _kept(mutant.id, "originals", rel), original)
            data = None if new is None else new.encode("utf-8")
            if data is not None:
                write_state_bytes(self.root, _kept(mutant.id, "written", rel), data)
            files[rel] = {"original": sha(original), "written": sha(data)}
        manifest = self._manifest()
        # Recorded before the files change: an interrupted write can still be reset.
        manifest[mutant.id] = {"files": files, "written_at": time.time()}
        self._save(manifest)
        for rel, new in mutant.changes.items():
            target = self._path(rel)
            if new is None:
                target.unlink()
            else:
                target.write_bytes(new.encode("utf-8"))
        return self.written(mutant.id)

    # --- reset ------------------------------------------------------------------------------

    def reset(self, mutant_id: str, *, overwrite_edits: bool = False) -> list[str]:
        """Put the original bytes back; returns the edited files it overwrote (backed up first).

        Raises RefusedError, changing nothing, if a file holds edits of the learner's and
        `overwrite_edits` is False.
        """
        written = self.written(mutant_id)
        if written.edited and not overwrite_edits:
            names = ", ".join(f.path for f in written.edited)
            raise RefusedError(
                f"resetting {mutant_id} would overwrite your edits to {names}",
                hint=f"run `breakit reset {mutant_id}` in a terminal to confirm, or add --force "
                "(a copy of what is overwritten is kept under .breakit/backups/)",
            )
        overwritten = []
        backup_folder = f"{mutant_id}-{time.strftime('%Y%m%d-%H%M%S')}"
        for item in written.files:
            if item.state is FileState.RESTORED:
                continue
            target = self._path(item.path)
            if item.state is FileState.EDITED and target.is_file():
                parts = ("backups", backup_folder, *PurePosixPath(item.path).parts)
                copy_into_state(self.root, parts, target)
                overwritten.append(item.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self._copy(mutant_id, "originals", item.path).read_bytes())
        self.forget(mutant_id)
        return overwritten

    def forget(self, mutant_id: str) -> None:
        """Drop the record (and kept copies) of a breakage, without touching the tree."""
        manifest = self._manifest()
        manifest.pop(mutant_id, None)
        self._save(manifest)
        for kind in ("originals", "written"):
            remove_state_tree(self.root, (kind, mutant_id))

    def backups_dir(self) -> Path:
        return state_file(self.root, "backups")


def _kept(mutant_id: str, kind: str, rel: str) -> tuple[str, ...]:
    """Where under `.breakit/` the `kind` ("originals", "written") copy of `rel` is kept."""
    return (kind, mutant_id, *PurePosixPath(rel).parts)
