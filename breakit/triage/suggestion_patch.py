"""The verified assertions of the last check's triage (issue 36), kept in
`.breakit/suggestions.json` (written through breakit.store.gateway), and the patch
`breakit suggest` prints from them: each assertion after its line of the test file (a new test, for
a never-told-apart survivor, after the file's last line; survivors given the same one share it),
`import pytest` added where an assertion needs it. It never touches the user's files: `git apply`
does, when they choose.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from breakit.core.errors import UsageError
from breakit.core.model import unified_diff
from breakit.store.gateway import read_state_json, write_state_json
from breakit.triage.value import Triage

NAME = "suggestions.json"
VERSION = 1


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_suggestions(root: Path, triage: Mapping[str, Triage] | None) -> None:
    """Keep the verified assertions of a finished check's triage (none when it ran none): they
    replace the previous check's."""
    entries = []
    for mutant, found in sorted((triage or {}).items()):
        assertion = found.assertion
        if assertion is None:
            continue
        try:
            text = (root / assertion.path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        entry = {"mutant": mutant, **assertion.to_json(), "indented": assertion.code}
        entries.append({**entry, "sha256": _sha(text)})
    write_state_json(root, NAME, {"version": VERSION, "suggestions": entries})


def load_suggestions(root: Path) -> list[dict[str, Any]]:
    """The last check's verified assertions; a UsageError when no check kept any file."""
    data = read_state_json(root, NAME)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise UsageError(
            "no check has triaged survivors here yet: run `breakit check --generated` first"
        )
    return list(data.get("suggestions", []))


def suggestion_patch(root: Path, entries: Sequence[Mapping[str, Any]], ids: Sequence[str]) -> str:
    """A patch (`git apply` takes it at the project root) adding the assertions of `ids` (all
    when empty) to their test files."""
    chosen = [e for e in entries if not ids or e["mutant"] in ids]
    missing = sorted(set(ids) - {e["mutant"] for e in chosen})
    if missing:
        raise UsageError(
            f"{missing[0]} has no verified assertion from the last run: `breakit check --json` "
            "says why for each survivor (its triage's `no_assertion` or `note`)"
        )
    originals: dict[str, str] = {}
    changes: dict[str, str | None] = {}
    for path in sorted({e["path"] for e in chosen}):
        try:
            text = (root / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {exc}; run `breakit check` again") from exc
        mine = [e for e in chosen if e["path"] == path]
        if any(e["sha256"] != _sha(text) for e in mine):
            raise UsageError(f"{path} changed since the last check: run `breakit check` again")
        originals[path] = text
        changes[path] = _with_assertions(text, mine)
    return unified_diff(originals, changes)


def _with_assertions(text: str, entries: Sequence[Mapping[str, Any]]) -> str:
    lines = text.splitlines()
    placed: dict[tuple[int, str], list[str]] = {}
    for entry in entries:
        placed.setdefault((entry["after_line"], entry["indented"]), []).append(entry["mutant"])
    changed = {(e["after_line"], e["indented"]) for e in entries if e.get("replaces_line")}
    for (after, code), mutants in sorted(placed.items(), reverse=True):
        written = f"{code}  # kills {', '.join(mutants)}"
        if (after, code) in changed:
            lines[after - 1] = written
        else:
            lines.insert(after, written)
    if any(e.get("needs_import") for e in entries):  # written for this very text (sha256)
        lines.insert(_import_line(text), "import pytest")
    return "\n".join(lines) + "\n"


def _import_line(text: str) -> int:
    """Where `import pytest` goes: after the docstring and `from __future__` imports."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return 0
    line = 0
    for index, node in enumerate(tree.body):
        docstring = (
            index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        )
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if docstring or future:
            line = node.end_lineno or node.lineno
        else:
            break
    return line
