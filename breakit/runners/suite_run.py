"""A run's pieces, put together: what the in-run plugin recorded → a SuiteRun.

A test process that dies while a test runs (`os._exit`, a segfault, the memory ceiling) does not
lose the run: as pytest-xdist does with a crashed worker, that test is caught with how the
process died, and the tests after it run in a fresh process (`tests_after_death`, one `RunReply`
per process; `suite_run_from_pieces` puts them together). Every runner builds its SuiteRun here.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from breakit.core.failure_text import collect_error_message
from breakit.core.model import NotRun, Outcome, RunFailure, SuiteRun, TestOutcome
from breakit.core.outcome_codec import outcome_from_json
from breakit.core.run_records import (
    Collected,
    CollectFailed,
    ConfigureFailed,
    Finish,
    Judged,
    RunRecord,
    Start,
    first,
)
from breakit.core.wire import RunReply
from breakit.runners.run_failure import (
    CONFTEST_FAILED,
    CONFTEST_LINE,
    FAILS_AT_IMPORT,
    SESSION,
    CollectError,
    collection_failures,
    exit_failure,
    exit_problem,
    import_failure,
    raised_failure,
)
from breakit.runners.run_spec import RunSpec

# A test's message when its process died before it started and nothing ran it afterwards (a
# plain pytest, as the oracle runs it, stops at the first crash): NotRun.AFTER_DEATH says it
# as data.
NOT_RUN_AFTER_DEATH = "not run: the test process died before this test"
# The message of the test that was running when the run was stopped (its timeout, or Ctrl-C):
# NotRun.STOPPED_DURING.
STOPPED_DURING = "the run was stopped during this test"
# The message of a test module (or conftest.py) whose collection failed, charged as errored.
COLLECTION_FAILED = "collection failed"


def tests_after_death(piece: RunReply) -> tuple[str, ...]:
    """The selected tests that never started because the process died during a test: what a
    fresh process runs next (empty if it did not die in a test)."""
    if died_during(piece) is None:
        return ()
    started = {r.nodeid for r in piece.records if isinstance(r, Start)}
    collected = first(piece.records, Collected)
    return tuple(n for n in (collected.nodeids if collected else ()) if n not in started)


def died_during(piece: RunReply) -> str | None:
    """The test that was running when the process died (None: it did not die in a test).

    pytest always ends with its `finish` record, also on pytest.exit(), Ctrl-C and internal
    errors, and sys.exit() inside a test is a failure like any other; so a test that started,
    never finished, and no `finish` record, means the process itself went away.
    """
    if piece.timed_out or piece.exit_status is None:
        return None
    if first(piece.records, Finish) is not None:
        return None
    done = {r.nodeid for r in piece.records if isinstance(r, Judged)}
    starts = [r.nodeid for r in piece.records if isinstance(r, Start)]
    return next((nodeid for nodeid in reversed(starts) if nodeid not in done), None)


PieceRun = Callable[[tuple[str, ...] | None], RunReply]  # run the tests `nodeids` (None: all)


def run_in_pieces(run_piece: PieceRun, spec: RunSpec) -> list[RunReply]:
    """`run_piece(nodeids)` for `spec.nodeids`, then, each time the process died during a test,
    again for the tests after that one (each piece runs at least one test fewer).

    No new piece starts once the pieces so far have used the mutant's whole time
    (`spec.timeout_s`): a mutant that kills every test is Killed by the first death already,
    and one fresh process per test of a large suite would cost more than the rest can tell.
    The tests left are NOT_RUN (NOT_RUN_AFTER_DEATH), as they are in a plain pytest. In
    first-catch mode (`spec.first_catch`) that death is the first catch: no piece follows it.
    """
    pieces = [run_piece(spec.nodeids)]
    # First-catch mode stops at the first catch, and a test during which the process died is one.
    while not spec.first_catch and (rest := tests_after_death(pieces[-1])):
        spent = sum(piece.duration_s for piece in pieces)
        if spec.timeout_s is not None and spent >= spec.timeout_s:
            break
        pieces.append(run_piece(rest))
    return pieces


def suite_run_from_records(
    records: Iterable[RunRecord],
    *,
    duration_s: float,
    exit_status: int | None,
    timed_out: bool = False,
    timeout_s: float | None = None,
    output: str = "",
) -> SuiteRun:
    """A SuiteRun from the plugin's records, pytest's exit status and the tail of its output."""
    piece = RunReply(list(records), duration_s, exit_status, timed_out, output)
    return suite_run_from_pieces([piece], timeout_s=timeout_s)


def suite_run_from_pieces(
    pieces: Sequence[RunReply],
    *,
    timeout_s: float | None = None,
    memory_limit_mb: int | None = None,
    workdir: Path | None = None,
) -> SuiteRun:
    """One SuiteRun from the pieces of a run (run_in_pieces), in the order they ran.

    A test during which its process died is caught, with how the process died. Tests collected
    but never started are NOT_RUN: after a death that nothing followed up, with
    NOT_RUN_AFTER_DEATH (NotRun.AFTER_DEATH). A test module whose collection failed, and a
    conftest.py pytest could not load, is ERRORED under its own node id (its path:
    `collection_failures`). `workdir` is cut from the paths in pytest's messages.
    """
    assembly = _Assembly(timeout_s, memory_limit_mb)
    for index, piece in enumerate(pieces):
        output = piece.output
        if workdir is not None:
            output = output.replace(f"{workdir}{os.sep}", "")
        assembly.add(index, piece, output)
    return assembly.suite_run(pieces)


@dataclass
class _Assembly:
    """What the pieces of one run said so far, piece by piece (`add`), and the SuiteRun they
    make (`suite_run`)."""

    timeout_s: float | None
    memory_limit_mb: int | None
    outcomes: dict[str, TestOutcome] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    collected: list[str] = field(default_factory=list)
    collect_errors: dict[str, CollectError] = field(default_factory=dict)
    collect_texts: dict[str, str | None] = field(default_factory=dict)
    # A conftest.py pytest stopped loading -> its error.
    conftests: dict[str, CollectError] = field(default_factory=dict)
    # What went wrong that is no test's, in order, each with its kind.
    problems: list[tuple[RunFailure, str]] = field(default_factory=list)
    # nodeid -> why it has no outcome, and the message that says so.
    stopped: dict[str, tuple[NotRun, str]] = field(default_factory=dict)
    timed_out: bool = False

    def add(self, index: int, piece: RunReply, output: str) -> None:
        """The `index`th piece of the run, `output` its pytest output."""
        starts = self._read_records(piece)
        configured = _configure_error(piece)
        self.order.extend(n for n in starts if n not in self.order)
        running = next((n for n in reversed(starts) if n not in self.outcomes), None)
        died = died_during(piece)
        if piece.timed_out:
            self._timed_out(index, running)
            running = None
        elif died is not None:
            self._died_in_test(piece, died)
        elif configured is not None:
            self.problems.append(configured)  # pytest stopped: a plugin raised configuring it
        elif first(piece.records, Finish) is None and _died(piece, output):
            how = _how_it_died(piece, self.memory_limit_mb)
            if starts:
                problem = f"the test process {how} after its last test"
            elif self.collected:
                problem = f"the test process {how} before any test started"
            else:
                problem = f"{FAILS_AT_IMPORT}: the test process {how} while collecting"
            self.problems.append((RunFailure.PROCESS_DIED, problem))
        elif piece.exit_status not in (None, 0, 1, 5) and not self.collect_errors:
            self._stopped_by_pytest(piece.exit_status, output)
        if running and died is None:  # stopped from outside (Ctrl-C)
            self.stopped.setdefault(running, (NotRun.STOPPED_DURING, STOPPED_DURING))

    def _read_records(self, piece: RunReply) -> list[str]:
        """Take in the piece's records; the tests it started, in order."""
        starts: list[str] = []
        for record in piece.records:
            if isinstance(record, Start):
                starts.append(record.nodeid)
            elif isinstance(record, Judged):
                self.outcomes[record.nodeid] = outcome_from_json(record.nodeid, record.outcome)
            elif isinstance(record, Collected):
                self.collected.extend(n for n in record.nodeids if n not in self.collected)
            elif isinstance(record, CollectFailed):
                where = record.nodeid or SESSION
                failure = RunFailure(record.failure or RunFailure.IMPORT_ERROR)
                self.collect_errors.setdefault(where, CollectError(record.message, failure))
                self.collect_texts.setdefault(where, record.longrepr)
        return starts

    def _timed_out(self, index: int, running: str | None) -> None:
        limit = f" after {self.timeout_s:g} s" if self.timeout_s is not None else ""
        if running:
            self.stopped[running] = (NotRun.STOPPED_DURING, STOPPED_DURING)
        if index == 0:
            self.timed_out = True
            where = f" in {running}" if running else " before any test started"
            self.problems.append((RunFailure.TIMED_OUT, f"timed out{limit}{where}"))
        elif running:  # after a crash, in the fresh process: that crash is the verdict
            message = f"timed out{limit} (in a fresh process, after a crash)"
            self.stopped[running] = (NotRun.STOPPED_DURING, message)

    def _died_in_test(self, piece: RunReply, died: str) -> None:
        how = _how_it_died(piece, self.memory_limit_mb)
        # How long it ran before it died: the piece's time less its finished tests' (and
        # its collection, so a little more): --verify compares it with a timeout.
        tests = (r for r in piece.records if isinstance(r, Judged))
        finished = sum(float(r.outcome.get("duration_s", 0.0)) for r in tests)
        self.outcomes[died] = TestOutcome(
            died,
            Outcome.CAUGHT,
            message=f"the test process {how} while this test ran",
            duration_s=max(0.0, piece.duration_s - finished),
        )
        started = set(self.order)
        for nodeid in self.collected:
            if nodeid not in started:
                self.stopped.setdefault(nodeid, (NotRun.AFTER_DEATH, NOT_RUN_AFTER_DEATH))

    def _stopped_by_pytest(self, exit_status: int, output: str) -> None:
        """pytest stopped with an unusual status and no collection error said why."""
        raised = raised_failure(output)
        self.problems.append(
            (exit_failure(exit_status, output, raised), exit_problem(exit_status, output))
        )
        conftest = CONFTEST_LINE.search(output) if exit_status == 4 else None
        if conftest is not None and not os.path.isabs(conftest["path"]):
            # pytest stopped loading the conftest files it loads first (`tests/conftest.py`,
            # the rootdir's): exit 4, and no collection record names it.
            where = conftest["path"]
            failure = raised or RunFailure.IMPORT_ERROR
            self.conftests.setdefault(where, CollectError(collect_error_message(output), failure))
            self.collect_texts.setdefault(where, output[conftest.start() :])

    def suite_run(self, pieces: Sequence[RunReply]) -> SuiteRun:
        outcomes = self.outcomes
        for nodeid in (*self.collected, *self.order):
            if nodeid not in outcomes:
                reason, message = self.stopped.get(nodeid, (None, None))
                outcomes[nodeid] = TestOutcome(
                    nodeid, Outcome.NOT_RUN, message=message, not_run=reason
                )
        failed = {**self.collect_errors, **self.conftests}
        for where in collection_failures(failed):
            message = f"{COLLECTION_FAILED}: {failed[where].message}"
            text = self.collect_texts.get(where)
            outcomes.setdefault(where, TestOutcome(where, Outcome.ERRORED, message, longrepr=text))
        failure, error = self._failure()
        first = pieces[0] if pieces else RunReply()
        return SuiteRun(
            outcomes=outcomes,
            order=tuple(self.order),
            duration_s=sum(p.duration_s for p in pieces),
            exit_status=first.exit_status,
            timed_out=self.timed_out,
            error=error,
            failure=failure,
        )

    def _failure(self) -> tuple[RunFailure | None, str | None]:
        """The run's problem that is no test's, and its kind: the time limit; else what went
        wrong collecting; else every problem the pieces had. Code that does not compile
        anywhere in it makes it a SYNTAX_ERROR (a CompileError, if no test ran)."""
        if self.timed_out:
            return self.problems[0]
        if self.collect_errors:
            kinds = [found.failure for found in self.collect_errors.values()]
            error = import_failure(self.collect_errors)
        elif self.problems:
            kinds = [kind for kind, _ in self.problems]
            error = "\n".join(dict.fromkeys(text for _, text in self.problems))
        else:
            return None, None
        return (RunFailure.SYNTAX_ERROR if RunFailure.SYNTAX_ERROR in kinds else kinds[0]), error


