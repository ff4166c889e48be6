"""The workers' jobs as a state machine (breakit.engine.scheduler): what is taken in what order,
what a finished job brings back, when survivors form batches, and where it stops. No thread, no
run: each test takes and finishes jobs by hand, as the workers would."""

from __future__ import annotations

import threading
import time

from breakit.core.model import Mutant, MutantResult, SuiteRun
from breakit.engine.batch import BATCH_SIZE
from breakit.engine.scheduler import (
    FirstPass,
    Job,
    Jobs,
    NoCoverageProof,
    SanityRun,
    WholeSuiteProof,
)
from breakit.engine.verdict import mutant_result

ORIGINAL = "def f(x):\n    return x + 1\n"


def mutants(count: int) -> list[Mutant]:
    """`count` mutants, each in a file of its own: any of them may share a batch."""
    return [
        Mutant(
            f"m{i}",
            "test",
            f"m{i}",
            {f"m{i}.py": ORIGINAL.replace("+ 1", "- 1")},
            {f"m{i}.py": ORIGINAL},
        )
        for i in range(count)
    ]


def survived(mutant: Mutant) -> MutantResult:
    run = SuiteRun(outcomes={}, order=(), duration_s=0.0, exit_status=0)
    return mutant_result(mutant, run, (), 0.0)


def jobs(count: int, **settings: object) -> tuple[Jobs, list[Mutant]]:
    made = mutants(count)
    return Jobs(made, threading.Event(), **settings), made  # type: ignore[arg-type]


def take(queue: Jobs) -> Job | None:
    return queue.take(wait_s=0.01)


def test_the_sanity_run_then_the_proof_then_first_passes_in_order() -> None:
    queue, made = jobs(2, sanity=True, proof=True)
    taken = [take(queue) for _ in range(4)]
    assert taken == [SanityRun(), NoCoverageProof(), FirstPass(made[0]), FirstPass(made[1])]
    for job in taken:
        assert job is not None
        queue.finish(job)
    assert take(queue) is None  # nothing left, nothing busy


def test_a_survivor_waits_for_its_batch_until_the_fresh_first_passes_are_over() -> None:
    queue, made = jobs(3)
    first, second, third = take(queue), take(queue), take(queue)
    queue.finish(first, survived=survived(made[0]))  # type: ignore[arg-type]
    queue.finish(second, survived=survived(made[1]))  # type: ignore[arg-type]
    assert queue.waiting == made[:2] and queue.busy == 1
    queue.finish(third)  # type: ignore[arg-type]  # killed: the last fresh first pass is over
    assert take(queue) == WholeSuiteProof((made[0], made[1]))
    assert queue.survived.keys() == {"m0", "m1"}


def test_a_failed_batch_comes_back_as_its_halves() -> None:
    queue, made = jobs(4)
    for _ in range(4):
        job = take(queue)
        assert isinstance(job, FirstPass)
        queue.finish(job, survived=survived(job.mutant))
    batch = take(queue)
    assert batch == WholeSuiteProof(tuple(made))
    queue.finish(batch, halves=[made[:2], made[2:]])  # type: ignore[arg-type]
    halves = [take(queue), take(queue)]
    assert halves == [WholeSuiteProof(tuple(made[:2])), WholeSuiteProof(tuple(made[2:]))]


def test_claims_the_proof_sends_to_the_whole_suite_run_next() -> None:
    made = mutants(3)
    queue = Jobs(made[:1], threading.Event(), proof=True)
    proof = take(queue)
    assert proof == NoCoverageProof()
    queue.finish(proof, whole_suite=made[1:])
    taken = [take(queue), take(queue), take(queue)]
    assert taken == [FirstPass(made[1]), FirstPass(made[2]), FirstPass(made[0])]
    assert queue.fresh_left == 3  # each of them a fresh first pass still to finish


def test_hot_survivors_form_full_batches_early_while_first_passes_remain() -> None:
    count = 2 * BATCH_SIZE + 2
    queue, _ = jobs(count, hot=[f"m{i}" for i in range(count)])
    for _ in range(2 * BATCH_SIZE):
        job = take(queue)
        assert isinstance(job, FirstPass)
        queue.finish(job, survived=survived(job.mutant))
    # Two batches' worth wait and two first passes remain: the full batches go first.
    formed = take(queue)
    assert isinstance(formed, WholeSuiteProof) and len(formed.mutants) == BATCH_SIZE
    assert len(queue.batches) == 1 and queue.first  # the other full batch; the first passes


def test_nothing_is_taken_past_the_deadline_but_an_owed_sanity_run() -> None:
    queue, made = jobs(3, deadline=time.monotonic() + 60)
    assert take(queue) == FirstPass(made[0])
    late, made = jobs(3, sanity=True, deadline=time.monotonic() - 1)
    assert late.out_of_time()
    assert take(late) == SanityRun()  # a result is never handed out before it
    assert take(late) is None
    assert list(late.first) == made  # left, never started
    assert not jobs(1)[0].out_of_time()  # no deadline


def test_stop_ends_every_taker() -> None:
    queue, _ = jobs(2, sanity=True)
    queue.stop.set()
    assert take(queue) is None


def test_a_taker_waits_for_a_busy_job_to_bring_more() -> None:
    queue, made = jobs(1)
    job = take(queue)
    got: list[Job | None] = []
    waiter = threading.Thread(target=lambda: got.append(queue.take(wait_s=0.01)))
    waiter.start()
    time.sleep(0.05)
    assert got == []  # nothing to take yet, and a job is still busy
    assert job is not None
    queue.finish(job, survived=survived(made[0]))
    waiter.join(timeout=5)
    assert got == [WholeSuiteProof((made[0],))]
