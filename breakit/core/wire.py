"""The typed wire: every message between the command, a fork worker, its children, the warm pool and
the in-run plugin, one frozen dataclass per request and per reply, each with its encode/decode.

A message travels as one JSON object: a request tagged with its operation ("op"), a reply with
its kind ("reply"). Decoding is strict: a missing or an extra field, or an unknown operation, is a
`WireError`, never a default, so a field forgotten at one end fails loudly at the other. Both sides
of every conversation import this module (breakit.runners.fork.channel carries it; the subprocess
backend hands its `RunRequest` to the plugin as a file, `REQUEST_ENV`): it needs the standard
library only, as it is imported inside the project's pytest.

Conversations (requests → replies):
- fork worker (breakit.runners.fork.worker): `PreloadRequest` → `PreloadReply`; `RunRequest` →
  `RunReply`; `SessionRequest` → `SessionReply`, then `HotRequest` → `RunReply` or `Fallback`
- warm pool (breakit.runners.fork.warm_server): `LaunchRequest` → `PoolReady` (on the pool's
  stdin/stdout, once); then per connection `WorkerRequest` → `WorkerReady` (the connection is a
  worker's from then on), `StatusRequest` or `StopRequest` → `PoolStatus`
- anything the other side cannot read, or an operation it does not serve → `ErrorReply`
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from breakit.core.run_records import RunRecord, record_to_json, records_from_json

# The environment variable naming a `RunRequest` file: how the subprocess backend hands its request
# to `-p breakit.inrun.pytest_plugin` (the plugin's records go to the request's `results`).
REQUEST_ENV = "BREAKIT_REQUEST"

M = TypeVar("M", bound="Message")


class WireError(ValueError):
    """A message that does not decode: not JSON, an unknown operation, a missing or extra field."""


@dataclass(frozen=True)
class Message:
    """A message's encode/decode, from its dataclass fields: tuples travel as JSON lists, nested
    messages (`NESTED`) as objects; nothing is optional on the wire."""

    TAG: ClassVar[str] = ""  # "op" for a request, "reply" for a reply, "" for a part of one
    NAME: ClassVar[str] = ""  # the operation, or the reply's kind
    NESTED: ClassVar[Mapping[str, type[Message]]] = {}

    def encode(self) -> dict[str, Any]:
        data: dict[str, Any] = {self.TAG: self.NAME} if self.TAG else {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, Message):
                value = value.encode()
            elif isinstance(value, tuple):
                value = list(value)
            data[field.name] = value
        return data

    @classmethod
    def decode(cls: type[M], data: Mapping[str, Any]) -> M:
        if not isinstance(data, Mapping) or (cls.TAG and data.get(cls.TAG) != cls.NAME):
            raise WireError(f"not a {cls.NAME!r} message: {_short(data)}")
        names = {field.name for field in dataclasses.fields(cls)}
        given = set(data) - {cls.TAG}
        if given != names:
            missing, extra = sorted(names - given), sorted(given - names)
            raise WireError(f"{cls.NAME!r} message: missing {missing}, extra {extra}")
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            value = data[field.name]
            if value is not None and field.name in cls.NESTED:
                value = cls.NESTED[field.name].decode(value)
            elif isinstance(value, list) and str(field.type).startswith("tuple"):
                value = tuple(value)
            values[field.name] = value
        return cls(**values)

    def line(self) -> bytes:
        """The message as one JSON line."""
        return json.dumps(self.encode()).encode() + b"\n"


@dataclass(frozen=True)
class Request(Message):
    TAG: ClassVar[str] = "op"


@dataclass(frozen=True)
class Reply(Message):
    TAG: ClassVar[str] = "reply"


# --- one run of pytest: both backends, the fork worker's children and the in-run plugin -------


@dataclass(frozen=True)
class CoverageRequest(Message):
    """Per-test coverage (breakit.inrun.coverage_map): the map goes to `out`; what is measured."""

    NAME: ClassVar[str] = "coverage"
    out: str
    root: str
    source: tuple[str, ...]


@dataclass(frozen=True)
class RunRequest(Request):
    """One run of pytest in `workdir` with `args`: which tests, in what order, within what limits,
    and what the in-run plugin records besides the tests (breakit.runners.run_spec.run_request
    builds it; breakit.inrun.pytest_plugin.RecorderPlugin.for_request follows it)."""

    NAME: ClassVar[str] = "run"
    NESTED: ClassVar[Mapping[str, type[Message]]] = {"coverage": CoverageRequest}
    workdir: str
    args: tuple[str, ...]
    timeout_s: float | None  # kill the run (and its whole process group) after this long
    memory_limit_mb: int | None  # the test process's memory ceiling (breakit.runners.memlimit)
    nodeids: tuple[str, ...] | None  # run only these node ids (None: every test)
    # First-catch mode (breakit.engine.order): these tests first, in this order, and the run
    # stops after the first test that catches or errors.
    order: tuple[str, ...] | None
    first_catch: bool
    record_modules: bool  # the "modules" record at the end (the baseline's)
    coverage: CoverageRequest | None  # per-test coverage (the baseline's)
    results: str | None  # the records file (the subprocess backend; a fork child has a pipe)


@dataclass(frozen=True)
class RunReply(Reply):
    """What one test process reported, whichever backend ran it: most runs are one reply; a run
    whose process died during a test has one more for the tests after it
    (breakit.runners.suite_run makes them one SuiteRun). A fork worker sends it as it is; the
    subprocess backend builds it from its process. Every field travels (the defaults are for
    building one, never for decoding)."""

    NAME: ClassVar[str] = "run"
    records: list[RunRecord] = dataclasses.field(default_factory=list)
    duration_s: float = 0.0
    exit_status: int | None = None  # None: killed on timeout
    timed_out: bool = False
    output: str = ""  # the tail of pytest's output
    out_of_memory: bool = False  # killed for going over its memory ceiling (runners.memlimit)

    def encode(self) -> dict[str, Any]:
        data = super().encode()
        data["records"] = [record_to_json(record) for record in self.records]
        return data

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> RunReply:
        """The reply, its records decoded (breakit.core.run_records): read typed from here on."""
        reply = super().decode(data)
        raw: Any = reply.records
        if not isinstance(raw, list):
            raise WireError(f"'run' message: records is not a list: {_short(raw)}")
        return dataclasses.replace(reply, records=records_from_json(raw))


# --- a fork worker (breakit.runners.fork.worker) ------------------------------------------------


@dataclass(frozen=True)
class PreloadRequest(Request):
    """Import `modules` once, for every child (never one of the `project`'s top-level modules)."""

    NAME: ClassVar[str] = "preload"
    modules: tuple[str, ...]
    project: tuple[str, ...]


@dataclass(frozen=True)
class PreloadReply(Reply):
    NAME: ClassVar[str] = "preload"
    failed: tuple[str, ...]  # the modules that failed to import


@dataclass(frozen=True)
class SessionRequest(Request):
    """Become a hot session (breakit.runners.fork.hot): import the project and collect once."""

    NAME: ClassVar[str] = "session"
    workdir: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class SessionReply(Reply):
    """The session is ready with `tests` collected, or refused (`error` says why)."""

    NAME: ClassVar[str] = "session"
    ready: bool
    tests: int
    error: str | None


@dataclass(frozen=True)
class HotRequest(Request):
    """A hot mutant: its `changes` (path → mutated text) swapped into the session, then `run`
    (whose workdir and args are the session's)."""

    NAME: ClassVar[str] = "hot"
    NESTED: ClassVar[Mapping[str, type[Message]]] = {"run": RunRequest}
    run: RunRequest
    changes: dict[str, str]


@dataclass(frozen=True)
class Fallback(Reply):
    """The hot session cannot run this mutant (`reason`): it runs fresh."""

    NAME: ClassVar[str] = "fallback"
    reason: str


# --- the warm pool (breakit.runners.fork.warm_server) -------------------------------------------


@dataclass(frozen=True)
class LaunchRequest(Request):
    """What a new warm pool preloads, and where it listens."""

    NAME: ClassVar[str] = "launch"
    socket: str
    root: str
    modules: tuple[str, ...]
    project: tuple[str, ...]
    idle_s: float


@dataclass(frozen=True)
class PoolReady(Reply):
    """The pool listens: the command that started it may reap its first process."""

    NAME: ClassVar[str] = "pool_ready"


@dataclass(frozen=True)
class WorkerRequest(Request):
    """Fork a worker with the command's environment and scratch folder."""

    NAME: ClassVar[str] = "worker"
    env: dict[str, str]
    scratch: str


@dataclass(frozen=True)
class WorkerReady(Reply):
    NAME: ClassVar[str] = "worker_ready"
    pid: int


@dataclass(frozen=True)
class StatusRequest(Request):
    NAME: ClassVar[str] = "status"


@dataclass(frozen=True)
class StopRequest(Request):
    """Stop the pool (it answers with its status first)."""

    NAME: ClassVar[str] = "stop"


@dataclass(frozen=True)
class PoolStatus(Reply):
    NAME: ClassVar[str] = "pool_status"
    pid: int
    root: str
    age_s: float
    idle_s: float
    workers: int
    stops_after_s: float


@dataclass(frozen=True)
class ErrorReply(Reply):
    """A request the other side could not serve: an unknown operation, a message it cannot read."""

    NAME: ClassVar[str] = "error"
    error: str


R = TypeVar("R", bound=Reply)


def decode_request(data: Any, served: Mapping[str, type[Request]]) -> Request:
    """The request in `data`, if its operation is one of those `served`; else WireError."""
    op = data.get("op") if isinstance(data, Mapping) else None
    kind = served.get(op) if isinstance(op, str) else None
    if kind is None:
        raise WireError(f"unknown operation {op!r} (served: {', '.join(sorted(served))})")
    return kind.decode(data)


def decode_reply(data: Any, *expected: type[R]) -> R:
    """The reply in `data`, one of the `expected` kinds; an ErrorReply or anything else raises
    WireError (with the error the other side sent)."""
    kind = data.get("reply") if isinstance(data, Mapping) else None
    for reply_type in expected:
        if kind == reply_type.NAME:
            return reply_type.decode(data)
    if kind == ErrorReply.NAME:
        raise WireError(ErrorReply.decode(data).error)
    raise WireError(f"expected a {' or '.join(t.NAME for t in expected)} reply: {_short(data)}")


def _short(data: object) -> str:
    text = repr(data)
    return text if len(text) <= 200 else text[:200] + "…"
