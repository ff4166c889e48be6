"""Results are kept as they finish: an interrupted run loses none, the next one reuses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_engine_lab import CALC, TESTS, make_config, mutants
from test_runner import write_project

from breakit.engine.lab import Lab
from breakit.model import MutantResult, Verdict
from breakit.store import JOURNAL, Store


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", {"calc/__init__.py": CALC, "tests/test_calc.py": TESTS})


def entry(verdict: str) -> dict[str, object]:
    return {"verdict": verdict, "tests": {}, "order": [], "duration_s": 0.5, "error": None}


def test_journaled_results_are_read_back_and_a_line_cut_short_is_skipped(tmp_path: Path) -> None:
    state = Store(tmp_path)
    state.store_results({"old": entry("Killed")}, keep=["old"])
    with state.journal() as journal:
        journal.add("a", entry("Survived"))
        journal.add("old", entry("Survived"))  # a later result for the same key wins
    path = tmp_path / ".breakit" / JOURNAL
    with path.open("ab") as file:
        file.write(b'{"key": "b", "result": {"verd')  # SIGKILL in the middle of a line
    with state.journal() as journal:
        journal.add("c", entry("Killed"))  # starts on a line of its own
    cached = state.cached_results()
    assert {k: v["verdict"] for k, v in cached.items()} == {
        "old": "Survived",
        "a": "Survived",
        "c": "Killed",
    }
    # A finished run folds the journal into cache.json and removes it.
    state.store_results({"d": entry("Killed")}, keep=["a", "c", "d"])
    assert not path.exists()
    on_disk = json.loads((tmp_path / ".breakit" / "cache.json").read_text())
    assert sorted(on_disk["results"]) == ["a", "c", "d"]


@pytest.mark.parametrize("backend", ["fork", "subprocess"])
def test_a_run_interrupted_after_two_results_keeps_them_for_the_next_run(
    project: Path, backend: str
) -> None:
    seen: list[str] = []

    def interrupt_after_two(result: MutantResult) -> None:
        if result.verdict is not Verdict.NO_COVERAGE:
            seen.append(result.mutant.id)
        if len(seen) == 2:
            raise KeyboardInterrupt  # as Ctrl-C (or SIGTERM, through the CLI) would

    lab = Lab(make_config(project), jobs=1, backend=backend)
    with lab.session(), pytest.raises(KeyboardInterrupt):
        lab.run(mutants(), lab.baseline(), on_result=interrupt_after_two)
    assert not (project / ".breakit" / "cache.json").exists()  # the run never got to its end

    again = Lab(make_config(project), jobs=1, backend=backend)
    with again.session():
        matrix = again.run(mutants(), again.baseline())
    reused = sorted(r.mutant.id for r in matrix.results if r.cached)
    assert reused == sorted(seen)
    assert len(matrix.results) == 5
    assert not (project / ".breakit" / JOURNAL).exists()
