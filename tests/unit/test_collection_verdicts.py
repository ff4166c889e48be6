"""A mutant that breaks collection: Killed where plain pytest fails naming a file of the suite (a
test module, a conftest.py), CompileError or RuntimeError where it does not, with a one-line
reason (issue 23)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from breakit.core.model import Mutant, Outcome, RunFailure, Verdict
from breakit.core.run_records import records_from_json
from breakit.core.wire import RunReply
from breakit.engine.oracle import differences
from breakit.engine.verdict import mutant_result
from breakit.runners.fork.client import ForkRunner
from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.suite_run import suite_run_from_pieces, suite_run_from_records
from tests.project_files import tiny_project

MUTANT = Mutant("m", "test", "m", {"calc.py": "x = 2\n"}, {"calc.py": "x = 1\n"})
TESTS = ("tests/test_a.py::test_a", "tests/test_b.py::test_b")


def collect_error(
    nodeid: str, message: str, failure: RunFailure = RunFailure.IMPORT_ERROR
) -> dict[str, str]:
    """The plugin's record of a failed collector (breakit.inrun.pytest_plugin)."""
    return {
        "event": "collect_error",
        "nodeid": nodeid,
        "message": message,
        "longrepr": "…",
        "failure": failure.value,
    }


def judged(records: list[dict[str, Any]], *, exit_status: int = 2, output: str = ""):
    """The verdict of a run whose plugin wrote `records` (as JSON, decoded as breakit does)."""
    typed = records_from_json(records)
    assert len(typed) == len(records)  # every one a record breakit knows
    run = suite_run_from_records(typed, duration_s=1.0, exit_status=exit_status, output=output)
    return mutant_result(MUTANT, run, TESTS, 1.0)


def test_a_test_module_that_raises_while_collected_is_errored_and_the_mutant_killed() -> None:
    result = judged(
        [
            collect_error("tests/test_a.py", "TypeError: cannot unpack non-iterable NoneType"),
            {"event": "finish", "exitstatus": 2},
        ]
    )
    assert result.verdict is Verdict.KILLED and result.error is None
    module = result.tests["tests/test_a.py"]
    assert module.outcome is Outcome.ERRORED
    assert module.message == "collection failed: TypeError: cannot unpack non-iterable NoneType"
    assert module.longrepr == "…"
    assert result.errored_in == ("tests/test_a.py",)
    # pytest ran no test: the baseline's tests are not run, never "missed".
    assert {result.tests[t].outcome for t in TESTS} == {Outcome.NOT_RUN}


def test_code_that_does_not_compile_is_a_compile_error_in_one_line() -> None:
    syntax = "SyntaxError: invalid syntax (calc.py, line 3)"
    result = judged(
        [
            collect_error("tests/test_a.py", syntax, RunFailure.SYNTAX_ERROR),
            collect_error("tests/test_b.py", syntax, RunFailure.SYNTAX_ERROR),
        ]
    )
    assert result.verdict is Verdict.COMPILE_ERROR
    assert result.error == f"error collecting 2 test modules: {syntax}"
    assert result.errored_in == ()


def test_a_collection_error_no_collector_is_named_for_stays_a_runtime_error() -> None:
    result = judged([collect_error("", "KeyError: 'x'")])
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.error == "fails at import: KeyError: 'x' in the session"


def test_a_conftest_pytest_cannot_load_is_charged_by_its_path() -> None:
    output = (
        "ImportError while loading conftest 'tests/conftest.py'.\n"
        "tests/conftest.py:3: in <module>\n    VERSION = parse_version('3.11')\n"
        "E   ValueError: empty separator\n"
    )
    result = judged([], exit_status=4, output=output)
    assert result.verdict is Verdict.KILLED
    conftest = result.tests["tests/conftest.py"]
    assert (conftest.outcome, conftest.message) == (
        Outcome.ERRORED,
        "collection failed: ValueError: empty separator",
    )
    # One outside the project cannot be the suite's: pytest stopped on its own.
    outside = output.replace("'tests/conftest.py'", "'/elsewhere/conftest.py'")
    assert judged([], exit_status=4, output=outside).verdict is Verdict.RUNTIME_ERROR
    # A conftest that does not compile is a CompileError, as a test module would be.
    syntax = output.replace("ValueError: empty separator", "SyntaxError: invalid syntax")
    assert judged([], exit_status=4, output=syntax).verdict is Verdict.COMPILE_ERROR


