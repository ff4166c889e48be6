"""The lab's mutants over its workers: N threads, each with a Workspace of its own (the lab's for
the first) and a runner; the first starts with the forced-fail sanity run, and no result is handed
out before that run has passed. A mutant that survives the tests its change reaches waits for a
batched proof on the whole suite (breakit.engine.batch, breakit.engine.trial). Past the lab's
deadline (`check --max-time`) no job starts; those running finish, and the workers stop. Called by
`Lab.run`, which keeps everything else of the loop."""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from breakit.baseline import project_modules
from breakit.baseline.forced_fail import check_forced_failure, forced_failure_changes
from breakit.core.model import Baseline, Mutant, MutantResult, Verdict
from breakit.engine.batch import BATCH_SIZE, batches, passed_by_all, proved_survivor
from breakit.engine.no_coverage import PendingProof
from breakit.engine.selection import TestPlan
from breakit.engine.trial import (
    BatchProof,
    first_pass,
    prove_alone,
    prove_batch,
    run_suspects,
)
from breakit.engine.verdict import no_coverage
from breakit.runners.run_spec import Runner
from breakit.runners.workspace import Workspace

if TYPE_CHECKING:
    from breakit.engine.lab import Lab

_SANE, _FAILED, _OUT = -1, -2, -4  # what a worker hands back besides (index, result)
PROOF = -3  # the job of proving the NoCoverage claims (breakit.engine.no_coverage)

Finished = tuple[int, MutantResult]
Job = int | list[int]  # a first pass (or PROOF), or a batch of survivors


class Jobs:
    """What the workers take, one at a time: the NoCoverage proof (PROOF, first), a mutant's
    first pass (an index), or a batch of survivors to prove on the whole suite (a list of
    indices). Survivors wait for a batch until no first pass is left to start; a batch that
    fails comes back as its two halves; claimed mutants the proof sends to the whole suite come
    back as first passes. Past `deadline` (time.monotonic()) no job is taken: what is left, and
    survivors still waiting for a batch, are never started."""

    def __init__(
        self,
        mutants: Sequence[Mutant],
        todo: Sequence[int],
        stop: threading.Event,
        hot: Collection[int] = (),
        proof: bool = False,
        deadline: float | None = None,
    ):
        self.mutants = mutants
        self.hot = frozenset(hot)  # mutants a hot session runs: their batches run hot too
        self.proof_owed = proof  # the NoCoverage proof, not yet taken
        self._early_at = 2 * BATCH_SIZE  # hot survivors waiting before full batches form early
        self.first: collections.deque[int] = collections.deque(todo)
        # Fresh first passes not finished: fresh survivors' batches form once there are none.
        self.fresh_left = sum(1 for index in todo if index not in hot)
        self.proofs: collections.deque[list[int]] = collections.deque()
        self.waiting: list[int] = []  # survivors of their first pass, in no batch yet
        self.survived: dict[int, MutantResult] = {}  # their first-pass results
        self.busy = 0  # jobs taken and not finished (each may bring a survivor or two halves)
        self.stop = stop
        self.deadline = deadline
        self._cond = threading.Condition()

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def take(self) -> Job | None:
        """The next job; None once none is left and none can come."""
        with self._cond:
            while not self.stop.is_set() and not self.out_of_time():
                if self.proof_owed:
                    self.proof_owed = False
                    self.busy += 1
                    return PROOF
                self._form_batches()
                job: Job | None = None
                if self.proofs:
                    job = self.proofs.popleft()
                elif self.first:
                    job = self.first.popleft()
                elif self.busy == 0:
                    return None
                if job is not None:
                    self.busy += 1
                    return job
                self._cond.wait(0.2)
            return None

    def _form_batches(self) -> None:
        """Batches of the survivors waiting, formed as soon as they can be full, so that
        proofs on a suite that sleeps share the cores with first passes that compute rather than
        all run at the end: the fresh survivors' once every fresh first pass is over (they run
        first, before the workers open their hot sessions); the hot survivors' full batches as
        soon as two batches' worth wait, and all the rest once no first pass is left."""
        if not self.waiting:
            return
        fresh = [index for index in self.waiting if index not in self.hot]
        if fresh and self.fresh_left == 0:
            self.proofs.extend(batches(self.mutants, fresh))
            self.waiting = [index for index in self.waiting if index in self.hot]
        hot = [index for index in self.waiting if index in self.hot]
        if not hot:
            return
        if not self.first:
            self.proofs.extend(batches(self.mutants, hot))
            self.waiting.clear()
            return
        if len(hot) < self._early_at:
            return
        full = [batch for batch in batches(self.mutants, hot) if len(batch) == BATCH_SIZE]
        self._early_at = len(hot) + BATCH_SIZE  # tried: not again before a batch more waits
        if full:
            self.proofs.extend(full)
            taken = {index for batch in full for index in batch}
            self.waiting = [index for index in self.waiting if index not in taken]
            self._early_at = 2 * BATCH_SIZE

    def finish(
        self,
        first: int | None = None,
        survived: MutantResult | None = None,
        halves: Sequence[list[int]] = (),
        whole_suite: Collection[int] = (),
    ) -> None:
        """A job is done. `first`: the mutant whose first pass it was, and `survived` its
        result if it survived it and waits for a batch; `halves`: a failed batch's, each to be
        proved again; `whole_suite`: claimed mutants the proof sent to the whole suite, to run
        next (fresh)."""
        with self._cond:
            self.busy -= 1
            if first is not None and first not in self.hot:
                self.fresh_left -= 1
            if first is not None and survived is not None:
                self.survived[first] = survived
                self.waiting.append(first)
            self.fresh_left += len(whole_suite)
            self.proofs.extend(halves)
            self.first.extendleft(sorted(whole_suite, reverse=True))
            self._cond.notify_all()


