"""Swapping live functions' code for a mutant's: what a fresh import would give, or a refusal."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from breakit.runners.fork.function_swap import (
    LiveFunctions,
    NotHot,
    compile_module,
    plan_swaps,
)

MODULE = """
import functools

ROUTES = {}


def route(path):
    def register(function):
        @functools.wraps(function)
        def wrapper(*args):
            return ("wrapped", function(*args))

        ROUTES[path] = wrapper
        return wrapper

    return register


@route("/add")
def add(a, b):
    return a + b


def make_counter():
    def count(n):
        return n + 1

    return count


class Box:
    def size(self):
        return 3
"""


def load(tmp_path: Path, source: str) -> tuple[dict[str, Any], Path]:
    """Import `source` as module m.py under `tmp_path`, the way the hot session has it."""
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(source))
    namespace: dict[str, Any] = {"__name__": "m"}
    exec(compile_module(path.read_bytes(), str(path)), namespace)
    return namespace, path


def swap(tmp_path: Path, path: Path, new: str) -> int:
    """Apply the mutant `new` to the live module; the number of functions swapped."""
    original = compile_module(path.read_bytes(), str(path))
    swaps = plan_swaps(original, compile_module(new, str(path)), LiveFunctions.scan(tmp_path))
    for one in swaps:
        one.apply()
    return len(swaps)


def test_a_changed_body_reaches_every_holder_of_the_function(tmp_path: Path) -> None:
    namespace, path = load(tmp_path, MODULE)
    held = namespace["ROUTES"]["/add"]  # as a FastAPI route holds its endpoint
    assert held(2, 3) == ("wrapped", 5)
    swap(tmp_path, path, MODULE.replace("return a + b", "return a - b"))
    assert held(2, 3) == ("wrapped", -1)
    assert namespace["add"](2, 3) == ("wrapped", -1)


def test_a_decorators_inner_function_made_at_import_is_swapped(tmp_path: Path) -> None:
    namespace, path = load(tmp_path, MODULE)
    new = MODULE.replace('return ("wrapped", function(*args))', 'return ("other", function(*args))')
    # The wrapper made at import (ROUTES and `add` hold it), and `route`, which makes the next ones.
    assert swap(tmp_path, path, new) == 2
    assert namespace["ROUTES"]["/add"](1, 1) == ("other", 2)


def test_a_function_made_at_run_time_comes_from_its_swapped_maker(tmp_path: Path) -> None:
    namespace, path = load(tmp_path, MODULE)
    swap(tmp_path, path, MODULE.replace("return n + 1", "return n + 2"))
    assert namespace["make_counter"]()(1) == 3


def test_methods_and_moved_lines(tmp_path: Path) -> None:
    namespace, path = load(tmp_path, MODULE)
    # Two lines more in add(): everything below it moves, only add and size behave otherwise.
    new = MODULE.replace("return a + b", "total = a * b\n    return total").replace(
        "return 3", "return 4"
    )
    swap(tmp_path, path, new)
    assert namespace["add"](2, 3) == ("wrapped", 6)
    assert namespace["Box"]().size() == 4
    assert namespace["make_counter"]()(1) == 2
    assert (
        namespace["make_counter"].__code__.co_firstlineno
        == new.splitlines().index("def make_counter():") + 1
    )


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("ROUTES = {}", 'ROUTES = {"x": None}', "the module body"),
        ('@route("/add")', '@route("/plus")', "the module body"),
        ("def add(a, b):", "def add(a, b=1):", "the module body"),
        (
            "    def size(self):\n        return 3",
            "    SIZE = 3\n\n    def size(self):\n        return 3",
            "Box",
        ),
        ("        return n + 1", "        return n + 1 + len(MODULE_LEVEL)", None),
    ],
)
def test_what_ran_at_import_is_refused(tmp_path: Path, old: str, new: str, why: str | None) -> None:
    _namespace, path = load(tmp_path, MODULE)
    assert old in MODULE
    mutated = MODULE.replace(old, new)
    if why is None:  # a new global read is fine: nothing ran at import differently
        swap(tmp_path, path, mutated)
        return
    with pytest.raises(NotHot, match=why):
        swap(tmp_path, path, mutated)


GONE = "\n\ndef gone():\n    return 1\n\n\ndel gone\n"


@pytest.mark.parametrize(
    ("extra", "old", "new", "why"),
    [
        ("", 'return ("wrapped", function(*args))', "return (path, function(*args))", "free"),
        (GONE, "    return 1\n\n\ndel", "    return 2\n\n\ndel", "no live function runs"),
        ("", "ROUTES[path] = wrapper", "ROUTES[path] = (lambda: wrapper)()", "is alive"),
        ("", "ROUTES = {}", 'ROUTES = {"f": lambda: 1}', "not the same ones"),
    ],
    ids=["other free variables", "no live function", "a live function made anew", "another shape"],
)
def test_unprovable_swaps_are_refused(
    tmp_path: Path, extra: str, old: str, new: str, why: str
) -> None:
    source = MODULE + extra
    _namespace, path = load(tmp_path, source)
    assert old in source
    with pytest.raises(NotHot, match=why):
        swap(tmp_path, path, source.replace(old, new))


def test_unchanged_code_swaps_nothing(tmp_path: Path) -> None:
    _namespace, path = load(tmp_path, MODULE)
    original = compile_module(path.read_bytes(), str(path))
    assert plan_swaps(original, original, LiveFunctions.scan(tmp_path)) == []


def test_a_lambda_added_inside_a_function_is_made_by_its_new_code(tmp_path: Path) -> None:
    namespace, path = load(tmp_path, MODULE)
    assert swap(tmp_path, path, MODULE.replace("return a + b", "return (lambda: a - b)()")) == 1
    assert namespace["add"](2, 3) == ("wrapped", -1)
