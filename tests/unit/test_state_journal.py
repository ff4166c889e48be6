"""Results are kept as they finish: an interrupted run loses none, the next one reuses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breakit.core.model import MutantResult, Verdict
from breakit.engine.lab import Lab
from breakit.store.gateway import JOURNAL, Store
from breakit.store.result_files import CACHE_MAX_AGE_DAYS, keep_cached
from tests.lab_project import lab_tree, make_config, mutants


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return lab_tree(tmp_path / "proj")


def entry(verdict: str) -> dict[str, object]:
    return {"verdict": verdict, "tests": {}, "order": [], "duration_s": 0.5, "error": None}


def test_journaled_results_are_read_back_and_a_line_cut_short_is_skipped(tmp_path: Path) -> None:
    state = Store(tmp_path)
    state.store_results({"old": entry("Killed")}, used=["old"])
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
    # A finished run folds the journal into cache.json and removes it; a run of other mutants
    # (here only "d") keeps every result it did not use.
    state.store_results({"d": entry("Killed")}, used=["d"])
    assert not path.exists()
    on_disk = json.loads((tmp_path / ".breakit" / "cache.json").read_text())
    assert sorted(on_disk["results"]) == ["a", "c", "d", "old"]
    assert on_disk["results"]["old"]["verdict"] == "Survived"


def test_a_run_of_some_mutants_adds_to_the_cache_and_entries_go_by_age_and_number(
    tmp_path: Path,
) -> None:
    state = Store(tmp_path)
    day = 86400.0
    start = 1_000_000_000.0
    everything = {f"k{i}": entry("Killed") for i in range(10)}
    state.store_results(everything, used=everything, now=start)
    # A partial run (one id, an operator, a shard) reuses one result and adds one.
    state.store_results({"new": entry("Survived")}, used=["k3", "new", "absent"], now=start + day)
    assert set(state.cached_results()) == {*everything, "new"}
    on_disk = json.loads((tmp_path / ".breakit" / "cache.json").read_text())
    assert on_disk["largest_run"] == 10
    assert on_disk["used"]["k3"] == on_disk["used"]["new"] == start + day
    assert on_disk["used"]["k0"] == start
    # An entry no run used for CACHE_MAX_AGE_DAYS is dropped; one used since is kept.
    later = start + (CACHE_MAX_AGE_DAYS + 0.5) * day
    state.store_results({}, used=["k0"], now=later)
    assert set(state.cached_results()) == {"k0", "k3", "new"}
    # At most max(CACHE_MIN_ENTRIES, CACHE_RUNS × the largest run): the most recently used.
    stamps = {f"e{i}": float(i) for i in range(5)}
    assert keep_cached(stamps, now=10.0, limit=3) == {"e4", "e3", "e2"}
    assert keep_cached(stamps, now=4.0 + CACHE_MAX_AGE_DAYS * day, limit=9) == {"e4"}


def test_a_cache_of_an_older_breakit_has_no_stamps_and_is_kept(tmp_path: Path) -> None:
    state = Store(tmp_path)
    state.store_results({"a": entry("Killed"), "b": entry("Killed")}, used=["a", "b"], now=0.0)
    path = tmp_path / ".breakit" / "cache.json"
    data = json.loads(path.read_text())
    del data["used"], data["largest_run"]
    path.write_text(json.dumps(data))
    later = CACHE_MAX_AGE_DAYS * 86400.0 * 2
    state.store_results({"c": entry("Killed")}, used=["c"], now=later)
    assert set(state.cached_results()) == {"a", "b", "c"}
    # Dated from then on: unused for CACHE_MAX_AGE_DAYS more, they go.
    state.store_results({}, used=["c"], now=later + CACHE_MAX_AGE_DAYS * 86400.0 + 1)
    assert set(state.cached_results()) == {"c"}


@pytest.mark.slow
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
        matrix = again.run(mutants(), again.baseline()).matrix
    reused = sorted(r.mutant.id for r in matrix.results if r.cached)
    assert reused == sorted(seen)
    assert len(matrix.results) == 5
    assert not (project / ".breakit" / JOURNAL).exists()
