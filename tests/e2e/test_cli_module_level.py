"""The real CLI on a project whose mutants are mostly import-time code: module constants, a table
of data and what is computed from it, default values and class attributes (issue 34).

First-catch tries the tests that run a function reading what such a change alters
(breakit.engine.name_readers), or none, and proves the survivors on the whole suite in batches;
each verdict must still be plain pytest's (--verify), and the same as the full matrix's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli_harness import Breakit, snapshot
from tests.project_files import tiny_project

pytestmark = pytest.mark.slow

PROJECT = {
    "pyproject.toml": """
        [project]
        name = "units"
        version = "0"

        [tool.pytest.ini_options]
        addopts = ""

        [tool.breakit]
        source = ["units"]
        tests = ["tests"]
    """,
    "units/__init__.py": "",
    "units/table.py": """
        FACTORS = {
            "km": 1000.0,
            "m": 1.0,
            "cm": 0.01,
            "mm": 0.001,
        }
        NAMES = {unit: unit.upper() for unit in FACTORS}
        DEFAULT_UNIT = "m"
        PRECISION = 3
        # Read by no function: a mutant here goes straight to the whole-suite proof.
        LEGACY = ["furlong", "chain", "rod", "league"]
        BASE = 10


        def _doubled():
            return BASE * 2


        # Computed at import by a function reading BASE: a mutant of BASE must run fresh.
        DOUBLED = _doubled()
    """,
    "units/convert.py": """
        from units.table import DEFAULT_UNIT, FACTORS, NAMES, PRECISION


        def to_metres(value, unit=DEFAULT_UNIT):
            return round(value * FACTORS[unit], PRECISION)


        def label(unit):
            return NAMES[unit]


        def scaled(value, factor=2):
            return value * factor


        class Ruler:
            length = 30
            unit = "cm"

            def metres(self):
                return to_metres(self.length, self.unit)
    """,
    "tests/test_convert.py": """
        from units.convert import Ruler, label, scaled, to_metres


        def test_km():
            assert to_metres(2, "km") == 2000.0


        def test_default_unit_is_metres():
            assert to_metres(5) == 5.0


        def test_label():
            assert label("km") == "KM"


        def test_scaled_doubles_by_default():
            assert scaled(4) == 8


        def test_ruler():
            assert Ruler().metres() == 0.3


        def test_doubled():
            from units.table import DOUBLED

            assert DOUBLED == 20
    """,
}


def check(project: Breakit, *args: str) -> dict[str, Any]:
    before = snapshot(project.root)
    done = project("check", "--generated", "--no-cache", "--no-triage", "--json", *args)
    assert done.returncode == 1, done.stderr[-3000:]  # the untested entries survive
    assert snapshot(project.root) == before
    return json.loads(done.stdout)


def test_import_time_mutants_agree_with_plain_pytest_and_with_the_full_matrix(
    tmp_path: Path,
) -> None:
    root = tiny_project(tmp_path / "units-project", PROJECT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    project = Breakit(root, scratch)
    first = check(project, "--first-catch", "--verify")
    assert first["verify"]["agree"] == first["verify"]["checked"] == len(first["mutants"])
    # The table's survivors were proved together, not each on a whole suite of its own.
    assert first["survivor_proofs"]["batches"] >= 1
    # Module-level mutants ran hot (runners.fork.reexec); the default value another module read at
    # import (`unit=DEFAULT_UNIT` in units/convert.py) was refused and ran fresh.
    hot = first["hot_runs"]
    assert hot["runs"] >= len(first["mutants"]) // 2
    reasons = {r["reason"] for r in hot["reasons"]}
    assert "units.convert reads units.table.DEFAULT_UNIT at import" in reasons
    full = check(project)
    verdicts = {m["id"]: m["verdict"] for m in first["mutants"]}
    assert verdicts == {m["id"]: m["verdict"] for m in full["mutants"]}
    table = {i: v for i, v in verdicts.items() if i.startswith("units.table:")}
    # The tested entries are caught, the untested ones (cm, mm, LEGACY) survive the whole suite.
    assert {"Killed", "Survived"} <= set(table.values())
    legacy = [m for m in first["mutants"] if m["location"]["start"]["line"] == 11]
    assert legacy and all(m["verdict"] == "Survived" for m in legacy)
    assert list(scratch.iterdir()) == []
