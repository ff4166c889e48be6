"""What the probes (breakit.triage.probes) saw, and the pytest plugin (`-p
breakit.triage.recorder`) that writes it, test by test, as JSON lines to the file named by
BREAKIT_TRIAGE. This module runs inside the project's pytest: it needs the standard library and
pytest only.

A line per test: {test, sites: {mutant: [reached, differed, unknown]}, examples: {mutant:
[[original, mutant, [operands…]], …]}, first: {mutant: {original, mutant, line, code}}, calls:
{mutant: {function, line, args: [[name, kind, literal], …], generator}}}; the sites reached
while no test ran (import time) are written under the test "(import)". `calls` is the first
call, in the whole run, of the function holding a mutant's site whose arguments were all
literals (the input a new test can start from: breakit.triage.new_input); a method's is kept
as `{function, line, args: [], method: true}`: no new test can call it.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import linecache
import os
import reprlib
import sys
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

import pytest

from breakit.triage import IMPORT_TIME, TRIAGE_ENV
from breakit.triage.literals import argument

MAX_EXAMPLES = 5  # distinct examples kept per mutant
LOOKS = 200  # observations of a mutant whose values are looked at for examples (a repr costs)
REPR_CHARS = 40
CALL_LOOKS = 20  # calls of a site's function looked at for one whose arguments are literals
_UNPACKING = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
_ASYNC = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
# The frames between a probe's caller and the recorder: the probes' module and this one.
_OURS = frozenset(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    for name in ("probes.py", "recorder.py")
)
_ABSENT = object()

UNKNOWN = object()  # a mutated value not computed: it would run code the original skipped


def _bounded_repr() -> reprlib.Repr:
    bounded = reprlib.Repr()  # Python 3.11's takes no settings: they are attributes
    bounded.maxstring = bounded.maxother = REPR_CHARS
    bounded.maxlevel = 3
    return bounded


_REPR = _bounded_repr()


def short(value: object) -> str:
    """The value's repr, at most REPR_CHARS long, never the whole of a big container."""
    try:
        text = _REPR.repr(value)
    except Exception as exc:  # a repr that raises is the object's business, not ours
        text = f"<{type(value).__name__}: repr raised {type(exc).__name__}>"
    return text if len(text) <= REPR_CHARS else text[: REPR_CHARS - 1] + "…"


def _same(a: object, b: object) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(a == b)
    except Exception:  # an array's ambiguous truth value, say: compare what it shows
        return short(a) == short(b)


