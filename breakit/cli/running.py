"""The commands that run mutants: apply, check, merge; and `report_and_gate`, the end of
check and merge (report files, the terminal or JSON, the exit code)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.markup import escape

from breakit import since as pull_request
from breakit.changes import Changes, changed_since
from breakit.cli import learning_loop
from breakit.cli.env import Env, MutationId, pass_env
from breakit.cli.options import (
    EngineOptions,
    engine_options,
    filter_options,
    make_lab,
    report_options,
)
from breakit.cli.triaging import triage_facts, triage_option, triage_run, triaged
from breakit.engine.lab import Lab
from breakit.errors import EngineMismatchError, ExitCode, UsageError
from breakit.gate import (
    answer_key_mismatches,
    exit_code,
    merge_in_order,
    skipped_answer_keys,
    split_equivalent,
)
from breakit.last_run import save_last_run
from breakit.learner import loop
from breakit.merge import merge_documents, read_document
from breakit.model import Baseline, KillMatrix, MutantResult
from breakit.mutant_ids import Filters
from breakit.reports import terminal
from breakit.reports.breakit_json import matrix_document
from breakit.reports.github import github_annotations
from breakit.reports.output import ReportFiles, write_reports, write_step_summary
from breakit.reports.summary import since_lines
from breakit.shard import Shard
from breakit.triage.identical import split_identical, twins_results

if TYPE_CHECKING:
    from breakit.triage.value import Triage


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


@click.command()
@click.argument("mutation_id", type=MutationId())
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (docs/json.md).")
@click.option("-v", "--verbose", is_flag=True, help="List every test that missed it by name.")
@engine_options
@click.option("--predict", is_flag=True, help="First say which tests will catch it; get a score.")
@click.option("--write", is_flag=True, help="Then leave the breakage in your tree, to fix it.")
@triage_option
@pass_env
def apply(
    env: Env,
    mutation_id: str,
    as_json: bool,
    verbose: bool,
    engine: EngineOptions,
    predict: bool,
    write: bool,
    no_triage: bool,
) -> None:
    """Run the suite against one mutation, in an isolated copy, and show who catches it.

    Exit 0 when it is caught, 1 when it survives.
    """
    loop.refuse_written(env.config.root, mutation_id, write=write)
    mutant = env.mutant_ids.resolve(mutation_id)
    if write:
        loop.check_writable(env.config.root, mutant)
    # A learner's apply always runs: the why (failures, HTTP requests) comes from the run.
    lab = make_lab(env, engine, reuse_results=False)
    with learning_loop.tracing() as trace, lab.session():
        with terminal.spinner(env.err, "baseline: running the suite on the unmutated code"):
            baseline = lab.baseline()
        lab.start_workers(baseline, mutants=1)  # while the learner predicts
        predicted = learning_loop.ask_prediction(env, baseline) if predict else None
        with terminal.spinner(env.err, f"{mutant.id}: running the suite against the breakage"):
            matrix = lab.run([mutant], baseline)
    result = matrix.results[0]
    lab_notes(env, lab)
    warm_note(env, lab)
    if lab.verification is not None:
        env.err.print(lab.verification.line(), markup=False, highlight=False)
    triage = triage_run(env, lab, matrix, baseline, skip=no_triage)
    if as_json:
        run = {**run_facts(lab), **triage_facts(triage)}
        document = matrix_document(
            matrix, baseline, lab.coverage_check, run=run, triage=triaged(triage)
        )
        click.echo(json.dumps(document, indent=2))
    else:
        terminal.render_apply(env.out, result, baseline, verbose=verbose)
    learning_loop.after_apply(
        env,
        mutant,
        result,
        baseline,
        predicted=predicted,
        trace=trace,
        write=write,
        as_json=as_json,
        triage=(triaged(triage) or {}).get(mutant.id),
    )
    raise SystemExit(ExitCode.OK if result.detected else ExitCode.SURVIVED)


@click.command()
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
@click.option(
    "--since",
    metavar="REF",
    help="Only the mutants on lines changed since the git revision REF (uncommitted changes "
    "too), and those that tests added or changed since REF cover (docs/ci.md).",
)
@click.option(
    "--first-catch",
    is_flag=True,
    help="Stop each mutant at its first catching test, killer-first (a CI gate): same verdicts, "
    'a partial kill matrix (README, "Which mode where").',
)
@report_options
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also list, per mutant, the tests that caught it, and per survivor those that ran it; "
    "outside a terminal, a progress line per mutant.",
)
@engine_options
@triage_option
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
    since: str | None,
    first_catch: bool,
    as_json: bool,
    output_dir: Path | None,
    report_json: Path | None,
    html_path: Path | None,
    junit_path: Path | None,
    quiet: bool,
    verbose: bool,
    no_triage: bool,
) -> None:
    """Run the curated mutations (or the given ids, or generated mutants): each must be caught.

    Ids may be curated or generated (`breakit list --generated`), with or without --generated.

    \b
    Exit codes: 1 a mutant survived (or, with --fail-under, never: the score decides),
    5 a curated mutation no longer applies or does not import, 6 a mutation was caught but
    not by the tests its answer key declares, 7 the score is under --fail-under.
    """
    filters = Filters(files, operators, match)
    changes = since_changes(env, since, mutation_ids)  # a git error stops here, before any run
    # Every curated mutation is applied before anything runs: one that no longer matches its
    # code fails loudly here, not halfway through the run.
    mutants = env.mutant_ids.select(
        mutation_ids,
        generated=generated or all_mutants or filters != Filters(),
        curated=all_mutants or not (generated or filters != Filters()),
        filters=filters,
    )
    if shard is not None:
        mutants = Shard.parse(shard).select(mutants)
    if changes is not None and not pull_request.may_bring_in(mutants, changes, env.config.source):
        env.err.print(
            f"Nothing to check: no mutant is on a line changed since {escape(changes.ref)}, "
            "and no test changed."
        )
        raise SystemExit(ExitCode.OK)
    if not mutants:
        env.err.print("Nothing to check: no mutants were selected.")
        raise SystemExit(ExitCode.OK)
    lab = make_lab(env, engine)
    lab.first_catch = first_catch
    chosen: pull_request.Since | None = None
    with lab.session():
        baseline_text = "baseline: running the suite on the unmutated code"
        with terminal.spinner(env.err, baseline_text, pipe_line=not quiet):
            baseline = lab.baseline()
        if changes is not None:  # tests changed since REF bring in what their coverage reaches
            mutants, chosen = pull_request.bring_in(
                mutants, changes, baseline.tests, baseline.run.coverage, env.config.root
            )
            if not mutants:
                env.err.print(
                    f"Nothing to check: nothing changed since {escape(since or '')} "
                    "brings in a mutant."
                )
                raise SystemExit(ExitCode.OK)
        lab.start_workers(baseline, mutants=len(mutants))  # while the mutants are planned
        to_run, ignored = split_equivalent(mutants, env.config.equivalent)
        # Compiled code the original's (Ignored) or an earlier mutant's (its twin's verdict).
        to_run, identical, twins = split_identical(to_run)
        ignored = [*ignored, *identical]
        if verbose and not as_json:
            env.err.print(lab.memory_ceiling_text(), markup=False, highlight=False)
        try:
            with progress(env, len(to_run), quiet=quiet, verbose=verbose) as shown:
                matrix = lab.run(to_run, baseline, on_result=shown.mutant, on_verify=shown.verify)
        except EngineMismatchError:
            checked = lab.verification
            if as_json and checked is not None and checked.matrix is not None:
                # The verdicts cannot be trusted, but which ones and why goes to the document.
                twinned = twins_results(mutants, checked.matrix.results, twins)
                matrix = merge_in_order(mutants, checked.matrix, [*ignored, *twinned])
                document = matrix_document(matrix, baseline, lab.coverage_check, run=run_facts(lab))
                click.echo(json.dumps(document, indent=2))
            raise
    lab_notes(env, lab)
    if lab.verification is not None and not quiet:
        env.err.print(lab.verification.line(), markup=False, highlight=False)
    if not quiet and not as_json:
        warm_note(env, lab)
    twinned = twins_results(mutants, matrix.results, twins)
    matrix = merge_in_order(mutants, matrix, [*ignored, *twinned])
    save_last_run(env.config.root, matrix, baseline)  # what `breakit tests` ranks
    triage = triage_run(env, lab, matrix, baseline, skip=no_triage, quiet=quiet)
    report_files = ReportFiles(output_dir, report_json, html_path, junit_path)
    report_and_gate(
        env,
        matrix,
        baseline,
        report_files,
        as_json=as_json,
        quiet=quiet,
        verbose=verbose,
        fail_under=fail_under,
        annotate=True,
        coverage_check=lab.coverage_check,
        since=chosen,
        run={**run_facts(lab), **triage_facts(triage)},
        triage=triaged(triage),
    )


def run_facts(lab: Lab) -> dict[str, Any]:
    """The JSON document's keys about the run itself: the memory ceiling the test processes ran
    under, how the survivors were proved on the whole suite, and what `--verify` found
    (docs/json.md)."""
    facts: dict[str, Any] = {
        "memory_limit_mb": lab.memory_ceiling(),
        "survivor_proofs": {"batches": lab.proof_batches, "alone": lab.proofs_alone},
        "timing": lab.timing(),
    }
    if lab.verification is not None:
        facts["verify"] = lab.verification.to_json()
    return facts


def since_changes(env: Env, ref: str | None, mutation_ids: Sequence[str]) -> Changes | None:
    """`check --since REF`: what changed since REF (breakit.changes), or None without it."""
    if ref is None:
        return None
    if mutation_ids:
        raise UsageError(
            "give mutant ids, or --since, not both",
            hint="--since REF chooses the mutants itself; --file, --operator, --match narrow it",
        )
    return changed_since(env.config.root, ref)


@click.command()
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
    matrix, baseline = merge_documents([read_document(p) for p in documents], env.mutant_ids)
    report_files = ReportFiles(output_dir, report_json, html_path, junit_path)
    report_and_gate(
        env, matrix, baseline, report_files, as_json=as_json, quiet=quiet, fail_under=fail_under
    )


def report_and_gate(
    env: Env,
    matrix: KillMatrix,
    baseline: Baseline,
    report_files: ReportFiles,
    *,
    as_json: bool,
    quiet: bool,
    fail_under: float | None,
    verbose: bool = False,
    annotate: bool = False,
    coverage_check: Mapping[str, Any] | None = None,
    since: pull_request.Since | None = None,
    run: Mapping[str, Any] | None = None,
    triage: Mapping[str, Triage] | None = None,
) -> NoReturn:
    """The end of `check` and `merge`: report files, the terminal (or JSON), the exit code.
    `run`: the JSON document's keys about the run (`run_facts`); `triage`: each survivor's."""
    mismatches = answer_key_mismatches(matrix)
    skipped = skipped_answer_keys(matrix)  # a first-catch run checks no answer key
    if skipped:
        env.err.print(skipped, markup=False, highlight=False, soft_wrap=True)
    root = env.config.root
    written = write_reports(
        report_files, matrix, baseline, root, coverage_check, since, run, triage
    )
    write_step_summary(matrix, since)
    if as_json:
        document = matrix_document(matrix, baseline, coverage_check, since, run, triage)
        click.echo(json.dumps(document, indent=2))
    else:
        if annotate and os.environ.get("GITHUB_ACTIONS") == "true":
            for line in github_annotations(matrix, since):
                click.echo(line)
        if since is not None and not quiet:
            for line in since_lines(matrix, since):
                env.out.print(line, highlight=False, soft_wrap=True)
        if quiet:
            env.out.print(terminal.summary_line(matrix))
        else:
            terminal.render_check(env.out, matrix, mismatches, verbose=verbose, triage=triage)
        if fail_under is not None:
            env.out.print(terminal.fail_under_line(matrix, fail_under))
        for path in written:
            env.err.print(f"wrote {escape(str(path))}", highlight=False)
    raise SystemExit(exit_code(matrix, mismatches, fail_under))


OnResult = Callable[[MutantResult], None]


@dataclass(frozen=True)
class Shown:
    """A check's progress: `mutant` gets each result of the run; with `--verify`, `verify(n)`
    starts the oracle's phase of n mutants and returns what gets each of its results."""

    mutant: OnResult
    verify: Callable[[int], OnResult]


