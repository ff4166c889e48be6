"""`breakit suggest [IDS]`: the verified assertions of the last check's triage, as a patch."""

from __future__ import annotations

import click

from breakit.cli.env import Env, pass_env
from breakit.triage.suggestion_patch import load_suggestions, suggestion_patch


@click.command()
@click.argument("mutant_ids", nargs=-1)
@pass_env
def suggest(env: Env, mutant_ids: tuple[str, ...]) -> None:
    """Print the assertions that kill the last run's survivors, as a patch; runs nothing.

    Each one was written by the triage for a survivor whose difference reached its test, or
    for a never-told-apart one whose suggested input told it apart (README, "Why it
    survived"), and verified: it passes on the original code and fails under the mutant. The
    patch adds them after their lines of the test files, adds `match=` to a test's own
    `pytest.raises`, or adds a new test at a test file's end (and `import pytest` where one
    uses `pytest.approx`); apply it with `git apply`, then `breakit check` again.
    MUTANT_IDS: only theirs (default: every one).

    The last run is the last `check` or `apply` here (one with `--no-triage` leaves none).
    Exit 2 when none ran here yet, an id has no verified assertion, or a test file changed
    since that run (run `breakit check` again).
    """
    entries = load_suggestions(env.config.root)
    patch = suggestion_patch(env.config.root, entries, mutant_ids)
    if patch:
        click.echo(patch, nl=False)
    else:
        count = "no survivor" if not entries else f"{len(entries)} survivors"
        env.err.print(f"breakit: no verified assertion to suggest ({count} had one)")


COMMANDS = (suggest,)
