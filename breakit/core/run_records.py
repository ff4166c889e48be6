"""What breakit's in-run pytest plugins hand back, readable without importing pytest.

breakit.inrun.pytest_plugin and breakit.inrun.coverage_map run inside the project's pytest; the
process that starts the run (the CLI, a fork worker) only needs the shape of a Record and the
readers of what they write (what to run goes to them as a RunRequest, breakit.core.wire; the first
useful line of a failure is breakit.core.failure_text's). Those live here so that the CLI never
imports pytest: this module needs the standard library only.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar, TypeVar

CORE_ENV = "BREAKIT_COVERAGE_CORE"  # "coverage": coverage.py even where line_events can run

OUTPUT_TAIL_BYTES = 64 * 1024  # of a test process's output, what breakit keeps


# --- the records, one type per event --------------------------------------------------------
# Typed from the moment they are made to the moment they are read; JSON only on their way
# between processes (a results file, a fork child's pipe, a RunReply on the channel), through
# `record_to_json` and `record_from_json`, the one codec.


@dataclass(frozen=True)
class Start:
    """A test began (the order tests ran in; the test a timeout or a death stopped in)."""

    EVENT: ClassVar[str] = "start"
    nodeid: str


@dataclass(frozen=True)
class Judged:
    """A test finished: its outcome as breakit.core.outcome_codec writes it (`outcome`, read with
    `outcome_from_json`), flat beside `event` in the JSON."""

    EVENT: ClassVar[str] = "test"
    nodeid: str
    outcome: Mapping[str, Any]


@dataclass(frozen=True)
class Collected:
    """Every test collected, in run order."""

    EVENT: ClassVar[str] = "collected"
    nodeids: tuple[str, ...]


@dataclass(frozen=True)
class CollectFailed:
    """A collector that failed (a module, a conftest.py): its first error line, pytest's text,
    and what it raised as a breakit.core.model.RunFailure value."""

    EVENT: ClassVar[str] = "collect_error"
    nodeid: str | None
    message: str
    longrepr: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class ConfigureFailed:
    """What a plugin raised while pytest loaded its conftest files, before any collector."""

    EVENT: ClassVar[str] = "configure_error"
    message: str
    longrepr: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class SetAside:
    """The user's plugins and options breakit set aside in this run, one phrase each."""

    EVENT: ClassVar[str] = "set_aside"
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Finish:
    """pytest's exit status, written even on pytest.exit(), Ctrl-C and internal errors: a run
    without it died. The process's peak memory, and whether coverage.py's tracer traced every
    line, where known."""

    EVENT: ClassVar[str] = "finish"
    exitstatus: int
    peak_rss_kb: float | None = None
    coverage_traced: bool | None = None


@dataclass(frozen=True)
class Modules:
    """The modules imported by the end of the run (what a fork worker preloads)."""

    EVENT: ClassVar[str] = "modules"
    names: tuple[str, ...]


@dataclass(frozen=True)
class HotRefused:
    """A hot child could not run the mutant's module again (breakit.runners.fork.reexec)."""

    EVENT: ClassVar[str] = "not_hot"
    reason: str


RunRecord = (
    Start
    | Judged
    | Collected
    | CollectFailed
    | ConfigureFailed
    | SetAside
    | Finish
    | Modules
    | HotRefused
)
Sink = Callable[[RunRecord], None]
_KINDS: dict[str, type[RunRecord]] = {
    kind.EVENT: kind
    for kind in (
        Start,
        Judged,
        Collected,
        CollectFailed,
        ConfigureFailed,
        SetAside,
        Finish,
        Modules,
        HotRefused,
    )
}


def record_to_json(record: RunRecord) -> dict[str, Any]:
    """A record as its JSON object: `event` and its fields (a Judged's outcome flat).

    By its EVENT, not its class: in a test process of a project that holds breakit itself (the
    bundled target is breakit's repository), the records may come from a second import of this
    module, whose classes are not these."""
    if record.EVENT == Judged.EVENT:
        judged: Any = record
        return {"event": record.EVENT, "nodeid": judged.nodeid, **judged.outcome}
    data: dict[str, Any] = {"event": record.EVENT}
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        data[field.name] = list(value) if isinstance(value, tuple) else value
    return data


def record_from_json(data: Mapping[str, Any]) -> RunRecord | None:
    """The record a JSON object holds; None for one that is no record breakit knows."""
    kind = _KINDS.get(str(data.get("event")))
    if kind is None:
        return None
    if kind is Judged:
        outcome = {key: value for key, value in data.items() if key not in ("event", "nodeid")}
        return Judged(str(data["nodeid"]), outcome)
    values: dict[str, Any] = {
        field.name: tuple(value) if isinstance(value := data[field.name], list) else value
        for field in dataclasses.fields(kind)
        if field.name in data
    }
    return kind(**values)


def records_from_json(items: Iterable[Mapping[str, Any]]) -> list[RunRecord]:
    return [record for item in items if (record := record_from_json(item)) is not None]


def records_from_lines(lines: Iterable[str | bytes]) -> list[RunRecord]:
    """The records in JSON lines; a line cut short by a kill is dropped."""
    items: list[Mapping[str, Any]] = []
    for line in lines:
        try:
            items.append(json.loads(line))
        except ValueError:  # cut short: not JSON, or not UTF-8
            continue
    return records_from_json(items)


def record_line(record: RunRecord) -> str:
    """A record as one JSON line, as a sink writes it."""
    return json.dumps(record_to_json(record)) + "\n"


def read_records(path: Path) -> list[RunRecord]:
    """The records in a JSON-lines file; a line cut short by a kill is dropped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return records_from_lines(text.splitlines())


K = TypeVar("K")


def first(records: Iterable[RunRecord], kind: type[K]) -> K | None:
    """The first record of `kind`, or None."""
    return next((record for record in records if isinstance(record, kind)), None)


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