def run_parallel(
    lab: Lab,
    mutants: Sequence[Mutant],
    plans: list[TestPlan],
    todo: Sequence[int],
    baseline: Baseline,
    proof: PendingProof | None = None,
) -> Iterator[Finished]:
    """(index, result) as the workers finish them (those of `proof`'s claimed mutants too);
    everything stopped on Ctrl-C or error. `plans` is the lab's list: the proof updates it.

    The first worker starts with the forced-fail sanity run while the others already run
    mutants (one of them the NoCoverage proof first), but no result is handed out before the
    sanity run has passed.
    """
    return _Workers(lab, mutants, plans, todo, baseline, proof).results()


class _Workers:
    """One run_parallel: the jobs, the worker threads, and the queue of what they finish."""

    def __init__(
        self,
        lab: Lab,
        mutants: Sequence[Mutant],
        plans: list[TestPlan],
        todo: Sequence[int],
        baseline: Baseline,
        proof: PendingProof | None,
    ) -> None:
        self.lab, self.mutants, self.plans, self.baseline = lab, mutants, plans, baseline
        self.proof = proof
        self.done: queue.SimpleQueue[tuple[int, MutantResult | BaseException | None]] = (
            queue.SimpleQueue()
        )
        self.stop = threading.Event()
        hot = [i for i in todo if lab.is_hot(mutants[i], baseline)]
        self.jobs = Jobs(
            mutants, todo, self.stop, hot=hot, proof=proof is not None, deadline=lab.deadline
        )
        self.claimed = proof.indices if proof else frozenset()
        self.sanity = lab.sanity_check and not lab.sane
        # Everything a worker hands back: a result per mutant, and the sanity run's end.
        self.expected = len(todo) + len(self.claimed) + self.sanity
        count = lab.workers_for(baseline, [plans[index] for index in todo])
        self.count = max(1, min(count, self.expected))
        self.runners: list[Runner] = []

    def do(self, job: Job, runner: Runner, workspace: Workspace) -> None:
        lab, mutants, baseline = self.lab, self.mutants, self.baseline
        jobs, done = self.jobs, self.done
        if job == PROOF:
            assert self.proof is not None
            moved = self.proof.run(lab, runner, workspace, baseline, self.plans)
            for index in sorted(self.claimed - moved):
                done.put((index, no_coverage(mutants[index], baseline)))
            return jobs.finish(whole_suite=moved)
        if isinstance(job, int):
            plan = self.plans[job]
            result, waits = first_pass(lab, runner, workspace, mutants[job], baseline, plan.tests)
            if waits:
                return jobs.finish(first=job, survived=result)
            done.put((job, result))
            return jobs.finish(first=job)
        firsts = [jobs.survived[index] for index in job]
        if len(job) == 1:
            done.put((job[0], prove_alone(lab, runner, workspace, firsts[0], baseline)))
            return jobs.finish()
        members = [mutants[i] for i in job]
        proof = prove_batch(lab, runner, workspace, members, baseline, passed_by_all(firsts))
        if not proof.passed:
            halves = self.after_failed_batch(job, firsts, proof, runner, workspace)
            return jobs.finish(halves=halves)
        for index, first in zip(job, firsts, strict=True):
            done.put((index, proved_survivor(first, baseline, proof.spent_s / len(job))))
        return jobs.finish()

    def after_failed_batch(
        self,
        job: list[int],
        firsts: Sequence[MutantResult],
        proof: BatchProof,
        runner: Runner,
        workspace: Workspace,
    ) -> list[list[int]]:
        """The batches to prove next, once `job` failed. Its members run the failing tests alone
        (trial.run_suspects): those caught are done (first-catch: that run is their verdict) or
        proved alone (the full matrix needs their whole row); the others have passed those
        tests alone and are proved again as one batch that skips them. Halved instead when the
        run gave no failing test (it died, hung or broke) or the failing tests need the tests
        before them."""
        halves = [job[: len(job) // 2], job[len(job) // 2 :]]
        if not proof.suspects or not all(index in self.jobs.hot for index in job):
            return halves
        results = run_suspects(self.lab, runner, workspace, firsts, self.baseline, proof.suspects)
        if results is None:
            return halves
        passed = [result for result in results if result.verdict is Verdict.SURVIVED]
        if passed and not set(proof.suspects) <= passed_by_all(passed):
            return halves  # no progress: the batch would fail on the same tests again
        rest: list[int] = []
        caught: list[int] = []
        for index, result in zip(job, results, strict=True):
            if result.verdict is Verdict.SURVIVED:
                self.jobs.survived[index] = result  # read by passed_by_all: skips the suspects
                rest.append(index)
            elif self.lab.first_catch:
                self.done.put((index, result))
                runner.stats.caught_by_failing_test += 1
            else:
                caught.append(index)
                runner.stats.caught_by_failing_test += 1
        return [*([index] for index in caught), *([rest] if rest else [])]

    def sanity_run(self, runner: Runner, workspace: Workspace) -> None:
        lab = self.lab
        changes = forced_failure_changes(lab.config)
        if changes:
            lab.sanity_runs += 1
            spec = lab.spec(lab.timeout_for(self.baseline))
            names = lab.project_names() & project_modules.source_names(lab.config)
            check_forced_failure(lab.config, runner, workspace, changes, spec, names)
        self.done.put((_SANE, None))

    def work(self, runner: Runner, workspace: Workspace, *, first: bool) -> None:
        try:
            runner.start()
            if first and self.sanity:
                self.sanity_run(runner, workspace)
            while (job := self.jobs.take()) is not None:
                self.do(job, runner, workspace)
        except BaseException as exc:  # handed to the calling thread, which raises it
            self.done.put((_FAILED, exc))

    def results(self) -> Iterator[Finished]:
        with contextlib.ExitStack() as stack:
            stack.callback(self.close)
            self.runners.extend(self.lab.take_runners(self.count))
            workspaces = [self.lab.workspace]
            for _ in range(self.count - 1):
                workspaces.append(stack.enter_context(Workspace(self.lab.config.root)))
            pairs = enumerate(zip(self.runners, workspaces, strict=True))
            threads = [
                threading.Thread(target=self.work, args=pair, kwargs={"first": slot == 0})
                for slot, pair in pairs
            ]
            for thread in threads:
                thread.daemon = True
            try:
                for thread in threads:
                    thread.start()
                yield from self.handed_out(threads)
            finally:
                self.stop.set()
                self.close()
                for thread in threads:
                    thread.join(timeout=10)

    def handed_out(self, threads: Sequence[threading.Thread]) -> Iterator[Finished]:
        """The results as they come, held until the sanity run has passed; fewer than expected
        when the deadline stopped the workers."""
        lab = self.lab
        held: list[Finished] = []
        for _ in range(self.expected):
            index, item = self.next_done(threads)
            if isinstance(item, BaseException):
                raise item
            if index == _OUT:
                return
            if index == _SANE:
                lab.sane = True
                lab.state.save_sane(lab.sanity_key(self.baseline))
                yield from held
                held.clear()
            elif isinstance(item, MutantResult):
                if lab.sane or not lab.sanity_check:
                    yield index, item
                else:
                    held.append((index, item))

    def next_done(
        self, threads: Sequence[threading.Thread]
    ) -> tuple[int, MutantResult | BaseException | None]:
        while True:
            try:
                return self.done.get(timeout=0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and self.done.empty():
                    if self.jobs.out_of_time():  # the deadline: nothing more will come
                        return _OUT, None
                    raise RuntimeError("every worker stopped early") from None

    def close(self) -> None:
        """Every runner closed, once, its counts added to the lab's."""
        lab = self.lab
        while self.runners:
            runner = self.runners.pop()
            lab.stats.add(runner.stats)
            runner.close()