FILTERWARNINGS_ERROR = """\
ERROR: while parsing the following warning configuration:

  error::mylib.MyWarning

This error occurred:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/_pytest/config/__init__.py", line 2127, in parse
    category: type[Warning] = _resolve_warning_category(category_)
  File "/venv/lib/python3.11/site-packages/_pytest/config/__init__.py", line 2175, in _resolve
    m = __import__(module, None, None, [klass])
  File "mylib/__init__.py", line 6, in <module>
    SIZE = LIMITS[""]
KeyError: ''
"""


def test_a_usage_error_while_pytest_reads_filterwarnings_is_a_runtime_error_in_one_line() -> None:
    run = suite_run_from_pieces([RunReply([], 1.0, 4, output=FILTERWARNINGS_ERROR)])
    result = mutant_result(MUTANT, run, TESTS, 1.0)
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.error == (
        "pytest usage error: while parsing the following warning configuration "
        "'error::mylib.MyWarning': KeyError: ''"
    )
    # The run keeps pytest's text under that line, for a red baseline's message.
    assert run.error is not None and run.error.splitlines()[0] == result.error
    assert "Traceback (most recent call last):" in run.error


def test_the_oracle_comparison_covers_the_modules() -> None:
    killed = judged([collect_error("tests/test_a.py", "KeyError: 'x'")])
    assert differences(killed, killed) == []
    # A module the oracle's pytest could not collect must be errored in the fast run too.
    silent = judged([{"event": "collected", "nodeids": list(TESTS)}], exit_status=0)
    assert "tests/test_a.py: not run, but errored in the oracle" in differences(silent, killed)


@pytest.mark.slow
def test_the_real_pytest_charges_a_test_module_and_a_conftest(tmp_path: Path) -> None:
    calls = "from calc import parse\n\nVALUE = parse('1.2')[0]\n"
    root = tiny_project(
        tmp_path / "proj",
        {
            "calc.py": "def parse(text):\n    return None\n",
            "tests/test_ok.py": "def test_ok():\n    pass\n",
            "tests/test_calls.py": calls + "\n\ndef test_calls():\n    assert VALUE\n",
            "tests/sub/conftest.py": calls,
            "tests/sub/test_sub.py": "def test_sub():\n    pass\n",
        },
    )
    run = SubprocessRunner().run(root, RunSpec(("tests",), timeout_s=60))
    result = mutant_result(MUTANT, run, (), 1.0)
    assert result.verdict is Verdict.KILLED
    assert set(result.errored_in) == {"tests/test_calls.py", "tests/sub"}
    assert result.tests["tests/sub"].message == (
        "collection failed: TypeError: 'NoneType' object is not subscriptable"
    )
    (root / "tests/conftest.py").write_text(calls)
    run = SubprocessRunner().run(root, RunSpec(("tests",), timeout_s=60))
    assert run.exit_status == 4
    result = mutant_result(MUTANT, run, (), 1.0)
    assert (result.verdict, result.errored_in) == (Verdict.KILLED, ("tests/conftest.py",))


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["subprocess", "fork"])
def test_each_kind_of_failure_is_a_field_set_by_the_real_run(tmp_path: Path, backend: str) -> None:
    """How a run failed is `SuiteRun.failure`, set where the failure is seen (the plugin's
    records, pytest's exit status and output), in a subprocess and in a fork worker's child."""
    test_ok = "from calc import one\n\n\ndef test_one():\n    assert one() == 1\n"
    projects = {
        # Code the tests import does not compile: a CompileError.
        RunFailure.SYNTAX_ERROR: {"calc.py": "def one(:\n    return 1\n"},
        # A test module imports what is not there: its module is charged, the mutant Killed.
        RunFailure.IMPORT_ERROR: {
            "calc.py": "from no_such_module import one\n",
        },
    }
    runner = SubprocessRunner() if backend == "subprocess" else ForkRunner([], project=["calc"])
    try:
        runs = {}
        for kind, files in projects.items():
            root = tiny_project(tmp_path / kind.name, {"tests/test_calc.py": test_ok, **files})
            runs[kind] = runner.run(root, RunSpec(("tests",), timeout_s=60))
        fine = tiny_project(
            tmp_path / "fine",
            {"calc.py": "def one():\n    return 1\n", "tests/test_calc.py": test_ok},
        )
        # An option pytest does not know: it stops before collecting (exit 4).
        bad_option = RunSpec(("tests",), timeout_s=60, extra_args=("--no-such-option",))
        runs[RunFailure.USAGE_ERROR] = runner.run(fine, bad_option)
        runs[None] = runner.run(fine, RunSpec(("tests",), timeout_s=60))
    finally:
        if isinstance(runner, ForkRunner):
            runner.close()
    assert {kind: run.failure for kind, run in runs.items()} == {kind: kind for kind in runs}
    assert [kind for kind, run in runs.items() if run.error is None] == [None]
    verdicts = {kind: mutant_result(MUTANT, run, (), 1.0).verdict for kind, run in runs.items()}
    assert verdicts == {
        RunFailure.SYNTAX_ERROR: Verdict.COMPILE_ERROR,
        RunFailure.IMPORT_ERROR: Verdict.KILLED,
        RunFailure.USAGE_ERROR: Verdict.RUNTIME_ERROR,
        None: Verdict.SURVIVED,
    }


