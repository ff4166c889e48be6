"""The lab on small real projects: selection, NoCoverage, parallel order, the forced-fail check."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.baseline.forced_fail import forced_failure_changes
from breakit.core.config import Config
from breakit.core.errors import ShadowingError
from breakit.core.model import MutantResult, Outcome, Verdict
from breakit.engine.lab import Lab
from breakit.engine.oracle import compare, oracle_matrix
from tests.lab_project import CALC, TESTS, lab_tree, make_config, mutants
from tests.project_files import tiny_project

ADD, POSITIVE, ZERO = (
    f"tests/test_calc.py::{name}"
    for name in ("test_add", "test_positive", "test_zero_is_not_positive")
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return lab_tree(tmp_path / "proj")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["fork", "fork-fresh", "subprocess"])
def test_selection_no_coverage_and_input_order(project: Path, backend: str) -> None:
    hot = backend == "fork"
    lab = Lab(
        make_config(project),
        jobs=2,
        backend="fork" if backend.startswith("fork") else backend,
        use_cache=False,
        hot=hot,
    )
    streamed: list[MutantResult] = []
    with lab.session():
        baseline = lab.baseline()
        outcome = lab.run(mutants(), baseline, on_result=streamed.append)
    matrix = outcome.matrix
    assert [r.mutant.id for r in matrix.results] == ["minus", "at-least", "unused", "times", "doc"]
    assert sorted(r.mutant.id for r in streamed) == sorted(r.mutant.id for r in matrix.results)
    by_id = {r.mutant.id: r for r in matrix.results}
    minus = by_id["minus"]
    assert minus.verdict is Verdict.KILLED
    assert {n: o.outcome for n, o in minus.tests.items()} == {
        ADD: Outcome.CAUGHT,
        POSITIVE: Outcome.NOT_RUN,  # it does not run add(): not selected, never "missed"
        ZERO: Outcome.NOT_RUN,
    }
    assert by_id["at-least"].tests[ZERO].outcome is Outcome.CAUGHT
    assert by_id["at-least"].tests[POSITIVE].outcome is Outcome.MISSED
    assert by_id["at-least"].tests[ADD].outcome is Outcome.NOT_RUN
    # No test runs unused(): NoCoverage, without running anything.
    assert by_id["unused"].verdict is Verdict.NO_COVERAGE
    assert {o.outcome for o in by_id["unused"].tests.values()} == {Outcome.NOT_RUN}
    # The docstring is import time: the whole suite runs, and misses it.
    assert by_id["doc"].verdict is Verdict.SURVIVED
    assert {o.outcome for o in by_id["doc"].tests.values()} == {Outcome.MISSED}
    # The fast engine agrees with a fresh pytest per mutant, test for test.
    oracle = oracle_matrix(
        lab.oracle_settings(baseline), [r.mutant for r in matrix.results], baseline, jobs=2
    )
    assert compare(matrix, oracle) == {}
    assert oracle.result("unused").verdict is Verdict.SURVIVED
    # Every change ran in a hot session: the docstring too (runners.fork.reexec); so did the check
    # that a test that caught a mutant out of file order passes alone (engine.order_check).
    stats = outcome.facts.stats
    assert stats.fallback_reasons == []
    assert stats.hot_runs >= 4 if hot else stats.hot_runs == 0


@pytest.mark.slow
def test_timeouts_follow_the_selected_tests(project: Path) -> None:
    lab = Lab(make_config(project, timeout_factor=2.0), use_cache=False)
    with lab.session():
        baseline = lab.baseline()
    startup = lab.engine.startup_s
    assert startup > 0
    # The test's time without tracing where coverage.py's tracer recorded the coverage (3.11).
    add_s = lab.engine.untraced_s.get(ADD, baseline.run.outcomes[ADD].duration_s)
    assert lab.timeout_for(baseline, (ADD,)) == pytest.approx(2.0 * (add_s + startup) + 30.0)
    assert lab.timeout_for(baseline) >= lab.timeout_for(baseline, (ADD,))


def test_forced_failure_raises_first_after_docstring_and_future_imports() -> None:
    root = Path(__file__).parent
    config = Config(root=root, source=("test_engine_lab.py",), tests=("x",))
    (path, text), *_ = forced_failure_changes(config).items()
    assert path == "test_engine_lab.py"
    lines = text.splitlines()
    assert lines[0].startswith('"""')
    future = lines.index("from __future__ import annotations")
    assert lines[future + 1] == "raise RuntimeError('breakit forced failure')"


