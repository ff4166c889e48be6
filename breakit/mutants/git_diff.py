"""What changed since a git revision: the lines of each file, as they are in the working tree.

`changed_since(root, ref)` asks the real git (`git diff --unified=0 REF`, which compares REF with
the working tree, so staged and unstaged edits count; and `git ls-files --others
--exclude-standard`, whose untracked files count whole) and returns a `GitDiff` value: for each
project-relative path, the 1-based lines of its current text that are new or changed, next to
a deletion, or — for a new or untracked file — all of them. Deleted files are not listed: no
mutant can be on them. Paths are relative to `root` (git's `--relative`): files outside the
project are not listed either. `parse_diff` is the pure part, the hunk parser.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from breakit.core.errors import UsageError

# `@@ -12,3 +14,0 @@`: the new side's start and count (a missing count is 1).
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r"}


class GitError(UsageError):
    """--since could not ask git: not installed, not a repository, or an unknown revision.
    A usage error (exit 2): the option cannot be honoured here."""


@dataclass(frozen=True)
class GitDiff:
    """The lines changed since `ref` (`commit` is what it resolved to), per project-relative
    path; `new` holds the paths that did not exist at `ref` (added or untracked)."""

    ref: str
    commit: str
    lines: Mapping[str, frozenset[int]]
    new: frozenset[str] = frozenset()

    def touches(self, path: str, lines: set[int] | frozenset[int]) -> bool:
        return not lines.isdisjoint(self.lines.get(path, frozenset()))


def unquote_path(text: str) -> str:
    """A path as git prints it in a diff header: C-quoted (`"a\\tb"`, octal bytes) when it holds
    unusual characters, else as is."""
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        return text
    body, out, i = text[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt.isdigit():
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out += _ESCAPES.get(nxt, nxt).encode("utf-8")
            i += 2
    return out.decode("utf-8", errors="replace")


def parse_diff(text: str) -> tuple[dict[str, set[int]], set[str]]:
    """The output of `git diff --unified=0 --no-renames` as ({path: new-side lines}, new paths).

    A hunk that adds or changes lines names them; one that only deletes names the lines on
    either side of the gap (the code around a removed line is what behaves differently). A
    deleted file is left out; a file whose diff has no hunk (a mode change, a binary file) is
    listed with no lines."""
    lines: dict[str, set[int]] = {}
    new: set[str] = set()
    path: str | None = None
    created = False
    for line in text.splitlines():
        if line.startswith("diff --git "):
            path, created = None, False
        elif line.startswith("new file mode"):
            created = True
        elif line.startswith("+++ "):
            target = unquote_path(line[4:].rstrip("\t"))
            if target == "/dev/null":
                path = None
                continue
            path = target[2:] if target.startswith("b/") else target
            lines.setdefault(path, set())
            if created:
                new.add(path)
        elif path is not None and (match := _HUNK.match(line)):
            start, count = int(match[1]), int(match[2] if match[2] is not None else 1)
            if count:
                lines[path].update(range(start, start + count))
            else:  # a pure deletion after new-side line `start`
                lines[path].update(n for n in (start, start + 1) if n >= 1)
    return lines, new


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise GitError(
            "--since needs git, and no `git` command was found",
            hint="install git (and put it on PATH), or run without --since",
        ) from None


def changed_since(root: Path, ref: str) -> GitDiff:
    """What changed in the project at `root` since the git revision `ref`, uncommitted and
    untracked files included (see the module's docstring). Raises GitError."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise GitError(
            f"--since needs a git repository, and {root} is not inside one",
            hint="run breakit in a git checkout (`git init` and commit), or run without --since",
        )
    if ref.startswith("-"):  # never let a revision be read as an option of git's
        raise GitError(f"--since: {ref!r} is not a git revision", hint=_REF_HINT)
    resolved = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if resolved.returncode != 0:
        raise GitError(f"--since: unknown git revision {ref!r}", hint=_REF_HINT)
    commit = resolved.stdout.strip()
    diff = _git(
        root,
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--relative",
        commit,
        "--",
    )
    if diff.returncode != 0:
        raise GitError(
            f"--since: `git diff {ref}` failed: {_first_line(diff.stderr)}", hint=_REF_HINT
        )
    lines, new = parse_diff(diff.stdout)
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for path in filter(None, untracked.stdout.split("\0")):
        file = root / path
        if file.is_file():
            count = len(file.read_text(encoding="utf-8", errors="replace").splitlines())
            lines[path] = set(range(1, count + 1))
            new.add(path)
    return GitDiff(
        ref=ref,
        commit=commit,
        lines={path: frozenset(found) for path, found in sorted(lines.items())},
        new=frozenset(new),
    )


_REF_HINT = (
    "give a branch, tag or commit this checkout has (`git log --oneline`); in CI, check out "
    "with fetch-depth: 0 so that origin/<base branch> exists"
)


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "no message")
