"""Benchmark: breakit's engine against the naive way (a fresh pytest per mutant) and its peers, in
one run.

    python bench/bench.py [--project PATH] [--generated [--naive-sample N]] [--oracle] [--apply ID]
                          [--skip ROW ...] [--apply-only | --baseline-only]

Works on a temporary copy of the project (the bundled target by default; any project with a
`[tool.breakit]` table: bench/public.py fetches and sets up pyjwt for it), so the project's own
.breakit/ cache is never touched. It prints the baseline with per-test coverage against one plain
pytest run, then, side by side, for the curated catalog (if the project has one) and, with
--generated, for the operators' mutants:

- naive: for each mutant, a fresh copy of the project with the mutant written in, and a plain
  `python -m pytest` of the whole suite (pytest's defaults), one after the other;
- breakit -j 1, breakit -j auto (the default) and, with --generated, breakit with one worker per
  core: `breakit check --json ID...` in a fresh process, as a user runs it, on a warm baseline
  cache and no result reused, with the peak memory (PSS) of its whole process tree;
- with --oracle, the oracle: the naive way with breakit's pytest arguments and plugin (so
  `--tb=native`), one at a time, and whether its verdicts match breakit's;
- breakit --no-cache: the same, the baseline included (a first run, a CI job without
  .breakit/), and when its first mutant started (JSON `timing`) against a plain pytest run;
- the physical limit: the sum over mutants of the (uninstrumented) baseline time of the tests
  each one runs, divided by the cores — what the engine would take with zero overhead; and the
  same with the whole suite added for each survivor that ran a subset (what proving each
  survivor alone costs: breakit proves them in batches, docs/architecture.md);
- breakit --first-catch (`check --first-catch`: each mutant stops at its first catching test,
  killer-first), with nothing known before and with the killers of the run before, and whether
  its verdicts are the full run's;
- with --generated, breakit on the hot mutants alone (changes inside function bodies: the kind
  mutmut makes), full and first-catch, then `mutmut run` and fermut (`fermut coverage`, then
  `fermut run` with `--record-kill-sets`, every catching test, and without, the first one) on
  copies of the same project, files and suite, from the `bench` extra.

Then `breakit apply <id>` wall time with a warm baseline cache (a fresh process, as a learner
runs it), without and with warm workers, and for each curated mutation a second time (its
mutant cached, as from a learner's second apply). The row "results reused, survivors
triaged" is what "why it survived" costs (the other rows run `--no-triage`). --skip leaves rows
out (j1, jcores, cold, warm, hot, first-catch, triage, mutmut, fermut, apply). Figures are
printed, never asserted: the machine's load changes them.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory import PeakMemory  # bench/memory.py, next to this file

from breakit.catalog import load_catalog
from breakit.codemod import apply_mutation
from breakit.config import Config, load_config
from breakit.engine import line_events
from breakit.engine.coverage_map import CORE_ENV
from breakit.engine.fork.warm_client import stop_pools
from breakit.engine.lab import Lab
from breakit.engine.oracle import oracle_matrix
from breakit.engine.runner import RunSpec
from breakit.engine.subprocess_runner import SubprocessRunner
from breakit.engine.workspace import Workspace
from breakit.model import Baseline, Mutant

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Row:
    name: str
    mutants: int
    wall_s: float | None
    note: str = ""
    peak_mb: float | None = None  # the tree's peak PSS during the run (bench/memory.py)

    def cells(self) -> list[str]:
        peak = "-" if self.peak_mb is None else f"{self.peak_mb:.0f}"
        if self.wall_s is None:
            return [self.name, str(self.mutants), "-", "-", peak, self.note]
        rate = self.mutants / self.wall_s if self.wall_s else float("inf")
        wall = f"{self.wall_s:.1f}"
        return [self.name, str(self.mutants), wall, f"{rate:.2f}", peak, self.note]


def table(title: str, rows: Sequence[Row]) -> str:
    header = ["", "mutants", "wall s", "mutants/s", "peak MB", ""]
    body = [header, *(row.cells() for row in rows)]
    widths = [max(len(r[i]) for r in body) for i in range(len(header))]
    lines = [title, "-" * len(title)]
    for r in body:
        lines.append(
            "  ".join(
                c.ljust(w) if i in (0, 5) else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


def naive(config: Config, mutants: Sequence[Mutant]) -> float:
    """Wall seconds for a fresh copy and a plain `python -m pytest` per mutant."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.perf_counter()
    for mutant in mutants:
        with Workspace(config.root) as fresh, fresh.mutated(mutant.changes) as workdir:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:randomly",
                    "-p",
                    "no:cacheprovider",
                    *config.pytest_args,
                    *config.tests,
                ],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
    return time.perf_counter() - started


