"""Which lines of the source files pytest imported before coverage started run at import.

pytest imports a project's modules while it reads its configuration, before any plugin's hook:
a `filterwarnings` entry naming the project's own warning class (pyjwt, starlette), a
`-p pkg.plugin` in addopts. Per-test coverage starts after that, so it never sees those files'
import-time lines. Counting every line of them as import-time is safe but makes every mutant of
those files run the whole suite, fresh: on pyjwt, 690 mutants × 475 tests.

So the baseline's recorder imports those modules once more, in a fresh interpreter on the same
sys.path, under coverage.py, and counts as import-time the lines that ran (a function the
module calls at import included: pyjwt's `_get_default_options`). Their other lines are then
per-test lines like any other. When the probe cannot run (the import fails or hangs there),
every line counts as import-time, as before.

Runs in the baseline's pytest process (breakit.inrun.coverage_map), which starts the probe.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

PROBE_TIMEOUT_S = 120.0

_PROBE = """
import importlib, json, sys
settings = json.loads(sys.argv[1])
sys.path[:] = settings["path"]
import coverage
cov = coverage.Coverage(data_file=None, config_file=False, include=settings["files"])
cov.start()
try:
    for name in settings["modules"]:
        importlib.import_module(name)
finally:
    cov.stop()
data = cov.get_data()
print(json.dumps({f: sorted(data.lines(f) or ()) for f in data.measured_files()}))
"""


def import_time_lines(
    modules: Sequence[str], files: Sequence[str], cwd: str, path: Sequence[str]
) -> dict[str, set[int]] | None:
    """Absolute file → the lines that ran while `modules` were imported, in that order, in a
    fresh interpreter on `path` (sys.path); only `files` are measured. None when the probe
    failed: the caller counts every line as import-time then."""
    settings = json.dumps({"path": list(path), "modules": list(modules), "files": list(files)})
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, settings],
            cwd=cwd,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        return {str(f): {int(n) for n in lines} for f, lines in measured.items()}
    except (ValueError, IndexError, TypeError, AttributeError):
        return None
