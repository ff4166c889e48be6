"""pytest's failure text: what the learner's views read from it, and a brief form that keeps
exactly that.

A run of hundreds of mutants over a suite of hundreds of tests collects tens of thousands of
failure texts (pyjwt's 690 mutants: 19 671 caught tests, 76 MB of tracebacks, most of them
frames deep inside the library). The views only ever read the test's own failing line and the
error at the end (`parse_longrepr`), so a kept result keeps those lines and drops the frames
between them (`brief_longrepr`): `parse_longrepr` reads the same from both.
"""

from __future__ import annotations

import re

__all__ = ["BRIEF_OVER", "brief_longrepr", "parse_longrepr"]

# `path/to/test_x.py:27: AssertionError` — where each traceback entry ends, and what it raised.
_NATIVE_FRAME = '  File "'
_WHERE = re.compile(r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+): (?P<error>[\w.]*[A-Z]\w*)$")
_CHATTER = ("Traceback", "During handling", "The above exception")
BRIEF_OVER = 1000  # characters: a shorter text is kept whole
_CONTEXT = 20  # lines kept from where the error starts


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
