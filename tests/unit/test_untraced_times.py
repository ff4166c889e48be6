"""Timeouts come from the tests' times without tracing, even where coverage.py's tracer records
the per-test coverage (Python 3.11): its times are several times a plain run's on CPU-heavy code."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.baseline.timing import timing_run_pays
from breakit.core.config import Config
from breakit.engine.lab import Lab
from breakit.inrun.coverage_map import CORE_ENV
from breakit.inrun.line_events import available as line_events_available
from tests.project_files import tiny_project

SOURCE = """
def spin(n):
    total = 0
    for i in range(n):  # every line traced, under coverage.py's tracer, on every iteration
        total += i % 7
    return total
"""

TESTS = """
from calc import spin


def test_spin():
    assert spin(600_000) > 0


def test_quick():
    assert spin(10) == 24
"""


def lab_for(root: Path, timeout_min_s: float = 10.0) -> Lab:
    tiny_project(root, {"calc/__init__.py": SOURCE, "tests/test_calc.py": TESTS})
    config = Config(root=root, source=("calc",), tests=("tests",), timeout_min_s=timeout_min_s)
    return Lab(config, use_cache=False)


@pytest.mark.slow
def test_a_traced_baseline_is_timed_again_without_tracing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CORE_ENV, "coverage")  # coverage.py's tracer, on any Python
    # A small constant: the traced loop's time then decides the timeout (timing_run_pays).
    lab = lab_for(tmp_path, timeout_min_s=0.01)
    with lab.session():
        baseline = lab.baseline()
        untraced = lab.engine.untraced_s
        traced = {n: o.duration_s for n, o in baseline.run.outcomes.items()}
        spin = "tests/test_calc.py::test_spin"
        assert set(untraced) == set(traced)
        # The tracer costs several times the loop's plain time; the margin absorbs a busy machine.
        assert untraced[spin] < traced[spin]
        timeout = lab.timeout_for(baseline, (spin,))
        expected = lab.config.timeout_factor * (untraced[spin] + lab.engine.startup_s)
        assert timeout == pytest.approx(expected + lab.config.timeout_min_s)


@pytest.mark.slow
@pytest.mark.skipif(not line_events_available(), reason="sys.monitoring needs Python 3.12+")
def test_the_monitoring_core_needs_no_second_run(tmp_path: Path) -> None:
    lab = lab_for(tmp_path)
    with lab.session():
        lab.baseline()
        assert not lab.engine.untraced_s


@pytest.mark.slow
def test_a_suite_that_computes_little_is_not_timed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tracing slows only computing: with the default 10 s constant, this suite's 0.1 s of CPU
    # cannot move a timeout enough to pay for a second run of the suite.
    monkeypatch.setenv(CORE_ENV, "coverage")
    lab = lab_for(tmp_path)
    with lab.session():
        baseline = lab.baseline()
        assert not lab.engine.untraced_s
        assert not timing_run_pays(lab.config, baseline.run)
        busy = Config(root=tmp_path, source=("calc",), tests=("tests",), timeout_min_s=0.01)
        assert timing_run_pays(busy, baseline.run)