@contextmanager
def progress(
    env: Env, total: int, *, quiet: bool = False, verbose: bool = False
) -> Iterator[Shown]:
    """A progress bar on a terminal; elsewhere (a pipe, CI logs, `--json | jq`) plain lines on
    stderr every ~5 % or 10 s (one per mutant with -v); both with mutants/s and the time left
    (breakit.reports.progress), for the mutants and then for `--verify`'s runs. Nothing with
    -q."""
    from breakit.reports.progress import ProgressLines, progress_bar, takes_time

    if quiet:
        yield Shown(lambda result: None, lambda count: lambda result: None)
        return
    if env.err.is_terminal:
        with progress_bar(env.err) as bar:
            tasks = [bar.add_task("mutants", total=total, ran=0)]

            def phase(prefix: str) -> OnResult:
                task, ran = tasks[-1], 0

                def advance(result: MutantResult) -> None:
                    nonlocal ran
                    ran += takes_time(result)
                    name = prefix + escape(result.mutant.id)
                    bar.update(task, advance=1, description=name, ran=ran)

                return advance

            def verify(count: int) -> OnResult:
                bar.remove_task(tasks[-1])
                tasks.append(bar.add_task("verify", total=count, ran=0))
                return phase("verify ")

            yield Shown(phase(""), verify)
        return
    yield Shown(
        ProgressLines(env.err, total, each=verbose),
        lambda count: ProgressLines(env.err, count, each=verbose, phase="verify"),
    )


COMMANDS = (apply, check, merge)
