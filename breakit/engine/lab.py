"""The main loop: baseline, a forced-fail sanity run, then the Mutants over workers: a KillMatrix.

The lab returns values and never prints: progress goes to the `on_result` callback, called in the
calling thread as each mutant finishes; the KillMatrix keeps the mutants' input order whatever
order they finished in. Each worker has its own Workspace (a copy of the project) and its own
runner (`new_runner`): a fork worker (breakit.engine.fork.client) where `os.fork` exists, else one
fresh `python -m pytest` per run; the lab drives either through the Runner protocol alone. A
mutant runs the tests whose coverage touches its lines (engine.selection); the rest are NOT_RUN.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from breakit.cache_keys import ResultKeys, content_key, sanity_key
from breakit.config import Config
from breakit.engine import memlimit, project
from breakit.engine.baseline import make_baseline
from breakit.engine.fork.client import ForkRunner
from breakit.engine.fork.warm_client import DEFAULT_IDLE_S, WarmPool
from breakit.engine.memlimit import default_limit_mb
from breakit.engine.no_coverage import claims_to_prove
from breakit.engine.oracle import OracleSettings, Verification
from breakit.engine.order import KillerFirst
from breakit.engine.parallel import run_parallel
from breakit.engine.runner import Runner, RunSpec, StartingRunner
from breakit.engine.selection import ALL, first_pass_tests, hot_eligible, select_tests
from breakit.engine.subprocess_runner import SubprocessRunner
from breakit.engine.timing import mutant_timeout
from breakit.engine.user_setup import set_aside_notes
from breakit.engine.verdict import no_coverage
from breakit.engine.workers import auto_workers
from breakit.engine.workspace import Workspace
from breakit.errors import BreakitError
from breakit.model import Baseline, KillMatrix, Mutant, MutantResult, Verdict
from breakit.result_cache import result_from_json, result_to_json
from breakit.store import Store

OnResult = Callable[[MutantResult], None]

BACKENDS = ("fork", "subprocess")
WARM_MODES = ("off", "use", "start")


def default_backend() -> str:
    return "fork" if hasattr(os, "fork") else "subprocess"


@dataclass
class Lab:
    config: Config
    runner: Runner | None = None  # one runner for every run, one at a time (None: `backend`)
    use_cache: bool = True  # the cached baseline, and cached results if reuse_results
    reuse_results: bool = True  # False: run every mutant, but still cache what it finds
    jobs: int | None = None  # parallel workers (None: auto, from the baseline: engine.workers)
    backend: str = field(default_factory=default_backend)  # "fork" or "subprocess"
    select: bool = True  # run only the tests that cover a mutant's changed lines
    sanity_check: bool = True  # the forced-fail run before the first mutant
    verify: bool = False  # check every result against the oracle (fresh pytest, whole suite)
    hot: bool = True  # fork backend: body-only mutants in a collect-once session (fork.hot)
    # fork backend: workers from the project's warm pool (fork.warm_client): "off", "use", "start"
    warm: str = "off"
    warm_idle_s: float = DEFAULT_IDLE_S
    first_catch: bool = False  # each mutant stops at its first catching test (engine.order)
    # Survivors of their planned tests proved on the whole suite in batches (engine.batch).
    batch_proofs: bool = True
    # When the command started (time.monotonic): `timing` counts from it.
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}: one of {', '.join(BACKENDS)}")
        if self.backend == "fork" and not hasattr(os, "fork"):
            self.backend = "subprocess"
        if self.warm not in WARM_MODES:
            raise ValueError(f"unknown warm mode {self.warm!r}: one of {', '.join(WARM_MODES)}")
        self._pool: WarmPool | None = None
        self._ahead: list[StartingRunner] = []  # fork workers start_workers started
        self.state = Store(self.config.root)
        self._workspace: Workspace | None = None
        self._engine: dict[str, Any] = {}
        self._baseline: Baseline | None = None  # the last one baseline() returned
        self._project_names: frozenset[str] | None = None
        self._sane = False
        self.hot_runs = 0  # mutants run in a hot session (breakit.engine.fork.hot)
        self.hot_fallbacks = 0  # hot mutants the session refused, run fresh instead
        self.warm_workers = 0  # workers forked from the warm pool (breakit.engine.fork.warm_client)
        self.sanity_runs = 0  # forced-fail runs (none when one passed under the same key)
        self.proof_runs = 0  # NoCoverage proof runs (none when one ran under the same key)
        self.proof_batches = 0  # whole-suite runs of a batch of survivors (engine.batch)
        self.proofs_alone = 0  # survivors of their planned tests run alone on the whole suite
        self.baseline_s: float | None = None  # how long baseline() took (None: not run yet)
        self.first_mutant_at: float | None = None  # time.monotonic() as the first mutant started
        # What the NoCoverage proof found (JSON "coverage_check"); notes the CLI prints on stderr.
        self.coverage_check: dict[str, Any] = {"ran": False, "lines": 0, "hit": []}
        self.notes: list[str] = []
        # first_catch: each mutant's tests killer-first (engine.order), during run()
        self.killer_first: KillerFirst | None = None
        self.verification: Verification | None = None  # what `verify` found (JSON "verify")

    @contextlib.contextmanager
    def session(self) -> Iterator[Lab]:
        """One copy of the project for the whole session; removed on exit, also on Ctrl-C."""
        with Workspace(self.config.root) as workspace:
            self._workspace = workspace
            try:
                yield self
            finally:
                self._workspace = None
                for runner in self.take_runners(0):  # started ahead, never used
                    runner.close()

    def start_workers(self, baseline: Baseline, mutants: int) -> None:
        """Start the fork workers that `run` will use for `mutants` mutants now, each in a
        thread, while the caller plans: a worker importing the suite's packages takes 1.4 s on
        the bundled target, all of it before the first mutant otherwise."""
        if self.runner is not None or self.backend != "fork" or self._ahead:
            return
        for _ in range(max(1, min(self.workers_for(baseline), mutants + 1))):
            self._ahead.append(StartingRunner(self.new_runner()))
            self._ahead[-1].begin()

    def take_runners(self, count: int) -> list[Runner]:
        """`count` runners: those `start_workers` started (once started), then new ones. One
        still starting stays the lab's until it is taken: an interrupt while waiting for it
        leaves it to the session's end, which closes it."""
        runners: list[Runner] = []
        try:
            while self._ahead:
                runner = self._ahead[0].started()
                self._ahead.pop(0)
                if runner is not None and len(runners) < count:
                    runners.append(runner)
                elif runner is not None:
                    runner.close()
        except BaseException:
            for runner in runners:
                runner.close()
            raise
        return runners + [self.new_runner() for _ in range(count - len(runners))]

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            raise RuntimeError("Lab.session() must be entered first")
        return self._workspace

    @property
    def workers(self) -> int:
        return self.workers_for(self._baseline)

    def workers_for(
        self, baseline: Baseline | None, runs: Sequence[tuple[str, ...] | None] | None = None
    ) -> int:
        """`jobs`, else one per core, more if the tests to run wait (breakit.engine.workers):
        `runs`, each mutant's planned tests, else `baseline`'s whole suite."""
        if self.runner is not None:
            return 1
        if self.jobs:
            return self.jobs
        ceiling = self.memory_ceiling()
        return auto_workers(baseline, runs=runs, ceiling_bytes=ceiling and ceiling * 1024 * 1024)

    def spec(self, timeout_s: float | None = None, select: Sequence[str] | None = None) -> RunSpec:
        return RunSpec(
            test_args=self.config.tests,
            timeout_s=timeout_s,
            extra_args=self.config.pytest_args,
            select=None if select is None else tuple(select),
            memory_limit_mb=self.memory_limit_mb(),
        )

    def memory_limit_mb(self) -> int | None:
        """The test processes' memory ceiling (breakit.engine.memlimit): `[tool.breakit]
        memory_limit_mb`, else a multiple of the baseline's peak; None: no ceiling."""
        if self.config.memory_limit_mb is not None:
            return self.config.memory_limit_mb or None
        return default_limit_mb(self._engine.get("peak_rss_kb"))

    def memory_ceiling(self) -> int | None:
        """The ceiling in force (after `baseline()`): `memory_limit_mb` where a process's memory
        can be watched (Linux), else None. JSON `memory_limit_mb`."""
        return self.memory_limit_mb() if memlimit.can_watch() else None

    def memory_ceiling_text(self) -> str:
        """The ceiling in force and where it comes from, in words (`check -v`)."""
        configured = self.config.memory_limit_mb is not None
        peak = self._engine.get("peak_rss_kb")
        return memlimit.limit_text(self.memory_ceiling(), peak, configured=configured)

    # --- baseline -------------------------------------------------------------------------

    def baseline(self) -> Baseline:
        """The suite on the unmutated code, with per-test coverage of the source (cached while
        source and tests are unchanged)."""
        started = time.monotonic()
        try:
            return self._baseline_of(content_key(self.config.root))
        finally:
            self.baseline_s = time.monotonic() - started

    def timing(self) -> dict[str, float | None]:
        """JSON `timing`: how long the baseline took, and when the first mutant started, from
        the command's start (`started`)."""
        first = self.first_mutant_at
        return {
            "baseline_s": None if self.baseline_s is None else round(self.baseline_s, 3),
            "first_mutant_s": None if first is None else round(first - self.started, 3),
        }

    def _baseline_of(self, key: str) -> Baseline:
        cached = self.state.load_baseline(key) if self.use_cache else None
        if cached is not None:
            self._engine = self.state.load_engine(key)
            self._baseline = cached
            self.add_note(*set_aside_notes(self._engine.get("set_aside")))
            self.add_note(*project.unimported_sources(self.config, cached))
            return cached
        # The unmutated suite runs as plain pytest would, under a ceiling only if one is set.
        spec = replace(self.spec(), memory_limit_mb=self.config.memory_limit_mb or None)
        baseline, self._engine = make_baseline(
            self.config,
            self.workspace,
            spec,
            key,
            project=self.project_names(),
            coverage=self.select,
            runner=self.runner,
        )
        self.add_note(*set_aside_notes(self._engine.get("set_aside")))
        self.state.save_baseline(baseline, self._engine)
        self._baseline = baseline
        self.add_note(*project.unimported_sources(self.config, baseline))
        return baseline

    def add_note(self, *notes: str) -> None:
        self.notes.extend(note for note in notes if note not in self.notes)

    def project_names(self) -> frozenset[str]:
        """The project's top-level module names (breakit.engine.project.project_names), read
        from the folders once."""
        if self._project_names is None:
            self._project_names = project.project_names(self.config)
        return self._project_names

    def timeout_for(self, baseline: Baseline, tests: Sequence[str] | None = None) -> float:
        """How long `tests` (None: the whole suite) may run under a mutant (engine.timing)."""
        return mutant_timeout(self.config, self._engine, baseline, tests)

    # --- mutants --------------------------------------------------------------------------

    def plan(self, mutant: Mutant, baseline: Baseline) -> tuple[str, ...] | None:
        """The tests `mutant` runs: None for the whole suite, () for none (NoCoverage)."""
        if not self.select:
            return None
        chosen = select_tests(mutant, baseline.run.coverage, baseline.tests, self.config.source)
        if chosen is ALL or not isinstance(chosen, tuple):
            return None
        return chosen

    def whole_suite_first_pass(self, mutant: Mutant, baseline: Baseline) -> tuple[str, ...] | None:
        """First-catch, for a mutant planned on the whole suite: the tests to try first
        (selection.first_pass_tests); a survivor of them waits for a batched proof on the whole
        suite. None: run the whole suite at once (no test reaches the change, or every one does,
        or the full matrix is wanted: it needs every catching test)."""
        coverage = baseline.run.coverage
        if not (self.first_catch and self.batch_proofs and self.select) or coverage is None:
            return None
        tests = first_pass_tests(mutant, coverage, baseline.tests)
        return tests if tests and len(tests) < len(baseline.tests) else None

    def is_hot(self, mutant: Mutant, baseline: Baseline) -> bool:
        """True if a fork worker may run `mutant` in its hot session (breakit.engine.fork.hot)."""
        return (
            self.hot
            and self.backend == "fork"
            and hot_eligible(mutant, baseline.run.coverage, self.config.source)
        )

    def run(
        self,
        mutants: Sequence[Mutant],
        baseline: Baseline,
        on_result: OnResult | None = None,
        on_verify: Callable[[int], OnResult] | None = None,
    ) -> KillMatrix:
        """Every mutant, over `workers` in parallel; results streamed to `on_result`. A mutant
        whose result is cached under the same key (docs/architecture.md, "Incremental runs") is
        not run again, unless the lab was made with use_cache=False. With `verify`, every result
        is then checked against the oracle (`verification`): `on_verify` is called with the
        number of mutants as that starts, and what it returns gets each oracle result."""
        plans = [self.plan(m, baseline) for m in mutants]
        # NoCoverage claims: settled now from a remembered proof, else proved beside the first
        # mutants (engine.no_coverage), the claimed mutants waiting for it.
        proof = claims_to_prove(self, mutants, plans, baseline)
        claimed = proof.indices if proof else frozenset()
        results: list[MutantResult | None] = [None] * len(mutants)
        keys = ResultKeys(self.config)
        full_keys, fc_keys = keys.both(mutants, plans)
        mutant_keys = fc_keys if self.first_catch else full_keys
        # First-catch: each mutant's tests killer-first, learning from each result as it comes.
        self.killer_first = (
            KillerFirst(baseline, self.state.last_results()) if self.first_catch else None
        )
        on_result = self.killer_first.learning(on_result) if self.killer_first else on_result
        cache = self.state.cached_results() if self.use_cache and self.reuse_results else {}
        for index, key in enumerate(full_keys):
            # A full result serves a first-catch run (same verdict, more catchers), first; never
            # the reverse.
            found = cache.get(key or "") or (self.first_catch and cache.get(fc_keys[index] or ""))
            reused = result_from_json(mutants[index], found) if found else None
            if reused is not None:
                results[index] = reused
                if on_result is not None:
                    on_result(reused)
        todo = [i for i, chosen in enumerate(plans) if chosen != () and results[i] is None]
        # Fresh runs first: a worker that has opened its hot session cannot run fresh again.
        todo.sort(key=lambda i: self.is_hot(mutants[i], baseline))
        unrun = [i for i, chosen in enumerate(plans) if chosen == () and i not in claimed]
        for index in unrun:
            results[index] = no_coverage(mutants[index], baseline)

        def hand_out_unrun() -> None:
            # Only after the sanity run: if the tests ran another copy of the code, every
            # mutant looks uncovered, and that must be an error, not a verdict.
            for index in unrun:
                if on_result is not None:
                    on_result(results[index])  # type: ignore[arg-type]
            unrun.clear()

        if self.sanity_check and not self._sane and self.use_cache:
            # Proven before with the same code, tests, configuration, Python and packages.
            self._sane = self.state.is_sane(self.sanity_key(baseline))
        if todo or claimed or (unrun and self.sanity_check and not self._sane):
            # Each result is journaled as it comes (after the sanity run: run_parallel holds
            # them until then), so an interrupted run loses none it finished.
            with self.state.journal() as journal:
                for index, result in run_parallel(self, mutants, plans, todo, baseline, proof):
                    hand_out_unrun()
                    results[index] = result
                    if index in claimed and plans[index] is None:  # the proof saw its line run
                        full_keys[index] = keys.key(mutants[index], None)
                        fc_keys[index] = keys.key(mutants[index], None, first_catch=True)
                    key = mutant_keys[index]
                    if key is not None and result.verdict in CACHEABLE:
                        journal.add(key, result_to_json(result))
                    if on_result is not None:
                        on_result(result)
        hand_out_unrun()
        matrix = KillMatrix(baseline.tests, tuple(r for r in results if r), self.first_catch)
        if self.verify:
            from breakit.engine.oracle import verify

            settings = self.oracle_settings(baseline)
            on_oracle = on_verify(len(matrix.results)) if on_verify is not None else None
            try:
                self.verification = verify(settings, matrix, baseline, on_result=on_oracle)
                if self.verification.mismatches:
                    raise self.verification.error()
            except BreakitError:
                self.state.discard_journal()  # a disagreeing result is never kept
                raise
        self.state.record(matrix)
        fresh = {
            key: result_to_json(finished)
            for i in (*todo, *claimed)
            if (key := mutant_keys[i]) is not None
            and (finished := results[i]) is not None
            and finished.verdict in CACHEABLE
        }
        self.state.store_results(fresh, used=(k for k in (*full_keys, *fc_keys) if k))
        return matrix

    def sanity_key(self, baseline: Baseline) -> str:
        """The key of the sanity run's verdict and the proof's (cache_keys.sanity_key)."""
        modules = self._engine.get("modules", [])
        return sanity_key(baseline.key, modules, sorted(self.project_names()), self.backend)

    def oracle_settings(self, baseline: Baseline) -> OracleSettings:
        """What the oracle needs of this lab: the whole suite, under a mutant's timeout and the
        same memory ceiling, over as many workers."""
        spec = self.spec(self.timeout_for(baseline))
        return OracleSettings(root=self.config.root, spec=spec, jobs=self.workers)

    def new_runner(self) -> Runner:
        """A runner for this lab's backend (the lab's own `runner` if it was given one): a fork
        worker (from the warm pool, if any) after `baseline()`, else a fresh pytest per run."""
        if self.runner is not None:
            return self.runner
        if self.backend == "fork":
            modules = self._engine.get("modules", [])
            return ForkRunner(modules, project=sorted(self.project_names()), pool=self.warm_pool())
        return SubprocessRunner()

    def warm_pool(self) -> WarmPool | None:
        """The project's warm pool for this baseline (after `baseline()`), unless warm is off."""
        if self.warm == "off" or self.backend != "fork":
            return None
        if self._pool is None:
            self._pool = WarmPool(
                self.config.root,
                self._engine.get("modules", []),
                sorted(self.project_names()),
                start=self.warm == "start",
                idle_s=self.warm_idle_s,
            )
        return self._pool


# A timeout depends on the machine's load as much as on the code: it is always run again.
CACHEABLE = frozenset(Verdict) - {Verdict.TIMEOUT}
