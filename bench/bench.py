"""Benchmark: breakit's engine against the naive way (a fresh pytest per mutant), in one run.

    python bench/bench.py [--project PATH] [--generated [--naive-sample N]] [--oracle] [--apply ID]
                          [--apply-only]

Works on a temporary copy of the project (the bundled target by default), so the project's own
.breakit/ cache is never touched. It prints, side by side, for the curated catalog (and, with
--generated, for the operators' mutants):

- naive: for each mutant, a fresh copy of the project with the mutant written in, and a plain
  `python -m pytest` of the whole suite (pytest's defaults), one after the other;
- breakit -j 1 and breakit with its default workers: `Lab.run` on a warm baseline cache, from
  worker start-up and the forced-fail sanity run to the last result;
- with --oracle, the oracle: the naive way with breakit's pytest arguments and plugin (so
  `--tb=native`), one at a time, and whether its kill matrix matches breakit's;
- the physical limit: the sum over mutants of the (uninstrumented) baseline time of the tests
  each one runs, divided by the workers — what the engine would take with zero overhead;
- breakit --first-catch (`check --first-catch`: each mutant stops at its first catching test,
  killer-first), with nothing known before and with the killers of the run before, and whether
  its verdicts are the full run's;
- with --generated, `mutmut run` on a copy of the same project, and breakit on the hot mutants
  alone (changes inside function bodies: the kind mutmut makes), full and first-catch, for a
  like-for-like rate.

Then `breakit apply <id>` wall time with a warm baseline cache (a fresh process, as a learner
runs it), without and with warm workers, and for each curated mutation a second time (its
mutant cached, as from a learner's second apply). Figures are printed, never asserted: the
machine's load changes them.
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

from memory import PeakMemory  # bench/memory.py, next to this file

from breakit.catalog import load_catalog
from breakit.codemod import apply_mutation
from breakit.config import Config, load_config
from breakit.engine.fork.warm_client import stop_pools
from breakit.engine.lab import Lab
from breakit.engine.oracle import compare, oracle_matrix
from breakit.engine.runner import RunSpec
from breakit.engine.subprocess_runner import SubprocessRunner
from breakit.engine.workspace import Workspace
from breakit.model import Baseline, KillMatrix, Mutant

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
) -> float:
    total = 0.0
    for mutant in mutants:
        chosen = lab.plan(mutant, baseline)
        tests = baseline.tests if chosen is None else chosen
        total += sum(durations.get(nodeid, 0.0) for nodeid in tests)
    return total / workers


def engine(
    config: Config,
    mutants: Sequence[Mutant],
    jobs: int | None,
    warm: str = "off",
    first_catch: bool = False,
    known_killers: bool = True,
) -> tuple[float, Lab, KillMatrix, float | None]:
    """`Lab.run` of `mutants` on a warm baseline, no result reused; its wall time, the lab, the
    matrix and the peak PSS of this process and its workers (with warm workers: this process
    alone, the pool lives outside its tree). `first_catch`: `check
    --first-catch`, its killer-first order from the last run's results.json if `known_killers`
    (as in a CI job that keeps .breakit/), else from nothing (fastest first, then this run's)."""
    (config.root / ".breakit" / "cache.json").unlink(missing_ok=True)
    if not known_killers:
        (config.root / ".breakit" / "results.json").unlink(missing_ok=True)
    lab = Lab(config, jobs=jobs, warm=warm, first_catch=first_catch)
    with lab.session():
        baseline = lab.baseline()  # warm: from the cache
        if warm != "off":
            pool = lab.warm_pool()
            assert pool is not None
            pool.ensure()  # started by an earlier command: not part of this one's time
        with PeakMemory() as peak:
            started = time.perf_counter()
            matrix = lab.run(mutants, baseline)
            wall = time.perf_counter() - started
        return wall, lab, matrix, peak.mb


def apply_wall(root: Path, mutation_id: str, warm: str) -> float:
    # The installed `breakit` command, as a learner types it (`python -m breakit` in the copy
    # would import the copy's own breakit/ package, never byte-compiled).
    script = Path(sys.executable).parent / "breakit"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "breakit"]
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


