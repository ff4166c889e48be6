"""The .breakit/ folder, the one module that reads and writes it: the cached Baseline, the result
cache (keyed by breakit.store.cache_keys; its files: breakit.store.result_files), the last known
result of every mutant and the last check's matrix (breakit.store.last_run), curated mutants
(breakit.mutants.mutant_cache) and the learner's files (`read_state_json`, `write_state_json` and
the kept copies: breakit.learner.tree, breakit.learner.exercise_progress).

It lives at the project root, holds its own `.gitignore` (so it is never committed, whatever the
project's ignore rules say), and is only ever a cache: deleting it loses nothing. Every file is
written whole or not at all (`write_text_atomic`), but the journal, which is appended to line by
line (breakit.store.result_files).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from breakit.core.model import Baseline, KillMatrix
from breakit.core.outcome_codec import run_from_json, run_to_json
from breakit.store.engine_record import EngineRecord
from breakit.store.result_cache import unpack_cache
from breakit.store.result_files import ResultJournal, ends_with_newline, read_journal, updated_cache

STATE_DIR = ".breakit"
JOURNAL = "journal.jsonl"
LAST_RUN = "last_run.json"  # the last check's kill matrix, for `breakit tests`
CACHE = "cache.json"  # the result cache (breakit.store.result_cache's format)
_IGNORE = "# breakit's cache and progress: never committed\n*\n"


def state_dir(root: Path) -> Path:
    """`.breakit/` at the project root, created with its own `.gitignore` (never committed)."""
    folder = Path(root) / STATE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(_IGNORE)
    return folder


def read_json(path: Path) -> Any:
    """The JSON in `path`, or None when it is missing or unreadable (it is only a cache)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=1, sort_keys=True))


def write_compact_json(path: Path, data: Any) -> None:
    """`data` without indentation: for the files that hold every test of every mutant."""
    write_text_atomic(path, json.dumps(data, separators=(",", ":")))


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # atomic: an interrupted write never leaves half a file


# --- the learner's files: its progress, the breakages it wrote into its tree ----------------


def state_file(root: Path, *parts: str) -> Path:
    """The path of `.breakit/<parts>`, to read (it may not exist)."""
    return Path(root, STATE_DIR, *parts)


def read_state_json(root: Path, name: str) -> Any:
    """The JSON of `.breakit/<name>`, or None when it is missing or unreadable."""
    return read_json(state_file(root, name))


def write_state_json(root: Path, name: str, data: Any) -> None:
    write_json(state_dir(root) / name, data)


def remove_state_file(root: Path, name: str) -> bool:
    """Delete `.breakit/<name>`; True if it was there."""
    path = state_file(root, name)
    if not path.exists():
        return False
    path.unlink()
    return True


def write_state_bytes(root: Path, parts: Sequence[str], data: bytes) -> None:
    """Keep `data` as `.breakit/<parts>` (folders made as needed)."""
    path = state_dir(root).joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def copy_into_state(root: Path, parts: Sequence[str], source: Path) -> None:
    """Keep a copy of `source` (its bytes and times) as `.breakit/<parts>`."""
    path = state_dir(root).joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, path)


def remove_state_tree(root: Path, parts: Sequence[str]) -> None:
    """Delete the folder `.breakit/<parts>` and all it holds, if it is there."""
    shutil.rmtree(state_file(root, *parts), ignore_errors=True)


