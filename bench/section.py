"""One section of the benchmark (the curated catalog, or the generated mutants): its rows, in the
order they run, each measured here and its figures computed by bench/figures.py."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench import figures
from bench.bench_table import Row, table
from bench.engine_runs import EngineRun, engine, first_catch_rows, triage_row
from bench.naive import naive
from bench.peers import fermut_rows, mutmut_rows
from breakit.core.config import Config
from breakit.core.model import Baseline, Mutant
from breakit.engine.lab import Lab
from breakit.engine.oracle import oracle_matrix

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


@dataclass(frozen=True)
class Limits:
    """The physical limits of one section's mutants (bench/figures.py, `physical_limit`)."""

    one: float  # on one worker
    cores: float  # on one worker per core
    proofs: float  # on one worker per core, with a whole-suite proof per survivor
    hot: list[Mutant]  # the function-body mutants, the kind mutmut makes
    hot_cores: float  # theirs, on one worker per core


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
    naive_s, rows = naive_row(config, mutants, naive_sample)
    many = engine(config, mutants, None)
    survived = frozenset(mid for mid, verdict in many.verdicts.items() if verdict == "Survived")
    lab = Lab(config)
    with lab.session():
        baseline = lab.baseline()
        limits = physical_limits(lab, mutants, baseline, durations, workers, survived)
    rows += engine_rows(config, mutants, many, naive_s, limits, plain_s, with_peers, skip)
    if with_oracle:
        rows.append(oracle_row(lab, mutants, baseline, many))
    if "warm" not in skip:
        warm = engine(config, mutants, None, warm="on")
        note = figures.engine_note(naive_s, warm.wall_s, limits.cores)
        rows.append(
            Row("breakit (default: -j auto), warm workers", len(mutants), warm.wall_s, note)
        )
    if "triage" not in skip:
        rows.append(triage_row(config, mutants, many))
    if "first-catch" not in skip:
        rows.extend(first_catch_rows(config, mutants, many))
    note = "the covering tests each mutant runs (the limit above)"
    rows.append(Row(f"physical limit, {workers} workers", len(mutants), limits.cores, note))
    name = f"  + one whole-suite proof per survivor, {workers} workers"
    note = f"the limit with each of {len(survived)} survivors proved alone"
    rows.append(Row(name, len(mutants), limits.proofs, note))
    if with_peers:
        rows += peer_rows(config, mutants, limits, workers, skip)
    return table(title, rows)


def naive_row(
    config: Config, mutants: Sequence[Mutant], naive_sample: int | None
) -> tuple[float, list[Row]]:
    """The naive way's time (estimated from `naive_sample` evenly spaced mutants, if fewer than
    all), and its row."""
    if naive_sample is not None and naive_sample < len(mutants):
        sample = figures.evenly_spaced(mutants, naive_sample)
        naive_s = figures.estimate(naive(config, sample), len(sample), len(mutants))
        note = f"estimated from {len(sample)} evenly spaced mutants"
        return naive_s, [Row("naive (fresh pytest each)", len(mutants), naive_s, note)]
    naive_s = naive(config, mutants)
    return naive_s, [Row("naive (fresh pytest each)", len(mutants), naive_s)]


def physical_limits(
    lab: Lab,
    mutants: Sequence[Mutant],
    baseline: Baseline,
    durations: dict[str, float],
    workers: int,
    survived: frozenset[str],
) -> Limits:
    """The limits count each mutant's covering tests only: the survivors' proofs on the whole
    suite are the engine's own work, in its time and not in the limit (issue 24)."""

    policy = lab.policy(baseline)

    def limit(
        chosen: Sequence[Mutant], over: int, survivors: frozenset[str] = frozenset()
    ) -> float:
        plans = [(m.id, policy.plan(m).tests) for m in chosen]
        return figures.physical_limit(plans, baseline.tests, durations, over, survivors)

    hot = [m for m in mutants if policy.is_hot(m)]
    return Limits(
        one=limit(mutants, 1),
        cores=limit(mutants, workers),
        proofs=limit(mutants, workers, survived),
        hot=hot,
        hot_cores=limit(hot, workers),
    )


