"""Probes compared one level up, where the value at the site is only an operand: a literal in a
comparison or an arithmetic operation (`score >= 90` → `score >= 89`: what counts is whether
`score >= …` differs, not 90 against 89), an arithmetic operation in a comparison
(`len(c) < len(j) - 1` → `len(c) < len(j) + 1`: the comparison's result, `nested`)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from breakit.triage.probe import Probe, Source, op_text


def operand_probe(
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
        (op_text(op),),
        (index, str(literal.alternative)),
        site=source.code(whole),
        mutated=mutated_whole(source, whole, node, literal.mutated),
    )


def mutated_whole(source: Source, whole: cst.CSTNode, node: cst.CSTNode, new: str) -> str:
    start, end = source.spans[whole]
    inner_start, inner_end = source.spans[node]
    return source.text[start:inner_start] + new + source.text[inner_end:end]


def _comparison_of(nodes: Sequence[cst.CSTNode], index: int) -> tuple[cst.Comparison, int] | None:
    """The single comparison `nodes[index]` is an operand of, and its side (0 left, 1 right)."""
    node, parent = nodes[index], nodes[index - 1]
    if isinstance(parent, cst.Comparison) and len(parent.comparisons) == 1:
        return (parent, 0) if parent.left is node else None
    grand = nodes[index - 2] if index >= 2 else None
    if (
        isinstance(parent, cst.ComparisonTarget)
        and isinstance(grand, cst.Comparison)
        and len(grand.comparisons) == 1
        and parent.comparator is node
    ):
        return grand, 1
    return None


def nested_probe(probe: Probe, source: Source, nodes: Sequence[cst.CSTNode], index: int) -> Probe:
    """`probe` (a `binop`, or an `operand` of one) at the arithmetic operation `nodes[index]`,
    compared through the comparison that operation is an operand of, if any (`nested`)."""
    found = _comparison_of(nodes, index)
    binop = nodes[index]
    if found is None or not isinstance(binop, cst.BinaryOperation):
        return probe
    comparison, side = found
    target = comparison.comparisons[0]
    other = source.code(target.comparator if side == 0 else comparison.left)
    a, b = source.code(binop.left), source.code(binop.right)
    if probe.kind == "binop":
        alternative = (str(probe.alternative[0]), "-1", "None")
    else:  # an operand of the operation: its literal, at its index
        alternative = (probe.ops[0], str(probe.alternative[0]), str(probe.alternative[1]))
    start, end = source.spans[comparison]
    return Probe(
        probe.mutant,
        "nested",
        probe.path,
        start,
        end,
        (a, b, other) if side == 0 else (other, a, b),
        (op_text(target.operator), op_text(binop.operator), str(side)),
        alternative,
        site=source.code(comparison),
        mutated=mutated_whole(source, comparison, binop, probe.mutated),
    )
