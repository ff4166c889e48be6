"""The triage run's pytest plugin (`-p breakit.triage.plugin`): the recorder
(breakit.triage.recorder) started from the environment, its lines flushed per test.

Apart from the recorder on purpose: instrumented code can run while pytest reads its
configuration (a module body calling a probed function, imported for a `filterwarnings` class),
which imports the probes and the recorder before pytest processes `-p`; a module named by `-p`
that is already imported cannot be assertion-rewritten, and pytest warns, which a project's
`filterwarnings = error` turns into an internal error (found on pyjwt). Nothing imports this
module but pytest.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from breakit.triage import IMPORT_TIME
from breakit.triage.recorder import active, start_from_env, stop


def pytest_configure(config: pytest.Config) -> None:
    start_from_env()


def pytest_collection_finish(session: pytest.Session) -> None:
    recorder = active()
    if recorder is not None:
        recorder.flush(IMPORT_TIME)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    recorder = active()
    if recorder is None:
        return (yield)
    recorder.flush(IMPORT_TIME)
    recorder.item = item
    try:
        return (yield)
    finally:
        recorder.flush(item.nodeid)
        recorder.item = None


def pytest_unconfigure(config: pytest.Config) -> None:
    stop()
