"""engine.name_readers: the names a change at import time can alter, and who reads them."""

from __future__ import annotations

from pathlib import Path

from breakit.core.model import Mutant
from breakit.engine.name_readers import NameReaders, bound_names, reader_tests
from tests.project_files import write_project

UNITS = """\
import math

FACTORS = {
    "km": 1000,
    "m": 1,
}
ALIASES = {value: key for key, value in FACTORS.items()}
UNUSED = ["a", "b"]
register = print
register("units")


def to_metres(value, unit="m"):
    return value * FACTORS[unit]


def alias(factor):
    return ALIASES[factor]


class Ruler:
    length = 30

    def metres(self):
        return math.floor(self.length)
"""


def test_a_table_entry_alters_the_table_and_what_is_computed_from_it() -> None:
    assert bound_names(UNITS, frozenset({4})) == {"FACTORS", "ALIASES"}
    assert bound_names(UNITS, frozenset({8})) == {"UNUSED"}


def test_a_class_attribute_and_an_import_bind_their_names() -> None:
    assert bound_names(UNITS, frozenset({22})) == {"length"}
    assert bound_names(UNITS, frozenset({1})) == {"math"}


def test_a_call_made_for_its_effect_binds_nothing_nameable() -> None:
    assert bound_names(UNITS, frozenset({10})) is None


def test_the_functions_reading_a_name_as_a_variable_or_an_attribute(tmp_path: Path) -> None:
    write_project(tmp_path, {"units.py": UNITS, "tests/test_units.py": "def test(): pass\n"})
    readers = NameReaders(tmp_path, ["units.py"])
    assert readers.lines_reading(frozenset({"FACTORS"})) == {("units.py", 14)}
    assert readers.lines_reading(frozenset({"length"})) == {("units.py", 25)}
    assert readers.lines_reading(frozenset({"UNUSED"})) == frozenset()


def test_the_tests_of_the_readers_in_suite_order(tmp_path: Path) -> None:
    write_project(tmp_path, {"units.py": UNITS})
    readers = NameReaders(tmp_path, ["units.py"])
    coverage = {
        "t::metres": frozenset({("units.py", 25)}),
        "t::km": frozenset({("units.py", 14)}),
        "t::alias": frozenset({("units.py", 18)}),
    }
    tests = ("t::km", "t::alias", "t::metres")

    def mutant(old: str, new: str) -> Mutant:
        changed = UNITS.replace(old, new, 1)
        assert changed != UNITS
        return Mutant("m", "test", "m", {"units.py": changed}, {"units.py": UNITS})

    # An entry of FACTORS: its reader and ALIASES's (computed from it at import).
    assert reader_tests(mutant('"km": 1000', '"km": 1001'), coverage, tests, readers) == (
        "t::km",
        "t::alias",
    )
    # A table no function reads: no test to try first.
    assert reader_tests(mutant('["a", "b"]', '["a", ""]'), coverage, tests, readers) == ()
    # A change in a function body is not this module's kind of change.
    assert reader_tests(mutant("value * F", "value / F"), coverage, tests, readers) is None
