"""The lab's mutants over its workers: N threads, each with a Workspace of its own (the lab's for
the first) and a runner; the first starts with the forced-fail sanity run, and no result is handed
out before that run has passed. A mutant that survives the tests its change reaches waits for a
batched proof on the whole suite (breakit.engine.batch, breakit.engine.trial). Called by
`Lab.run`, which keeps everything else of the loop."""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from breakit.engine import project
from breakit.engine.batch import batches, proved_survivor
from breakit.engine.forced_fail import check_forced_failure, forced_failure_changes
from breakit.engine.runner import Runner
from breakit.engine.trial import first_pass, prove_alone, prove_batch
from breakit.engine.workspace import Workspace
from breakit.model import Baseline, Mutant, MutantResult

if TYPE_CHECKING:
    from breakit.engine.lab import Lab

_SANE, _FAILED = -1, -2  # what a worker hands back besides (index, result)

Finished = tuple[int, MutantResult]


class Jobs:
    """What the workers take, one at a time: a mutant's first pass (an index), or a batch of
    survivors to prove on the whole suite (a list of indices). Survivors wait for a batch until
    no first pass is left to start; a batch that fails comes back as its two halves."""

    def __init__(self, mutants: Sequence[Mutant], todo: Sequence[int], stop: threading.Event):
        self.mutants = mutants
        self.first: collections.deque[int] = collections.deque(todo)
        self.proofs: collections.deque[list[int]] = collections.deque()
        self.waiting: list[int] = []  # survivors of their first pass, in no batch yet
        self.survived: dict[int, MutantResult] = {}  # their first-pass results
        self.busy = 0  # jobs taken and not finished (each may bring a survivor or two halves)
        self.stop = stop
        self._cond = threading.Condition()

    def take(self) -> int | list[int] | None:
        """The next job; None once none is left and none can come."""
        with self._cond:
            while not self.stop.is_set():
                if self.waiting and not self.first:
                    self.proofs.extend(batches(self.mutants, self.waiting))
                    self.waiting.clear()
                job: int | list[int] | None = None
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

    def finish(self, survived: Finished | None = None, halves: Sequence[list[int]] = ()) -> None:
        """A job is done. `survived`: its mutant survived its first pass and waits for a batch;
        `halves`: a failed batch's, each to be proved again."""
        with self._cond:
            self.busy -= 1
            if survived is not None:
                self.survived[survived[0]] = survived[1]
                self.waiting.append(survived[0])
            self.proofs.extend(halves)
            self._cond.notify_all()


def run_parallel(
    lab: Lab,
    mutants: Sequence[Mutant],
    plans: Sequence[tuple[str, ...] | None],
    todo: Sequence[int],
    baseline: Baseline,
) -> Iterator[Finished]:
    """(index, result) as the workers finish them; everything stopped on Ctrl-C or error.

    The first worker starts with the forced-fail sanity run while the others already run
    mutants, but no result is handed out before the sanity run has passed.
    """
    done: queue.SimpleQueue[tuple[int, MutantResult | BaseException | None]] = queue.SimpleQueue()
    stop = threading.Event()
    jobs = Jobs(mutants, todo, stop)
    sanity = lab.sanity_check and not lab._sane
    count = lab.workers_for(baseline, [plans[index] for index in todo])
    count = max(1, min(count, len(todo) + sanity))
    runners = [lab.new_runner() for _ in range(count)]

    def do(job: int | list[int], runner: Runner, workspace: Workspace) -> None:
        if isinstance(job, int):
            result, waits = first_pass(lab, runner, workspace, mutants[job], baseline, plans[job])
            if waits:
                return jobs.finish(survived=(job, result))
            done.put((job, result))
            return jobs.finish()
        firsts = [jobs.survived[index] for index in job]
        if len(job) == 1:
            done.put((job[0], prove_alone(lab, runner, workspace, firsts[0], baseline)))
            return jobs.finish()
        passed, spent = prove_batch(lab, runner, workspace, [mutants[i] for i in job], baseline)
        if not passed:  # a member is caught (or two are, together): halve, and again
            return jobs.finish(halves=[job[: len(job) // 2], job[len(job) // 2 :]])
        for index, first in zip(job, firsts, strict=True):
            done.put((index, proved_survivor(first, baseline, spent / len(job))))
        return jobs.finish()

    def work(slot: int, workspace: Workspace) -> None:
        runner = runners[slot]
        try:
            runner.start()
            if slot == 0 and sanity:
                changes = forced_failure_changes(lab.config)
                if changes:
                    lab.sanity_runs += 1
                    spec = lab.spec(lab.timeout_for(baseline))
                    names = lab.project_names() & project.source_names(lab.config)
                    check_forced_failure(lab.config, runner, workspace, changes, spec, names)
                done.put((_SANE, None))
            while (job := jobs.take()) is not None:
                do(job, runner, workspace)
        except BaseException as exc:  # handed to the calling thread, which raises it
            done.put((_FAILED, exc))

    held: list[Finished] = []
    with contextlib.ExitStack() as stack:
        workspaces = [lab.workspace]
        for _ in range(count - 1):
            workspaces.append(stack.enter_context(Workspace(lab.config.root)))
        threads = [
            threading.Thread(target=work, args=(slot, workspaces[slot]), daemon=True)
            for slot in range(count)
        ]
        try:
            for thread in threads:
                thread.start()
            for _ in range(len(todo) + sanity):
                while True:
                    try:
                        index, item = done.get(timeout=0.2)
                        break
                    except queue.Empty:
                        if not any(t.is_alive() for t in threads) and done.empty():
                            raise RuntimeError("every worker stopped early") from None
                if isinstance(item, BaseException):
                    raise item
                if index == _SANE:
                    lab._sane = True
                    lab.state.save_sane(lab.sanity_key(baseline))
                    yield from held
                    held.clear()
                elif isinstance(item, MutantResult):
                    if lab._sane or not lab.sanity_check:
                        yield index, item
                    else:
                        held.append((index, item))
        finally:
            stop.set()
            for runner in runners:
                lab.hot_runs += runner.stats.hot_runs
                lab.hot_fallbacks += runner.stats.fallbacks
                lab.warm_workers += runner.stats.warm
                lab.proof_batches += runner.stats.proof_batches
                lab.proofs_alone += runner.stats.proofs_alone
                runner.close()
            for thread in threads:
                thread.join(timeout=10)
