"""The command line: parse options, call the core, render, and map errors to exit codes.

Only this module (and breakit.reports) writes to the terminal; only `main` exits.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from breakit import __version__
from breakit.catalog import Catalog, load_catalog
from breakit.config import WARM_SETTINGS, Config, load_config
from breakit.engine.lab import BACKENDS, Lab
from breakit.errors import BreakitError, ExitCode, Terminated, UsageError
from breakit.gate import answer_key_mismatches, exit_code, merge_in_order, split_equivalent
from breakit.learner import loop as learner_loop
from breakit.merge import merge_documents, read_document
from breakit.model import Baseline, KillMatrix, MutantResult
from breakit.mutant_cache import MutantCache
from breakit.reports import terminal
from breakit.reports.breakit_json import (
    generated_list_document,
    list_document,
    matrix_document,
)
from breakit.reports.github import github_annotations
from breakit.reports.output import ReportTargets, write_reports
from breakit.shard import Shard
from breakit.store import Store
from breakit.targets import Filters, Targets

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
    _targets: Targets | None = field(default=None, init=False)

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

    @property
    def targets(self) -> Targets:
        if self._targets is None:
            # The catalog is loaded when first needed: not for a curated mutant still cached.
            mutants = MutantCache(self.config)
            self._targets = Targets(self.config, lambda: self.catalog, mutants)
        return self._targets


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


class Jobs(click.ParamType):
    """-j: a worker count of 1 or more, or "auto" (None: breakit.engine.workers decides)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            return None
        try:
            count = int(value)
        except ValueError:
            count = 0
        if count < 1:
            self.fail(f"{value!r} is neither a worker count of 1 or more nor auto", param, ctx)
        return count


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
    """
    ctx.obj = Env(project=project, color=color)
    if ctx.invoked_subcommand is None:
        learner_loop.welcome(ctx.obj)


# --- discovery: never runs tests ----------------------------------------------------------


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """Filters on generated mutants, shared by `list` and `check`."""
    options = [
        click.option(
            "--file",
            "files",
            multiple=True,
            metavar="PATH",
            help="Only mutants in this file or folder (repeatable).",
        ),
        click.option(
            "--operator",
            "operators",
            multiple=True,
            metavar="NAME",
            help="Only this operator, or family: generic, web (repeatable; see docs/operators.md).",
        ),
        click.option(
            "--match",
            multiple=True,
            metavar="PATTERN",
            help="Only mutant ids matching this glob, e.g. 'target_app.todos:*' (repeatable).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command("list")
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
    files: tuple[str, ...],
    operators: tuple[str, ...],
    match: tuple[str, ...],
    as_json: bool,
    reset_progress: bool,
) -> None:
    """List every mutation with its last known result; never runs a test."""
    if reset_progress:
        learner_loop.reset_progress(env)
        return
    last = Store(env.config.root).last_results()
    filters = Filters(files, operators, match)
    if generated or filters != Filters():
        mutants = env.targets.generated(filters)
        if as_json:
            click.echo(json.dumps(generated_list_document(mutants, last), indent=2))
        else:
            terminal.render_generated_list(env.out, mutants, last, env.config.equivalent)
        return
    mutations = env.catalog.all()
    if as_json:
        click.echo(json.dumps(list_document(mutations, last), indent=2))
    else:
        learner_loop.render_list(env, mutations, last)


@cli.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def show(env: Env, mutation_id: str) -> None:
    """Show a mutation: its question, hint, files and diff (or a generated mutant's)."""
    terminal.render_show(env.out, env.targets.resolve(mutation_id))


@cli.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def diff(env: Env, mutation_id: str) -> None:
    """Print a mutation's unified diff (`git apply` takes it at the project root)."""
    click.echo(env.targets.resolve(mutation_id).diff, nl=False)


# --- running ------------------------------------------------------------------------------


def engine_options(command: Callable[..., None]) -> Callable[..., None]:
    """How `apply` and `check` run mutants (docs/architecture.md, "The engine")."""
    options = [
        click.option(
            "--no-cache",
            is_flag=True,
            help="Run everything again: ignore the cached baseline and results in .breakit/.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=Jobs(),
            help="Parallel workers, or auto (the default): one per core, more when the baseline's "
            "tests wait (sleep, I/O) rather than compute (docs/config.md).",
        ),
        click.option(
            "--backend",
            type=click.Choice(BACKENDS),
            help="fork: workers that import the packages once (default where os.fork exists); "
            "subprocess: a fresh pytest per mutant.",
        ),
        click.option(
            "--no-hot",
            is_flag=True,
            help="fork: import the project afresh for every mutant, also for changes inside "
            "function bodies (which otherwise run in a worker that collected the suite once).",
        ),
        click.option(
            "--warm/--no-warm",
            default=None,
            help="fork: fork workers from the project's warm pool, which outlives the command "
            "(default: BREAKIT_WARM, else [tool.breakit] warm; auto starts one only in a "
            "terminal). `breakit warm --help`.",
        ),
        click.option(
            "--verify", is_flag=True, help="Check every result against a fresh pytest per mutant."
        ),
    ]

    # The command gets them as one value, `engine` (EngineOptions).
    @functools.wraps(command)
    def with_engine(*args: Any, **kwargs: Any) -> None:
        fields = {name: kwargs.pop(name) for name in EngineOptions.__dataclass_fields__}
        command(*args, engine=EngineOptions(**fields), **kwargs)

    for option in reversed(options):
        with_engine = option(with_engine)
    return with_engine


@dataclass(frozen=True)
class EngineOptions:
    """`engine_options` as the command line gave them."""

    no_cache: bool = False
    jobs: int | None = None  # None: auto
    backend: str | None = None
    no_hot: bool = False
    warm: bool | None = None
    verify: bool = False


def warm_mode(config: Config, flag: bool | None) -> str:
    """The Lab's warm mode: --warm/--no-warm, else BREAKIT_WARM, else [tool.breakit] warm.
    "auto" starts a pool only for a command run in a terminal; elsewhere (CI, scripts) it uses
    one that is already running, and never leaves a process behind."""
    if flag is not None:
        return "start" if flag else "off"
    setting = os.environ.get("BREAKIT_WARM", "").strip().lower() or config.warm
    if setting not in WARM_SETTINGS:
        raise UsageError(
            f"BREAKIT_WARM is {setting!r}", hint=f"set it to one of {', '.join(WARM_SETTINGS)}"
        )
    if setting == "auto":
        interactive = sys.stdin.isatty() and sys.stderr.isatty()
        return "start" if interactive else "use"
    return "start" if setting == "on" else "off"


def lab_notes(env: Env, lab: Lab) -> None:
    """The lab's warnings (a source entry never imported, lines the coverage map missed), as
    they are: plain text on stderr, never read as markup."""
    for note in lab.notes:
        env.err.print(note, markup=False, highlight=False, soft_wrap=True)


def warm_note(env: Env, lab: Lab) -> None:
    """Say so when this command left a process running: the warm pool it started."""
    pool = lab.warm_pool() if lab.warm == "start" else None
    if pool is not None and pool.started:
        minutes = f"{lab.warm_idle_s / 60:g}"
        env.err.print(
            f"[dim]started warm workers for this project: later runs start faster; they stop "
            f"after {minutes} min unused (breakit warm stop; --no-warm)[/]",
            highlight=False,
        )


def make_lab(env: Env, engine: EngineOptions, *, reuse_results: bool = True) -> Lab:
    lab = Lab(
        env.config,
        use_cache=not engine.no_cache,
        jobs=engine.jobs,
        verify=engine.verify,
        reuse_results=reuse_results,
        hot=not engine.no_hot,
        warm=warm_mode(env.config, engine.warm),
        warm_idle_s=env.config.warm_idle_minutes * 60,
    )
    if engine.backend:
        lab.backend = engine.backend
    return lab


@cli.command()
@click.argument("mutation_id", type=MutationId())
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@click.option("-v", "--verbose", is_flag=True, help="List every test that missed it by name.")
@engine_options
@click.option("--predict", is_flag=True, help="First say which tests will catch it; get a score.")
@click.option("--write", is_flag=True, help="Then leave the breakage in your tree, to fix it.")
@pass_env
def apply(
    env: Env,
    mutation_id: str,
    as_json: bool,
    verbose: bool,
    engine: EngineOptions,
    predict: bool,
    write: bool,
) -> None:
    """Run the suite against one mutation, in an isolated copy, and show who catches it.

    Exit 0 when it is caught, 1 when it survives.
    """
    learner_loop.before_apply(env, mutation_id, write=write)
    mutant = env.targets.resolve(mutation_id)
    if write:
        learner_loop.check_writable(env, mutant)
    # A learner's apply always runs: the why (failures, HTTP requests) comes from the run.
    lab = make_lab(env, engine, reuse_results=False)
    with learner_loop.tracing() as trace, lab.session():
        with terminal.spinner(env.err, "baseline: running the suite on the unmutated code"):
            baseline = lab.baseline()
        predicted = learner_loop.ask_prediction(env, baseline) if predict else None
        with terminal.spinner(env.err, f"{mutant.id}: running the suite against the breakage"):
            matrix = lab.run([mutant], baseline)
    result = matrix.results[0]
    lab_notes(env, lab)
    warm_note(env, lab)
    if as_json:
        click.echo(json.dumps(matrix_document(matrix, baseline, lab.coverage_check), indent=2))
    else:
        terminal.render_apply(env.out, result, baseline, verbose=verbose)
    learner_loop.after_apply(
        env,
        mutant,
        result,
        baseline,
        predicted=predicted,
        trace=trace,
        write=write,
        as_json=as_json,
    )
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
@click.option(
    "--generated",
    is_flag=True,
    help="Run generated mutants instead of the catalog (with IDs: only those).",
)
@click.option("--all", "all_mutants", is_flag=True, help="Run the catalog and generated mutants.")
@filter_options
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="SCORE",
    help="Fail (exit 7) if the mutation score is under SCORE percent; survivors alone do not.",
)
@click.option("--shard", metavar="K/N", help="Run only the k-th of n deterministic parts.")
@report_options
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also list, per mutant, the tests that caught it, and per survivor those that ran it; "
    "outside a terminal, a progress line per mutant.",
)
@engine_options
@pass_env
def check(
    env: Env,
    engine: EngineOptions,
    mutation_ids: Sequence[str],
    generated: bool,
    all_mutants: bool,
    files: tuple[str, ...],
    operators: tuple[str, ...],
    match: tuple[str, ...],
    fail_under: float | None,
    shard: str | None,
    as_json: bool,
    output_dir: Path | None,
    report_json: Path | None,
    html_path: Path | None,
    junit_path: Path | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Run the curated mutations (or the given ids, or generated mutants): each must be caught.

    Ids may be curated or generated (`breakit list --generated`), with or without --generated.

    \b
    Exit codes: 1 a mutant survived (or, with --fail-under, never: the score decides),
    5 a curated mutation no longer applies or does not import, 6 a mutation was caught but
    not by the tests its answer key declares, 7 the score is under --fail-under.
    """
    filters = Filters(files, operators, match)
    # Every curated mutation is applied before anything runs: one that no longer matches its
    # code fails loudly here, not halfway through the run.
    mutants = env.targets.select(
        mutation_ids,
        generated=generated or all_mutants or filters != Filters(),
        curated=all_mutants or not (generated or filters != Filters()),
        filters=filters,
    )
    if shard is not None:
        mutants = Shard.parse(shard).select(mutants)
    if not mutants:
        env.err.print("Nothing to check: no mutants were selected.")
        raise SystemExit(ExitCode.OK)
    to_run, ignored = split_equivalent(mutants, env.config.equivalent)
    lab = make_lab(env, engine)
    with lab.session():
        baseline_text = "baseline: running the suite on the unmutated code"
        with terminal.spinner(env.err, baseline_text, pipe_line=not quiet):
            baseline = lab.baseline()
        with progress(env, len(to_run), quiet=quiet, verbose=verbose) as advance:
            matrix = lab.run(to_run, baseline, on_result=advance)
    lab_notes(env, lab)
    if not quiet and not as_json:
        warm_note(env, lab)
    matrix = merge_in_order(mutants, matrix, ignored)
    targets = ReportTargets(output_dir, report_json, html_path, junit_path)
    report_and_gate(
        env,
        matrix,
        baseline,
        targets,
        as_json=as_json,
        quiet=quiet,
        verbose=verbose,
        fail_under=fail_under,
        annotate=True,
        coverage_check=lab.coverage_check,
    )


@cli.group("warm")
def warm_group() -> None:
    """Warm workers: one process per project keeps the suite's packages imported (FastAPI,
    SQLAlchemy, pytest…), so apply and check get their workers in milliseconds, not ~1 s.

    \b
    breakit warm start    start it now (runs the baseline first if it is not cached)
    breakit warm status   this project's warm workers
    breakit warm stop     stop them (nothing is lost: it is only a cache)

    apply and check start one themselves when run in a terminal ([tool.breakit] warm =
    "auto"; "on" everywhere, "off" never; BREAKIT_WARM or --warm/--no-warm override it).
    It never imports your project, and is used only while the Python, breakit, the installed
    packages and the environment are the ones it was started with. It stops by itself after
    warm_idle_minutes (15) unused.
    """


@warm_group.command("start")
@pass_env
def warm_start(env: Env) -> None:
    """Start this project's warm workers, or say they already run."""
    from breakit.errors import WarmUnavailable

    lab = make_lab(env, EngineOptions(warm=True))
    baseline_text = "baseline: running the suite on the unmutated code"
    with lab.session(), terminal.spinner(env.err, baseline_text):
        lab.baseline()
    pool = lab.warm_pool()
    if pool is None:
        raise UsageError("warm workers need the fork backend, and os.fork is missing here")
    try:
        with terminal.spinner(env.err, "starting warm workers"):
            info = pool.ensure()
    except WarmUnavailable as exc:
        raise UsageError(f"cannot start warm workers: {exc}") from None
    state = "started" if pool.started else "already running"
    env.out.print(f"warm workers {state}: {terminal.warm_pool_line(info)}", highlight=False)


