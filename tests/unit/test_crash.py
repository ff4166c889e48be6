"""A test process that dies is a catch: os._exit, a segfault, the memory ceiling; on the real
fork worker (fresh and hot children) and the subprocess backend, on tiny real projects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from breakit.core.config import Config, parse_table
from breakit.core.errors import ConfigError
from breakit.core.model import Mutant, NotRun, Outcome, SuiteRun, Verdict
from breakit.engine.lab import Lab
from breakit.runners.fork.client import ForkRunner
from breakit.runners.memlimit import default_limit_mb
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.suite_run import NOT_RUN_AFTER_DEATH
from breakit.runners.workspace import Workspace
from tests.project_files import tiny_project

# calc.add is what the mutants break; the three tests run in this order.
CALC = "def add(a, b):\n    return a + b\n"
TESTS = """
from calc import add


def test_first_fails():
    assert add(1, 1) == 3


def test_second_calls_add():
    assert add(2, 2) == 4


def test_third_passes():
    assert 1 + 1 == 2
"""
FIRST, SECOND, THIRD = (
    f"tests/test_calc.py::{name}"
    for name in ("test_first_fails", "test_second_calls_add", "test_third_passes")
)
EXITS = (
    "import os\n\n\ndef add(a, b):\n"
    "    if (a, b) == (2, 2):\n        os._exit(3)\n    return a + b\n"
)
SEGFAULTS = (
    "import ctypes\n\n\ndef add(a, b):\n"
    "    if (a, b) == (2, 2):\n        ctypes.string_at(0)\n    return a + b\n"
)
# Allocates without bound, a MB at a time, touching every page (as a real leak would).
ALLOCATES = (
    "def add(a, b):\n    if (a, b) == (2, 2):\n        hoard = []\n        while True:\n"
    "            hoard.append(bytearray(1 << 20))\n    return a + b\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TESTS})


@pytest.fixture(params=["fork", "subprocess"])
def runner(request: pytest.FixtureRequest) -> Iterator[ForkRunner | SubprocessRunner]:
    if request.param == "subprocess":
        yield SubprocessRunner()
        return
    fork = ForkRunner(["json"], project=["calc", "tests"])
    yield fork
    fork.close()


def run_mutant(
    runner: ForkRunner | SubprocessRunner, project: Path, source: str, **spec: object
) -> SuiteRun:
    with Workspace(project) as workspace, workspace.mutated({"calc.py": source}) as workdir:
        return runner.run(workdir, RunSpec(("tests",), timeout_s=60, **spec))  # type: ignore[arg-type]


def assert_rest_ran(run: SuiteRun) -> None:
    """The tests before and after the one that died ran, with their real outcomes."""
    assert run.order == (FIRST, SECOND, THIRD)
    assert run.outcomes[FIRST].outcome is Outcome.CAUGHT
    assert run.outcomes[FIRST].message == "assert 2 == 3"
    assert run.outcomes[THIRD].outcome is Outcome.MISSED
    assert run.error is None and not run.timed_out


@pytest.mark.slow
def test_a_test_whose_process_exits_is_caught_and_the_rest_run(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, EXITS)
    died = run.outcomes[SECOND]
    assert died.outcome is Outcome.CAUGHT
    assert died.message == "the test process exited with status 3 while this test ran"
    assert_rest_ran(run)
    assert run.exit_status == 3  # what plain pytest would have exited with


@pytest.mark.slow
def test_a_test_whose_process_segfaults_is_caught_and_the_rest_run(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, SEGFAULTS)
    died = run.outcomes[SECOND]
    assert died.outcome is Outcome.CAUGHT
    assert died.message == "the test process was killed by signal SIGSEGV while this test ran"
    assert_rest_ran(run)


@pytest.mark.slow
def test_a_test_that_allocates_without_bound_hits_the_ceiling(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, ALLOCATES, memory_limit_mb=300)
    hit = run.outcomes[SECOND]
    assert hit.outcome is Outcome.CAUGHT
    assert hit.message == "the test process ran out of memory (limit 300 MB) while this test ran"
    # How long it ran before it died (--verify compares it with the fast run's timeout): the
    # process's time less its finished tests', so never less than the test itself took.
    assert 0 < hit.duration_s <= run.duration_s
    assert_rest_ran(run)


def stops_when_pair(line: str) -> str:
    return CALC.replace("    return", f"    if (a, b) == (2, 2):\n        {line}\n    return")


@pytest.mark.slow
def test_sys_exit_in_a_test_is_an_ordinary_failure(
    runner: ForkRunner | SubprocessRunner, project: Path
) -> None:
    run = run_mutant(runner, project, stops_when_pair("raise SystemExit(3)"))
    assert run.outcomes[SECOND].outcome is Outcome.CAUGHT
    assert run.outcomes[SECOND].message == "SystemExit: 3"  # pytest's own failure, one process
    assert_rest_ran(run)
    assert run.exit_status == 1


@pytest.mark.slow
@pytest.mark.parametrize("line", ["__import__('pytest').exit('enough')", "raise KeyboardInterrupt"])
def test_pytest_exit_and_ctrl_c_in_a_test_stop_pytest_as_they_would(
    runner: ForkRunner | SubprocessRunner, project: Path, line: str
) -> None:
    """pytest stops the session itself (exit status 2): no process died, nothing runs after."""
    run = run_mutant(runner, project, stops_when_pair(line))
    assert run.exit_status == 2
    assert run.outcomes[SECOND].outcome is Outcome.NOT_RUN
    assert run.outcomes[THIRD].outcome is Outcome.NOT_RUN
    assert run.order == (FIRST, SECOND)
    assert run.error is not None and run.error.startswith("pytest was interrupted")
    assert not any("test process" in (o.message or "") for o in run.outcomes.values())


@pytest.mark.slow
def test_a_plain_pytest_stops_at_the_death(project: Path) -> None:
    """What the oracle runs: no fresh process after the crash, the later tests not run."""
    run = run_mutant(SubprocessRunner(restart=False), project, EXITS)
    assert run.outcomes[SECOND].outcome is Outcome.CAUGHT
    assert run.outcomes[THIRD].outcome is Outcome.NOT_RUN
    assert run.outcomes[THIRD].message == NOT_RUN_AFTER_DEATH
    assert run.outcomes[THIRD].not_run is NotRun.AFTER_DEATH
    assert run.order == (FIRST, SECOND)


# Body-only changes (no new import at module level), so the hot session can swap them in.
HOT_EXITS = CALC.replace(
    "    return", "    if (a, b) == (2, 2):\n        __import__('os')._exit(3)\n    return"
)
HOT_SEGFAULTS = CALC.replace(
    "    return", "    if (a, b) == (2, 2):\n        __import__('ctypes').string_at(0)\n    return"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "how"),
    [(HOT_EXITS, "exited with status 3"), (HOT_SEGFAULTS, "was killed by signal SIGSEGV")],
)
def test_a_hot_child_that_dies_is_a_catch_and_the_session_carries_on(
    project: Path, source: str, how: str
) -> None:
    runner = ForkRunner(["json"], project=["calc", "tests"])
    try:
        with Workspace(project) as workspace:
            assert runner.open_session(workspace.path, RunSpec(("tests",)))
            changes = {"calc.py": source}
            with workspace.mutated(changes) as workdir:
                run = runner.run_hot(workdir, RunSpec(("tests",), timeout_s=60), changes)
            minus = {"calc.py": CALC.replace("+", "-")}
            with workspace.mutated(minus) as workdir:
                after = runner.run_hot(workdir, RunSpec(("tests",), timeout_s=60), minus)
        assert (runner.stats.hot_runs, runner.stats.fallbacks) == (2, 0)
    finally:
        runner.close()
    assert run.outcomes[SECOND].outcome is Outcome.CAUGHT
    assert run.outcomes[SECOND].message == f"the test process {how} while this test ran"
    assert_rest_ran(run)
    assert after.outcomes[SECOND].message == "assert 0 == 4"


# --- through the lab, checked against the oracle (--verify) ------------------------------------

LAB_CALC = "def add(a, b):\n    return a + b\n"
LAB_TESTS = {
    "tests/test_calc.py": """
        from calc import add


        def test_small():
            assert add(1, 1) == 2


        def test_pair():
            assert add(2, 2) == 4


        def test_large():
            assert add(10, 20) == 30
    """,
    "tests/test_more.py": "import calc\n\n\ndef test_negative():\n    assert calc.add(-1, 1) == 0",
}
SMALL, PAIR, LARGE = (f"tests/test_calc.py::{n}" for n in ("test_small", "test_pair", "test_large"))
NEGATIVE = "tests/test_more.py::test_negative"


def lab_mutants() -> list[Mutant]:
    path = "calc/__init__.py"

    def one(mid: str, new: str) -> Mutant:
        return Mutant(mid, "test", mid, {path: new}, {path: LAB_CALC})

    def when_pair(line: str) -> str:
        return LAB_CALC.replace(
            "    return", f"    if (a, b) == (2, 2):\n        {line}\n    return"
        )

    return [
        one("exits", when_pair("__import__('os')._exit(3)")),
        one("segfaults", when_pair("__import__('ctypes').string_at(0)")),
        one("hoards", when_pair("[bytearray(1 << 20) for _ in iter(int, 1)]")),
        one("key-error", "_TABLE = {}\n_TABLE['verify_signature']\n\n\n" + LAB_CALC),
        one("syntax", LAB_CALC.replace("(a, b)", "(a, b")),
        one("exits-at-import", "import os\n\nos._exit(3)\n\n\n" + LAB_CALC),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["fork", "subprocess"])
def test_verdicts_of_dying_and_broken_mutants_agree_with_the_oracle(
    tmp_path: Path, backend: str
) -> None:
    root = tiny_project(tmp_path / "proj", {"calc/__init__.py": LAB_CALC, **LAB_TESTS})
    config = Config(
        root=root, source=("calc",), tests=("tests",), timeout_min_s=30.0, memory_limit_mb=300
    )
    # verify: every result checked against a plain pytest per mutant; a mismatch raises.
    lab = Lab(config, jobs=1, backend=backend, use_cache=False, verify=True)
    with lab.session():
        baseline = lab.baseline()
        matrix = lab.run(lab_mutants(), baseline).matrix
    by_id = {r.mutant.id: r for r in matrix.results}
    for mid, how in [
        ("exits", "exited with status 3"),
        ("segfaults", "was killed by signal SIGSEGV"),
        ("hoards", "ran out of memory (limit 300 MB)"),
    ]:
        result = by_id[mid]
        assert result.verdict is Verdict.KILLED, (mid, result.error)
        assert result.catchers == (PAIR,), mid
        assert result.tests[PAIR].message == f"the test process {how} while this test ran"
        # The tests after the one that died ran in a fresh process, with their real outcomes.
        for nodeid in (SMALL, LARGE, NEGATIVE):
            assert result.tests[nodeid].outcome is Outcome.MISSED, (mid, nodeid)
    # The source raising at import fails the collection of both test modules: plain pytest
    # fails naming them (ERROR tests/test_calc.py, exit 2), so they are charged, as errored.
    key_error = by_id["key-error"]
    assert key_error.verdict is Verdict.KILLED
    assert key_error.error is None and key_error.catchers == ()
    assert key_error.errored_in == ("tests/test_calc.py", "tests/test_more.py")
    for module in key_error.errored_in:
        message = key_error.tests[module].message
        assert message == "collection failed: KeyError: 'verify_signature'"
    assert {key_error.tests[t].outcome for t in (SMALL, PAIR, LARGE, NEGATIVE)} == {Outcome.NOT_RUN}
    syntax = by_id["syntax"]
    assert syntax.verdict is Verdict.COMPILE_ERROR
    assert syntax.error is not None and "SyntaxError" in syntax.error
    at_import = by_id["exits-at-import"]
    assert at_import.verdict is Verdict.RUNTIME_ERROR
    assert (
        at_import.error == "fails at import: the test process exited with status 3 while collecting"
    )
    # Neither kind of broken mutant counts: 4 of 4 valid mutants killed.
    assert matrix.score() == 100.0
    assert sum(r.verdict is Verdict.KILLED for r in matrix.results) == 4


# --- the ceiling's configuration and default --------------------------------------------------


def test_memory_limit_mb_is_configured_or_a_multiple_of_the_baseline_peak(tmp_path: Path) -> None:
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TESTS})
    base = {"tests": ["tests"]}
    assert parse_table(root, {**base, "memory_limit_mb": 512}).memory_limit_mb == 512
    assert parse_table(root, {**base, "memory_limit_mb": "off"}).memory_limit_mb == 0
    assert parse_table(root, base).memory_limit_mb is None
    for bad in (0, -5, 1.5, "lots", True):
        with pytest.raises(ConfigError, match="memory_limit_mb must be a whole number of MB"):
            parse_table(root, {**base, "memory_limit_mb": bad})
    # The default: 4 × the baseline's peak, never under 256 MB.
    assert default_limit_mb(3 * 1024 * 1024) == 12 * 1024  # a 3 GB peak (in KB)
    assert default_limit_mb(150 * 1024) == 600  # issue 23's library: not 1 GB
    assert default_limit_mb(50 * 1024) == 256
    assert default_limit_mb(None) >= 256


@pytest.mark.slow
def test_the_lab_takes_the_default_ceiling_from_the_baseline(tmp_path: Path) -> None:
    root = tiny_project(tmp_path / "proj", {"calc/__init__.py": LAB_CALC, **LAB_TESTS})
    lab = Lab(Config(root=root, source=("calc",), tests=("tests",)), use_cache=False)
    with lab.session():
        lab.baseline()
    peak = lab.engine.peak_rss_kb
    assert peak > 1024  # pytest's own process, in KB
    assert lab.spec().memory_limit_mb == default_limit_mb(peak) >= 256
    assert lab.memory_ceiling() == lab.spec().memory_limit_mb < 1024  # a small suite's
    assert lab.memory_ceiling_text() == (
        f"memory ceiling: {lab.memory_ceiling()} MB per test process (4 × the baseline's peak "
        f"of {peak / 1024:.0f} MB, at least 256 MB)"
    )
    off = Lab(Config(root=root, tests=("tests",), memory_limit_mb=0))
    assert off.spec().memory_limit_mb is None


@pytest.mark.slow
def test_no_fresh_process_starts_once_the_mutants_time_is_used(tmp_path: Path) -> None:
    # Every test dies after a second; the mutant has 2.5 s: at most three processes start.
    dies = "import os, time\n\n\ndef die():\n    time.sleep(1)\n    os._exit(3)\n"
    tests = "from calc import die\n\n" + "".join(
        f"\ndef test_{i}():\n    die()\n" for i in range(4)
    )
    root = tiny_project(tmp_path / "proj", {"calc.py": dies, "tests/test_calc.py": tests})
    runner = ForkRunner(["json"], project=["calc", "tests"])
    try:
        run = runner.run(root, RunSpec(("tests",), timeout_s=2.5))
    finally:
        runner.close()
    last = run.outcomes["tests/test_calc.py::test_3"]
    assert (last.outcome, last.message) == (Outcome.NOT_RUN, NOT_RUN_AFTER_DEATH)
    assert last.not_run is NotRun.AFTER_DEATH
    assert run.outcomes["tests/test_calc.py::test_0"].outcome is Outcome.CAUGHT
    assert not run.timed_out and 2 <= len(run.order) <= 3


@pytest.mark.slow
def test_the_ceiling_counts_memory_in_use_not_thread_stacks(tmp_path: Path) -> None:
    # 200 idle threads reserve 1.6 GB of stacks (an rlimit on data or address space would stop
    # them far below that) but use a few MB: under a 300 MB ceiling the test passes.
    threads = """
        import threading


        def test_many_threads():
            stop = threading.Event()
            pool = [threading.Thread(target=stop.wait) for _ in range(200)]
            for thread in pool:
                thread.start()
            stop.set()
            for thread in pool:
                thread.join()
    """
    root = tiny_project(tmp_path / "proj", {"tests/test_threads.py": threads})
    runner = ForkRunner(["json"], project=["tests"])
    try:
        run = runner.run(root, RunSpec(("tests",), timeout_s=60, memory_limit_mb=300))
    finally:
        runner.close()
    outcome = run.outcomes["tests/test_threads.py::test_many_threads"]
    assert outcome.outcome is Outcome.MISSED, outcome.longrepr
