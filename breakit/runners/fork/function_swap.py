"""Hot mutants: a change inside function bodies becomes new code objects for live functions.

A worker that has imported the project and collected the suite once (its hot session)
can run such a mutant without importing anything again: compile the mutated module, pair its
code objects with the original's, and give every live function whose code changed the new code
(`function.__code__ = new`). Everything that holds the function — a FastAPI route, a `Depends`,
a `Field(default_factory=…)`, a decorator's wrapper — then runs the mutated body, which is what
a fresh import would have given, as long as the module's own code (its body, class bodies,
decorators, default values) is unchanged: that part ran once, at import, and is not run again.

`plan_swaps` refuses (raises NotHot) whenever it cannot prove the swap equivalent to a fresh
import: another module shape, a changed module or class body, a function whose free variables
changed, or changed code that no live function (itself or an enclosing one) would ever run.
The caller then runs the mutant the fresh way. A changed module or class body is left, with
`bodies_run_again`, to breakit.runners.fork.reexec, which runs its changed statements again; the lab
never sends a change to a function body that ran at import (breakit.engine.selection.hot_eligible).
"""

from __future__ import annotations

import gc
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, FunctionType

Path_ = tuple[tuple[str, int], ...]  # a code object's place in its module: (name, ordinal)…

_OPTIMIZED = 0x0001  # CO_OPTIMIZED: a function's code (not a module or class body)


class NotHot(Exception):
    """This change cannot be run by swapping code: run it the fresh way."""


@dataclass
class LiveFunctions:
    """The project's function objects alive in this process, by where their code was defined."""

    by_place: dict[tuple[str, str, int], list[FunctionType]]

    @classmethod
    def scan(cls, root: Path) -> LiveFunctions:
        """Every function whose code comes from a file under `root` (gc sees them all)."""
        prefix = str(root) + os.sep
        by_place: dict[tuple[str, str, int], list[FunctionType]] = defaultdict(list)
        for obj in gc.get_objects():
            if isinstance(obj, FunctionType):
                code = obj.__code__
                if code.co_filename.startswith(prefix):
                    by_place[_place(code)].append(obj)
        return cls(dict(by_place))

    def of(self, code: CodeType) -> list[FunctionType]:
        """The live functions running exactly `code` (equal by value, from the same file)."""
        return [f for f in self.by_place.get(_place(code), ()) if f.__code__ == code]


@dataclass(frozen=True)
class Swap:
    function: FunctionType
    code: CodeType

    def apply(self) -> None:
        self.function.__code__ = self.code


def compile_module(source: str | bytes, filename: str) -> CodeType:
    """As importlib compiles a module's source (no flags inherited from breakit)."""
    return compile(source, filename, "exec", dont_inherit=True)


def plan_swaps(
    original: CodeType, mutated: CodeType, live: LiveFunctions, *, bodies_run_again: bool = False
) -> list[Swap]:
    """The swaps that turn the live `original` module's functions into `mutated`'s. With
    `bodies_run_again`, a changed module or class body is not refused: its changed statements run
    again (breakit.runners.fork.reexec), and with them the code they create and run at once (a
    comprehension, a lambda)."""
    old = dict(_walk(original))
    new = dict(_walk(mutated))
    left_out = _rebuilt(old, new, live, bodies_run_again)
    if left_out:  # made anew from their changed parents' code: not paired
        old = {p: c for p, c in old.items() if p not in left_out}
        new = {p: c for p, c in new.items() if p not in left_out}
    swaps: list[Swap] = []
    swapped: set[Path_] = set()
    for place, code in old.items():
        changed = new[place]
        if code == changed:
            continue
        if not code.co_flags & _OPTIMIZED:
            if _shape(code) != _shape(changed) and not bodies_run_again:
                what = "the module body" if code.co_name == "<module>" else code.co_qualname
                raise NotHot(f"{what} changed: it ran at import")
            continue  # only its line numbers moved
        if code.co_freevars != changed.co_freevars:
            raise NotHot(f"{code.co_qualname} has other free variables")
        functions = live.of(code)
        swaps.extend(Swap(function, changed) for function in functions)
        if functions:
            swapped.add(place)
    for place, code in old.items():
        if _shape(code) == _shape(new[place]) or not code.co_flags & _OPTIMIZED:
            continue
        # Changed behaviour must reach a live function: this one, or one that creates it; or,
        # when bodies run again, the statement that creates it (and runs it, or binds it anew).
        if bodies_run_again and _made_by_a_body(place, old):
            continue
        if not any(place[:n] in swapped for n in range(len(place), 0, -1)):
            raise NotHot(f"no live function runs the changed {code.co_qualname}")
    return swaps


