"""The commands that read and never run a test: list, show, diff."""

from __future__ import annotations

import json

import click

from breakit.cli import learning_loop
from breakit.cli.env import Env, MutationId, pass_env
from breakit.cli.options import filter_options
from breakit.mutants.mutant_ids import Filters
from breakit.reports.breakit_json import generated_list_document, list_document
from breakit.reports.list_view import render_generated_list
from breakit.reports.mutant_view import render_show
from breakit.store.gateway import Store
from breakit.verdicts.gate import equivalent_reason


@click.command("list")
@click.option("--generated", is_flag=True, help="List generated mutants instead (runs nothing).")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@click.option(
    "--reset-progress", is_flag=True, help="Forget your progress (.breakit/progress.json)."
)
@pass_env
def list_command(
    env: Env,
    generated: bool,
    filters: Filters,
    as_json: bool,
    reset_progress: bool,
) -> None:
    """List every mutation with its last known result; never runs a test."""
    if reset_progress:
        learning_loop.reset_progress(env)
        return
    last = Store(env.config.root).last_results()
    if generated or filters != Filters():
        mutants = env.mutant_ids.generated(filters)
        if as_json:
            click.echo(json.dumps(generated_list_document(mutants, last), indent=2))
        else:
            equivalent = {
                m.id: reason
                for m in mutants
                if (reason := equivalent_reason(m, env.config.equivalent)) is not None
            }
            render_generated_list(env.out, mutants, last, equivalent)
        return
    mutations = env.catalog.all()
    if as_json:
        click.echo(json.dumps(list_document(mutations, last), indent=2))
    else:
        learning_loop.render_list(env, mutations, last)


@click.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def show(env: Env, mutation_id: str) -> None:
    """Show a mutation: its question, hint, files and diff (or a generated mutant's)."""
    render_show(env.out, env.mutant_ids.resolve(mutation_id))


@click.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def diff(env: Env, mutation_id: str) -> None:
    """Print a mutation's unified diff (`git apply` takes it at the project root)."""
    click.echo(env.mutant_ids.resolve(mutation_id).diff, nl=False)


COMMANDS = (list_command, show, diff)
