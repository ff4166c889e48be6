"""What a cached thing depends on, as a hash: the baseline's key (`content_key`), a mutant's
result's (`ResultKeys`), the forced-fail sanity run's and the NoCoverage proof's (`sanity_key`).
breakit.store keeps each under its key; a key that changed is a cache miss.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from breakit import __version__
from breakit.config import Config
from breakit.engine.fork.pool_key import fingerprint
from breakit.engine.selection import TestPlan
from breakit.engine.workspace import DEFAULT_IGNORE, DEFAULT_IGNORE_TOP
from breakit.model import Mutant


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
    package = Path(__file__).resolve().parent
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


class ResultKeys:
    """The cache key of a mutant's result: a hash of everything the result depends on.

    That is the mutant's own changes, every project file that is not a test module (the source,
    conftest.py files, pyproject.toml and pytest's other configuration), the ids of the tests it
    runs and the content of the test modules holding them. A changed test module therefore
    invalidates only the mutants that run one of its tests; a new test that covers a mutant
    changes the tests it runs (the baseline's coverage says so), and with them its key. A
    first-catch result (only its first catching tests run) has a key of its own: a full run
    never reuses it, while a first-catch run may reuse a full result (the same verdict, more
    catching tests).
    """

    def __init__(self, config: Config) -> None:
        self.root = config.root
        tested = [PurePosixPath(t.split("::")[0]) for t in config.tests]
        self.test_files: dict[str, bytes] = {}
        common = hashlib.sha256(breakit_key().encode())
        for path in project_files(self.root):
            rel = path.relative_to(self.root).as_posix()
            content = path.read_bytes()
            is_test = path.name != "conftest.py" and any(
                PurePosixPath(rel) == t or t in PurePosixPath(rel).parents for t in tested
            )
            if is_test:
                self.test_files[rel] = content
            else:
                common.update(rel.encode() + b"\0" + content + b"\0")
        self.common = common.hexdigest()

    def key(
        self, mutant: Mutant, chosen: tuple[str, ...] | None, *, first_catch: bool = False
    ) -> str:
        digest = hashlib.sha256(self.common.encode())
        if first_catch:
            digest.update(b"\0first-catch")
        for path, content in sorted(mutant.changes.items()):
            digest.update(f"\0change {path}\0".encode())
            digest.update(b"<deleted>" if content is None else content.encode())
        if chosen is None:
            digest.update(b"\0every test")
            files = sorted(self.test_files)
        else:
            digest.update(("\0tests " + "\n".join(sorted(chosen))).encode())
            files = sorted({nodeid.split("::")[0] for nodeid in chosen})
        for rel in files:
            digest.update(f"\0file {rel}\0".encode())
            digest.update(self.test_files.get(rel, b"<not a test module>"))
        return digest.hexdigest()[:24]

    def both(
        self, mutants: Sequence[Mutant], plans: Sequence[TestPlan]
    ) -> tuple[list[str | None], list[str | None]]:
        """Per mutant, the key of its full result and of its first-catch result; None for a
        mutant that runs no test (NoCoverage: never cached)."""
        full: list[str | None] = []
        first: list[str | None] = []
        for mutant, plan in zip(mutants, plans, strict=True):
            none = plan.reaches_no_test
            full.append(None if none else self.key(mutant, plan.tests))
            first.append(None if none else self.key(mutant, plan.tests, first_catch=True))
        return full, first


def sanity_key(
    baseline_key: str, modules: Sequence[str], project: Sequence[str], backend: str
) -> str:
    """What the forced-fail sanity run's verdict (and the NoCoverage proof) depends on: the
    project's files (the baseline's key covers every source, test and configuration file) and
    where the tests import from (the Python, sys.path and its installs, the environment: the
    warm pool's fingerprint)."""
    where = fingerprint(modules, project, dict(os.environ))
    return f"{baseline_key}-{where}-{backend}"