def bodies_changed(original: CodeType, mutated: CodeType) -> bool:
    """True if what ran at import changed: the module's body or a class body (not only their
    line numbers)."""
    old, new = dict(_walk(original)), dict(_walk(mutated))
    return any(
        not code.co_flags & _OPTIMIZED and (place not in new or _shape(code) != _shape(new[place]))
        for place, code in old.items()
    )


def _rebuilt(
    old: Mapping[Path_, CodeType],
    new: Mapping[Path_, CodeType],
    live: LiveFunctions,
    bodies_run_again: bool,
) -> set[Path_]:
    """The places of code objects made anew from changed code, to leave out of the pairing: a
    comprehension or lambda added or removed inside a function present on both sides (all that
    function's nested code, none of it alive), or, when bodies run again, inside a module or
    class body (its comprehensions and lambdas: the statements making them run again).
    NotHot when another code object is added or removed."""
    left_out: set[Path_] = set()
    for place in old.keys() ^ new.keys():
        anchor = next(
            p for n in range(len(place) - 1, -1, -1) if (p := place[:n]) in old and p in new
        )
        if old[anchor].co_flags & _OPTIMIZED:
            nested = {p for p in old.keys() | new.keys() if _inside(p, anchor)}
            alive = [c.co_qualname for p, c in old.items() if p in nested and live.of(c)]
            if alive:
                raise NotHot(f"{alive[0]} is alive, and its code is made anew")
        elif bodies_run_again and place[len(anchor)][0] in _MADE_IN_PLACE:
            name = place[len(anchor)][0]
            nested = {
                p
                for p in old.keys() | new.keys()
                if _inside(p, anchor) and p[len(anchor)][0] == name
            }
        else:
            raise NotHot("the module's functions are not the same ones")
        left_out |= nested
    return left_out


def _inside(place: Path_, anchor: Path_) -> bool:
    """True if `place` is strictly inside `anchor`."""
    return len(place) > len(anchor) and place[: len(anchor)] == anchor


_MADE_IN_PLACE = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"})


def _made_by_a_body(place: Path_, codes: Mapping[Path_, CodeType]) -> bool:
    """True for a comprehension or lambda (or code inside one) whose nearest enclosing `def`
    does not exist: a module or class body creates it, in a statement that runs again."""
    for n in range(len(place), 0, -1):
        code = codes[place[:n]]
        if code.co_name not in _MADE_IN_PLACE:
            return False
        if not codes[place[: n - 1]].co_flags & _OPTIMIZED:
            return True
    return False


def _place(code: CodeType) -> tuple[str, str, int]:
    return (code.co_filename, code.co_qualname, code.co_firstlineno)


def _walk(code: CodeType, place: Path_ = ()) -> Iterator[tuple[Path_, CodeType]]:
    yield place, code
    seen: dict[str, int] = defaultdict(int)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            ordinal = seen[const.co_name]
            seen[const.co_name] += 1
            yield from _walk(const, (*place, (const.co_name, ordinal)))


def _shape(code: CodeType) -> tuple[object, ...]:
    """What the code itself does, without where its lines are, and without what the functions
    it defines do (each nested code object is compared on its own)."""
    return (
        code.co_code,
        code.co_names,
        code.co_varnames,
        code.co_freevars,
        code.co_cellvars,
        code.co_flags,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_exceptiontable,
        tuple(
            ("code", c.co_name) if isinstance(c, CodeType) else (type(c), c) for c in code.co_consts
        ),
    )
