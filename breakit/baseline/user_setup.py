"""The user's pytest setup as breakit's runs meet it: what breakit set aside
(breakit.inrun.set_aside, in the test process), said in one line, and the plain pytest that tells
breakit's own failure from a broken suite when the baseline cannot even run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from breakit.core.config import Config

# The plain run only has to say whether pytest gets through the suite; a suite longer than this
# is not waited for (the baseline's own error is then shown as it is).
PLAIN_RUN_TIMEOUT_S = 600.0


def set_aside_notes(notes: Sequence[str] | None) -> list[str]:
    """The one line saying which of the user's plugins and options breakit's runs set aside."""
    if not notes:
        return []
    return [f"set aside in breakit's runs (docs/config.md): {'; '.join(notes)}"]


def plain_pytest_passes(workdir: Path, config: Config) -> bool:
    """Does `python -m pytest` (the project's own configuration, the configured tests and
    pytest_args, nothing of breakit's) pass in `workdir`? Asked when pytest stopped with an
    error in breakit's baseline: if it passes, breakit's own setup is what failed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BREAKIT_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # As breakit's runs have it: the workspace (and its src/) first on the path.
    front = [str(workdir), *([str(workdir / "src")] if (workdir / "src").is_dir() else [])]
    env["PYTHONPATH"] = os.pathsep.join([*front, *filter(None, [env.get("PYTHONPATH")])])
    command = [sys.executable, "-m", "pytest", "-q", *config.pytest_args, *config.tests]
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PLAIN_RUN_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
