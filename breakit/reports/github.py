"""Surviving mutants as GitHub Actions workflow commands: an error annotation on each line.

With `--since`, annotations point at changed lines only (a pull request's diff shows those): a
survivor on a changed line is annotated there, and a changed test whose coverage brought in
survivors gets one warning on its definition, naming them.
"""

from __future__ import annotations

from breakit.core.model import KillMatrix
from breakit.mutants.changed_since import CHANGED_TEST, Since
from breakit.reports.schema_json import primary_path, ran


def escape_data(text: str) -> str:
    """Escape a workflow command's message, as GitHub's runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: the message rules, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, path: str, line: int, end: int, title: str, message: str) -> str:
    props = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", path),
            ("line", str(line)),
            ("endLine", str(end)),
            ("title", title),
        )
    )
    return f"::{kind} {props}::{escape_data(message)}"


def github_annotations(matrix: KillMatrix, since: Since | None = None) -> list[str]:
    """One `::error` line per survivor; print them from a GitHub Actions step to annotate."""
    lines = []
    by_test: dict[str, list[str]] = {}
    for result in matrix.survivors:
        mutant = result.mutant
        if since is not None:
            for reason in since.reasons.get(mutant.id, ()):
                if reason.startswith(CHANGED_TEST):
                    by_test.setdefault(reason[len(CHANGED_TEST) :], []).append(mutant.id)
            if not since.on_changed_lines(mutant.id):
                continue
        location = mutant.location
        line, end = (location.start_line, location.end_line) if location else (1, 1)
        message = f"{mutant.title} survived (covered by {len(ran(result))} tests)"
        lines.append(
            _command("error", primary_path(mutant), line, end, f"breakit {mutant.id}", message)
        )
    for nodeid, survivors in by_test.items():
        path, line = since.tests[nodeid] if since is not None else ("", 1)
        shown = ", ".join(survivors[:5]) + (
            f" and {len(survivors) - 5} more" if len(survivors) > 5 else ""
        )
        message = f"{nodeid} runs {len(survivors)} surviving mutants and passes: {shown}"
        lines.append(_command("warning", path, line, line, "breakit: a changed test", message))
    return lines
