"""Failing subtests through the real CLI: `breakit check --generated` kills, `--verify` agrees."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit, outcomes
from tests.project_files import write_project

pytestmark = pytest.mark.slow

# pytest 8 has the subtests fixture only with the pytest-subtests plugin.
HAS_FIXTURE = (
    int(pytest.__version__.split(".")[0]) >= 9
    or importlib.util.find_spec("pytest_subtests") is not None
)

BUCKET = """
    def bucket(x):
        if x >= 2:
            return "big"
        return "small"
"""

STYLES = {
    "unittest": (
        "tests/test_bucket.py::BucketTests::test_basic",
        """
        import unittest

        from bucket import bucket


        class BucketTests(unittest.TestCase):
            def test_basic(self):
                for x, want in [(0, "small"), (1, "small"), (2, "big"), (3, "big")]:
                    with self.subTest(x=x):
                        self.assertEqual(bucket(x), want)
        """,
    ),
    "fixture": (
        "tests/test_bucket.py::test_basic",
        """
        from bucket import bucket


        def test_basic(subtests):
            for x, want in [(0, "small"), (1, "small"), (2, "big"), (3, "big")]:
                with subtests.test("bucket", x=x):
                    assert bucket(x) == want
        """,
    ),
}
STYLE_PARAMS = [
    pytest.param("unittest"),
    pytest.param(
        "fixture",
        marks=pytest.mark.skipif(not HAS_FIXTURE, reason="no subtests fixture in this pytest"),
    ),
]

PYPROJECT = """
    [project]
    name = "bucket"
    version = "0"

    [tool.breakit]
    source = ["bucket"]
    tests = ["tests"]
"""


@pytest.mark.parametrize("style", STYLE_PARAMS)
def test_check_generated_kills_a_mutant_that_fails_one_subtest(tmp_path: Path, style: str) -> None:
    nodeid, tests = STYLES[style]
    root = tmp_path / "bucket-project"
    write_project(
        root,
        {"pyproject.toml": PYPROJECT, "bucket/__init__.py": BUCKET, "tests/test_bucket.py": tests},
    )
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    listed = breakit("list", "--generated", "--json")
    assert listed.returncode == 0, listed.stderr
    # `x >= 2` → `x > 2`: bucket(2) says "small", and only the subtest x=2 fails.
    (wanted,) = [
        m["id"] for m in json.loads(listed.stdout)["mutants"] if "+    if x > 2:" in m["diff"]
    ]

    checked = breakit("check", "--generated", "--match", wanted, "--verify", "--json")
    assert checked.returncode == 0, checked.stderr  # killed, and the oracle agrees
    document = json.loads(checked.stdout)
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed"
    tested = outcomes(document, mutant)
    caught = {n: t for n, t in tested.items() if t["outcome"] == "caught"}
    assert list(caught) == [nodeid]
    message = caught[nodeid]["message"]
    assert message.startswith("subtest ") and "(x=2)" in message
    assert "'small'" in message and "'big'" in message

    shown = breakit("check", "--generated", "--match", wanted, "-v")
    assert shown.returncode == 0, shown.stderr
    assert "(x=2)" in shown.stdout
    assert "Killed" in shown.stdout