def _configure_error(piece: RunReply) -> tuple[RunFailure, str] | None:
    """What a plugin raised while pytest configured (its `configure_error` record: pytest-django
    importing the project's models), as a problem of the run; None if nothing did."""
    record = first(piece.records, ConfigureFailed)
    if record is None:
        return None
    failure = RunFailure(record.failure or RunFailure.IMPORT_ERROR)
    return failure, f"{FAILS_AT_IMPORT} while pytest configures: {record.message}"


def _how_it_died(piece: RunReply, memory_limit_mb: int | None) -> str:
    """`exited with status 3`, `was killed by signal SIGSEGV`, `ran out of memory (limit N MB)`."""
    status = piece.exit_status or 0
    if piece.out_of_memory:
        return f"ran out of memory (limit {memory_limit_mb} MB)"
    if status < 0:
        try:
            return f"was killed by signal {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited with status {status}"


def _died(piece: RunReply, output: str) -> bool:
    """A piece without a `finish` record and no test running: did the process die, or did
    pytest stop by itself before its session (a usage error, a conftest that does not import,
    an internal error), saying why in its output?"""
    status = piece.exit_status
    if status is None or piece.timed_out:
        return False
    if status < 0 or status not in (2, 3, 4):
        return True
    lines = output.splitlines()
    return not any(
        line.startswith(("ERROR: ", "INTERNALERROR>", CONFTEST_FAILED)) for line in lines
    )
