"""An isolated copy of the project in which mutants run: the user's working tree is never touched.

One `Workspace` copies the project once; `workspace.mutated(changes)` writes a mutant's files into
the copy and puts the original bytes back afterwards, so one copy serves many mutants in a row.
Nothing in the copy holds bytecode: `__pycache__`/`*.pyc` are never copied, and the test
processes write none into it (PYTHONDONTWRITEBYTECODE=1; a fork worker's children keep theirs in
a private folder outside the copy, `sys.pycache_prefix`). A `.pyc` is trusted when the source's
modification time, in whole seconds, and its size match the ones it recorded, so a file rewritten
within the same second and with the same size would be served its old bytecode: every file a
mutant writes gets a modification time of its own (`MUTANT_STAMP` and a count, never one a file
had before, nor one another mutant's file had), and the original's is put back with its bytes.

Every temporary folder breakit makes (workspaces, fork-worker and run scratch) is a `Scratch`:
named `breakit-…` and holding an owner marker locked (`flock`) while the process that made it
lives. A run killed with SIGKILL cannot remove its folders; the next one does (`sweep_stale`),
and only those whose owner is dead: the lock tells, never a guess from a name or an age.
"""

from __future__ import annotations

import atexit
import contextlib
import fnmatch
import functools
import itertools
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any

# The modification time (seconds since the epoch; then the count of files mutated so far) of a
# file a mutant wrote: 2001-09-09, long before any copied file's, and unique for each write.
MUTANT_STAMP = 1_000_000_000

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
        self._tempdir: Scratch | None = None
        self._path: Path | None = None
        self._mutating = False
        self._stamps = itertools.count(1)  # mutated files' modification times (MUTANT_STAMP)

    @property
    def path(self) -> Path:
        """The root of the copy; only while the workspace is open."""
        if self._path is None:
            raise RuntimeError("the workspace is not open: use it as a context manager")
        return self._path

    def __enter__(self) -> Workspace:
        if not self.root.is_dir():
            raise FileNotFoundError(f"{self.root} is not a folder")
        sweep_once(tempfile.gettempdir())  # what killed runs left behind
        try:
            self._tempdir = Scratch("breakit-ws-")
            path = self._tempdir.path / self.root.name
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
            tempdir.remove()

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
                stamp = (MUTANT_STAMP + next(self._stamps)) * 1_000_000_000
                os.utime(target, ns=(stamp, stamp))  # no cached bytecode is this version's
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


OWNER_MARKER = ".breakit-owner"
SCRATCH_PREFIX = "breakit-"


class Scratch:
    """A new temporary folder named `prefix…` (prefix starts with SCRATCH_PREFIX), owned by this
    process: the marker file in it stays locked until `remove()` or the process's death.

    The lock's file description is not inherited by the processes breakit starts (close-on-exec,
    and `subprocess` closes it anyway), so it is released the moment its owner dies, however.
    Ctrl-C or SIGTERM can come between the folder's making and its owner's `try` (a Workspace's,
    a run's): every scratch folder not removed is removed when the process that made it exits
    (`_remove_left_scratch`), and none is made unrecorded (the signals wait while it is).
    """

    def __init__(self, prefix: str, folder: str | Path | None = None) -> None:
        self._lock: int | None = None
        self._pid = os.getpid()
        with _signals_held():
            self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
            with _live_lock:
                _live.add(self)
        try:
            self._lock = _lock_owner(self.path)
        except BaseException:
            self.remove()
            raise

    def remove(self) -> None:
        """Remove the folder, then give up ownership; safe to call twice."""
        try:
            if self.path.exists():
                remove_tree(self.path)
        finally:
            with _live_lock:
                _live.discard(self)
            lock, self._lock = self._lock, None
            if lock is not None:
                os.close(lock)


_live: set[Scratch] = set()  # this process's scratch folders, until removed
_live_lock = threading.Lock()


@atexit.register
def _remove_left_scratch() -> None:
    """At exit, the scratch folders an interrupt left without an owner to remove them. Only this
    process's: a forked child inherits the set, and must not remove its parent's folders."""
    with _live_lock:
        left = [scratch for scratch in _live if scratch._pid == os.getpid()]
    for scratch in left:
        scratch.remove()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM held back (in the main thread, where Python raises them) until the
    block is done, then delivered as they came."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Any] = {}
    try:
        for wanted in (signal.SIGINT, signal.SIGTERM):
            previous[wanted] = signal.signal(wanted, lambda got, _frame: held.append(got))
        yield
    finally:
        for restored, handler in previous.items():
            signal.signal(restored, handler if handler is not None else signal.SIG_DFL)
        for signum in held:
            signal.raise_signal(signum)


def _lock_owner(folder: Path) -> int | None:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no marker, and nothing is ever swept
        return None
    # Locked before it gets the name a sweeper looks for: a sweeper never sees it unlocked.
    staging = folder / f"{OWNER_MARKER}.new"
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"{os.getpid()}\n".encode())  # for a person looking; the lock decides
        os.rename(staging, folder / OWNER_MARKER)
    except BaseException:
        os.close(fd)
        raise
    return fd


def sweep_stale(folder: str | Path) -> list[Path]:
    """Remove every `breakit-…` folder in `folder` whose owner (see Scratch) is dead; the
    removed folders. Folders of live runs, of other users, without a marker (not a Scratch,
    or made by an older breakit) are never touched."""
    try:
        import fcntl
    except ImportError:
        return []
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            if not entry.name.startswith(SCRATCH_PREFIX) or not entry.is_dir(follow_symlinks=False):
                continue
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            fd = os.open(
                os.path.join(entry.path, OWNER_MARKER),
                os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW,
            )
        except OSError:  # no marker, or gone meanwhile
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # its owner is alive
            os.close(fd)
            continue
        try:
            remove_tree(Path(entry.path))
            removed.append(Path(entry.path))
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


@functools.cache
def sweep_once(folder: str) -> None:
    """`sweep_stale(folder)`, the first time a process asks for `folder`."""
    sweep_stale(folder)
