"""NoCoverage proved: markers that run whenever their line runs, and the lab's proof run on
projects whose tests run code where coverage.py does not look (a subprocess, an untraced
thread): those mutants are Killed, not NoCoverage, and the proof is remembered."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from breakit.core.config import Config
from breakit.core.model import Mutant, Verdict
from breakit.engine.coverage_proof import marked_sources, read_hits
from breakit.engine.lab import Lab
from breakit.engine.oracle import compare, oracle_matrix
from breakit.engine.run_outcome import RunOutcome
from breakit.inrun.coverage_map import CORE_ENV
from breakit.mutants.operators import generate_mutants
from tests.project_files import tiny_project

SHAPES = '''"""Statements of every shape a claimed line can sit in."""
from __future__ import annotations


def branches(x):
    if x > 1:
        return "big"
    elif x < -1:
        return "small"
    else:
        y = x
    try:
        z = 10 // x
    except ZeroDivisionError:
        z = 0
    finally:
        y = 1
    a = 1; b = a + z
    if x == 1: return b
    for i in range(2):
        if i: break
    while False:
        pass
    with open(__import__("os").devnull) as f:
        f.read(1)
    match x:
        case 0:
            return "zero"
        case _:
            pass
    return y + b


def one_line(x): return x * 2


def nested(x):
    def inner(y):
        return y + x
    return inner(1) + (lambda z: z - 1)(x)


class Box:
    def method(self, x):
        return [n for n in range(x) if n % 2]
'''


def _lines_run(func: types.FunctionType, *args: object) -> set[int]:
    """The lines of SHAPES that run inside function bodies for one call (the truth)."""
    seen: set[int] = set()

    def tracer(frame: types.FrameType, event: str, arg: object) -> object:
        in_body = frame.f_code.co_filename == "shapes.py" and frame.f_code.co_name != "<module>"
        if in_body and event == "line":
            seen.add(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        func(*args)
    finally:
        sys.settrace(None)
    return seen


def _lines_run_at_import() -> set[int]:
    """The lines of SHAPES that run at module and class level when it is imported."""
    seen: set[int] = set()

    def tracer(frame: types.FrameType, event: str, arg: object) -> object:
        at_import = frame.f_code.co_name in ("<module>", "Box")
        if frame.f_code.co_filename == "shapes.py" and at_import and event == "line":
            seen.add(frame.f_lineno)
        return tracer

    sys.settrace(tracer)
    try:
        exec(compile(SHAPES, "shapes.py", "exec"), {})
    finally:
        sys.settrace(None)
    return seen


def test_a_marker_runs_whenever_its_line_runs(tmp_path: Path) -> None:
    original: dict[str, object] = {}
    exec(compile(SHAPES, "shapes.py", "exec"), original)
    every_line = [("shapes.py", n) for n in range(1, SHAPES.count("\n") + 1)]
    hits_file = tmp_path / "hits"
    marked = marked_sources({"shapes.py": SHAPES}, every_line, hits_file)
    code = compile(marked.changes["shapes.py"], "marked.py", "exec")
    calls = [("branches", (x,)) for x in (-5, -1, 0, 1, 2, 5)] + [
        ("one_line", (3,)),
        ("nested", (2,)),
    ]
    for name, args in calls:
        hits_file.unlink(missing_ok=True)
        truth = _lines_run(original[name], *args)  # type: ignore[arg-type]
        namespace: dict[str, object] = {}  # a marker notes its first run only: a fresh module
        exec(code, namespace)
        namespace[name](*args)  # type: ignore[operator]
        hit = {line for n in read_hits(hits_file) for _, line in marked.markers[n]}
        checked = {line for _, line in marked.checked}
        assert truth & checked <= hit, (name, args, sorted((truth & checked) - hit))
    # Every statement's line gets a marker, at module and class level too (a line that never
    # ran at import can be claimed: an `if TYPE_CHECKING:` block), except the docstring and the
    # `from __future__` import, which always run and must stay first.
    checked = {line for _, line in marked.checked}
    code_lines = {n for n, text in enumerate(SHAPES.splitlines(), 1) if text.strip()}
    assert code_lines - checked == {1, 2}
    # Importing the marked module runs the markers of the lines that ran at import, one-line
    # `def one_line(x): return x * 2` (line 34) included: its header runs then, its body not.
    hits_file.unlink(missing_ok=True)
    exec(code, {})
    at_import = {line for n in read_hits(hits_file) for _, line in marked.markers[n]}
    assert at_import == _lines_run_at_import() - {1, 2}
    assert at_import == {5, 34, 37, 43, 44}
    box = namespace["Box"]()  # type: ignore[operator]
    hits_file.unlink(missing_ok=True)
    assert box.method(3) == [1]
    assert {line for n in read_hits(hits_file) for _, line in marked.markers[n]} == {45}


CALC = """\
def double(x):
    return x * 2


def halve(x):
    return x // 2


def add(a, b):
    return a + b
"""

# double() runs only in a subprocess, halve() only in a thread coverage.py does not trace.
TESTS = """\
import _thread
import subprocess
import sys
import threading

from calc import add, halve


def test_add():
    assert add(2, 3) == 5


def test_double_in_a_subprocess():
    code = "from calc import double; assert double(3) == 6"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_halve_in_an_untraced_thread():
    done, found = threading.Event(), []

    def work():
        found.append(halve(9))
        done.set()

    _thread.start_new_thread(work, ())
    assert done.wait(10)
    assert found == [4]
