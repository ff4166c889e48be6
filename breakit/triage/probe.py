"""A probe as a value (`Probe`: what replaces which span, with which operands and operators) and
the original file parsed once (`Source`: its tree, each node's span as offsets)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import CodeRange

from breakit.mutants.operators.splice import node_positions

VALUE_KINDS = (
    "value",
    "truth",
    "operand",
    "nested",
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


def op_text(node: cst.CSTNode) -> str:
    return " ".join(cst.Module([]).code_for_node(node).split())


def with_kind(
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
