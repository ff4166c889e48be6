"""The pytest plugins of the plugin matrix (pyproject.toml's `plugins` extra) in a folder of their
own, for the e2e tests that run breakit on projects using them (tests/e2e/test_cli_plugins.py);
and Django with pytest-django and psycopg (the `django` extra) likewise, for the Django project's
(tests/e2e/test_cli_django.py).

They are not in breakit's test extras: installed there, every pytest process the suite starts
would import them (Hypothesis's plugin alone imports Hypothesis, about a second each time). The
folder goes on the PYTHONPATH of only the breakit commands that need it: pytest finds the plugins
there through their entry points, as in a user's environment. It is made once per Python and
list, with `pip install --no-deps --target` (the list holds the dependencies breakit's own
environment lacks), under BREAKIT_TEST_CACHE or ~/.cache/breakit-tests.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def plugin_requirements(extra: str = "plugins") -> list[str]:
    """An extra of breakit's pyproject.toml (`plugins`, `django`): exact versions."""
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)["project"]
    return list(project["optional-dependencies"][extra])


def plugin_site(extra: str = "plugins") -> Path:
    """The folder holding `extra`'s packages for this Python, installed on first use."""
    wanted = plugin_requirements(extra)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    key = hashlib.sha256("\n".join([version, *wanted]).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("BREAKIT_TEST_CACHE") or Path.home() / ".cache" / "breakit-tests")
    folder = cache / f"{extra}-py{version}-{key}"
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / f".{folder.name}.{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
    done = subprocess.run(
        [*command, str(partial), *wanted], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise RuntimeError(f"could not install the {extra} extra: {done.stderr.strip()[-500:]}")
    try:
        partial.rename(folder)  # whole or not at all; another process may have won the race
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
    return folder
