"""One mutant's runs, for the lab's workers (breakit.engine.parallel): its first pass on the tests
its change reaches, and, when it survives them, its proof on the whole suite — alone, or in a batch
with other survivors (breakit.engine.batch)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from breakit.engine.batch import merged_mutant
from breakit.engine.compact import compact_result
from breakit.engine.runner import Runner, RunSpec
from breakit.engine.verdict import judge, mutant_result, outcomes_for
from breakit.engine.workspace import Workspace
from breakit.model import Baseline, Mutant, MutantResult, SuiteRun, Verdict

if TYPE_CHECKING:
    from collections.abc import Sequence, Set

    from breakit.engine.lab import Lab


def _run_on(
    lab: Lab,
    runner: Runner,
    workspace: Workspace,
    mutant: Mutant,
    baseline: Baseline,
    spec: RunSpec,
) -> SuiteRun:
    """One run of `spec` with `mutant` in the code: hot if it may, else fresh."""
    # A hot session is collected once per worker, from the workspace before the change.
    hot = lab.is_hot(mutant, baseline) and runner.open_session(workspace.path, lab.spec())
    with workspace.mutated(mutant.changes) as workdir:
        if hot:  # hot_eligible: no file deleted
            changes = {p: text for p, text in mutant.changes.items() if text is not None}
            hot_timeout = lab.timeout_for(baseline, spec.nodeids, hot=True)
            spec = replace(spec, hot_timeout_s=hot_timeout)
            return runner.run_hot(workdir, spec, changes)
        return runner.run(workdir, spec)


def _mutant_spec(
    lab: Lab, mutant: Mutant, baseline: Baseline, nodeids: tuple[str, ...] | None
) -> RunSpec:
    spec = lab.spec(lab.timeout_for(baseline, nodeids), nodeids)
    if lab.killer_first is not None:
        tests = lab.killer_first.order(mutant, baseline.tests if nodeids is None else nodeids)
        spec = replace(spec, order=tests, first_catch=True)
    return spec


def first_pass(
    lab: Lab,
    runner: Runner,
    workspace: Workspace,
    mutant: Mutant,
    baseline: Baseline,
    chosen: tuple[str, ...] | None,
) -> tuple[MutantResult, bool]:
    """`mutant` on its planned tests: its result, and True if it survived them and waits for
    a batched proof on the whole suite (breakit.engine.batch); a mutant that cannot wait is
    proved here, alone."""
    if lab.first_mutant_at is None:
        lab.first_mutant_at = time.monotonic()
    started = time.perf_counter()
    if chosen is None:  # first-catch may try a few of the whole suite's tests first
        chosen = lab.whole_suite_first_pass(mutant, baseline)
    if chosen == () and lab.batch_proofs:
        # No test to try first (engine.name_readers): no run, straight to the batched proof.
        nothing = SuiteRun(outcomes={}, order=(), duration_s=0.0, exit_status=0)
        return compact_result(mutant_result(mutant, nothing, baseline.tests, 0.0), baseline), True
    run = _run_on(
        lab, runner, workspace, mutant, baseline, _mutant_spec(lab, mutant, baseline, chosen)
    )
    result = mutant_result(mutant, run, baseline.tests, time.perf_counter() - started)
    if result.verdict is not Verdict.SURVIVED or chosen is None:
        return compact_result(result, baseline), False
    if lab.batch_proofs:
        return compact_result(result, baseline), True
    # A survivor on a subset counts once the whole suite passed (docs/field.md, disagreement 5).
    return prove_alone(lab, runner, workspace, result, baseline), False


def prove_alone(
    lab: Lab, runner: Runner, workspace: Workspace, first: MutantResult, baseline: Baseline
) -> MutantResult:
    """A survivor of its planned tests, on the whole suite: its verdict is this run's."""
    started = time.perf_counter()
    mutant = first.mutant
    run = _run_on(
        lab, runner, workspace, mutant, baseline, _mutant_spec(lab, mutant, baseline, None)
    )
    spent = first.duration_s + time.perf_counter() - started
    runner.stats.proofs_alone += 1
    return compact_result(mutant_result(mutant, run, baseline.tests, spent), baseline)


def prove_batch(
    lab: Lab,
    runner: Runner,
    workspace: Workspace,
    members: Sequence[Mutant],
    baseline: Baseline,
    passed_alone: Set[str] = frozenset(),
) -> tuple[bool, float]:
    """The whole suite with every member in the code at once (breakit.engine.batch), stopping
    at the first test that fails: True if every test passed; and how long it took. The tests
    in `passed_alone` each member already passed with itself alone in the code (its first pass)
    are not run again: each member has then met every test of the suite."""
    started = time.perf_counter()
    merged = merged_mutant(members)
    nodeids = tuple(t for t in baseline.tests if t not in passed_alone)
    if not nodeids:
        return True, 0.0
    whole = len(nodeids) == len(baseline.tests)
    spec = lab.spec(
        lab.timeout_for(baseline, None if whole else nodeids), None if whole else nodeids
    )
    spec = replace(spec, first_catch=True)
    run = _run_on(lab, runner, workspace, merged, baseline, spec)
    verdict, _ = judge(run, outcomes_for(run, baseline.tests))
    runner.stats.proof_batches += 1
    return verdict is Verdict.SURVIVED, time.perf_counter() - started
