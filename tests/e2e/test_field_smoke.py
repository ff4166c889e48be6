"""A smoke of the field trial (`python -m bench.field`) on a tiny project written here, not fetched.

The real trial downloads public projects and takes many minutes; this runs the same machinery
(config written into pyproject.toml, plain suite, check, --verify on a seeded sample, the
independent `breakit diff | git apply` + plain pytest check) on one small project with this
interpreter, so a change that breaks the trial is seen in CI.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from bench.corpus import Project
from bench.independent import plain_agrees
from bench.process import Run, run
from bench.trial import trial
from bench.trial_table import table

FILES = {
    "pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n',
    "shop/__init__.py": "",
    # price() is tested (its mutants are Killed); describe() is never run (NoCoverage).
    "shop/prices.py": """
        def price(amount, discount):
            if discount > 50:
                raise ValueError("too much")
            return amount - amount * discount // 100


        def describe(amount):
            return f"{amount} EUR"
    """,
    "tests/test_prices.py": """
        import pytest

        from shop.prices import price


        def test_price():
            assert price(200, 10) == 180


        def test_too_much():
            with pytest.raises(ValueError):
                price(100, 60)
    """,
}


def write(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.mark.slow
def test_the_trial_agrees_with_plain_pytest_on_a_small_project(tmp_path: Path) -> None:
    project = Project(
        name="shop",
        why="smoke",
        local=str(write(tmp_path / "shop")),
        source=("shop",),
        tests=("tests",),
    )
    row = trial(
        project, tmp_path / "work", seed=1, sample=3, suspects=1, jobs=2, python=sys.executable
    )
    assert row.error == "", row.error
    assert row.tests == 2
    assert row.mutants and row.mutants >= 6
    assert sum(row.counts.values()) == row.mutants
    assert row.counts.get("Killed", 0) > 0 and row.counts.get("NoCoverage", 0) > 0
    # Three at random and one more whose verdict is rare (here NoCoverage: proved by plain pytest).
    assert row.sample == 4
    assert row.verify_agree == 4 and row.plain_agree == 4, row.disagreements
    assert row.tracebacks == 0
    # Every mutant again with --first-catch: the same verdicts.
    assert row.first_catch_total == row.mutants
    assert row.first_catch_agree == row.mutants, row.disagreements
    # The config was written into the laid-out copy, never into the source folder.
    laid_out = (tmp_path / "work" / "shop" / "tree" / "pyproject.toml").read_text()
    assert "[tool.breakit]" in laid_out
    assert "[tool.breakit]" not in (tmp_path / "shop" / "pyproject.toml").read_text()
    assert "shop" in table([row])


@pytest.mark.parametrize(
    ("verdict", "rc", "agrees"),
    [
        ("Killed", 1, True),
        ("Killed", 0, False),
        ("Survived", 0, True),
        ("Survived", 1, False),
        ("NoCoverage", 0, True),
        ("NoCoverage", 1, False),  # plain pytest kills what breakit says no test runs
        ("CompileError", 2, True),
        ("RuntimeError", 4, True),  # a usage error: pytest's config imports the broken code
        ("Killed", 4, True),  # …or a conftest.py pytest loads first raised: it is named
        ("Timeout", 4, False),  # pytest stopped at once: nothing hung
        ("Timeout", None, True),
        ("Survived", None, False),
    ],
)
def test_what_plain_pytest_must_do_for_each_verdict(verdict: str, rc: int | None, agrees: bool):
    assert plain_agrees(verdict, Run(rc, "", "", 1.0)) is agrees


@pytest.mark.slow
def test_the_independent_check_runs_under_breakits_memory_ceiling(tmp_path: Path) -> None:
    # A run that allocates without end is stopped at the ceiling, as breakit's test process is,
    # and it is a failed run (Killed), not a hang: more-itertools' `_is_scalar` returning None.
    grows = "chunks = []\nwhile True:\n    chunks.append(bytearray(2**20))\n"
    got = run([sys.executable, "-c", grows], tmp_path, timeout=60, memory_limit_mb=200)
    assert got.out_of_memory and got.seconds < 60
    assert plain_agrees("Killed", got) and not plain_agrees("Survived", got)
    # A Timeout: breakit stopped it sooner than it ran out of memory here, or it is not one.
    assert plain_agrees("Timeout", got, waited_s=got.seconds / 2)
    assert not plain_agrees("Timeout", got, waited_s=got.seconds * 2)
    small = run([sys.executable, "-c", "print(1)"], tmp_path, memory_limit_mb=200)
    assert (small.rc, small.out_of_memory) == (0, False)
