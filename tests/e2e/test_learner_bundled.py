"""The learner's loop on the bundled todo API: the HTTP-level reason each test caught it."""

from __future__ import annotations

import pytest

from tests.e2e.cli_harness import answering

pytestmark = pytest.mark.slow


def test_predict_constant_id_shows_the_requests_and_scores_the_prediction(bundled):
    ran = answering(
        bundled,
        "test_create_todo_returns_id, test_ids_are_not_reused_after_delete, test_create_todo\n",
        "apply",
        "constant-id",
        "--predict",
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Which tests will catch it?" in ran.stderr
    why = ran.stdout.split("Why it was caught", 1)[1]
    # The second POST of the same id crashes into the test: a crash, with its request shown.
    assert "test_todos.py::test_create_todo_returns_id  crash" in why
    assert "http   POST /todos →" in why
    assert "assertion" in why and "assert 1 != 1" in why
    assert "wrong   test_todos.py::test_create_todo " in ran.stdout
    assert "right   test_todos.py::test_create_todo_returns_id" in ran.stdout
    assert "missed  " in ran.stdout and "test_filter_done_true" in ran.stdout
    explained = bundled("explain", "constant-id")
    assert explained.returncode == 0, explained.stderr
    assert "Why do we test error cases" in explained.stdout
    assert "From docs/exercise.md" in explained.stdout
