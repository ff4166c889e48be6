"""What `--verify` reports (issue 23): its figures, its closing line, its progress on a pipe; and
the memory ceiling in words."""

from __future__ import annotations

import io

from rich.console import Console

from breakit.core.model import Mutant, MutantResult, Verdict
from breakit.engine.oracle import Verification
from breakit.reports.progress_view import ProgressLines
from breakit.runners import memlimit


def test_the_figures_and_the_closing_line() -> None:
    agreed = Verification(248)
    assert agreed.agree == 248
    assert agreed.line() == "verify: 248/248 mutants agree with a fresh plain pytest"
    assert agreed.to_json() == {"checked": 248, "agree": 248, "disagree": []}
    found = ["tests/test_a.py::test_x: caught, missed in the oracle"]
    differing = Verification(248, {"m1": found})
    assert differing.agree == 247
    assert differing.line() == "verify: 1 of 248 mutants disagree with a fresh plain pytest"
    assert differing.to_json()["disagree"] == [{"id": "m1", "differences": found}]
    error = differing.error()
    assert error.exit_code == 70
    assert "on 1 of 248 mutants" in str(error) and f"  m1: {found[0]}" in str(error)


def test_the_verify_phase_has_progress_lines_of_its_own() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100_000, no_color=True)
    now = [0.0]
    lines = ProgressLines(console, 20, clock=lambda: now[0], phase="verify")
    mutant = Mutant("m", "test", "m", {}, {})
    for n in range(1, 21):
        now[0] = float(n)
        lines(MutantResult(mutant, Verdict.SURVIVED, {}))  # the oracle's verdicts: not counted
    # The time left once 5 mutants ran after the first, 5 s after it (reports.progress_view).
    assert out.getvalue().splitlines()[::5] == [
        "breakit: verify 1/20 mutants",
        "breakit: verify 6/20 mutants, 1.0/s, ~14 s left",
        "breakit: verify 11/20 mutants, 1.0/s, ~9 s left",
        "breakit: verify 16/20 mutants, 1.0/s, ~4 s left",
    ]
    assert out.getvalue().splitlines()[-1] == "breakit: verify 20/20 mutants, done in 20 s"


def test_the_ceiling_in_words() -> None:
    peak_kb = 150 * 1024
    limit = memlimit.default_limit_mb(peak_kb)
    assert memlimit.limit_text(limit, peak_kb, configured=False) == (
        "memory ceiling: 600 MB per test process (4 × the baseline's peak of 150 MB, "
        "at least 256 MB)"
    )
    assert memlimit.limit_text(2048, peak_kb, configured=True) == (
        "memory ceiling: 2048 MB per test process ([tool.breakit] memory_limit_mb)"
    )
    if memlimit.can_watch():
        off = "memory ceiling: off ([tool.breakit] memory_limit_mb)"
        assert memlimit.limit_text(None, peak_kb, configured=True) == off