class Recorder:
    """What the probes saw during the current test (or at import time)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.item: pytest.Item | None = None
        self.counts: dict[int, list[int]] = {}
        self.examples: dict[int, list[list[Any]]] = {}
        self.kept: dict[int, int] = {}  # examples kept so far per mutant, over the whole run
        self.looked: dict[int, int] = {}  # observations so far per mutant, over the whole run
        self.first: dict[int, dict[str, Any]] = {}
        self.firsts: set[int] = set()
        self.calls: dict[int, dict[str, Any]] = {}
        self.called: dict[int, int] = {}  # calls looked at per mutant, over the whole run

    def observe(
        self, mutant: int, original: object, mutated: object, operands: Sequence[Any]
    ) -> None:
        counts = self.counts.setdefault(mutant, [0, 0, 0])
        counts[0] += 1
        if self.item is not None and self.called.get(mutant, 0) < CALL_LOOKS:
            self._call(mutant)
        if mutated is UNKNOWN:
            counts[2] += 1
            return
        same = _same(original, mutated)
        if not same:
            counts[1] += 1
        looked = self.looked[mutant] = self.looked.get(mutant, 0) + 1
        if self.kept.get(mutant, 0) < MAX_EXAMPLES and looked <= LOOKS:
            example = [short(original), short(mutated), [short(o) for o in operands]]
            seen = self.examples.setdefault(mutant, [])
            if example not in seen:
                seen.append(example)
                self.kept[mutant] = self.kept.get(mutant, 0) + 1
        if not same and mutant not in self.firsts:
            self.firsts.add(mutant)
            line, code = self.test_line()
            self.first[mutant] = {
                "original": short(original),
                "mutant": short(mutated),
                "operands": [short(o) for o in operands],
                "line": line,
                "code": code,
            }

    def _call(self, mutant: int) -> None:
        """The call of the function holding the site, where its arguments are all literals."""
        self.called[mutant] = self.called.get(mutant, 0) + 1
        frame: FrameType | None = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename in _OURS:
            frame = frame.f_back
        if frame is None or frame.f_code.co_flags & _UNPACKING:
            return
        if not frame.f_code.co_flags & inspect.CO_NEWLOCALS:  # a module's or a class's body
            return
        if frame.f_code.co_flags & _ASYNC:  # not called from a plain test
            return
        code = frame.f_code
        if code.co_argcount and code.co_varnames[0] in ("self", "cls") and "." in code.co_qualname:
            self.called[mutant] = CALL_LOOKS  # a method: no new test can call it without its object
            self.calls[mutant] = {
                "function": code.co_qualname,
                "line": code.co_firstlineno,
                "args": [],
                "method": True,
            }
            return
        count = code.co_argcount + code.co_kwonlyargcount
        args = []
        for index, name in enumerate(code.co_varnames[:count]):
            value = frame.f_locals.get(name, _ABSENT)
            text = None if value is _ABSENT else argument(value)
            if text is None:
                return
            kind = "posonly" if index < code.co_posonlyargcount else "pos"
            args.append([name, "kw" if index >= code.co_argcount else kind, text])
        self.called[mutant] = CALL_LOOKS  # found: no more looking
        self.calls[mutant] = {
            "function": code.co_qualname,
            "line": code.co_firstlineno,
            "args": args,
            "generator": bool(code.co_flags & inspect.CO_GENERATOR),
        }

    def reach(self, mutant: int) -> None:
        self.counts.setdefault(mutant, [0, 0, 0])[0] += 1

    def test_line(self) -> tuple[int | None, str | None]:
        """The line of the running test's file that called into the site (innermost); where
        the site runs in another thread (a web framework's test client runs the app in one),
        the line where the test's thread waits for it."""
        if self.item is None:
            return None, None
        wanted = str(self.item.path)
        here = sys._getframe(1)
        others = [f for t, f in sys._current_frames().items() if t != threading.get_ident()]
        for start in (here, *others):
            frame: FrameType | None = start
            while frame is not None:
                if frame.f_code.co_filename == wanted:
                    line = frame.f_lineno
                    return line, linecache.getline(wanted, line).strip() or None
                frame = frame.f_back
        return None, None

    def flush(self, test: str) -> None:
        if not (self.counts or self.first):
            return
        line = {
            "test": test,
            "sites": {str(k): v for k, v in self.counts.items()},
            "examples": {str(k): v for k, v in self.examples.items()},
            "first": {str(k): v for k, v in self.first.items()},
            "calls": {str(k): v for k, v in self.calls.items()},
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        self.counts, self.examples, self.first, self.calls = {}, {}, {}, {}
        self.firsts = set()


class _Active:
    """The one recorder of this process (None outside a triage run)."""

    recorder: Recorder | None = None


def active() -> Recorder | None:
    return _Active.recorder


@contextlib.contextmanager
def recording(path: str) -> Iterator[Recorder]:
    """The probes record into `path` while inside (the plugin's run; a test of the probes)."""
    _Active.recorder = recorder = Recorder(path)
    try:
        yield recorder
    finally:
        recorder.flush(IMPORT_TIME)
        _Active.recorder = None


def start_from_env() -> None:
    """A triage run's recorder, writing to the file TRIAGE_ENV names (the plugin's start)."""
    path = os.environ.get(TRIAGE_ENV)
    if path:
        _Active.recorder = Recorder(path)


def stop() -> None:
    """The end of a triage run: what the recorder still holds, written."""
    recorder = active()
    if recorder is not None:
        recorder.flush(IMPORT_TIME)
        _Active.recorder = None