class Store:
    """The engine's files in `.breakit/` (the learner's go through `write_state_json` and
    the functions beside it)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.dir = self.root / STATE_DIR

    def _write(self, name: str, data: Any) -> None:
        write_json(state_dir(self.root) / name, data)

    def _read(self, name: str) -> Any:
        return read_json(self.dir / name)

    # --- baseline ---------------------------------------------------------------------------

    def load_baseline(self, key: str) -> Baseline | None:
        data = self._read("baseline.json")
        if not data or data.get("key") != key:
            return None
        try:
            return Baseline(tests=tuple(data["tests"]), run=run_from_json(data["run"]), key=key)
        except (KeyError, TypeError, ValueError):
            return None

    def save_baseline(self, baseline: Baseline, engine: EngineRecord | None = None) -> None:
        """Cache `baseline`, with what the engine learnt from it (breakit.store.engine_record)."""
        self._write(
            "baseline.json",
            {
                "key": baseline.key,
                "tests": list(baseline.tests),
                "run": run_to_json(baseline.run),
                "engine": (engine or EngineRecord()).to_json(),
            },
        )

    def load_engine(self, key: str) -> EngineRecord:
        """The engine record saved with the baseline of `key` (an empty one if there is none)."""
        data = self._read("baseline.json")
        if not isinstance(data, dict) or data.get("key") != key:
            return EngineRecord()
        return EngineRecord.from_json(data.get("engine"))

    def is_sane(self, key: str) -> bool:
        """The forced-fail sanity run passed under `key` (sanity_key) before."""
        data = self._read("sane.json")
        return isinstance(data, dict) and data.get("key") == key

    def save_sane(self, key: str) -> None:
        self._write("sane.json", {"key": key})

    def load_proof(self, key: str) -> dict[str, set[tuple[str, int]]] | None:
        """The NoCoverage proof run under `key` (sanity_key): the (path, line)s it was
        asked about, those it could mark, and those a test ran after all; None if none."""
        data = self._read("coverage_proof.json")
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        try:
            return {
                name: {(str(p), int(n)) for p, n in data[name]}
                for name in ("asked", "checked", "hit")
            }
        except (KeyError, TypeError, ValueError):
            return None

    def save_proof(self, key: str, found: dict[str, set[tuple[str, int]]]) -> None:
        self._write(
            "coverage_proof.json",
            {"key": key, **{name: sorted(found[name]) for name in ("asked", "checked", "hit")}},
        )

    # --- last known results -----------------------------------------------------------------

    def last_results(self) -> dict[str, dict[str, Any]]:
        return self._read("results.json") or {}

    def record(self, matrix: KillMatrix) -> None:
        """Each mutant's last result: its verdict, what caught it (all of them, or with `matrix`
        first-catch only those seen before the stop), and where it is (engine.order reads it)."""
        results = self.last_results()
        for result in matrix.results:
            entry: dict[str, Any] = {
                "verdict": result.verdict.value,
                "caught_by": list(result.catchers),
                "errored_in": list(result.errored_in),
                "tests": len(matrix.tests),
                "matrix": matrix.mode,
            }
            if result.mutant.location is not None:
                where = result.mutant.location
                entry["location"] = {"path": where.path, "line": where.start_line}
            results[result.mutant.id] = entry
        self._write("results.json", results)

    def save_last_run(self, document: dict[str, Any]) -> None:
        """The last check's matrix, as breakit.store.last_run makes it (for `breakit tests`).
        Compact:
        it holds every test and every mutant."""
        write_compact_json(state_dir(self.root) / LAST_RUN, document)

    def load_last_run(self) -> Any:
        return self._read(LAST_RUN)

    # --- incremental runs: results keyed by everything they depend on -----------------------

    def cached_results(self) -> dict[str, dict[str, Any]]:
        """Result key (ResultKeys.key) → a MutantResult's JSON, from earlier runs: those of
        `cache.json`, and those an interrupted run journaled after it."""
        cache = unpack_cache(self._read(CACHE))
        cache.update(read_journal(self.dir / JOURNAL))
        return cache

    def store_results(
        self, entries: dict[str, dict[str, Any]], used: Iterable[str], *, now: float | None = None
    ) -> None:
        """Add `entries` (a run's new results), and mark them and the keys in `used` (the keys
        of every mutant of the run: those it reused too) as used `now`. Nothing else is dropped
        but by age and size (store_results.keep_cached): a run of some mutants (ids, `--file`,
        `--operator`, `--match`, `--since`, a shard, `apply`) keeps every other mutant's result.
        The journal is folded in (as used now), then removed."""
        now = time.time() if now is None else now
        journaled = read_journal(self.dir / JOURNAL)
        packed = updated_cache(self._read(CACHE), journaled, entries, used, now)
        # Compact, not indented like the other files: it holds every test of every mutant.
        write_compact_json(state_dir(self.root) / CACHE, packed)
        self.discard_journal()

    @contextlib.contextmanager
    def journal(self) -> Iterator[ResultJournal]:
        """The journal to add each result to as it finishes (breakit.store.result_files)."""
        state_dir(self.root)
        with (self.dir / JOURNAL).open("ab") as file:
            if file.tell() and not ends_with_newline(self.dir / JOURNAL):
                file.write(b"\n")  # after a line cut short by SIGKILL: start a fresh one
            yield ResultJournal(file)

    def discard_journal(self) -> None:
        with contextlib.suppress(OSError):
            (self.dir / JOURNAL).unlink()

    # --- curated mutants, as breakit.mutants.codemod computed them (breakit.mutants.mutant_cache)
    # -----------

    def cached_mutants(self) -> dict[str, dict[str, Any]]:
        """Mutation id → its Mutant's JSON and the key it was computed under."""
        data = self._read("mutants.json")
        return data if isinstance(data, dict) else {}

    def store_mutants(self, entries: dict[str, dict[str, Any]]) -> None:
        self._write("mutants.json", entries)
