"""The engine record: what the baseline's run told the engine besides the tests' outcomes, saved
with the baseline (`.breakit/baseline.json`, key "engine") and read back with it.

A fork worker preloads `modules`; a mutant's timeout counts `startup_s` and the `untraced_s` times
(breakit.baseline.timing); the memory ceiling scales with `peak_rss_kb` (breakit.runners.memlimit);
`set_aside` are the notes on the user's options breakit sets aside (breakit.baseline.user_setup). A
file written by an older breakit, or hand-edited, reads as the fields it has right: a wrong one
reads as unknown, which costs a longer timeout or a cold worker, never a wrong verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EngineRecord:
    modules: tuple[str, ...] = ()  # the third-party modules the suite imports, for preloading
    startup_s: float | None = None  # the suite's run less its tests' time (None: unknown)
    peak_rss_kb: float | None = None  # the baseline process's peak memory (None: unknown)
    set_aside: tuple[str, ...] = ()  # one note per user option breakit sets aside
    # Each test's time in a run without the coverage tracer, where one ran (baseline.timing).
    untraced_s: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "modules": list(self.modules),
            "startup_s": self.startup_s,
            "peak_rss_kb": self.peak_rss_kb,
            "set_aside": list(self.set_aside),
        }
        if self.untraced_s:
            data["untraced_s"] = dict(self.untraced_s)
        return data

    @classmethod
    def from_json(cls, data: object) -> EngineRecord:
        if not isinstance(data, dict):
            return cls()
        untraced = data.get("untraced_s")
        return cls(
            modules=_strings(data.get("modules")),
            startup_s=_number(data.get("startup_s")),
            peak_rss_kb=_number(data.get("peak_rss_kb")),
            set_aside=_strings(data.get("set_aside")),
            untraced_s=(
                {k: float(v) for k, v in untraced.items() if _number(v) is not None}
                if isinstance(untraced, dict)
                else {}
            ),
        )


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
