"""A Django project whose suite cannot run under pytest as it is set up: what to install and set.

Django's own test runner (`manage.py test`) configures the settings and sets up the apps; under
pytest that is pytest-django's job, with `DJANGO_SETTINGS_MODULE` in pytest's configuration. A
project missing either has a suite that does not run at all, and the baseline fails on whatever
the first test trips over. When it does, a project found to be a Django one (a `manage.py` that
names its settings module) gets one line saying what to install and set instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

from breakit.core.errors import ConfigError

_SETTINGS = re.compile(r"""["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
# Where pytest reads its settings, and where a user sets pytest-django's.
_PYTEST_CONFIGS = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def settings_module(root: Path) -> str | None:
    """The settings module the project's `manage.py` sets, or None: not a Django project."""
    manage = root / "manage.py"
    try:
        text = manage.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = _SETTINGS.search(text)
    return found[1] if found else None


def missing_setup(root: Path) -> ConfigError | None:
    """The error to raise instead of a red baseline when `root` is a Django project that lacks
    pytest-django, or pytest-django's settings module; None when it is set up (or not Django)."""
    settings = settings_module(root)
    if settings is None:
        return None
    setting = f'DJANGO_SETTINGS_MODULE = "{settings}" under [tool.pytest.ini_options]'
    if importlib.util.find_spec("pytest_django") is None:
        return ConfigError(
            f"this is a Django project (manage.py, {settings}) and its tests need "
            f"pytest-django to run under pytest: pip install pytest-django, and set {setting}"
        )
    if not _settings_configured(root):
        return ConfigError(
            f"this is a Django project (manage.py, {settings}) and pytest-django does not know "
            f"its settings: set {setting} (or the DJANGO_SETTINGS_MODULE environment variable)"
        )
    return None


def _settings_configured(root: Path) -> bool:
    """Whether pytest-django is told the settings module: the environment, or pytest's config."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return True
    for name in _PYTEST_CONFIGS:
        try:
            text = (root / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "DJANGO_SETTINGS_MODULE" in text or "--ds" in text:
            return True
    return False
