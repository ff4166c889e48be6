"""`-j` through the real CLI: a count, `auto`, and a clear error for anything else."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.e2e.cli_harness import verdicts as verdicts_of

pytestmark = pytest.mark.slow


def verdicts(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return verdicts_of(json.loads(result.stdout))


def test_auto_and_a_count_give_the_same_verdicts(small):
    auto = small("check", "-j", "auto", "--json")
    assert auto.returncode == 0, auto.stderr
    one = small("check", "-j", "1", "--json", "--no-cache")
    assert one.returncode == 0, one.stderr
    assert verdicts(auto) == verdicts(one) and set(verdicts(one).values()) == {"Killed"}


def test_a_bad_job_count_is_a_usage_error(small):
    for value in ("0", "many"):
        result = small("check", "-j", value)
        assert result.returncode == 2
        assert f"'{value}' is neither a worker count of 1 or more nor auto" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (small.root / ".breakit").exists()  # nothing ran