def keep_bytecode(config: Config) -> None:
    """A plain pytest run that may write bytecode, as on a user's machine: where the environment
    sets PYTHONDONTWRITEBYTECODE (this sandbox does), pytest never keeps its assertion-rewritten
    copies of the plugins' modules (anyio's, for a FastAPI project), and every pytest started
    afterwards, the naive way's and mutmut's as well as breakit's, would rewrite them again."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", *config.tests],
        cwd=config.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def plain_durations(config: Config) -> dict[str, float]:
    """Per-test durations of the suite without coverage (the baseline's are measured with it)."""
    with Workspace(config.root) as copy:
        run = SubprocessRunner().run(
            copy.path, RunSpec(config.tests, extra_args=config.pytest_args)
        )
    return {nodeid: o.duration_s for nodeid, o in run.outcomes.items()}


def physical_limit(
    lab: Lab,
    mutants: Sequence[Mutant],
    baseline: Baseline,
    durations: dict[str, float],
    workers: int,
    survivors: frozenset[str] = frozenset(),
) -> float:
    """The plain time of the tests each mutant runs, over `workers`. A mutant of `survivors`
    that ran a subset of the suite runs the whole suite too: breakit proves a Survived on it
    (docs/field.md, disagreement 5), so the contract's floor holds that run."""
    suite = sum(durations.get(nodeid, 0.0) for nodeid in baseline.tests)
    total = 0.0
    for mutant in mutants:
        chosen = lab.plan(mutant, baseline)
        tests = baseline.tests if chosen is None else chosen
        total += sum(durations.get(nodeid, 0.0) for nodeid in tests)
        if chosen is not None and mutant.id in survivors:
            total += suite
    return total / workers


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
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, *(m.id for m in mutants)],
            cwd=config.root,
            env=env,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        with PeakMemory(proc.pid) as peak:
            _, err = proc.communicate()
        wall = time.perf_counter() - started
        out.seek(0)
        text = out.read()
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        tail = err.strip()[-300:]
        raise SystemExit(f"breakit check failed (exit {proc.returncode}): {tail}") from None
    verdicts = {m["id"]: m["verdict"] for m in document["mutants"]}
    survivors_s = sum(m["duration_s"] for m in document["mutants"] if m["verdict"] == "Survived")
    peak_mb = None if warm != "off" else peak.mb
    timing = document.get("timing", {})
    return EngineRun(wall, verdicts, peak_mb, timing, document.get("triage_run"), survivors_s)


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
    every = sorted(walls.values())
    fastest = min(walls, key=walls.__getitem__)
    under = sorted(i for i, w in walls.items() if w < 1.0)
    return [
        f"breakit apply {apply_id}, warm baseline cache, no warm workers: "
        f"{min(cold):.2f} s best of 3 ({', '.join(f'{w:.2f}' for w in cold)})",
        f"breakit apply {apply_id}, warm baseline cache, warm workers: "
        f"{min(warm):.2f} s best of 3 ({', '.join(f'{w:.2f}' for w in warm)})",
        f"breakit apply, each of the {len(every)} curated (again), warm workers: "
        f"min {every[0]:.2f} s ({fastest}), median {every[len(every) // 2]:.2f} s, "
        f"max {every[-1]:.2f} s; under 1 s: {', '.join(under) or 'none'}",
    ]


SKIPPABLE = (
    "j1",
    "jcores",
    "cold",
    "warm",
    "hot",
    "first-catch",
    "triage",
    "mutmut",
    "fermut",
    "apply",
)


