"""Watch mode's loop: run once, then again on every save of the project's Python or config files.

Uses watchfiles (maintained, Rust-backed). `.breakit/`, caches and virtualenvs are ignored, so
breakit's own writes never trigger a run. Ctrl-C, during a run or while waiting, ends the loop
cleanly: `watch_loop` returns normally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

from breakit.store.gateway import STATE_DIR

WATCHED_SUFFIXES = (".py", ".toml", ".ini", ".cfg")


class ProjectFilter(watchfiles.DefaultFilter):
    """The files a test run depends on; never breakit's own folder."""

    def __init__(self) -> None:
        super().__init__(ignore_dirs=(*watchfiles.DefaultFilter.ignore_dirs, STATE_DIR))

    def __call__(self, kind: watchfiles.Change, path: str) -> bool:
        return path.endswith(WATCHED_SUFFIXES) and super().__call__(kind, path)


def changed_paths(root: Path, events: Iterable[tuple[watchfiles.Change, str]]) -> list[str]:
    found = set()
    for _kind, path in events:
        try:
            found.add(Path(path).resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            found.add(path)
    return sorted(found)


def watch_loop(
    root: Path,
    cycle: Callable[[list[str]], None],
    *,
    debounce_ms: int = 400,
    stop_after: int | None = None,
) -> int:
    """Call `cycle([])` now, then `cycle(changed paths)` after every batch of saves.

    Returns how many cycles ran; `stop_after` (for scripted use) stops after that many.
    """
    runs = 0
    try:
        cycle([])
        runs += 1
        if stop_after is not None and runs >= stop_after:
            return runs
        for events in watchfiles.watch(
            root, watch_filter=ProjectFilter(), debounce=debounce_ms, raise_interrupt=False
        ):
            cycle(changed_paths(root, events))
            runs += 1
            if stop_after is not None and runs >= stop_after:
                break
    except KeyboardInterrupt:
        pass
    return runs
