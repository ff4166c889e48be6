"""The CI gate of `breakit check`: from a KillMatrix to an exit code, with the reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from breakit.core.errors import ExitCode
from breakit.core.model import KillMatrix, Mutant, MutantResult, Verdict
from breakit.mutants.mutant_ids import former_id

# Per mutation with a declared answer key: (expected but did not catch, caught but not expected).
KeyMismatches = dict[str, tuple[set[str], set[str]]]


def answer_key_mismatches(matrix: KillMatrix) -> KeyMismatches:
    """Per curated mutation whose answer key differs from what caught it. Only a full matrix is
    checked: a first-catch run stops at the first catching test (see `skipped_answer_keys`)."""
    mismatches: KeyMismatches = {}
    if matrix.first_catch:
        return mismatches
    for result in matrix.results:
        mutation = result.mutant.mutation
        if mutation is None or mutation.caught_by is None or not result.detected:
            continue
        expected = set(mutation.caught_by)
        actual = set(result.catchers) | set(result.errored_in)
        if expected != actual:
            mismatches[result.mutant.id] = (expected - actual, actual - expected)
    return mismatches


def skipped_answer_keys(matrix: KillMatrix) -> str | None:
    """The line a first-catch run on curated mutations with answer keys prints (None: none)."""
    keyed = [r for r in matrix.results if r.mutant.mutation and r.mutant.mutation.caught_by]
    if not matrix.first_catch or not keyed:
        return None
    return (
        f"first-catch: the answer keys of {len(keyed)} curated mutation"
        f"{'s' if len(keyed) != 1 else ''} are not checked (each mutant stopped at its first "
        "catching test); run `breakit check` without --first-catch to check them"
    )


def split_equivalent(
    mutants: Sequence[Mutant], equivalent: Mapping[str, str]
) -> tuple[list[Mutant], list[MutantResult]]:
    """Mutants to run, and Ignored results for those declared equivalent (never run)."""
    reasons = {m.id: equivalent_reason(m, equivalent) for m in mutants}
    to_run = [m for m in mutants if reasons[m.id] is None]
    ignored = [
        MutantResult(mutant=m, verdict=Verdict.IGNORED, tests={}, error=reasons[m.id])
        for m in mutants
        if reasons[m.id] is not None
    ]
    return to_run, ignored


def equivalent_reason(mutant: Mutant, equivalent: Mapping[str, str]) -> str | None:
    """Why `[tool.breakit.equivalent]` declares `mutant` equivalent, by its id or by the id's
    former spelling (`src.pkg.mod:…`: mutant_ids.former_id); None when it does not."""
    if mutant.id in equivalent:
        return equivalent[mutant.id]
    former = former_id(mutant)
    return equivalent[former] if former is not None and former in equivalent else None


def merge_in_order(
    mutants: Sequence[Mutant], matrix: KillMatrix, extra: Sequence[MutantResult]
) -> KillMatrix:
    """One matrix with `extra` results added, every result in the order of `mutants`; a mutant
    with no result is unchecked (`check --max-time`), as the matrix's own unchecked are."""
    by_id = {r.mutant.id: r for r in (*matrix.results, *extra)}
    results = tuple(by_id[m.id] for m in mutants if m.id in by_id)
    unchecked = tuple(m for m in mutants if m.id not in by_id)
    if unchecked and not matrix.unchecked:
        raise KeyError(unchecked[0].id)  # a result lost, not a budget spent
    return KillMatrix(matrix.tests, results, matrix.first_catch, unchecked)


def exit_code(
    matrix: KillMatrix, mismatches: KeyMismatches, fail_under: float | None = None
) -> ExitCode:
    """Survivors fail the gate, unless a score threshold is given: then the score decides.

    A broken curated mutation (CompileError / RuntimeError) and an answer key that does not
    match fail it too, each with its own code; the first reason in this order wins. Last, a
    `--max-time` budget spent with mutants left unchecked (BUDGET_SPENT): what was checked
    passed, but not everything was checked.
    """
    verdicts = {r.verdict for r in matrix.results}
    if fail_under is not None:
        score = matrix.score()
        if score is not None and score < fail_under:
            return ExitCode.SCORE_TOO_LOW
    elif verdicts & {Verdict.SURVIVED, Verdict.NO_COVERAGE}:
        return ExitCode.SURVIVED
    broken = {Verdict.COMPILE_ERROR, Verdict.RUNTIME_ERROR}
    if any(r.verdict in broken and r.mutant.mutation is not None for r in matrix.results):
        return ExitCode.MUTATION_BROKEN
    if mismatches:
        return ExitCode.ANSWER_KEY
    if matrix.unchecked:
        return ExitCode.BUDGET_SPENT
    return ExitCode.OK
