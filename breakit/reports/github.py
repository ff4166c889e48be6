"""Surviving mutants as GitHub Actions workflow commands: an error annotation on each line."""

from __future__ import annotations

from breakit.model import KillMatrix
from breakit.reports.schema_json import primary_path, ran


def escape_data(text: str) -> str:
    """Escape a workflow command's message, as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: the message rules, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(matrix: KillMatrix) -> list[str]:
    """One `::error` line per survivor; print them from a GitHub Actions step to annotate."""
    lines = []
    for result in matrix.survivors:
        mutant = result.mutant
        location = mutant.location
        line, end = (location.start_line, location.end_line) if location else (1, 1)
        props = ",".join(
            f"{key}={escape_property(value)}"
            for key, value in (
                ("file", primary_path(mutant)),
                ("line", str(line)),
                ("endLine", str(end)),
                ("title", f"breakit {mutant.id}"),
            )
        )
        message = f"{mutant.title} survived (covered by {len(ran(result))} tests)"
        lines.append(f"::error {props}::{escape_data(message)}")
    return lines
