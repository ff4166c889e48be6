"""The lab's mutants over its workers: N threads, each with a Workspace of its own (the lab's for
the first) and a runner, taking jobs from breakit.engine.scheduler until none is left: the
forced-fail sanity run (no result is handed out before it has passed), the NoCoverage proof,
first passes, batched proofs of survivors (breakit.engine.batch, breakit.engine.trial). Past the
run's deadline (`check --max-time`) no job starts; those running finish, and the workers stop.

`Workers` is handed a `RunPolicy` (breakit.engine.policy), never the Lab: what it finds besides
the results (its runners' counts, the sanity runs, what the proof found) it keeps as values the
lab reads once the run is over (breakit.engine.run_outcome). What must outlive an interrupted
run (a passed sanity run, the proof's findings) goes straight to the store.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from breakit.baseline import project_modules
from breakit.baseline.forced_fail import check_forced_failure, forced_failure_changes
from breakit.core.model import Mutant, MutantResult, Verdict
from breakit.engine.batch import passed_by_all, proved_survivor
from breakit.engine.no_coverage import PendingProof
from breakit.engine.policy import RunPolicy
from breakit.engine.run_outcome import ProofFacts
from breakit.engine.scheduler import (
    FirstPass,
    Job,
    Jobs,
    NoCoverageProof,
    SanityRun,
    WholeSuiteProof,
)
from breakit.engine.selection import TestPlan
from breakit.engine.trial import BatchProof, first_pass, prove_alone, prove_batch, run_suspects
from breakit.engine.verdict import no_coverage
from breakit.runners.run_spec import Runner, RunStats
from breakit.runners.workspace import Workspace
from breakit.store.gateway import Store


@dataclass(frozen=True)
class Done:
    """A mutant's result, as a worker hands it back (the mutant is `result.mutant`)."""

    result: MutantResult


@dataclass(frozen=True)
class Sane:
    """The sanity run passed: results may be handed out."""


@dataclass(frozen=True)
class Failed:
    """A worker thread raised: the calling thread raises it."""

    error: BaseException


Message = Done | Sane | Failed


