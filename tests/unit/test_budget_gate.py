"""Issue 33's pure pieces: `--max-time`'s durations, the gate's precedence with a spent budget,
which command lines ask for a JSON document on error (the Jobs that stop at a deadline:
tests/unit/test_scheduler.py)."""

from __future__ import annotations

import dataclasses

import click
import pytest
from report_fixtures import ID_KILLED, build_matrix

from breakit.cli.entry import wants_json
from breakit.cli.options import Duration
from breakit.core.errors import ExitCode
from breakit.core.model import KillMatrix, Verdict
from breakit.verdicts.gate import exit_code, merge_in_order


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1h30m", 5400), ("2h", 7200), ("1h2m3s", 3723), ("5M", 300)],
)
def test_a_duration_is_hours_minutes_seconds_in_order(text, seconds):
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["10", "", "m", "0s", "1m1h", "1.5h", "-5m", "30 minutes"])
def test_a_bad_duration_is_a_usage_error(text):
    with pytest.raises(click.BadParameter, match="is not a duration"):
        Duration().convert(text, None, None)


def caught_only(matrix: KillMatrix) -> KillMatrix:
    return dataclasses.replace(matrix, results=(matrix.result(ID_KILLED),))


def test_a_spent_budget_is_exit_10_only_when_nothing_else_fails():
    matrix = build_matrix()
    left = tuple(r.mutant for r in matrix.results if r.mutant.id != ID_KILLED)
    clean = caught_only(matrix)
    assert exit_code(clean, {}) is ExitCode.OK
    spent = dataclasses.replace(clean, unchecked=left)
    assert exit_code(spent, {}) is ExitCode.BUDGET_SPENT
    assert exit_code(spent, {}, fail_under=50.0) is ExitCode.BUDGET_SPENT  # score 100 on 1
    # A survivor, the score under --fail-under, an answer key: each before the budget.
    assert exit_code(dataclasses.replace(matrix, unchecked=left), {}) is ExitCode.SURVIVED
    low = dataclasses.replace(matrix, unchecked=left)
    assert exit_code(low, {}, fail_under=99.0) is ExitCode.SCORE_TOO_LOW
    assert exit_code(spent, {ID_KILLED: ({"a"}, set())}) is ExitCode.ANSWER_KEY


def test_merge_in_order_keeps_the_unchecked_apart_and_a_lost_result_is_a_bug():
    matrix = build_matrix()
    mutants = [r.mutant for r in matrix.results]
    ran = dataclasses.replace(caught_only(matrix), unchecked=tuple(mutants[1:]))
    whole = merge_in_order(mutants, ran, [])
    assert [r.mutant.id for r in whole.results] == [ID_KILLED]
    assert whole.unchecked == tuple(mutants[1:])
    assert all(r.verdict is Verdict.KILLED for r in whole.results)
    with pytest.raises(KeyError):
        merge_in_order(mutants, caught_only(matrix), [])


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["check", "--json"], True),
        (["--project", "p", "check", "--generated", "--json"], True),
        (["--project=check", "--no-color", "merge", "a.json", "--json"], True),
        (["list", "--json"], True),
        (["apply", "x", "--json"], True),
        (["check"], False),
        (["tests", "--json"], False),  # its own document, version 1: not breakit's
        (["check", "--", "--json"], False),
        (["--project", "--json"], False),
        ([], False),
    ],
)
def test_which_command_lines_want_a_json_document(args, wanted):
    assert wants_json(args) is wanted
