"""The real CLI on a small project: a breakage whose test process dies is Killed, and --verify
(a plain pytest per mutant) agrees; one that fails at import is Killed by the test module whose
collection it breaks; one that allocates without bound is stopped at the default memory ceiling,
which follows the suite's own peak."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli_harness import outcomes
from tests.project_files import write_project

pytestmark = pytest.mark.slow

# add() calls os._exit(3) when it adds 2 and 3: test_add's process dies during it.
EXIT_BREAKAGE = """
    import libcst as cst
    import libcst.matchers as m

    from breakit.core.model import FileEdit, Mutation


    class Exit(m.MatcherDecoratableTransformer):
        @m.leave(m.FunctionDef(name=m.Name("add")))
        def exit(self, original, updated):
            line = cst.parse_statement("if (a, b) == (2, 3):\\n    __import__('os')._exit(3)\\n")
            body = [line, *updated.body.body]
            return updated.with_changes(body=updated.body.with_changes(body=body))


    MUTATION = Mutation(
        id="exits",
        title="add ends the process",
        question="What does a test do when the process dies under it?",
        hints=("Look at add.",),
        edits=(FileEdit("calc/__init__.py", Exit, looks_for="def add"),),
        caught_by=("tests/test_calc.py::test_add",),
    )
"""

# A lookup that raises KeyError while calc is imported (it compiles).
KEY_ERROR_BREAKAGE = """
    import libcst as cst
    import libcst.matchers as m

    from breakit.core.model import FileEdit, Mutation


    class Lookup(m.MatcherDecoratableTransformer):
        def leave_Module(self, original, updated):
            line = cst.parse_statement("{}['verify_signature']\\n")
            return updated.with_changes(body=[line, *updated.body])


    MUTATION = Mutation(
        id="key-error",
        title="calc fails at import",
        question="What does the suite do when the code does not import?",
        hints=("Look at the top of calc.",),
        edits=(FileEdit("calc/__init__.py", Lookup, looks_for="a module"),),
    )
"""


def test_a_dying_test_process_is_killed_and_verify_agrees(small):
    write_project(small.root, {"breakages/exits.py": EXIT_BREAKAGE})
    result = small("check", "exits", "--verify", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed"
    died = outcomes(document, mutant)["tests/test_calc.py::test_add"]
    assert died["outcome"] == "caught"
    assert died["message"] == "the test process exited with status 3 while this test ran"


def test_a_breakage_that_fails_at_import_is_killed_by_the_module_it_stops(small):
    # Plain pytest fails: `ERROR tests/test_calc.py - KeyError: 'verify_signature'`, exit 2.
    write_project(small.root, {"breakages/key_error.py": KEY_ERROR_BREAKAGE})
    result = small("check", "key-error", "--verify", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed" and mutant["error"] is None
    module = outcomes(document, mutant)["tests/test_calc.py"]
    assert module == {
        "outcome": "errored",
        "message": "collection failed: KeyError: 'verify_signature'",
    }
    assert document["verify"]["agree"] == 1
    terminal = small("check", "key-error")
    assert "Killed" in terminal.stdout


# add() allocates without bound when it adds 2 and 3: a runaway mutant.
HOARD_BREAKAGE = EXIT_BREAKAGE.replace(
    "__import__('os')._exit(3)", "[bytearray(1 << 20) for _ in iter(int, 1)]"
).replace('id="exits"', 'id="hoards"')


def test_a_runaway_breakage_is_stopped_at_a_default_ceiling_that_follows_the_suite(small):
    write_project(small.root, {"breakages/hoards.py": HOARD_BREAKAGE})
    result = small("check", "hoards", "--verify", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    # The ceiling in force, from this small suite's own peak: far under the old 1 GiB floor.
    limit = document["memory_limit_mb"]
    assert 256 <= limit < 1024
    (mutant,) = document["mutants"]
    assert mutant["verdict"] == "Killed"
    stopped = outcomes(document, mutant)["tests/test_calc.py::test_add"]
    assert stopped == {
        "outcome": "caught",
        "message": f"the test process ran out of memory (limit {limit} MB) while this test ran",
    }
    assert document["verify"]["agree"] == 1  # the oracle's pytest ran under the same ceiling
    verbose = small("check", "hoards", "-v")
    assert f"memory ceiling: {limit} MB per test process (4 × the baseline's peak" in (
        " ".join(verbose.stderr.split())
    )
