"""What the lab's workers take, one at a time, and in what order: `Jobs`, a state machine over
four kinds of job, with no thread of its own and nothing run (breakit.engine.parallel runs them).

- `SanityRun`: the forced-fail run (breakit.baseline.forced_fail), first, when one is owed;
- `NoCoverageProof`: the proof of the NoCoverage claims (breakit.engine.no_coverage), next;
- `FirstPass(index)`: a mutant on the tests its change reaches;
- `WholeSuiteProof(indices)`: survivors of their first pass, proved together on the whole suite
  (breakit.engine.batch).

Survivors wait for a batch until they can fill one (or no first pass is left to start); a batch
that fails comes back as its halves (or what its failing tests left); claimed mutants the proof
sends to the whole suite come back as first passes. Past `deadline` (time.monotonic()) no job but
an owed sanity run is taken: what is left, and survivors still waiting for a batch, never start.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from breakit.core.model import Mutant, MutantResult
from breakit.engine.batch import BATCH_SIZE, batches


@dataclass(frozen=True)
class SanityRun:
    """The forced-fail run: every source module raising at import must fail the suite."""


@dataclass(frozen=True)
class NoCoverageProof:
    """The one marked run that settles the NoCoverage claims."""


@dataclass(frozen=True)
class FirstPass:
    """Mutant `index` on its planned tests."""

    index: int


@dataclass(frozen=True)
class WholeSuiteProof:
    """Survivors `indices` (one or more) proved on the whole suite at once."""

    indices: tuple[int, ...]


Job = SanityRun | NoCoverageProof | FirstPass | WholeSuiteProof


class Jobs:
    """The jobs of one run, taken by any number of threads (`take` blocks until one is ready or
    none can come) and reported done with `finish`."""

    def __init__(
        self,
        mutants: Sequence[Mutant],
        todo: Sequence[int],
        stop: threading.Event,
        *,
        hot: Collection[int] = (),
        proof: bool = False,
        sanity: bool = False,
        deadline: float | None = None,
    ):
        self.mutants = mutants
        self.hot = frozenset(hot)  # mutants a hot session runs: their batches run hot too
        self.sanity_owed = sanity
        self.proof_owed = proof  # the NoCoverage proof, not yet taken
        self._early_at = 2 * BATCH_SIZE  # hot survivors waiting before full batches form early
        self.first: collections.deque[int] = collections.deque(todo)
        # Fresh first passes not finished: fresh survivors' batches form once there are none.
        self.fresh_left = sum(1 for index in todo if index not in self.hot)
        self.batches: collections.deque[tuple[int, ...]] = collections.deque()
        self.waiting: list[int] = []  # survivors of their first pass, in no batch yet
        self.survived: dict[int, MutantResult] = {}  # their first-pass results
        self.busy = 0  # jobs taken and not finished (each may bring a survivor or two halves)
        self.stop = stop
        self.deadline = deadline
        self._cond = threading.Condition()

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def take(self, wait_s: float = 0.2) -> Job | None:
        """The next job; None once none is left and none can come (or on `stop`, or past the
        deadline). `wait_s`: how often a thread waiting for one looks at the clock."""
        with self._cond:
            if self.sanity_owed and not self.stop.is_set():
                self.sanity_owed = False
                self.busy += 1
                return SanityRun()
            while not self.stop.is_set() and not self.out_of_time():
                job = self._next()
                if job is not None:
                    self.busy += 1
                    return job
                if self.busy == 0:
                    return None
                self._cond.wait(wait_s)
            return None

    def _next(self) -> Job | None:
        if self.proof_owed:
            self.proof_owed = False
            return NoCoverageProof()
        self._form_batches()
        if self.batches:
            return WholeSuiteProof(self.batches.popleft())
        if self.first:
            return FirstPass(self.first.popleft())
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
            self._add_batches(batches(self.mutants, fresh))
            self.waiting = [index for index in self.waiting if index in self.hot]
        hot = [index for index in self.waiting if index in self.hot]
        if not hot:
            return
        if not self.first:
            self._add_batches(batches(self.mutants, hot))
            self.waiting.clear()
            return
        if len(hot) < self._early_at:
            return
        full = [batch for batch in batches(self.mutants, hot) if len(batch) == BATCH_SIZE]
        self._early_at = len(hot) + BATCH_SIZE  # tried: not again before a batch more waits
        if full:
            self._add_batches(full)
            taken = {index for batch in full for index in batch}
            self.waiting = [index for index in self.waiting if index not in taken]
            self._early_at = 2 * BATCH_SIZE

    def _add_batches(self, more: Sequence[Sequence[int]]) -> None:
        self.batches.extend(tuple(batch) for batch in more)

    def finish(
        self,
        job: Job,
        *,
        survived: MutantResult | None = None,
        halves: Sequence[Sequence[int]] = (),
        whole_suite: Collection[int] = (),
    ) -> None:
        """`job` is done. A first pass's `survived`: its result, the mutant surviving its tests
        and waiting for a batch; `halves`: a failed batch's, each to be proved again;
        `whole_suite`: claimed mutants the proof sent to the whole suite, to run next (fresh)."""
        with self._cond:
            self.busy -= 1
            if isinstance(job, FirstPass):
                if job.index not in self.hot:
                    self.fresh_left -= 1
                if survived is not None:
                    self.survived[job.index] = survived
                    self.waiting.append(job.index)
            self.fresh_left += len(whole_suite)
            self._add_batches(halves)
            self.first.extendleft(sorted(whole_suite, reverse=True))
            self._cond.notify_all()
