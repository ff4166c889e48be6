"""Failing subtests are catches: the recorder, the lab (hot, fresh and subprocess) and the oracle.

pytest 9 reports `unittest`'s `self.subTest` and its own `subtests` fixture natively (as does
the pytest-subtests plugin on pytest 8): one report per subtest, in the call phase, before the
test's own. Plain pytest exits 1 when one of them fails, so breakit must call the test caught.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from breakit.core.config import Config
from breakit.core.model import Mutant, Outcome, Verdict
from breakit.engine.lab import Lab
from breakit.engine.oracle import compare, oracle_matrix
from tests.project_files import tiny_project
from tests.recorded_runs import record_run, records_by_name

# pytest 8 has the fixture only with the pytest-subtests plugin; unittest's subTest works anyway.
HAS_FIXTURE = (
    int(pytest.__version__.split(".")[0]) >= 9
    or importlib.util.find_spec("pytest_subtests") is not None
)
needs_fixture = pytest.mark.skipif(
    not HAS_FIXTURE, reason="pytest < 9 without pytest-subtests has no subtests fixture"
)

BUCKET = '''"""Small numbers and big ones."""


def bucket(x):
    if x >= 2:
        return "big"
    return "small"
'''

UNITTEST_TESTS = """
import unittest

from bucket import bucket


class BucketTests(unittest.TestCase):
    def test_basic(self):
        for x, want in [(0, "small"), (1, "small"), (2, "big"), (3, "big")]:
            with self.subTest(x=x):
                self.assertEqual(bucket(x), want)
"""

FIXTURE_TESTS = """
from bucket import bucket


def test_basic(subtests):
    for x, want in [(0, "small"), (1, "small"), (2, "big"), (3, "big")]:
        with subtests.test("bucket", x=x):
            assert bucket(x) == want
"""

STYLES = {
    "unittest": ("tests/test_bucket.py::BucketTests::test_basic", UNITTEST_TESTS),
    "fixture": ("tests/test_bucket.py::test_basic", FIXTURE_TESTS),
}
STYLE_PARAMS = [pytest.param("unittest"), pytest.param("fixture", marks=needs_fixture)]


def bucket_project(root: Path, style: str) -> Path:
    tests = STYLES[style][1]
    return tiny_project(root, {"bucket/__init__.py": BUCKET, "tests/test_bucket.py": tests})


def bucket_mutant(mid: str, old: str, new: str) -> Mutant:
    path = "bucket/__init__.py"
    assert old in BUCKET
    return Mutant(mid, "test", mid, {path: BUCKET.replace(old, new)}, {path: BUCKET})


# --- the recorder ------------------------------------------------------------------------------

RECORDED = """
import time
import unittest

import pytest


class Loops(unittest.TestCase):
    def test_one_subtest_fails(self):
        for x in range(4):
            with self.subTest(x=x):
                self.assertNotEqual(x, 2)

    def test_every_subtest_passes(self):
        for x in range(3):
            with self.subTest("counting", x=x):
                self.assertLess(x, 3)

    def test_two_fail_then_the_test_itself(self):
        for x in range(3):
            with self.subTest(x=x):
                self.assertEqual(x, 0)
        raise RuntimeError("after the loop")


def test_fixture_subtest_fails(subtests):
    for name in ["a", "b"]:
        with subtests.test("letters", name=name):
            assert name == "a"


def test_slow_subtest(subtests):
    with subtests.test(step=1):
        time.sleep(0.2)
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    root = tiny_project(tmp_path_factory.mktemp("subtests"), {"tests/test_loops.py": RECORDED})
    status, records = record_run(root, "tests")
    assert status == 1  # plain pytest fails the run: breakit must see the same failures
    return records_by_name(records)


