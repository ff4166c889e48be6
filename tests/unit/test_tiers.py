"""The fast tier starts no process (tests/tiers.py): its guard, driven as pytest drives it."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tests.tiers import ProcessStarted, pytest_runtest_protocol


def item(marker: object) -> SimpleNamespace:
    return SimpleNamespace(nodeid="tests/x.py::test_x", get_closest_marker=lambda _name: marker)


def test_a_fast_test_that_starts_a_process_fails_saying_so():
    around = pytest_runtest_protocol(item(None), None)
    next(around)  # setup, call and teardown run here
    try:
        with pytest.raises(ProcessStarted, match=r"tests/x\.py::test_x is not marked slow"):
            subprocess.run([sys.executable, "-c", "pass"], check=False)
        with pytest.raises(ProcessStarted, match=r"os\.fork"):
            os.fork()
    finally:
        with pytest.raises(StopIteration):
            next(around)


def test_a_slow_test_is_left_alone_and_the_guard_is_undone_after_each_test():
    before = (os.fork, os.posix_spawn)
    around = pytest_runtest_protocol(item(pytest.mark.slow), None)
    next(around)
    assert (os.fork, os.posix_spawn) == before  # what ran the test before: not replaced
    with pytest.raises(StopIteration):
        next(around)
    fast = pytest_runtest_protocol(item(None), None)
    next(fast)
    assert os.fork is not before[0]
    with pytest.raises(StopIteration):
        next(fast)
    assert (os.fork, os.posix_spawn) == before
