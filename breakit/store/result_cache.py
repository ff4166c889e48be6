"""The result cache's format: a MutantResult as the journal and `.breakit/cache.json` keep it
(breakit.store.gateway reads and writes the files).

A result is mostly passing tests: pyjwt's 690 generated mutants ran 327 750 tests, 92 % of them
passing, and the format of breakit 0.1 (every test with its outcome, message, time and failure text,
every node id spelt out in each entry) made a 173 MB cache.json that took over 1 GB to write. Now a
passing or deselected test is only its node id, and cache.json names each test once, in a table, its
entries naming tests by their positions there (breakit.core.ranges).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breakit.core.model import Mutant, MutantResult, Verdict
from breakit.core.outcome_codec import LISTED, tests_from_lists, tests_to_lists
from breakit.core.ranges import format_ranges, format_sequence, parse_ranges

__all__ = [
    "cache_use",
    "pack_cache",
    "result_from_json",
    "result_to_json",
    "unpack_cache",
]


def result_to_json(result: MutantResult) -> dict[str, Any]:
    """A result as the journal and the cache keep it: its passing tests by node id only (most of a
    result: pyjwt's mutants run 475 tests each at most and catch with a few), the others with their
    outcome, message and (brief, breakit.core.failure_text) failure text
    (breakit.core.outcome_codec.tests_to_lists)."""
    return {
        "verdict": result.verdict.value,
        **tests_to_lists(result.tests),
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
            tests=tests_from_lists(data),
            order=tuple(data["order"]),
            duration_s=float(data["duration_s"]),
            error=data.get("error"),
            cached=True,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


# cache.json names each test once, in a table: its entries name tests by their positions there.
_CACHE_FORMAT = 2


def pack_cache(
    cache: dict[str, dict[str, Any]], used: Mapping[str, float] | None = None, largest_run: int = 0
) -> dict[str, Any]:
    """cache.json's content: `cache`'s entries, with when each was last used (`used`: Unix
    seconds, breakit.store.gateway's pruning) and the most entries one run used (`largest_run`)."""
    table: dict[str, int] = {}

    def at(nodeid: str) -> int:
        return table.setdefault(nodeid, len(table))

    results = {}
    for key, entry in cache.items():
        packed = dict(entry)
        for kind in LISTED:
            if isinstance(entry.get(kind), list):
                packed[kind] = format_ranges(at(n) for n in entry[kind])
        if isinstance(entry.get("order"), list):
            packed["order"] = format_sequence([at(n) for n in entry["order"]])
        results[key] = packed
    stamps = {key: round(used[key]) for key in results if used is not None and key in used}
    return {
        "format": _CACHE_FORMAT,
        "tests": list(table),
        "results": results,
        "used": stamps,
        "largest_run": largest_run,
    }


def unpack_cache(data: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        return {}  # missing, unreadable or written by an older breakit: only a cache
    try:
        table = [str(t) for t in data["tests"]]
        cache = {}
        for key, entry in data["results"].items():
            unpacked = dict(entry)
            for kind in LISTED:
                unpacked[kind] = [table[i] for i in parse_ranges(entry.get(kind, ""))]
            unpacked["order"] = [table[i] for i in parse_ranges(entry.get("order", ""))]
            cache[key] = unpacked
        return cache
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return {}


def cache_use(data: Any) -> tuple[dict[str, float], int]:
    """cache.json's record of use: when each entry was last used (an entry missing here, as in
    a cache.json of an older breakit, is not in it) and the most entries one run used."""
    if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
        return {}, 0
    used = data.get("used")
    largest = data.get("largest_run")
    stamps = (
        {k: float(t) for k, t in used.items() if isinstance(t, int | float)}
        if isinstance(used, dict)
        else {}
    )
    return stamps, largest if isinstance(largest, int) else 0
