"""What breakit's in-run pytest plugins hand back, readable without importing pytest.

breakit.inrun.pytest_plugin and breakit.inrun.coverage_map run inside the project's pytest; the
process that starts the run (the CLI, a fork worker) only needs the shape of a Record and the
readers of what they write (what to run goes to them as a RunRequest, breakit.core.wire; the first
useful line of a failure is breakit.core.failure_text's). Those live here so that the CLI never
imports pytest: this module needs the standard library only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

CORE_ENV = "BREAKIT_COVERAGE_CORE"  # "coverage": coverage.py even where line_events can run

OUTPUT_TAIL_BYTES = 64 * 1024  # of a test process's output, what breakit keeps

Record = dict[str, Any]
Sink = Callable[[Record], None]


def read_records(path: Path) -> list[Record]:
    """The records in a JSON-lines file; a line cut short by a kill is dropped."""
    records: list[Record] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return records
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


# --- the per-test coverage map (breakit.inrun.coverage_map) ------------------------------

IMPORT_TIME = "<import-time>"
FIXTURES = "<fixtures>"
SPECIAL_KEYS = (IMPORT_TIME, FIXTURES)

CoverageMap = Mapping[str, frozenset[tuple[str, int]]]


def read_map(path: Path) -> dict[str, frozenset[tuple[str, int]]] | None:
    """The map a CoverageRecorder wrote, or None if the run never wrote one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {key: frozenset((p, int(line)) for p, line in lines) for key, lines in data.items()}


def output_tail(file: IO[bytes]) -> str:
    """The last OUTPUT_TAIL_BYTES of a test process's output, from an open binary file."""
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - OUTPUT_TAIL_BYTES))
    return file.read().decode("utf-8", errors="replace")