@pytest.mark.parametrize(
    "source",
    [
        "",
        "\n",
        "# only a comment",
        "# only a comment\n",
        '"""Docstring only."""',
        "x = 1",
        "#!/usr/bin/env python\n# comment\n\nimport os\n",
        '"""Doc."""\n\nfrom __future__ import annotations  # why\n\n\n# hello\nclass A: ...\n',
        '\n"""Doc after a blank line."""\nimport os\n',
        "@decorator\n@another(1)\ndef f():\n    pass\n",
        '"doc"; import os\nimport sys\n',
        "from __future__ import annotations; import os\nimport sys\n",
        'b"bytes doc"\nimport os\n',
        'f"not a docstring"\nimport os\n',
        "import os\n'''not a docstring'''\n",
        "x = (1,\n     2)\n",
        "\ufeffimport os\n",
        'x = "\\d"  # an invalid escape: a warning, not an error\n',
    ],
)
def test_forced_failure_puts_the_raise_where_libcst_did(tmp_path: Path, source: str) -> None:
    # forced_failure_changes parses with ast (the CLI never imports libcst): the same text.
    import libcst as cst

    def with_libcst(text: str) -> str:
        module = cst.parse_module(text)
        body, at = list(module.body), 0
        while at < len(body):
            line = body[at]
            first = line.body[0] if isinstance(line, cst.SimpleStatementLine) else None
            docstring = isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString)
            future = (
                isinstance(first, cst.ImportFrom)
                and isinstance(first.module, cst.Name)
                and first.module.value == "__future__"
            )
            if not ((at == 0 and docstring) or future):
                break
            at += 1
        raise_line = cst.parse_statement("raise RuntimeError('breakit forced failure')\n")
        return module.with_changes(body=[*body[:at], raise_line, *body[at:]]).code

    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(source, encoding="utf-8")
    config = Config(root=tmp_path, source=("pkg",), tests=("x",))
    assert forced_failure_changes(config) == {"pkg/m.py": with_libcst(source.lstrip("\ufeff"))}


@pytest.mark.slow
def test_a_passed_sanity_run_is_remembered_while_imports_cannot_differ(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sanity_runs(**settings: object) -> int:
        lab = Lab(make_config(project), jobs=1, reuse_results=False, **settings)  # type: ignore[arg-type]
        with lab.session():
            outcome = lab.run(mutants()[:1], lab.baseline())
        assert outcome.matrix.results[0].verdict is Verdict.KILLED
        return outcome.facts.sanity_runs

    assert sanity_runs() == 1
    assert sanity_runs() == 0  # same files, same Python, packages and environment
    monkeypatch.setenv("PYTHONPATH", str(project / "elsewhere"))  # where imports come from
    assert sanity_runs() == 1
    assert sanity_runs() == 0
    assert sanity_runs(use_cache=False) == 1


@pytest.mark.slow
def test_tests_importing_another_copy_is_a_loud_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The package lives in lib/, which nothing puts on the path; the tests find an installed
    # copy of the same code instead (here: on PYTHONPATH): every mutant would survive.
    root = tiny_project(
        tmp_path / "proj", {"lib/calc/__init__.py": CALC, "tests/test_calc.py": TESTS}
    )
    installed = tiny_project(tmp_path / "site", {"calc/__init__.py": CALC})
    monkeypatch.setenv("PYTHONPATH", str(installed))
    streamed: list[MutantResult] = []
    for backend, jobs in (("fork", 2), ("subprocess", 1)):
        lab = Lab(make_config(root, source="lib/calc"), jobs=jobs, backend=backend, use_cache=False)
        with lab.session(), pytest.raises(ShadowingError) as raised:
            lab.run(mutants("lib/calc/__init__.py"), lab.baseline(), on_result=streamed.append)
        assert "do not import the copy of the code breakit mutates" in raised.value.message
        assert raised.value.hint and "pythonpath" in raised.value.hint
    # Every mutant looked "NoCoverage" (the copy that ran is not the one measured): none of
    # those wrong verdicts may reach the caller.
    assert streamed == []
    # pytest's own `pythonpath` setting puts the project's lib/ first: then it works.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('addopts = ""', 'pythonpath = ["lib"]'))
    lab = Lab(make_config(root, source="lib/calc"), jobs=1, use_cache=False)
    with lab.session():
        matrix = lab.run(mutants("lib/calc/__init__.py")[:1], lab.baseline()).matrix
    assert matrix.results[0].tests[ADD].outcome is Outcome.CAUGHT
