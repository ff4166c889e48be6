"""`-j auto`: the baseline's CPU times, and more workers than cores for a suite that sleeps."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from breakit.core.config import Config
from breakit.core.model import Baseline, Outcome, SuiteRun, TestOutcome
from breakit.engine.lab import Lab
from breakit.engine.worker_count import MAX_PER_CORE, auto_workers
from breakit.store.gateway import Store
from tests.project_files import tiny_project

SOURCE = "def half(n):\n    return n / 2\n"

SLEEPING = """
import time

import pytest

from calc import half


@pytest.mark.parametrize("n", range(6))
def test_half(n):
    time.sleep(0.1)  # waits, as a test of a token's expiry or a retry does
    assert half(2 * n) == n
"""

COMPUTING = """
import time

import pytest

from calc import half


@pytest.mark.parametrize("n", range(6))
def test_half(n):
    started = time.process_time()
    while time.process_time() - started < 0.1:  # 0.1 s of CPU, however busy the machine is
        pass
    assert half(2 * n) == n
"""

LOTS = 1 << 40  # more memory than any cap needs


def baseline_of(root: Path, tests: str) -> tuple[Lab, Baseline]:
    tiny_project(root, {"calc/__init__.py": SOURCE, "tests/test_calc.py": tests})
    lab = Lab(Config(root=root, source=("calc",), tests=("tests",)), use_cache=False)
    with lab.session():
        return lab, lab.baseline()


@pytest.fixture(scope="module")
def sleeping(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lab, Baseline]:
    return baseline_of(tmp_path_factory.mktemp("sleeping"), SLEEPING)


@pytest.fixture(scope="module")
def computing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lab, Baseline]:
    return baseline_of(tmp_path_factory.mktemp("computing"), COMPUTING)


@pytest.mark.slow
def test_the_baseline_records_each_test_cpu_time_next_to_its_wall_time(
    sleeping: tuple[Lab, Baseline], computing: tuple[Lab, Baseline]
) -> None:
    for outcome in sleeping[1].run.outcomes.values():
        assert outcome.duration_s >= 0.1
        assert outcome.cpu_s is not None and outcome.cpu_s < 0.05
    for outcome in computing[1].run.outcomes.values():
        assert outcome.cpu_s is not None and outcome.cpu_s >= 0.1
        # Time on the CPU and time waiting for it are both parts of the test's wall time.
        assert outcome.queued_s is not None
        assert outcome.cpu_s + outcome.queued_s <= outcome.duration_s + 0.01
    assert (sleeping[1].wait_ratio or 0) > 5
    assert computing[1].wait_ratio is not None and computing[1].wait_ratio < 1.25


@pytest.mark.slow
def test_auto_runs_more_workers_for_a_sleeping_suite_than_for_a_computing_one(
    sleeping: tuple[Lab, Baseline], computing: tuple[Lab, Baseline]
) -> None:
    assert auto_workers(sleeping[1], cores=2, available_bytes=LOTS) == MAX_PER_CORE * 2
    assert auto_workers(computing[1], cores=2, available_bytes=LOTS) == 2
    # The lab's own count, on this machine's cores and memory: the same ordering.
    cores = os.cpu_count() or 1
    assert sleeping[0].workers > cores
    assert sleeping[0].workers > computing[0].workers
    # -j N is N, whatever the suite does.
    sleeping[0].jobs = 2
    try:
        assert sleeping[0].workers == 2
    finally:
        sleeping[0].jobs = None


@pytest.mark.slow
def test_memory_caps_the_workers_beyond_the_cores(sleeping: tuple[Lab, Baseline]) -> None:
    gib = 1 << 30
    # Half of 3 GiB holds three workers of 512 MiB; never fewer than the cores, though.
    assert auto_workers(sleeping[1], cores=2, available_bytes=3 * gib, worker_bytes=gib // 2) == 3
    assert auto_workers(sleeping[1], cores=2, available_bytes=gib, worker_bytes=gib) == 2


@pytest.mark.slow
def test_a_baseline_cached_without_cpu_times_still_loads_and_runs_one_worker_per_core(
    tmp_path: Path, computing: tuple[Lab, Baseline]
) -> None:
    state = Store(tmp_path)
    baseline = computing[1]
    state.save_baseline(baseline)
    saved = state.load_baseline(baseline.key)
    assert saved is not None and saved.wait_ratio == pytest.approx(baseline.wait_ratio)
    # A cache written before breakit recorded CPU times.
    path = tmp_path / ".breakit" / "baseline.json"
    data = json.loads(path.read_text())
    for outcome in data["run"]["outcomes"].values():
        del outcome["cpu_s"], outcome["queued_s"]
    path.write_text(json.dumps(data))
    old = state.load_baseline(baseline.key)
    assert old is not None and old.tests == baseline.tests
    assert {o.cpu_s for o in old.run.outcomes.values()} == {None}
    assert old.wait_ratio is None
    assert auto_workers(old, cores=3, available_bytes=LOTS) == 3
    assert auto_workers(None, cores=1) == 1


def test_tests_that_compute_on_several_threads_still_get_one_worker_per_core() -> None:
    # 1 s of wall time, 2 s of CPU: two threads busy. Fewer workers than cores would save little.
    outcome = TestOutcome(
        "t.py::test_threads", Outcome.MISSED, duration_s=1.0, cpu_s=2.0, queued_s=0
    )
    run = SuiteRun(
        outcomes={outcome.nodeid: outcome}, order=(outcome.nodeid,), duration_s=1.5, exit_status=0
    )
    baseline = Baseline(tests=run.order, run=run, key="k")
    assert baseline.wait_ratio == pytest.approx(0.5)
    assert auto_workers(baseline, cores=4, available_bytes=LOTS) == 4


def test_only_the_tests_the_mutants_run_decide_the_workers() -> None:
    # pyjwt's shape: a few tests that sleep (a JWKS client's cache expiry) beside many that
    # compute. Mutants of the encoder run only computing tests: more workers than cores would
    # only hold more memory.
    def outcome(nodeid: str, wall: float, cpu: float) -> TestOutcome:
        return TestOutcome(nodeid, Outcome.MISSED, duration_s=wall, cpu_s=cpu, queued_s=0.0)

    sleepers = [outcome(f"t.py::test_sleep{i}", 2.0, 0.01) for i in range(3)]
    workers = [outcome(f"t.py::test_encode{i}", 0.05, 0.05) for i in range(40)]
    outcomes = {o.nodeid: o for o in (*sleepers, *workers)}
    run = SuiteRun(outcomes=outcomes, order=tuple(outcomes), duration_s=8.5, exit_status=0)
    baseline = Baseline(tests=run.order, run=run, key="k")
    assert (baseline.wait_ratio or 0) > 2  # the whole suite waits
    encoder = [tuple(o.nodeid for o in workers[:10])] * 50
    assert baseline.wait_ratio_of(encoder) == pytest.approx(1.0)
    assert auto_workers(baseline, runs=encoder, cores=2, available_bytes=LOTS) == 2
    # A run of the whole suite (an import-time mutant) brings the sleepers back in.
    assert auto_workers(baseline, runs=[None], cores=2, available_bytes=LOTS) > 2
    # NoCoverage mutants run nothing: nothing to scale.
    assert baseline.wait_ratio_of([()]) is None
    assert auto_workers(baseline, runs=[()], cores=2, available_bytes=LOTS) == 2


@pytest.mark.slow
def test_every_worker_must_fit_at_the_memory_ceiling(sleeping: tuple[Lab, Baseline]) -> None:
    gib = 1 << 30
    # Each test process may grow to the ceiling before it is stopped: 3 GiB hold three at 1 GiB,
    # fewer than the cores if need be, never none.
    assert auto_workers(sleeping[1], cores=4, available_bytes=3 * gib, ceiling_bytes=gib) == 3
    assert auto_workers(sleeping[1], cores=4, available_bytes=gib // 2, ceiling_bytes=gib) == 1
    # Plenty of memory: the ceiling changes nothing.
    assert auto_workers(sleeping[1], cores=2, available_bytes=LOTS, ceiling_bytes=gib) == 8
    # The lab counts its own ceiling: a ceiling as large as the machine leaves one worker.
    lab = sleeping[0]
    lab.config = replace(lab.config, memory_limit_mb=1 << 40 >> 20)
    try:
        assert lab.workers == 1
    finally:
        lab.config = replace(lab.config, memory_limit_mb=None)