@warm_group.command("status")
@pass_env
def warm_status(env: Env) -> None:
    """List this project's warm workers."""
    from breakit.engine.fork.warm_client import pools

    found = pools(env.config.root)
    if not found:
        env.out.print("no warm workers for this project (breakit warm start)")
    for info in found:
        env.out.print(terminal.warm_pool_line(info), highlight=False)


@warm_group.command("stop")
@pass_env
def warm_stop(env: Env) -> None:
    """Stop this project's warm workers (a run in progress keeps its own workers)."""
    from breakit.engine.fork.warm_client import stop_pools

    stopped = stop_pools(env.config.root)
    env.out.print(f"stopped {stopped} warm pool{'s' if stopped != 1 else ''}")


@cli.command()
@click.argument("documents", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="SCORE",
    help="Fail (exit 7) if the merged mutation score is under SCORE percent.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the merged JSON document.")
@report_options
@pass_env
def merge(
    env: Env,
    documents: Sequence[Path],
    fail_under: float | None,
    as_json: bool,
    output_dir: Path | None,
    report_json: Path | None,
    html_path: Path | None,
    junit_path: Path | None,
    quiet: bool,
) -> None:
    """Combine shard results (breakit.json files or --output folders) and gate on the whole.

    Run it in a checkout of the same commit the shards ran on: mutants are rebuilt from it.
    """
    matrix, baseline = merge_documents([read_document(p) for p in documents], env.targets)
    targets = ReportTargets(output_dir, report_json, html_path, junit_path)
    report_and_gate(
        env, matrix, baseline, targets, as_json=as_json, quiet=quiet, fail_under=fail_under
    )


