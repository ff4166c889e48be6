"""The lab's mutants over its workers: N threads, each with a Workspace of its own (the lab's for
the first) and a runner; the first starts with the forced-fail sanity run, and no result is handed
out before that run has passed. Called by `Lab.run`, which keeps everything else of the loop."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from breakit.engine import project
from breakit.engine.forced_fail import check_forced_failure, forced_failure_changes
from breakit.engine.workspace import Workspace
from breakit.model import Baseline, Mutant, MutantResult

if TYPE_CHECKING:
    from breakit.engine.lab import Lab

_SANE, _FAILED = -1, -2  # what a worker hands back besides (index, result)


def run_parallel(
    lab: Lab,
    mutants: Sequence[Mutant],
    plans: Sequence[tuple[str, ...] | None],
    todo: Sequence[int],
    baseline: Baseline,
) -> Iterator[tuple[int, MutantResult]]:
    """(index, result) as the workers finish them; everything stopped on Ctrl-C or error.

    The first worker starts with the forced-fail sanity run while the others already run
    mutants, but no result is handed out before the sanity run has passed.
    """
    jobs: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in todo:
        jobs.put(index)
    done: queue.SimpleQueue[tuple[int, MutantResult | BaseException | None]] = queue.SimpleQueue()
    stop = threading.Event()
    sanity = lab.sanity_check and not lab._sane
    count = lab.workers_for(baseline, [plans[index] for index in todo])
    count = max(1, min(count, len(todo) + sanity))
    runners = [lab.new_runner() for _ in range(count)]

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
            while not stop.is_set():
                try:
                    index = jobs.get_nowait()
                except queue.Empty:
                    return
                result = lab._execute(runner, workspace, mutants[index], baseline, plans[index])
                done.put((index, result))
        except BaseException as exc:  # handed to the calling thread, which raises it
            done.put((_FAILED, exc))

    held: list[tuple[int, MutantResult]] = []
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
                runner.close()
            for thread in threads:
                thread.join(timeout=10)
