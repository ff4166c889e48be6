"""An isolated copy of the project in which mutants run: the user's working tree is never touched.

One `Workspace` copies the project once; `workspace.mutated(changes)` writes a mutant's files into
the copy and puts the original bytes back afterwards, so one copy serves many mutants in a row.
Nothing in the copy may hold bytecode: the runner runs with PYTHONDONTWRITEBYTECODE=1, and
`__pycache__`/`*.pyc` are never copied, so a file rewritten within the same second (and size)
can never be served from a stale `.pyc`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

# Names skipped at any depth.
DEFAULT_IGNORE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".breakit",
    "*.egg-info",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".tox",
    ".nox",
)
# Names skipped only at the top of the project: deeper down they may well be source packages.
DEFAULT_IGNORE_TOP: tuple[str, ...] = ("venv", "env", "build", "dist")


class Workspace:
    """A temporary copy of `root`, removed on exit (also after an exception or Ctrl-C).

    `ignore` adds glob patterns (matched against file and folder names at any depth) to
    DEFAULT_IGNORE. Any folder holding a `pyvenv.cfg` (a virtualenv) is skipped too.
    """

    def __init__(self, root: Path, *, ignore: Iterable[str] = ()) -> None:
        self.root = Path(root).resolve()
        self.ignore = (*DEFAULT_IGNORE, *ignore)
        self._tempdir: Path | None = None
        self._path: Path | None = None
        self._mutating = False

    @property
    def path(self) -> Path:
        """The root of the copy; only while the workspace is open."""
        if self._path is None:
            raise RuntimeError("the workspace is not open: use it as a context manager")
        return self._path

    def __enter__(self) -> Workspace:
        if not self.root.is_dir():
            raise FileNotFoundError(f"{self.root} is not a folder")
        self._tempdir = Path(tempfile.mkdtemp(prefix="breakit-"))
        try:
            path = self._tempdir / self.root.name
            shutil.copytree(self.root, path, symlinks=True, ignore=self._ignored)
            self._path = path
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Remove the copy; safe to call twice."""
        tempdir, self._tempdir, self._path = self._tempdir, None, None
        if tempdir is not None:
            remove_tree(tempdir)

    def _ignored(self, folder: str, names: list[str]) -> set[str]:
        skipped = {name for name in names if any(fnmatch.fnmatch(name, p) for p in self.ignore)}
        at_top = Path(folder) == self.root
        for name in names:
            if at_top and name in DEFAULT_IGNORE_TOP:
                skipped.add(name)
            full = os.path.join(folder, name)
            if not os.path.islink(full) and os.path.isfile(os.path.join(full, "pyvenv.cfg")):
                skipped.add(name)
        return skipped

    @contextlib.contextmanager
    def mutated(self, changes: Mapping[str, str | None]) -> Iterator[Path]:
        """Write `changes` (project-relative path → new text, None: delete) into the copy.

        Yields the copy's root; on exit every touched path gets back exactly its original bytes,
        mode and modification time (or is removed again if it did not exist).
        """
        if self._mutating:
            raise RuntimeError("the workspace already holds a mutant: one at a time")
        root = self.path
        targets = {relpath: self._target(relpath) for relpath in changes}
        saved: list[_Saved] = []
        created_dirs: list[Path] = []
        self._mutating = True
        try:
            for relpath, text in changes.items():
                target = targets[relpath]
                saved.append(_Saved.of(target))
                if text is None:
                    if target.is_symlink() or target.is_file():
                        target.unlink()
                    continue
                created_dirs.extend(_make_parents(target.parent, root))
                if target.is_symlink():
                    target.unlink()  # write a file in its place, never through the link
                target.write_bytes(text.encode("utf-8"))
            yield root
        finally:
            try:
                for item in reversed(saved):
                    item.restore()
                for folder in reversed(created_dirs):
                    with contextlib.suppress(OSError):
                        folder.rmdir()
            finally:
                self._mutating = False

    def _target(self, relpath: str) -> Path:
        """The path in the copy for a project-relative path; ValueError if it leaves the copy."""
        pure = PurePosixPath(relpath.replace("\\", "/"))
        if not relpath or pure.is_absolute() or Path(relpath).is_absolute():
            raise ValueError(f"{relpath!r} is not a path relative to the project root")
        if ".." in pure.parts:
            raise ValueError(f"{relpath!r} leaves the project root")
        root = self.path
        target = root.joinpath(*pure.parts)
        # A symlinked folder on the way could lead out of the copy (into the user's files).
        real_parent = target.parent.resolve()
        if not real_parent.is_relative_to(root.resolve()):
            raise ValueError(f"{relpath!r} leads out of the project root through a symlink")
        return target


@dataclass
class _Saved:
    """What one path held before a mutant touched it."""

    path: Path
    kind: str  # "file", "symlink" or "absent"
    data: bytes = b""
    link: str = ""
    mode: int = 0
    times_ns: tuple[int, int] = (0, 0)

    @classmethod
    def of(cls, path: Path) -> _Saved:
        if path.is_symlink():
            return cls(path, "symlink", link=os.readlink(path))
        if path.is_file():
            info = path.stat()
            return cls(
                path,
                "file",
                data=path.read_bytes(),
                mode=stat.S_IMODE(info.st_mode),
                times_ns=(info.st_atime_ns, info.st_mtime_ns),
            )
        if path.exists():
            raise ValueError(f"{path} is a folder, not a file")
        return cls(path, "absent")

    def restore(self) -> None:
        if self.path.is_symlink() or self.path.exists():
            self.path.unlink()
        if self.kind == "symlink":
            self.path.symlink_to(self.link)
        elif self.kind == "file":
            self.path.write_bytes(self.data)
            os.chmod(self.path, self.mode)
            os.utime(self.path, ns=self.times_ns)


def _make_parents(folder: Path, root: Path) -> list[Path]:
    """Create `folder` and its missing parents below `root`; return the created ones, top first."""
    missing: list[Path] = []
    while not folder.exists() and folder != root:
        missing.append(folder)
        folder = folder.parent
    missing.reverse()
    for path in missing:
        path.mkdir()
    return missing


def remove_tree(path: Path) -> None:
    """Remove a folder tree, read-only entries included."""

    def make_writable_and_retry(func: Callable[..., object], name: str, _exc: object) -> None:
        # Read-only files or folders (a test chmod-ed them) cannot be removed otherwise.
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(name), stat.S_IRWXU)
            os.chmod(name, stat.S_IRWXU)
            func(name)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=make_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=make_writable_and_retry)
