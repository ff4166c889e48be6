"""Where the operators apply in one module: a visitor that walks the tree once, asks each
operator registered for a node's type, and keeps every Edit as a Site (with the indentation
it renders at and the smallest unit that compiles on its own). Docstrings, imports, `__all__`,
the `if __name__ == "__main__":` block and annotations (but for operators that look there)
are skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from breakit.mutants.operators.base import Context, Edit, Operator


@dataclass(frozen=True)
class Site:
    rank: int  # the operator's place in the registry
    operator: Operator
    edit: Edit
    indents: tuple[str, ...]  # the indentation the changed node is rendered at
    # The smallest piece of the file that compiles on its own and holds the edit: a
    # top-level statement, or a statement of a top-level class's body (compiled under a
    # stand-in `class _:` header). Scopes nest inside it, so it compiles exactly when the
    # whole file does, at a fraction of the cost on big files.
    unit: cst.CSTNode
    in_class: bool


def _docstring(body: Sequence[cst.CSTNode]) -> cst.CSTNode | None:
    if not body:
        return None
    first = body[0]
    if isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1:
        expr = first.body[0]
        node: cst.CSTNode = first
    elif isinstance(first, cst.Expr):  # def f(): "docstring" on one line
        expr = node = first
    else:
        return None
    strings = (cst.SimpleString, cst.ConcatenatedString)
    return node if isinstance(expr, cst.Expr) and isinstance(expr.value, strings) else None


def _is_main_guard(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name | cst.Attribute):
        name = test.attr.value if isinstance(test, cst.Attribute) else test.value
        return name == "TYPE_CHECKING"
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    sides = (test.left, test.comparisons[0].comparator)
    return isinstance(test.comparisons[0].operator, cst.Equal) and any(
        isinstance(side, cst.Name) and side.value == "__name__" for side in sides
    )


def _assigns_all(line: cst.SimpleStatementLine) -> bool:
    for small in line.body:
        targets: list[cst.BaseExpression] = []
        if isinstance(small, cst.Assign):
            targets = [t.target for t in small.targets]
        elif isinstance(small, cst.AnnAssign | cst.AugAssign):
            targets = [small.target]
        if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
            return True
    return False


class SiteFinder(cst.CSTVisitor):
    """Walks the tree once, asking each operator about the nodes of its types.

    Never entered: imports, docstrings, `__all__`, `if __name__ == "__main__":` and
    `if TYPE_CHECKING:` blocks; type annotations only by operators that ask for them.
    """

    def __init__(self, module: cst.Module, operators: Sequence[Operator]) -> None:
        super().__init__()
        self.module = module
        self.by_type: dict[type[cst.CSTNode], list[tuple[int, Operator]]] = {}
        for rank, operator in enumerate(operators):
            for node_type in operator.node_types:
                self.by_type.setdefault(node_type, []).append((rank, operator))
        self.stack: list[cst.CSTNode] = []
        self.indents: list[str] = []
        self.annotations = 0
        self.docstrings: set[int] = set()
        self.pruned: set[int] = set()  # nodes whose subtree is skipped
        self.sites: list[Site] = []
        self.context = Context(module, self.stack)

    # The `type: ignore`s below: `kind is cst.X` tells the reader which node it is, but mypy
    # narrows `node` only on isinstance, which this hot path avoids (see on_visit).
    def _skipped(self, node: cst.CSTNode, kind: type[cst.CSTNode]) -> bool:
        if kind is cst.Import or kind is cst.ImportFrom or id(node) in self.docstrings:
            return True
        if kind is cst.SimpleStatementLine:
            return _assigns_all(node)  # type: ignore[arg-type]
        return kind is cst.If and _is_main_guard(node.test)  # type: ignore[attr-defined]

    # Exact type checks, not isinstance: this runs on every node of every file (so mypy does not
    # narrow `node` from `kind`: hence the `type: ignore`s).
    def on_visit(self, node: cst.CSTNode) -> bool:
        self.stack.append(node)
        kind = type(node)
        if self._skipped(node, kind):
            self.pruned.add(id(node))
            return False
        if kind is cst.Module or kind is cst.ClassDef or kind is cst.FunctionDef:
            body = node.body if kind is cst.Module else node.body.body  # type: ignore[attr-defined]
            docstring = _docstring(body)
            if docstring is not None:
                self.docstrings.add(id(docstring))
        elif kind is cst.IndentedBlock:
            indent = node.indent  # type: ignore[attr-defined]
            self.indents.append(self.module.default_indent if indent is None else indent)
        elif kind is cst.Annotation:
            self.annotations += 1
        for rank, operator in self.by_type.get(kind, ()):
            if self.annotations and not operator.in_annotations:
                continue
            for edit in operator.find(node, self.context):
                unit, in_class = self._unit()
                self.sites.append(Site(rank, operator, edit, tuple(self.indents), unit, in_class))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
        kind = type(original_node)
        if self.pruned and id(original_node) in self.pruned:
            self.pruned.discard(id(original_node))
        elif kind is cst.IndentedBlock:
            self.indents.pop()
        elif kind is cst.Annotation:
            self.annotations -= 1

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        pass  # no visit_<Node>_<attribute> methods here: skip libcst's lookups

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass

    def _unit(self) -> tuple[cst.CSTNode, bool]:
        stack = self.stack
        if len(stack) < 2:
            return stack[0], False
        top = stack[1]
        if isinstance(top, cst.ClassDef) and len(stack) > 3 and stack[2] is top.body:
            return stack[3], True
        return top, False
