"""Index ranges, `0-11,14`: how breakit's files name a set of tests by their positions in a
list of node ids (the JSON document's `ran`, the result cache's passing tests)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["format_ranges", "format_sequence", "parse_ranges"]


def format_ranges(indices: Iterable[int]) -> str:
    """Sorted indices as `0-11,14,20-21`: a run of consecutive tests costs a few bytes."""
    return format_sequence(sorted(set(indices)))


def parse_ranges(text: str) -> list[int]:
    """The indices `format_ranges` (ascending) or `format_sequence` (in their order) wrote."""
    indices: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        indices.extend(range(int(first), int(last or first) + 1))
    return indices


def format_sequence(indices: Sequence[int]) -> str:
    """Indices in their own order, each ascending run as a range: `[4, 5, 6, 0, 1]` is
    `4-6,0-1`. `parse_ranges` reads it back in that order."""
    parts: list[str] = []
    i = 0
    while i < len(indices):
        j = i
        while j + 1 < len(indices) and indices[j + 1] == indices[j] + 1:
            j += 1
        parts.append(str(indices[i]) if i == j else f"{indices[i]}-{indices[j]}")
        i = j + 1
    return ",".join(parts)
