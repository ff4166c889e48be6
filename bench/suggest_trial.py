"""The suggestion trial (issue 36): on projects nobody here wrote, what the survivors' triage
says (per class, the told-apart ones split into reached the test / absorbed before it / not
followed), how many survivors get a verified assertion, and the proof: `breakit suggest`'s patch
applied with `git apply`, the plain suite still passes, and `breakit check` of those survivors
now says Killed.

    python -m bench.suggest_trial [--only NAME ...] [--workdir DIR] [--jobs N] [--keep DIR]

Each project of the field corpus (bench/corpus.toml) is laid out and given its venv as the field
trial does (bench/fetch.py; its own workdir, default ~/.cache/breakit-suggest). `--keep DIR`
writes each project's patch to DIR/NAME.patch, for reading by hand. One row per project; a
project that fails prints its row with the error, the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if not __package__:  # `python bench/suggest_trial.py`: the checkout first
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import REPO
from bench.corpus import Project, load_corpus
from bench.fetch import lay_out, venv_python
from bench.independent import describe, plain_pytest
from bench.process import StepError
from bench.trial_cli import Breakit, file_args
from bench.trial_table import Row

CLASSES = ("never_told_apart", "reached_test", "absorbed", "not_followed", "not_comparable")


@dataclass
class SuggestRow:
    name: str
    survivors: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    verified: int = 0
    new_tests: int = 0  # of `verified`: new tests for never-told-apart survivors
    tried_told: int = 0  # never told apart: the input tried told it apart
    probably_equivalent: int = 0  # …or did not
    killed_after: int | None = None
    suite_passes: bool | None = None
    triage_s: float = 0.0
    survivors_s: float = 0.0
    wall_s: float = 0.0
    error: str = ""

    def cells(self) -> list[str]:
        share = [f"{self.classes[c]}" for c in CLASSES]
        killed = "–" if self.killed_after is None else f"{self.killed_after}/{self.verified}"
        passes = {None: "–", True: "yes", False: "NO"}[self.suite_passes]
        cost = f"{self.triage_s:.1f} / {self.survivors_s:.1f}"
        return [
            self.name,
            str(self.survivors),
            *share,
            str(self.classes["not_triaged"]),
            f"{self.tried_told} / {self.probably_equivalent}",
            f"{self.verified} ({self.new_tests})",
            killed,
            passes,
            cost,
            self.error,
        ]


HEADER = [
    "project",
    "survivors",
    "never",
    "reached",
    "absorbed",
    "not followed",
    "not comp.",
    "not triaged",
    "inputs tried: told apart / probably equivalent",
    "verified asserts (new tests)",
    "Killed after patch",
    "suite passes",
    "triage s / survivors' s",
    "error",
]


def one(project: Project, workdir: Path, jobs: int, keep: Path | None) -> SuggestRow:
    row = SuggestRow(project.name)
    started = time.perf_counter()
    try:
        _one(project, workdir, jobs, keep, row)
    except StepError as exc:
        row.error = str(exc)
    except Exception as exc:  # one broken project does not stop the others
        row.error = f"{type(exc).__name__}: {exc}"
    row.wall_s = time.perf_counter() - started
    return row


def _one(project: Project, workdir: Path, jobs: int, keep: Path | None, row: SuggestRow) -> None:
    root = lay_out(project, workdir)
    py = venv_python(project, workdir, root, None)
    plain = plain_pytest(py, root, project, timeout=900)
    if plain.rc != 0:
        raise StepError(f"the plain suite fails here ({describe(plain)})")
    bk = Breakit(py, root, Row(project.name), jobs)
    args = ("--generated", "--json", "--no-warm", "-j", str(jobs), *file_args(project))
    checked = bk.json("check", *args)
    survivors = [m for m in checked["mutants"] if m["verdict"] == "Survived"]
    row.survivors = len(survivors)
    row.survivors_s = sum(m.get("duration_s") or 0.0 for m in survivors)
    row.triage_s = (checked.get("triage_run") or {}).get("duration_s", 0.0)
    suggested = []
    for mutant in survivors:
        triage = mutant.get("triage") or {}
        kind = triage.get("class", "not_triaged")
        followed = triage.get("followed")
        if kind == "told_apart_not_checked":
            kind = "not_followed"
            if followed is not None:
                kind = "reached_test" if followed["reached_test"] else "absorbed"
        row.classes[kind] += 1
        tried = triage.get("tried")
        if tried is not None:
            row.tried_told += bool(tried["told_apart"])
            row.probably_equivalent += bool(triage.get("probably_equivalent"))
        if triage.get("assertion"):
            suggested.append(mutant["id"])
            row.new_tests += bool(triage["assertion"].get("new_test"))
    row.verified = len(suggested)
    if not suggested:
        return
    patch = bk("suggest")
    if patch.rc != 0:
        raise StepError(f"`breakit suggest` exit {patch.rc}: {patch.err.strip()[-300:]}")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{project.name}.patch").write_text(patch.out)
    applied = subprocess.run(
        ["git", "apply", "--unsafe-paths", "-"], input=patch.out, cwd=root, text=True,
        capture_output=True,
    )  # fmt: skip
    if applied.returncode != 0:
        raise StepError(f"git apply refused the patch: {applied.stderr.strip()[:300]}")
    row.suite_passes = plain_pytest(py, root, project, timeout=900).rc == 0
    matched = [a for mid in suggested for a in ("--match", mid)]
    again = bk.json("check", "--generated", "--json", "--no-cache", "--no-triage", *matched)
    row.killed_after = sum(m["verdict"] == "Killed" for m in again["mutants"])


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this project (repeatable)")
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "breakit-suggest")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="write each project's patch here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    projects = [p for p in load_corpus() if not args.only or p.name in args.only]
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"(suggestion trial, breakit {REPO}, --jobs {args.jobs})")
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    failed = False
    rows = []
    for project in projects:
        row = one(project, args.workdir, args.jobs, args.keep)
        rows.append(row)
        print("| " + " | ".join(row.cells()) + " |", flush=True)
        wrong = row.suite_passes is False or (
            row.killed_after is not None and row.killed_after != row.verified
        )
        failed = failed or bool(row.error) or wrong
    triage_s, survivors_s = sum(r.triage_s for r in rows), sum(r.survivors_s for r in rows)
    ratio = f"{triage_s / survivors_s:.2f}×" if survivors_s else "–"
    print(f"triage {triage_s:.1f} s against the survivors' own runs {survivors_s:.1f} s: {ratio}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