def section(
    title: str,
    config: Config,
    mutants: Sequence[Mutant],
    durations: dict[str, float],
    naive_sample: int | None,
    with_oracle: bool = False,
    with_mutmut: bool = False,
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
    one_s, lab, _, one_mb = engine(config, mutants, 1)
    many_s, many_lab, matrix, many_mb = engine(config, mutants, None)
    with lab.session():
        baseline = lab.baseline()
        limit_1 = physical_limit(lab, mutants, baseline, durations, 1)
        limit_n = physical_limit(lab, mutants, baseline, durations, workers)
        if with_oracle:
            started = time.perf_counter()
            oracle = oracle_matrix(lab.oracle_settings(baseline), mutants, baseline, jobs=1)
            oracle_s = time.perf_counter() - started
            mismatches = compare(matrix, oracle)
            rows.append(
                Row(
                    "oracle (fresh pytest each, breakit's args)",
                    len(mutants),
                    oracle_s,
                    f"{len(mismatches)} mismatches with breakit's matrix",
                )
            )
    rows.append(
        Row(
            "breakit -j 1",
            len(mutants),
            one_s,
            f"{naive_s / one_s:.1f}x naive; {one_s / limit_1:.2f}x the limit",
            one_mb,
        )
    )
    rows.append(
        Row(
            f"breakit (default, {workers} workers)",
            len(mutants),
            many_s,
            f"{naive_s / many_s:.1f}x naive; {many_s / limit_n:.2f}x the limit; "
            f"{many_lab.hot_runs} ran hot",
            many_mb,
        )
    )
    warm_s, warm_lab, _, _ = engine(config, mutants, None, warm="start")
    rows.append(
        Row(
            f"breakit (default, {workers} workers), warm workers",
            len(mutants),
            warm_s,
            f"{naive_s / warm_s:.1f}x naive; {warm_s / limit_n:.2f}x the limit; "
            f"{warm_lab.warm_workers} workers from the warm pool",
        )
    )
    rows.extend(first_catch_rows(config, mutants, matrix, many_s, workers))
    rows.append(Row(f"physical limit, {workers} workers", len(mutants), limit_n))
    if with_mutmut:
        # Like for like with mutmut, which only mutates function bodies: the hot mutants alone.
        with lab.session():
            hot = [m for m in mutants if lab.is_hot(m, baseline)]
        if hot:
            hot_s, _, hot_matrix, hot_mb = engine(config, hot, None)
            rows.append(
                Row(
                    f"breakit, function-body (hot) mutants only, {workers} workers",
                    len(hot),
                    hot_s,
                    "every catching test; limit "
                    f"{physical_limit(lab, hot, baseline, durations, workers):.1f} s",
                    hot_mb,
                )
            )
            fc_s, _, fc_matrix, fc_mb = engine(
                config, hot, None, first_catch=True, known_killers=False
            )
            rows.append(
                Row(
                    f"breakit --first-catch, function-body (hot) mutants only, {workers} workers",
                    len(hot),
                    fc_s,
                    "first catching test, nothing known before; "
                    + verdicts_note(hot_matrix, fc_matrix),
                    fc_mb,
                )
            )
        rows.extend(mutmut_rows(config, workers))
    return table(title, rows)


def verdicts_note(full: KillMatrix, first: KillMatrix) -> str:
    """Whether a first-catch run's verdicts are the full run's (they must be)."""
    verdicts = {r.mutant.id: r.verdict for r in full.results}
    differ = [r.mutant.id for r in first.results if verdicts.get(r.mutant.id) is not r.verdict]
    return "same verdicts" if not differ else f"{len(differ)} verdicts differ: {differ[:3]}"


def first_catch_rows(
    config: Config, mutants: Sequence[Mutant], full: KillMatrix, full_s: float, workers: int
) -> list[Row]:
    """`check --first-catch` next to the full run: with nothing known before (a CI job without
    .breakit/), then with the killers of the run before (results.json kept)."""
    rows = []
    for known, how in ((False, "nothing known before"), (True, "last run's killers first")):
        wall, _, matrix, peak_mb = engine(
            config, mutants, None, first_catch=True, known_killers=known
        )
        speedup = full_s / wall if wall else float("inf")
        rows.append(
            Row(
                f"breakit --first-catch ({workers} workers, {how})",
                len(mutants),
                wall,
                f"{speedup:.1f}x the full run; {verdicts_note(full, matrix)}",
                peak_mb,
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
        "--no-mutmut", action="store_true", help="skip mutmut on the generated mutants"
    )
    parser.add_argument("--apply", metavar="ID", help="the mutation for the apply timing")
    parser.add_argument(
        "--oracle", action="store_true", help="also check the curated results against the oracle"
    )
    parser.add_argument(
        "--apply-only", action="store_true", help="only the `breakit apply` timings"
    )
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="breakit-bench-"))
        with Workspace(args.project.resolve()) as source:
            root = Path(scratch) / "project"
            shutil.copytree(source.path, root, symlinks=True)
        stack.callback(stop_pools, root)  # the warm pool of this temporary copy
        config = load_config(root)
        curated = [apply_mutation(m, root) for m in load_catalog(config).all()]
        lab = Lab(config)
        with lab.session():
            started = time.perf_counter()
            baseline = lab.baseline()
            cold = time.perf_counter() - started
        started = time.perf_counter()
        durations = plain_durations(config)
        plain = time.perf_counter() - started
        print(f"project: {args.project}  ({len(baseline.tests)} tests, {os.cpu_count()} cores)")
        print(
            f"baseline with per-test coverage: {cold:.1f} s; plain pytest run: {plain:.1f} s; "
            f"the tests alone: {sum(durations.values()):.2f} s\n"
        )
        if not args.apply_only:
            print(section("curated catalog", config, curated, durations, None, args.oracle))
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
                    with_mutmut=not args.no_mutmut,
                )
            )
        apply_id = args.apply or curated[0].id
        print()
        for line in apply_lines(root, apply_id, [m.id for m in curated]):
            print(line)


if __name__ == "__main__":
    main()
