"""pytest's failure text, its one home: the first useful line of a failure (`failure_message`,
`collect_error_message`: a test's and a collector's `message`), what the learner's views read
from it, and a brief form that keeps exactly that. The standard library only: the CLI reads it
without importing pytest.

A run of hundreds of mutants over a suite of hundreds of tests collects tens of thousands of
failure texts (pyjwt's 690 mutants: 19 671 caught tests, 76 MB of tracebacks, most of them
frames deep inside the library). The views only ever read the test's own failing line and the
error at the end (`parse_longrepr`), so a kept result keeps those lines and drops the frames
between them (`brief_longrepr`): `parse_longrepr` reads the same from both.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

__all__ = [
    "BRIEF_OVER",
    "brief_longrepr",
    "collect_error_message",
    "failure_message",
    "parse_longrepr",
]

# `path/to/test_x.py:27: AssertionError` — where each traceback entry ends, and what it raised.
_NATIVE_FRAME = '  File "'
_WHERE = re.compile(r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+): (?P<error>[\w.]*[A-Z]\w*)$")
_CHATTER = ("Traceback", "During handling", "The above exception")
BRIEF_OVER = 1000  # characters: a shorter text is kept whole
_CONTEXT = 20  # lines kept from where the error starts
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b.*")
_FILE_LINE = re.compile(r'^File "(?P<path>[^"]+)", line (?P<line>\d+)')


def parse_longrepr(text: str, nodeid: str = "") -> tuple[str | None, tuple[str, ...], str | None]:
    """(the test's own failing line, the error lines, the name of what was raised).

    Reads pytest's long style (`>` and `E` lines) and Python's native traceback (`--tb=native`).
    """
    lines = text.splitlines()
    if any(line.startswith(_NATIVE_FRAME) for line in lines):
        return _parse_native(lines, nodeid.split("::")[0])
    marked = [i for i, line in enumerate(lines) if line.startswith(">")]
    source = lines[marked[0]][1:].strip() if marked else None
    tail = lines[marked[-1] + 1 :] if marked else lines
    errors = tuple(line[1:].strip() for line in tail if line.startswith("E ") and line[1:].strip())
    raised = [m["error"] for m in map(_WHERE.match, lines) if m]
    return source, errors[:4], raised[-1].rpartition(".")[2] if raised else None


def _parse_native(
    lines: list[str], test_file: str
) -> tuple[str | None, tuple[str, ...], str | None]:
    frames = [i for i, line in enumerate(lines) if line.startswith(_NATIVE_FRAME)]
    source = None
    for i in frames:
        path = lines[i].split('"')[1] if lines[i].count('"') >= 2 else ""
        if test_file and path.endswith(test_file) and i + 1 < len(lines):
            source = lines[i + 1].strip()
            break
    # The exception: the first unindented line after the last frame that is not traceback
    # chatter. It can go on for lines (SQLAlchemy adds [SQL: …] and a "Background" link).
    starts = _error_starts(lines, frames[-1])
    errors: tuple[str, ...] = ()
    if starts:
        block = []
        for line in lines[starts[0] :]:
            if not line.strip() or line.startswith(_NATIVE_FRAME):
                break
            block.append(line.strip())
        errors = tuple(block)
    raised = errors[0].partition(":")[0].rpartition(".")[2] if errors else None
    if errors and raised == "AssertionError":
        errors = (errors[0].removeprefix("AssertionError:").strip() or errors[0], *errors[1:])
    return source, errors[:4], raised


def _error_starts(lines: list[str], last_frame: int) -> list[int]:
    return [
        i
        for i, line in enumerate(lines)
        if i > last_frame
        and line.strip()
        and not line[0].isspace()
        and not line.startswith(_CHATTER)
    ]


def brief_longrepr(text: str | None, nodeid: str = "") -> str | None:
    """`text` without the lines the views never read, when it is longer than BRIEF_OVER
    characters: `parse_longrepr(brief_longrepr(t, n), n) == parse_longrepr(t, n)`. A line
    `  … N lines cut …` stands where lines were dropped."""
    if text is None or len(text) <= BRIEF_OVER:
        return text
    lines = text.splitlines()
    keep: set[int] = set()
    frames = [i for i, line in enumerate(lines) if line.startswith(_NATIVE_FRAME)]
    if frames:
        keep.add(0)  # "Traceback (most recent call last):"
        test_file = nodeid.split("::")[0]
        for i in frames:
            path = lines[i].split('"')[1] if lines[i].count('"') >= 2 else ""
            if test_file and path.endswith(test_file):
                keep.update((i, i + 1))
                break
        starts = _error_starts(lines, frames[-1])
        keep.update(range(frames[-1], (starts[0] if starts else frames[-1]) + _CONTEXT))
    else:
        marked = [i for i, line in enumerate(lines) if line.startswith(">")]
        if marked:
            keep.add(marked[0])
            keep.update(range(marked[-1], marked[-1] + _CONTEXT))
            tail_errors = [
                i for i in range(marked[-1] + 1, len(lines)) if lines[i].startswith("E ")
            ]
            keep.update(tail_errors[:4])
        else:
            keep.update(range(_CONTEXT))
            keep.update(i for i, line in enumerate(lines) if line.startswith("E "))
        keep.update(i for i, line in enumerate(lines) if _WHERE.match(line))
    kept: list[str] = []
    previous = -1
    for i in sorted(k for k in keep if k < len(lines)):
        if i > previous + 1:
            kept.append(f"  … {i - previous - 1} lines cut …")
        kept.append(lines[i])
        previous = i
    if previous < len(lines) - 1:
        kept.append(f"  … {len(lines) - 1 - previous} lines cut …")
    return "\n".join(kept)


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
