"""One run's mutants and the result cache (docs/architecture.md, "Incremental runs"): which
cached results the run reuses, and under which key each fresh result is kept.

Each mutant has two keys (`ResultKeys`, below): its full result's and its
first-catch result's. A full result serves a first-catch run (same verdict, more catching tests),
never the reverse. A mutant that reaches no test has no key: NoCoverage is never cached, the proof
run settles it (breakit.engine.no_coverage). A timeout is never kept: it depends on the machine's
load as much as on the code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from breakit.core.config import Config
from breakit.core.model import Mutant, MutantResult, Verdict
from breakit.engine.selection import TestPlan
from breakit.store.cache_keys import breakit_key, project_files
from breakit.store.result_cache import result_from_json, result_to_json

CACHEABLE = frozenset(Verdict) - {Verdict.TIMEOUT}


class ResultKeys:
    """The cache key of a mutant's result: a hash of everything the result depends on.

    That is the mutant's own changes, every project file that is not a test module (the source,
    conftest.py files, pyproject.toml and pytest's other configuration), the ids of the tests it
    runs and the content of the test modules holding them. A changed test module therefore
    invalidates only the mutants that run one of its tests; a new test that covers a mutant changes
    the tests it runs (the baseline's coverage says so), and with them its key. A first-catch result
    (only its first catching tests run) has a key of its own: a full run never reuses it, while a
    first-catch run may reuse a full result (the same verdict, more catching tests).
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
        self, mutants: Sequence[Mutant], plans: Sequence[TestPlan]
    ) -> tuple[list[str | None], list[str | None]]:
        """Per mutant, the key of its full result and of its first-catch result; None for a
        mutant that runs no test (NoCoverage: never cached)."""
        full: list[str | None] = []
        first: list[str | None] = []
        for mutant, plan in zip(mutants, plans, strict=True):
            none = plan.reaches_no_test
            full.append(None if none else self.key(mutant, plan.tests))
            first.append(None if none else self.key(mutant, plan.tests, first_catch=True))
        return full, first


class RunKeys:
    def __init__(
        self,
        config: Config,
        mutants: Sequence[Mutant],
        plans: Sequence[TestPlan],
        *,
        first_catch: bool,
    ) -> None:
        self._keys = ResultKeys(config)
        self.mutants = mutants
        self.first_catch = first_catch
        self.full, self.first_catches = self._keys.both(mutants, plans)

    def reusable(self, cache: Mapping[str, dict[str, Any]]) -> dict[int, MutantResult]:
        """index → the cached result this run may reuse for that mutant."""
        found: dict[int, MutantResult] = {}
        for index, mutant in enumerate(self.mutants):
            data = cache.get(self.full[index] or "")
            if data is None and self.first_catch:
                data = cache.get(self.first_catches[index] or "")
            result = result_from_json(mutant, data) if data else None
            if result is not None:
                found[index] = result
        return found

    def to_whole_suite(self, index: int) -> None:
        """The proof run sent a claimed mutant to the whole suite: key its result so."""
        mutant = self.mutants[index]
        self.full[index] = self._keys.key(mutant, None)
        self.first_catches[index] = self._keys.key(mutant, None, first_catch=True)

    def kept(self, index: int, result: MutantResult) -> tuple[str, dict[str, Any]] | None:
        """The key and JSON `result` is kept under, None if it is not kept."""
        key = (self.first_catches if self.first_catch else self.full)[index]
        if key is None or result.verdict not in CACHEABLE:
            return None
        return key, result_to_json(result)

    def fresh(self, results: Mapping[int, MutantResult]) -> dict[str, dict[str, Any]]:
        """What the run found anew (`results`: index → result), by key, for the cache."""
        kept = (self.kept(index, result) for index, result in results.items())
        return dict(entry for entry in kept if entry is not None)

    def used(self) -> Iterable[str]:
        """Every key of the run's mutants: the cache keeps these and forgets the oldest others."""
        return (key for key in (*self.full, *self.first_catches) if key)