def test_a_failing_unittest_subtest_is_a_catch_naming_its_parameters(
    recorded: dict[str, dict[str, object]],
) -> None:
    record = recorded["test_one_subtest_fails"]
    assert record["outcome"] == "caught"
    assert record["message"] == "subtest (x=2): AssertionError: 2 == 2"
    assert "--- subtest (x=2) ---" in str(record["longrepr"])
    assert "self.assertNotEqual(x, 2)" in str(record["longrepr"])


def test_passing_subtests_leave_the_test_missed(recorded: dict[str, dict[str, object]]) -> None:
    assert recorded["test_every_subtest_passes"]["outcome"] == "missed"
    assert recorded["test_every_subtest_passes"]["message"] is None


def test_the_first_failing_subtest_comes_first_and_the_test_own_failure_is_kept(
    recorded: dict[str, dict[str, object]],
) -> None:
    record = recorded["test_two_fail_then_the_test_itself"]
    assert record["outcome"] == "caught"
    assert record["message"] == (
        "subtest (x=1): AssertionError: 1 != 0 (and 1 more failed subtests)"
    )
    longrepr = str(record["longrepr"])
    assert "--- subtest (x=1) ---" in longrepr and "--- subtest (x=2) ---" in longrepr
    assert "RuntimeError: after the loop" in longrepr


@needs_fixture
def test_a_failing_subtest_of_the_fixture_is_a_catch(
    recorded: dict[str, dict[str, object]],
) -> None:
    record = recorded["test_fixture_subtest_fails"]
    assert record["outcome"] == "caught"
    assert record["message"] == "subtest [letters] (name='b'): AssertionError: assert 'b' == 'a'"


@needs_fixture
def test_a_subtest_time_is_not_counted_twice(recorded: dict[str, dict[str, object]]) -> None:
    duration = float(recorded["test_slow_subtest"]["duration_s"])  # type: ignore[arg-type]
    assert 0.2 <= duration < 0.38  # the call phase holds the subtest's 0.2 s: once, not twice


# --- the lab and the oracle ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("style", STYLE_PARAMS)
@pytest.mark.parametrize("backend", ["fork", "fork-fresh", "subprocess"])
def test_a_mutant_failing_one_subtest_is_killed_and_the_oracle_agrees(
    tmp_path: Path, style: str, backend: str
) -> None:
    root = bucket_project(tmp_path / "proj", style)
    nodeid = STYLES[style][0]
    config = Config(root=root, source=("bucket",), tests=("tests",), timeout_min_s=30.0)
    lab = Lab(
        config,
        jobs=2,
        backend=backend.removesuffix("-fresh"),
        use_cache=False,
        hot=backend == "fork",
    )
    one_subtest = bucket_mutant("x-above-2", "x >= 2", "x > 2")  # bucket(2) is "small" now
    none_fail = bucket_mutant("below-100", "x >= 2", "x >= 2 and x < 100")
    with lab.session():
        baseline = lab.baseline()
        outcome = lab.run([one_subtest, none_fail], baseline)
    matrix = outcome.matrix

    # The per-test coverage knows which lines the subtests' test ran.
    assert baseline.run.coverage is not None
    assert ("bucket/__init__.py", 5) in baseline.run.coverage[nodeid]
    killed, survived = matrix.results
    assert killed.verdict is Verdict.KILLED
    assert killed.catchers == (nodeid,)
    message = killed.tests[nodeid].message or ""
    assert message.startswith("subtest ") and "(x=2)" in message
    assert "'small'" in message and "'big'" in message  # the first failure line
    assert survived.verdict is Verdict.SURVIVED
    assert survived.tests[nodeid].outcome is Outcome.MISSED
    # A fresh pytest per mutant says the same, test for test.
    oracle = oracle_matrix(
        lab.oracle_settings(baseline), [one_subtest, none_fail], baseline, jobs=2
    )
    assert compare(matrix, oracle) == {}
    assert oracle.result("x-above-2").catchers == (nodeid,)
    # Three hot runs: the killed mutant, and the survivor twice (on its covering tests, then
    # confirmed on the whole suite).
    assert outcome.facts.stats.hot_runs == (3 if backend == "fork" else 0)
