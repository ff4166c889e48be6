"""The .breakit/ folder: the cached Baseline and the last known result of every mutant.

It lives at the project root, holds its own `.gitignore` (so it is never committed, whatever
the project's ignore rules say), and is only ever a cache: deleting it loses nothing.

Results are kept as they finish, not only at the end of a run: each one is appended to
`journal.jsonl` (one line, flushed), which `cached_results` reads on top of `cache.json`, and a run
that ends normally folds into `cache.json` (then removes). A run stopped by Ctrl-C, SIGTERM or
SIGKILL therefore loses no finished mutant; a line cut short by SIGKILL is skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from breakit.model import (
    Baseline,
    KillMatrix,
    Mutant,
    MutantResult,
    Outcome,
    SuiteRun,
    TestOutcome,
    Verdict,
)
from breakit.sandbox import DEFAULT_IGNORE, DEFAULT_IGNORE_TOP

STATE_DIR = ".breakit"
JOURNAL = "journal.jsonl"


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


def content_key(root: Path) -> str:
    """A hash of the source and tests: a cached baseline is valid while this is unchanged."""
    digest = hashlib.sha256()
    for path in project_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


class State:
    def __init__(self, root: Path) -> None:
        self.dir = root / STATE_DIR

    def _ensure_dir(self) -> None:
        self.dir.mkdir(exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# breakit's cache and progress: never committed\n*\n")

    def _write(self, name: str, data: Any) -> None:
        self._ensure_dir()
        tmp = self.dir / f".{name}.tmp"
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        tmp.replace(self.dir / name)  # atomic: an interrupted write never leaves half a file

    def _read(self, name: str) -> Any:
        try:
            return json.loads((self.dir / name).read_text())
        except (OSError, ValueError):
            return None

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
        """The forced-fail sanity run passed under `key` (Lab.sanity_key) before."""
        data = self._read("sane.json")
        return isinstance(data, dict) and data.get("key") == key

    def save_sane(self, key: str) -> None:
        self._write("sane.json", {"key": key})

    def load_proof(self, key: str) -> dict[str, set[tuple[str, int]]] | None:
        """The NoCoverage proof run under `key` (Lab.sanity_key): the (path, line)s it was
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
        results = self.last_results()
        for result in matrix.results:
            results[result.mutant.id] = {
                "verdict": result.verdict.value,
                "caught_by": list(result.caught_by),
                "errored_in": list(result.errored_in),
                "tests": len(matrix.tests),
            }
        self._write("results.json", results)

    # --- incremental runs: results keyed by everything they depend on -----------------------

    def cached_results(self) -> dict[str, dict[str, Any]]:
        """Result key (Lab.result_key) → a MutantResult's JSON, from earlier runs: those of
        `cache.json`, and those an interrupted run journaled after it."""
        data = self._read("cache.json")
        cache = data if isinstance(data, dict) else {}
        cache.update(self._journaled())
        return cache

    def store_results(self, entries: dict[str, dict[str, Any]], keep: Iterable[str]) -> None:
        """Add `entries`; keep only the keys in `keep` besides them, so the cache never grows
        past one entry per mutant of the last runs. The journal is folded in, then removed."""
        kept = set(keep)
        cache = {k: v for k, v in self.cached_results().items() if k in kept}
        cache.update(entries)
        self._write("cache.json", cache)
        self.discard_journal()

    @contextlib.contextmanager
    def journal(self) -> Iterator[ResultJournal]:
        """The journal to add each result to as it finishes (see the module docstring)."""
        self._ensure_dir()
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


def result_to_json(result: MutantResult) -> dict[str, Any]:
    return {
        "verdict": result.verdict.value,
        "tests": {n: {**o.to_json(), "longrepr": o.longrepr} for n, o in result.tests.items()},
        "order": list(result.order),
        "duration_s": result.duration_s,
        "error": result.error,
    }


def result_from_json(mutant: Mutant, data: dict[str, Any]) -> MutantResult | None:
    """The cached result for `mutant`, or None if the entry is unreadable."""
    try:
        return MutantResult(
            mutant=mutant,
            verdict=Verdict(data["verdict"]),
            tests=_outcomes_from_json(data["tests"]),
            order=tuple(data["order"]),
            duration_s=float(data["duration_s"]),
            error=data.get("error"),
            cached=True,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _outcomes_from_json(data: dict[str, Any]) -> dict[str, TestOutcome]:
    return {
        n: TestOutcome(
            nodeid=n,
            outcome=Outcome(o["outcome"]),
            message=o.get("message"),
            duration_s=o.get("duration_s", 0.0),
            longrepr=o.get("longrepr"),
            cpu_s=o.get("cpu_s"),
            queued_s=o.get("queued_s"),
        )
        for n, o in data.items()
    }


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
        outcomes=_outcomes_from_json(data["outcomes"]),
        order=tuple(data["order"]),
        duration_s=data["duration_s"],
        exit_status=data["exit_status"],
        timed_out=data.get("timed_out", False),
        error=data.get("error"),
        coverage=None
        if coverage is None
        else {n: frozenset((p, line) for p, line in lines) for n, lines in coverage.items()},
    )
