"""The curated catalog: every Mutation defined in the project's mutations folders, by id."""

from __future__ import annotations

import difflib
import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from breakit.core.config import Config
from breakit.core.errors import MutationError, UnknownMutationError
from breakit.core.model import Mutation

# Mutation modules are loaded by file path under this prefix, so the folder need not be a package
# and a module named like a real one (e.g. `json.py`) cannot shadow it.
_MODULE_PREFIX = "_breakit_mutations"


class Catalog:
    """The mutations in the order they were found (folder order, then file name order)."""

    def __init__(self, mutations: tuple[Mutation, ...] = ()) -> None:
        self._mutations = mutations
        self._by_id = {mutation.id: mutation for mutation in mutations}

    def all(self) -> tuple[Mutation, ...]:
        return self._mutations

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(mutation.id for mutation in self._mutations)

    def get(self, mutation_id: str) -> Mutation:
        """The mutation called `mutation_id`; UnknownMutationError (with a suggestion) if none."""
        try:
            return self._by_id[mutation_id]
        except KeyError:
            pass
        message = f"no mutation called {mutation_id!r}"
        close = difflib.get_close_matches(mutation_id, self.ids, n=3)
        if close:
            message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        raise UnknownMutationError(message, hint="`breakit list` shows every mutation id")

    def __len__(self) -> int:
        return len(self._mutations)

    def __iter__(self) -> Iterator[Mutation]:
        return iter(self._mutations)

    def __contains__(self, mutation_id: object) -> bool:
        return mutation_id in self._by_id


def load_catalog(config: Config) -> Catalog:
    """Load every `*.py` (not starting with `_`) of each folder in `config.mutations`."""
    found: list[Mutation] = []
    seen: dict[str, str] = {}  # id -> the file that defined it
    for index, folder_name in enumerate(config.mutations):
        folder = config.root / folder_name
        if not folder.is_dir():
            raise MutationError(f"the mutations folder {folder_name} is not a folder")
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            shown = _shown(path, config.root)
            mutation = replace(_load_one(path, shown, index), source_file=shown)
            if mutation.id in seen:
                raise MutationError(
                    f"{shown} defines mutation {mutation.id!r}, already defined in "
                    f"{seen[mutation.id]}",
                    hint="every mutation needs its own id",
                )
            seen[mutation.id] = shown
            found.append(mutation)
    return Catalog(tuple(found))


def _load_one(path: Path, shown: str, index: int) -> Mutation:
    name = f"{_MODULE_PREFIX}_{index}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise MutationError(f"{shown} cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs: dataclasses and pickling look classes up through sys.modules.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise MutationError(
            f"{shown} failed to import: {type(exc).__name__}: {exc}",
            hint="fix the mutation module (run `python " + shown + "` to see the traceback)",
        ) from exc
    mutation = getattr(module, "MUTATION", None)
    if not isinstance(mutation, Mutation):
        got = "has no MUTATION" if mutation is None else f"has MUTATION = {mutation!r}"
        raise MutationError(
            f"{shown} {got}; a mutation module must define MUTATION = Mutation(...)",
            hint="files in a mutations folder whose name starts with _ are not loaded",
        )
    if not mutation.id or not mutation.edits:
        raise MutationError(f"{shown}: MUTATION needs an id and at least one FileEdit")
    return mutation


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
