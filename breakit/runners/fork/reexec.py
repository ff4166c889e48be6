"""Module-level mutants in a hot session: the changed statements of a module run again in its
live namespace, in a forked child, with what a fresh import would have given them.

A mutant of a module's constant, a table of data, a default value or a class attribute changes code
that ran once, at import. A hot child (breakit.runners.fork.hot) can still run it without a new
pytest start, when re-running a few statements is the same as importing the mutated module:

- the changed statements run again in the module's own namespace, and after them every statement
  that read, at import, a name they bound (`_PAT = re.compile(PATTERN)` after `PATTERN`), in source
  order (breakit.runners.fork.import_reads says what each reads);
- a name bound by an assignment gets its new value; a `def` keeps its function object (live
  routes, wrappers and tests hold it) and gets new defaults; a class keeps its class object (its
  instances, subclasses and `isinstance` checks hold it) and gets its changed attributes;
- a module that took a new value with `from m import X` is given the new value; one that read such
  a name at import (a table built from it, a `parametrize` list) cannot be, so the plan refuses;
- after the run, the old value of every rebound name must be held by nothing else built at
  import (checked by the garbage collector's referrers, in the child).

Everything the plan cannot follow raises NotHot with its reason (a decorator, a metaclass or
`__init_subclass__`, a statement that reads the name it binds, `globals()`, a changed `if` or
`for`), and the mutant runs fresh. `plan_reexec` runs in the session, before the fork;
`Reexec.apply` in the child, where what it changes dies with the child.
"""

from __future__ import annotations
import __future__

import ast
import gc
import re
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from breakit.runners.fork.function_swap import NotHot
from breakit.runners.fork.import_reads import (
    Takes,
    binds,
    is_dynamic,
    only_body_changed,
    paired_statements,
    private_names,
    reads_at_import,
    simple_targets,
)

Pair = tuple[ast.stmt, ast.stmt, bool]  # a statement, the mutant's, and whether it changed
ATOMIC = (str, bytes, int, float, complex, bool, type(None))
# What `type()` reads from a class body as it makes the class, and never again.
_READ_WHEN_MADE = frozenset(
    {"__slots__", "__qualname__", "__module__", "__classcell__", "__dict__", "__weakref__"}
)
_METHOD_WRAPPERS = frozenset({"staticmethod", "classmethod"})


@dataclass
class Step:
    """One statement to run again: `bind` (assign names), `call` (a method call on a value just
    rebound), `defaults` (a def: new defaults for the live function `name`), `klass` (a class:
    `steps` run in its namespace, onto the live class `name`), or `doc` (a new docstring)."""

    kind: str
    code: types.CodeType | None
    name: str = ""
    bound: tuple[str, ...] = ()
    steps: list[Step] = field(default_factory=list)
    value: str | None = None  # doc: the new docstring


@dataclass
class Reexec:
    """The plan for one module: its steps, the names rebound to new values (`fresh`), and the
    other modules' names to give those values: (their namespace, their name, our name)."""

    module: types.ModuleType
    steps: list[Step]
    fresh: frozenset[str]
    rebinds: list[tuple[dict[str, Any], str, str]]

    def apply(self) -> None:
        """Run the plan (in the child): NotHot if a statement raises or an old value is held."""
        namespace = vars(self.module)
        old = {name: namespace.get(name) for name in self.fresh}
        replaced: list[object] = []  # class attributes set anew
        try:
            _run_steps(self.steps, namespace, namespace, None, replaced)
        except Exception as exc:
            raise NotHot(f"re-running {self.module.__name__} raised {type(exc).__name__}") from exc
        for other, alias, name in self.rebinds:
            if other.get(alias) is old[name]:
                other[alias] = namespace[name]
        held = [value for value in [*old.values(), *replaced] if not _atomic(value)]
        del old, replaced
        where = _held_elsewhere(held, [namespace, *(other for other, _, _ in self.rebinds)])
        if where:
            raise NotHot(f"an old value of {self.module.__name__} is held by {where}")


def module_pairs(original: str | bytes, mutated: str) -> list[Pair]:
    """The module's statements beside the mutant's (import_reads.paired_statements)."""
    try:
        old_tree, new_tree = ast.parse(original), ast.parse(mutated)
    except SyntaxError as exc:
        raise NotHot(f"the mutant does not parse: {exc}") from None
    pairs = paired_statements(old_tree.body, new_tree.body)
    if pairs is None:
        raise NotHot("a statement was added or removed at import time")
    return pairs


Takers = Callable[[types.ModuleType], Mapping[types.ModuleType, Takes]]