def engine_rows(
    config: Config,
    mutants: Sequence[Mutant],
    many: EngineRun,
    naive_s: float,
    limits: Limits,
    plain_s: float,
    with_peers: bool,
    skip: frozenset[str],
) -> list[Row]:
    """breakit -j 1, -j auto (`many`, run already), --no-cache and one worker per core."""
    count = len(mutants)
    rows = []
    if "j1" not in skip:
        one = engine(config, mutants, 1)
        note = figures.engine_note(naive_s, one.wall_s, limits.one)
        rows.append(Row("breakit -j 1", count, one.wall_s, note, one.peak_mb))
    note = figures.engine_note(naive_s, many.wall_s, limits.cores)
    rows.append(Row("breakit (default: -j auto)", count, many.wall_s, note, many.peak_mb))
    if "cold" not in skip:
        cold = engine(config, mutants, None, cold=True)
        first = figures.first_mutant_note(cold.timing.get("first_mutant_s"), plain_s)
        note = figures.naive_note(naive_s, cold.wall_s) + first
        name = "breakit --no-cache (baseline included)"
        rows.append(Row(name, count, cold.wall_s, note, cold.peak_mb))
    if with_peers and "jcores" not in skip:
        # -j auto runs more workers than cores where the tests to run sleep (pyjwt's JWKS
        # tests): faster, and more memory. One per core is mutmut's --max-children here.
        workers = os.cpu_count() or 1
        cores = engine(config, mutants, workers)
        note = figures.engine_note(naive_s, cores.wall_s, limits.cores)
        name = f"breakit -j {workers} (one worker per core)"
        rows.append(Row(name, count, cores.wall_s, note, cores.peak_mb))
    return rows


def oracle_row(lab: Lab, mutants: Sequence[Mutant], baseline: Baseline, many: EngineRun) -> Row:
    """The oracle (the naive way with breakit's pytest arguments and plugin), one at a time, and
    whether its verdicts are breakit's."""
    with lab.session():
        started = time.perf_counter()
        oracle = oracle_matrix(lab.oracle_settings(baseline), mutants, baseline, jobs=1)
        oracle_s = time.perf_counter() - started
    differ = [
        r.mutant.id for r in oracle.results if many.verdicts.get(r.mutant.id) != r.verdict.value
    ]
    note = f"{len(differ)} verdicts differ from breakit's" + (f": {differ[:3]}" if differ else "")
    return Row("oracle (fresh pytest each, breakit's args)", len(mutants), oracle_s, note)


def peer_rows(
    config: Config, mutants: Sequence[Mutant], limits: Limits, workers: int, skip: frozenset[str]
) -> list[Row]:
    """Like for like with mutmut, which only mutates function bodies: the hot mutants alone,
    full and first-catch; then mutmut and fermut."""
    rows = []
    hot = limits.hot
    if hot and "hot" not in skip and len(hot) < len(mutants):
        hot_full = engine(config, hot, None)
        note = f"every catching test; limit {limits.hot_cores:.1f} s"
        name = "breakit, function-body (hot) mutants only"
        rows.append(Row(name, len(hot), hot_full.wall_s, note, hot_full.peak_mb))
        hot_first = engine(config, hot, None, first_catch=True, known_killers=False)
        note = "first catching test, nothing known before; " + figures.verdicts_note(
            hot_full.verdicts, hot_first.verdicts
        )
        name = "breakit --first-catch, function-body (hot) mutants only"
        rows.append(Row(name, len(hot), hot_first.wall_s, note, hot_first.peak_mb))
    if "mutmut" not in skip:
        rows.extend(mutmut_rows(config, workers))
    if "fermut" not in skip:
        rows.extend(fermut_rows(config, workers))
    return rows
