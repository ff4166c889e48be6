"""A real PostgreSQL server for the tests, started by the test itself and stopped after it.

It needs PostgreSQL's server programs (`initdb`, `pg_ctl`: Debian's `postgresql` package, which
.ci/run installs); a machine without them skips the test with that reason. The server listens on
a Unix socket in a folder of its own, never on a TCP port, and trusts local connections. As root
(CI here runs as root), it runs as the `postgres` user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

# A throwaway cluster: trust local connections, never wait for the disk.
_INITDB = ("--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")


@dataclass(frozen=True)
class PostgresServer:
    """Where a test connects: the socket's folder (libpq's `host`), the port in its name, a user."""

    host: str
    port: int
    user: str
    bindir: Path

    def databases(self) -> list[str]:
        """The names of the databases on the server now."""
        done = subprocess.run(
            [
                str(self.bindir / "psql"),
                *("-h", self.host, "-p", str(self.port), "-U", self.user, "-d", "postgres"),
                *("-At", "-c", "SELECT datname FROM pg_database"),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()


def server_bindir() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: on PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _server_user() -> str | None:
    """Who runs the server: us, unless we are root (then `postgres`, else `nobody`)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("no PostgreSQL: running as root, and no unprivileged user to run the server as")


@contextmanager
def postgres_server(port: int = 5432) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster, started, and removed afterwards; skips if there is none."""
    bindir = server_bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server on this machine (initdb, pg_ctl): apt-get install postgresql"
        )
    user = _server_user()
    as_user = ["runuser", "-u", user, "--"] if user else []
    # Its own folder under /tmp, short enough for a socket's path and readable by `user`.
    folder = Path(tempfile.mkdtemp(prefix="breakit-pg-"))
    data, log = folder / "data", folder / "server.log"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    try:
        subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", *_INITDB],
            check=True,
            capture_output=True,
        )
        start = ("-l", str(log), "-w", "start")
        options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off"
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, *start],
            check=True,
            capture_output=True,
        )
        try:
            yield PostgresServer(host=str(folder), port=port, user="postgres", bindir=bindir)
        finally:
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
