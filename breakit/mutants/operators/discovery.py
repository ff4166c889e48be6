"""Discovery: list the source files (breakit.mutants.operators.files), find every operator's sites
(breakit.mutants.operators.sites), and make one Mutant per site.

One file's mutants are made in steps: parse it, find its sites, make a candidate of each site
(its id, its mutated text), drop the duplicates (the same mutated text), and keep the ones that
compile.

Each mutant changes exactly one node and leaves every other byte of its file as it was: its new text
is spliced into the original (breakit.mutants.operators.splice). Tests never run.
"""

from __future__ import annotations

import hashlib
import io
import re
import tokenize
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import libcst as cst
from libcst.metadata import CodeRange

from breakit.core.config import Config
from breakit.core.errors import MutationError
from breakit.core.model import Location, Mutant
from breakit.mutants.operators.base import Operator
from breakit.mutants.operators.files import read_source, source_files
from breakit.mutants.operators.registry import select_operators
from breakit.mutants.operators.sites import Site, SiteFinder
from breakit.mutants.operators.splice import (
    SplicedText,
    future_flags,
    node_positions,
    offset,
    regenerate,
    splice,
)

PRAGMA = "# pragma: no mutate"
_PRAGMA = re.compile(r"#\s*pragma:\s*no\s+mutate\b")
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Discovery:
    """The mutants found, the files looked at, and the candidates that were dropped."""

    mutants: tuple[Mutant, ...]
    files: tuple[str, ...]
    uncompilable: int = 0  # candidates whose mutated file did not compile
    duplicates: int = 0  # candidates giving the same code as an earlier one (kept once)

    def per_operator(self) -> dict[str, int]:
        return dict(Counter(mutant.origin for mutant in self.mutants))


def generate_mutants(
    config: Config,
    *,
    paths: Sequence[str] | None = None,
    operators: Sequence[str] | None = None,
) -> list[Mutant]:
    """Every generated Mutant of the project's source, in a stable order (file, position)."""
    return list(discover(config, paths=paths, operators=operators).mutants)


def discover(
    config: Config,
    *,
    paths: Sequence[str] | None = None,
    operators: Sequence[str] | None = None,
) -> Discovery:
    """Like generate_mutants, with the files and the counts of dropped candidates.

    `paths` (files or folders, relative to the project root) replaces `config.source`;
    `operators` names operators or families ("generic", "web"). A file that cannot be read or
    parsed is a MutationError naming it: its code could not be mutated, nor tested.
    """
    selected = select_operators(operators)
    files = source_files(config, paths)
    src_package = (config.root / "src" / "__init__.py").is_file()
    mutants: list[Mutant] = []
    uncompilable = duplicates = 0
    for rel in files:
        source = read_source(config.root / rel, rel)
        found = _file_mutants(rel, source, selected, label=module_label(rel, src_package))
        mutants.extend(found.mutants)
        uncompilable += found.uncompilable
        duplicates += found.duplicates
    return Discovery(tuple(mutants), tuple(files), uncompilable, duplicates)


def mutants_for_source(
    source: str, path: str = "example.py", *, operators: Sequence[str] | None = None
) -> Discovery:
    """The mutants of one piece of source, as if it were the file `path` (for tests and docs)."""
    return _file_mutants(path, source, select_operators(operators))


def module_label(rel: str, src_package: bool = False) -> str:
    """The first part of a generated mutant's id: the file's module as its tests import it
    (`target_app.todos`), that is its path with `/` as `.` and without `.py`, less a leading
    `src/` folder (a src layout: `src/cachetools/keys.py` is `cachetools.keys`) unless `src` is a
    package itself (`src_package`: `src/__init__.py` exists, and the tests import `src.…`). A
    package's `__init__.py` keeps its name (`cachetools.__init__`): it names the file, and
    `--match 'cachetools.*'` takes the whole package. The former spelling, the whole path
    (`src.cachetools.keys`), is still accepted (breakit.mutants.mutant_ids.former_id)."""
    stem = rel[:-3] if rel.endswith(".py") else rel
    parts = stem.split("/")
    if len(parts) > 1 and parts[0] == "src" and not src_package:
        parts = parts[1:]
    return ".".join(parts)


