"""What a cached thing depends on, as a hash: the baseline's key (`content_key`), the forced-fail
sanity run's and the NoCoverage proof's (`sanity_key`), and what a mutant's result key
(breakit.engine.result_reuse.ResultKeys) starts from (`breakit_key`, `project_files`).
breakit.store.gateway keeps each under its key; a key that changed is a cache miss.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatch
from pathlib import Path

from breakit import __version__
from breakit.runners.fork.pool_key import fingerprint
from breakit.runners.workspace import DEFAULT_IGNORE, DEFAULT_IGNORE_TOP


def project_files(root: Path) -> Iterable[Path]:
    """Every file a test run could depend on: Python, and pytest/packaging configuration.

    Skips what the Workspace does not copy either (virtualenvs, caches, VCS folders).
    """
    for folder, dirs, files in os.walk(root):
        at_top = Path(folder) == root
        dirs[:] = sorted(
            d
            for d in dirs
            if not any(fnmatch(d, pattern) for pattern in DEFAULT_IGNORE)
            and not (at_top and d in DEFAULT_IGNORE_TOP)
            and not (Path(folder) / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if name.endswith((".py", ".toml", ".ini", ".cfg")):
                yield Path(folder) / name


@functools.cache
def breakit_key() -> str:
    """A hash of breakit's own code: what a cached baseline or result means (which lines a test
    covers, what counts as caught) changes with it, and an editable or git install changes it
    without changing `__version__`."""
    digest = hashlib.sha256(f"breakit {__version__}\0".encode())
    package = Path(__file__).resolve().parents[1]  # breakit/
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def content_key(root: Path) -> str:
    """A hash of the source and tests, and of breakit's code: a cached baseline is valid while
    this is unchanged."""
    digest = hashlib.sha256(breakit_key().encode())
    for path in project_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def sanity_key(
    baseline_key: str, modules: Sequence[str], project: Sequence[str], backend: str
) -> str:
    """What the forced-fail sanity run's verdict (and the NoCoverage proof) depends on: the
    project's files (the baseline's key covers every source, test and configuration file) and where
    the tests import from (the Python, sys.path and its installs, the environment: the
    warm pool's fingerprint)."""
    where = fingerprint(modules, project, dict(os.environ))
    return f"{baseline_key}-{where}-{backend}"
