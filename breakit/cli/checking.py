"""The steps of `breakit check`, in the order it takes them: which mutants (the ids or the
filters, the shard, `--since`), the baseline, which of them run (`CheckPlan`), the run with its
progress, and what the lab noted. A selection that holds no mutant is an error (exit 9: nothing
was checked, never a green run); only `--since` finding nothing the change brings in exits 0."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

import click
from rich.markup import escape

from breakit.cli.check_progress import progress
from breakit.cli.env import Env
from breakit.cli.reporting import lab_notes, run_facts, warm_note
from breakit.core.errors import EngineMismatchError, ExitCode, NothingCheckedError, UsageError
from breakit.core.model import Baseline, KillMatrix, Mutant, MutantResult
from breakit.engine.lab import Lab
from breakit.engine.run_outcome import RunFacts, VerifyMismatch
from breakit.mutants.changed_since import Since, bring_in, may_bring_in
from breakit.mutants.git_diff import GitDiff, changed_since
from breakit.mutants.mutant_ids import Filters
from breakit.mutants.shard import Shard
from breakit.reports.breakit_json import matrix_document, nothing_document
from breakit.reports.terminal import spinner
from breakit.triage.identical import split_identical, twins_results
from breakit.verdicts.gate import merge_in_order, split_equivalent


def since_git_diff(env: Env, ref: str | None, mutation_ids: Sequence[str]) -> GitDiff | None:
    """`check --since REF`: what changed since REF (breakit.mutants.git_diff), or
    None without it."""
    if ref is None:
        return None
    if mutation_ids:
        raise UsageError(
            "give mutant ids, or --since, not both",
            hint="--since REF chooses the mutants itself; --file, --operator, --match narrow it",
        )
    return changed_since(env.config.root, ref)


def nothing_to_check(env: Env, why: str, *, as_json: bool, since: Since | None = None) -> NoReturn:
    """`--since`: the change brings in no mutant. Say so, and why (with --json, in the
    document); exit 0: a pull request that changes no source is green."""
    if as_json:
        click.echo(json.dumps(nothing_document(why, since), indent=2))
    env.err.print(f"Nothing to check: {escape(why)}")
    raise SystemExit(ExitCode.OK)


def nothing_selected(filters: Filters, shard: str | None, selected: int) -> NothingCheckedError:
    """The error of a selection that holds no mutant (`selected`: how many the ids and filters
    chose before the shard), its one line naming what selected nothing and the fix."""
    if shard is not None and selected:
        return NothingCheckedError(
            f"--shard {shard} holds none of the {selected} mutants selected: nothing was checked",
            hint=f"use at most {selected} shards",
        )
    asked = [f"--match {' '.join(filters.match)!r}"] if filters.match else []
    asked += [f"--operator {' '.join(filters.operators)}"] if filters.operators else []
    asked += [f"--file {' '.join(filters.files)}"] if filters.files else []
    if asked:
        return NothingCheckedError(
            f"{' and '.join(asked)} selects no mutant: nothing was checked",
            hint="`breakit list --generated` with the same filters shows what they select; "
            "check the pattern, operator or path",
        )
    return NothingCheckedError(
        "no mutant was selected: nothing was checked",
        hint="--generated checks mutants of [tool.breakit] source; without it, the curated "
        "catalog's ([tool.breakit] mutations)",
    )


def chosen_mutants(
    env: Env,
    mutation_ids: Sequence[str],
    filters: Filters,
    since: str | None,
    shard: str | None,
    *,
    generated: bool,
    all_mutants: bool,
    as_json: bool,
) -> tuple[list[Mutant], GitDiff | None]:
    """The mutants the command line asks for: the ids, else the curated catalog and/or the
    generated mutants (the filters ask for generated ones), then its shard of them; and with
    `--since REF`, what changed since REF (the baseline's coverage then says what it brings
    in: `brought_in`)."""
    git_diff = since_git_diff(env, since, mutation_ids)  # a git error stops here, before any run
    # Every curated mutation is applied before anything runs: one that no longer matches its
    # code fails loudly here, not halfway through the run.
    mutants = env.mutant_ids.for_check(
        mutation_ids,
        generated=generated or all_mutants or filters != Filters(),
        curated=all_mutants or not (generated or filters != Filters()),
        filters=filters,
    )
    selected = len(mutants)
    if shard is not None:
        mutants = Shard.parse(shard).pick(mutants)
    if not mutants:
        raise nothing_selected(filters, shard, selected)
    if git_diff is not None and not may_bring_in(mutants, git_diff, env.config.source):
        chosen = Since(git_diff=git_diff, reasons={}, tests={})
        why = f"no mutant is on a line changed since {git_diff.ref}, and no test changed."
        nothing_to_check(env, why, as_json=as_json, since=chosen)
    return mutants, git_diff


def run_baseline(env: Env, lab: Lab, *, quiet: bool) -> Baseline:
    baseline_text = "baseline: running the suite on the unmutated code"
    with spinner(env.err, baseline_text, pipe_line=not quiet):
        return lab.baseline()


def brought_in(
    env: Env,
    mutants: list[Mutant],
    git_diff: GitDiff | None,
    baseline: Baseline,
    since: str | None,
    *,
    as_json: bool,
) -> tuple[list[Mutant], Since | None]:
    """With `--since`, the mutants on changed lines and those that the tests changed since REF
    cover (their coverage in the baseline), and why each came; without it, `mutants`."""
    if git_diff is None:
        return mutants, None
    mutants, chosen = bring_in(
        mutants, git_diff, baseline.tests, baseline.run.coverage, env.config.root
    )
    if not mutants:
        why = f"nothing changed since {since or ''} brings in a mutant."
        nothing_to_check(env, why, as_json=as_json, since=chosen)
    return mutants, chosen


@dataclass(frozen=True)
class CheckPlan:
    """A check's mutants and which of them run: those declared equivalent and those whose
    compiled code is the original's are Ignored, not run; one whose compiled code is an earlier
    mutant's (its twin) takes that twin's verdict."""

    mutants: Sequence[Mutant]
    to_run: Sequence[Mutant]
    ignored: Sequence[MutantResult]
    twins: Mapping[str, str]

    @classmethod
    def of(cls, mutants: Sequence[Mutant], equivalent: Mapping[str, str]) -> CheckPlan:
        to_run, ignored = split_equivalent(mutants, equivalent)
        # Compiled code the original's (Ignored) or an earlier mutant's (its twin's verdict).
        to_run, identical, twins = split_identical(to_run)
        return cls(mutants, to_run, [*ignored, *identical], twins)

    def whole(self, ran: KillMatrix) -> KillMatrix:
        """The matrix of every mutant, in order: those that ran, the Ignored, the twins."""
        twinned = twins_results(self.mutants, ran.results, self.twins)
        return merge_in_order(self.mutants, ran, [*self.ignored, *twinned])


@contextlib.contextmanager
def mismatch_as_document(
    lab: Lab, plan: CheckPlan, baseline: Baseline, *, as_json: bool
) -> Iterator[None]:
    """When `--verify` finds the engines disagree, the error stands; with --json, the document
    says which verdicts and why."""
    try:
        yield
    except VerifyMismatch as exc:
        facts = exc.outcome.facts
        checked = facts.verification
        if as_json and checked is not None and checked.matrix is not None:
            # The verdicts cannot be trusted, but which ones and why goes to the document,
            # which breakit.cli.entry prints with the error in it.
            matrix = plan.whole(checked.matrix)
            run = run_facts(lab, facts)
            document = matrix_document(matrix, baseline, facts.coverage_check, run=run)
            raise EngineMismatchError(exc.message, hint=exc.hint, document=document) from exc
        raise


def run_check(
    env: Env,
    lab: Lab,
    mutants: list[Mutant],
    git_diff: GitDiff | None,
    since: str | None,
    *,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> tuple[KillMatrix, RunFacts, Baseline, Since | None]:
    """The chosen mutants checked in one session of the lab: the baseline, what `--since` brings
    in, the plan and its run with its progress shown; the matrix of every mutant (its
    `unchecked` those `--max-time` left), the run's facts, the baseline and why `--since` brought
    each in."""
    with lab.session():
        baseline = run_baseline(env, lab, quiet=quiet)
        mutants, chosen = brought_in(env, mutants, git_diff, baseline, since, as_json=as_json)
        lab.start_workers(baseline, mutants=len(mutants))  # while the mutants are planned
        plan = CheckPlan.of(mutants, env.config.equivalent)
        if verbose and not as_json:
            env.err.print(lab.memory_ceiling_text(), markup=False, highlight=False)
        with (
            mismatch_as_document(lab, plan, baseline, as_json=as_json),
            progress(env, len(plan.to_run), quiet=quiet, verbose=verbose) as shown,
        ):
            ran = lab.run(plan.to_run, baseline, on_result=shown.mutant, on_verify=shown.verify)
    check_notes(env, lab, ran.facts, quiet=quiet, as_json=as_json)
    return plan.whole(ran.matrix), ran.facts, baseline, chosen


def check_notes(env: Env, lab: Lab, facts: RunFacts, *, quiet: bool, as_json: bool) -> None:
    """After the run: the notes, what `--verify` found, the warm pool it left running."""
    lab_notes(env, lab, facts)
    if facts.verification is not None and not quiet:
        env.err.print(facts.verification.line(), markup=False, highlight=False)
    elif lab.verify and not quiet:
        env.err.print(
            "verify: not run: --max-time was spent before every mutant was checked",
            markup=False,
            highlight=False,
        )
    if not quiet and not as_json:
        warm_note(env, lab)
