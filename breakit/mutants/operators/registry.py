"""All operators, in the order they are documented; selecting some of them by name or family."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from breakit.core.errors import UsageError
from breakit.mutants.operators import generic, web
from breakit.mutants.operators.base import Operator

OPERATORS: tuple[Operator, ...] = (*generic.OPERATORS, *web.OPERATORS)
FAMILIES: tuple[str, ...] = ("generic", "web")


def operator_names() -> tuple[str, ...]:
    return tuple(operator.name for operator in OPERATORS)


def select_operators(names: Sequence[str] | None = None) -> tuple[Operator, ...]:
    """The operators named in `names` (operator names or a family: "generic", "web"), in
    registry order; all of them when `names` is None. An unknown name is a UsageError."""
    if names is None:
        return OPERATORS
    wanted: set[str] = set()
    for name in names:
        if name in FAMILIES:
            wanted.update(op.name for op in OPERATORS if op.family == name)
        elif name in operator_names():
            wanted.add(name)
        else:
            close = difflib.get_close_matches(name, [*operator_names(), *FAMILIES], n=3)
            hint = f"did you mean {' or '.join(close)}?" if close else None
            known = ", ".join((*FAMILIES, *operator_names()))
            raise UsageError(f"unknown operator {name!r}", hint=hint or f"known operators: {known}")
    return tuple(op for op in OPERATORS if op.name in wanted)
