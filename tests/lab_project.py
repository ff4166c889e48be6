"""The lab's small project: a calc package of two tested functions and one untested, its three
tests, five mutants of it and the config that runs them (tests/unit/test_engine_lab.py,
tests/unit/test_state_journal.py)."""

from __future__ import annotations

from pathlib import Path

from breakit.core.config import Config
from breakit.core.model import Mutant
from tests.project_files import tiny_project

CALC = '''"""Two functions and one that no test calls."""

from __future__ import annotations


def add(a, b):
    return a + b


def is_positive(n):
    return n > 0


def unused():
    return 1
'''

TESTS = """
from calc import add, is_positive


def test_add():
    assert add(2, 3) == 5


def test_positive():
    assert is_positive(1)


def test_zero_is_not_positive():
    assert not is_positive(0)
"""


def mutants(path: str = "calc/__init__.py") -> list[Mutant]:
    def one(mid: str, old: str, new: str) -> Mutant:
        return Mutant(mid, "test", mid, {path: CALC.replace(old, new)}, {path: CALC})

    return [
        one("minus", "a + b", "a - b"),
        one("at-least", "n > 0", "n >= 0"),
        one("unused", "return 1", "return 2"),
        one("times", "a + b", "a * b"),
        one("doc", "Two functions", "2 functions"),
    ]


def make_config(root: Path, source: str = "calc", **extra: object) -> Config:
    return Config(root=root, source=(source,), tests=("tests",), timeout_min_s=30.0, **extra)  # type: ignore[arg-type]


def lab_tree(root: Path) -> Path:
    """The lab's project written at `root`: the calc package and its tests."""
    return tiny_project(root, {"calc/__init__.py": CALC, "tests/test_calc.py": TESTS})
