"""The result cache's files, for breakit.store.gateway (which alone opens and writes them): what
`cache.json` holds after a run (`updated_cache`: entries added, dated and pruned), the journal's
lines (`ResultJournal` appends one per finished result, `read_journal` reads them back).

Results are kept as they finish, not only at the end of a run: each one is appended to the
journal (one line, flushed), which `Store.cached_results` reads on top of `cache.json`, and a
run that ends normally folds into `cache.json` (then removes). A run stopped by Ctrl-C, SIGTERM
or SIGKILL therefore loses no finished mutant; a line cut short by SIGKILL is skipped. A run adds
to `cache.json`, whatever it selected; entries go by age and number only (`keep_cached`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from breakit.store.result_cache import cache_use, pack_cache, unpack_cache

# The result cache drops an entry no run used for CACHE_MAX_AGE_DAYS, and keeps at most
# CACHE_RUNS times as many entries as the most one run used (a full run: about one per mutant),
# and at least CACHE_MIN_ENTRIES, the most recently used first (keep_cached). A full run and
# a first-catch run of the same code use an entry a mutant each: 3 runs' worth keeps both, and
# those of the code as it was before an edit.
CACHE_MAX_AGE_DAYS = 30
CACHE_RUNS = 3
CACHE_MIN_ENTRIES = 2_000


def updated_cache(
    data: Any,
    journaled: dict[str, dict[str, Any]],
    entries: dict[str, dict[str, Any]],
    used: Iterable[str],
    now: float,
) -> dict[str, Any]:
    """cache.json's new content, from its old (`data`, as read), the journal's entries and a
    run's new ones (`entries`), the journaled, new and `used` entries marked as used `now`
    (see Store.store_results); pruned by `keep_cached`."""
    cache = unpack_cache(data)
    stamps, largest = cache_use(data)
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
    return pack_cache(cache, stamps, largest)


def keep_cached(used: Mapping[str, float], *, now: float, limit: int) -> set[str]:
    """The result cache's entries to keep, from when each was last used (`used`, Unix seconds):
    those a run used in the last CACHE_MAX_AGE_DAYS, at most `limit` of them, the most recently
    used first. What a run selected never decides it: an entry stays while it may serve again
    (the same mutant in another run, or the project back as it was: a branch switched back, an
    edit undone)."""
    cutoff = now - CACHE_MAX_AGE_DAYS * 86400
    recent = sorted((k for k, t in used.items() if t >= cutoff), key=lambda k: (-used[k], k))
    return set(recent[:limit])


class ResultJournal:
    """Appends one result per line to the open journal, flushed to the OS at once: a process
    killed right after `add` returns still leaves the whole line."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def add(self, key: str, entry: dict[str, Any]) -> None:
        line = json.dumps({"key": key, "result": entry}, separators=(",", ":"))
        self._file.write(line.encode() + b"\n")
        self._file.flush()


def read_journal(path: Path) -> dict[str, dict[str, Any]]:
    """The journal's entries by key (none if there is no journal); a line cut short is
    skipped."""
    try:
        raw = path.read_bytes()
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


def ends_with_newline(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"