def plan_reexec(module: types.ModuleType, pairs: list[Pair], takers: Takers) -> Reexec:
    """The plan that turns live `module` into the mutant's, whose top-level statements are
    `pairs` (original, mutated, changed); `takers(source)`: what each other module of the project
    took from `source` at import (import_reads.takes_from) — from `module`, and from the modules
    that re-export its names (`from .constants import X` in a package's `__init__`)."""
    filename = getattr(module, "__file__", None) or "<module>"
    body = _Body(filename, vars(module), in_class=False, flags=_future_flags(module))
    steps = body.plan(pairs)
    rebinds: list[tuple[dict[str, Any], str, str]] = []
    # (a module holding a changed name, the name it holds it under, the name in `module`)
    todo = [(module, name, name) for name in sorted(body.fresh | body.patched)]
    seen = {(module, name) for _, name, _ in todo}
    while todo:
        source, held_as, name = todo.pop()
        for other, takes in takers(source).items():
            if other is source:
                continue
            if takes.read_at_import(held_as, same_object=name not in body.fresh):
                raise NotHot(f"{other.__name__} reads {module.__name__}.{name} at import")
            aliases = [a for a, taken in takes.values.items() if taken == held_as]
            if takes.star and held_as in vars(other):
                aliases.append(held_as)
            for alias in aliases:
                if (other, alias) in seen:
                    continue
                seen.add((other, alias))
                todo.append((other, alias, name))
                if name in body.fresh:
                    rebinds.append((vars(other), alias, name))
    return Reexec(module, steps, frozenset(body.fresh), rebinds)


@dataclass
class _Body:
    """Plans one body (a module's or a class's) against its live namespace `values`."""

    filename: str
    values: Mapping[str, Any]
    in_class: bool
    flags: int = 0  # the module's `from __future__` imports, as compile() takes them
    # What changed in the enclosing bodies so far: a class body reads the module's names too.
    outer: frozenset[str] = frozenset()
    fresh: set[str] = field(default_factory=set)  # rebound to new objects
    patched: set[str] = field(default_factory=set)  # same object, changed inside

    def changed(self) -> set[str]:
        """The names whose value a statement run from here on may read changed."""
        return self.fresh | self.patched | self.outer

    def plan(self, pairs: list[Pair]) -> list[Step]:
        steps = []
        for index, (old, new, differs) in enumerate(pairs):
            if differs and _constant(new):  # a docstring, or a bare constant: nothing runs
                if index == 0 and isinstance(new.value.value, str):
                    steps.append(Step("doc", None, value=new.value.value))
                continue
            reads = reads_at_import(new)
            if not (differs or reads & self.changed()):
                continue
            if differs and only_body_changed(old, new):
                # what runs when it is called: the code swap's (runners.fork.function_swap)
                continue
            if is_dynamic(new) or (self.in_class and private_names(new)):
                raise NotHot(f"line {new.lineno} reads names Python resolves at run time")
            step = self._step(old, new, reads, differs)
            if step is not None:
                steps.append(step)
        return steps

    def _step(self, old: ast.stmt, new: ast.stmt, reads: set[str], differs: bool) -> Step | None:
        where = f"line {new.lineno}"
        if isinstance(new, ast.Assign | ast.AnnAssign | ast.AugAssign):
            if isinstance(new, ast.AnnAssign) and new.value is None:
                return None
            bound = binds(new)
            if not simple_targets(new) or (bound & reads) - self.fresh:
                raise NotHot(f"{where} assigns into what it reads")
            if self.in_class and bound & _READ_WHEN_MADE:
                raise NotHot(
                    f"{where}: {', '.join(sorted(bound))} is read only as the class is made"
                )
            self.fresh |= bound
            return Step("bind", self._compile(new), bound=tuple(sorted(bound)))
        if isinstance(new, ast.FunctionDef | ast.AsyncFunctionDef):
            return self._defaults(old, new, reads)
        if isinstance(new, ast.ClassDef):
            return self._class(old, new, reads)
        if isinstance(new, ast.Expr) and not differs and _call_on(new, self.fresh):
            return Step("call", self._compile(new))
        raise NotHot(f"{where}: a {type(new).__name__.lower()} statement changed or reads a change")

    def _defaults(
        self, old: ast.stmt, new: ast.FunctionDef | ast.AsyncFunctionDef, reads: set[str]
    ) -> Step:
        assert isinstance(old, ast.FunctionDef | ast.AsyncFunctionDef)
        decorators = {d.id for d in new.decorator_list if isinstance(d, ast.Name)}
        allowed = _METHOD_WRAPPERS if self.in_class else frozenset()
        if len(decorators) != len(new.decorator_list) or not decorators <= allowed:
            raise NotHot(f"{new.name} is decorated: its decorators saw its defaults")
        if not isinstance(_function(self.values.get(new.name)), types.FunctionType):
            raise NotHot(f"{new.name} is no longer the function its def made")
        self.patched.add(new.name)
        return Step("defaults", self._compile(new), name=new.name)

    def _class(self, old: ast.stmt, new: ast.ClassDef, reads: set[str]) -> Step | None:
        assert isinstance(old, ast.ClassDef)
        header = [*new.bases, *new.keywords, *new.decorator_list]
        # A base patched in place is the same class: only a base rebound to a new object moves.
        if new.decorator_list or any(
            reads_at_import(part) & (self.fresh | self.outer) for part in header
        ):
            raise NotHot(f"class {new.name}'s decorators or bases read a change")
        live = self.values.get(new.name)
        if not isinstance(live, type) or type(live) is not type:
            raise NotHot(f"class {new.name} has a metaclass, which saw its body")
        if any("__init_subclass__" in vars(base) for base in live.__mro__[1:-1]):
            raise NotHot(f"class {new.name}'s bases define __init_subclass__")
        pairs = paired_statements(old.body, new.body)
        if pairs is None:
            raise NotHot(f"a statement was added to or removed from class {new.name}")
        inner = _Body(self.filename, vars(live), True, self.flags, outer=frozenset(self.changed()))
        steps = inner.plan(pairs)
        if not steps:
            return None
        self.patched.add(new.name)
        return Step("klass", None, name=new.name, steps=steps)

    def _compile(self, statement: ast.stmt) -> types.CodeType:
        tree = ast.Module(body=[statement], type_ignores=[])
        return compile(tree, self.filename, "exec", flags=self.flags, dont_inherit=True)


