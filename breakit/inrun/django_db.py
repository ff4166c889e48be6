"""In the test process: each breakit test process's own test databases under pytest-django.

pytest-django names the test database after the project's (`test_<NAME>`), and gives each
pytest-xdist worker its own by a suffix (`test_<NAME>_gw0`). breakit runs its test processes side
by side too (its workers, the baseline's timing run, the oracle's copies), each in a workspace of
its own: where the database is a server (PostgreSQL, MySQL), two of them would create, fill and
drop the same test database. Each gets the suffix of its workspace instead, as pytest-django's
xdist workers do, and an in-memory SQLite database (a process's own anyway) is left alone.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

SUFFIX_PREFIX = "breakit_"


def workspace_suffix(rootpath: Path) -> str:
    """`breakit_<8 hex digits>`, the same for every process of one workspace."""
    return SUFFIX_PREFIX + hashlib.sha256(str(rootpath).encode()).hexdigest()[:8]


def own_test_databases(rootpath: Path) -> None:
    """Give this process's test databases the workspace's suffix (pytest-django's rule for its
    xdist workers: a test database's configured name, else `test_` and the database's name; an
    in-memory SQLite one is left alone). Does nothing unless Django's settings are configured
    (pytest-django configured them while pytest loaded its conftest files)."""
    conf = sys.modules.get("django.conf")
    settings = getattr(conf, "settings", None)
    if settings is None or not settings.configured:
        return
    suffix = workspace_suffix(rootpath)
    for database in settings.DATABASES.values():
        test = database.setdefault("TEST", {})
        name = test.get("NAME")
        if not name:
            if database.get("ENGINE") == "django.db.backends.sqlite3":
                continue  # Django's test database for SQLite is in memory
            name = f"test_{database['NAME']}"
        if str(name) == ":memory:" or str(name).endswith(suffix):
            continue
        test["NAME"] = f"{name}_{suffix}"
