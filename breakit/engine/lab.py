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

from breakit.config import Config
from breakit.engine import memlimit, project
from breakit.engine.baseline import make_baseline
from breakit.engine.coverage_proof import no_coverage_claims, proof_note, proof_run
from breakit.engine.fork.client import ForkRunner
from breakit.engine.fork.warm_client import DEFAULT_IDLE_S, WarmPool
from breakit.engine.memlimit import default_limit_mb
from breakit.engine.oracle import OracleSettings, Verification
from breakit.engine.order import KillerFirst
from breakit.engine.parallel import run_parallel
from breakit.engine.runner import Runner, RunSpec
from breakit.engine.selection import ALL, hot_eligible, select_tests
from breakit.engine.subprocess_runner import SubprocessRunner
from breakit.engine.timing import mutant_timeout
from breakit.engine.user_setup import set_aside_notes
from breakit.engine.verdict import no_coverage
from breakit.engine.workers import auto_workers
from breakit.engine.workspace import Workspace
from breakit.errors import BreakitError
from breakit.model import Baseline, KillMatrix, Mutant, MutantResult, Verdict
from breakit.result_cache import result_from_json, result_to_json
from breakit.store import (
    ResultKeys,
    Store,
    content_key,
    sanity_key,
)

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
            self._note(*set_aside_notes(self._engine.get("set_aside")))
            self._note(*project.unimported_sources(self.config, cached))
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
        self._note(*set_aside_notes(self._engine.get("set_aside")))
        self.state.save_baseline(baseline, self._engine)
        self._baseline = baseline
        self._note(*project.unimported_sources(self.config, baseline))
        return baseline

    def _note(self, *notes: str) -> None:
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
        plans = self.prove_no_coverage(mutants, [self.plan(m, baseline) for m in mutants], baseline)
        results: list[MutantResult | None] = [None] * len(mutants)
        full_keys, fc_keys = ResultKeys(self.config).both(mutants, plans)
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
        unrun = [index for index, chosen in enumerate(plans) if chosen == ()]
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
        if todo or (unrun and self.sanity_check and not self._sane):
            # Each result is journaled as it comes (after the sanity run: run_parallel holds
            # them until then), so an interrupted run loses none it finished.
            with self.state.journal() as journal:
                for index, result in run_parallel(self, mutants, plans, todo, baseline):
                    hand_out_unrun()
                    results[index] = result
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
            for i in todo
            if (key := mutant_keys[i]) is not None
            and (finished := results[i]) is not None
            and finished.verdict in CACHEABLE
        }
        self.state.store_results(fresh, used=(k for k in (*full_keys, *fc_keys) if k))
        return matrix

    def prove_no_coverage(
        self,
        mutants: Sequence[Mutant],
        plans: Sequence[tuple[str, ...] | None],
        baseline: Baseline,
    ) -> list[tuple[str, ...] | None]:
        """`plans` with every NoCoverage claim checked by one run of the suite with a marker on
        each claimed line (breakit.engine.coverage_proof): a mutant on a line that ran after all
        gets the whole suite instead. What was found is remembered under the sanity run's key."""
        plans = list(plans)
        claims, originals = no_coverage_claims(mutants, plans)
        if not claims:
            return plans
        key = self.sanity_key(baseline)
        found = self.state.load_proof(key) if self.use_cache else None
        cached = found is not None and set(claims) <= found["asked"]
        error = None
        if not cached:
            found, error = self._proof_run(originals, set(claims), baseline)
            if error is None:
                self.state.save_proof(key, found)
        assert found is not None
        hit = found["hit"] & set(claims)
        if error is not None:  # nothing proved: every claim runs the whole suite
            hit = set(claims)
        self.coverage_check = {
            "ran": True,
            "lines": len(found["checked"] & set(claims)),
            "hit": [{"path": path, "line": line} for path, line in sorted(hit)],
            "cached": cached,
            "error": error,
        }
        for path in sorted({path for path, _ in hit}):
            lines = {line for p, line in hit if p == path}
            moved = {i for line in lines for i in claims[(path, line)]}
            for index in moved:
                plans[index] = None
            self._note(proof_note(path, len(lines), len(moved), error))
        return plans

    def _proof_run(
        self, originals: dict[str, str], claims: set[tuple[str, int]], baseline: Baseline
    ) -> tuple[dict[str, set[tuple[str, int]]], str | None]:
        """The proof's one run (breakit.engine.coverage_proof.proof_run) in a runner of its own."""
        runner = self.new_runner()
        try:
            spec = self.spec(self.timeout_for(baseline))
            found, error, ran = proof_run(runner, self.workspace, spec, originals, claims)
        finally:
            if self.runner is None:
                runner.close()
        self.proof_runs += ran
        return found, error

    def sanity_key(self, baseline: Baseline) -> str:
        """The key of the forced-fail sanity run's verdict and the proof's (store.sanity_key)."""
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
