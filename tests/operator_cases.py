"""What the operator tests share (tests/unit/test_operators_generic.py, test_operators_web.py):
a source as the tests write it, and the mutants one operator makes of it as the file `path`."""

from __future__ import annotations

import textwrap

from breakit.core.model import Mutant
from breakit.mutants.operators import mutants_for_source


def code(source: str) -> str:
    """`source` as a test writes it (indented, a newline first) as the file holds it."""
    return textwrap.dedent(source).lstrip("\n")


def mutants_of(source: str, operator: str, path: str) -> list[Mutant]:
    """The mutants `operator` makes of `source`, as if it were the file `path`."""
    return list(mutants_for_source(code(source), path, operators=[operator]).mutants)