def _file_mutants(
    rel: str,
    source: str,
    operators: Sequence[Operator],
    *,
    fast: bool = True,
    label: str | None = None,
) -> Discovery:
    """The mutants of one file; `fast=False` regenerates every mutant from the tree (tests).
    `label`: the ids' first part (default: `module_label(rel)`)."""
    parsed = _parse(rel, source)
    finder = SiteFinder(parsed.module, operators)
    parsed.module.visit(finder)
    label = module_label(rel) if label is None else label
    candidates = _candidates(parsed, finder.sites, label, fast=fast)
    kept = _deduplicated(candidates)
    mutants, uncompilable = _compiling(kept, rel, future_flags(parsed.module))
    return Discovery(tuple(mutants), (rel,), uncompilable, len(candidates) - len(kept))


@dataclass(frozen=True)
class _ParsedFile:
    """One file as discovery reads it: its text, its tree, and where each node of it sits."""

    rel: str
    source: str
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]  # each node's own position (the mutant's location)
    spans: Mapping[cst.CSTNode, CodeRange]  # each node's whitespace-inclusive span (the splice)
    line_starts: list[int]  # the offset in `source` at which each line starts


class _Mutated(NamedTuple):
    """One site's edit applied to its file."""

    # The Mutant's changes: a SplicedText, or the whole file regenerated.
    changes: Mapping[str, str | None]
    text: str  # the whole mutated file
    check: str  # what is compiled to tell whether the mutant compiles (its unit, or `text`)


@dataclass(frozen=True)
class _Candidate:
    """A mutant before its duplicates are dropped and its code is compiled."""

    preference: tuple[bool, int, int]  # of two giving the same code, the lower is kept
    order: tuple[int, ...]  # its place in the file: the order mutants are listed in
    fingerprint: bytes  # the mutated file's hash: two candidates with the same are one mutant
    check: str
    mutant: Mutant


def _parse(rel: str, source: str) -> _ParsedFile:
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise MutationError(
            f"cannot parse {rel} (line {exc.raw_line}, column {exc.raw_column}): {exc.message}",
            hint="fix the syntax error, or add the file to [tool.breakit] exclude",
        ) from None
    positions, spans = node_positions(module)
    line_starts = [0, *(match.end() for match in _NEWLINE.finditer(source))]
    return _ParsedFile(rel, source, module, positions, spans, line_starts)


def _candidates(
    parsed: _ParsedFile, sites: Sequence[Site], label: str, *, fast: bool
) -> list[_Candidate]:
    """One candidate per site that changes the text and is not on a `# pragma: no mutate` line.

    A mutant's id hashes its file, its operator, its old and new code, and how many sites of
    that same file, operator and code came before it: it does not move when other code does.
    """
    no_mutate = _no_mutate_lines(parsed.source)
    seen: Counter[tuple[str, str, str]] = Counter()
    candidates: list[_Candidate] = []
    for sequence, site in enumerate(sites):
        edit = site.edit
        old_code = _display(parsed.module, edit.node)
        new_code = _display(parsed.module, edit.new)
        key = (site.operator.name, _normal(old_code), _normal(new_code))
        occurrence = seen[key]  # counted before any filter, so filters never shift ids
        seen[key] += 1
        where: CodeRange = parsed.positions[edit.node]
        if where.start.line in no_mutate:
            continue
        mutated = _mutated(parsed, site, fast=fast)
        if mutated.text == parsed.source:
            continue
        digest = hashlib.sha1(
            "\0".join((parsed.rel, *key, str(occurrence))).encode("utf-8"), usedforsecurity=False
        ).hexdigest()[:8]
        start, end = where.start, where.end
        mutant = Mutant(
            id=f"{label}:{site.operator.name}:{digest}",
            origin=site.operator.name,
            title=edit.title or _title(old_code, new_code, edit.new is None),
            changes=mutated.changes,
            originals={parsed.rel: parsed.source},
            location=Location(parsed.rel, start.line, start.column + 1, end.line, end.column),
            replacement=new_code,
        )
        order = (start.line, start.column, end.line, end.column, site.rank, sequence)
        preference = (site.operator.family != "web", site.rank, sequence)
        fingerprint = hashlib.sha1(mutated.text.encode("utf-8", "surrogatepass")).digest()
        candidates.append(_Candidate(preference, order, fingerprint, mutated.check, mutant))
    return candidates


