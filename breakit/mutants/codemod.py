"""libcst plumbing for curated mutations: run each FileEdit's transformer and build the Mutant.

libcst is imported only to transform: `matching` (which files an edit names) needs none of it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

from breakit.core.errors import MutationError
from breakit.core.model import FileEdit, Location, Mutant, Mutation

if TYPE_CHECKING:
    import libcst as cst


def transform_source(source: str, transformer: type[cst.CSTTransformer]) -> str:
    """`source` after one pass of `transformer` (a fresh instance), as code."""
    import libcst as cst

    return cst.parse_module(source).visit(transformer()).code


def apply_mutation(mutation: Mutation, root: Path) -> Mutant:
    """The Mutant that `mutation` makes of the project at `root`; the files are not touched.

    Raises MutationError when a file is missing, a glob matches nothing, or a transformer no
    longer changes the code it targets: a curated breakage must fail loudly, never silently
    turn into "the suite passed".
    """
    root = Path(root)
    originals: dict[str, str] = {}
    current: dict[str, str | None] = {}
    order: list[str] = []  # changed paths, first change first: the location is taken from it
    for edit in mutation.edits:
        paths = _expand(mutation, edit, root)
        changed_any = False
        for rel in paths:
            if rel not in current:
                originals[rel] = _read(mutation, root, rel)
                current[rel] = originals[rel]
            text = current[rel]
            if text is None:
                raise MutationError(
                    f"mutation {mutation.id!r} edits {rel} after deleting it",
                    hint=_defined_in(mutation),
                )
            if edit.transformer is None:
                new: str | None = None
            else:
                new = _transform(mutation, rel, text, edit.transformer)
            if new == text:
                if not _is_glob(edit.path):
                    raise _no_longer_applies(mutation, rel, edit)
                continue
            changed_any = True
            current[rel] = new
            if rel not in order:
                order.append(rel)
        if not changed_any:
            raise _no_longer_applies(mutation, edit.path, edit, glob=True)
    changes = {rel: current[rel] for rel in order}
    return Mutant(
        id=mutation.id,
        origin="mutation",
        title=mutation.title,
        changes=changes,
        originals={rel: originals[rel] for rel in order},
        mutation=mutation,
        location=_first_location(order, originals, changes),
    )


def matching(root: Path, path: str) -> list[str]:
    """The project-relative files an edit's `path` names: itself, or the files a glob matches."""
    if not _is_glob(path):
        return [Path(path).as_posix()]
    return sorted(p.relative_to(root).as_posix() for p in root.glob(path) if p.is_file())


def _expand(mutation: Mutation, edit: FileEdit, root: Path) -> list[str]:
    found = matching(root, edit.path)
    if not found:
        raise MutationError(
            f"mutation {mutation.id!r} no longer applies: no file matches {edit.path}",
            hint=_defined_in(mutation),
        )
    return found


def _read(mutation: Mutation, root: Path, rel: str) -> str:
    path = root / rel
    if not path.is_file():
        raise MutationError(
            f"mutation {mutation.id!r} no longer applies: {rel} does not exist",
            hint=_defined_in(mutation),
        )
    return path.read_text(encoding="utf-8")


def _transform(
    mutation: Mutation, rel: str, text: str, transformer: type[cst.CSTTransformer]
) -> str:
    import libcst as cst

    try:
        return transform_source(text, transformer)
    except cst.ParserSyntaxError as exc:
        first = str(exc).strip().splitlines()[0]
        raise MutationError(
            f"mutation {mutation.id!r} cannot parse {rel}: {first}", hint=_defined_in(mutation)
        ) from None
    except Exception as exc:  # a bug in the transformer is the mutation's fault, not breakit's
        raise MutationError(
            f"mutation {mutation.id!r} crashed on {rel}: {type(exc).__name__}: {exc}",
            hint=_defined_in(mutation),
        ) from exc


def _is_glob(path: str) -> bool:
    return any(char in path for char in "*?[")


def _no_longer_applies(
    mutation: Mutation, path: str, edit: FileEdit, *, glob: bool = False
) -> MutationError:
    wanted = edit.looks_for or "code its transformer changes"
    where = f"no file matching {path} has {wanted}" if glob else f"{path} has no {wanted}"
    return MutationError(
        f"mutation {mutation.id!r} no longer applies: {where} (the target code changed?)",
        hint=_defined_in(mutation),
    )


def _defined_in(mutation: Mutation) -> str:
    where = mutation.source_file or "its module"
    return f"update the mutation in {where} to match the code, or remove it"


def _first_location(
    order: list[str], originals: dict[str, str], changes: dict[str, str | None]
) -> Location | None:
    for rel in order:
        new = changes[rel]
        if new is None:
            continue
        old_lines = originals[rel].splitlines()
        new_lines = new.splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            if j2 > j1:  # lines replaced or inserted: point at the new lines
                start, end = j1 + 1, j2
            else:  # lines only removed: point at the line that now follows the gap
                start = end = min(j1 + 1, max(len(new_lines), 1))
            last = new_lines[end - 1] if end <= len(new_lines) else ""
            return Location(rel, start, 1, end, max(len(last), 1))
    return None
