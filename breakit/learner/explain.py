"""The answers to the lesson's "Explain it" questions, found for a breakage in docs/exercise.md.

A breakage's own `explain` text names its question; the project's `docs/exercise.md` (when it
has one) answers each question under a `### question` heading and names the breakages that
demonstrate it in backticks. The closest question wins, else the first section naming it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from breakit.core.model import Mutation

EXERCISE_DOC = Path("docs") / "exercise.md"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Section:
    heading: str
    body: str


def sections(markdown: str) -> list[Section]:
    """Every `###`-or-deeper section (a question and its answer) of a Markdown text."""
    found: list[Section] = []
    heading: str | None = None
    level = 0
    lines: list[str] = []
    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match and (heading is None or len(match[1]) <= level):
            if heading is not None:
                found.append(Section(heading, "\n".join(lines).strip()))
            heading, level, lines = None, 0, []
            if len(match[1]) >= 3:
                heading, level = match[2], len(match[1])
            continue
        if heading is not None:
            lines.append(line)
    if heading is not None:
        found.append(Section(heading, "\n".join(lines).strip()))
    return found


def question_of(text: str) -> str:
    """The question a breakage's `explain` opens with (up to its first `?`)."""
    head, mark, _ = text.partition("?")
    return (head + mark).strip() if mark else ""


def _normal(text: str) -> str:
    return " ".join(re.sub(r"\([^)]*\)|[^a-z0-9 ]", " ", text.lower()).split())


def answer_for(mutation: Mutation, root: Path) -> Section | None:
    """The section of the project's docs/exercise.md that answers this breakage's question."""
    path = Path(root) / EXERCISE_DOC
    try:
        found = sections(path.read_text(encoding="utf-8"))
    except OSError:
        return None
    question = question_of(mutation.explain or "")
    scored = [
        (difflib.SequenceMatcher(None, _normal(question), _normal(s.heading)).ratio(), s)
        for s in found
        if question and s.heading.endswith("?")
    ]
    best = max(scored, key=lambda pair: pair[0], default=None)
    if best is not None and best[0] >= 0.6:
        return best[1]
    named = [s for s in found if f"`{mutation.id}`" in s.body and s.heading.endswith("?")]
    return named[0] if named else None
