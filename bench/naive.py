"""Plain pytest as the benchmark times it: the naive way (a fresh copy and the whole suite per
mutant), the suite's own durations without coverage, and bytecode written once beforehand."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence

from breakit.core.config import Config
from breakit.core.model import Mutant
from breakit.runners.factory import RunnerFactory
from breakit.runners.run_spec import RunSpec
from breakit.runners.workspace import Workspace


def naive(config: Config, mutants: Sequence[Mutant]) -> float:
    """Wall seconds for a fresh copy and a plain `python -m pytest` per mutant."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    for mutant in mutants:
        with Workspace(config.root) as fresh, fresh.mutated(mutant.changes) as workdir:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:randomly",
                    "-p",
                    "no:cacheprovider",
                    *config.pytest_args,
                    *config.tests,
                ],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
    return time.perf_counter() - started


def keep_bytecode(config: Config) -> None:
    """A plain pytest run that may write bytecode, as on a user's machine: where the environment
    sets PYTHONDONTWRITEBYTECODE (this sandbox does), pytest never keeps its assertion-rewritten
    copies of the plugins' modules (anyio's, for a FastAPI project), and every pytest started
    afterwards, the naive way's and mutmut's as well as breakit's, would rewrite them again."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", *config.tests],
        cwd=config.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def plain_durations(config: Config) -> dict[str, float]:
    """Per-test durations of the suite without coverage (the baseline's are measured with it)."""
    with Workspace(config.root) as copy:
        # A fresh pytest, as the naive way runs each mutant (breakit.runners.factory).
        runner = RunnerFactory(config.root, "subprocess").new_runner()
        run = runner.run(copy.path, RunSpec(config.tests, extra_args=config.pytest_args))
    return {nodeid: o.duration_s for nodeid, o in run.outcomes.items()}
