"""The survivors' triage for `check` and `apply` (breakit.triage): the `--no-triage` option, the
run once the verdicts are final, and the JSON document's `triage_run` key."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from breakit.core.model import Baseline, KillMatrix
from breakit.reports import terminal

if TYPE_CHECKING:
    from breakit.cli.env import Env
    from breakit.engine.lab import Lab
    from breakit.triage.run import TriageRun
    from breakit.triage.value import Triage

F = TypeVar("F", bound=Callable[..., Any])


def triage_option(command: F) -> F:
    return click.option(
        "--no-triage",
        is_flag=True,
        help="Do not triage the survivors (by default each survivor's tests run once more, on "
        'the original code, to say why it survived: README, "Why it survived").',
    )(command)


def triage_run(
    env: Env, lab: Lab, matrix: KillMatrix, baseline: Baseline, *, skip: bool, quiet: bool = False
) -> TriageRun | None:
    """Each survivor's triage, once the verdicts are final; None when skipped or none survived.
    Its verified assertions replace the last run's, for `breakit suggest`."""
    from breakit.triage.suggestion_patch import save_suggestions

    found = _triage_run(env, lab, matrix, baseline, skip=skip, quiet=quiet)
    save_suggestions(env.config.root, triaged(found))
    return found


def _triage_run(
    env: Env, lab: Lab, matrix: KillMatrix, baseline: Baseline, *, skip: bool, quiet: bool
) -> TriageRun | None:
    survivors = matrix.survivors
    if skip or not survivors:
        return None
    from breakit.triage.run import triage_survivors

    def spec_for(tests: Sequence[str]) -> Any:
        return lab.spec(lab.timeout_for(baseline, tests), nodeids=tests)

    count = len(survivors)
    text = f"triage: the tests of {count} survivor{'s' if count != 1 else ''}, once more"
    try:
        with terminal.spinner(env.err, text, pipe_line=not quiet):
            root = env.config.root
            # Side by side on the cores, not on the waiting tests' extra workers: each part
            # pays a pytest start.
            parts = min(lab.workers, os.cpu_count() or 1)
            durations = {n: o.duration_s for n, o in baseline.run.outcomes.items()}
            return triage_survivors(root, survivors, baseline.tests, spec_for, parts, durations)
    except Exception as exc:  # the verdicts stand without it: say so, never lose them
        env.err.print(
            f"breakit: no triage: {type(exc).__name__}: {exc}", markup=False, highlight=False
        )
        return None


def triaged(run: TriageRun | None) -> Mapping[str, Triage] | None:
    return None if run is None else run.triage


def triage_facts(run: TriageRun | None) -> dict[str, Any]:
    """The JSON document's `triage_run`: what the triage cost (docs/json.md)."""
    if run is None:
        return {}
    from breakit.triage.value import ABSORBED, REACHED, TOLD

    counts: dict[str, int] = {}
    followed = {REACHED: 0, ABSORBED: 0, "not_followed": 0}
    tried = {"told_apart": 0, "probably_equivalent": 0}
    for triage in run.triage.values():
        counts[triage.kind] = counts.get(triage.kind, 0) + 1
        if triage.kind == TOLD:
            as_ = triage.followed_as or "not_followed"
            followed[as_] += 1
        if triage.tried is not None:
            tried["told_apart" if triage.tried.told_apart else "probably_equivalent"] += 1
    return {
        "triage_run": {
            "survivors": len(run.triage),
            "runs": run.runs,
            "duration_s": round(run.duration_s, 3),
            "classes": counts,
            "followed": followed,
            "tried": tried,
            "verified_assertions": sum(t.assertion is not None for t in run.triage.values()),
        }
    }
