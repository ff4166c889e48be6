"""breakit's own rows of the benchmark: `breakit check` and `breakit apply` run as a user runs
them (the installed command, a fresh process), timed, with the peak memory of the process tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import figures
from bench.bench_table import Row
from bench.memory import PeakMemory
from breakit.core.config import Config
from breakit.core.model import Mutant


def breakit_command() -> list[str]:
    """The installed `breakit` command, as a user types it (`python -m breakit` in the copy
    would import the copy's own breakit/ package, never byte-compiled)."""
    script = Path(sys.executable).parent / "breakit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "breakit"]


@dataclass
class EngineRun:
    wall_s: float
    verdicts: dict[str, str]  # mutant id → verdict, from `check --json`
    peak_mb: float | None  # the command's process tree (its workers and their children)
    timing: dict[str, float | None]  # JSON `timing`: baseline_s, first_mutant_s
    triage: dict[str, Any] | None = None  # JSON `triage_run`, when the survivors were triaged
    survivors_s: float = 0.0  # the survivors' own runs, summed (their `duration_s`)


def engine(
    config: Config,
    mutants: Sequence[Mutant],
    jobs: int | None,
    warm: str = "off",
    first_catch: bool = False,
    known_killers: bool = True,
    cold: bool = False,
    triage: bool = False,
    reuse: bool = False,
) -> EngineRun:
    """`breakit check --json ID...` of `mutants` in a fresh process, as a user runs it, on a
    warm baseline cache, no result reused: its wall time (interpreter start-up and mutant
    generation included), its verdicts and the peak PSS of its whole process tree (with warm
    workers, the pool lives outside that tree, so no peak is given). `first_catch`: `check
    --first-catch`, its killer-first order from the last run's results.json if
    `known_killers` (as in a CI job that keeps .breakit/), else from nothing (fastest first,
    then this run's). `cold`: `--no-cache`, as a first run or a CI job without .breakit/ runs
    it, the baseline included. `triage`: the survivors triaged after the run (by default
    `--no-triage`: the rows compare the engine), `reuse`: the results of the last run reused."""
    state = config.root / ".breakit"
    cleared = ("cache.json", "journal.jsonl", *(() if known_killers else ("results.json",)))
    for name in () if reuse else cleared:
        (state / name).unlink(missing_ok=True)
    command = [*breakit_command(), "check", "--json", "-q", "-j", str(jobs or "auto")]
    if not triage:
        command.append("--no-triage")
    if first_catch:
        command.append("--first-catch")
    if cold:
        command.append("--no-cache")
    env = {**os.environ, "BREAKIT_WARM": warm}
    if warm != "off":  # started by an earlier command: not part of this one's time
        subprocess.run(
            [*breakit_command(), "warm", "start"],
            cwd=config.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    wall, document, peak_mb = timed_check([*command, *(m.id for m in mutants)], config.root, env)
    verdicts = {m["id"]: m["verdict"] for m in document["mutants"]}
    survivors_s = sum(m["duration_s"] for m in document["mutants"] if m["verdict"] == "Survived")
    peak_mb = None if warm != "off" else peak_mb
    timing = document.get("timing", {})
    return EngineRun(wall, verdicts, peak_mb, timing, document.get("triage_run"), survivors_s)


def timed_check(
    command: Sequence[str], root: Path, env: dict[str, str]
) -> tuple[float, dict, float | None]:
    """`command` (a `breakit check --json`) run in `root`: its wall time, its JSON document and
    its tree's peak PSS; SystemExit with its stderr's tail if it printed no JSON."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(command), cwd=root, env=env, stdout=out, stderr=subprocess.PIPE, text=True
        )
        with PeakMemory(proc.pid) as peak:
            _, err = proc.communicate()
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    try:
        return wall, json.loads(text), peak.mb
    except json.JSONDecodeError:
        tail = err.strip()[-300:]
        raise SystemExit(f"breakit check failed (exit {proc.returncode}): {tail}") from None


def triage_row(config: Config, mutants: Sequence[Mutant], full: EngineRun) -> Row:
    """What "why it survived" costs (issue 26): the same check again, every result reused, the
    survivors triaged: its wall time is the triage's, next to the survivors' own runs."""
    again = engine(config, mutants, None, triage=True, reuse=True)
    run = again.triage or {}
    classes = ", ".join(f"{n} {kind}" for kind, n in sorted(run.get("classes", {}).items()))
    note = (
        f"triage {run.get('duration_s', 0):.1f} s in {run.get('runs', 0)} runs for "
        f"{run.get('survivors', 0)} survivors ({classes or 'none'}); their own runs "
        f"{full.survivors_s:.1f} s"
    )
    return Row("  results reused, survivors triaged", len(mutants), again.wall_s, note)


def apply_wall(root: Path, mutation_id: str, warm: str) -> float:
    command = breakit_command()
    started = time.perf_counter()
    subprocess.run(
        [*command, "apply", mutation_id],
        cwd=root,
        env={**os.environ, "BREAKIT_WARM": warm},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started


def apply_lines(root: Path, apply_id: str, ids: Sequence[str]) -> list[str]:
    """`breakit apply` as a learner runs it: cold (no warm pool), then with warm workers."""
    cold = [apply_wall(root, apply_id, "off") for _ in range(3)]
    apply_wall(root, apply_id, "on")  # starts the warm pool, as a learner's first apply does
    warm = [apply_wall(root, apply_id, "on") for _ in range(3)]
    walls = {}
    for mutation_id in ids:
        apply_wall(root, mutation_id, "on")  # a learner's first apply of it computes the mutant
        walls[mutation_id] = apply_wall(root, mutation_id, "on")
    return figures.apply_lines(apply_id, cold, warm, walls)


def first_catch_rows(config: Config, mutants: Sequence[Mutant], full: EngineRun) -> list[Row]:
    """`check --first-catch` next to the full run: with nothing known before (a CI job without
    .breakit/), then with the killers of the run before (results.json kept)."""
    rows = []
    for known, how in ((False, "nothing known, --no-cache"), (True, "last run's killers first")):
        # Nothing known: a CI job's first run, without .breakit/ (the baseline included).
        run = engine(config, mutants, None, first_catch=True, known_killers=known, cold=not known)
        speedup = figures.speedup(full.wall_s, run.wall_s)
        note = f"{speedup:.1f}x the full run; {figures.verdicts_note(full.verdicts, run.verdicts)}"
        name = f"breakit --first-catch ({how})"
        rows.append(Row(name, len(mutants), run.wall_s, note, run.peak_mb))
    return rows
