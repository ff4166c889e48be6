"""The field trial: breakit on public projects nobody here wrote, checked against plain pytest.

    python -m bench.field [--only NAME] [--workdir DIR] [--seed N] [--sample N] [--jobs N]

For each project of a pinned corpus (bench/corpus.toml) it:

1. fetches the sdist from PyPI (`pip download --no-deps --no-binary NAME NAME==VERSION`) into
   WORKDIR/sdists and unpacks it afresh (a corpus entry may be a sub-project cut out of an sdist);
2. makes the project's own venv (WORKDIR/NAME/venv, reused while its install list is unchanged)
   with the project, its test dependencies and breakit from this repository (`pip install -e`);
3. writes a `[tool.breakit]` table into the project's pyproject.toml (it has none);
4. runs the plain suite (`python -m pytest TESTS`): it must pass, or the row says so;
5. `breakit check --generated --json` (with `--file` where the project is large): verdict counts;
6. `breakit check --generated --verify --json --match ID ...` on a seeded sample of the mutants;
7. the independent check on the same sample: `breakit diff ID` applied with `git apply` to a fresh
   copy of the project, plain `python -m pytest TESTS` (under breakit's memory ceiling, watched
   here), and the verdict compared (Killed and Timeout and CompileError: pytest fails; Survived
   and NoCoverage: pytest passes).

Every Python traceback in breakit's stderr is counted: a traceback is a defect. One project failing
prints its row with the error; the others still run. The table goes to stdout, each disagreement
under it, and with --json-out the whole result as JSON. docs/field.md keeps the latest table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

if not __package__:  # `python bench/field.py`: the checkout first, so `bench` is this package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import REPO
from bench.corpus import Project, load_corpus
from bench.trial import trial
from bench.trial_table import Row, load_row, report, table


def git_head() -> str:
    got = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    return got.stdout.strip() or "?"


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this project (repeatable)")
    parser.add_argument(
        "--workdir", type=Path, default=Path.home() / ".cache" / "breakit-field", help="cache dir"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, default=30, help="mutants verified per project")
    parser.add_argument(
        "--suspects",
        type=int,
        default=10,
        help="also verify up to N mutants whose verdict is neither Killed nor Survived",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json-out", type=Path, help="also write every row as JSON here")
    parser.add_argument("--list", action="store_true", help="print the corpus and exit")
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="print the table of earlier --json-out files (in order) and exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    command = parser()
    args = command.parse_args(argv)

    if args.report:
        print(report([load_row(r) for path in args.report for r in json.loads(path.read_text())]))
        return 0

    projects = load_corpus()
    if args.list:
        for p in projects:
            print(f"{p.name:16} {p.dist}=={p.version}  {p.why}")
        return 0
    chosen = [p for p in projects if not args.only or p.name in args.only]
    unknown = set(args.only or ()) - {p.name for p in projects}
    if unknown:
        command.error(f"unknown project(s): {', '.join(sorted(unknown))} (see --list)")
    began = time.perf_counter()
    rows = run_all(chosen, args)
    print(report(rows))
    mutants = sum(r.mutants or 0 for r in rows)
    sampled = sum(r.sample for r in rows)
    print(
        f"\n{len(rows)} projects, {mutants} mutants, {sampled} sampled, "
        f"{sum(r.tracebacks for r in rows)} tracebacks, "
        f"{time.perf_counter() - began:.0f}s in all (--seed {args.seed} --sample {args.sample} "
        f"--suspects {args.suspects} --jobs {args.jobs}, breakit {REPO} at {git_head()})"
    )
    bad = any(r.error or r.disagreements or r.tracebacks for r in rows)
    return 1 if bad else 0


def run_all(chosen: Sequence[Project], args: argparse.Namespace) -> list[Row]:
    """Each chosen project's trial in turn, its row on stderr as it ends (and into --json-out)."""
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for project in chosen:
        print(f"== {project.name}", file=sys.stderr, flush=True)
        row = trial(
            project,
            workdir,
            seed=args.seed,
            sample=args.sample,
            suspects=args.suspects,
            jobs=args.jobs,
        )
        print(table([row]), file=sys.stderr, flush=True)
        rows.append(row)
        if args.json_out:  # after every row: a run cut short keeps the rows it finished
            args.json_out.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return rows


if __name__ == "__main__":
    sys.exit(main())
