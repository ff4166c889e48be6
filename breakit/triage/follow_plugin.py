"""The follow run's pytest plugin (`-p breakit.triage.follow_plugin`, issue 36): each planned
test runs several times in one session, on the original and with one survivor acted out at a
time (breakit.triage.switch), the originals around each mutant's run: original, mutant A,
original, mutant B, original. Each time, what the calls made from the watched lines of the
test's file returned or raised is recorded (a digest to compare, a short repr to show, the full
repr where it is a literal that reads back as the same value, and its aspects: a web
response's status and JSON body, an exception's message). A doctest is refused: it cannot run
again in one session. The plan is the JSON file
BREAKIT_TRIAGE_FOLLOW names: {"out": FILE, "tests": {nodeid: {"lines": [..], "mutants": [..],
"all_checks": [..], "checks": [[mutant, check], ..]}}}; one JSON line per test goes to FILE:
{"test", "runs": [{"mutant", "checks", "result", "crash", "calls": {line: [[digest, shown,
literal, aspects], ...]}}]}, or {"test", "refused": why}.
Verifying written assertions (breakit.triage.assertion), a test runs once on the original with
"all_checks" on, then once per [mutant, check] of "checks", that mutant acted out with that
check on; "crash" is where the test failed ([path, line]).

Apart from the probes on purpose, as breakit.triage.plugin is: nothing imports this module but
pytest. Standard library, pytest and the triage's in-run modules only: it runs inside the
project's pytest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest
from _pytest.runner import runtestprotocol

from breakit.triage import FOLLOW_ENV
from breakit.triage.literals import LITERAL_CHARS, literal, plain
from breakit.triage.recorder import REPR_CHARS, short
from breakit.triage.switch import switch_to

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_OPAQUE = (type, types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType)
_PLAN: dict[str, Any] = {}


def _repr(value: object) -> str:
    try:
        return _ADDRESS.sub("", repr(value))
    except Exception as exc:  # the object's repr is its business: its failure is a value
        return f"<{type(value).__name__}: repr raised {type(exc).__name__}>"


def state(value: object) -> str:
    """What a returned value is compared by: its repr (addresses left out) and, for an object
    with attributes, those of its attributes that are plain data (a response's status and body,
    not its elapsed time)."""
    text = _repr(value)
    try:
        attributes = vars(value) if not isinstance(value, _OPAQUE) else None
    except TypeError:
        attributes = None
    if isinstance(attributes, dict):
        shown = sorted((str(k), _repr(v)) for k, v in attributes.items() if plain(v))
        text += f" {shown}"
    return text


def aspects(value: object) -> dict[str, str]:
    """For a web response (an object with an int `status_code`: requests', httpx's, Starlette's,
    Django's, Flask's test clients), what an assertion on it reads: its `.status_code` and its
    `.json()`, where they are literals."""
    status = getattr(value, "status_code", None)
    if plain(value) or not isinstance(status, int):
        return {}
    found = {".status_code": repr(status)}
    reader = getattr(value, "json", None)
    if callable(reader):
        try:
            body = literal(reader())
        except Exception:  # not JSON: no assertion on its body
            body = None
        if body is not None:
            found[".json()"] = body
    return found


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:16]


class Returns:
    """A trace function: for each call made from one of `lines` of `path`, what it returned or
    raised (its type and message), and for a method the plain state of its `self` then. Only
    the called frames are traced, for the exception that leaves them."""

    def __init__(self, path: str, lines: set[int]) -> None:
        self.path, self.lines = path, lines
        self.calls: dict[int, list[list[Any]]] = {}

    def __call__(self, frame: types.FrameType, event: str, arg: object) -> Any:
        if event != "call":
            return None
        caller = frame.f_back
        if caller is None or caller.f_lineno not in self.lines:
            return None
        if caller.f_code.co_filename != self.path:
            return None
        return _Callee(self, caller.f_lineno)

    def seen(self, line: int, frame: types.FrameType, value: object, raised: object) -> None:
        if isinstance(raised, GeneratorExit):  # a generator closed (collected) at the line
            return
        found: list[Any]
        if raised is not None:
            text = f"raises {type(raised).__name__}: {raised}"
            message = str(raised)
            said = {" match": message} if len(message) <= LITERAL_CHARS else {}
            found = [_digest(_ADDRESS.sub("", text)), text[:REPR_CHARS], None, said]
        else:
            seen = state(value)
            code = frame.f_code
            if code.co_argcount and code.co_varnames[0] == "self":
                seen += " self=" + state(frame.f_locals.get("self"))
            if code.co_name == "__init__":  # a class called at the line: the object, not None
                made = frame.f_locals.get("self")
                found = [_digest(seen), short(made), None, aspects(made)]
            else:
                found = [_digest(seen), short(value), literal(value), aspects(value)]
        self.calls.setdefault(line, []).append(found)


class _Callee:
    """The local trace of one call from a watched line: an exception that leaves it (raised,
    and no line ran after it) or the value it returns."""

    def __init__(self, returns: Returns, line: int) -> None:
        self.returns, self.line = returns, line
        self.raised: object = None

    def __call__(self, frame: types.FrameType, event: str, arg: Any) -> _Callee:
        if event == "exception":
            self.raised = arg[1]
        elif event == "line":
            self.raised = None  # handled inside the call
        elif event == "return":
            self.returns.seen(self.line, frame, arg, self.raised)
        return self


def _result(reports: list[pytest.TestReport]) -> str:
    if any(r.failed for r in reports):
        return "failed"
    if any(r.skipped for r in reports):
        return "skipped"
    return "passed"


def _crash(reports: list[pytest.TestReport]) -> list[Any] | None:
    for report in reports:
        crash = getattr(report.longrepr, "reprcrash", None) if report.failed else None
        if crash is not None:
            return [str(crash.path), crash.lineno]
    return None


def _run(
    item: pytest.Item, nextitem: pytest.Item | None, watch: Returns
) -> tuple[str, list[Any] | None]:
    previous: Callable[..., Any] | None = sys.gettrace()
    sys.settrace(watch)
    try:
        reports = runtestprotocol(item, log=False, nextitem=nextitem)
    finally:
        sys.settrace(previous)
    return _result(reports), _crash(reports)


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(FOLLOW_ENV)
    if path:
        with open(path, encoding="utf-8") as plan:
            _PLAN.update(json.load(plan))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    planned = _PLAN.get("tests", {}).get(item.nodeid)
    if planned is None:
        return None
    if not isinstance(item, pytest.Function):  # a doctest: its globals go with its first run
        refused = f"a {type(item).__name__} runs once a session (only a test function runs again)"
        with open(_PLAN["out"], "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": item.nodeid, "refused": refused}) + "\n")
        return None
    lines = set(planned["lines"])
    none: frozenset[int] = frozenset()
    order: list[tuple[int | None, frozenset[int]]] = []
    if planned["mutants"]:
        order.append((None, none))
    for mutant in planned["mutants"]:
        order += [(mutant, none), (None, none)]
    if planned.get("all_checks"):
        order.append((None, frozenset(planned["all_checks"])))
    for mutant, check in planned.get("checks", ()):
        order.append((mutant, frozenset({check})))
    runs = []
    for mutant, checks in order:
        watch = Returns(str(item.path), lines)
        switch_to(mutant, checks)
        try:
            # Each run tears down what the next item does not share, the item's own fixtures
            # included (as pytest-rerunfailures runs a test again): the next run sets them up.
            result, crash = _run(item, nextitem, watch)
        finally:
            switch_to(None)
        calls = {str(line): found for line, found in watch.calls.items()}
        runs.append(
            {
                "mutant": mutant,
                "checks": sorted(checks),
                "result": result,
                "crash": crash,
                "calls": calls,
            }
        )
    with open(_PLAN["out"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"test": item.nodeid, "runs": runs}) + "\n")
    return True
