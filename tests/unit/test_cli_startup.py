"""The CLI process starts light: what only a forked worker, a transformer or `watch` needs is
imported there, not by `import breakit.cli`."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # every test here starts a process (tests/tiers.py)

HEAVY = ("pytest", "_pytest", "libcst", "watchfiles", "anyio", "coverage")


def test_importing_the_cli_imports_neither_pytest_nor_libcst_nor_watchfiles() -> None:
    code = (
        "import sys, breakit.cli\n"
        f"print(' '.join(sorted(m for m in {HEAVY!r} if m in sys.modules)) or 'none')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["none"]
