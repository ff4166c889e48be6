"""What an Operator is: a named rule that, shown one node and where it sits, yields Edits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst


@dataclass(frozen=True)
class Edit:
    """Replace `node` (an original node of the tree) with `new`; `new=None` removes it.

    Removal is only for nodes that can vanish from a sequence and leave valid code (a
    decorator); everything else is replaced, e.g. a statement by `pass`.
    """

    node: cst.CSTNode
    new: cst.CSTNode | None
    title: str | None = None  # default: "`<old code>` → `<new code>`"


class Context:
    """Where the node being looked at sits: its ancestors, and the module for rendering code.

    The stack is the visitor's own, live during the call: operators read it, never keep it.
    """

    def __init__(self, module: cst.Module, stack: Sequence[cst.CSTNode]) -> None:
        self.module = module
        self._stack = stack

    @property
    def node(self) -> cst.CSTNode:
        return self._stack[-1]

    @property
    def parent(self) -> cst.CSTNode | None:
        return self._stack[-2] if len(self._stack) > 1 else None

    def ancestors(self) -> Iterable[cst.CSTNode]:
        """The node's ancestors, nearest first (the node itself excluded)."""
        return reversed(self._stack[:-1])

    def inside(self, *types: type[cst.CSTNode]) -> bool:
        return any(isinstance(node, types) for node in self.ancestors())

    def enclosing_function(self) -> cst.FunctionDef | None:
        for node in self.ancestors():
            if isinstance(node, cst.FunctionDef):
                return node
            if isinstance(node, cst.ClassDef | cst.Lambda):
                return None
        return None

    def code(self, node: cst.CSTNode) -> str:
        """The code of `node` on its own, whitespace collapsed to single spaces."""
        return " ".join(self.module.code_for_node(node).split())


# The node is one of the operator's `node_types`, and each find function annotates the kinds it
# takes (`cst.Comparison`, `cst.Call | cst.Assign`…): a Callable over CSTNode could not accept
# those (parameters are contravariant), so the node is typed Any here.
Find = Callable[[Any, Context], Iterable[Edit]]


@dataclass(frozen=True)
class Operator:
    """A rule: called on every node of one of `node_types`, it yields one Edit per mutant."""

    name: str
    family: str  # "generic" or "web"
    node_types: tuple[type[cst.CSTNode], ...]
    find: Find
    summary: str  # one line, for `breakit list` and docs/operators.md
    before: str  # a one-line example…
    after: str  # …and what this operator makes of it
    # Type annotations are skipped, except by operators that look for things which live in
    # them (Annotated[..., Depends(...)], Query(max_length=...)).
    in_annotations: bool = False