"""


def config(root: Path) -> Config:
    return Config(root=root, source=("calc.py",), tests=("tests",), timeout_min_s=30.0)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["fork", "subprocess"])
def test_lines_the_map_missed_run_the_whole_suite(
    tmp_path: Path, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # coverage.py's tracer, whatever the Python: sys.monitoring (3.12+) sees the _thread thread.
    monkeypatch.setenv(CORE_ENV, "coverage")
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TESTS})
    mutants = generate_mutants(config(root))

    def run(**settings: object) -> RunOutcome:
        lab = Lab(config(root), jobs=2, backend=backend, **settings)  # type: ignore[arg-type]
        with lab.session():
            baseline = lab.baseline()
            # The map really is wrong: it claims double() and halve() run in no test.
            policy = lab.policy(baseline)
            claimed = [m for m in mutants if policy.plan(m).reaches_no_test]
            assert {m.location.start_line for m in claimed if m.location} == {2, 6}
            outcome = lab.run(mutants, baseline)
            if outcome.facts.proof.runs:
                oracle = oracle_matrix(lab.oracle_settings(baseline), mutants, baseline, jobs=2)
                assert compare(outcome.matrix, oracle) == {}
        assert lab.notes == []  # the proof's notes are the run's, not the baseline's
        return outcome

    first = run()
    verdicts = {r.mutant.id: r.verdict for r in first.matrix.results}
    assert Verdict.NO_COVERAGE not in verdicts.values()
    assert set(verdicts.values()) == {Verdict.KILLED}
    assert first.facts.proof.runs == 1
    checked = first.facts.coverage_check
    assert checked["ran"] and checked["error"] is None
    assert checked["hit"] == [
        {"path": "calc.py", "line": 2},
        {"path": "calc.py", "line": 6},
    ]
    moved = sum(1 for m in mutants if m.location and m.location.start_line in (2, 6))
    assert first.facts.notes == (
        f"the coverage map missed 2 lines in calc.py; their {moved} mutants ran the whole suite",
    )
    # Nothing changed: the proof is not run again, and says so.
    again = run()
    assert again.facts.proof.runs == 0 and again.facts.coverage_check["cached"] is True
    assert again.facts.coverage_check["hit"] == checked["hit"]


@pytest.mark.slow
def test_a_claim_that_holds_stays_no_coverage(tmp_path: Path) -> None:
    tests = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": tests})
    mutant = next(m for m in generate_mutants(config(root)) if m.location.start_line == 2)  # type: ignore[union-attr]
    lab = Lab(config(root), jobs=1, use_cache=False)
    with lab.session():
        outcome = lab.run([mutant], lab.baseline())
    assert outcome.matrix.results[0].verdict is Verdict.NO_COVERAGE
    assert outcome.facts.proof.runs == 1
    assert outcome.facts.coverage_check == {
        "ran": True,
        "lines": 1,
        "hit": [],
        "cached": False,
        "error": None,
    }
    assert outcome.facts.notes == () and lab.notes == []


@pytest.mark.slow
def test_no_claim_no_proof_run(tmp_path: Path) -> None:
    tests = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    root = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": tests})
    mutant = Mutant(
        "plus", "test", "plus", {"calc.py": CALC.replace("a + b", "a - b")}, {"calc.py": CALC}
    )
    lab = Lab(config(root), jobs=1, use_cache=False)
    with lab.session():
        outcome = lab.run([mutant], lab.baseline())
    assert outcome.matrix.results[0].verdict is Verdict.KILLED
    assert outcome.facts.proof.runs == 0 and outcome.facts.coverage_check["ran"] is False


TYPED = """\
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING or os.environ.get("BUILDING_DOCS"):  # as pyjwt's api_jwt.py does
    LIMIT = 3

SCALE = 2


def scale(x):
    return x * SCALE
"""

# late.py is imported only in a subprocess: the map never sees its module-level line run.
LATE_TESTS = """\
import subprocess
import sys

from typed import scale


def test_scale():
    assert scale(3) == 6


def test_late_in_a_subprocess():
    code = "import late; assert late.FACTOR == 3"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
"""


@pytest.mark.slow
def test_module_level_lines_that_never_ran_are_claims_the_proof_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CORE_ENV, "coverage")
    root = tiny_project(
        tmp_path / "proj",
        {"typed.py": TYPED, "late.py": "FACTOR = 3\n", "tests/test_typed.py": LATE_TESTS},
    )
    settings = Config(root=root, source=("typed.py", "late.py"), tests=("tests",))
    mutants = generate_mutants(settings)
    lab = Lab(settings, jobs=2, use_cache=False)
    with lab.session():
        baseline = lab.baseline()
        plans = {m.id: lab.policy(baseline).plan(m) for m in mutants}
        outcome = lab.run(mutants, baseline)
        matrix = outcome.matrix
        oracle = oracle_matrix(lab.oracle_settings(baseline), mutants, baseline, jobs=2)
    assert compare(matrix, oracle) == {}
    by_line = {
        (r.mutant.location.path, r.mutant.location.start_line): r.verdict  # type: ignore[union-attr]
        for r in matrix.results
    }
    # The block never runs: a claim the proof holds, so NoCoverage.
    assert by_line[("typed.py", 5)] is Verdict.NO_COVERAGE
    # A line run at import selects the whole suite, as before.
    scale_line = [m for m in mutants if m.location and m.location.start_line == 7]
    assert scale_line and all(plans[m.id].whole_suite for m in scale_line)
    # late.py's line ran, in a subprocess: the proof's marker saw it, and the suite catches it.
    assert by_line[("late.py", 1)] is Verdict.KILLED
    assert outcome.facts.coverage_check["hit"] == [{"path": "late.py", "line": 1}]
    assert outcome.facts.notes[-1] == (
        "the coverage map missed 1 line in late.py; their 2 mutants ran the whole suite"
    )
