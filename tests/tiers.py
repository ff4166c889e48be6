"""The test tiers (pyproject's `slow` marker): the fast tier, `python -m pytest -m "not slow"`,
starts no process. A test of breakit's own (tests/unit, tests/e2e: their conftest.py imports
the hook below) not marked slow that starts one (a pytest subprocess, the CLI, a fork worker, a
warm pool), in its fixtures or its body, fails saying so: mark it `slow`. Not the bundled
target's suite (tests/integration): breakit runs it, and its own runs fork.

Every way a process starts on POSIX goes through one of these: `subprocess` through
`_posixsubprocess.fork_exec` (its own `_fork_exec`) or `os.posix_spawn`, multiprocessing's spawn
through `_posixsubprocess.fork_exec`, the fork backend and multiprocessing's fork through
`os.fork`.
"""

from __future__ import annotations

import _posixsubprocess  # type: ignore[import-not-found]
import os
import subprocess
from collections.abc import Generator
from typing import Any

import pytest

_STARTS = (
    (subprocess, "_fork_exec"),  # subprocess's own name for _posixsubprocess.fork_exec
    (_posixsubprocess, "fork_exec"),
    (os, "fork"),
    (os, "forkpty"),
    (os, "posix_spawn"),
    (os, "posix_spawnp"),
)


class ProcessStarted(AssertionError):
    """A test of the fast tier started a process."""


def _refusing(nodeid: str, name: str) -> Any:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise ProcessStarted(
            f"{nodeid} is not marked slow and started a process ({name}): mark it "
            "`@pytest.mark.slow` (the fast tier, `-m 'not slow'`, starts none)"
        )

    return refuse


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """Around a fast test's setup, call and teardown (its fixtures of any scope set up then
    included), every way to start a process refuses."""
    if item.get_closest_marker("slow") is not None:
        yield
        return
    saved = [(owner, name, getattr(owner, name)) for owner, name in _STARTS]
    for owner, name, _ in saved:
        setattr(owner, name, _refusing(item.nodeid, f"{owner.__name__}.{name}"))
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)
