"""Where a project's warm pools live and what each is keyed by: `runtime_dir` (a folder only this
user can open: $XDG_RUNTIME_DIR/breakit, or $TMPDIR/breakit-<uid>), `project_tag` and `fingerprint`
(what a pool was made from; breakit.runners.fork.warm_client names its socket after both). Parent
side only.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from breakit.core.errors import WarmUnavailable
from breakit.runners.breakit_link import PACKAGE

# Shell bookkeeping that changes between commands and cannot change what an import does.
VOLATILE_ENV = frozenset(
    {
        "_",
        "OLDPWD",
        "PWD",
        "SHLVL",
        "COLUMNS",
        "LINES",
        "TERM_SESSION_ID",
        "WINDOWID",
        "PS1",
        "PROMPT_COMMAND",
        "HISTFILE",
        "TMUX_PANE",
        "SSH_TTY",
    }
)


# Read by breakit and pytest when a run starts, never when a package is imported.
RUNTIME_ENV_PREFIXES = ("BREAKIT_", "PYTEST_")


def runtime_dir(create: bool = True) -> Path:
    """The folder of the sockets: private to this user, or WarmUnavailable. Only a command
    that may start a pool creates it: looking for one leaves no trace."""
    if not hasattr(socket, "AF_UNIX") or not hasattr(os, "fork"):
        raise WarmUnavailable("warm workers need Unix sockets and os.fork")
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(runtime) / "breakit"] if runtime else []
    candidates += [
        Path(tempfile.gettempdir()) / f"breakit-{os.getuid()}",
        Path("/tmp") / f"breakit-{os.getuid()}",
    ]
    # A socket's path is at most ~107 bytes: a long TMPDIR (as under pytest) falls back to /tmp.
    fitting = [c for c in candidates if len(str(c)) + _SOCKET_NAME_LENGTH < 100]
    if not fitting:
        raise WarmUnavailable(f"{candidates[0]} is too long a path for a Unix socket")
    folder = fitting[0]
    if not create and not folder.is_dir():
        raise WarmUnavailable("no warm pool is running")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.stat()
    except OSError as exc:
        raise WarmUnavailable(f"cannot use {folder}: {exc}") from None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise WarmUnavailable(f"{folder} is not private to this user: not using it")
    return folder


_SOCKET_NAME_LENGTH = len("/0123456789-0123456789ab.sock")


def project_tag(root: Path) -> str:
    return hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:10]


def fingerprint(modules: Sequence[str], project: Sequence[str], env: dict[str, str]) -> str:
    """What a warm pool was made from; a pool is used only by commands with the same one."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            digest.update(str(part).encode())
            digest.update(b"\0")

    add(os.path.realpath(sys.executable), sys.version, *sorted(modules), "|", *sorted(project))
    add(PACKAGE)
    for path in sorted(PACKAGE.rglob("*.py")):
        info = path.stat()
        add(path.relative_to(PACKAGE), info.st_mtime_ns, info.st_size)
    # A pip install or uninstall adds or removes entries: the folder's mtime changes.
    for entry in sys.path[1:]:
        with contextlib.suppress(OSError):
            add(entry, os.stat(entry or ".").st_mtime_ns)
    for name in sorted(env):
        # breakit's and pytest's settings (BREAKIT_WARM, PYTEST_PLUGINS, PYTEST_ADDOPTS…) are
        # read when a run starts, in the child, which has the command's own environment.
        if name not in VOLATILE_ENV and not name.startswith(RUNTIME_ENV_PREFIXES):
            add(name, env[name])
    return digest.hexdigest()[:12]
