"""The command line: parse options, call the core, render, and map errors to exit codes.

Only this module (and breakit.reports) writes to the terminal; only `main` exits.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from breakit import __version__
from breakit.catalog import Catalog, load_catalog
from breakit.codemod import apply_mutation
from breakit.config import Config, load_config
from breakit.errors import BreakitError, ExitCode
from breakit.lab import Lab
from breakit.model import KillMatrix, Mutant, MutantResult, Mutation, Verdict
from breakit.reports import terminal
from breakit.reports.breakit_json import list_document, matrix_document
from breakit.reports.github import github_annotations
from breakit.reports.output import ReportTargets, write_reports

EXIT_CODES_HELP = "\n".join(
    f"  {code.value:<4}{code.name.lower().replace('_', ' ')}" for code in ExitCode
)


@dataclass
class Env:
    """What every command needs: where the project is, and where to write."""

    project: Path | None
    color: bool | None
    out: Console = field(init=False)
    err: Console = field(init=False)
    _config: Config | None = field(default=None, init=False)
    _catalog: Catalog | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.out = terminal.make_console(color=self.color)
        self.err = terminal.make_console(stderr=True, color=self.color)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.project)
        return self._config

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = load_catalog(self.config)
        return self._catalog

    def mutant(self, mutation: Mutation) -> Mutant:
        return apply_mutation(mutation, self.config.root)


pass_env = click.make_pass_decorator(Env)


class MutationId(click.ParamType):
    """A mutation id, completed from the catalog in the shell."""

    name = "id"

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str):  # type: ignore[no-untyped-def]
        from click.shell_completion import CompletionItem

        try:
            project = ctx.find_root().params.get("project")
            catalog = load_catalog(load_config(project))
        except BreakitError:
            return []
        return [
            CompletionItem(m.id, help=m.title) for m in catalog.all() if m.id.startswith(incomplete)
        ]


@click.group(
    epilog=f"\b\nExit codes:\n{EXIT_CODES_HELP}",
    context_settings={"help_option_names": ["-h", "--help"]},
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
    """
    ctx.obj = Env(project=project, color=color)


# --- discovery: never runs tests ----------------------------------------------------------


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@pass_env
def list_command(env: Env, as_json: bool) -> None:
    """List every mutation with its last known result."""
    from breakit.state import State

    last = State(env.config.root).last_results()
    mutations = env.catalog.all()
    if as_json:
        click.echo(json.dumps(list_document(mutations, last), indent=2))
    else:
        terminal.render_list(env.out, mutations, last)


@cli.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def show(env: Env, mutation_id: str) -> None:
    """Show a mutation: its question, hint, files and diff."""
    mutation = env.catalog.get(mutation_id)
    terminal.render_show(env.out, mutation, env.mutant(mutation))


@cli.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def diff(env: Env, mutation_id: str) -> None:
    """Print a mutation's unified diff (`git apply` takes it at the project root)."""
    mutant = env.mutant(env.catalog.get(mutation_id))
    click.echo(mutant.diff, nl=False)


# --- running ------------------------------------------------------------------------------


@cli.command()
@click.argument("mutation_id", type=MutationId())
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@click.option("--no-cache", is_flag=True, help="Run the baseline again even if it is cached.")
@click.option("-v", "--verbose", is_flag=True, help="List every test that missed it by name.")
@pass_env
def apply(env: Env, mutation_id: str, as_json: bool, no_cache: bool, verbose: bool) -> None:
    """Run the suite against one mutation, in an isolated copy, and show who catches it.

    Exit 0 when it is caught, 1 when it survives.
    """
    mutant = env.mutant(env.catalog.get(mutation_id))
    lab = Lab(env.config, use_cache=not no_cache)
    with lab.session():
        with status(env, "baseline: running the suite on the unmutated code"):
            baseline = lab.baseline()
        with status(env, f"{mutant.id}: running the suite against the breakage"):
            matrix = lab.run([mutant], baseline)
    result = matrix.results[0]
    if as_json:
        click.echo(json.dumps(matrix_document(matrix, baseline), indent=2))
    else:
        terminal.render_apply(env.out, result, baseline, verbose=verbose)
    raise SystemExit(ExitCode.OK if result.detected else ExitCode.SURVIVED)


