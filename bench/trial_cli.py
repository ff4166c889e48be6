"""The project venv's `breakit`, as the field trial runs it: every traceback in its stderr
counted, its JSON read, its --file/--operator bounds, its --verify disagreements."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import Project
from bench.process import Run, StepError, clean_env, error_text, run
from bench.trial_table import Row

TRACEBACK = "Traceback (most recent call last)"


class Breakit:
    """The project venv's `breakit`, with every traceback in its stderr counted."""

    def __init__(self, python: Path, root: Path, row: Row, jobs: int) -> None:
        self.python = python
        self.root = root
        self.row = row
        self.jobs = jobs
        self.log: list[str] = []

    def __call__(self, *args: str, timeout: float = 1800) -> Run:
        cmd = [str(self.python), "-m", "breakit", "--no-color", *args]
        got = run(cmd, self.root, env=clean_env(), timeout=timeout)
        # stderr only: breakit's JSON on stdout may quote pytest's own traceback text (a
        # RuntimeError's reason), which is a report, not a crash of breakit.
        if TRACEBACK in got.err:
            self.row.tracebacks += got.err.count(TRACEBACK)
            self.log.append(f"$ {' '.join(args)}\n{got.err[-4000:]}")
        if got.rc is None:
            raise StepError(f"`breakit {args[0]}` timed out after {timeout:.0f}s")
        return got

    def json(self, *args: str, ok: Sequence[int] = (0, 1), timeout: float = 1800) -> dict:
        got = self(*args, timeout=timeout)
        if got.rc not in ok:
            raise StepError(f"`breakit {' '.join(args[:3])}` exit {got.rc}: {error_text(got.err)}")
        try:
            return json.loads(got.out)
        except json.JSONDecodeError as exc:
            raise StepError(f"`breakit {args[0]}` printed no JSON ({exc})") from None


def file_args(project: Project) -> list[str]:
    """The --file and --operator bounds of a project's list and check."""
    bounds = [a for f in project.files for a in ("--file", f)]
    return bounds + [a for o in project.operators for a in ("--operator", o)]


def mismatches(err: str) -> dict[str, str]:
    """EngineMismatchError's list: `  ID: what differs` lines, per mutant id."""
    found = {}
    for line in err.splitlines():
        m = re.match(r"\s{2}(\S+:\S+:[0-9a-f]+): (.*)", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found
