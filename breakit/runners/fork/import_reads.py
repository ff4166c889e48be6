"""What a module's code does at import, read from its source: which of its statements a mutant
changed, which names each statement reads while it runs (not later, when a function it defines is
called), and what another module took from it by `from m import X` or reads through `import m`.

breakit.runners.fork.reexec builds on this to run a module-level mutant in a hot session: the
changed statements run again, then every statement that read a name they bind, and no other module
may have read such a name at import. Pure syntax: nothing here imports or runs the project.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
# Calls that read or write a namespace by name, which no syntax can follow.
DYNAMIC = frozenset({"globals", "locals", "vars", "exec", "eval", "__import__", "setattr"})


def paired_statements(
    original: list[ast.stmt], mutated: list[ast.stmt]
) -> list[tuple[ast.stmt, ast.stmt, bool]] | None:
    """Each statement of a body beside its mutated twin, and whether it changed; None when the
    bodies do not pair up (a statement added or removed)."""
    if len(original) != len(mutated):
        return None
    pairs = []
    for old, new in zip(original, mutated, strict=True):
        if type(old) is not type(new):
            return None
        pairs.append((old, new, _dump(old) != _dump(new)))
    return pairs


@dataclass
class ParsedSource:
    """A module's source as imported, parsed once: its top-level statements and their lines,
    so that a mutant's text is read by parsing only the statements whose lines it changed."""

    body: list[ast.stmt]
    lines: list[str]
    spans: list[tuple[int, int]]  # each statement's first (decorators included) and last line

    @classmethod
    def of(cls, source: str | bytes) -> ParsedSource:
        tree = ast.parse(source)
        text = source.decode("utf-8") if isinstance(source, bytes) else source
        spans = [
            (
                min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))]),
                s.end_lineno or s.lineno,
            )
            for s in tree.body
        ]
        return cls(tree.body, text.splitlines(), spans)

    def pairs(self, mutated: str) -> list[tuple[ast.stmt, ast.stmt, bool]] | None:
        """As paired_statements on `mutated`'s body, parsing only the changed statements; None
        when that cannot be done (lines added or removed, a line holding two statements)."""
        new_lines = mutated.splitlines()
        if len(new_lines) != len(self.lines):
            return None
        changed = {
            i + 1 for i, (a, b) in enumerate(zip(self.lines, new_lines, strict=True)) if a != b
        }
        pairs = [(statement, statement, False) for statement in self.body]
        for index, (first, last) in enumerate(self.spans):
            if not any(first <= line <= last for line in changed):
                continue
            try:
                parsed = ast.parse("\n".join(new_lines[first - 1 : last])).body
            except SyntaxError:
                return None
            old = self.body[index]
            if len(parsed) != 1 or type(parsed[0]) is not type(old):
                return None
            new = ast.increment_lineno(parsed[0], first - 1)
            pairs[index] = (old, new, _dump(old) != _dump(new))
        return pairs