def _run_steps(
    steps: list[Step],
    globals_: dict[str, Any],
    namespace: dict[str, Any],
    owner: type | None,
    replaced: list[object],
) -> None:
    """Run `steps` with `globals_` as the module's namespace, into `namespace` (the module's own,
    or a copy of class `owner`'s, whose changed attributes are then set on `owner`, their old
    values added to `replaced`)."""
    for step in steps:
        if step.kind == "doc":
            if owner is None:
                namespace["__doc__"] = step.value
            else:
                owner.__doc__ = step.value
            continue
        if step.kind == "klass":
            live = namespace[step.name]
            _run_steps(step.steps, globals_, dict(vars(live)), live, replaced)
            continue
        assert step.code is not None
        if step.kind == "defaults":
            target = _function(namespace[step.name])
            scratch = dict(namespace) if owner is not None else {}
            exec(step.code, globals_, scratch)
            made = _function(scratch[step.name])
            assert isinstance(target, types.FunctionType) and isinstance(made, types.FunctionType)
            target.__defaults__ = made.__defaults__
            target.__kwdefaults__ = made.__kwdefaults__
            target.__annotations__ = made.__annotations__
            continue
        exec(step.code, globals_, namespace)
        if owner is not None:
            for name in step.bound:
                replaced.append(vars(owner).get(name))
                setattr(owner, name, namespace[name])


def _constant(statement: ast.stmt) -> TypeGuard[ConstantExpr]:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


class ConstantExpr(ast.Expr):
    value: ast.Constant


def _future_flags(module: types.ModuleType) -> int:
    """The compiler flags of the module's `from __future__ import …` (each binds its name to
    the feature): a statement compiled alone must see `annotations` as the module does."""
    namespace = vars(module)
    flags = 0
    for name in __future__.all_feature_names:
        feature = getattr(__future__, name)
        if namespace.get(name) is feature:
            flags |= int(getattr(feature, "compiler_flag", 0))
    return flags


def _function(value: object) -> object:
    return value.__func__ if isinstance(value, staticmethod | classmethod) else value


def _call_on(statement: ast.Expr, fresh: set[str]) -> bool:
    """`X.update(…)`, `X.append(…)`: a call that changes only a value just rebound."""
    call = statement.value
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in fresh
    )


def _atomic(value: object) -> bool:
    """A value whose identity says nothing (an interned string, a small int, a tuple of them)."""
    if isinstance(value, tuple | frozenset):
        return all(_atomic(item) for item in value)
    return isinstance(value, ATOMIC)


def _held_elsewhere(held: list[object], namespaces: Iterable[dict[str, Any]]) -> str | None:
    """What else holds any of `held` (None: nothing but code constants and the `re` module's
    cache): a structure built at import from the old value."""
    if not held:
        return None
    allowed = {id(ns) for ns in namespaces} | {id(held)}
    allowed |= {id(cache) for cache in (getattr(re, "_cache", None), getattr(re, "_cache2", None))}
    frozen = gc.get_freeze_count() > 0
    if frozen:
        gc.unfreeze()  # the session froze what it built: referrers are found only unfrozen
    try:
        for holder in gc.get_referrers(*held):
            if id(holder) in allowed or isinstance(holder, types.FrameType | types.CodeType):
                continue
            if isinstance(holder, tuple) and all(
                isinstance(o, types.CodeType) for o in gc.get_referrers(holder)
            ):
                continue  # a code object's constants
            return f"a {type(holder).__name__} built at import"
        return None
    finally:
        if frozen:
            gc.freeze()
