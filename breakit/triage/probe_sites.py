"""Where a mutant changes the code, and the probe that compares the original value with the
mutant's there: a `Probe`, found from the original text and the mutant's.

The changed region is the mutant's location (a generated mutant's node) or, for a curated
breakage, the text between the longest common prefix and suffix. The smallest expression
holding it, with its counterpart in the mutant's text, decides the probe:
- an operator swapped (`<` → `<=`, `+` → `-`, `and` → `or`): the operands are evaluated once,
  as the code does, and both operators applied (`compare`, `chain`, `binop`, `boolop`);
- `not x` → `x`: `negation`; an expression replaced by a literal (`90` → `91`, a condition forced
  True, a value returned as None): `value`, the literal computed here;
- `x += y` → `x -= y`: `augmented`, when the target and value can be evaluated again;
- anything else (a call removed, a statement, an expression that is not a literal): `reached`,
  counted; no value to compare ("not comparable").
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence

import libcst as cst

from breakit.core.model import Mutant
from breakit.triage.identical import changed_region
from breakit.triage.lift import nested_probe, operand_probe
from breakit.triage.probe import Probe, Source, op_text, with_kind


def find_probe(mutant: Mutant, sources: Mapping[str, Source]) -> Probe | None:
    """The probe for `mutant`, or None when it changes no single file's code (a file deleted,
    several files changed) or its file does not parse."""
    if len(mutant.changes) != 1:
        return None
    (path,) = mutant.changes
    new = mutant.changes[path]
    source = sources.get(path)
    if new is None or source is None:
        return None
    start, end, delta = changed_region(source.text, new)
    where = mutant.location
    if where is not None and mutant.mutation is None and where.path == path:
        start = source.offset(where.start_line, where.start_column - 1)
        end = max(source.offset(where.end_line, where.end_column), start)
    nodes = source.path_to(start, end)
    return _expression_probe(mutant, source, nodes, new, delta) or _statement_probe(
        mutant, source, nodes, new, delta
    )


_NOT_AN_EXPRESSION = (
    (cst.Attribute, "attr"),
    (cst.Arg, "keyword"),
    (cst.Param, "name"),
    (cst.FunctionDef, "name"),
    (cst.ClassDef, "name"),
    (cst.AssignTarget, "target"),
    (cst.AugAssign, "target"),
    (cst.AnnAssign, "target"),
    (cst.For, "target"),
    (cst.CompFor, "target"),
    (cst.AsName, "name"),
)
_NEVER_INSIDE = (cst.FormattedString, cst.Annotation, cst.Decorator, cst.Del, cst.Global)


def _expression(nodes: Sequence[cst.CSTNode]) -> int | None:
    """The index in `nodes` of the smallest expression in a place a call may stand."""
    if any(isinstance(node, _NEVER_INSIDE) for node in nodes):
        return None
    for index in range(len(nodes) - 1, 0, -1):
        node, parent = nodes[index], nodes[index - 1]
        if not isinstance(node, cst.BaseExpression):
            continue
        if any(isinstance(parent, t) and getattr(parent, f) is node for t, f in _NOT_AN_EXPRESSION):
            continue
        if any(isinstance(n, cst.ConcatenatedString) for n in nodes[:index]):
            return None  # a piece of `"implicitly" "concatenated"`: no call may stand there
        return index
    return None


def _counterpart(source: Source, node: cst.CSTNode, new: str, delta: int) -> cst.CSTNode | None:
    start, end = source.spans[node]
    code = new[start : end + delta]
    for text in (code, f"({code})"):
        try:
            return cst.parse_expression(text)
        except cst.ParserSyntaxError:
            continue
    return None


def _expression_probe(
    mutant: Mutant, source: Source, nodes: list[cst.CSTNode], new: str, delta: int
) -> Probe | None:
    index = _expression(nodes)
    if index is None:
        return None
    node = nodes[index]
    other = _counterpart(source, node, new, delta)
    if other is None:
        return None
    start, end = source.spans[node]
    (path,) = mutant.changes
    base = Probe(
        mutant.id,
        "value",
        path,
        start,
        end,
        site=source.code(node),
        mutated=cst.Module([]).code_for_node(other),
    )
    lazy_ok = _lazy_ok(nodes[:index])
    literal = _literal_probe(base, source, node, other)
    if literal is not None and index >= 2:
        lifted = operand_probe(literal, source, node, nodes[index - 1], nodes[index - 2])
        if lifted is not None and lifted.kind == "operand":
            inner = isinstance(nodes[index - 1], cst.BinaryOperation)
            return nested_probe(lifted, source, nodes, index - 1) if inner else lifted
        if lifted is not None:
            return lifted
    if literal is not None and _tested(nodes[index - 1], node):
        literal = with_kind(literal, "truth", literal.parts, alternative=literal.alternative)
    operator = _operator_probe(base, source, node, other, lazy_ok)
    if operator is not None and operator.kind == "binop":
        return nested_probe(operator, source, nodes, index)
    return operator or literal


def _tested(parent: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Only its truth counts: the test of an `if`, `while`, `assert`, `x if … else y`, `not`."""
    if isinstance(parent, cst.If | cst.While | cst.IfExp | cst.Assert):
        return parent.test is node
    return isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not)


