"""A mutant's new text, spliced: the node's whitespace-inclusive span in the original text is
replaced by the replacement rendered with the same indentation, after checking that rendering
the original node the same way gives back exactly that span. When the check fails, the file is
regenerated from the tree with the one node replaced (slower, same result)."""

from __future__ import annotations
import __future__

from collections.abc import Iterator, Mapping

import libcst as cst
from libcst.metadata import (
    CodePosition,
    CodeRange,
    MetadataWrapper,
    PositionProvider,
    WhitespaceInclusivePositionProvider,
)

from breakit.mutants.operators.base import Edit
from breakit.mutants.operators.sites import Site


def node_positions(
    module: cst.Module,
) -> tuple[Mapping[cst.CSTNode, CodeRange], Mapping[cst.CSTNode, CodeRange]]:
    """Each node's position (as PositionProvider gives it) and its whitespace-inclusive span.

    One rendering of the module records both; libcst's MetadataWrapper would render it twice
    and walk it twice more. Falls back to the wrapper if libcst's internals have moved.
    """
    try:
        return _positions_in_one_pass(module)
    except (ImportError, AttributeError, TypeError):
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        spans = wrapper.resolve(WhitespaceInclusivePositionProvider)
        return wrapper.resolve(PositionProvider), spans


def _positions_in_one_pass(
    module: cst.Module,
) -> tuple[dict[cst.CSTNode, CodeRange], dict[cst.CSTNode, CodeRange]]:
    from libcst._position import CodePosition
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class _Recorder:
        def __init__(self) -> None:
            self._computed: dict[cst.CSTNode, CodeRange] = {}

    class _State(PositionProvidingCodegenState):
        spans: dict[cst.CSTNode, CodeRange]

        def after_codegen(self, node: cst.CSTNode) -> None:
            start = self._stack.pop()
            span = CodeRange(start, CodePosition(self.line, self.column))
            self.spans[node] = span
            self.provider._computed.setdefault(node, span)

    recorder = _Recorder()
    state = _State(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        # Duck-typed: the codegen state only stores spans into `provider._computed`.
        provider=recorder,  # type: ignore[arg-type]
    )
    state.spans = {}
    module._codegen(state)
    return recorder._computed, state.spans


def _render(node: cst.CSTNode, indents: tuple[str, ...], module: cst.Module) -> str:
    # libcst renders a node through its private _codegen with a CodegenState; seeding the
    # state with the enclosing blocks' indentation renders the node exactly as in the file.
    from libcst._nodes.internal import CodegenState

    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline
    )
    state.indent_tokens.extend(indents)
    node._codegen(state)
    return "".join(state.tokens)


def splice(
    source: str, line_starts: list[int], span: CodeRange, site: Site, module: cst.Module
) -> tuple[int, int, str] | None:
    """(start, end, new code): the node's span and what replaces it; None if it cannot be
    trusted."""
    try:
        start = line_starts[span.start.line - 1] + span.start.column
        end = line_starts[span.end.line - 1] + span.end.column
        if _render(site.edit.node, site.indents, module) != source[start:end]:
            return None
        new = site.edit.new
        new_code = "" if new is None else _render(new, site.indents, module)
    except (ImportError, AttributeError, TypeError, IndexError):  # libcst internals moved
        return None
    return start, end, new_code


class SplicedText(Mapping[str, str | None]):
    """`{path: new text}` for one spliced mutant, the text made when asked for.

    Holding the replacement instead of the whole new file keeps thousands of mutants of a
    big file in little memory; it reads like the dict it stands for (and compares equal to it).
    """

    __slots__ = ("_end", "_new", "_path", "_source", "_start")

    def __init__(self, path: str, source: str, start: int, end: int, new: str) -> None:
        self._path, self._source, self._start, self._end, self._new = path, source, start, end, new

    def __getitem__(self, path: str) -> str:
        if path != self._path:
            raise KeyError(path)
        return self._source[: self._start] + self._new + self._source[self._end :]

    def __iter__(self) -> Iterator[str]:
        yield self._path

    def __len__(self) -> int:
        return 1

    def __repr__(self) -> str:
        return f"SplicedText({self._path!r}: {self._start}:{self._end} -> {self._new!r})"


def offset(line_starts: list[int], position: CodePosition, size: int) -> int:
    # The last line's span can end past the text: libcst drops a file's missing final newline.
    if position.line > len(line_starts):
        return size
    return min(line_starts[position.line - 1] + position.column, size)


def future_flags(module: cst.Module) -> int:
    flags = 0
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.ImportFrom)
                and isinstance(small.module, cst.Name)
                and small.module.value == "__future__"
                and not isinstance(small.names, cst.ImportStar)
            ):
                for alias in small.names:
                    feature = getattr(__future__, str(alias.evaluated_name), None)
                    flags |= getattr(feature, "compiler_flag", 0)
    return flags


class _ReplaceOne(cst.CSTTransformer):
    def __init__(self, target: cst.CSTNode, new: cst.CSTNode | None) -> None:
        super().__init__()
        self.target = target
        self.new = new

    # The replacement may be another kind of node than the original (a statement by `pass`),
    # which libcst's typing of on_leave (the node's own type in and out) cannot say.
    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel:
        if original_node is self.target:
            return cst.RemoveFromParent() if self.new is None else self.new
        return updated_node


def regenerate(module: cst.Module, edit: Edit) -> str:
    return module.visit(_ReplaceOne(edit.node, edit.new)).code
