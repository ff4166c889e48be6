"""One mutant's runs, for the lab's workers (breakit.engine.parallel), under the run's policy
(breakit.engine.policy): its first pass on the tests
its change reaches, and, when it survives them, its proof on the whole suite — alone, or in a batch
with other survivors (breakit.engine.batch)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from breakit.core.model import Mutant, MutantResult, Outcome, SuiteRun, Verdict
from breakit.engine.batch import merged_mutant
from breakit.engine.kept_result import compact_result
from breakit.engine.order_check import out_of_order_catchers
from breakit.engine.verdict import judge, mutant_result, outcomes_for
from breakit.runners.run_spec import Runner, RunSpec
from breakit.runners.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import Sequence, Set

    from breakit.engine.policy import RunPolicy


def _run_on(
    policy: RunPolicy, runner: Runner, workspace: Workspace, mutant: Mutant, spec: RunSpec
) -> SuiteRun:
    """One run of `spec` with `mutant` in the code: hot if it may, else fresh."""
    # A hot session is collected once per worker, from the workspace before the change.
    hot = policy.is_hot(mutant) and runner.open_session(workspace.path, policy.spec())
    with workspace.mutated(mutant.changes) as workdir:
        if hot:  # hot_eligible: no file deleted
            changes = {p: text for p, text in mutant.changes.items() if text is not None}
            hot_timeout = policy.timeout_for(spec.nodeids, hot=True)
            spec = replace(spec, hot_timeout_s=hot_timeout)
            return runner.run_hot(workdir, spec, changes)
        return runner.run(workdir, spec)


def _mutant_spec(policy: RunPolicy, mutant: Mutant, nodeids: tuple[str, ...] | None) -> RunSpec:
    spec = policy.spec(policy.timeout_for(nodeids), nodeids)
    if policy.killer_first is not None:
        everything = policy.baseline.tests if nodeids is None else nodeids
        tests = policy.killer_first.order(mutant, everything)
        spec = replace(spec, order=tests, first_catch=True)
    return spec


def first_pass(
    policy: RunPolicy,
    runner: Runner,
    workspace: Workspace,
    mutant: Mutant,
    chosen: tuple[str, ...] | None,
) -> tuple[MutantResult, bool]:
    """`mutant` on its planned tests: its result, and True if it survived them and waits for
    a batched proof on the whole suite (breakit.engine.batch); a mutant that cannot wait is
    proved here, alone."""
    baseline = policy.baseline
    started = time.perf_counter()
    if chosen is None:  # first-catch may try a few of the whole suite's tests first
        chosen = policy.whole_suite_first_pass(mutant)
    if chosen == () and policy.batch_proofs:
        # No test to try first (engine.name_readers): no run, straight to the batched proof.
        nothing = SuiteRun(outcomes={}, order=(), duration_s=0.0, exit_status=0)
        return compact_result(mutant_result(mutant, nothing, baseline.tests, 0.0), baseline), True
    run = _run_on(policy, runner, workspace, mutant, _mutant_spec(policy, mutant, chosen))
    result = mutant_result(mutant, run, baseline.tests, time.perf_counter() - started)
    if result.verdict is not Verdict.SURVIVED or chosen is None:
        result = as_plain_pytest(policy, runner, workspace, result)
        return compact_result(result, baseline), False
    if policy.batch_proofs:
        return compact_result(result, baseline), True
    # A survivor on a subset counts once the whole suite passed (docs/field.md, disagreement 5).
    return prove_alone(policy, runner, workspace, result), False


def prove_alone(
    policy: RunPolicy, runner: Runner, workspace: Workspace, first: MutantResult
) -> MutantResult:
    """A survivor of its planned tests, on the whole suite: its verdict is this run's."""
    started = time.perf_counter()
    mutant = first.mutant
    run = _run_on(policy, runner, workspace, mutant, _mutant_spec(policy, mutant, None))
    spent = first.duration_s + time.perf_counter() - started
    runner.stats.proofs_alone += 1
    result = mutant_result(mutant, run, policy.baseline.tests, spent)
    return compact_result(as_plain_pytest(policy, runner, workspace, result), policy.baseline)


def as_plain_pytest(
    policy: RunPolicy, runner: Runner, workspace: Workspace, result: MutantResult
) -> MutantResult:
    """`result`, or the mutant's run of the whole suite in file order when a test that caught
    it ran out of file order and fails alone on the unmutated code (engine.order_check): a kill
    plain pytest would not see."""
    if result.verdict is not Verdict.KILLED:
        return result
    doubtful = out_of_order_catchers(result, policy.baseline.tests)

    def check(nodeid: str) -> bool:
        return _passes_on_original(policy, runner, workspace, (nodeid,))

    if all(policy.alone_on_original.passes(nodeid, check) for nodeid in doubtful):
        return result
    started = time.perf_counter()
    spec = replace(policy.spec(policy.timeout_for()), first_catch=policy.first_catch)
    run = _run_on(policy, runner, workspace, result.mutant, spec)
    runner.stats.runs_in_file_order += 1
    spent = result.duration_s + time.perf_counter() - started
    return mutant_result(result.mutant, run, policy.baseline.tests, spent)


