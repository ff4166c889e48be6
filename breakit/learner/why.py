"""Why each test caught a breakage: the failing line, the values, the HTTP request, and the kind.

Everything here is read from what the run already recorded (pytest's failure text and the
optional HTTP trace); nothing is run.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from tempfile import mkstemp
from typing import Any

from breakit.core.failure_text import parse_longrepr
from breakit.core.model import MutantResult, Outcome, TestOutcome
from breakit.learner.http_trace import TRACE_ENV, read_trace

TRACE_PLUGIN = "breakit.learner.http_trace"


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
