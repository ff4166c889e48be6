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
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange

from breakit.model import Mutant
from breakit.operators.splice import node_positions
from breakit.triage.identical import changed_region

VALUE_KINDS = (
    "value",
    "truth",
    "operand",
    "binop",
    "compare",
    "chain",
    "boolop",
    "negation",
    "augmented",
)


@dataclass(frozen=True)
class Probe:
    """One mutant's probe: replace `[start, end)` of `path` (an insertion when equal) with a
    call of the recorder's `kind`, made of `parts` (operand code) and the operators."""

    mutant: str
    kind: str
    path: str
    start: int
    end: int
    parts: tuple[str, ...] = ()
    ops: tuple[str, ...] = ()  # the original's operators
    alternative: tuple[str, ...] | str = ()  # the mutant's operators, or its literal's repr
    pure: tuple[bool, ...] = ()  # per part: may be evaluated when the original did not
    site: str = ""  # the original code at the site, for the reports
    mutated: str = ""  # the mutant's code there

    @property
    def compares(self) -> bool:
        return self.kind in VALUE_KINDS

    @property
    def key(self) -> tuple[object, ...]:
        """Probes with the same key are one call with several alternatives."""
        return (self.path, self.start, self.end, self.kind, self.parts, self.ops)


class Source:
    """One original file parsed once: its tree, each node's span as offsets, line starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.module = cst.parse_module(text)
        starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                starts.append(index + 1)
        self.line_starts = starts
        positions, _spans = node_positions(self.module)
        self.spans = {node: self._offsets(r) for node, r in positions.items()}

    def _offsets(self, where: CodeRange) -> tuple[int, int]:
        return self.offset(where.start.line, where.start.column), self.offset(
            where.end.line, where.end.column
        )

    def offset(self, line: int, column: int) -> int:
        if line > len(self.line_starts):
            return len(self.text)
        return min(self.line_starts[line - 1] + column, len(self.text))

    def path_to(self, start: int, end: int) -> list[cst.CSTNode]:
        """The nodes from the module down to the smallest one spanning `[start, end)`. A node's
        span may leave out a child's (a parameter's covers its name, not its default): when no
        child spans the region, the search goes on under the children that overlap it."""
        path: list[cst.CSTNode] = [self.module]
        while True:
            inner = next((c for c in path[-1].children if self._holds(c, start, end)), None)
            if inner is None:
                below = self._under(path[-1], start, end)
                if not below:
                    return path
                path.extend(below)
                continue
            path.append(inner)

    def _holds(self, node: cst.CSTNode, start: int, end: int) -> bool:
        span = self.spans.get(node)
        return span is not None and span[0] <= start and end <= span[1] and span[1] > span[0]

    def _under(self, node: cst.CSTNode, start: int, end: int) -> list[cst.CSTNode]:
        """The path from a child of `node` down to a node spanning the region, or []."""
        for child in node.children:
            if self._holds(child, start, end):
                return [child]
            deeper = self._under(child, start, end)
            if deeper:
                return [child, *deeper]
        return []

    def code(self, node: cst.CSTNode) -> str:
        start, end = self.spans[node]
        return self.text[start:end]


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
        lifted = _operand_probe(literal, source, node, nodes[index - 1], nodes[index - 2])
        if lifted is not None:
            return lifted
    if literal is not None and _tested(nodes[index - 1], node):
        literal = _with(literal, "truth", literal.parts, alternative=literal.alternative)
    return _operator_probe(base, source, node, other, lazy_ok) or literal


def _operand_probe(
    literal: Probe, source: Source, node: cst.CSTNode, parent: cst.CSTNode, grand: cst.CSTNode
) -> Probe | None:
    """A literal that is an operand of a comparison or an arithmetic operation (`score >= 90`
    → `score >= 89`): what counts is the operation's result, compared with the literal swapped
    in (`operand`)."""
    op: cst.CSTNode
    if isinstance(parent, cst.ComparisonTarget) and isinstance(grand, cst.Comparison):
        whole: cst.CSTNode = grand
        left, right, op = grand.left, parent.comparator, parent.operator
        if len(grand.comparisons) != 1 or right is not node:
            return None
    elif isinstance(parent, cst.Comparison) and len(parent.comparisons) == 1:
        whole, left = parent, parent.left
        right, op = parent.comparisons[0].comparator, parent.comparisons[0].operator
    elif isinstance(parent, cst.BinaryOperation):
        whole, left, right, op = parent, parent.left, parent.right, parent.operator
    else:
        return None
    if node is not left and node is not right:
        return None
    start, end = source.spans[whole]
    index = "0" if node is left else "1"
    return Probe(
        literal.mutant,
        "operand",
        literal.path,
        start,
        end,
        (source.code(left), source.code(right)),
        (_op(op),),
        (index, str(literal.alternative)),
        site=source.code(whole),
        mutated=_mutated_whole(source, whole, node, literal.mutated),
    )


def _mutated_whole(source: Source, whole: cst.CSTNode, node: cst.CSTNode, new: str) -> str:
    start, end = source.spans[whole]
    inner_start, inner_end = source.spans[node]
    return source.text[start:inner_start] + new + source.text[inner_end:end]


def _tested(parent: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Only its truth counts: the test of an `if`, `while`, `assert`, `x if … else y`, `not`."""
    if isinstance(parent, cst.If | cst.While | cst.IfExp | cst.Assert):
        return parent.test is node
    return isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not)


def _op(node: cst.CSTNode) -> str:
    return " ".join(cst.Module([]).code_for_node(node).split())


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
        ops = tuple(_op(t.operator) for t in ours)
        alternative = tuple(_op(t.operator) for t in theirs)
        if len(ops) == 1:
            return _with(base, "compare", parts, ops, alternative)
        if not lazy_ok or not all(
            _thunkable(n) for n in (node.left, *(t.comparator for t in ours))
        ):
            return None
        pure = tuple(_pure(n) for n in (node.left, *(t.comparator for t in ours)))
        return _with(base, "chain", parts, ops, alternative, pure)
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
        return _with(base, kind, parts, (_op(node.operator),), (_op(other.operator),), pure)
    if (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Not)
        and _same(node.expression, other)
    ):
        return _with(base, "negation", (source.code(node.expression),))
    return None


def _with(
    base: Probe,
    kind: str,
    parts: tuple[str, ...],
    ops: tuple[str, ...] = (),
    alternative: tuple[str, ...] | str = (),
    pure: tuple[bool, ...] = (),
) -> Probe:
    return Probe(
        base.mutant,
        kind,
        base.path,
        base.start,
        base.end,
        parts,
        ops,
        alternative,
        pure,
        base.site,
        base.mutated,
    )


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
    return _with(base, "value", (source.code(node),), alternative=spelt)


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
    ops = (_op(node.operator).rstrip("="),)
    return _with(base, "augmented", parts, ops, (_op(small.operator).rstrip("="),))


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
