"""Where the lab's runners come from: its backend's factory (breakit.runners.factory) and the
fork workers started ahead, while the caller plans, so that importing the suite's packages
overlaps the planning instead of delaying the first mutant (1.4 s on the bundled target)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from breakit.runners.factory import RunnerFactory
from breakit.runners.fork.warm_client import WarmPool
from breakit.runners.run_spec import Runner, StartingRunner


class RunnerPool:
    def __init__(self, factory: RunnerFactory) -> None:
        self.factory = factory
        self._ahead: list[StartingRunner] = []  # started by `start`, not yet taken

    @property
    def backend(self) -> str:
        return self.factory.backend  # "fork" falls back where there is no os.fork

    def preload(self, modules: Sequence[str], project: Sequence[str]) -> None:
        """Fork workers started from now on preload `modules` (what the baseline imported),
        never the project's own (`project`)."""
        self.factory = replace(self.factory, modules=modules, project=project)

    def start(self, count: int) -> None:
        """Start `count` runners now, each in a thread of its own, unless some already were."""
        if self._ahead:
            return
        for _ in range(count):
            self._ahead.append(StartingRunner(self.new()))
            self._ahead[-1].begin()

    def take(self, count: int) -> list[Runner]:
        """`count` runners: those `start` started (once started), then new ones; those started
        beyond `count` are closed. One still starting stays the pool's until it is taken: an
        interrupt while waiting for it leaves it to `close`."""
        runners: list[Runner] = []
        try:
            while self._ahead:
                runner = self._ahead[0].started()
                self._ahead.pop(0)
                if runner is not None and len(runners) < count:
                    runners.append(runner)
                elif runner is not None:
                    runner.close()
        except BaseException:
            for runner in runners:
                runner.close()
            raise
        return runners + [self.new() for _ in range(count - len(runners))]

    def new(self) -> Runner:
        """A runner of the backend: the given one if the lab was given one, else a fork worker
        (from the warm pool if asked) or a fresh pytest per run."""
        return self.factory.new_runner()

    def warm_pool(self) -> WarmPool | None:
        """The project's warm pool for what the workers preload, unless warm is off."""
        return self.factory.warm_pool()

    def close(self) -> None:
        """Every runner started ahead and never taken, closed."""
        for runner in self.take(0):
            runner.close()
