"""One run's mutants and the result cache (docs/architecture.md, "Incremental runs"): which
cached results the run reuses, and under which key each fresh result is kept.

Each mutant has two keys (breakit.cache_keys.ResultKeys): its full result's and its first-catch
result's. A full result serves a first-catch run (same verdict, more catching tests), never the
reverse. A mutant that reaches no test has no key: NoCoverage is never cached, the proof run
settles it (breakit.engine.no_coverage). A timeout is never kept: it depends on the machine's
load as much as on the code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from breakit.cache_keys import ResultKeys
from breakit.config import Config
from breakit.engine.selection import TestPlan
from breakit.model import Mutant, MutantResult, Verdict
from breakit.result_cache import result_from_json, result_to_json

CACHEABLE = frozenset(Verdict) - {Verdict.TIMEOUT}


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