def _same(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    return a.deep_equals(b)


def _operator_probe(
    base: Probe, source: Source, node: cst.CSTNode, other: cst.CSTNode, lazy_ok: bool
) -> Probe | None:
    if isinstance(node, cst.Comparison) and isinstance(other, cst.Comparison):
        ours, theirs = node.comparisons, other.comparisons
        if len(ours) != len(theirs) or not _same(node.left, other.left):
            return None
        if not all(_same(a.comparator, b.comparator) for a, b in zip(ours, theirs, strict=True)):
            return None
        parts = (source.code(node.left), *(source.code(t.comparator) for t in ours))
        ops = tuple(op_text(t.operator) for t in ours)
        alternative = tuple(op_text(t.operator) for t in theirs)
        if len(ops) == 1:
            return with_kind(base, "compare", parts, ops, alternative)
        if not lazy_ok or not all(
            _thunkable(n) for n in (node.left, *(t.comparator for t in ours))
        ):
            return None
        pure = tuple(_pure(n) for n in (node.left, *(t.comparator for t in ours)))
        return with_kind(base, "chain", parts, ops, alternative, pure)
    pairs = (cst.BinaryOperation, cst.BooleanOperation)
    if isinstance(node, pairs) and type(other) is type(node):
        assert isinstance(other, pairs)
        if not (_same(node.left, other.left) and _same(node.right, other.right)):
            return None
        parts = (source.code(node.left), source.code(node.right))
        kind = "binop" if isinstance(node, cst.BinaryOperation) else "boolop"
        if kind == "boolop" and not (lazy_ok and _thunkable(node.right)):
            return None
        pure = (True, _pure(node.right))
        return with_kind(
            base, kind, parts, (op_text(node.operator),), (op_text(other.operator),), pure
        )
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Not)
        and _same(node.expression, other)
    ):
        return with_kind(base, "negation", (source.code(node.expression),))
    return None


def _literal_probe(
    base: Probe, source: Source, node: cst.CSTNode, other: cst.CSTNode
) -> Probe | None:
    try:
        literal = ast.literal_eval(base.mutated.strip())
        spelt = repr(literal)
        if ast.literal_eval(spelt) != literal or "\n" in spelt:
            return None
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return with_kind(base, "value", (source.code(node),), alternative=spelt)


def _statement_probe(
    mutant: Mutant, source: Source, nodes: list[cst.CSTNode], new: str, delta: int
) -> Probe | None:
    """`augmented` for `x += y` → `x -= y`; else the smallest simple statement holding the
    change is counted where it starts (`reached`); None when there is none."""
    if any(isinstance(node, _NEVER_INSIDE) for node in nodes):
        return None
    (path,) = mutant.changes
    for index in range(len(nodes) - 1, 0, -1):
        node = nodes[index]
        if not isinstance(node, cst.BaseSmallStatement) or not isinstance(
            nodes[index - 1], cst.SimpleStatementLine
        ):
            continue
        start, end = source.spans[node]
        site = source.code(node)
        mutated = new[start : end + delta]
        base = Probe(mutant.id, "reached", path, start, start, site=site, mutated=mutated)
        augmented = _augmented(base, source, node, mutated)
        return augmented or base
    return None


def _augmented(base: Probe, source: Source, node: cst.CSTNode, mutated: str) -> Probe | None:
    if not isinstance(node, cst.AugAssign):
        return None
    try:
        other = cst.parse_statement(mutated + "\n")
    except cst.ParserSyntaxError:
        return None
    small = other.body[0] if isinstance(other, cst.SimpleStatementLine) and other.body else None
    if not isinstance(small, cst.AugAssign) or not _same(node.target, small.target):
        return None
    if not (_same(node.value, small.value) and _pure(node.target) and _pure(node.value)):
        return None
    parts = (source.code(node.target), source.code(node.value))
    ops = (op_text(node.operator).rstrip("="),)
    return with_kind(base, "augmented", parts, ops, (op_text(small.operator).rstrip("="),))


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


_IMPURE = (cst.Call, cst.Await, cst.Yield, cst.NamedExpr, cst.Lambda)


def _pure(node: cst.CSTNode) -> bool:
    """Evaluating it again runs no code of the project's (no call, await, yield or walrus)."""
    return not any(isinstance(n, _IMPURE) for n in _walk(node))


def _thunkable(node: cst.CSTNode) -> bool:
    """It can be wrapped in a lambda: no await, yield or walrus inside."""
    return not any(isinstance(n, cst.Await | cst.Yield | cst.NamedExpr) for n in _walk(node))


def _lazy_ok(ancestors: Sequence[cst.CSTNode]) -> bool:
    """A lambda here sees the names the code sees: not directly in a class body."""
    for node in reversed(ancestors):
        if isinstance(node, cst.FunctionDef | cst.Lambda):
            return True
        if isinstance(node, cst.ClassDef):
            return False
    return True
