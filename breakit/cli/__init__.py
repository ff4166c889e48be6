"""The command line: parse options, call the core, render, and map errors to exit codes.

Only this package (and breakit.reports) writes to the terminal; only `main` turns errors into
exit codes. One module a job: `env` (what every command gets), `options` (the shared option
sets), `listing`, `running`, `warm` and `learner` (the commands), with `checking` (the steps of
`check`), `check_progress` (its progress), `triaging` (the survivors' triage) and `reporting`
(what apply, check and merge say once the run is over) beside `running`; `learning_loop` (the
learner's prompts and printing around apply, list and bare `breakit`), `group` (the click group,
where every command is registered) and `entry` (`main`)."""

from breakit.cli.entry import main
from breakit.cli.env import Env
from breakit.cli.group import cli

__all__ = ["Env", "cli", "main"]
