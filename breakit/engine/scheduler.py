"""What the lab's workers take, one at a time, and in what order: `Jobs`, a state machine over
four kinds of job, with no thread of its own and nothing run (breakit.engine.parallel runs them).

- `SanityRun`: the forced-fail run (breakit.baseline.forced_fail), first, when one is owed;
- `NoCoverageProof`: the proof of the NoCoverage claims (breakit.engine.no_coverage), next;
- `FirstPass(mutant)`: a mutant on the tests its change reaches;
- `WholeSuiteProof(mutants)`: survivors of their first pass, proved together on the whole suite
  (breakit.engine.batch).

A job carries its mutants themselves; what the scheduler keeps about them (which run hot, which
survived their first pass) it keys by mutant id.

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
    """`mutant` on its planned tests."""

    mutant: Mutant


@dataclass(frozen=True)
class WholeSuiteProof:
    """Survivors (one or more) proved on the whole suite at once."""

    mutants: tuple[Mutant, ...]


Job = SanityRun | NoCoverageProof | FirstPass | WholeSuiteProof


class Jobs:
    """The jobs of one run, taken by any number of threads (`take` blocks until one is ready or
    none can come) and reported done with `finish`."""

    def __init__(
        self,
        todo: Sequence[Mutant],
        stop: threading.Event,
        *,
        hot: Collection[str] = (),
        proof: bool = False,
        sanity: bool = False,
        deadline: float | None = None,
    ):
        """`todo`: the mutants' first passes, in order; `hot`: the ids of those a hot session
        runs (their batches run hot too)."""
        self.hot = frozenset(hot)
        self.sanity_owed = sanity
        self.proof_owed = proof  # the NoCoverage proof, not yet taken
        self._early_at = 2 * BATCH_SIZE  # hot survivors waiting before full batches form early
        self.first: collections.deque[Mutant] = collections.deque(todo)
        # Fresh first passes not finished: fresh survivors' batches form once there are none.
        self.fresh_left = sum(1 for mutant in todo if mutant.id not in self.hot)
        self.batches: collections.deque[tuple[Mutant, ...]] = collections.deque()
        self.waiting: list[Mutant] = []  # survivors of their first pass, in no batch yet
        self.survived: dict[str, MutantResult] = {}  # their first-pass results, by mutant id
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
        fresh = [mutant for mutant in self.waiting if mutant.id not in self.hot]
        if fresh and self.fresh_left == 0:
            self.batches.extend(_batched(fresh))
            self.waiting = [mutant for mutant in self.waiting if mutant.id in self.hot]
        hot = [mutant for mutant in self.waiting if mutant.id in self.hot]
        if not hot:
            return
        if not self.first:
            self.batches.extend(_batched(hot))
            self.waiting.clear()
            return
        if len(hot) < self._early_at:
            return
        full = [batch for batch in _batched(hot) if len(batch) == BATCH_SIZE]
        self._early_at = len(hot) + BATCH_SIZE  # tried: not again before a batch more waits
        if full:
            self.batches.extend(full)
            taken = {mutant.id for batch in full for mutant in batch}
            self.waiting = [mutant for mutant in self.waiting if mutant.id not in taken]
            self._early_at = 2 * BATCH_SIZE

    def finish(
        self,
        job: Job,
        *,
        survived: MutantResult | None = None,
        halves: Sequence[Sequence[Mutant]] = (),
        whole_suite: Sequence[Mutant] = (),
    ) -> None:
        """`job` is done. A first pass's `survived`: its result, the mutant surviving its tests
        and waiting for a batch; `halves`: a failed batch's, each to be proved again;
        `whole_suite`: claimed mutants the proof sent to the whole suite, to run next (fresh),
        in that order."""
        with self._cond:
            self.busy -= 1
            if isinstance(job, FirstPass):
                if job.mutant.id not in self.hot:
                    self.fresh_left -= 1
                if survived is not None:
                    self.survived[job.mutant.id] = survived
                    self.waiting.append(job.mutant)
            self.fresh_left += len(whole_suite)
            self.batches.extend(tuple(half) for half in halves)
            self.first.extendleft(reversed(whole_suite))
            self._cond.notify_all()


def _batched(mutants: Sequence[Mutant]) -> list[tuple[Mutant, ...]]:
    """`mutants` in batches (breakit.engine.batch.batches), each a tuple of the mutants."""
    return [tuple(mutants[i] for i in batch) for batch in batches(mutants, range(len(mutants)))]
