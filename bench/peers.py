"""The peers' rows of the benchmark: mutmut and fermut (the `bench` extra) on fresh copies of
the same project, files and suite, timed, with the peak memory of their process trees."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import figures
from bench.bench_table import Row
from bench.memory import PeakMemory
from breakit.core.config import Config
from breakit.runners.workspace import Workspace


def fresh_copy(config: Config, scratch: str) -> Path:
    """The project copied into `scratch`/project, without breakit's .breakit/."""
    root = Path(scratch) / "project"
    with Workspace(config.root) as copy:
        shutil.copytree(copy.path, root, symlinks=True)
    shutil.rmtree(root / ".breakit", ignore_errors=True)
    return root


def mutmut_rows(config: Config, workers: int) -> list[Row]:
    """`mutmut run` (from the `bench` extra) on a fresh copy of the same target and suite.

    Two rows: its whole run from a clean start (generation, its own coverage and stats pass,
    clean run, forced-fail run, mutants) and the mutant phase alone, as mutmut reports it.
    """
    mutmut = Path(sys.executable).with_name("mutmut")
    if not mutmut.exists():
        return [Row("mutmut", 0, None, "not installed: pip install -e '.[bench]'")]
    version = f"mutmut {importlib.metadata.version('mutmut')}"
    with tempfile.TemporaryDirectory(prefix="breakit-bench-mutmut-") as scratch:
        root = fresh_copy(config, scratch)
        with (root / "pyproject.toml").open("a", encoding="utf-8") as pyproject:
            pyproject.write(
                "\n[tool.mutmut]\n"
                f"source_paths = {list(config.source)!r}\n"
                f"pytest_add_cli_args_test_selection = {list(config.tests)!r}\n"
                f"do_not_mutate = {list(config.exclude)!r}\n"
                'pytest_add_cli_args = ["-p", "no:randomly", "-p", "no:cacheprovider"]\n'
            )
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(mutmut), "run", "--max-children", str(workers)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        with PeakMemory(proc.pid) as peak:
            out, err = proc.communicate()
        wall = time.perf_counter() - started
        codes = [
            code
            for meta in (root / "mutants").rglob("*.meta")
            for code in json.loads(meta.read_text()).get("exit_code_by_key", {}).values()
        ]
    statuses = figures.mutmut_statuses(codes)
    count = sum(statuses.values())
    if proc.returncode != 0 or not count:
        tail = (out + err).strip().splitlines()[-1:] or ["no output"]
        return [Row(version, count, None, f"failed: {tail[0][:100]}")]
    found = re.search(r"([0-9.]+) mutations/second", out)
    rate = float(found.group(1)) if found else None
    rows = [Row(f"{version}, whole run", count, wall, figures.summary(statuses), peak.mb)]
    if rate:
        phase_s = figures.mutant_phase_s(count, rate)
        note = "as mutmut reports it; first catching test only"
        rows.append(Row(f"{version}, mutant phase", count, phase_s, note))
    return rows


def fermut_rows(config: Config, workers: int) -> list[Row]:
    """fermut (from the `bench` extra) on a fresh copy of the same project, files and suite:
    its coverage database (`fermut coverage`, part of each row's time: fermut needs it for its
    per-test selection), then `fermut run` twice: with `--record-kill-sets` (every covering
    test of each mutant runs: its full kill matrix, breakit's contract) and without (pytest
    `-x`: the first catching test, the first-catch contract). No cache, no history."""
    fermut = Path(sys.executable).with_name("fermut")
    if not fermut.exists():
        return [Row("fermut", 0, None, "not installed: pip install -e '.[bench]'")]
    version = f"fermut {importlib.metadata.version('fermut')}"
    if len(config.source) != 1:
        return [Row(version, 0, None, "fermut takes one source root; this project has several")]
    rows = []
    contracts = (("every catching test (kill sets)", True), ("first catching test", False))
    for contract, kill_sets in contracts:
        with tempfile.TemporaryDirectory(prefix="breakit-bench-fermut-") as scratch:
            root = fresh_copy(config, scratch)
            report = root / "fermut-report.json"
            commands = fermut_commands(fermut, config, workers, root, report, kill_sets)
            started = time.perf_counter()
            failed, peak_mb = run_in_turn(commands, root)
            wall = time.perf_counter() - started
            if failed or not report.exists():
                rows.append(Row(f"{version}, {contract}", 0, None, failed or "no report"))
                continue
            statuses = figures.fermut_statuses(json.loads(report.read_text()))
        summary = figures.summary(statuses)
        rows.append(Row(f"{version}, {contract}", figures.ran(statuses), wall, summary, peak_mb))
    return rows


def fermut_commands(
    fermut: Path, config: Config, workers: int, root: Path, report: Path, kill_sets: bool
) -> list[list[str]]:
    """`fermut coverage`, then `fermut run` into `report` (with `--record-kill-sets` if
    `kill_sets`), on the project's one source root and its first tests entry."""
    source = config.source[0]
    # fermut's --exclude globs are relative to its source root.
    excludes = [e.removeprefix(source.rstrip("/") + "/") for e in config.exclude]
    tests = config.tests[0]
    python = ["--python", sys.executable]
    return [
        [str(fermut), "coverage", "--source", source, "--tests", tests, *python],
        [
            str(fermut),
            "run",
            source,
            "--tests",
            tests,
            "--jobs",
            str(workers),
            *python,
            "--no-cache",
            "--no-history",
            "--no-fail",
            "--no-cache-audit",
            "--json",
            str(report),
            *(a for e in excludes for a in ("--exclude", e)),
            *(a for arg in config.pytest_args for a in ("--pytest-arg", arg)),
            *(("--record-kill-sets", str(root / "kill-sets.jsonl")) if kill_sets else ()),
        ],
    ]


def run_in_turn(commands: list[list[str]], root: Path) -> tuple[str, float | None]:
    """Each command in `root`, in turn, until one fails: what failed ("" if none) and the
    highest peak PSS of their process trees."""
    peak_mb: float | None = None
    for command in commands:
        proc = subprocess.Popen(
            command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        with PeakMemory(proc.pid) as peak:
            out, err = proc.communicate()
        if peak.mb is not None:
            peak_mb = max(peak_mb or 0.0, peak.mb)
        if proc.returncode != 0:
            tail = (out + err).strip().splitlines()[-1:] or ["no output"]
            return f"{command[1]} failed (exit {proc.returncode}): {tail[0][:100]}", peak_mb
    return "", peak_mb
