"""Generated mutants: Operators find sites in the source and make one Mutant per site."""

from breakit.mutants.operators.base import Context, Edit, Operator
from breakit.mutants.operators.discovery import (
    PRAGMA,
    Discovery,
    discover,
    generate_mutants,
    mutants_for_source,
)
from breakit.mutants.operators.files import source_files
from breakit.mutants.operators.registry import OPERATORS, operator_names, select_operators

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
