"""Generated mutants: Operators find sites in the source and make one Mutant per site."""

from breakit.operators.base import Context, Edit, Operator
from breakit.operators.discovery import (
    PRAGMA,
    Discovery,
    discover,
    generate_mutants,
    mutants_for_source,
)
from breakit.operators.files import source_files
from breakit.operators.registry import OPERATORS, operator_names, select_operators

__all__ = [
    "OPERATORS",
    "PRAGMA",
    "Context",
    "Discovery",
    "Edit",
    "Operator",
    "discover",
    "generate_mutants",
    "mutants_for_source",
    "operator_names",
    "select_operators",
    "source_files",
]