def section(
    title: str,
    config: Config,
    mutants: Sequence[Mutant],
    durations: dict[str, float],
    naive_sample: int | None,
    plain_s: float,
    with_oracle: bool = False,
    with_peers: bool = False,
    skip: frozenset[str] = frozenset(),
) -> str:
    workers = os.cpu_count() or 1
    rows = []
    if naive_sample is not None and naive_sample < len(mutants):
        step = len(mutants) / naive_sample
        sample = [mutants[int(i * step)] for i in range(naive_sample)]
        naive_s = naive(config, sample) * len(mutants) / len(sample)
        rows.append(
            Row(
                "naive (fresh pytest each)",
                len(mutants),
                naive_s,
                f"estimated from {len(sample)} evenly spaced mutants",
            )
        )
    else:
        naive_s = naive(config, mutants)
        rows.append(Row("naive (fresh pytest each)", len(mutants), naive_s))
    many = engine(config, mutants, None)
    survived = frozenset(mid for mid, verdict in many.verdicts.items() if verdict == "Survived")
    lab = Lab(config)
    with lab.session():
        baseline = lab.baseline()
        # The limit counts each mutant's covering tests only: the survivors' proofs on the whole
        # suite are the engine's own work, in its time and not in the limit (issue 24).
        limit_1 = physical_limit(lab, mutants, baseline, durations, 1)
        limit_n = physical_limit(lab, mutants, baseline, durations, workers)
        proofs_n = physical_limit(lab, mutants, baseline, durations, workers, survived)
        hot = [m for m in mutants if lab.is_hot(m, baseline)]
        limit_hot = physical_limit(lab, hot, baseline, durations, workers)
    if "j1" not in skip:
        one = engine(config, mutants, 1)
        rows.append(
            Row(
                "breakit -j 1",
                len(mutants),
                one.wall_s,
                f"{naive_s / one.wall_s:.1f}x naive; {one.wall_s / limit_1:.2f}x the limit",
                one.peak_mb,
            )
        )
    rows.append(
        Row(
            "breakit (default: -j auto)",
            len(mutants),
            many.wall_s,
            f"{naive_s / many.wall_s:.1f}x naive; {many.wall_s / limit_n:.2f}x the limit",
            many.peak_mb,
        )
    )
    if "cold" not in skip:
        cold = engine(config, mutants, None, cold=True)
        first = cold.timing.get("first_mutant_s")
        before = (
            f"; first mutant after {first:.1f} s, {first / plain_s:.2f}x a plain run"
            if first
            else ""
        )
        rows.append(
            Row(
                "breakit --no-cache (baseline included)",
                len(mutants),
                cold.wall_s,
                f"{naive_s / cold.wall_s:.1f}x naive{before}",
                cold.peak_mb,
            )
        )
    if with_peers and "jcores" not in skip:
        # -j auto runs more workers than cores where the tests to run sleep (pyjwt's JWKS
        # tests): faster, and more memory. One per core is mutmut's --max-children here.
        cores = engine(config, mutants, workers)
        rows.append(
            Row(
                f"breakit -j {workers} (one worker per core)",
                len(mutants),
                cores.wall_s,
                f"{naive_s / cores.wall_s:.1f}x naive; {cores.wall_s / limit_n:.2f}x the limit",
                cores.peak_mb,
            )
        )
    if with_oracle:
        with lab.session():
            started = time.perf_counter()
            oracle = oracle_matrix(lab.oracle_settings(baseline), mutants, baseline, jobs=1)
            oracle_s = time.perf_counter() - started
        differ = [
            r.mutant.id for r in oracle.results if many.verdicts.get(r.mutant.id) != r.verdict.value
        ]
        rows.append(
            Row(
                "oracle (fresh pytest each, breakit's args)",
                len(mutants),
                oracle_s,
                f"{len(differ)} verdicts differ from breakit's"
                + (f": {differ[:3]}" if differ else ""),
            )
        )
    if "warm" not in skip:
        warm = engine(config, mutants, None, warm="on")
        rows.append(
            Row(
                "breakit (default: -j auto), warm workers",
                len(mutants),
                warm.wall_s,
                f"{naive_s / warm.wall_s:.1f}x naive; {warm.wall_s / limit_n:.2f}x the limit",
            )
        )
    if "triage" not in skip:
        rows.append(triage_row(config, mutants, many))
    if "first-catch" not in skip:
        rows.extend(first_catch_rows(config, mutants, many))
    rows.append(
        Row(
            f"physical limit, {workers} workers",
            len(mutants),
            limit_n,
            "the covering tests each mutant runs (the limit above)",
        )
    )
    rows.append(
        Row(
            f"  + one whole-suite proof per survivor, {workers} workers",
            len(mutants),
            proofs_n,
            f"the limit with each of {len(survived)} survivors proved alone",
        )
    )
    if with_peers:
        # Like for like with mutmut, which only mutates function bodies: the hot mutants alone.
        if hot and "hot" not in skip and len(hot) < len(mutants):
            hot_full = engine(config, hot, None)
            rows.append(
                Row(
                    "breakit, function-body (hot) mutants only",
                    len(hot),
                    hot_full.wall_s,
                    f"every catching test; limit {limit_hot:.1f} s",
                    hot_full.peak_mb,
                )
            )
            hot_first = engine(config, hot, None, first_catch=True, known_killers=False)
            rows.append(
                Row(
                    "breakit --first-catch, function-body (hot) mutants only",
                    len(hot),
                    hot_first.wall_s,
                    "first catching test, nothing known before; "
                    + verdicts_note(hot_full, hot_first),
                    hot_first.peak_mb,
                )
            )
        if "mutmut" not in skip:
            rows.extend(mutmut_rows(config, workers))
        if "fermut" not in skip:
            rows.extend(fermut_rows(config, workers))
    return table(title, rows)


