"""Why each test caught a breakage: the failing line, the values, the HTTP request, and the kind.

Everything here is read from what the run already recorded (pytest's failure text and the
optional HTTP trace); nothing is run.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from tempfile import mkstemp
from typing import Any

from breakit.learner.http_trace import TRACE_ENV, read_trace
from breakit.model import MutantResult, Outcome, TestOutcome

TRACE_PLUGIN = "breakit.learner.http_trace"
# `path/to/test_x.py:27: AssertionError` — where each traceback entry ends, and what it raised.
_NATIVE_FRAME = '  File "'
_WHERE = re.compile(r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+): (?P<error>[\w.]*[A-Z]\w*)$")


class CatchKind(StrEnum):
    ASSERTION = "assertion"  # an assert of the test failed: it checked something and noticed
    SERVER_ERROR = "assertion on a 500"  # it asserted, but on a response the app crashed into
    CRASH = "crash"  # an exception, not an assert: the app (or the test) blew up
    ERRORED = "errored"  # the test could not even run: a fixture or an import failed


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    status: int | None  # None: the app raised instead of answering

    def __str__(self) -> str:
        got = "raised inside the app" if self.status is None else str(self.status)
        return f"{self.method} {self.path} → {got}"


@dataclass(frozen=True)
class Why:
    nodeid: str
    kind: CatchKind
    line: str | None  # the test's own failing statement: `assert response.status_code == 404`
    details: tuple[str, ...]  # pytest's `E` lines: `assert 200 == 404`, `+ where 200 = …`
    requests: tuple[Request, ...]  # the TestClient requests it made, last one last

    @property
    def last_request(self) -> Request | None:
        return self.requests[-1] if self.requests else None


def explain_outcome(outcome: TestOutcome, requests: Sequence[Mapping[str, Any]] = ()) -> Why:
    """The Why of one caught or errored test."""
    reqs = tuple(
        Request(str(r.get("method")), str(r.get("path")), r.get("status")) for r in requests
    )
    text = outcome.longrepr or ""
    line, details, error = parse_longrepr(text, outcome.nodeid)
    if not details and outcome.message:
        details = (outcome.message,)
    if outcome.outcome is Outcome.ERRORED:
        kind = CatchKind.ERRORED
    elif error in ("AssertionError", None) and (line or "").lstrip().startswith("assert"):
        last = reqs[-1] if reqs else None
        kind = (
            CatchKind.SERVER_ERROR
            if last is not None and last.status is not None and last.status >= 500
            else CatchKind.ASSERTION
        )
    elif error == "AssertionError" or (outcome.message or "").startswith("assert"):
        kind = CatchKind.ASSERTION
    else:
        kind = CatchKind.CRASH
    return Why(outcome.nodeid, kind, line, details, reqs)


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
    chatter = ("Traceback", "During handling", "The above exception")
    starts = [
        i
        for i, line in enumerate(lines)
        if i > frames[-1]
        and line.strip()
        and not line[0].isspace()
        and not line.startswith(chatter)
    ]
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


def why_caught(
    result: MutantResult, trace: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
) -> list[Why]:
    trace = trace or {}
    detecting = (Outcome.CAUGHT, Outcome.ERRORED)
    return [
        explain_outcome(o, trace.get(o.nodeid, ()))
        for o in result.tests.values()
        if o.outcome in detecting
    ]


class Trace:
    """The HTTP requests recorded while it was active (see breakit.learner.http_trace)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._kept: dict[str, list[dict[str, Any]]] | None = None

    def requests(self) -> dict[str, list[dict[str, Any]]]:
        return self._kept if self._kept is not None else read_trace(self.path)

    def keep(self) -> None:
        """Read the file once and for all: it is removed when tracing ends."""
        self._kept = read_trace(self.path)


@contextmanager
def tracing() -> Iterator[Trace]:
    """Turn the HTTP trace on for every pytest breakit starts meanwhile, through its environment.

    PYTEST_PLUGINS and BREAKIT_HTTP_TRACE are set in this process's environment, which the runner
    hands on to pytest; both are put back as they were on exit, and the trace file is removed.
    """
    fd, name = mkstemp(prefix="breakit-http-", suffix=".jsonl")
    os.close(fd)
    saved = {key: os.environ.get(key) for key in ("PYTEST_PLUGINS", TRACE_ENV)}
    plugins = [p for p in (saved["PYTEST_PLUGINS"] or "").split(",") if p.strip()]
    os.environ["PYTEST_PLUGINS"] = ",".join([*plugins, TRACE_PLUGIN])
    os.environ[TRACE_ENV] = name
    trace = Trace(Path(name))
    try:
        yield trace
    finally:
        trace.keep()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        Path(name).unlink(missing_ok=True)


def shown_command(command: Sequence[str], workdir: Path) -> str:
    """The pytest command as a learner could type it at the project root."""
    shown = []
    for i, part in enumerate(command):
        if i == 0 and Path(part).name.startswith("python"):
            part = "python"
        part = part.replace(f"{workdir}{os.sep}", "").replace(str(workdir), ".")
        shown.append(part)
    return shlex.join(shown)