class Workers:
    """One run's workers: the jobs, the threads, the queue of what they finish, and what they
    found besides (`stats`, `sanity_runs`, `proof`)."""

    def __init__(
        self,
        policy: RunPolicy,
        mutants: Sequence[Mutant],
        plans: list[TestPlan],
        todo: Sequence[Mutant],
        *,
        proof: PendingProof | None,
        sanity: bool,
        store: Store,
        count: int,
    ) -> None:
        """`plans`: each of `mutants`' (the lab's list: the proof updates it); `todo`: the
        mutants to run, in order; `count`: threads wanted (no more than there is work for)."""
        self.policy, self.mutants, self.plans = policy, mutants, plans
        self.position = {mutant.id: index for index, mutant in enumerate(mutants)}
        self.pending_proof, self.store = proof, store
        self.done: queue.SimpleQueue[Message] = queue.SimpleQueue()
        self.stop = threading.Event()
        hot = [mutant.id for mutant in todo if policy.is_hot(mutant)]
        self.jobs = Jobs(
            todo,
            self.stop,
            hot=hot,
            proof=proof is not None,
            sanity=sanity,
            deadline=policy.deadline,
        )
        self.claimed = proof.indices if proof else frozenset()
        # Everything a worker hands back: a result per mutant, and the sanity run's end.
        self.expected = len(todo) + len(self.claimed) + sanity
        self.count = max(1, min(count, self.expected))
        self.runners: list[Runner] = []
        # What the run found besides its results, read once it is over.
        self.stats = RunStats()  # every runner's counts, once closed
        self.sanity_runs = 0
        self.sane = not sanity  # no result is handed out before the sanity run passed
        self.proof: ProofFacts | None = None
        self.first_mutant_at: float | None = None  # time.monotonic() as the first one started

    def do(self, job: Job, runner: Runner, workspace: Workspace) -> None:
        policy, done = self.policy, self.done
        if isinstance(job, SanityRun):
            self.sanity_run(runner, workspace)
            return self.jobs.finish(job)
        if isinstance(job, NoCoverageProof):
            assert self.pending_proof is not None
            moved, self.proof = self.pending_proof.run(
                policy, runner, workspace, self.plans, self.store
            )
            for index in sorted(self.claimed - moved):
                done.put(Done(no_coverage(self.mutants[index], policy.baseline)))
            whole_suite = [self.mutants[index] for index in sorted(moved)]
            return self.jobs.finish(job, whole_suite=whole_suite)
        if isinstance(job, FirstPass):
            if self.first_mutant_at is None:
                self.first_mutant_at = time.monotonic()
            plan = self.plans[self.position[job.mutant.id]]
            result, waits = first_pass(policy, runner, workspace, job.mutant, plan.tests)
            if waits:
                return self.jobs.finish(job, survived=result)
            done.put(Done(result))
            return self.jobs.finish(job)
        return self.prove(job, runner, workspace)

    def prove(self, job: WholeSuiteProof, runner: Runner, workspace: Workspace) -> None:
        """Survivors `job.mutants` on the whole suite: alone, or as one batch."""
        policy, done, members = self.policy, self.done, job.mutants
        firsts = [self.jobs.survived[mutant.id] for mutant in members]
        if len(members) == 1:
            done.put(Done(prove_alone(policy, runner, workspace, firsts[0])))
            return self.jobs.finish(job)
        proof = prove_batch(policy, runner, workspace, members, passed_by_all(firsts))
        if not proof.passed:
            halves = self.after_failed_batch(members, firsts, proof, runner, workspace)
            return self.jobs.finish(job, halves=halves)
        for first in firsts:
            done.put(Done(proved_survivor(first, policy.baseline, proof.spent_s / len(members))))
        return self.jobs.finish(job)

    def after_failed_batch(
        self,
        members: tuple[Mutant, ...],
        firsts: Sequence[MutantResult],
        proof: BatchProof,
        runner: Runner,
        workspace: Workspace,
    ) -> list[list[Mutant]]:
        """The batches to prove next, once `members` failed. Its members run the failing tests
        alone (trial.run_suspects): those caught are done (first-catch: that run is their
        verdict) or proved alone (the full matrix needs their whole row); the others have passed
        those tests alone and are proved again as one batch that skips them. Halved instead when
        the run gave no failing test (it died, hung or broke) or the failing tests need the tests
        before them."""
        job = list(members)
        halves = [job[: len(job) // 2], job[len(job) // 2 :]]
        if not proof.suspects or not all(mutant.id in self.jobs.hot for mutant in job):
            return halves
        results = run_suspects(self.policy, runner, workspace, firsts, proof.suspects)
        if results is None:
            return halves
        passed = [result for result in results if result.verdict is Verdict.SURVIVED]
        if passed and not set(proof.suspects) <= passed_by_all(passed):
            return halves  # no progress: the batch would fail on the same tests again
        rest: list[Mutant] = []
        caught: list[Mutant] = []
        for mutant, result in zip(job, results, strict=True):
            if result.verdict is Verdict.SURVIVED:
                # Read by passed_by_all: its batch skips the suspects.
                self.jobs.survived[mutant.id] = result
                rest.append(mutant)
            elif self.policy.first_catch:
                self.done.put(Done(result))
                runner.stats.caught_by_failing_test += 1
            else:
                caught.append(mutant)
                runner.stats.caught_by_failing_test += 1
        return [*([mutant] for mutant in caught), *([rest] if rest else [])]

    def sanity_run(self, runner: Runner, workspace: Workspace) -> None:
        policy = self.policy
        changes = forced_failure_changes(policy.config)
        if changes:
            self.sanity_runs += 1
            spec = policy.spec(policy.timeout_for())
            names = policy.project_names & project_modules.source_names(policy.config)
            check_forced_failure(policy.config, runner, workspace, changes, spec, names)
        self.done.put(Sane())

    def work(self, runner: Runner, workspace: Workspace) -> None:
        try:
            runner.start()
            while (job := self.jobs.take()) is not None:
                self.do(job, runner, workspace)
        except BaseException as exc:  # handed to the calling thread, which raises it
            self.done.put(Failed(exc))

    def results(
        self, take_runners: Callable[[int], list[Runner]], workspace: Workspace
    ) -> Iterator[Done]:
        """Each mutant's result as the workers finish it (those of the proof's claimed mutants
        too), held until the sanity run has passed; everything stopped on Ctrl-C or error.
        `take_runners(n)`: n runners (the lab's); `workspace`: the first thread's."""
        with contextlib.ExitStack() as stack:
            stack.callback(self.close)
            self.runners.extend(take_runners(self.count))
            workspaces = [workspace]
            for _ in range(self.count - 1):
                workspaces.append(stack.enter_context(Workspace(self.policy.config.root)))
            threads = [
                threading.Thread(target=self.work, args=pair, daemon=True)
                for pair in zip(self.runners, workspaces, strict=True)
            ]
            try:
                for thread in threads:
                    thread.start()
                yield from self.handed_out(threads)
            finally:
                self.stop.set()
                self.close()
                for thread in threads:
                    thread.join(timeout=10)

    def handed_out(self, threads: Sequence[threading.Thread]) -> Iterator[Done]:
        """The results as they come, held until the sanity run has passed; fewer than expected
        when the deadline stopped the workers."""
        held: list[Done] = []
        for _ in range(self.expected):
            message = self.next_done(threads)
            if message is None:
                return
            if isinstance(message, Failed):
                raise message.error
            if isinstance(message, Sane):
                self.sane = True
                self.store.save_sane(self.policy.sanity_key)
                yield from held
                held.clear()
            elif self.sane:
                yield message
            else:
                held.append(message)

    def next_done(self, threads: Sequence[threading.Thread]) -> Message | None:
        """The next message; None once the deadline stopped the workers."""
        while True:
            try:
                return self.done.get(timeout=0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and self.done.empty():
                    if self.jobs.out_of_time():  # the deadline: nothing more will come
                        return None
                    raise RuntimeError("every worker stopped early") from None

    def close(self) -> None:
        """Every runner closed, once, its counts added to the run's."""
        while self.runners:
            runner = self.runners.pop()
            self.stats.add(runner.stats)
            runner.close()
