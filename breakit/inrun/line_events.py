"""Per-test line coverage from `sys.monitoring` (PEP 669, Python 3.12+): the fast core of the
baseline's coverage map (breakit.inrun.coverage_map).

coverage.py's `sys.monitoring` core cannot switch dynamic contexts, and its C tracer pays for
every line executed: on a CPU-heavy suite (more-itertools' recipes) the baseline under it took
3.8× a plain run. The map needs less than coverage.py measures — which lines each test phase ran
at least once — and PEP 669 can answer that for the cost of one callback per line per phase:

- PY_START, global: the first time a code object of the source starts, it gets LINE events of
  its own (`set_local_events`); any other code object's PY_START is DISABLEd at once. Code
  outside the source is never traced line by line.
- LINE, local: records (file, line) under the current context and returns DISABLE, so a line
  costs nothing more until the next context switch.
- A context switch (`switch`) calls `restart_events`, which enables what DISABLE turned off:
  each phase of each test sees the lines it runs, once.

Every thread is seen (events are per interpreter): a line another thread runs counts for the
context current when it runs, as with coverage.py's thread tracing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import CodeType
from typing import Any

# The tool ids PEP 669 reserves for coverage tools and profilers, then the free ones: a user's
# own coverage (pytest-cov on 3.14's sysmon core) may hold the first.
_TOOL_IDS = (1, 2, 3, 4, 5)


def available() -> bool:
    """True where this core can run: Python 3.12+ with a free tool id."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return False
    return any(monitoring.get_tool(i) is None for i in _TOOL_IDS)


class LineEvents:
    """Records which lines of the files `is_source` accepts run under each context."""

    def __init__(self, is_source: Callable[[str], bool]) -> None:
        self._is_source = is_source
        self._seen: dict[str, set[tuple[str, int]]] = {}
        self._current: set[tuple[str, int]] = self._seen.setdefault("", set())
        self._traced: set[CodeType] = set()
        self._tool: int | None = None

    def start(self) -> None:
        monitoring: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
        tool = next(i for i in _TOOL_IDS if monitoring.get_tool(i) is None)
        monitoring.use_tool_id(tool, "breakit")
        self._tool = tool
        events = monitoring.events
        disable = monitoring.DISABLE
        set_local = monitoring.set_local_events
        traced, is_source = self._traced, self._is_source

        def on_start(code: CodeType, offset: int) -> Any:
            if code not in traced and is_source(code.co_filename):
                traced.add(code)
                set_local(tool, code, events.LINE)
            return disable

        def on_line(code: CodeType, line: int) -> Any:
            self._current.add((code.co_filename, line))
            return disable

        monitoring.register_callback(tool, events.PY_START, on_start)
        monitoring.register_callback(tool, events.LINE, on_line)
        monitoring.set_events(tool, events.PY_START)

    def switch(self, context: str) -> None:
        """Lines run from now on count for `context`."""
        self._current = self._seen.setdefault(context, set())
        sys.monitoring.restart_events()  # type: ignore[attr-defined,unused-ignore]

    def stop(self) -> Iterator[tuple[str, int, str]]:
        """Stop recording; every (filename, line, context) seen."""
        if self._tool is not None:
            monitoring: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
            monitoring.set_events(self._tool, 0)
            for code in self._traced:
                monitoring.set_local_events(self._tool, code, 0)
            monitoring.register_callback(self._tool, monitoring.events.PY_START, None)
            monitoring.register_callback(self._tool, monitoring.events.LINE, None)
            monitoring.free_tool_id(self._tool)
            self._tool = None
        for context, lines in self._seen.items():
            for filename, line in lines:
                yield filename, line, context