# A full Timeout that first-catch calls Killed agrees (README, "Which mode where").
_AGREE = {("Timeout", "Killed")}


def verdicts_note(full: EngineRun, first: EngineRun) -> str:
    """Whether a first-catch run's verdicts are the full run's (they must be)."""
    differ = [
        mid
        for mid, verdict in first.verdicts.items()
        if full.verdicts.get(mid) != verdict and (full.verdicts.get(mid), verdict) not in _AGREE
    ]
    return "same verdicts" if not differ else f"{len(differ)} verdicts differ: {differ[:3]}"


def first_catch_rows(config: Config, mutants: Sequence[Mutant], full: EngineRun) -> list[Row]:
    """`check --first-catch` next to the full run: with nothing known before (a CI job without
    .breakit/), then with the killers of the run before (results.json kept)."""
    rows = []
    for known, how in ((False, "nothing known, --no-cache"), (True, "last run's killers first")):
        # Nothing known: a CI job's first run, without .breakit/ (the baseline included).
        run = engine(config, mutants, None, first_catch=True, known_killers=known, cold=not known)
        speedup = full.wall_s / run.wall_s if run.wall_s else float("inf")
        rows.append(
            Row(
                f"breakit --first-catch ({how})",
                len(mutants),
                run.wall_s,
                f"{speedup:.1f}x the full run; {verdicts_note(full, run)}",
                run.peak_mb,
            )
        )
    return rows


MUTMUT_STATUS = {1: "killed", 3: "killed", 0: "survived", 33: "no tests", 5: "no tests"}


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
        root = Path(scratch) / "project"
        with Workspace(config.root) as copy:
            shutil.copytree(copy.path, root, symlinks=True)
        shutil.rmtree(root / ".breakit", ignore_errors=True)
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
        done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        statuses: dict[str, int] = {}
        for meta in (root / "mutants").rglob("*.meta"):
            data = json.loads(meta.read_text())
            for code in data.get("exit_code_by_key", {}).values():
                status = MUTMUT_STATUS.get(code, "other")
                statuses[status] = statuses.get(status, 0) + 1
    count = sum(statuses.values())
    if done.returncode != 0 or not count:
        tail = (done.stdout + done.stderr).strip().splitlines()[-1:] or ["no output"]
        return [Row(version, count, None, f"failed: {tail[0][:100]}")]
    found = re.search(r"([0-9.]+) mutations/second", done.stdout)
    rate = float(found.group(1)) if found else None
    summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    rows = [Row(f"{version}, whole run", count, wall, summary, peak.mb)]
    if rate:
        rows.append(
            Row(
                f"{version}, mutant phase",
                count,
                count / rate,
                "as mutmut reports it; first catching test only",
            )
        )
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
    source = config.source[0]
    # fermut's --exclude globs are relative to its source root.
    excludes = [e.removeprefix(source.rstrip("/") + "/") for e in config.exclude]
    rows = []
    contracts = (("every catching test (kill sets)", True), ("first catching test", False))
    for contract, extra in contracts:
        with tempfile.TemporaryDirectory(prefix="breakit-bench-fermut-") as scratch:
            root = Path(scratch) / "project"
            with Workspace(config.root) as copy:
                shutil.copytree(copy.path, root, symlinks=True)
            shutil.rmtree(root / ".breakit", ignore_errors=True)
            tests = [t for t in config.tests]
            report = root / "fermut-report.json"
            commands = [
                [
                    str(fermut),
                    "coverage",
                    "--source",
                    source,
                    "--tests",
                    tests[0],
                    "--python",
                    sys.executable,
                ],
                [
                    str(fermut),
                    "run",
                    source,
                    "--tests",
                    tests[0],
                    "--jobs",
                    str(workers),
                    "--python",
                    sys.executable,
                    "--no-cache",
                    "--no-history",
                    "--no-fail",
                    "--no-cache-audit",
                    "--json",
                    str(report),
                    *(a for e in excludes for a in ("--exclude", e)),
                    *(a for arg in config.pytest_args for a in ("--pytest-arg", arg)),
                    *(("--record-kill-sets", str(root / "kill-sets.jsonl")) if extra else ()),
                ],
            ]
            started = time.perf_counter()
            peak_mb: float | None = None
            failed = ""
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
                    failed = f"{command[1]} failed (exit {proc.returncode}): {tail[0][:100]}"
                    break
            wall = time.perf_counter() - started
            if failed or not report.exists():
                rows.append(Row(f"{version}, {contract}", 0, None, failed or "no report"))
                continue
            statuses = fermut_statuses(json.loads(report.read_text()))
        ran = sum(n for s, n in statuses.items() if s != "skipped")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        rows.append(Row(f"{version}, {contract}", ran, wall, summary, peak_mb))
    return rows