def _mutated(parsed: _ParsedFile, site: Site, *, fast: bool) -> _Mutated:
    """The site's edit spliced into the original text; regenerated from the tree when the
    splice cannot be trusted, or when `fast` is off."""
    source = parsed.source
    piece = None
    if fast:
        span = parsed.spans[site.edit.node]
        piece = splice(source, parsed.line_starts, span, site, parsed.module)
    if piece is None:
        text = regenerate(parsed.module, site.edit)
        return _Mutated({parsed.rel: text}, text, text)
    start, end, new_piece = piece
    unit = parsed.spans[site.unit]
    unit_start = offset(parsed.line_starts, unit.start, len(source))
    unit_end = offset(parsed.line_starts, unit.end, len(source))
    header = "class _:\n" if site.in_class else ""
    return _Mutated(
        SplicedText(parsed.rel, source, start, end, new_piece),
        source[:start] + new_piece + source[end:],
        header + source[unit_start:start] + new_piece + source[end:unit_end],
    )


def _deduplicated(candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """One candidate per mutated text, in file order. Two operators making the same code are
    one mutant: the more specific (web) one keeps it."""
    kept: dict[bytes, _Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: (c.preference, c.order)):
        kept.setdefault(candidate.fingerprint, candidate)
    return sorted(kept.values(), key=lambda c: c.order)


def _compiling(candidates: Sequence[_Candidate], rel: str, flags: int) -> tuple[list[Mutant], int]:
    """The mutants whose code compiles (ids made unique), and how many did not compile."""
    mutants: list[Mutant] = []
    uncompilable = 0
    used: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of mutated code are not ours to raise
        for candidate in candidates:
            try:
                compile(candidate.check, rel, "exec", flags=flags, dont_inherit=True)
            except (SyntaxError, ValueError):
                uncompilable += 1
                continue
            mutants.append(_unique(candidate.mutant, used))
    return mutants, uncompilable


def _unique(mutant: Mutant, used: set[str]) -> Mutant:
    # Eight hex digits collide once in billions of pairs; if they ever do, stay deterministic.
    mutant_id, suffix = mutant.id, 2
    while mutant_id in used:
        mutant_id, suffix = f"{mutant.id}.{suffix}", suffix + 1
    used.add(mutant_id)
    if mutant_id == mutant.id:
        return mutant
    return Mutant(
        id=mutant_id,
        origin=mutant.origin,
        title=mutant.title,
        changes=mutant.changes,
        originals=mutant.originals,
        location=mutant.location,
        replacement=mutant.replacement,
    )


def _no_mutate_lines(source: str) -> set[int]:
    if "no mutate" not in source:
        return set()
    lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and _PRAGMA.search(token.string):
                lines.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def _display(module: cst.Module, node: cst.CSTNode | None) -> str:
    """A node's own code, without the comments and blank lines above it: "" for a removal."""
    if node is None:
        return ""
    if getattr(node, "leading_lines", None):
        node = node.with_changes(leading_lines=())
    if isinstance(getattr(node, "semicolon", None), cst.Semicolon):
        node = node.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return module.code_for_node(node).strip()


def _normal(code: str) -> str:
    return " ".join(code.split())


def _short(code: str, limit: int = 60) -> str:
    code = _normal(code)
    return code if len(code) <= limit else code[: limit - 1] + "…"


def _title(old: str, new: str, removed: bool) -> str:
    return f"`{_short(old)}` removed" if removed else f"`{_short(old)}` → `{_short(new)}`"