def report_and_gate(
    env: Env,
    matrix: KillMatrix,
    baseline: Baseline,
    targets: ReportTargets,
    *,
    as_json: bool,
    quiet: bool,
    fail_under: float | None,
    verbose: bool = False,
    annotate: bool = False,
    coverage_check: Mapping[str, Any] | None = None,
) -> NoReturn:
    """The end of `check` and `merge`: report files, the terminal (or JSON), the exit code."""
    mismatches = answer_key_mismatches(matrix)
    written = write_reports(targets, matrix, baseline, env.config.root, coverage_check)
    if as_json:
        click.echo(json.dumps(matrix_document(matrix, baseline, coverage_check), indent=2))
    else:
        if annotate and os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(matrix):
                click.echo(line)
        if quiet:
            env.out.print(terminal.summary_line(matrix))
        else:
            terminal.render_check(env.out, matrix, mismatches, verbose=verbose)
        if fail_under is not None:
            env.out.print(terminal.fail_under_line(matrix, fail_under))
        for path in written:
            env.err.print(f"wrote {escape(str(path))}", highlight=False)
    raise SystemExit(exit_code(matrix, mismatches, fail_under))


# --- progress -----------------------------------------------------------------------------


@contextmanager
def progress(
    env: Env, total: int, *, quiet: bool = False, verbose: bool = False
) -> Iterator[Callable[[MutantResult], None]]:
    """A progress bar on a terminal; elsewhere (a pipe, CI logs, `--json | jq`) plain lines on
    stderr every ~5 % or 10 s (one per mutant with -v), none with -q."""
    if quiet and not env.err.is_terminal:
        yield lambda result: None
        return
    if env.err.is_terminal:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

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
                bar.update(task, advance=1, description=escape(result.mutant.id))

            yield advance
        return
    yield terminal.ProgressLines(env.err, total, each=verbose)