@pytest.mark.slow
def test_a_conftest_pytest_loads_first_and_a_timeout_have_their_kinds(tmp_path: Path) -> None:
    # No record says what a conftest pytest loads first raised: pytest's output does (exit 4).
    broken = {"tests/test_ok.py": "def test_ok():\n    pass\n"}
    runner = SubprocessRunner()
    for source, kind in (("x = (\n", RunFailure.SYNTAX_ERROR), ("x = {}['y']\n", None)):
        root = tiny_project(tmp_path / str(kind), {**broken, "tests/conftest.py": source})
        run = runner.run(root, RunSpec(("tests",), timeout_s=60))
        assert run.exit_status == 4
        assert run.failure is (kind or RunFailure.IMPORT_ERROR), run.error
    timed_out = suite_run_from_pieces([RunReply([], 9.0, None, timed_out=True)], timeout_s=5)
    assert (timed_out.failure, timed_out.error) == (
        RunFailure.TIMED_OUT,
        "timed out after 5 s before any test started",
    )
    died = suite_run_from_pieces([RunReply([], 1.0, -9)])
    assert died.failure is RunFailure.PROCESS_DIED, died.error


# A plugin that imports the project while pytest configures, as pytest-django's django.setup()
# imports every app's models: loaded from the project's own folder (`-p setup_plugin`).
SETUP_PLUGIN = (
    "import importlib\n\n\n"
    "def pytest_load_initial_conftests(early_config, parser, args):\n"
    "    importlib.import_module('calc')\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["subprocess", "fork"])
def test_source_raising_while_pytest_configures_is_a_runtime_error_saying_so(
    tmp_path: Path, backend: str
) -> None:
    """pytest lets what a plugin raised while it configures through (a traceback, exit 1): no
    test ran and no file of the suite is to blame, so the mutant is a RuntimeError whose error
    names the exception, in both backends (which is how the forced-fail sanity run sees its
    failure on a Django project: tests/e2e/test_cli_django.py)."""
    pyproject = (
        '[project]\nname = "tiny"\nversion = "0"\n\n'
        '[tool.pytest.ini_options]\naddopts = "-p setup_plugin"\npythonpath = ["."]\n'
    )
    root = tiny_project(
        tmp_path / "proj",
        {
            "pyproject.toml": pyproject,
            "setup_plugin.py": SETUP_PLUGIN,
            "calc.py": "raise KeyError('breakit forced failure')\n",
            "tests/test_calc.py": "def test_ok():\n    pass\n",
        },
    )
    runner = (
        SubprocessRunner()
        if backend == "subprocess"
        else ForkRunner([], project=["calc", "setup_plugin"])
    )
    try:
        run = runner.run(root, RunSpec(("tests",), timeout_s=60))
    finally:
        if isinstance(runner, ForkRunner):
            runner.close()
    assert run.failure is RunFailure.IMPORT_ERROR
    assert run.error == (
        "fails at import while pytest configures: KeyError: 'breakit forced failure'"
    )
    result = mutant_result(MUTANT, run, (), 1.0)
    assert (result.verdict, result.error) == (Verdict.RUNTIME_ERROR, run.error)
