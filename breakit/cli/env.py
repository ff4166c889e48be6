"""What every command gets: the `Env` (the project, its config and catalog, the consoles) and the
mutation-id parameter type, completed from the catalog in the shell."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from breakit.core.config import Config, load_config
from breakit.core.errors import BreakitError
from breakit.mutants.catalog import Catalog, load_catalog
from breakit.mutants.mutant_cache import MutantCache
from breakit.mutants.mutant_ids import MutantIds
from breakit.reports import terminal

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


@dataclass
class Env:
    """What every command needs: where the project is, and where to write."""

    project: Path | None
    color: bool | None
    # When the command started (time.monotonic, once its imports were done): JSON `timing`.
    started: float = field(default_factory=time.monotonic, init=False)
    out: Console = field(init=False)
    err: Console = field(init=False)
    _config: Config | None = field(default=None, init=False)
    _catalog: Catalog | None = field(default=None, init=False)
    _mutant_ids: MutantIds | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.out = terminal.make_console(color=self.color)
        self.err = terminal.make_console(stderr=True, color=self.color)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.project)
        return self._config

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.config)
        return self._catalog

    @property
    def mutant_ids(self) -> MutantIds:
        if self._mutant_ids is None:
            # The catalog is loaded when first needed: not for a curated mutant still cached.
            mutants = MutantCache(self.config)
            self._mutant_ids = MutantIds(self.config, lambda: self.catalog, mutants)
        return self._mutant_ids


pass_env = click.make_pass_decorator(Env)


class MutationId(click.ParamType):
    """A mutation id, completed from the catalog in the shell."""

    name = "id"

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem  # only when the shell asks

        try:
            project = ctx.find_root().params.get("project")
            catalog = load_catalog(load_config(project))
        except BreakitError:
            return []
        return [
            CompletionItem(m.id, help=m.title) for m in catalog.all() if m.id.startswith(incomplete)
        ]
