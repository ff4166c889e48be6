"""The main loop: baseline, a forced-fail sanity run, then the Mutants over workers: a KillMatrix.

The lab returns values and never prints: progress goes to the `on_result` callback, called in the
calling thread as each mutant finishes; the KillMatrix keeps the mutants' input order whatever order
they finished in. Each worker has its own Workspace (a copy of the project) and its own runner
(breakit.runners.factory, engine.runner_pool). A mutant runs the tests whose coverage touches its
lines (engine.selection); the rest are NOT_RUN. What the loop calls lives beside it: the baseline
and its engine record (baseline.make, store.engine_record), the run's frozen settings handed to the
workers (engine.policy), the cache (engine.result_reuse), the workers (engine.parallel), the oracle
(engine.oracle); `run` returns a RunOutcome (engine.run_outcome).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from breakit.baseline import project_modules
from breakit.baseline.make import cached_or_made
from breakit.baseline.timing import mutant_timeout
from breakit.baseline.user_setup import set_aside_notes
from breakit.core.config import Config
from breakit.core.errors import BreakitError
from breakit.core.model import Baseline, KillMatrix, Mutant, MutantResult
from breakit.engine.name_readers import NameReaders
from breakit.engine.no_coverage import PendingProof, claims_to_prove
from breakit.engine.oracle import OracleSettings
from breakit.engine.order import KillerFirst
from breakit.engine.order_check import AloneOnOriginal
from breakit.engine.parallel import Workers
from breakit.engine.policy import RunPolicy, run_spec
from breakit.engine.result_reuse import RunKeys
from breakit.engine.run_outcome import ProofFacts, RunFacts, RunOutcome, VerifyMismatch
from breakit.engine.runner_pool import RunnerPool
from breakit.engine.selection import TestPlan
from breakit.engine.verdict import no_coverage
from breakit.engine.worker_count import auto_workers
from breakit.runners import memlimit
from breakit.runners.factory import RunnerFactory, Warm, default_backend
from breakit.runners.fork.warm_client import DEFAULT_IDLE_S, WarmPool
from breakit.runners.run_spec import Runner, RunSpec
from breakit.runners.workspace import Workspace
from breakit.store.cache_keys import sanity_key
from breakit.store.engine_record import EngineRecord
from breakit.store.gateway import Store

OnResult = Callable[[MutantResult], None]


@dataclass
class Lab:
    config: Config
    runner: Runner | None = None  # one runner for every run, one at a time (None: `backend`)
    use_cache: bool = True  # the cached baseline, and cached results if reuse_results
    reuse_results: bool = True  # False: run every mutant, but still cache what it finds
    jobs: int | None = None  # parallel workers (None: auto, from the baseline: engine.worker_count)
    backend: str = field(default_factory=default_backend)  # "fork" or "subprocess"
    by_coverage: bool = True  # run only the tests whose coverage reaches a mutant's change
    sanity_check: bool = True  # the forced-fail run before the first mutant
    verify: bool = False  # check every result against the oracle (fresh pytest, whole suite)
    hot: bool = True  # fork backend: body-only mutants in a collect-once session (fork.hot)
    warm: Warm = Warm.OFF  # fork backend: workers from the project's warm pool
    warm_idle_s: float = DEFAULT_IDLE_S
    first_catch: bool = False  # each mutant stops at its first catching test (engine.order)
    # Survivors of their planned tests proved on the whole suite in batches (engine.batch).
    batch_proofs: bool = True
    # When the command started (time.monotonic): `timing` counts from it, and `max_time_s`.
    started: float = field(default_factory=time.monotonic)
    # `check --max-time`: no mutant starts this long after `started`; those left are unchecked.
    max_time_s: float | None = None

    def __post_init__(self) -> None:
        self.warm = Warm(self.warm)
        self.runners = RunnerPool(
            RunnerFactory(
                self.config.root,
                self.backend,
                warm=self.warm,
                warm_idle_s=self.warm_idle_s,
                given=self.runner,
            )
        )
        self.backend = self.runners.backend  # "fork" falls back where there is no os.fork
        self.state = Store(self.config.root)
        self._workspace: Workspace | None = None
        self.engine = EngineRecord()  # the baseline's (store.engine_record), once it is known
        self._baseline: Baseline | None = None  # the last one baseline() returned
        self._project_names: frozenset[str] | None = None
        self._name_readers = NameReaders(self.config.root, self.config.source)
        self.sane = False  # the sanity run passed (or passed before under the same key)
        self.alone_on_original = AloneOnOriginal()  # engine.order_check, kept across runs
        self.baseline_s: float | None = None  # how long baseline() took (None: not run yet)
        self.notes: list[str] = []  # what the baseline noted (a run's own: RunFacts.notes)

    @contextlib.contextmanager
    def session(self) -> Iterator[Lab]:
        """One copy of the project for the whole session; removed on exit, also on Ctrl-C."""
        with Workspace(self.config.root) as workspace:
            self._workspace = workspace
            try:
                yield self
            finally:
                self._workspace = None
                self.runners.close()  # started ahead, never used

    def start_workers(self, baseline: Baseline, mutants: int) -> None:
        """Start the fork workers that `run` will use for `mutants` mutants now, each in a
        thread, while the caller plans: a worker importing the suite's packages takes 1.4 s on
        the bundled target, all of it before the first mutant otherwise."""
        if self.runner is None and self.backend == "fork":
            self.runners.start(max(1, min(self.workers_for(baseline), mutants + 1)))

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("Lab.session() must be entered first")
        return self._workspace

    @property
    def workers(self) -> int:
        return self.workers_for(self._baseline)

    def workers_for(self, baseline: Baseline | None, plans: Sequence[TestPlan] = ()) -> int:
        """`jobs`, else one per core, more if the tests to run wait (breakit.engine.worker_count):
        those of `plans`, else `baseline`'s whole suite."""
        if self.runner is not None:
            return 1
        if self.jobs:
            return self.jobs
        ceiling = self.memory_ceiling()
        runs = [plan.tests for plan in plans] if plans else None
        return auto_workers(baseline, runs=runs, ceiling_bytes=ceiling and ceiling * 1024 * 1024)

    def spec(self, timeout_s: float | None = None, nodeids: Sequence[str] | None = None) -> RunSpec:
        return run_spec(self.config, self.engine, timeout_s, nodeids)

    def memory_ceiling(self) -> int | None:
        """The ceiling in force (after `baseline()`, breakit.runners.memlimit) where a process's
        memory can be watched (Linux), else None. JSON `memory_limit_mb`."""
        if not memlimit.can_watch():
            return None
        return memlimit.limit_for(self.config.memory_limit_mb, self.engine.peak_rss_kb)

    def memory_ceiling_text(self) -> str:
        """The ceiling in force and where it comes from, in words (`check -v`)."""
        configured = self.config.memory_limit_mb is not None
        peak = self.engine.peak_rss_kb
        return memlimit.limit_text(self.memory_ceiling(), peak, configured=configured)

    # --- baseline -------------------------------------------------------------------------

    def baseline(self) -> Baseline:
        """The suite on the unmutated code, with per-test coverage of the source (cached while
        source and tests are unchanged: baseline.make)."""
        started = time.monotonic()
        try:
            baseline, self.engine = cached_or_made(
                self.config,
                self.state,
                self.workspace,
                self.spec(),
                use_cache=self.use_cache,
                project=self.project_names(),
                coverage=self.by_coverage,
                runner=self.runner,
            )
        finally:
            self.baseline_s = time.monotonic() - started
        self._baseline = baseline
        self.add_note(*set_aside_notes(self.engine.set_aside))
        self.add_note(*project_modules.unimported_sources(self.config, baseline))
        # Fork workers preload what this baseline imports.
        modules, names = self.engine.modules, sorted(self.project_names())
        self.runners.preload(modules, names)
        return baseline

    def _timing(self, first_mutant_at: float | None) -> dict[str, float | None]:
        """JSON `timing`: how long the baseline took, and when the first mutant started, from
        the command's start (`started`)."""
        first = first_mutant_at
        return {
            "baseline_s": None if self.baseline_s is None else round(self.baseline_s, 3),
            "first_mutant_s": None if first is None else round(first - self.started, 3),
        }

    @property
    def deadline(self) -> float | None:
        """The time.monotonic() past which no mutant starts (`max_time_s`), or None."""
        return None if self.max_time_s is None else self.started + self.max_time_s

    def add_note(self, *notes: str) -> None:
        self.notes.extend(note for note in notes if note not in self.notes)

    def project_names(self) -> frozenset[str]:
        """The project's top-level module names (breakit.baseline.project_modules.project_names),
        read from the folders once."""
        if self._project_names is None:
            self._project_names = project_modules.project_names(self.config)
        return self._project_names

    def timeout_for(
        self, baseline: Baseline, tests: Sequence[str] | None = None, *, hot: bool = False
    ) -> float:
        """How long `tests` (None: the whole suite) may run under a mutant (baseline.timing)."""
        return mutant_timeout(self.config, self.engine, baseline, tests, hot=hot)

    # --- mutants --------------------------------------------------------------------------

    def policy(self, baseline: Baseline, *, killer_first: KillerFirst | None = None) -> RunPolicy:
        """How a run's mutants run under this lab's settings and `baseline` (engine.policy)."""
        return RunPolicy(
            config=self.config,
            baseline=baseline,
            engine=self.engine,
            backend=self.backend,
            by_coverage=self.by_coverage,
            hot=self.hot,
            first_catch=self.first_catch,
            batch_proofs=self.batch_proofs,
            sanity_key=self.sanity_key(baseline),
            deadline=self.deadline,
            project_names=self.project_names(),
            name_readers=self._name_readers,
            alone_on_original=self.alone_on_original,
            killer_first=killer_first,
        )

    def run(
        self,
        mutants: Sequence[Mutant],
        baseline: Baseline,
        on_result: OnResult | None = None,
        on_verify: Callable[[int], OnResult] | None = None,
    ) -> RunOutcome:
        """Every mutant, over `workers` in parallel; results streamed to `on_result`. A mutant
        whose result is cached under the same key (docs/architecture.md, "Incremental runs") is
        not run again, unless the lab was made with use_cache=False. With `verify`, every result
        is then checked against the oracle (`RunFacts.verification`): `on_verify` is called with
        the number of mutants as that starts, and what it returns gets each oracle result. Past
        the `deadline` no mutant starts: those left are the matrix's `unchecked`."""
        # First-catch: each mutant's tests killer-first, learning from each result as it comes.
        killer_first = (
            KillerFirst(baseline, self.state.last_results()) if self.first_catch else None
        )
        on_result = killer_first.learning(on_result) if killer_first else on_result
        policy = self.policy(baseline, killer_first=killer_first)
        plans = [policy.plan(m) for m in mutants]
        # NoCoverage claims: settled now from a remembered proof, else proved beside the first
        # mutants (engine.no_coverage), the claimed mutants waiting for it.
        proof, settled = claims_to_prove(
            policy, self.state, mutants, plans, use_cache=self.use_cache
        )
        claimed = proof.indices if proof else frozenset()
        keys = RunKeys(self.config, mutants, plans, first_catch=self.first_catch)
        cache = self.state.cached_results() if self.use_cache and self.reuse_results else {}
        results = keys.reusable(cache)
        for result in results.values():
            if on_result is not None:
                on_result(result)
        todo = [
            mutant
            for i, (mutant, plan) in enumerate(zip(mutants, plans, strict=True))
            if not plan.reaches_no_test and i not in results
        ]
        # Fresh runs first: a worker that has opened its hot session cannot run fresh again.
        todo.sort(key=policy.is_hot)
        unrun = {
            index: no_coverage(mutants[index], baseline)
            for index, plan in enumerate(plans)
            if plan.reaches_no_test and index not in claimed
        }
        fresh, workers = self._run_fresh(
            policy, mutants, plans, todo, proof, keys, unrun, on_result
        )
        results |= unrun | fresh
        unchecked = tuple(m for index, m in enumerate(mutants) if index not in results)
        ordered = tuple(results[i] for i in sorted(results))
        matrix = KillMatrix(baseline.tests, ordered, self.first_catch, unchecked)
        outcome = RunOutcome(matrix, self._facts(workers, settled))
        if self.verify and not unchecked:  # a spent --max-time leaves no time for the oracle
            outcome = self._verify(outcome, baseline, on_verify)
        self.state.record(matrix)
        self.state.store_results(keys.fresh(fresh), used=keys.used())
        return outcome

    def _facts(self, workers: Workers | None, settled: ProofFacts) -> RunFacts:
        if workers is None:
            return RunFacts(proof=settled, timing=self._timing(None))
        return RunFacts(
            stats=workers.stats,
            sanity_runs=workers.sanity_runs,
            proof=workers.proof or settled,
            timing=self._timing(workers.first_mutant_at),
        )

    def _run_fresh(
        self,
        policy: RunPolicy,
        mutants: Sequence[Mutant],
        plans: list[TestPlan],
        todo: list[Mutant],
        proof: PendingProof | None,
        keys: RunKeys,
        unrun: dict[int, MutantResult],
        on_result: OnResult | None,
    ) -> tuple[dict[int, MutantResult], Workers | None]:
        """The mutants to `todo` and the claimed ones over the workers; `unrun`'s results handed
        out only after the sanity run: if the tests ran another copy of the code, every mutant
        looks uncovered, and that must be an error, not a verdict. The workers, once done."""
        if self.sanity_check and not self.sane and self.use_cache:
            # Proven before with the same code, tests, configuration, Python and packages.
            self.sane = self.state.is_sane(policy.sanity_key)
        sanity = self.sanity_check and not self.sane
        waiting = list(unrun.values())
        fresh: dict[int, MutantResult] = {}
        workers = None
        if todo or proof or (unrun and sanity):
            position = {mutant.id: index for index, mutant in enumerate(mutants)}
            count = self.workers_for(policy.baseline, [plans[position[m.id]] for m in todo])
            workers = Workers(
                policy,
                mutants,
                plans,
                todo,
                proof=proof,
                sanity=sanity,
                store=self.state,
                count=count,
            )
            # Each result is journaled as it comes (after the sanity run: the workers hold
            # them until then), so an interrupted run loses none it finished.
            with self.state.journal() as journal:
                for done in workers.results(self.runners.take, self.workspace):
                    result = done.result
                    index = position[result.mutant.id]
                    _hand_out(waiting, on_result)
                    fresh[index] = result
                    if proof and index in proof.indices and plans[index].whole_suite:
                        keys.to_whole_suite(index)  # the proof saw its line run
                    if (kept := keys.kept(index, result)) is not None:
                        journal.add(*kept)
                    if on_result is not None:
                        on_result(result)
            self.sane = self.sane or workers.sane
        _hand_out(waiting, on_result)
        return fresh, workers

    def _verify(
        self, outcome: RunOutcome, baseline: Baseline, on_verify: Callable[[int], OnResult] | None
    ) -> RunOutcome:
        """Every result of the run checked against the oracle, what it found in the facts; a
        disagreement is an error (`VerifyMismatch`, the outcome in it), and no result of the run
        is kept."""
        from breakit.engine.oracle import verify

        settings = self.oracle_settings(baseline)
        matrix = outcome.matrix
        on_oracle = on_verify(len(matrix.results)) if on_verify is not None else None
        try:
            verification = verify(settings, matrix, baseline, on_result=on_oracle)
            checked = RunOutcome(matrix, replace(outcome.facts, verification=verification))
            if verification.mismatches:
                raise VerifyMismatch(verification.error(), checked)
        except BreakitError:
            self.state.discard_journal()  # a disagreeing result is never kept
            raise
        return checked

    def sanity_key(self, baseline: Baseline) -> str:
        """The key of the sanity run's verdict and the proof's (cache_keys.sanity_key)."""
        modules = self.engine.modules
        return sanity_key(baseline.key, modules, sorted(self.project_names()), self.backend)

    def oracle_settings(self, baseline: Baseline) -> OracleSettings:
        """What the oracle needs of this lab: the whole suite, under a mutant's timeout and the
        same memory ceiling, over as many workers."""
        spec = self.spec(self.timeout_for(baseline))
        return OracleSettings(root=self.config.root, spec=spec, jobs=self.workers)

    def warm_pool(self) -> WarmPool | None:
        """The project's warm pool for this baseline (after `baseline()`), unless warm is off."""
        return self.runners.warm_pool()


def _hand_out(waiting: list[MutantResult], on_result: OnResult | None) -> None:
    for result in waiting:
        if on_result is not None:
            on_result(result)
    waiting.clear()
