"""breakit on the pytest setups real projects have: the most used plugins in `addopts`, the way
their docs show them (issue 22; breakit.inrun.set_aside).

One small project whose tests use pytest-asyncio, pytest-mock, pytest-benchmark and Hypothesis is
checked once with no `addopts` (the reference) and then with each plugin's options in `addopts`:
every mutant's verdict must be the reference's, the coverage map must see every line the tests
run (no NoCoverage claim a marker disproves, no "never import" warning), and the one line saying
what breakit set aside must name what it set aside, and only that. The setups that fight breakit
hardest (pytest-cov with xdist, pytest's cache options) are also checked against `--verify`, a
plain pytest per mutant, on every third mutant. The plugins are not in breakit's own environment:
each breakit command here gets them on its PYTHONPATH (tests/e2e/plugin_site.py), as a user's
environment has them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_harness import Breakit, verdicts
from tests.e2e.plugin_site import plugin_site
from tests.project_files import write_project

pytestmark = pytest.mark.slow

PROJECT = {
    "pyproject.toml": """
        [project]
        name = "calc"
        version = "0"

        [tool.breakit]
        source = ["calc"]
        tests = ["tests"]

        [tool.pytest.ini_options]
        asyncio_default_fixture_loop_scope = "function"
    """,
    "calc/__init__.py": """
        def clamp(x, lo, hi):
            if x < lo:
                return lo
            if x > hi:
                return hi
            return x


        def positive_total(xs):
            return sum(x for x in xs if x > 0)


        async def doubled(x):
            return x * 2


        def fetch_plus_one(client):
            return client.get("/count") + 1


        def dedupe(xs):
            seen = []
            for x in xs:
                if x not in seen:
                    seen.append(x)
            return seen
    """,
    "tests/test_plain.py": """
        from calc import clamp


        def test_clamp_low():
            assert clamp(-5, 0, 10) == 0


        def test_clamp_high():
            assert clamp(50, 0, 10) == 10


        def test_clamp_inside():
            assert clamp(5, 0, 10) == 5
    """,
    "tests/test_async.py": """
        import pytest

        from calc import doubled


        @pytest.mark.asyncio
        async def test_doubled():
            assert await doubled(21) == 42
    """,
    "tests/test_mock.py": """
        from calc import fetch_plus_one


        def test_fetch_plus_one(mocker):
            client = mocker.Mock()
            client.get.return_value = 41
            assert fetch_plus_one(client) == 42
            client.get.assert_called_once_with("/count")
    """,
    "tests/test_bench.py": """
        from calc import positive_total


        def test_positive_total(benchmark):
            assert benchmark(positive_total, [3, -1, 4, 0]) == 7
    """,
    "tests/test_props.py": """
        from hypothesis import given, settings, strategies as st

        from calc import dedupe


        @settings(derandomize=True, max_examples=50, deadline=None)
        @given(st.lists(st.integers(0, 3)))
        def test_dedupe_keeps_each_once(xs):
            out = dedupe(xs)
            assert sorted(out) == sorted(set(xs))
            assert len(out) == len(set(xs))
    """,
}

# addopts (or another ini line) → the phrases the set-aside line must hold (none: no line).
SETUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pytest-cov": ('addopts = "--cov=calc --cov-report=term-missing"', ("pytest-cov's --cov",)),
    "pytest-xdist": ('addopts = "-n 2"', ("pytest-xdist's -n",)),
    "pytest-rerunfailures": (
        'addopts = "--reruns 2 --reruns-delay 0.2"',
        ("pytest-rerunfailures' --reruns",),
    ),
    "pytest-timeout": ('addopts = "--timeout=60"', ()),
    "pytest-randomly": (
        'addopts = "-p randomly --randomly-seed=1234"',
        ("pytest-randomly's shuffling",),
    ),
    "pytest-asyncio": ('asyncio_mode = "auto"', ()),
    "pytest-mock": ('addopts = "-p pytest_mock"', ()),
    "pytest-benchmark": ('addopts = "--benchmark-min-rounds=3"', ()),
    "hypothesis": ('addopts = "--hypothesis-show-statistics"', ()),
    "pytest's cache and -x": ('addopts = "--lf --ff -x"', ("--lf/--ff", "-x/--maxfail")),
}
# In every setup, and said so in every run: the project has a benchmark and a Hypothesis test.
# (pytest-randomly, installed with breakit's test extras, is set aside in every run too, but said
# only when addopts configure it.)
ALWAYS = ("pytest-benchmark's timing rounds", "Hypothesis's example database")


def make(tmp_path: Path, ini_line: str | None) -> Breakit:
    root = tmp_path / "project"
    write_project(root, PROJECT)
    if ini_line is not None:
        pyproject = root / "pyproject.toml"
        pyproject.write_text(pyproject.read_text() + ini_line + "\n")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    return Breakit(root, scratch, pythonpath=[plugin_site()])


def check(project: Breakit, *extra: str) -> tuple[dict[str, Any], str]:
    done = project("check", "--generated", "--json", "--no-warm", *extra)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout), done.stderr


def set_aside_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("set aside in breakit's")]
    assert len(lines) <= 1, stderr
    return lines[0] if lines else ""


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The verdicts with no addopts: what every setup must give."""
    document, stderr = check(make(tmp_path_factory.mktemp("reference"), None))
    found = verdicts(document)
    # The project is worth checking: both kinds of verdict, every test file reaching its code.
    assert {"Killed", "Survived"} <= set(found.values()), found
    assert "NoCoverage" not in found.values()
    assert "never import" not in stderr
    return found


