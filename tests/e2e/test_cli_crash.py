"""The real CLI on a small project: a breakage whose test process dies is Killed, and --verify
(a plain pytest per mutant) agrees; one that fails at import is a labelled RuntimeError."""

from __future__ import annotations

import json

from cli_harness import outcomes, write_project

# add() calls os._exit(3) when it adds 2 and 3: test_add's process dies during it.
EXIT_BREAKAGE = """
    import libcst as cst
    import libcst.matchers as m

    from breakit.model import FileEdit, Mutation


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

    from breakit.model import FileEdit, Mutation


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


def test_a_breakage_that_fails_at_import_is_a_labelled_runtime_error(small):
    write_project(small.root, {"breakages/key_error.py": KEY_ERROR_BREAKAGE})
    result = small("check", "key-error", "--verify", "--json")
    assert result.returncode == 5, result.stdout + result.stderr  # a broken curated mutation
    (mutant,) = json.loads(result.stdout)["mutants"]
    assert mutant["verdict"] == "RuntimeError"
    assert mutant["error"] == "fails at import: KeyError: 'verify_signature' in tests/test_calc.py"
    terminal = small("check", "key-error")
    assert "RuntimeError" in terminal.stdout
    assert "fails at import: KeyError: 'verify_signature'" in terminal.stdout
