"""`breakit tests`: the tests ranked by the last check's kill matrix; runs nothing."""

from __future__ import annotations

import json

import click

from breakit.cli.env import Env, pass_env
from breakit.reports.ranking_view import ranking_document, render_ranking
from breakit.store.last_run import load_last_run
from breakit.verdicts.ranking import rank_tests


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@click.option(
    "--minimal",
    is_flag=True,
    help="Print only the minimal suite's node ids, one per line (for pytest or `tests`).",
)
@click.option("-v", "--verbose", is_flag=True, help="List every test, not only the top ones.")
@pass_env
def tests(env: Env, as_json: bool, minimal: bool, verbose: bool) -> None:
    """Rank the tests by what they caught in the last `breakit check`; runs nothing.

    Per test: the mutants it catches, those only it catches, its time; then the tests that
    catch none, the redundant ones, a minimal suite that catches every mutant the suite
    catches, and the subsuming mutants (docs/json.md says exactly what each means).

    Exit 2 when there is no previous check to read (run `breakit check` first).
    """
    matrix, times = load_last_run(env.config.root)
    ranking = rank_tests(matrix, times)
    if minimal:
        for nodeid in ranking.minimal_suite:
            click.echo(nodeid)
    elif as_json:
        click.echo(json.dumps(ranking_document(ranking), indent=2))
    else:
        render_ranking(env.out, ranking, verbose=verbose)


COMMANDS = (tests,)