def function_code_changed(old: ast.stmt, new: ast.stmt) -> bool:
    """True if the body of a `def` inside the statement (itself, a method, a nested one) changed:
    code that runs when it is called, for the code swap (runners.fork.function_swap); a default
    value, a
    class attribute or a decorator is not in a function's code."""
    old_defs = [n for n in ast.walk(old) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    new_defs = [n for n in ast.walk(new) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if len(old_defs) != len(new_defs):
        return True
    return any(
        [_dump(s) for s in a.body] != [_dump(s) for s in b.body]
        for a, b in zip(old_defs, new_defs, strict=True)
    )


def only_body_changed(old: ast.stmt, new: ast.stmt) -> bool:
    """True if a `def` changed only inside its body: what runs when it is called, not at import
    (its defaults, decorators and annotations are the same)."""
    if not isinstance(old, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    assert isinstance(new, ast.FunctionDef | ast.AsyncFunctionDef)
    return _dump(_header(old)) == _dump(_header(new))


def reads_at_import(node: ast.AST) -> set[str]:
    """The names `node` loads while it runs at import: a def's decorators, defaults and
    annotations, a class's bases and body, but not a function's or a lambda's body (`X += 1`
    reads `X`)."""
    return {
        n.id
        for n in _import_time_nodes(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    } | (binds(node) if isinstance(node, ast.AugAssign) else set())


def attribute_reads_at_import(node: ast.AST) -> set[tuple[str, str]]:
    """`(name, attribute)` for every `name.attribute` `node` reads while it runs at import."""
    return {
        (n.value.id, n.attr)
        for n in _import_time_nodes(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }


def binds(node: ast.stmt) -> set[str]:
    """The names a statement binds in the namespace it runs in."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    return {
        n.id
        for target in targets
        for n in ast.walk(target)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def simple_targets(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> bool:
    """True if every target is a name (or a tuple of names): nothing assigned into an object."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return all(
        isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Starred)
        for target in targets
        for n in ast.walk(target)
        if not isinstance(n, ast.expr_context)
    )


def is_dynamic(node: ast.AST) -> bool:
    """True if `node` calls what reads or writes a namespace by name at import (`globals()`…)."""
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in DYNAMIC
        for n in _import_time_nodes(node)
    )


def private_names(node: ast.AST) -> bool:
    """True if `node` uses a class-private name (`__x`), which Python mangles in a class body."""
    for n in ast.walk(node):
        name = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
        if name.startswith("__") and not name.endswith("__"):
            return True
    return False


@dataclass
class Takes:
    """What one module took at import from another (`source`): names bound to its values (alias
    → name, from `from source import name as alias`; `*` for a star import) and names bound to
    the module itself (`import source as alias`); and what it read at import through them."""

    values: dict[str, str] = field(default_factory=dict)
    star: bool = False
    modules: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    attribute_reads: set[tuple[str, str]] = field(default_factory=set)
    # The names read other than as a value of `pytest.mark.parametrize` (which holds the object
    # and reads nothing of it while the module imports).
    uses: set[str] = field(default_factory=set)

    def read_at_import(self, name: str, *, same_object: bool = False) -> bool:
        """True if the module read `source`'s `name` at import, other than by importing it;
        with `same_object` (the name's value was changed in place, not rebound), other than by
        holding it in a parametrize list."""
        aliases = {alias for alias, taken in self.values.items() if taken == name}
        if self.star:
            aliases.add(name)
        return bool(aliases & (self.uses if same_object else self.reads)) or any(
            (alias, name) in self.attribute_reads for alias in self.modules
        )


def takes_from(tree: ast.Module, module: str, package: str, source: str) -> Takes:
    """What the module `module` (in `package`, parsed as `tree`) took at import from the module
    named `source`."""
    takes = Takes(modules={source})  # `import pkg.mod`, then `pkg.mod.X`
    for statement in _import_time_statements(tree.body):
        if isinstance(statement, ast.ImportFrom):
            base = _absolute(statement, package)
            for alias in statement.names:
                bound = alias.asname or alias.name
                if base == source:
                    if alias.name == "*":
                        takes.star = True
                    else:
                        takes.values[bound] = alias.name
                elif f"{base}.{alias.name}" == source:
                    takes.modules.add(bound)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.name == source and alias.asname:
                    takes.modules.add(alias.asname)  # (without `as`: `source.X`, below)
        else:
            takes.reads |= reads_at_import(statement)
            takes.uses |= _used_at_import(statement)
            takes.attribute_reads |= attribute_reads_at_import(statement)
            takes.attribute_reads |= _dotted_reads(statement, source)
    return takes


def _used_at_import(statement: ast.stmt) -> set[str]:
    """The names `statement` loads at import other than as a value of a parametrize call's
    lists: what reads, calls or derives from the object, not only holds it."""
    used: set[str] = set()

    def visit(node: ast.AST, held: bool) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and not held:
                used.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for part in _import_time_parts(node):
                visit(part, False)
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            for item in node.elts:
                visit(item, held)
        elif isinstance(node, ast.Call) and _parametrize(node.func):
            visit(node.func, False)
            for value in [*node.args, *(k.value for k in node.keywords)]:
                visit(value, True)
        else:
            for child in ast.iter_child_nodes(node):
                visit(child, False)

    visit(statement, False)
    return used


def _parametrize(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "parametrize"


def _import_time_parts(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.AST]:
    """What a def or lambda evaluates when it is made: decorators, defaults, annotations."""
    if isinstance(node, ast.Lambda):
        return [node.args]
    return [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]


def _dotted_reads(node: ast.AST, source: str) -> set[tuple[str, str]]:
    """`import pkg.mod` then `pkg.mod.X` at import: read as `(source, X)` (with `source` also
    among the module's names for it, see `takes_from`'s caller)."""
    found: set[tuple[str, str]] = set()
    for n in _import_time_nodes(node):
        if isinstance(n, ast.Attribute) and _dotted(n.value) == source:
            found.add((source, n.attr))
    return found


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _absolute(statement: ast.ImportFrom, package: str) -> str:
    if not statement.level:
        return statement.module or ""
    parts = package.split(".") if package else []
    base = parts[: len(parts) - statement.level + 1] if statement.level > 1 else parts
    return ".".join([*base, *([statement.module] if statement.module else [])])


def _import_time_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements that run at import, into the blocks (`if`, `try`, `with`, `for`) a module
    body runs, but not into functions."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If | ast.For | ast.While | ast.With | ast.Try):
            for name in ("body", "orelse", "finalbody"):
                yield from _import_time_statements(getattr(statement, name, []))
            for handler in getattr(statement, "handlers", []):
                yield from _import_time_statements(handler.body)


def _import_time_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node of `node` that is evaluated when `node` runs, skipping function bodies."""
    todo: list[ast.AST] = [node]
    while todo:
        current = todo.pop()
        yield current
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            todo.extend(current.decorator_list)
            todo.append(current.args)
            if current.returns is not None:
                todo.append(current.returns)
        elif isinstance(current, ast.Lambda):
            todo.append(current.args)
        else:
            todo.extend(ast.iter_child_nodes(current))


def _header(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
    return type(node)(
        name=node.name,
        args=node.args,
        body=[],
        decorator_list=node.decorator_list,
        returns=node.returns,
        type_comment=None,
        **({"type_params": node.type_params} if hasattr(node, "type_params") else {}),
    )


def _dump(node: ast.AST) -> str:
    return ast.dump(node, include_attributes=False)
