"""The fast engine against the oracle on the bundled target, and Ctrl-C during a parallel run."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.e2e.cli_harness import outcomes, snapshot
from tests.project_files import write_project

pytestmark = pytest.mark.slow


def test_fast_engine_matches_the_oracle_on_every_curated_mutation(bundled):
    # --verify runs each mutant again in a fresh copy with a plain pytest and the whole suite,
    # and fails loudly if any test's outcome differs (a NOT_RUN test must pass there).
    before = snapshot(bundled.root)
    result = bundled("check", "--verify", "--json", "-j", "2", timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    document = json.loads(result.stdout)
    assert len(document["mutants"]) == 15
    assert {m["verdict"] for m in document["mutants"]} == {"Killed"}
    # Selection ran fewer than all tests for some mutants, and those were proven right.
    not_run = [
        m["id"]
        for m in document["mutants"]
        if any(t["outcome"] == "not_run" for t in outcomes(document, m).values())
    ]
    assert "constant-id" in not_run
    assert snapshot(bundled.root) == before
    assert list(bundled.tmp.iterdir()) == []


def test_ctrl_c_during_a_parallel_run_cleans_everything_up(small):
    write_project(
        small.root,
        {
            "calc/__init__.py": """
                import time


                def add(a, b):
                    time.sleep(1.5)
                    return a + b


                def is_positive(n):
                    time.sleep(1.5)
                    return n > 0
            """
        },
    )
    assert small("check").returncode == 0  # a warm baseline cache: Ctrl-C lands in the mutants
    (small.root / ".breakit" / "cache.json").unlink()  # …which must run, not come from the cache
    before = snapshot(small.root)
    process = small.popen("check", "-j", "2")
    # Ctrl-C once the workers run (on a loaded machine the CLI's own imports can take seconds:
    # a fixed sleep could land before its handlers exist, which is not what this tests).
    deadline = time.monotonic() + 60
    while not _processes_mentioning(str(small.tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert snapshot(small.root) == before
    deadline = time.monotonic() + 5
    while list(small.tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(small.tmp.iterdir()) == []
    # No worker or child is left: nothing still runs the project's tests.
    assert not _processes_mentioning(str(small.tmp))


def _processes_mentioning(text: str) -> list[str]:
    from pathlib import Path

    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            cwd = str((entry / "cwd").resolve())
        except OSError:
            continue
        if text in cmdline or cwd.startswith(text):
            found.append(f"{entry.name}: {cmdline}")
    return found
