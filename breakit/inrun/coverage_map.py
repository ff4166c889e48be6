"""Per-test coverage of the source under test, recorded during the baseline run.

`CoverageRecorder` is a pytest plugin: it starts recording lines before the project's conftest
files are imported, switches the recording's context at every test phase, and at the end writes a
JSON map `{key: [[path, line], …]}` of the lines of the source (paths relative to the project
root) each key executed. Keys are test node ids plus two that are never node ids:

- IMPORT_TIME: lines run outside any test — module bodies, decorators and their arguments,
  class bodies, `Field(...)` defaults — during collection or at the session's start and end;
- FIXTURES: lines run while setting up or tearing down any test's fixtures. A fixture of a wider
  scope than the function runs in the first test that needs it but serves all that follow, so
  (like import-time lines) these lines select every test.

Memoized results are forgotten before every test: a source function under `functools.lru_cache`
or `functools.cache` that an earlier test filled would otherwise skip its body in every later test
that needs the same value, and those tests would not be selected for its mutants although, with
the mutant applied, they reach it (docs/field.md, disagreement 5: more-itertools' `_shift_to_odd`).
Only the caches of source functions are cleared, and only in this recording run: a cache is
transparent by contract, so clearing it changes which lines run, not what a test sees.

Two cores record the lines: on Python 3.12+ breakit.inrun.line_events (`sys.monitoring`, one
callback per line per test phase: a baseline at about the cost of a plain run), elsewhere
coverage.py's tracer with dynamic contexts (`CoveragePyCore`; BREAKIT_COVERAGE_CORE=coverage
chooses it on 3.12+ too). Both see every thread (coverage.py's default "thread" concurrency):
FastAPI runs plain `def` handlers in a thread-pool worker, not in the test's thread, and a line
counts for the context current when it runs.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from breakit.core.config import entry_matches, glob_base, is_glob

# The map's keys, its settings and its reader live in breakit.core.run_records, which needs no
# pytest.
from breakit.core.run_records import CORE_ENV, FIXTURES, IMPORT_TIME
from breakit.inrun import line_events
from breakit.inrun.import_probe import import_time_lines
from breakit.inrun.line_events import LineEvents

_SEP = "\x1f"  # between a node id and its phase in a coverage context
_LRU_WRAPPER = functools._lru_cache_wrapper  # the type of lru_cache's and cache's wrappers


class CoverageRecorder:
    """Records which source lines each test runs; `out` receives the JSON map at session end."""

    def __init__(self, out: Path, root: Path, source: list[Path]) -> None:
        self.out = out
        self.root = root.resolve()
        # The source entries (files, folders, globs), relative to the root.
        self.entries = [_relative(p, self.root) for p in source]
        self._is_source: dict[str, bool] = {}  # by code filename
        self.core: LineEvents | CoveragePyCore
        if os.environ.get(CORE_ENV, "") != "coverage" and line_events.available():
            self.core = LineEvents(self._source_file)
        else:
            self.core = CoveragePyCore(self.root, self.entries)
        self._written = False
        self.preimported: list[str] = []  # source files imported before coverage started
        self._preimported_modules: list[str] = []  # their modules, in import order
        self._start_path: list[str] = []  # sys.path when coverage started
        self._caches: list[Any] = []  # the lru_cache wrappers of source functions
        self._modules_seen = -1  # len(sys.modules) when _caches was last gathered

    @property
    def traces(self) -> bool:
        """True when the core is a tracer that slows every source line (coverage.py's): the
        run's test times are then not a plain run's, so breakit times the suite again."""
        return isinstance(self.core, CoveragePyCore)

    def start(self) -> None:
        self.core.start()
        self.core.switch("")
        self.preimported = self._source_files_imported()

    def _source_files_imported(self) -> list[str]:
        """Source files already imported when coverage starts, so whose import-time lines it never
        saw (breakit.inrun.import_probe finds them at the end); their modules' names, in
        import order, go to `_preimported_modules`."""
        found = []
        self._preimported_modules = []
        self._start_path = list(sys.path)
        for name, module in list(sys.modules.items()):
            filename = getattr(module, "__file__", None)
            if not filename or not filename.endswith(".py"):
                continue
            rel = self._rel_source(filename)
            if rel is not None:
                found.append(rel)
                self._preimported_modules.append(name)
        return sorted(found)

    def _import_time_of_preimported(self) -> set[tuple[str, int]]:
        """The preimported files' import-time lines: those the probe saw run at import, or
        every line of them if it could not run."""
        files = [str(self.root / rel) for rel in self.preimported]
        probed = import_time_lines(
            self._preimported_modules, files, str(self.root), self._start_path
        )
        lines: set[tuple[str, int]] = set()
        if probed is not None:
            for filename, numbers in probed.items():
                rel = self._rel_source(filename)
                if rel is not None:
                    lines.update((rel, n) for n in numbers)
            seen = {rel for rel, _ in lines}
        else:
            seen = set()
        for rel in self.preimported:
            if rel in seen:
                continue
            text = (self.root / rel).read_text(encoding="utf-8", errors="replace")
            lines.update((rel, n) for n in range(1, len(text.splitlines()) + 1))
        return lines

    def _rel_source(self, filename: str) -> str | None:
        """`filename` relative to the root if it is a source file the entries name, else None."""
        if not filename:
            return None
        try:
            rel = Path(filename).resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            return None
        return rel if any(entry_matches(rel, entry) for entry in self.entries) else None

    def _source_file(self, filename: str) -> bool:
        known = self._is_source.get(filename)
        if known is None:
            known = self._is_source[filename] = self._rel_source(filename) is not None
        return known

    def _forget_memoized(self) -> None:
        """Clear every lru_cache of a source function (gathered again when modules were imported
        since the last look: a wrapper is made when its module is imported)."""
        if len(sys.modules) != self._modules_seen:
            self._modules_seen = len(sys.modules)
            self._caches = [
                obj
                for obj in gc.get_objects()
                if isinstance(obj, _LRU_WRAPPER) and self._source_file(_code_file(obj))
            ]
        for cache in self._caches:
            cache.cache_clear()

    def _phase(self, item: pytest.Item, phase: str) -> Iterator[None]:
        self.core.switch(f"{item.nodeid}{_SEP}{phase}")
        try:
            return (yield)
        finally:
            self.core.switch("")

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        self._forget_memoized()
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        return (yield from self._phase(item, "teardown"))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        self.write()

    def write(self) -> None:
        if self._written:
            return
        self._written = True
        found: dict[str, set[tuple[str, int]]] = {IMPORT_TIME: set(), FIXTURES: set()}
        relative: dict[str, str | None] = {}
        for filename, line, context in self.core.stop():
            if filename not in relative:
                relative[filename] = self._rel_source(filename)
            rel = relative[filename]
            if rel is None:
                continue
            nodeid, _, phase = context.partition(_SEP)
            if not nodeid:
                found[IMPORT_TIME].add((rel, line))
                continue
            found.setdefault(nodeid, set()).add((rel, line))
            if phase != "call":
                found[FIXTURES].add((rel, line))
        if self.preimported:
            found[IMPORT_TIME].update(self._import_time_of_preimported())
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps({k: sorted(v) for k, v in found.items()}))
        os.replace(tmp, self.out)


class CoveragePyCore:
    """Per-test lines from coverage.py's tracer with dynamic contexts (Python 3.11, or where
    breakit.inrun.line_events cannot run)."""

    def __init__(self, root: Path, entries: list[str]) -> None:
        import coverage

        # coverage.py reads a `source` entry that is not a folder as a package name, and ignores
        # `include` when `source` is given: so measure the folders that hold the entries (the
        # recorder keeps only the files the entries name). config_file=False: the project's own
        # [tool.coverage] settings must not change what we measure; data_file=None: in memory
        # only, nothing is written into the workspace.
        folders = {root / _folder_of(root, entry) for entry in entries}
        self.cov = coverage.Coverage(
            data_file=None,
            config_file=False,
            source=sorted(str(folder) for folder in folders),
            branch=False,
        )

    def start(self) -> None:
        self.cov.start()

    def switch(self, context: str) -> None:
        self.cov.switch_context(context)

    def stop(self) -> Iterator[tuple[str, int, str]]:
        self.cov.stop()
        data = self.cov.get_data()
        for filename in data.measured_files():
            for line, contexts in data.contexts_by_lineno(filename).items():
                for context in contexts:
                    yield filename, line, context


def _code_file(wrapper: Any) -> str:
    """The file of the function an lru_cache wrapper wraps ("" for a builtin or a callable)."""
    code = getattr(getattr(wrapper, "__wrapped__", None), "__code__", None)
    return code.co_filename if code is not None else ""


def _relative(path: Path, root: Path) -> str:
    """A source entry relative to the root (a glob is not resolved: it names no one file)."""
    text = path.as_posix()
    if not is_glob(text):
        text = path.resolve().as_posix()
    try:
        return Path(text).relative_to(root).as_posix()
    except ValueError:
        return text


def _folder_of(root: Path, entry: str) -> str:
    """The folder coverage.py measures for a source entry: the entry itself if it is a folder,
    else the folder holding the file, or the glob's folders before its first wildcard."""
    if is_glob(entry):
        return glob_base(entry)
    if (root / entry).is_dir():
        return entry
    return Path(entry).parent.as_posix()
