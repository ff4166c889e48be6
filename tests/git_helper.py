"""The real git, for the tests of `check --since` (tests/unit/test_git_diff.py,
tests/e2e/test_cli_since.py): an identity of its own, so no user config is needed."""

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
