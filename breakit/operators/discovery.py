"""Discovery: list the source files, find every operator's sites (breakit.operators.sites), and
make one Mutant per site.

Each mutant changes exactly one node and leaves every other byte of its file as it was: its new
text is spliced into the original (breakit.operators.splice). Tests never run.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import re
import tokenize
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import (
    CodeRange,
)

from breakit.config import Config, entry_files, is_glob
from breakit.errors import ConfigError, MutationError, UsageError
from breakit.model import Location, Mutant
from breakit.operators.base import Operator
from breakit.operators.registry import select_operators
from breakit.operators.sites import SiteFinder
from breakit.operators.splice import (
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
_SKIPPED_DIRS = ("__pycache__",)


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
        source = _read(config.root / rel, rel)
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


# --- files ------------------------------------------------------------------------------------


def source_files(config: Config, paths: Sequence[str] | None = None) -> list[str]:
    """Project-relative POSIX paths of the `*.py` files to mutate, sorted, excludes applied.

    An entry is a file, a folder (every `*.py` under it) or a glob (breakit.config.entry_files).

    `exclude` globs are matched with fnmatch against the relative path (`*` crosses `/`); a
    glob naming a folder excludes everything under it.
    """
    root = config.root.resolve()
    entries = config.source if paths is None else tuple(paths)
    if not entries:
        raise ConfigError(
            "[tool.breakit] source is empty: there is no code to mutate",
            hint='name the package to mutate, e.g. source = ["your_package"]',
        )
    found: set[str] = set()
    for entry in entries:
        if is_glob(entry) and not Path(entry).is_absolute():
            matched = entry_files(root, entry)
            if not matched:
                error = ConfigError if paths is None else UsageError
                raise error(f"{entry} matches no Python file (in {root})")
            found.update(matched)
            continue
        target = Path(entry) if Path(entry).is_absolute() else root / entry
        target = target.resolve()
        if not target.is_relative_to(root):
            raise UsageError(f"{entry} is outside the project ({root})")
        if target.is_file():
            if target.suffix != ".py":
                raise UsageError(f"{entry} is not a Python file")
            found.add(target.relative_to(root).as_posix())
        elif target.is_dir():
            for file in target.rglob("*.py"):
                rel = file.relative_to(root)
                hidden = any(p.startswith(".") or p in _SKIPPED_DIRS for p in rel.parts[:-1])
                if not hidden and file.is_file():
                    found.add(rel.as_posix())
        else:
            error = ConfigError if paths is None else UsageError
            raise error(f"{entry} does not exist (in {root})")
    return sorted(rel for rel in found if not _excluded(rel, config.exclude))


def _excluded(rel: str, globs: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatchcase(rel, glob) or fnmatch.fnmatchcase(rel, glob.rstrip("/") + "/*")
        for glob in globs
    )


def _read(path: Path, rel: str) -> str:
    try:
        with path.open(encoding="utf-8", newline="") as file:  # keep \r\n as it is
            return file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise MutationError(f"cannot read {rel}: {exc}") from None


# --- mutants ----------------------------------------------------------------------------------


def module_label(rel: str, src_package: bool = False) -> str:
    """The first part of a generated mutant's id: the file's module as its tests import it
    (`target_app.todos`), that is its path with `/` as `.` and without `.py`, less a leading
    `src/` folder (a src layout: `src/cachetools/keys.py` is `cachetools.keys`) unless `src` is a
    package itself (`src_package`: `src/__init__.py` exists, and the tests import `src.…`). A
    package's `__init__.py` keeps its name (`cachetools.__init__`): it names the file, and
    `--match 'cachetools.*'` takes the whole package. The former spelling, the whole path
    (`src.cachetools.keys`), is still accepted (breakit.mutant_ids.former_id)."""
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
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise MutationError(
            f"cannot parse {rel} (line {exc.raw_line}, column {exc.raw_column}): {exc.message}",
            hint="fix the syntax error, or add the file to [tool.breakit] exclude",
        ) from None
    positions, spans = node_positions(module)
    finder = SiteFinder(module, operators)
    module.visit(finder)

    no_mutate = _no_mutate_lines(source)
    line_starts = [0, *(match.end() for match in _NEWLINE.finditer(source))]
    label = module_label(rel) if label is None else label
    seen: Counter[tuple[str, str, str]] = Counter()
    candidates: list[tuple[tuple[int, ...], bytes, str, Mutant]] = []
    for sequence, site in enumerate(finder.sites):
        change = site.change
        old_code = _display(module, change.node)
        new_code = _display(module, change.new)
        key = (site.operator.name, _normal(old_code), _normal(new_code))
        occurrence = seen[key]  # counted before any filter, so filters never shift ids
        seen[key] += 1
        where: CodeRange = positions[change.node]
        if where.start.line in no_mutate:
            continue
        piece = splice(source, line_starts, spans[change.node], site, module) if fast else None
        if piece is None:
            text = regenerate(module, change)
            changes: Mapping[str, str | None] = {rel: text}
            check = text
        else:
            start, end, new_piece = piece
            changes = SplicedText(rel, source, start, end, new_piece)
            text = source[:start] + new_piece + source[end:]
            unit = spans[site.unit]
            unit_start = offset(line_starts, unit.start, len(source))
            unit_end = offset(line_starts, unit.end, len(source))
            header = "class _:\n" if site.in_class else ""
            check = header + source[unit_start:start] + new_piece + source[end:unit_end]
        if text == source:
            continue
        digest = hashlib.sha1(
            "\0".join((rel, *key, str(occurrence))).encode("utf-8"), usedforsecurity=False
        ).hexdigest()[:8]
        location = Location(
            rel, where.start.line, where.start.column + 1, where.end.line, where.end.column
        )
        mutant = Mutant(
            id=f"{label}:{site.operator.name}:{digest}",
            origin=site.operator.name,
            title=change.title or _title(old_code, new_code, change.new is None),
            changes=changes,
            originals={rel: source},
            location=location,
            replacement=new_code,
        )
        order = (
            where.start.line,
            where.start.column,
            where.end.line,
            where.end.column,
            site.rank,
            sequence,
        )
        preference = (site.operator.family != "web", site.rank, sequence)
        fingerprint = hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()
        candidates.append(((*preference, *order), fingerprint, check, mutant))

    # Two operators making the same code are one mutant: the more specific (web) one keeps it.
    kept: dict[bytes, tuple[tuple[int, ...], str, Mutant]] = {}
    for ranking, fingerprint, check, mutant in sorted(candidates, key=lambda c: c[0]):
        if fingerprint not in kept:
            kept[fingerprint] = (ranking[3:], check, mutant)
    duplicates = len(candidates) - len(kept)
    flags = future_flags(module)

    mutants: list[Mutant] = []
    uncompilable = 0
    used: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings of mutated code are not ours to raise
        for _order, check, mutant in sorted(kept.values(), key=lambda k: k[0]):
            try:
                compile(check, rel, "exec", flags=flags, dont_inherit=True)
            except (SyntaxError, ValueError):
                uncompilable += 1
                continue
            mutants.append(_unique(mutant, used))
    return Discovery(tuple(mutants), (rel,), uncompilable, duplicates)


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
