"""The main loop: baseline, a forced-fail sanity run, then the Mutants over workers: a KillMatrix.

The lab returns values and never prints: progress goes to the `on_result` callback, called in the
calling thread as each mutant finishes; the KillMatrix keeps the mutants' input order whatever
order they finished in. Each worker has its own Workspace (a copy of the project) and its own
runner: a fork worker (breakit.forkserver) where `os.fork` exists, else one fresh
`python -m pytest` per run. A mutant runs only the tests whose baseline coverage touches the
lines it changes (breakit.selection); the others are NOT_RUN.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import os
import queue
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from breakit import __version__
from breakit.config import Config, entry_files, is_glob
from breakit.coverage_proof import marked_sources, read_hits
from breakit.errors import BaselineFailedError, BreakitError, ExitCode
from breakit.forkserver import ForkRunner
from breakit.memlimit import default_limit_mb
from breakit.model import Baseline, KillMatrix, Mutant, MutantResult, Outcome, TestOutcome, Verdict
from breakit.runner import Runner, RunSpec, SubprocessRunner
from breakit.sandbox import Scratch, Workspace
from breakit.selection import ALL, changed_lines, hot_eligible, in_source, select_tests
from breakit.state import State, content_key, project_files, result_from_json, result_to_json
from breakit.verdict import mutant_result
from breakit.warm import DEFAULT_IDLE_S, WarmPool, fingerprint
from breakit.workers import auto_workers

OnResult = Callable[[MutantResult], None]

BACKENDS = ("fork", "subprocess")
WARM_MODES = ("off", "use", "start")
FORCED_FAILURE = "breakit forced failure"


def default_backend() -> str:
    return "fork" if hasattr(os, "fork") else "subprocess"


class ShadowingError(BreakitError):
    """The forced-fail sanity run passed: the tests import another copy of the code."""

    exit_code = ExitCode.CONFIG


@dataclass
class Lab:
    config: Config
    runner: Runner | None = None  # one runner for every run, one at a time (None: `backend`)
    use_cache: bool = True  # the cached baseline, and cached results if reuse_results
    reuse_results: bool = True  # False: run every mutant, but still cache what it finds
    jobs: int | None = None  # parallel workers (None: auto, from the baseline: breakit.workers)
    backend: str = field(default_factory=default_backend)  # "fork" or "subprocess"
    select: bool = True  # run only the tests that cover a mutant's changed lines
    sanity_check: bool = True  # the forced-fail run before the first mutant
    verify: bool = False  # check every result against the oracle (fresh pytest, whole suite)
    hot: bool = True  # fork backend: body-only mutants in a collect-once session (hotsession)
    # fork backend: workers forked from the project's warm pool (breakit.warm): "off", "use"
    # one that is running, or "start" one if none is
    warm: str = "off"
    warm_idle_s: float = DEFAULT_IDLE_S

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown backend {self.backend!r}: one of {', '.join(BACKENDS)}")
        if self.backend == "fork" and not hasattr(os, "fork"):
            self.backend = "subprocess"
        if self.warm not in WARM_MODES:
            raise ValueError(f"unknown warm mode {self.warm!r}: one of {', '.join(WARM_MODES)}")
        self._pool: WarmPool | None = None
        self.state = State(self.config.root)
        self._workspace: Workspace | None = None
        self._engine: dict[str, Any] = {}
        self._baseline: Baseline | None = None  # the last one baseline() returned
        self._sane = False
        self.hot_runs = 0  # mutants run in a hot session (breakit.hotsession)
        self.hot_fallbacks = 0  # hot mutants the session refused, run fresh instead
        self.warm_workers = 0  # workers forked from the warm pool (breakit.warm)
        self.sanity_runs = 0  # forced-fail runs (none when one passed under the same key)
        self.proof_runs = 0  # NoCoverage proof runs (none when one ran under the same key)
        # What the NoCoverage proof found (JSON "coverage_check"); notes for the user (the CLI
        # prints them on stderr): source entries never imported, lines the coverage map missed.
        self.coverage_check: dict[str, Any] = {"ran": False, "lines": 0, "hit": []}
        self.notes: list[str] = []

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

    def workers_for(self, baseline: Baseline | None) -> int:
        """`jobs`, else one per core, more if `baseline`'s tests wait (breakit.workers)."""
        if self.runner is not None:
            return 1
        return self.jobs if self.jobs else auto_workers(baseline)

    def spec(self, timeout_s: float | None = None, select: Sequence[str] | None = None) -> RunSpec:
        return RunSpec(
            test_args=self.config.tests,
            timeout_s=timeout_s,
            extra_args=self.config.pytest_args,
            select=None if select is None else tuple(select),
            memory_limit_mb=self.memory_limit_mb(),
        )

    def memory_limit_mb(self) -> int | None:
        """The test processes' memory ceiling (breakit.memlimit): `[tool.breakit]
        memory_limit_mb`, else a multiple of the baseline's peak; None: no ceiling."""
        if self.config.memory_limit_mb is not None:
            return self.config.memory_limit_mb or None
        return default_limit_mb(self._engine.get("peak_rss_kb"))

    # --- baseline -------------------------------------------------------------------------

    def baseline(self) -> Baseline:
        """The suite on the unmutated code, with per-test coverage of the source (cached while
        source and tests are unchanged)."""
        key = content_key(self.config.root)
        cached = self.state.load_baseline(key) if self.use_cache else None
        if cached is not None:
            self._engine = self.state.load_engine(key)
            self._baseline = cached
            self._note(*unimported_sources(self.config, cached))
            return cached
        # The unmutated suite runs as plain pytest would, under a ceiling only if one is set.
        spec = replace(self.spec(), memory_limit_mb=self.config.memory_limit_mb or None)
        if self.select and self.config.source:
            spec = replace(spec, coverage_source=self.config.source)
        spec = replace(spec, record_modules=True)
        with self.workspace.mutated({}) as workdir:
            if self.runner is None or isinstance(self.runner, SubprocessRunner):
                run, records = (self.runner or SubprocessRunner()).run_with_records(workdir, spec)
            else:
                run, records = self.runner.run(workdir, spec), []
        baseline = Baseline(tests=run.order, run=run, key=key)
        if run.error or baseline.failing or not run.order:
            raise BaselineFailedError(baseline_failure(baseline))
        modules = next((r["names"] for r in records if r.get("event") == "modules"), [])
        tests_s = sum(o.duration_s for o in run.outcomes.values())
        finish = next((r for r in records if r.get("event") == "finish"), {})
        self._engine = {
            "modules": [m for m in modules if m.split(".")[0] not in self.project_names()],
            "startup_s": max(0.0, run.duration_s - tests_s),
            "peak_rss_kb": finish.get("peak_rss_kb"),
        }
        self.state.save_baseline(baseline, self._engine)
        self._baseline = baseline
        self._note(*unimported_sources(self.config, baseline))
        return baseline

    def _note(self, *notes: str) -> None:
        self.notes.extend(note for note in notes if note not in self.notes)

    def project_names(self) -> frozenset[str]:
        """Top-level module names of the project (at its root, in src/, and the sources'):
        a fork worker never imports these, wherever they are installed."""
        root = self.config.root
        names = set()
        for folder in (root, root / "src"):
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if entry.suffix == ".py":
                    names.add(entry.stem)
                elif entry.is_dir() and any(entry.glob("*.py")):
                    names.add(entry.name)
        return frozenset(names | _source_names(self.config))

    def timeout_for(self, baseline: Baseline, tests: Sequence[str] | None = None) -> float:
        """factor × (the tests' baseline time + the suite's startup time) + a constant."""
        chosen = baseline.tests if tests is None else tests
        outcomes = baseline.run.outcomes
        tests_s = sum(outcomes[n].duration_s for n in chosen if n in outcomes)
        startup = self._engine.get("startup_s")
        if startup is None:
            startup = max(0.0, baseline.duration_s - sum(o.duration_s for o in outcomes.values()))
        return self.config.timeout_factor * (tests_s + startup) + self.config.timeout_min_s

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
        """True if a fork worker may run `mutant` in its hot session (breakit.hotsession)."""
        return (
            self.hot
            and self.backend == "fork"
            and hot_eligible(mutant, baseline.run.coverage, self.config.source)
        )

    def run_mutant(self, mutant: Mutant, baseline: Baseline) -> MutantResult:
        """One mutant in the session's workspace (no parallelism, no sanity run)."""
        chosen = self.plan(mutant, baseline)
        if chosen == ():
            return no_coverage(mutant, baseline)
        runner = self.runner or SubprocessRunner()
        return self._execute(runner, self.workspace, mutant, baseline, chosen)

    def _execute(
        self,
        runner: Runner,
        workspace: Workspace,
        mutant: Mutant,
        baseline: Baseline,
        chosen: tuple[str, ...] | None,
    ) -> MutantResult:
        started = time.perf_counter()
        spec = self.spec(self.timeout_for(baseline, chosen), chosen)
        # A hot session is collected once per worker, from the workspace before the change lands.
        if (
            isinstance(runner, ForkRunner)
            and self.is_hot(mutant, baseline)
            and runner.open_session(workspace.path, self.spec())
        ):
            spec = replace(spec, hot=tuple(mutant.changes.items()))  # type: ignore[arg-type]
        with workspace.mutated(mutant.changes) as workdir:
            run = runner.run(workdir, spec)
        return mutant_result(mutant, run, baseline.tests, time.perf_counter() - started)

    def run(
        self, mutants: Sequence[Mutant], baseline: Baseline, on_result: OnResult | None = None
    ) -> KillMatrix:
        """Every mutant, over `workers` in parallel; results streamed to `on_result`.

        A mutant whose result is cached under the same key (docs/architecture.md, "Incremental
        runs") is not run again, unless the lab was made with use_cache=False.
        """
        plans = self.prove_no_coverage(mutants, [self.plan(m, baseline) for m in mutants], baseline)
        results: list[MutantResult | None] = [None] * len(mutants)
        keys = ResultKeys(self.config)
        mutant_keys = [
            None if chosen == () else keys.key(mutant, chosen)
            for mutant, chosen in zip(mutants, plans, strict=True)
        ]
        cache = self.state.cached_results() if self.use_cache and self.reuse_results else {}
        for index, key in enumerate(mutant_keys):
            reused = result_from_json(mutants[index], cache[key]) if key in cache else None
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
            # Each result is journaled as it comes (after the sanity run: _run_parallel holds
            # them until then), so an interrupted run loses none it finished.
            with self.state.journal() as journal:
                for index, result in self._run_parallel(mutants, plans, todo, baseline):
                    hand_out_unrun()
                    results[index] = result
                    key = mutant_keys[index]
                    if key is not None and result.verdict in CACHEABLE:
                        journal.add(key, result_to_json(result))
                    if on_result is not None:
                        on_result(result)
        hand_out_unrun()
        matrix = KillMatrix(tests=baseline.tests, results=tuple(r for r in results if r))
        if self.verify:
            from breakit.oracle import check_against_oracle

            try:
                check_against_oracle(self, matrix, baseline)
            except BreakitError:
                self.state.discard_journal()  # a disagreeing result is never kept
                raise
        self.state.record(matrix)
        fresh = {
            mutant_keys[i]: result_to_json(results[i])  # type: ignore[arg-type]
            for i in todo
            if results[i] is not None and results[i].verdict in CACHEABLE  # type: ignore[union-attr]
        }
        self.state.store_results(fresh, keep=(k for k in mutant_keys if k is not None))
        return matrix

    def prove_no_coverage(
        self,
        mutants: Sequence[Mutant],
        plans: Sequence[tuple[str, ...] | None],
        baseline: Baseline,
    ) -> list[tuple[str, ...] | None]:
        """`plans` with every NoCoverage claim checked by one run of the suite with a marker on
        each claimed line (breakit.coverage_proof): a mutant on a line that ran after all gets
        the whole suite instead. What was found is remembered under the sanity run's key."""
        plans = list(plans)
        claims: dict[tuple[str, int], list[int]] = {}
        originals: dict[str, str] = {}
        for index, chosen in enumerate(plans):
            if chosen != ():
                continue
            for path, new in mutants[index].changes.items():
                original = mutants[index].originals.get(path)
                if new is None or original is None:
                    continue
                originals[path] = original
                for line in changed_lines(original, new):
                    claims.setdefault((path, line), []).append(index)
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
            why = "the coverage map missed" if error is None else "could not check"
            self._note(
                f"{why} {len(lines)} line{'s' * (len(lines) != 1)} in {path}; their "
                f"{len(moved)} mutant{'s' * (len(moved) != 1)} ran the whole suite"
                + (f" ({error.splitlines()[0]})" if error else "")
            )
        return plans

    def _proof_run(
        self, originals: dict[str, str], claims: set[tuple[str, int]], baseline: Baseline
    ) -> tuple[dict[str, set[tuple[str, int]]], str | None]:
        """The suite once with markers on the claimed lines: what it checked and hit, or why
        it could not run (a timeout, an error: then nothing is proved)."""
        scratch = Scratch("breakit-proof-")  # a SIGKILLed command's: the next one removes it
        try:
            hits_file = scratch.path / "hits"
            marked = marked_sources(originals, claims, hits_file)
            found: dict[str, set[tuple[str, int]]] = {
                "asked": claims,
                "checked": set(marked.checked),
                "hit": set(),
            }
            if not marked.changes:
                return found, None
            self.proof_runs += 1
            runner = self.runner or self._new_runner()
            try:
                with self.workspace.mutated(marked.changes) as workdir:
                    run = runner.run(workdir, self.spec(self.timeout_for(baseline)))
            finally:
                if self.runner is None:
                    _stop_runner(runner)
            for number in read_hits(hits_file):
                found["hit"].update(marked.markers.get(number, ()))
        finally:
            scratch.remove()
        if run.timed_out:
            return found, f"the proof run {run.error or 'timed out'}"
        return found, None if run.error is None else f"the proof run failed: {run.error}"

    def sanity_key(self, baseline: Baseline) -> str:
        """What the forced-fail sanity run's verdict depends on: the project's files (the
        baseline's key covers every source, test and configuration file) and where the tests
        import from (the Python, sys.path and its installs, the environment: warm.fingerprint)."""
        where = fingerprint(
            self._engine.get("modules", []), sorted(self.project_names()), dict(os.environ)
        )
        return f"{baseline.key}-{where}-{self.backend}"

    def _new_runner(self) -> Runner:
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

    def _run_parallel(
        self,
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
        done: queue.SimpleQueue[tuple[int, MutantResult | BaseException | None]] = (
            queue.SimpleQueue()
        )
        stop = threading.Event()
        sanity = self.sanity_check and not self._sane
        count = max(1, min(self.workers_for(baseline), len(todo) + sanity))
        runners = [self._new_runner() for _ in range(count)]

        def work(slot: int, workspace: Workspace) -> None:
            runner = runners[slot]
            try:
                if isinstance(runner, ForkRunner):
                    runner.start()
                if slot == 0 and sanity:
                    self._forced_failure(runner, workspace, baseline)
                    done.put((_SANE, None))
                while not stop.is_set():
                    try:
                        index = jobs.get_nowait()
                    except queue.Empty:
                        return
                    result = self._execute(
                        runner, workspace, mutants[index], baseline, plans[index]
                    )
                    done.put((index, result))
            except BaseException as exc:  # handed to the calling thread, which raises it
                done.put((_FAILED, exc))

        held: list[tuple[int, MutantResult]] = []
        with contextlib.ExitStack() as stack:
            workspaces = [self.workspace]
            for _ in range(count - 1):
                workspaces.append(stack.enter_context(Workspace(self.config.root)))
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
                        self._sane = True
                        self.state.save_sane(self.sanity_key(baseline))
                        yield from held
                        held.clear()
                    elif isinstance(item, MutantResult):
                        if self._sane or not self.sanity_check:
                            yield index, item
                        else:
                            held.append((index, item))
            finally:
                stop.set()
                for runner in runners:
                    if isinstance(runner, ForkRunner):
                        self.hot_runs += runner.hot_runs
                        self.hot_fallbacks += runner.fallbacks
                        self.warm_workers += runner.warm
                    _stop_runner(runner)
                for thread in threads:
                    thread.join(timeout=10)

    def _forced_failure(self, runner: Runner, workspace: Workspace, baseline: Baseline) -> None:
        """Run the suite with every source module raising at import: it must fail.

        If it passes, the tests import another copy of the code than the workspace's (an
        install in site-packages, an editable install pointing at the user's tree) and every
        verdict would be wrong: stop with a loud error instead.
        """
        changes = forced_failure_changes(self.config)
        if not changes:
            return
        self.sanity_runs += 1
        spec = self.spec(self.timeout_for(baseline))
        with workspace.mutated(changes) as workdir:
            run = runner.run(workdir, spec)
        if run.timed_out:
            raise ShadowingError("the forced-failure sanity run timed out: " + (run.error or ""))
        failed = [
            o for o in run.outcomes.values() if o.outcome in (Outcome.CAUGHT, Outcome.ERRORED)
        ]
        # pytest itself may be the first to import the source: a filterwarnings entry naming
        # the project's own warning class (`ignore::pkg.warnings.W`) is imported while pytest
        # reads its configuration, and fails with a usage error. If that error's chain holds
        # the forced failure, the first copy of the code on sys.path is the workspace's (the
        # tests only ever add folders of the workspace in front of it): the run has proved it.
        if failed or (run.error and FORCED_FAILURE in run.error):
            return
        if run.error:
            raise ShadowingError(
                f"the forced-failure sanity run did not run:\n{run.error}",
                hint=f"that is pytest's error with every source module raising {FORCED_FAILURE!r}"
                " at import: something pytest loads before the tests (a plugin, a setting in its "
                "configuration) imports the source and fails in a way that does not name it",
            )
        names = ", ".join(sorted(self.project_names() & _source_names(self.config)))
        raise ShadowingError(
            f"the tests do not import the copy of the code breakit mutates: with every module of "
            f"{', '.join(self.config.source)} raising {FORCED_FAILURE!r} at import, the suite "
            f"still passes. They import {names or 'the project'} from somewhere else (an "
            "install in site-packages, or an editable install pointing at your working tree)",
            hint="make the tests import the project from its folder: set pythonpath (pytest's "
            "[tool.pytest.ini_options] pythonpath = [...]) to the folder holding the package, "
            "or use a src/ or flat layout; check with python -c 'import PKG; print(PKG.__file__)'",
        )


_SANE, _FAILED = -1, -2  # what a worker hands back besides (index, result)

# A timeout depends on the machine's load as much as on the code: it is always run again.
CACHEABLE = frozenset(Verdict) - {Verdict.TIMEOUT}


class ResultKeys:
    """The cache key of a mutant's result: a hash of everything the result depends on.

    That is the mutant's own changes, every project file that is not a test module (the source,
    conftest.py files, pyproject.toml and pytest's other configuration), the ids of the tests it
    runs and the content of the test modules holding them. A changed test module therefore
    invalidates only the mutants that run one of its tests; a new test that covers a mutant
    changes the tests it runs (the baseline's coverage says so), and with them its key.
    """

    def __init__(self, config: Config) -> None:
        self.root = config.root
        tested = [PurePosixPath(t.split("::")[0]) for t in config.tests]
        self.test_files: dict[str, bytes] = {}
        common = hashlib.sha256(f"breakit {__version__}\0".encode())
        for path in project_files(self.root):
            rel = path.relative_to(self.root).as_posix()
            content = path.read_bytes()
            is_test = path.name != "conftest.py" and any(
                PurePosixPath(rel) == t or t in PurePosixPath(rel).parents for t in tested
            )
            if is_test:
                self.test_files[rel] = content
            else:
                common.update(rel.encode() + b"\0" + content + b"\0")
        self.common = common.hexdigest()

    def key(self, mutant: Mutant, chosen: tuple[str, ...] | None) -> str:
        digest = hashlib.sha256(self.common.encode())
        for path, content in sorted(mutant.changes.items()):
            digest.update(f"\0change {path}\0".encode())
            digest.update(b"<deleted>" if content is None else content.encode())
        if chosen is None:
            digest.update(b"\0every test")
            files = sorted(self.test_files)
        else:
            digest.update(("\0tests " + "\n".join(sorted(chosen))).encode())
            files = sorted({nodeid.split("::")[0] for nodeid in chosen})
        for rel in files:
            digest.update(f"\0file {rel}\0".encode())
            digest.update(self.test_files.get(rel, b"<not a test module>"))
        return digest.hexdigest()[:24]


def _source_names(config: Config) -> set[str]:
    """The top-level names the source is imported under: each entry's first folder (`src/`
    aside); for a file entry, or a glob's files, each of its folders and its own stem too: a
    test next to `app/main.py` in a folder without `__init__.py` imports it as `main` (pytest
    puts the folder on sys.path), so a worker must not preload `main` either. Those extra names
    are never a standard library one (a worker's child drops every project name it has)."""
    first, extra = set(), set()
    for source in config.source:
        files = entry_files(config.root, source) if is_glob(source) else [source]
        for rel in files:
            parts = PurePosixPath(rel).parts
            if parts and parts[0] == "src" and len(parts) > 1:
                parts = parts[1:]
            if parts:
                first.add(parts[0].removesuffix(".py"))
            if rel.endswith(".py"):
                extra.update(p.removesuffix(".py") for p in parts if p != "__init__.py")
    return first | (extra - set(sys.stdlib_module_names))


def unimported_sources(config: Config, baseline: Baseline) -> list[str]:
    """A warning for each source entry none of whose files ran a line in the baseline (its
    coverage map): the tests never import it, so its mutants would all be NoCoverage."""
    coverage = baseline.run.coverage
    if coverage is None:
        return []
    ran = {path for lines in coverage.values() for path, _ in lines}
    notes = []
    for entry in config.source:
        files = entry_files(config.root, entry)
        if files and ran.isdisjoint(files) and any(_has_code(config.root / f) for f in files):
            notes.append(
                f"warning: [tool.breakit] source entry {entry!r}: the tests never import it "
                "(no line of it ran on the unmutated code); check the entry and the tests"
            )
    return notes


def _has_code(path: Path) -> bool:
    try:
        return bool(ast.parse(path.read_text(encoding="utf-8")).body)
    except (OSError, SyntaxError, ValueError):
        return False


def _stop_runner(runner: Runner) -> None:
    if isinstance(runner, ForkRunner):
        runner.close()
    elif isinstance(runner, SubprocessRunner):
        runner.cancel()


def forced_failure_changes(config: Config) -> dict[str, str]:
    """Every Python file of `config.source` with `raise RuntimeError(...)` as its first statement
    (after the docstring and `from __future__` imports, which must stay first)."""
    changes = {}
    root = config.root
    raise_line = f"raise RuntimeError({FORCED_FAILURE!r})"
    for path in project_files(root):
        rel = path.relative_to(root).as_posix()
        if not rel.endswith(".py") or not in_source(rel, config.source):
            continue
        try:
            text = path.read_text(encoding="utf-8").removeprefix("\ufeff")  # no BOM in a str
            with warnings.catch_warnings():  # "invalid escape sequence" and the like: not ours
                warnings.simplefilter("ignore")
                body = ast.parse(text).body
        except (SyntaxError, ValueError):  # ValueError: not UTF-8, or a null byte
            continue
        at = 0
        while at < len(body) and _stays_first(body[at], at):
            at += 1
        # The raise gets a line of its own: right after the last statement that stays first,
        # else just before the first statement (after the comments that head the file).
        lines = text.split("\n") if text else []
        if at:
            line = body[at - 1].end_lineno or body[at - 1].lineno
        elif body:
            decorators = getattr(body[0], "decorator_list", [])
            line = min([body[0].lineno, *(d.lineno for d in decorators)]) - 1
        else:
            line = len(lines) - 1 if text.endswith("\n") else len(lines)
        changes[rel] = "\n".join([*lines[:line], raise_line, *lines[line:]])
    return changes


def _stays_first(statement: ast.stmt, position: int) -> bool:
    if position == 0 and isinstance(statement, ast.Expr):
        value = statement.value
        return isinstance(value, ast.Constant) and isinstance(value.value, str | bytes)
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"


def no_coverage(mutant: Mutant, baseline: Baseline) -> MutantResult:
    """No test and no import executes the mutant's lines: NoCoverage, without running."""
    tests = {nodeid: TestOutcome(nodeid, Outcome.NOT_RUN) for nodeid in baseline.tests}
    return MutantResult(
        mutant=mutant,
        verdict=Verdict.NO_COVERAGE,
        tests=tests,
        error="no test executes the changed lines",
    )


def baseline_failure(baseline: Baseline) -> str:
    """One line naming what is wrong with a red baseline."""
    run = baseline.run
    if run.error:
        return f"the suite does not run on the unmutated code: {run.error}"
    if not run.order:
        return "the suite collected no tests: check [tool.breakit] tests"
    failing = list(baseline.failing)
    names = ", ".join(f"{o.nodeid} ({o.message or o.outcome.value})" for o in failing[:5])
    more = f" and {len(failing) - 5} more" if len(failing) > 5 else ""
    return f"the suite fails on the unmutated code, fix it first: {names}{more}"