def report_options(command: Callable[..., None]) -> Callable[..., None]:
    """The report-file options of `check` (docs/reports.md)."""
    path = click.Path(path_type=Path, dir_okay=False)
    options = [
        click.option(
            "--output",
            "output_dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="Write every report into DIR: report.json, report.html, junit.xml, breakit.json.",
        ),
        click.option("--report-json", type=path, help="Write mutation-testing-report-schema JSON."),
        click.option("--html", "html_path", type=path, help="Write the HTML kill-matrix report."),
        click.option(
            "--junit", "junit_path", type=path, help="Write JUnit XML (one case a mutant)."
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print only the summary line."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@click.argument("mutation_ids", nargs=-1, type=MutationId())
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@click.option("--no-cache", is_flag=True, help="Run the baseline again even if it is cached.")
@report_options
@pass_env
def check(
    env: Env,
    mutation_ids: Sequence[str],
    as_json: bool,
    no_cache: bool,
    output_dir: Path | None,
    report_json: Path | None,
    html_path: Path | None,
    junit_path: Path | None,
    quiet: bool,
) -> None:
    """Run every mutation (or the given ones): each must be caught, by the tests its key names.

    Exits 1 if any survived, 5 if one no longer applies or does not import, 6 if one is
    caught but not by the tests its answer key declares.
    """
    catalog = env.catalog
    mutations = [catalog.get(i) for i in mutation_ids] if mutation_ids else list(catalog.all())
    # Every mutation is applied before anything runs: one that no longer matches fails loudly now.
    mutants = [env.mutant(m) for m in mutations]
    if not mutants:
        env.err.print("Nothing to check: the catalog is empty ([tool.breakit] mutations).")
        raise SystemExit(ExitCode.OK)
    lab = Lab(env.config, use_cache=not no_cache)
    with lab.session():
        with status(env, "baseline: running the suite on the unmutated code"):
            baseline = lab.baseline()
        with progress(env, len(mutants)) as advance:
            matrix = lab.run(mutants, baseline, on_result=advance)
    mismatches = answer_key_mismatches(matrix)
    targets = ReportTargets(output_dir, report_json, html_path, junit_path)
    written = write_reports(targets, matrix, baseline, env.config.root)
    if as_json:
        click.echo(json.dumps(matrix_document(matrix, baseline), indent=2))
    else:
        if os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(matrix):
                click.echo(line)
        if quiet:
            env.out.print(terminal.summary_line(matrix))
        else:
            terminal.render_check(env.out, matrix, mismatches)
        for path in written:
            env.err.print(f"wrote {path}", highlight=False)
    raise SystemExit(check_exit_code(matrix, mismatches))


def answer_key_mismatches(matrix: KillMatrix) -> dict[str, tuple[set[str], set[str]]]:
    """Per mutation with a declared key: (expected but did not catch, caught but not expected)."""
    mismatches = {}
    for result in matrix.results:
        mutation = result.mutant.mutation
        if mutation is None or mutation.caught_by is None or not result.detected:
            continue
        expected = set(mutation.caught_by)
        actual = set(result.caught_by) | set(result.errored_in)
        if expected != actual:
            mismatches[result.mutant.id] = (expected - actual, actual - expected)
    return mismatches


def check_exit_code(
    matrix: KillMatrix, mismatches: dict[str, tuple[set[str], set[str]]]
) -> ExitCode:
    verdicts = {r.verdict for r in matrix.results}
    if verdicts & {Verdict.SURVIVED, Verdict.NO_COVERAGE}:
        return ExitCode.SURVIVED
    if verdicts & {Verdict.COMPILE_ERROR, Verdict.RUNTIME_ERROR}:
        return ExitCode.MUTATION_BROKEN
    if mismatches:
        return ExitCode.ANSWER_KEY
    return ExitCode.OK


# --- progress -----------------------------------------------------------------------------


@contextmanager
def status(env: Env, text: str) -> Iterator[None]:
    if env.err.is_terminal:
        with env.err.status(text):
            yield
    else:
        yield


@contextmanager
def progress(env: Env, total: int) -> Iterator[Callable[[MutantResult], None]]:
    """A progress bar on a terminal; one line per mutant otherwise (CI logs)."""
    if env.err.is_terminal:
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=env.err,
            transient=True,
        )
        with bar:
            task = bar.add_task("mutants", total=total)

            def advance(result: MutantResult) -> None:
                bar.update(task, advance=1, description=result.mutant.id)

            yield advance
        return
    done = 0

    def log(result: MutantResult) -> None:
        nonlocal done
        done += 1
        env.err.print(
            f"[{done}/{total}] {result.mutant.id}: {result.verdict.value} "
            f"({result.duration_s:.1f} s)",
            highlight=False,
        )

    yield log


# --- entry point: the one place errors become exit codes ----------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    err = terminal.make_console(stderr=True)
    try:
        cli.main(args=argv, prog_name="breakit", standalone_mode=False)
    except BreakitError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
        if exc.hint:
            err.print(f"  hint: {exc.hint}", highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("interrupted: nothing was changed in your project")
        sys.exit(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        err.print("interrupted: nothing was changed in your project")
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except SystemExit as exc:
        sys.exit(exc.code)
    sys.exit(ExitCode.OK)