# --- entry point: the one place errors become exit codes ----------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    err = terminal.make_console(stderr=True)
    previous = _stop_on_sigterm()
    try:
        _main(err, argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(err: Console, argv: Sequence[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="breakit", standalone_mode=False)
    except BreakitError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        if exc.hint:
            err.print(f"  hint: {escape(exc.hint)}", highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:  # click's word for a KeyboardInterrupt
        _interrupted(err, exc.__cause__)
    except KeyboardInterrupt as exc:
        _interrupted(err, exc)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except SystemExit as exc:
        sys.exit(exc.code)
    except Exception as exc:
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # Ctrl-C or SIGTERM that an import wrapped (__set_name__)
            _interrupted(err, interrupt)
        # A bug in breakit, not in the user's input: one line, the traceback on request.
        if os.environ.get("BREAKIT_DEBUG"):
            raise
        what = escape(f"{type(exc).__name__}: {exc}")
        err.print(f"[bold red]internal error:[/] {what}", highlight=False)
        err.print("  hint: run again with BREAKIT_DEBUG=1 for the traceback, and report it")
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.OK)


def _interrupted(err: Console, cause: BaseException | None) -> NoReturn:
    if isinstance(cause, Terminated):
        err.print("terminated (SIGTERM): nothing was changed in your project")
        sys.exit(ExitCode.TERMINATED)
    err.print("interrupted: nothing was changed in your project")
    sys.exit(ExitCode.INTERRUPTED)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM an exception was raised from, if it was."""
    seen = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _stop_on_sigterm() -> Any:
    """SIGTERM (`timeout`, a CI time limit) stops breakit as Ctrl-C does: every workspace
    removed, every worker stopped, the results so far kept. The previous handler, to restore
    (None if this is not the main thread, where Python cannot set one)."""

    def on_sigterm(signum: int, frame: object) -> None:
        # Once: a second SIGTERM must not cut the cleanup short (SIGKILL still can).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated(signum)

    try:
        return signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread
        return None


from breakit import cli_learner  # noqa: E402,F401  (registers the learner's commands)
