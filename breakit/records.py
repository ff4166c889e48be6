"""What breakit's in-run pytest plugins hand back, readable without importing pytest.

breakit.pytest_plugin and breakit.engine.coverage_map run inside the project's pytest; the process
that starts the run (the CLI, a fork worker) only needs the shape of a Record, the readers of what
they write and the first useful line of a failure (what to run goes to them as a RunRequest,
breakit.engine.wire). Those live here so that the CLI never imports pytest: this module needs the
standard library only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

CORE_ENV = "BREAKIT_COVERAGE_CORE"  # "coverage": coverage.py even where line_events can run

OUTPUT_TAIL_BYTES = 64 * 1024  # of a test process's output, what breakit keeps

Record = dict[str, Any]
Sink = Callable[[Record], None]

_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b.*")
_FILE_LINE = re.compile(r'^File "(?P<path>[^"]+)", line (?P<line>\d+)')


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


# --- the first useful line of a failure -------------------------------------------------------


def failure_message(report: pytest.TestReport) -> str | None:
    """The first useful line of a failed or skipped phase: `assert 404 == 200`, `TypeError: …`."""
    longrepr = report.longrepr
    if longrepr is None:
        return None
    if isinstance(longrepr, tuple):  # a skip: (path, lineno, "Skipped: reason")
        reason = str(longrepr[2])
        return reason.removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and crash.message:
        return _first_line(crash.message)
    errorstring = getattr(longrepr, "errorstring", None)  # fixture 'client' not found
    if errorstring:
        return _first_line(errorstring)
    return _last_error_line(report.longreprtext) or _first_line(report.longreprtext)


def collect_error_message(text: str, rootpath: Path | None = None) -> str:
    """The first useful line of a collection error: `SyntaxError: invalid syntax (a.py, line 3)`.

    pytest's text for an import failure ends with the exception in `E   ` lines (or, with
    `--tb=native`, is Python's own traceback); a SyntaxError also carries its `File "…", line N`,
    which is added so the line points at the code.
    """
    error_lines = _error_lines(text)
    message = _last_error_line(text) or _first_line(text)
    if message.startswith(("SyntaxError", "IndentationError", "TabError")):
        for line in reversed(error_lines):
            found = _FILE_LINE.match(line)
            if found:
                path = _relative(found["path"], rootpath)
                message = f"{message} ({path}, line {found['line']})"
                break
    return message


def _error_lines(text: str) -> list[str]:
    """pytest's `E   ` lines; for a native traceback (no such lines), every line."""
    lines = text.splitlines()
    marked = [line[1:].strip() for line in lines if line.startswith("E ")]
    return marked or [line.strip() for line in lines if line.strip()]


def _last_error_line(text: str) -> str | None:
    error_lines = _error_lines(text)
    for line in reversed(error_lines):
        if _EXCEPTION_LINE.match(line):
            return line
    if not any(line.startswith("E ") for line in text.splitlines()):
        return None
    return error_lines[-1] if error_lines else None


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return text.strip()


def _relative(path: str, rootpath: Path | None) -> str:
    if rootpath is None:
        return path
    try:
        return Path(path).relative_to(rootpath).as_posix()
    except ValueError:
        return path


# --- the per-test coverage map (breakit.engine.coverage_map) ------------------------------

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
