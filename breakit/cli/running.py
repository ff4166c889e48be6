"""The commands that run mutants: apply, check, merge. Each parses its options, calls the
core through its steps (`checking` for check), and ends in `reporting`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from breakit.cli import learning_loop
from breakit.cli.checking import chosen_mutants, run_check
from breakit.cli.env import Env, MutationId, pass_env
from breakit.cli.options import (
    Duration,
    EngineOptions,
    engine_options,
    filter_options,
    make_lab,
    report_options,
)
from breakit.cli.reporting import lab_notes, report_and_gate, run_facts, warm_note
from breakit.cli.triaging import triage_facts, triage_option, triage_run, triaged
from breakit.core.errors import ExitCode, NothingCheckedError
from breakit.learner import loop
from breakit.mutants.mutant_ids import Filters
from breakit.reports.breakit_json import matrix_document
from breakit.reports.merge import merge_documents, read_document
from breakit.reports.mutant_view import render_apply
from breakit.reports.output import ReportFiles
from breakit.reports.terminal import spinner
from breakit.store.last_run import save_last_run


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
        with spinner(env.err, "baseline: running the suite on the unmutated code"):
            baseline = lab.baseline()
        lab.start_workers(baseline, mutants=1)  # while the learner predicts
        predicted = learning_loop.ask_prediction(env, baseline) if predict else None
        with spinner(env.err, f"{mutant.id}: running the suite against the breakage"):
            outcome = lab.run([mutant], baseline)
    matrix, facts = outcome.matrix, outcome.facts
    result = matrix.results[0]
    lab_notes(env, lab, facts)
    warm_note(env, lab)
    if facts.verification is not None:
        env.err.print(facts.verification.line(), markup=False, highlight=False)
    triage = triage_run(env, lab, matrix, baseline, skip=no_triage)
    if as_json:
        run = {**run_facts(lab, facts), **triage_facts(triage)}
        document = matrix_document(
            matrix, baseline, facts.coverage_check, run=run, triage=triaged(triage)
        )
        click.echo(json.dumps(document, indent=2))
    else:
        render_apply(env.out, result, baseline, verbose=verbose)
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
@click.option(
    "--max-time",
    type=Duration(),
    help="Start no mutant after this long (90s, 30m, 1h30m); those left are unchecked (exit 10 "
    "unless a survivor or worse), and the next run takes them up (docs/ci.md).",
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
    filters: Filters,
    fail_under: float | None,
    shard: str | None,
    since: str | None,
    first_catch: bool,
    max_time: float | None,
    as_json: bool,
    report_files: ReportFiles,
    quiet: bool,
    verbose: bool,
    no_triage: bool,
) -> None:
    """Run the curated mutations (or the given ids, or generated mutants): each must be caught.

    Ids may be curated or generated (`breakit list --generated`), with or without --generated.

    \b
    Exit codes: 1 a mutant survived (or, with --fail-under, never: the score decides),
    5 a curated mutation no longer applies or does not import, 6 a mutation was caught but
    not by the tests its answer key declares, 7 the score is under --fail-under, 9 nothing
    was selected (but --since finding no change is 0), 10 --max-time left mutants unchecked.
    """
    mutants, git_diff = chosen_mutants(
        env,
        mutation_ids,
        filters,
        since,
        shard,
        generated=generated,
        all_mutants=all_mutants,
        as_json=as_json,
    )
    lab = make_lab(env, engine, first_catch=first_catch, max_time_s=max_time)
    matrix, facts, baseline, chosen = run_check(
        env, lab, mutants, git_diff, since, as_json=as_json, quiet=quiet, verbose=verbose
    )
    save_last_run(env.config.root, matrix, baseline)  # what `breakit tests` ranks
    skip = no_triage or bool(matrix.unchecked)  # a spent budget: the job's time is up
    triage = triage_run(env, lab, matrix, baseline, skip=skip, quiet=quiet)
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
        coverage_check=facts.coverage_check,
        since=chosen,
        run={**run_facts(lab, facts), **triage_facts(triage)},
        triage=triaged(triage),
    )


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
    report_files: ReportFiles,
    quiet: bool,
) -> None:
    """Combine shard results (breakit.json files or --output folders) and gate on the whole.

    Run it in a checkout of the same commit the shards ran on: mutants are rebuilt from it.
    Exit codes as check's: 9 when the shards hold no mutant, 10 when one left mutants unchecked.
    """
    matrix, baseline = merge_documents([read_document(p) for p in documents], env.mutant_ids)
    if not matrix.results and not matrix.unchecked:
        raise NothingCheckedError(
            f"the {len(documents)} shard report{'s' if len(documents) != 1 else ''} hold no "
            "mutant: nothing was checked",
            hint="merge the breakit.json of every shard (`check --shard k/n --output DIR`)",
        )
    report_and_gate(
        env, matrix, baseline, report_files, as_json=as_json, quiet=quiet, fail_under=fail_under
    )


COMMANDS = (apply, check, merge)
