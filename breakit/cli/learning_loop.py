"""The learner's parts of `apply`, `list` and bare `breakit`, as the CLI asks and prints them.

`apply --predict` asks before the run and scores after it; every apply shows why each test
caught the breakage (with the HTTP request, through breakit.learner.http_trace) and records the
learner's progress; `apply --write` leaves the breakage in the tree (breakit.learner.tree).
The values and records come from breakit.learner.loop; this module prompts and renders.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from breakit.core.errors import BreakitError, UsageError
from breakit.core.model import Baseline, Mutant, MutantResult, Mutation
from breakit.learner import loop, views
from breakit.learner.exercise_progress import ExerciseState, Progress
from breakit.learner.predict import choices, parse_answer
from breakit.learner.suite import alone, pytest_command
from breakit.learner.why import Trace, tracing, why_caught
from breakit.reports.list_view import last_result_text
from breakit.reports.terminal import spinner

if TYPE_CHECKING:
    from breakit.cli.env import Env
    from breakit.triage.value import Triage

__all__ = ["tracing"]


# --- apply ----------------------------------------------------------------------------------


def ask_prediction(env: Env, baseline: Baseline) -> frozenset[str]:
    """The test functions the learner expects to catch it; reads a line even without a TTY."""
    options = choices(baseline.tests)
    views.render_choices(env.err, options, baseline.tests)
    interactive = sys.stdin.isatty()
    while True:
        answer = click.prompt(
            "Your prediction (numbers or names, comma-separated; `none`)", err=True
        )
        if not interactive:  # a piped answer is not echoed: show it, the transcript reads right
            click.echo(answer, err=True)
        try:
            return parse_answer(answer, options)
        except UsageError as exc:
            if not interactive:
                raise
            env.err.print(f"[red]{escape(exc.message)}[/]", highlight=False)


def after_apply(
    env: Env,
    mutant: Mutant,
    result: MutantResult,
    baseline: Baseline,
    *,
    predicted: frozenset[str] | None = None,
    trace: Trace | None = None,
    write: bool = False,
    as_json: bool = False,
    triage: Triage | None = None,
) -> None:
    """Why it was caught, the prediction's score, progress; and the breakage written if asked."""
    prediction = loop.record_run(env.config.root, mutant, result, predicted)
    if not as_json:
        whys = why_caught(result, trace.requests() if trace is not None else None)
        alone_outcomes = None
        if whys and loop.touches_tests(env.config, mutant):
            nodeids = [w.nodeid for w in whys][: loop.MAX_ALONE]
            with spinner(env.err, "running each catching test alone"):
                alone_outcomes = alone(env.config, mutant.changes, nodeids)
        out = env.out
        out.print()
        views.render_why(out, whys, baseline.tests, alone_outcomes)
        if triage is not None:
            views.render_why_not_noticed(out, triage)
        if prediction is not None:
            views.render_prediction(out, prediction, baseline.tests)
        # The command is a courtesy: never fail the run for it.
        with contextlib.suppress(Exception):
            views.render_command(out, pytest_command(env.config))
    if write:
        written = loop.write_breakage(env.config.root, mutant)
        stream = env.err if as_json else env.out
        files = escape(", ".join(f.path for f in written.files))
        name = escape(mutant.id)
        stream.print(f"\n[bold]{name} is now in your tree[/] ({files}).")
        stream.print(
            f"Fix it, then run [bold]breakit verify[/]. Stuck? [bold]breakit hint {name}[/]. "
            f"Undo: [bold]breakit reset {name}[/]."
        )


# --- list -----------------------------------------------------------------------------------

HIDDEN = ("try it to see", "dim")  # the last result of a breakage the learner has not tried


def render_list(
    env: Env, mutations: Sequence[Mutation], last: Mapping[str, Mapping[str, Any]]
) -> None:
    """`breakit list`: each exercise's state, its last result, and the progress line.

    A result shows only once the learner has tried that breakage: a `check` (a CI run, a
    classmate's) must not answer the question before the learner has predicted anything."""
    states = loop.exercise_states(env.config.root, mutations)
    last_text = {
        m.id: last_result_text(last.get(m.id))
        if states[m.id] is not ExerciseState.NOT_TRIED or m.id not in last
        else HIDDEN
        for m in mutations
    }
    views.render_exercises(env.out, mutations, states, last_text)


def reset_progress(env: Env) -> None:
    cleared = Progress(env.config.root).clear()
    env.err.print("Progress cleared." if cleared else "No progress to clear.")


# --- bare `breakit` -------------------------------------------------------------------------


def welcome(env: Env) -> None:
    """What the exercise is and the first command to type (also outside a project)."""
    try:
        mutations = env.catalog.all()
    except BreakitError:
        views.render_welcome(env.out, None, None, env.project or "this folder")
        return
    states = loop.exercise_states(env.config.root, mutations)
    first = next((m.id for m in mutations if states[m.id] is ExerciseState.NOT_TRIED), None)
    views.render_welcome(env.out, len(mutations), first, env.config.root)
