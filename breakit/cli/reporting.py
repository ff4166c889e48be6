"""What the commands that run mutants say once the run is over: the lab's notes, the warm pool
it left running, the JSON document's keys about the run, and `report_and_gate`, the end of
check and merge (report files, the terminal or JSON, the exit code)."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.markup import escape

from breakit.cli.env import Env
from breakit.core.model import Baseline, KillMatrix
from breakit.engine.lab import Lab
from breakit.engine.run_outcome import RunFacts
from breakit.mutants import changed_since
from breakit.reports.breakit_json import matrix_document
from breakit.reports.check_view import fail_under_line, render_check, summary_line
from breakit.reports.github import github_annotations
from breakit.reports.output import ReportFiles, write_reports, write_step_summary
from breakit.reports.summary import since_lines
from breakit.runners.factory import Warm
from breakit.verdicts.gate import answer_key_mismatches, exit_code, skipped_answer_keys

if TYPE_CHECKING:
    from breakit.triage.value import Triage


def lab_notes(env: Env, lab: Lab, facts: RunFacts) -> None:
    """The warnings of the lab's baseline (a source entry never imported, lines the coverage
    map missed) and of its run (claims the NoCoverage proof sent to the whole suite), as they
    are: plain text on stderr, never read as markup."""
    for note in dict.fromkeys([*lab.notes, *facts.notes]):
        env.err.print(note, markup=False, highlight=False, soft_wrap=True)


def warm_note(env: Env, lab: Lab) -> None:
    """Say so when this command left a process running: the warm pool it started."""
    pool = lab.warm_pool() if lab.warm is Warm.ON else None
    if pool is not None and pool.started:
        minutes = f"{lab.warm_idle_s / 60:g}"
        env.err.print(
            f"[dim]started warm workers for this project: later runs start faster; they stop "
            f"after {minutes} min unused (breakit warm stop; --no-warm)[/]",
            highlight=False,
        )


def run_facts(lab: Lab, run: RunFacts) -> dict[str, Any]:
    """The JSON document's keys about the run itself: the memory ceiling the test processes ran
    under, how the survivors were proved on the whole suite, and what `--verify` found
    (docs/json.md)."""
    facts: dict[str, Any] = {
        "memory_limit_mb": lab.memory_ceiling(),
        "survivor_proofs": {
            "batches": run.stats.proof_batches,
            "alone": run.stats.proofs_alone,
            "caught_by_failing_test": run.stats.caught_by_failing_test,
            "runs_in_file_order": run.stats.runs_in_file_order,
        },
        "hot_runs": hot_runs(run.stats.hot_runs, run.stats.fallback_reasons),
        "timing": dict(run.timing),
    }
    if run.verification is not None:
        facts["verify"] = run.verification.to_json()
    return facts


def hot_runs(runs: int, fallbacks: Sequence[str]) -> dict[str, Any]:
    """How many runs a hot session served, how many it refused (they ran fresh), and its five
    most frequent reasons, each with its count."""
    reasons = Counter(fallbacks).most_common(5)
    return {
        "runs": runs,
        "fallbacks": len(fallbacks),
        "reasons": [{"reason": reason, "count": count} for reason, count in reasons],
    }


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
    since: changed_since.Since | None = None,
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
            env.out.print(summary_line(matrix))
        else:
            render_check(env.out, matrix, mismatches, verbose=verbose, triage=triage)
        if fail_under is not None:
            env.out.print(fail_under_line(matrix, fail_under))
        for path in written:
            env.err.print(f"wrote {escape(str(path))}", highlight=False)
    raise SystemExit(exit_code(matrix, mismatches, fail_under))