def fermut_statuses(report: dict) -> dict[str, int]:
    """Status → count of a fermut JSON report's outcomes (killed, survived, timed_out, skipped:
    filtered out before any test ran, …)."""
    counts: dict[str, int] = {}
    for outcome in report.get("outcomes", []):
        status = str(outcome.get("status", "other"))
        counts[status] = counts.get(status, 0) + 1
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--project", type=Path, default=REPO)
    parser.add_argument("--generated", action="store_true", help="also the operators' mutants")
    parser.add_argument(
        "--naive-sample",
        type=int,
        default=20,
        help="for generated mutants: run the naive way on this many, extrapolate",
    )
    parser.add_argument(
        "--no-mutmut", action="store_true", help="skip mutmut and fermut (same as --skip both)"
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=SKIPPABLE,
        help="leave these rows out (repeatable): breakit -j 1, breakit -j CORES, warm workers, "
        "the function-body pair, the first-catch pair, the triage row, mutmut, fermut, the apply "
        "timings",
    )
    parser.add_argument("--apply", metavar="ID", help="the mutation for the apply timing")
    parser.add_argument(
        "--oracle", action="store_true", help="also check the curated results against the oracle"
    )
    parser.add_argument(
        "--apply-only", action="store_true", help="only the `breakit apply` timings"
    )
    parser.add_argument(
        "--baseline-only",
        action="store_true",
        help="only the baseline against a plain pytest run (e.g. under each Python)",
    )
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="breakit-bench-"))
        with Workspace(args.project.resolve()) as source:
            root = Path(scratch) / "project"
            shutil.copytree(source.path, root, symlinks=True)
        stack.callback(stop_pools, root)  # the warm pool of this temporary copy
        config = load_config(root)
        keep_bytecode(config)
        curated = [apply_mutation(m, root) for m in load_catalog(config).all()]
        lab = Lab(config)
        with lab.session():
            started = time.perf_counter()
            baseline = lab.baseline()
            cold = time.perf_counter() - started
        started = time.perf_counter()
        durations = plain_durations(config)
        plain = time.perf_counter() - started
        traced = os.environ.get(CORE_ENV) == "coverage" or not line_events.available()
        core = (
            "coverage.py's tracer, and a plain timing run where it pays"
            if traced
            else "sys.monitoring"
        )
        print(f"project: {args.project}  ({len(baseline.tests)} tests, {os.cpu_count()} cores)")
        print(
            f"Python {sys.version_info.major}.{sys.version_info.minor}; baseline with per-test "
            f"coverage ({core}): {cold:.1f} s, {cold / plain:.2f}x a plain pytest run: "
            f"{plain:.1f} s; the tests alone: {sum(durations.values()):.2f} s\n"
        )
        if args.baseline_only:
            return
        skip = frozenset(args.skip) | (frozenset({"mutmut", "fermut"}) if args.no_mutmut else set())
        if curated and not args.apply_only:
            print(
                section(
                    "curated catalog",
                    config,
                    curated,
                    durations,
                    None,
                    plain,
                    args.oracle,
                    skip=skip,
                )
            )
        if args.generated and not args.apply_only:
            from breakit.operators import generate_mutants

            generated = generate_mutants(config)
            print()
            print(
                section(
                    "generated mutants",
                    config,
                    generated,
                    durations,
                    args.naive_sample,
                    plain,
                    with_peers=True,
                    skip=skip,
                )
            )
        if "apply" in skip or not curated:
            return
        apply_id = args.apply or curated[0].id
        print()
        for line in apply_lines(root, apply_id, [m.id for m in curated]):
            print(line)


if __name__ == "__main__":
    main()