def _passes_on_original(
    policy: RunPolicy, runner: Runner, workspace: Workspace, tests: tuple[str, ...]
) -> bool:
    """Whether `tests` pass on the unmutated code, run by themselves (hot where the worker has
    a session open)."""
    spec = policy.spec(policy.timeout_for(tests), tests)
    spec = replace(spec, hot_timeout_s=policy.timeout_for(tests, hot=True))
    run = runner.run_hot(workspace.path, spec, {})
    return judge(run, outcomes_for(run, policy.baseline.tests))[0] is Verdict.SURVIVED


@dataclass(frozen=True)
class BatchProof:
    """A batch's whole-suite run: whether every test passed, how long it took, and, if a test
    failed, the tests that failed or erred (the run stopped at the first: first-catch)."""

    passed: bool
    spent_s: float
    suspects: tuple[str, ...] = ()


def prove_batch(
    policy: RunPolicy,
    runner: Runner,
    workspace: Workspace,
    members: Sequence[Mutant],
    passed_alone: Set[str] = frozenset(),
) -> BatchProof:
    """The whole suite with every member in the code at once (breakit.engine.batch), stopping
    at the first test that fails. The tests in `passed_alone` each member already passed with
    itself alone in the code (its first pass) are not run again: each member has then met every
    test of the suite."""
    started = time.perf_counter()
    baseline = policy.baseline
    merged = merged_mutant(members)
    nodeids = tuple(t for t in baseline.tests if t not in passed_alone)
    if not nodeids:
        return BatchProof(passed=True, spent_s=0.0)
    whole = len(nodeids) == len(baseline.tests)
    chosen = None if whole else nodeids
    spec = replace(policy.spec(policy.timeout_for(chosen), chosen), first_catch=True)
    run = _run_on(policy, runner, workspace, merged, spec)
    outcomes = outcomes_for(run, baseline.tests)
    verdict, _ = judge(run, outcomes)
    runner.stats.proof_batches += 1
    failed = (Outcome.CAUGHT, Outcome.ERRORED)
    suspects = (
        ()
        if run.error or run.timed_out
        else tuple(nodeid for nodeid in run.order if outcomes[nodeid].outcome in failed)
    )
    return BatchProof(verdict is Verdict.SURVIVED, time.perf_counter() - started, suspects)


def run_suspects(
    policy: RunPolicy,
    runner: Runner,
    workspace: Workspace,
    firsts: Sequence[MutantResult],
    suspects: tuple[str, ...],
) -> list[MutantResult] | None:
    """Each member of a failed batch (its first-pass result in `firsts`; hot mutants) alone in
    the code on the batch's failing tests `suspects`, hot: its result with the first pass's tests
    and the suspects'. A member that fails them is caught; one that passes them has now met
    them alone, and its batch need not run them again (batch.passed_by_all). A run of a test or
    two per member, in place of halving the batch down to whole-suite runs of one survivor.
    None if the suspects do not pass on the unmutated code when run alone (they need the tests
    before them): the batch is then halved, as before."""

    def check(nodeid: str) -> bool:
        return _passes_on_original(policy, runner, workspace, (nodeid,))

    if not all(policy.alone_on_original.passes(nodeid, check) for nodeid in suspects):
        return None
    baseline = policy.baseline
    spec = policy.spec(policy.timeout_for(suspects), suspects)
    results = []
    for first in firsts:
        started = time.perf_counter()
        run = _run_on(policy, runner, workspace, first.mutant, spec)
        result = mutant_result(first.mutant, run, baseline.tests, time.perf_counter() - started)
        results.append(compact_result(_after_first(first, result), baseline))
    return results


def _after_first(first: MutantResult, then: MutantResult) -> MutantResult:
    """`then` (a run of a few tests) after `first` (the mutant's first pass): the first pass's
    tests as they went, then `then`'s, in the order they ran, and both runs' time."""
    tests = dict(then.tests)
    for nodeid, outcome in first.tests.items():
        if nodeid not in tests or tests[nodeid].not_reached:
            tests[nodeid] = outcome
    ran = set(first.order)
    order = (*first.order, *(nodeid for nodeid in then.order if nodeid not in ran))
    return replace(then, tests=tests, order=order, duration_s=first.duration_s + then.duration_s)
