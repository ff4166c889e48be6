"""Why a run failed, the one home of its text: what went wrong that is no test's, as a kind (a
RunFailure) and a text, and a red baseline's one line (`baseline_failure`).

Decided where the failure is seen, as the pieces of a run are put together
(breakit.runners.suite_run): from the plugin's collection records (which say what was raised),
pytest's exit status, and, where pytest stopped before any record (a conftest.py it loads first, an
option, a setting it could not read), its own output. The verdict reads the kind
(breakit.engine.verdict), the reports the text.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping
from dataclasses import dataclass

from breakit.core.failure_text import collect_error_message
from breakit.core.model import Baseline, RunFailure

_TAIL_LINES = 5
_USAGE_LINES = 20  # at most this many lines of a pytest usage error's own text
_USAGE_CAUSE = "This error occurred:"  # pytest's line between what it read and the traceback
CONFTEST_FAILED = "ImportError while loading conftest"
CONFTEST_LINE = re.compile(rf"^{CONFTEST_FAILED} '(?P<path>[^']+)'", re.MULTILINE)
FAILS_AT_IMPORT = "fails at import"
SESSION = "the session"  # a collection error pytest names no collector for
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


@dataclass(frozen=True)
class CollectError:
    """A collector that failed: its first error line, and what it raised (the plugin's record
    says: SYNTAX_ERROR or IMPORT_ERROR)."""

    message: str
    failure: RunFailure


def collection_failures(collect_errors: Mapping[str, CollectError]) -> list[str]:
    """The collectors charged with a failed collection (`collect_errors`: where -> its error):
    each test module, package or folder pytest names as failing to collect, and a
    conftest.py it could not load (by path), for an exception raised while importing it (the
    mutant's code raising when the test module, or the source it imports, runs). Plain pytest
    fails on each (`ERROR tests/test_api.py`, exit 2; exit 4 for a conftest it loads first),
    which is what Killed claims. Not charged: code that does not compile (CompileError), and a
    collection error pytest names no collector for (RuntimeError)."""
    return [
        where
        for where, found in collect_errors.items()
        if where != SESSION and found.failure is not RunFailure.SYNTAX_ERROR
    ]


def import_failure(collect_errors: Mapping[str, CollectError]) -> str:
    """What went wrong collecting, in one line (`collect_errors`: where -> its error).

    Each distinct error is named once with the test modules it stopped, by name for one, else
    by their number: code that does not compile as pytest's "error collecting …", an exception
    raised while importing (a KeyError, a TypeError) as `fails at import: KeyError:
    'verify_signature' in 5 test modules`.
    """
    found: dict[tuple[bool, str], list[str]] = {}
    for where, error in collect_errors.items():
        syntax = error.failure is RunFailure.SYNTAX_ERROR
        found.setdefault((syntax, error.message), []).append(where)
    parts = []
    for (syntax, message), places in sorted(found.items(), key=lambda item: -len(item[1])):
        where = places[0] if len(places) == 1 else f"{len(places)} test modules"
        if syntax:
            parts.append(f"error collecting {where}: {message}")
        else:
            parts.append(f"{FAILS_AT_IMPORT}: {message} in {where}")
    return "; ".join(parts)


def raised_failure(output: str) -> RunFailure | None:
    """SYNTAX_ERROR if the exception pytest printed last (a conftest.py it could not load, a
    module its configuration imports) is a syntax error: no record carries it, only pytest's
    output. None otherwise."""
    if collect_error_message(output).startswith(_SYNTAX_ERRORS):
        return RunFailure.SYNTAX_ERROR
    return None


def exit_failure(exit_status: int, output: str, raised: RunFailure | None) -> RunFailure:
    """The kind of problem pytest's unusual exit status is (`exit_problem` says it)."""
    if raised is not None:
        return raised
    if exit_status < 0:
        return RunFailure.PROCESS_DIED
    if _output_summary(output).startswith(CONFTEST_FAILED):
        return RunFailure.IMPORT_ERROR
    kinds = {
        2: RunFailure.INTERRUPTED,
        3: RunFailure.INTERNAL_ERROR,
        4: RunFailure.USAGE_ERROR,
    }
    return kinds.get(exit_status, RunFailure.EXIT_STATUS)


def exit_problem(exit_status: int, output: str) -> str:
    """One or two lines saying why pytest stopped with an unusual status."""
    summary = _output_summary(output)
    if exit_status < 0:
        try:
            label = f"pytest was killed by {signal.Signals(-exit_status).name}"
        except ValueError:
            label = f"pytest was killed by signal {-exit_status}"
    elif summary.startswith(CONFTEST_FAILED):
        return summary  # says it all: pytest stopped before collecting anything
    else:
        labels = {2: "pytest was interrupted", 3: "pytest hit an internal error"}
        label = labels.get(exit_status, "pytest usage error" if exit_status == 4 else "")
        label = label or f"pytest exited with status {exit_status}"
    return f"{label}: {summary}" if summary else label


def _output_summary(output: str) -> str:
    """The most telling line(s) of pytest's own output when no record explains the problem."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    conftest = [line for line in lines if line.startswith(CONFTEST_FAILED)]
    if conftest:  # a conftest that does not import stops pytest before collection
        return f"{conftest[-1].rstrip('.')}: {collect_error_message(output)}"
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR: ")]
    if errors:
        first = next(i for i, line in enumerate(lines) if line.startswith("ERROR: "))
        block = [lines[first].removeprefix("ERROR: "), *lines[first + 1 :]]
        if any(line.startswith("Traceback (most recent call last)") for line in block):
            # A usage error with a traceback (a filterwarnings class that does not import):
            # the line saying what failed is its last one. The first line, which a mutant's
            # `error` keeps alone, says both, with what pytest was reading when pytest names
            # it on a line of its own (the filter); then the head and the tail of pytest's text.
            reading = block[1].strip() if len(block) > 2 and block[2] == _USAGE_CAUSE else ""
            headline = f"{block[0].rstrip(': ')}{f' {reading!r}' if reading else ''}: {block[-1]}"
            if len(block) > _USAGE_LINES:
                block = [*block[:4], "…", *block[-(_USAGE_LINES - 5) :]]
            return "\n".join([headline, *block[1:]])
        return "\n".join(errors)
    internal = [line for line in lines if line.startswith("INTERNALERROR>")]
    if internal:
        raised = [line for line in internal if line.startswith("INTERNALERROR> E ")]
        return (raised or internal)[-1].removeprefix("INTERNALERROR>").strip()
    if any(line.startswith("E ") for line in lines):
        return collect_error_message(output)
    return "\n".join(lines[-_TAIL_LINES:])


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
