"""The vocabulary: Mutation, Mutant, TestOutcome, Verdict, Baseline, MutantResult, KillMatrix.

Frozen values only; the engine produces them, every command and report reads them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst as cst


FULL, FIRST_CATCH = "full", "first-catch"  # what a KillMatrix holds: its `mode`


class Outcome(StrEnum):
    """What one test did under one mutant."""

    CAUGHT = "caught"  # the test failed: it noticed the breakage
    ERRORED = "errored"  # the test could not run (fixture missing, setup crashed): not a failure
    # (also a test module whose collection failed, under its path: runners.suite_run)
    MISSED = "missed"  # the test passed: it did not notice
    NOT_RUN = "not_run"  # the test was not run for this mutant (deselected, or the run stopped)


class NotRun(StrEnum):
    """Why a NOT_RUN test did not run, where the run knows it (`TestOutcome.not_run`); a test
    not run with no reason (None) was deselected, or never reached once the run stopped on its
    own (a first-catch stop, a collection error). --verify compares by it (engine.oracle)."""

    # Its test process died before it started, and nothing ran it afterwards (a plain pytest,
    # as the oracle runs it, stops at the first crash).
    AFTER_DEATH = "after_death"
    STOPPED_DURING = "stopped_during"  # it was running when the run was stopped (timeout, Ctrl-C)


class RunFailure(StrEnum):
    """How a run failed as a whole (`SuiteRun.failure`, with its `error`), decided where the failure
    is seen (runners.suite_run, from the plugin's records, pytest's exit status and output);
    the verdict reads it (engine.verdict: SYNTAX_ERROR is a CompileError), never the text."""

    SYNTAX_ERROR = "syntax error"  # code pytest imported does not compile
    IMPORT_ERROR = "import error"  # importing a test module or a conftest.py raised
    USAGE_ERROR = "usage error"  # pytest stopped reading its options or configuration (exit 4)
    INTERNAL_ERROR = "internal error"  # pytest's INTERNALERROR (exit 3)
    INTERRUPTED = "interrupted"  # pytest was interrupted (exit 2, no collection error)
    EXIT_STATUS = "exit status"  # pytest ended with a status of its own (`pytest.exit(…, 7)`)
    PROCESS_DIED = "process died"  # the test process died, not during a test
    TIMED_OUT = "timed out"  # the run was stopped at its time limit


class Verdict(StrEnum):
    """Per mutant, spelt as the mutation-testing-report-schema spells them."""

    KILLED = "Killed"
    SURVIVED = "Survived"
    TIMEOUT = "Timeout"
    NO_COVERAGE = "NoCoverage"
    COMPILE_ERROR = "CompileError"
    RUNTIME_ERROR = "RuntimeError"
    IGNORED = "Ignored"  # declared equivalent in [tool.breakit.equivalent]: not run


# --- curated mutations ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileEdit:
    """One file a Mutation changes: a libcst transformer to run on it, or None to delete it.

    `path` is relative to the project root and may be a glob (`tests/integration/test_*.py`).
    `looks_for` says, in words, what the transformer expects to find: it is what the error says
    when the code has changed and the transformer no longer changes anything.
    """

    path: str
    transformer: type[cst.CSTTransformer] | None
    looks_for: str = ""


@dataclass(frozen=True)
class Mutation:
    """A named, curated breakage: one exercise of the catalog."""

    id: str
    title: str
    question: str
    hints: tuple[str, ...]
    edits: tuple[FileEdit, ...]
    # The answer key: node ids of the tests expected to catch it (None: not declared). What
    # actually caught it is a result's `catchers` (JSON: `expected_caught_by`, `caught_by`).
    caught_by: tuple[str, ...] | None = None
    # Why this breakage matters (which "Explain it" question it demonstrates); optional.
    explain: str | None = None
    source_file: str | None = None  # where the mutation itself is defined, for error messages

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(edit.path for edit in self.edits)


# --- mutants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a mutant changes the code: 1-based lines, 1-based columns, end inclusive."""

    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Mutant:
    """One concrete change, ready to run.

    `changes` maps project-relative paths to their new text (None: the file is deleted);
    `originals` holds the unmutated text of the same paths, from which the diff is made.
    ("changes" is only ever such a map in breakit: git's changed lines are a `GitDiff`,
    one operator's rewrite of one node an `Edit`.)
    """

    id: str
    origin: str  # "mutation" for curated breakages, else the operator's name
    title: str
    changes: Mapping[str, str | None]
    originals: Mapping[str, str]
    location: Location | None = None
    replacement: str | None = None
    mutation: Mutation | None = None  # set for curated mutants

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(sorted(self.changes))

    @property
    def diff(self) -> str:
        """A unified diff with a/ b/ prefixes that `git apply` takes at the project root."""
        return unified_diff(self.originals, self.changes)


