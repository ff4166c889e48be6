"""Benchmark: breakit's engine against the naive way (a fresh pytest per mutant) and its peers, in
one run.

    python -m bench.bench [--project PATH] [--generated [--naive-sample N]] [--oracle] [--apply ID]
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
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if not __package__:  # `python bench/bench.py`: the checkout first, so `bench` is this package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import REPO, figures
from bench.engine_runs import apply_lines
from bench.naive import keep_bytecode, plain_durations
from bench.section import SKIPPABLE, section
from breakit.core.config import Config, load_config
from breakit.core.model import Mutant
from breakit.engine.lab import Lab
from breakit.inrun import line_events
from breakit.inrun.coverage_map import CORE_ENV
from breakit.mutants.catalog import load_catalog
from breakit.mutants.codemod import apply_mutation
from breakit.runners.fork.warm_client import stop_pools
from breakit.runners.workspace import Workspace


def parser() -> argparse.ArgumentParser:
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
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="breakit-bench-"))
        with Workspace(args.project.resolve()) as source:
            root = Path(scratch) / "project"
            shutil.copytree(source.path, root, symlinks=True)
        stack.callback(stop_pools, root)  # the warm pool of this temporary copy
        config = load_config(root)
        keep_bytecode(config)
        curated = [apply_mutation(m, root) for m in load_catalog(config).all()]
        durations, plain = print_baseline(args.project, config)
        if args.baseline_only:
            return
        skip = frozenset(args.skip) | (frozenset({"mutmut", "fermut"}) if args.no_mutmut else set())
        if not args.apply_only:
            print_sections(args, config, curated, durations, plain, skip)
        if "apply" in skip or not curated:
            return
        apply_id = args.apply or curated[0].id
        print()
        for line in apply_lines(root, apply_id, [m.id for m in curated]):
            print(line)


def print_baseline(project: Path, config: Config) -> tuple[dict[str, float], float]:
    """The baseline with per-test coverage against one plain pytest run, printed: the plain
    run's per-test durations and wall time."""
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
        "coverage.py's tracer, and a plain timing run where it pays" if traced else "sys.monitoring"
    )
    print(f"project: {project}  ({len(baseline.tests)} tests, {os.cpu_count()} cores)")
    version = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    print(f"{version}; {figures.baseline_note(core, cold, plain, sum(durations.values()))}\n")
    return durations, plain


def print_sections(
    args: argparse.Namespace,
    config: Config,
    curated: Sequence[Mutant],
    durations: dict[str, float],
    plain: float,
    skip: frozenset[str],
) -> None:
    """The curated catalog's section (if the project has one), then with --generated the
    operators' mutants, next to the peers."""
    if curated:
        print(
            section(
                "curated catalog", config, curated, durations, None, plain, args.oracle, skip=skip
            )
        )
    if args.generated:
        from breakit.mutants.operators import generate_mutants

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


if __name__ == "__main__":
    main()
