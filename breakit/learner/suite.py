"""Runs of the suite the learner's commands need: on the tree as it is, with or without a breakage,
and one test alone. Each goes through the lab's workspace and runner, never in the user's files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from breakit.core.config import Config
from breakit.core.model import Outcome, SuiteRun
from breakit.engine.lab import Lab
from breakit.learner.why import shown_command
from breakit.runners.factory import RunnerFactory, Warm
from breakit.runners.run_spec import Runner
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.store.cache_keys import content_key

Changes = Mapping[str, str | None]


@dataclass(frozen=True)
class Comparison:
    """The suite on the clean app and on the breakage, test by test."""

    clean: SuiteRun
    broken: SuiteRun

    def _failed(self, run: SuiteRun) -> set[str]:
        bad = (Outcome.CAUGHT, Outcome.ERRORED)
        return {n for n, o in run.outcomes.items() if o.outcome in bad}

    @property
    def catchers(self) -> tuple[str, ...]:
        """Fail on the breakage AND pass on the clean app: the tests that really catch it."""
        clean_passed = {n for n, o in self.clean.outcomes.items() if o.outcome is Outcome.MISSED}
        return tuple(n for n in self.broken.order if n in self._failed(self.broken) & clean_passed)

    @property
    def always_failing(self) -> tuple[str, ...]:
        """Fail on the clean app too: they prove nothing about the breakage."""
        both = self._failed(self.clean) & self._failed(self.broken)
        return tuple(n for n in self.clean.order if n in both)


def failing(run: SuiteRun) -> tuple[str, ...]:
    """The tests that failed or errored, in the order they ran."""
    bad = (Outcome.CAUGHT, Outcome.ERRORED)
    ran = {n: i for i, n in enumerate(run.order)}
    found = [n for n, o in run.outcomes.items() if o.outcome in bad]
    return tuple(sorted(found, key=lambda n: ran.get(n, len(ran))))


def _lab(config: Config) -> tuple[Lab, SubprocessRunner]:
    # A fresh `python -m pytest` per run: the learner's runs are few, and each must import the
    # tree exactly as it is now.
    runner = SubprocessRunner()
    return Lab(config, runner=runner, use_cache=False), runner


def run_suite(config: Config, changes: Changes | None = None) -> SuiteRun:
    """The whole suite on the project as it is, with `changes` written into the copy."""
    lab, runner = _lab(config)
    with lab.session(), lab.workspace.mutated(dict(changes or {})) as workdir:
        return runner.run(workdir, lab.spec())


def compare(config: Config, clean: Changes, broken: Changes) -> Comparison:
    """The suite twice in one copy: on the clean app, then on the breakage."""
    lab, runner = _lab(config)
    with lab.session():
        with lab.workspace.mutated(dict(clean)) as workdir:
            clean_run = runner.run(workdir, lab.spec())
        with lab.workspace.mutated(dict(broken)) as workdir:
            broken_run = runner.run(workdir, lab.spec())
    return Comparison(clean_run, broken_run)


def alone(
    config: Config, changes: Changes, nodeids: Sequence[str], timeout_s: float | None = None
) -> dict[str, Outcome]:
    """Each test run on its own (a fresh interpreter state each) against `changes`: its outcome
    alone. A fork worker where there is one: up to 20 runs, each without pytest's start-up."""
    lab, _ = _lab(config)
    found: dict[str, Outcome] = {}
    # A fork worker preloading what the cached baseline says the suite imports, from the
    # project's warm pool if one is running (never started from here); else pytest.
    runner = many_runs_runner(lab)
    try:
        with lab.session(), lab.workspace.mutated(dict(changes)) as workdir:
            for nodeid in nodeids:
                spec = replace(lab.spec(timeout_s), test_args=(nodeid,))
                run = runner.run(workdir, spec)
                outcome = run.outcomes.get(nodeid)
                found[nodeid] = outcome.outcome if outcome else Outcome.NOT_RUN
    finally:
        runner.close()
    return found


def many_runs_runner(lab: Lab) -> Runner:
    """A runner for many short runs of the tree as it is, before any baseline (the learner's
    tests alone): a fork worker preloading what the cached baseline says the suite imports,
    from the project's warm pool if one runs (never started from here); else the lab's."""
    if not hasattr(os, "fork"):
        return lab.runners.new()
    return RunnerFactory(
        lab.config.root,
        "fork",
        modules=lab.state.load_engine(content_key(lab.config.root)).modules,
        project=sorted(lab.project_names()),
        warm=Warm.IF_RUNNING,
    ).new_runner()


def pytest_command(config: Config) -> str:
    """The pytest command the runner starts for the suite, as typed at the project root."""
    lab, runner = _lab(config)
    return shown_command(runner.command(config.root, lab.spec()), config.root)
