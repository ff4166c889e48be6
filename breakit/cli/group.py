"""The `breakit` click group, and every command registered on it, here and nowhere else."""

from __future__ import annotations

from pathlib import Path

import click

from breakit import __version__
from breakit.cli import learner, learning_loop, listing, running, suggesting, tests_command, warm
from breakit.cli.env import Env
from breakit.core.errors import ExitCode

EXIT_CODES_HELP = "\n".join(
    f"  {code.value:<4}{code.name.lower().replace('_', ' ')}" for code in ExitCode
)


@click.group(
    epilog=f"\b\nExit codes:\n{EXIT_CODES_HELP}",
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)
@click.option(
    "--project",
    type=click.Path(path_type=Path, file_okay=True),
    help="The project to work on (a folder with a pyproject.toml). Default: found upward.",
)
@click.option("--color/--no-color", default=None, help="Force colour on or off.")
@click.version_option(__version__, prog_name="breakit")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, color: bool | None) -> None:
    """Break the code on purpose and see which tests notice.

    \b
    breakit list            the catalog of breakages, with their last result
    breakit show ID         what a breakage asks, and its diff
    breakit apply ID        run the suite against one breakage
    breakit check           every breakage must be caught (the CI gate)
    breakit tests           the tests, ranked by what they caught in the last check
    breakit suggest         the assertions that kill the last run's survivors, as a patch
    """
    ctx.obj = Env(project=project, color=color)
    if ctx.invoked_subcommand is None:
        learning_loop.welcome(ctx.obj)


# The order of `breakit --help` is click's (alphabetical), not this one.
for module in (listing, running, warm, learner, tests_command, suggesting):
    for command in module.COMMANDS:
        cli.add_command(command)
