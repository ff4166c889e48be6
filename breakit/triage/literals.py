"""Which values an assertion or a call can be written with: plain data whose repr says all of
it, and `literal`, the repr that reads back as the same value. It runs inside the project's
pytest (the recorder and the follow run's plugin use it): standard library only."""

from __future__ import annotations

import ast
import math

PLAIN = (str, bytes, int, float, complex, bool, type(None))
LITERAL_CHARS = 500  # a longer value makes no assertion a person would keep (a JWT fits)


def plain(value: object, depth: int = 0) -> bool:
    """Data whose repr says all of it: what an object's attribute is compared by."""
    if isinstance(value, PLAIN):
        return True
    if depth > 3:
        return False
    if isinstance(value, list | tuple | set | frozenset):
        return all(plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(plain(k, depth + 1) and plain(v, depth + 1) for k, v in value.items())
    return False


def literal(value: object) -> str | None:
    """`repr(value)` where it is a literal that reads back as an equal value of the same type
    (an assertion can be written with it), else None."""
    if not plain(value) or (isinstance(value, float) and not math.isfinite(value)):
        return None
    text = repr(value)
    if len(text) > LITERAL_CHARS:
        return None
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return text if type(back) is type(value) and back == value else None


def argument(value: object) -> str | None:
    """How a call's argument is written: its literal, or for a float that has none (infinite,
    not a number) `float('inf')` and the like; None where it cannot be written."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    return literal(value)