def unified_diff(originals: Mapping[str, str], changes: Mapping[str, str | None]) -> str:
    parts: list[str] = []
    for path in sorted(changes):
        old = originals.get(path, "")
        new = changes[path]
        old_lines = old.splitlines(keepends=True)
        new_lines = [] if new is None else new.splitlines(keepends=True)
        header = "/dev/null" if new is None else f"b/{path}"
        body = list(difflib.unified_diff(old_lines, new_lines, f"a/{path}", header))
        if new is None:
            body.insert(0, f"diff --git a/{path} b/{path}\ndeleted file mode 100644\n")
        for line in body:
            parts.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(parts)


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestOutcome:
    """One test under one mutant (or under the baseline)."""

    __test__ = False  # not a pytest test class, whatever its name says

    nodeid: str
    outcome: Outcome
    message: str | None = None  # the first useful line of the failure, e.g. "assert 404 == 200"
    duration_s: float = 0.0
    longrepr: str | None = None  # pytest's full failure text, for the verbose views
    # The process's CPU time during the test, and the time its thread waited for a free core
    # (Linux; else 0): the rest of duration_s was spent waiting (sleep, I/O). None: not measured
    # (a cache written before breakit recorded them). Only the baseline's are kept in .breakit/.
    cpu_s: float | None = None
    queued_s: float | None = None
    not_run: NotRun | None = None  # why a NOT_RUN test did not run, where that is known
    # Its JSON (the result cache, the baseline, the report): one codec, breakit.core.outcome_codec.

    @property
    def not_reached(self) -> bool:
        """Not run, with nothing to say why: deselected (its tests do not reach the change), or
        never reached once the run stopped. Such an outcome is the same for every mutant."""
        return self.outcome is Outcome.NOT_RUN and self.message is None and self.not_run is None


@dataclass(frozen=True)
class SuiteRun:
    """What one pytest run reported, test by test, in the order the tests ran."""

    outcomes: Mapping[str, TestOutcome]
    order: tuple[str, ...]
    duration_s: float
    exit_status: int | None  # pytest's exit status; None when it was killed
    timed_out: bool = False
    # A problem that is not a test's: collection errors, an import error, a crash of pytest.
    error: str | None = None
    failure: RunFailure | None = None  # what kind of problem `error` is (set with it)
    coverage: Mapping[str, frozenset[tuple[str, int]]] | None = None  # nodeid -> (path, line)


