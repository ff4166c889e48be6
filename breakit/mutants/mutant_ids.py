"""The mutant id space: which mutants a command is about (curated ids, generated mutants with
filters, or both), resolved by id with did-you-mean."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from breakit.core.config import Config
from breakit.core.errors import UnknownMutationError, UsageError
from breakit.core.model import Mutant, Mutation
from breakit.mutants.catalog import Catalog

if TYPE_CHECKING:
    from breakit.mutants.mutant_cache import MutantCache


@dataclass(frozen=True)
class Filters:
    """Narrow generated mutants down: by source file, by operator, by id pattern."""

    files: tuple[str, ...] = ()  # files or folders, relative to the project root
    operators: tuple[str, ...] = ()  # operator names or families ("generic", "web")
    match: tuple[str, ...] = ()  # glob patterns on the mutant id, e.g. "target_app.todos:*"

    def keep(self, mutant: Mutant) -> bool:
        """`match` takes an id in its former spelling too (`former_id`: `src.pkg.*`)."""
        if not self.match:
            return True
        ids = (mutant.id, former_id(mutant) or mutant.id)
        return any(fnmatchcase(i, p) for i in ids for p in self.match)


def former_id(mutant: Mutant) -> str | None:
    """The id breakit gave a generated mutant before ids took the module's import name: its
    file's whole path with `/` as `.` (`src.cachetools.keys:comparison:1a2b3c4d` for
    `cachetools.keys:comparison:1a2b3c4d`, breakit.mutants.operators.discovery.module_label), still
    accepted for it (`resolve`, `--match`, `[tool.breakit.equivalent]`). None where the two are
    the same (every file outside a `src/` folder), and for a curated mutant."""
    label, colon, rest = mutant.id.partition(":")
    if not colon or mutant.location is None or mutant.mutation is not None:
        return None
    path = mutant.location.path
    former = (path[:-3] if path.endswith(".py") else path).replace("/", ".")
    return f"{former}:{rest}" if former != label else None


class MutantIds:
    """Resolves ids and builds mutants for one command; generated mutants are found once.

    `catalog` may be given as the function that loads it, called when first needed: a curated mutant
    that `mutants` (breakit.mutants.mutant_cache) still holds needs no catalog, and no libcst.
    """

    def __init__(
        self,
        config: Config,
        catalog: Catalog | Callable[[], Catalog],
        mutants: MutantCache | None = None,
    ) -> None:
        self.config = config
        self._catalog = catalog
        self.mutants = mutants
        self._generated: dict[Filters, list[Mutant]] = {}

    @property
    def catalog(self) -> Catalog:
        if not isinstance(self._catalog, Catalog):
            self._catalog = self._catalog()
        return self._catalog

    def generated(self, filters: Filters = Filters()) -> list[Mutant]:
        if filters not in self._generated:
            from breakit.mutants.operators import (
                generate_mutants,  # libcst: only for generated mutants
            )

            found = generate_mutants(
                self.config,
                paths=filters.files or None,
                operators=filters.operators or None,
            )
            self._generated[filters] = [m for m in found if filters.keep(m)]
        return self._generated[filters]

    def curated(self, ids: Sequence[str] = ()) -> list[Mutant]:
        """Curated mutants, applied now: one that no longer matches its code fails loudly here."""
        mutations = [self.catalog.get(i) for i in ids] if ids else list(self.catalog.all())
        return [self.apply(m) for m in mutations]

    def apply(self, mutation: Mutation) -> Mutant:
        """The Mutant `mutation` makes of the project: from `mutants` if it holds it, else
        computed (breakit.mutants.codemod) and stored there."""
        cached = self.mutants.get(mutation.id) if self.mutants is not None else None
        if cached is not None:
            return replace(cached, mutation=mutation)  # the catalog's, with its transformers
        return self._compute(mutation)

    def resolve(self, mutant_id: str, *, generated: bool = False) -> Mutant:
        """A curated mutation or a generated mutant by id; did-you-mean over both otherwise.

        `generated`: the command asked for generated mutants, so they are searched (and
        suggested) even for an id that does not look like one (no `:`)."""
        # Still in the cache: the catalog is the one it was computed from, so the id is in it.
        cached = self.mutants.get(mutant_id) if self.mutants is not None else None
        if cached is not None:
            if isinstance(self._catalog, Catalog):  # loaded anyway: its Mutation, as `apply`
                return replace(cached, mutation=self._catalog.get(mutant_id))
            return cached
        if mutant_id in self.catalog:
            return self._compute(self.catalog.get(mutant_id))
        search_generated = (generated or ":" in mutant_id) and bool(self.config.source)
        if search_generated:
            for mutant in self.generated():
                if mutant.id == mutant_id:
                    return mutant
            for mutant in self.generated():
                if former_id(mutant) == mutant_id:  # `src.pkg.mod:…` for `pkg.mod:…`
                    return mutant
        known = list(self.catalog.ids)
        if search_generated:
            known += [m.id for m in self.generated()]
        message = f"no mutation called {mutant_id!r}"
        close = difflib.get_close_matches(mutant_id, known, n=3)
        if close:
            message += f"; did you mean {' or '.join(repr(c) for c in close)}?"
        raise UnknownMutationError(
            message, hint="`breakit list` shows curated ids, `breakit list --generated` the rest"
        )

    def _compute(self, mutation: Mutation) -> Mutant:
        from breakit.mutants.codemod import apply_mutation  # libcst

        mutant = apply_mutation(mutation, self.config.root)
        if self.mutants is not None:
            self.mutants.put(mutant, known=self.catalog.ids)
        return mutant

    def for_check(
        self, ids: Sequence[str], *, generated: bool, curated: bool, filters: Filters
    ) -> list[Mutant]:
        """What `check` runs: the given ids, else the curated catalog and/or generated mutants."""
        # Ids name exactly what runs (curated or generated, with --generated / --all or without);
        # a filter on top of them would silently drop some.
        if ids and filters != Filters():
            raise UsageError(
                "give mutant ids, or filters (--file, --operator, --match), not both",
                hint="`breakit list --generated` with the filters shows the ids they select",
            )
        if generated and not self.config.source:
            raise UsageError(
                "--generated needs [tool.breakit] source: the code to mutate",
                hint='e.g. source = ["your_package"] in pyproject.toml',
            )
        if ids:
            found = [self.resolve(i, generated=generated) for i in dict.fromkeys(ids)]
            return list({mutant.id: mutant for mutant in found}.values())  # an id in two spellings
        mutants = self.curated() if curated else []
        if generated:
            mutants += self.generated(filters)
        return mutants
