"""One test's outcome from pytest's reports of it: its setup, call and teardown phases, and its
subtests' (`judge_phases`). Runs inside the project's pytest (breakit.inrun.pytest_plugin): it needs
pytest, breakit.core.model and breakit.core.run_records only.
"""

from __future__ import annotations

import pytest

from breakit.core.failure_text import failure_message
from breakit.core.model import Outcome, TestOutcome


def is_subtest(report: pytest.TestReport) -> bool:
    """A subtest's report: pytest 9's SubtestReport or pytest-subtests' SubTestReport, both a
    call-phase report with the subtest's `context` (its message and parameters)."""
    return report.when == "call" and getattr(report, "context", None) is not None


def subtest_label(report: pytest.TestReport) -> str:
    """`[message] (x=2)`, as pytest names a subtest in `SUBFAILED[message] (x=2)`."""
    # `context` is on subtest reports only (pytest 9's SubtestReport, pytest-subtests'); pytest 8's
    # TestReport type does not declare it, pytest 9's does.
    context = report.context  # type: ignore[attr-defined,unused-ignore]
    parts = []
    msg = getattr(context, "msg", None)
    if msg is not None:
        parts.append(f"[{msg}]")
    kwargs = getattr(context, "kwargs", None) or {}
    if kwargs:
        parts.append("(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")")
    return " ".join(parts) or "(<subtest>)"


def judge_phases(phases: list[pytest.TestReport]) -> TestOutcome:
    """One test's outcome from its setup, call and teardown reports, and its subtests' reports.

    A failing subtest is a catch, as it is for plain pytest (which exits 1): the message names the
    first failing subtest and its first useful line.
    """
    subtests = [report for report in phases if is_subtest(report)]
    own = [report for report in phases if not is_subtest(report)]
    by_when = {report.when: report for report in own}
    setup, call, teardown = by_when.get("setup"), by_when.get("call"), by_when.get("teardown")
    # A subtest's time lies inside its test's call phase: counting it again would inflate it.
    duration = sum(report.duration for report in own)
    failed_subtests = [report for report in subtests if report.failed]
    decisive: pytest.TestReport | None
    outcome: Outcome
    if setup is not None and setup.failed:
        outcome, decisive = Outcome.ERRORED, setup
    elif setup is not None and setup.skipped:
        outcome, decisive = Outcome.NOT_RUN, setup
    elif failed_subtests:
        # Before the test's own call report: pytest 9 fails a test whose subtests failed with
        # just "contains N failed subtests", and the first subtest's failure came first anyway.
        outcome, decisive = Outcome.CAUGHT, failed_subtests[0]
    elif call is not None and call.failed:
        # Includes a strict xfail that passed: pytest fails it with "[XPASS(strict)] …".
        outcome, decisive = Outcome.CAUGHT, call
    elif call is not None and call.skipped and not hasattr(call, "wasxfail"):
        outcome, decisive = Outcome.NOT_RUN, call
    elif teardown is not None and teardown.failed:
        outcome, decisive = Outcome.ERRORED, teardown
    else:
        # Passed, an xfail that failed as expected, or a non-strict xpass: nothing was noticed.
        outcome, decisive = Outcome.MISSED, None
    message = longrepr = None
    if decisive is not None:
        message = failure_message(decisive)
        longrepr = decisive.longreprtext or None
    if failed_subtests and decisive is failed_subtests[0]:
        message, longrepr = _subtests_failure(failed_subtests, call)
    if outcome == Outcome.CAUGHT and teardown is not None and teardown.failed:
        longrepr = f"{longrepr or ''}\n\n--- teardown ---\n{teardown.longreprtext}"
    return TestOutcome(phases[0].nodeid, outcome, message, round(duration, 6), longrepr)


def _subtests_failure(
    failed: list[pytest.TestReport], call: pytest.TestReport | None
) -> tuple[str, str]:
    """The message and full text of a test whose subtests failed: `subtest (x=2): assert …`."""
    first = failed[0]
    message = f"subtest {subtest_label(first)}: {failure_message(first) or 'failed'}"
    if len(failed) > 1:
        message += f" (and {len(failed) - 1} more failed subtests)"
    texts = [f"--- subtest {subtest_label(r)} ---\n{r.longreprtext}" for r in failed]
    # The test's own failure, unless it is only pytest's "contains N failed subtests".
    if call is not None and call.failed and not isinstance(call.longrepr, str):
        texts.append(f"--- the test itself ---\n{call.longreprtext}")
    return message, "\n\n".join(texts)
