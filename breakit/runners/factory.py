"""Where runners come from: one factory the lab, the learner and `bench/` share.

A runner is a fork worker (breakit.runners.fork.client) where `os.fork` exists, forked from the
project's warm pool (breakit.runners.fork.warm_client) when one is used, else one fresh `python -m
pytest` per run (breakit.runners.subprocess_runner). A fork worker preloads the third-party modules
the baseline saw the suite import (the engine record's `modules`) and reloads the project's own for
every run (`project`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from breakit.runners.fork.client import ForkRunner
from breakit.runners.fork.warm_client import DEFAULT_IDLE_S, WarmPool
from breakit.runners.run_spec import Runner
from breakit.runners.subprocess_runner import SubprocessRunner

BACKENDS = ("fork", "subprocess")


class Warm(StrEnum):
    """Whether fork workers come from the project's warm pool. `[tool.breakit] warm` says
    "on", "off" or "auto"; "auto" is ON for a command run in a terminal and IF_RUNNING
    elsewhere (CI, scripts), which never leaves a process behind (breakit.cli.options)."""

    OFF = "off"  # every worker imports the suite's modules itself
    ON = "on"  # from the pool, started first if none runs
    IF_RUNNING = "if-running"  # from the pool if one already runs, never started from here


def default_backend() -> str:
    return "fork" if hasattr(os, "fork") else "subprocess"


@dataclass
class RunnerFactory:
    """The runners of one project's runs, all alike: `backend`'s, or `given` (one runner for
    every run, one at a time) when there is one."""

    root: Path
    backend: str = field(default_factory=default_backend)
    modules: Sequence[str] = ()  # the engine record's: what a fork worker preloads
    project: Sequence[str] = ()  # the project's top-level module names
    warm: Warm = Warm.OFF
    warm_idle_s: float = DEFAULT_IDLE_S
    given: Runner | None = None

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}: one of {', '.join(BACKENDS)}")
        if self.backend == "fork" and not hasattr(os, "fork"):
            self.backend = "subprocess"
        self.warm = Warm(self.warm)
        self._pool: WarmPool | None = None

    def new_runner(self) -> Runner:
        if self.given is not None:
            return self.given
        if self.backend == "fork":
            return ForkRunner(self.modules, project=self.project, pool=self.warm_pool())
        return SubprocessRunner()

    def warm_pool(self) -> WarmPool | None:
        """The project's warm pool for these modules, unless warm is off (or not forking)."""
        if self.warm is Warm.OFF or self.backend != "fork":
            return None
        if self._pool is None:
            self._pool = WarmPool(
                self.root,
                self.modules,
                self.project,
                start=self.warm is Warm.ON,
                idle_s=self.warm_idle_s,
            )
        return self._pool
