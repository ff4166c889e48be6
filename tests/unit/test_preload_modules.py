"""What a fork worker preloads: every module the baseline's pytest imported, those its plugins
import in the terminal summary too (hypothesis's plugin imports hypothesis there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.engine.lab import Lab
from tests.lab_project import make_config
from tests.project_files import CALC, TEST_ADD, tiny_project

pytestmark = pytest.mark.slow  # every test here starts a process (tests/tiers.py)

SUMMARY_IMPORTS = """
def pytest_terminal_summary(terminalreporter):
    import colorsys  # noqa: F401 - imported by nothing else in a pytest run
"""


def test_modules_imported_in_the_terminal_summary_are_preloaded(tmp_path: Path) -> None:
    root = tiny_project(
        tmp_path / "proj",
        {"calc.py": CALC, "tests/test_calc.py": TEST_ADD, "tests/conftest.py": SUMMARY_IMPORTS},
    )
    lab = Lab(make_config(root), jobs=1, use_cache=False)
    with lab.session():
        lab.baseline()
    assert "colorsys" in lab.engine.modules
    assert "calc" not in lab.engine.modules  # the project's own are never preloaded
