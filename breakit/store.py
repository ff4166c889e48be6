"""The .breakit/ folder, the one module that reads and writes it: the cached Baseline, the
result cache and its keys (`ResultKeys`, `sanity_key`), the last known result of every mutant
and the last check's matrix (breakit.last_run),
curated mutants (breakit.mutant_cache) and the learner's files (`read_json`/`write_json` in
`state_dir`).

It lives at the project root, holds its own `.gitignore` (so it is never committed, whatever
the project's ignore rules say), and is only ever a cache: deleting it loses nothing.

Results are kept as they finish, not only at the end of a run: each one is appended to
`journal.jsonl` (one line, flushed), which `cached_results` reads on top of `cache.json`, and a run
that ends normally folds into `cache.json` (then removes). A run stopped by Ctrl-C, SIGTERM or
SIGKILL therefore loses no finished mutant; a line cut short by SIGKILL is skipped. A run adds to
`cache.json`, whatever it selected; entries go by age and number only (`keep_cached`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from breakit import __version__
from breakit.config import Config
from breakit.engine.fork.warm_client import fingerprint
from breakit.engine.workspace import DEFAULT_IGNORE, DEFAULT_IGNORE_TOP
from breakit.model import (
    Baseline,
    KillMatrix,
    Mutant,
    SuiteRun,
    TestOutcome,
)
from breakit.result_cache import cache_use, outcomes_from_json, pack_cache, unpack_cache

STATE_DIR = ".breakit"
JOURNAL = "journal.jsonl"
LAST_RUN = "last_run.json"  # the last check's kill matrix, for `breakit tests`
_IGNORE = "# breakit's cache and progress: never committed\n*\n"
# The result cache drops an entry no run used for CACHE_MAX_AGE_DAYS, and keeps at most
# CACHE_RUNS times as many entries as the most one run used (a full run: about one per mutant),
# and at least CACHE_MIN_ENTRIES, the most recently used first (keep_cached). A full run and
# a first-catch run of the same code use an entry a mutant each: 3 runs' worth keeps both, and
# those of the code as it was before an edit.
CACHE_MAX_AGE_DAYS = 30
CACHE_RUNS = 3
CACHE_MIN_ENTRIES = 2_000


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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)  # atomic: an interrupted write never leaves half a file


def project_files(root: Path) -> Iterable[Path]:
    """Every file a test run could depend on: Python, and pytest/packaging configuration.

    Skips what the Workspace does not copy either (virtualenvs, caches, VCS folders).
    """
    for folder, dirs, files in os.walk(root):
        at_top = Path(folder) == root
        dirs[:] = sorted(
            d
            for d in dirs
            if not any(fnmatch(d, pattern) for pattern in DEFAULT_IGNORE)
            and not (at_top and d in DEFAULT_IGNORE_TOP)
            and not (Path(folder) / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if name.endswith((".py", ".toml", ".ini", ".cfg")):
                yield Path(folder) / name


@functools.cache
def breakit_key() -> str:
    """A hash of breakit's own code: what a cached baseline or result means (which lines a test
    covers, what counts as caught) changes with it, and an editable or git install changes it
    without changing `__version__`."""
    digest = hashlib.sha256(f"breakit {__version__}\0".encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def content_key(root: Path) -> str:
    """A hash of the source and tests, and of breakit's code: a cached baseline is valid while
    this is unchanged."""
    digest = hashlib.sha256(breakit_key().encode())
    for path in project_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


class Store:
    """The engine's files in `.breakit/` (the learner's own go through `state_dir`)."""

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

    def save_baseline(self, baseline: Baseline, engine: dict[str, Any] | None = None) -> None:
        """Cache `baseline`, with what the engine learnt from it (`engine`: the modules a fork
        worker preloads, the suite's startup time)."""
        self._write(
            "baseline.json",
            {
                "key": baseline.key,
                "tests": list(baseline.tests),
                "run": run_to_json(baseline.run),
                "engine": engine or {},
            },
        )

    def load_engine(self, key: str) -> dict[str, Any]:
        """The engine's notes saved with the baseline of `key` ({} if there are none)."""
        data = self._read("baseline.json")
        if not data or data.get("key") != key or not isinstance(data.get("engine"), dict):
            return {}
        return data["engine"]

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
        """The last check's matrix, as breakit.last_run makes it (for `breakit tests`). Compact:
        it holds every test and every mutant."""
        path = state_dir(self.root) / LAST_RUN
        tmp = path.with_name(f".{LAST_RUN}.tmp")
        tmp.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)

    def load_last_run(self) -> Any:
        return self._read(LAST_RUN)

    # --- incremental runs: results keyed by everything they depend on -----------------------

    def cached_results(self) -> dict[str, dict[str, Any]]:
        """Result key (ResultKeys.key) → a MutantResult's JSON, from earlier runs: those of
        `cache.json`, and those an interrupted run journaled after it."""
        cache = unpack_cache(self._read("cache.json"))
        cache.update(self._journaled())
        return cache

    def store_results(
        self, entries: dict[str, dict[str, Any]], used: Iterable[str], *, now: float | None = None
    ) -> None:
        """Add `entries` (a run's new results), and mark them and the keys in `used` (the keys
        of every mutant of the run: those it reused too) as used `now`. Nothing else is dropped
        but by age and size (`keep_cached`): a run of some mutants (ids, `--file`, `--operator`,
        `--match`, `--since`, a shard, `apply`) keeps every other mutant's result. The journal
        is folded in (as used now), then removed."""
        now = time.time() if now is None else now
        data = self._read("cache.json")
        cache = unpack_cache(data)
        stamps, largest = cache_use(data)
        journaled = self._journaled()
        cache.update(journaled)
        cache.update(entries)
        run = {key for key in used if key in cache} | set(entries)
        # An entry of an older breakit's cache.json has no date: it counts from now.
        stamps = {key: stamps.get(key, now) for key in cache}
        stamps.update(dict.fromkeys((*journaled, *run), now))
        largest = max(largest, len(run))
        limit = max(CACHE_MIN_ENTRIES, CACHE_RUNS * largest)
        kept = keep_cached(stamps, now=now, limit=limit)
        cache = {key: entry for key, entry in cache.items() if key in kept}
        path = state_dir(self.root) / "cache.json"
        tmp = path.with_name(".cache.json.tmp")
        # Compact, not indented like the other files: it holds every test of every mutant.
        packed = pack_cache(cache, stamps, largest)
        tmp.write_text(json.dumps(packed, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)
        self.discard_journal()

    @contextlib.contextmanager
    def journal(self) -> Iterator[ResultJournal]:
        """The journal to add each result to as it finishes (see the module docstring)."""
        state_dir(self.root)
        with (self.dir / JOURNAL).open("ab") as file:
            if file.tell() and not _ends_with_newline(self.dir / JOURNAL):
                file.write(b"\n")  # after a line cut short by SIGKILL: start a fresh one
            yield ResultJournal(file)

    def discard_journal(self) -> None:
        with contextlib.suppress(OSError):
            (self.dir / JOURNAL).unlink()

    def _journaled(self) -> dict[str, dict[str, Any]]:
        try:
            raw = (self.dir / JOURNAL).read_bytes()
        except OSError:
            return {}
        entries = {}
        for line in raw.splitlines():
            try:
                item = json.loads(line)
                key, result = item["key"], item["result"]
            except (ValueError, TypeError, KeyError):
                continue  # a line cut short
            if isinstance(key, str) and isinstance(result, dict):
                entries[key] = result
        return entries

    # --- curated mutants, as breakit.codemod computed them (breakit.mutant_cache) -----------

    def cached_mutants(self) -> dict[str, dict[str, Any]]:
        """Mutation id → its Mutant's JSON and the key it was computed under."""
        data = self._read("mutants.json")
        return data if isinstance(data, dict) else {}

    def store_mutants(self, entries: dict[str, dict[str, Any]]) -> None:
        self._write("mutants.json", entries)


def keep_cached(used: Mapping[str, float], *, now: float, limit: int) -> set[str]:
    """The result cache's entries to keep, from when each was last used (`used`, Unix seconds):
    those a run used in the last CACHE_MAX_AGE_DAYS, at most `limit` of them, the most recently
    used first. What a run selected never decides it: an entry stays while it may serve again
    (the same mutant in another run, or the project back as it was: a branch switched back, an
    edit undone)."""
    cutoff = now - CACHE_MAX_AGE_DAYS * 86400
    recent = sorted((k for k, t in used.items() if t >= cutoff), key=lambda k: (-used[k], k))
    return set(recent[:limit])


class ResultKeys:
    """The cache key of a mutant's result: a hash of everything the result depends on.

    That is the mutant's own changes, every project file that is not a test module (the source,
    conftest.py files, pyproject.toml and pytest's other configuration), the ids of the tests it
    runs and the content of the test modules holding them. A changed test module therefore
    invalidates only the mutants that run one of its tests; a new test that covers a mutant
    changes the tests it runs (the baseline's coverage says so), and with them its key. A
    first-catch result (only its first catching tests run) has a key of its own: a full run
    never reuses it, while a first-catch run may reuse a full result (the same verdict, more
    catching tests).
    """

    def __init__(self, config: Config) -> None:
        self.root = config.root
        tested = [PurePosixPath(t.split("::")[0]) for t in config.tests]
        self.test_files: dict[str, bytes] = {}
        common = hashlib.sha256(breakit_key().encode())
        for path in project_files(self.root):
            rel = path.relative_to(self.root).as_posix()
            content = path.read_bytes()
            is_test = path.name != "conftest.py" and any(
                PurePosixPath(rel) == t or t in PurePosixPath(rel).parents for t in tested
            )
            if is_test:
                self.test_files[rel] = content
            else:
                common.update(rel.encode() + b"\0" + content + b"\0")
        self.common = common.hexdigest()

    def key(
        self, mutant: Mutant, chosen: tuple[str, ...] | None, *, first_catch: bool = False
    ) -> str:
        digest = hashlib.sha256(self.common.encode())
        if first_catch:
            digest.update(b"\0first-catch")
        for path, content in sorted(mutant.changes.items()):
            digest.update(f"\0change {path}\0".encode())
            digest.update(b"<deleted>" if content is None else content.encode())
        if chosen is None:
            digest.update(b"\0every test")
            files = sorted(self.test_files)
        else:
            digest.update(("\0tests " + "\n".join(sorted(chosen))).encode())
            files = sorted({nodeid.split("::")[0] for nodeid in chosen})
        for rel in files:
            digest.update(f"\0file {rel}\0".encode())
            digest.update(self.test_files.get(rel, b"<not a test module>"))
        return digest.hexdigest()[:24]

    def both(
        self, mutants: Sequence[Mutant], plans: Sequence[tuple[str, ...] | None]
    ) -> tuple[list[str | None], list[str | None]]:
        """Per mutant, the key of its full result and of its first-catch result; None for a
        mutant that runs no test (NoCoverage: never cached)."""
        full: list[str | None] = []
        first: list[str | None] = []
        for mutant, chosen in zip(mutants, plans, strict=True):
            full.append(None if chosen == () else self.key(mutant, chosen))
            first.append(None if chosen == () else self.key(mutant, chosen, first_catch=True))
        return full, first


def sanity_key(
    baseline_key: str, modules: Sequence[str], project: Sequence[str], backend: str
) -> str:
    """What the forced-fail sanity run's verdict (and the NoCoverage proof) depends on: the
    project's files (the baseline's key covers every source, test and configuration file) and
    where the tests import from (the Python, sys.path and its installs, the environment: the
    warm pool's fingerprint)."""
    where = fingerprint(modules, project, dict(os.environ))
    return f"{baseline_key}-{where}-{backend}"


class ResultJournal:
    """Appends one result per line to the open journal, flushed to the OS at once: a process
    killed right after `add` returns still leaves the whole line."""

    def __init__(self, file: Any) -> None:
        self._file = file

    def add(self, key: str, entry: dict[str, Any]) -> None:
        line = json.dumps({"key": key, "result": entry}, separators=(",", ":"))
        self._file.write(line.encode() + b"\n")
        self._file.flush()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def run_to_json(run: SuiteRun) -> dict[str, Any]:
    return {
        "outcomes": {n: _baseline_outcome(o) for n, o in run.outcomes.items()},
        "order": list(run.order),
        "duration_s": run.duration_s,
        "exit_status": run.exit_status,
        "timed_out": run.timed_out,
        "error": run.error,
        "coverage": None
        if run.coverage is None
        else {n: sorted([p, line] for p, line in lines) for n, lines in run.coverage.items()},
    }


def _baseline_outcome(outcome: TestOutcome) -> dict[str, Any]:
    # CPU and queued times only where measured: a cache without them still loads (as None).
    data: dict[str, Any] = {**outcome.to_json(), "longrepr": outcome.longrepr}
    if outcome.cpu_s is not None:
        data["cpu_s"] = outcome.cpu_s
        data["queued_s"] = outcome.queued_s
    return data


def run_from_json(data: dict[str, Any]) -> SuiteRun:
    coverage = data.get("coverage")
    return SuiteRun(
        outcomes=outcomes_from_json(data["outcomes"]),
        order=tuple(data["order"]),
        duration_s=data["duration_s"],
        exit_status=data["exit_status"],
        timed_out=data.get("timed_out", False),
        error=data.get("error"),
        coverage=None
        if coverage is None
        else {n: frozenset((p, line) for p, line in lines) for n, lines in coverage.items()},
    )
