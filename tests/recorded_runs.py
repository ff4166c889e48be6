"""pytest run in-process with breakit's RecorderPlugin on a small project, and its records
(tests/unit/test_pytest_plugin.py, tests/unit/test_subtests.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from breakit.core.run_records import record_to_json
from breakit.inrun.pytest_plugin import RecorderPlugin


def record_run(root: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    """Run pytest in-process on `root` with a RecorderPlugin; the exit status and the records,
    as JSON (what crosses from the test process to breakit's)."""
    records: list[dict[str, Any]] = []
    modules = set(sys.modules)
    try:
        status = pytest.main(
            [
                f"--rootdir={root}",
                "-p",
                "no:cacheprovider",
                "-p",
                "no:randomly",
                "--import-mode=importlib",
                "-q",
                *(str(root / arg) for arg in args),
            ],
            plugins=[RecorderPlugin(lambda record: records.append(record_to_json(record)))],
        )
    finally:
        for name in set(sys.modules) - modules:  # the tiny project's modules must not linger
            del sys.modules[name]
    return int(status), records


def records_by_name(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["nodeid"].rpartition("::")[2]: r for r in records if r["event"] == "test"}