@pytest.mark.parametrize("setup", list(SETUPS))
def test_each_plugin_in_addopts_gives_the_reference_verdicts(
    setup: str, reference: dict[str, str], tmp_path: Path
) -> None:
    ini_line, phrases = SETUPS[setup]
    project = make(tmp_path, ini_line)
    document, stderr = check(project)
    assert verdicts(document) == reference
    # The coverage map saw every line the tests ran: no claim disproved, no entry unseen.
    assert document["coverage_check"]["hit"] == []
    assert "never import" not in stderr
    line = set_aside_line(stderr)
    for phrase in (*phrases, *ALWAYS):
        assert phrase in line, stderr
    for other in {p for _, ps in SETUPS.values() for p in ps} - set(phrases):
        assert other not in line, stderr


@pytest.mark.parametrize(
    "ini_line",
    [
        'addopts = "-n 2 --cov=calc --cov-report=term-missing"',
        'addopts = "--lf -x --reruns 1"',
    ],
    ids=["xdist-and-cov", "cache-x-reruns"],
)
def test_plugins_that_fight_the_engine_agree_with_a_plain_pytest(
    ini_line: str, reference: dict[str, str], tmp_path: Path
) -> None:
    project = make(tmp_path, ini_line)
    # Every third mutant: the oracle runs each in a fresh copy under a plain pytest with the
    # setup's plugins (xdist's workers, coverage), a few seconds each; the setup's every verdict
    # is checked against the reference above.
    sample = sorted(reference)[::3]
    document, stderr = check(project, "--verify", *sample)
    assert verdicts(document) == {mutant_id: reference[mutant_id] for mutant_id in sample}
    assert document["verify"]["agree"] == document["verify"]["checked"] == len(sample)
    assert "EngineMismatch" not in stderr and "disagrees" not in stderr


def test_a_run_breakit_breaks_is_blamed_on_breakit_not_the_suite(tmp_path: Path) -> None:
    """A plugin breakit does not know that fails only beside breakit's recorder: the baseline
    error says breakit's setup failed (exit 70), not that the suite is broken (exit 4)."""
    project = make(tmp_path, None)
    plugin = project.root / "fights_breakit.py"
    plugin.write_text(
        "import os\n\n\n"
        "def pytest_configure(config):\n"
        "    if config.pluginmanager.has_plugin('breakit-recorder') or os.environ.get(\n"
        "        'BREAKIT_REQUEST'\n"
        "    ):\n"
        "        raise RuntimeError('this plugin cannot run beside a recorder')\n"
    )
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + 'addopts = "-p fights_breakit"\npythonpath = ["."]\n'
    )
    done = project("check", "--generated", "--no-warm")
    assert done.returncode == 70, done.stderr
    assert "a plain `python -m pytest` passes" in done.stderr
    assert "this plugin cannot run beside a recorder" in done.stderr
    assert "Traceback" not in done.stderr
    # …and a suite that is broken for plain pytest too is still the suite's fault (exit 4).
    shutil.rmtree(project.root / ".breakit", ignore_errors=True)
    plugin.write_text("raise RuntimeError('broken for everyone')\n")
    done = project("check", "--generated", "--no-warm")
    assert done.returncode == 4, done.stderr