@dataclass(frozen=True)
class Baseline:
    """The suite on the unmutated code. Every mutant is judged against it."""

    tests: tuple[str, ...]
    run: SuiteRun
    key: str  # content hash of the source and tests it was made from

    @property
    def duration_s(self) -> float:
        return self.run.duration_s

    @property
    def wait_ratio(self) -> float | None:
        """The tests' wall time over the time they needed a core (CPU time plus time queued for
        one): 1 for a CPU-bound suite, more the longer its tests sleep or wait for I/O. None when
        the baseline has no CPU times (an older cache) or its tests took no measurable time."""
        return self.wait_ratio_of((None,))

    def wait_ratio_of(self, runs: Iterable[Sequence[str] | None]) -> float | None:
        """`wait_ratio` of the work `runs` will do, each run its tests (None: the whole suite).
        A suite's sleeping tests count only as often as the runs run them: pyjwt's three
        sleeping JWKS-client tests make its whole suite wait 3.5x as long as it computes, but a
        mutant of its encoder runs none of them."""
        timed = {k: o for k, o in self.run.outcomes.items() if o.cpu_s is not None}
        if not timed:
            return None
        suite_wall = sum(o.duration_s for o in timed.values())
        suite_busy = sum((o.cpu_s or 0.0) + (o.queued_s or 0.0) for o in timed.values())
        wall = busy = 0.0
        for tests in runs:
            if tests is None:
                wall, busy = wall + suite_wall, busy + suite_busy
                continue
            for nodeid in tests:
                outcome = timed.get(nodeid)
                if outcome is not None:
                    wall += outcome.duration_s
                    busy += (outcome.cpu_s or 0.0) + (outcome.queued_s or 0.0)
        if wall <= 0.0:
            return None
        # A suite of sleeps needs next to no CPU: a floor keeps the ratio finite (it is capped).
        return wall / max(busy, 1e-3)

    @property
    def failing(self) -> tuple[TestOutcome, ...]:
        failed = (Outcome.CAUGHT, Outcome.ERRORED)
        return tuple(o for o in self.run.outcomes.values() if o.outcome in failed)


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    verdict: Verdict
    tests: Mapping[str, TestOutcome]
    order: tuple[str, ...] = ()  # the order the tests ran in (order-dependent breakages)
    duration_s: float = 0.0
    error: str | None = None  # for CompileError / RuntimeError / Timeout: what happened
    cached: bool = False  # reused from .breakit/: nothing it depends on changed since it ran

    @property
    def catchers(self) -> tuple[str, ...]:
        """The tests that failed on the mutant (the answer key is `Mutation.caught_by`)."""
        return tuple(n for n, o in self.tests.items() if o.outcome is Outcome.CAUGHT)

    @property
    def errored_in(self) -> tuple[str, ...]:
        return tuple(n for n, o in self.tests.items() if o.outcome is Outcome.ERRORED)

    @property
    def detected(self) -> bool:
        return self.verdict in (Verdict.KILLED, Verdict.TIMEOUT)


@dataclass(frozen=True)
class KillMatrix:
    """Mutants × tests → TestOutcome: the one model every command and report reads."""

    tests: tuple[str, ...]
    results: tuple[MutantResult, ...] = field(default_factory=tuple)
    # First-catch mode (`check --first-catch`): each mutant stopped at its first catching test, so
    # a Killed mutant's catchers are those seen before the stop, its later tests NOT_RUN; the
    # verdicts are the full matrix's (docs/json.md, "matrix").
    first_catch: bool = False
    # `check --max-time`: the mutants the run never started, its budget spent. They have no
    # verdict: never caught, never survived; the next run takes them up (their results are not
    # in `.breakit/`, the finished ones' are).
    unchecked: tuple[Mutant, ...] = ()

    @property
    def mode(self) -> str:
        """`full` or `first-catch`: JSON's `matrix`, results.json's."""
        return FIRST_CATCH if self.first_catch else FULL

    def outcome(self, mutant_id: str, nodeid: str) -> Outcome:
        result = self.result(mutant_id)
        found = result.tests.get(nodeid)
        return found.outcome if found else Outcome.NOT_RUN

    def result(self, mutant_id: str) -> MutantResult:
        for result in self.results:
            if result.mutant.id == mutant_id:
                return result
        raise KeyError(mutant_id)

    @property
    def survivors(self) -> tuple[MutantResult, ...]:
        return tuple(r for r in self.results if r.verdict is Verdict.SURVIVED)

    def score(self) -> float | None:
        """Stryker's mutation score: (Killed + Timeout) / valid mutants, in percent.

        Valid mutants are all but CompileError, RuntimeError and Ignored; None when there are none.
        """
        invalid = (Verdict.COMPILE_ERROR, Verdict.RUNTIME_ERROR, Verdict.IGNORED)
        valid = [r for r in self.results if r.verdict not in invalid]
        if not valid:
            return None
        return 100.0 * sum(r.detected for r in valid) / len(valid)
