"""The real git, for the tests of `check --since` and of the GitHub Action (tests/unit/
test_git_diff.py, tests/e2e/test_cli_since.py, tests/e2e/test_action.py): an identity of its
own, so no user config is needed."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def commit_all(root: Path, message: str) -> str:
    """Everything in the work tree committed: the new commit's sha."""
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


def init_repo(root: Path) -> None:
    """A repository of the project at `root` as it is: one commit."""
    git(root, "init", "-q")
    commit_all(root, "the project as it was")
