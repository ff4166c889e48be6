"""The run in Markdown, for GitHub Actions' job summary and a pull-request comment (summary.md);
and the terminal's lines that say why `--since` brought each mutant in.

The Markdown stays bounded whatever the run's size (a PR comment holds at most 65 536
characters): survivors one line each up to `MAX_LISTED`, their diffs folded in `<details>` up to
`MAX_DIFFS`, each diff cut at `DIFF_LINES` lines, and the whole under `BUDGET` characters; what
is left out is counted, and breakit.json holds it all.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from rich.markup import escape

from breakit.core.model import KillMatrix, MutantResult, Outcome, Verdict
from breakit.mutants.changed_since import CHANGED_LINE, CHANGED_TEST, Since, reason_text
from breakit.reports.data_tables import finding_line, table_findings

MAX_LISTED = 100
MAX_DIFFS = 25
DIFF_LINES = 40
BUDGET = 60_000
_SURVIVING = (Verdict.SURVIVED, Verdict.NO_COVERAGE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md_text(text: str) -> str:
    """Plain text that Markdown shows as it is (no emphasis, link, HTML or table cell)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """`text` as an inline code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _where(result: MutantResult) -> str:
    loc = result.mutant.location
    return f"{loc.path}:{loc.start_line}" if loc else ", ".join(result.mutant.paths)


def _diff_block(diff: str) -> str:
    lines = diff.splitlines()
    if len(lines) > DIFF_LINES:
        lines = [*lines[:DIFF_LINES], f"… {len(lines) - DIFF_LINES} more lines (breakit diff ID)"]
    body = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}diff\n{body}\n{fence}"


def summary_markdown(matrix: KillMatrix, since: Since | None = None) -> str:
    """The whole summary: a heading with the score, a table of verdicts, why the mutants came
    (with --since), then each survivor on one line, and its diff folded under it."""
    score = matrix.score()
    score_text = f"score {score:.1f}%" if score is not None else "no valid mutants"
    scope = f" on the change since {code(since.git_diff.ref)}" if since is not None else ""
    counts = Counter(r.verdict for r in matrix.results)
    parts = [
        f"## breakit: {len(matrix.results)} mutants{scope}, {score_text}",
        "",
        "| verdict | mutants |",
        "| --- | ---: |",
        *(f"| {v.value} | {counts[v]} |" for v in Verdict if counts[v]),
    ]
    if matrix.unchecked:
        parts.append(f"| unchecked (`--max-time` spent) | {len(matrix.unchecked)} |")
    if since is not None:
        parts += ["", _since_paragraph(matrix, since)]
    survivors = [r for r in matrix.results if r.verdict in _SURVIVING]
    if not survivors:
        parts += ["", "Every mutant that ran was caught." if matrix.results else "No mutants ran."]
        return "\n".join(parts) + "\n"
    parts += ["", f"### Survivors ({len(survivors)})", ""]
    # A table's entries are one finding each (reports.data_tables), listed before the others.
    tables = table_findings(r for r in survivors if r.verdict is Verdict.SURVIVED)
    grouped = {r.mutant.id for finding in tables for r in finding.survivors}
    parts += [f"- **Survived** {md_text(finding_line(finding))}" for finding in tables]
    shown = len(grouped)
    survivors_left = [r for r in survivors if r.mutant.id not in grouped]
    used = sum(len(p) + 1 for p in parts)
    diffs = 0
    for result in survivors_left[:MAX_LISTED]:
        entry = [_survivor_line(result, since)]
        escaped_id = html.escape(result.mutant.id)  # an HTML block: Markdown escapes do not apply
        if diffs < MAX_DIFFS:
            entry += [
                "",
                f"  <details><summary>diff of <code>{escaped_id}</code></summary>",
                "",
                *(
                    "  " + line if line else ""
                    for line in _diff_block(result.mutant.diff).split("\n")
                ),
                "",
                "  </details>",
                "",
            ]
        size = sum(len(p) + 1 for p in entry)
        if used + size > BUDGET:
            break
        parts += entry
        used += size
        shown += 1
        diffs += len(entry) > 1
    if shown < len(survivors):
        parts += ["", f"… and {len(survivors) - shown} more survivors: see breakit.json."]
    return "\n".join(parts).rstrip("\n") + "\n"


def _survivor_line(result: MutantResult, since: Since | None) -> str:
    mutant = result.mutant
    ran = sum(o.outcome is Outcome.MISSED for o in result.tests.values())
    tests = (
        "no test runs it" if not ran else f"{ran} test{'s' if ran != 1 else ''} ran it and passed"
    )
    line = (
        f"- **{result.verdict.value}** {code(mutant.id)} {md_text(mutant.title)} "
        f"at {code(_where(result))}: {tests}"
    )
    if since is not None:
        line += f" (brought in by {reason_text(since.reasons.get(mutant.id, ()), code)})"
    return line


def _since_paragraph(matrix: KillMatrix, since: Since) -> str:
    on_lines, by_test = _reason_counts(matrix, since)
    commit = since.git_diff.commit[:12]
    text = (
        f"Brought in by the change since {code(since.git_diff.ref)} ({code(commit)}): "
        f"{on_lines} on changed lines"
    )
    if by_test:
        tests = ", ".join(f"{code(t)} {n}" for t, n in by_test.most_common(10))
        more = f" and {len(by_test) - 10} more tests" if len(by_test) > 10 else ""
        text += f", by changed tests: {tests}{more}"
    return text + "."


def _reason_counts(matrix: KillMatrix, since: Since) -> tuple[int, Counter[str]]:
    on_lines = 0
    by_test: Counter[str] = Counter()
    for result in matrix.results:
        reasons = since.reasons.get(result.mutant.id, ())
        on_lines += CHANGED_LINE in reasons
        by_test.update(r[len(CHANGED_TEST) :] for r in reasons if r.startswith(CHANGED_TEST))
    return on_lines, by_test


_LISTED_IN_TERMINAL = 40


def since_lines(matrix: KillMatrix, since: Since) -> list[str]:
    """For the terminal (rich markup): how many mutants each reason brought in, and each
    mutant's reasons when there are few enough to read."""
    on_lines, by_test = _reason_counts(matrix, since)
    ref = escape(since.git_diff.ref)
    lines = [
        f"[bold]Since {ref}[/] ({since.git_diff.commit[:12]}): {len(matrix.results)} mutants, "
        f"{on_lines} on changed lines, {sum(1 for r in matrix.results if _by_test(since, r))} "
        "brought in by changed tests"
    ]
    for nodeid, count in by_test.most_common():
        lines.append(f"  [dim]changed test[/] {escape(nodeid)}: {count}")
    if len(matrix.results) <= _LISTED_IN_TERMINAL:
        for result in matrix.results:
            why = reason_text(since.reasons.get(result.mutant.id, ()))
            lines.append(f"  {escape(result.mutant.id)} [dim]← {escape(why)}[/]")
    return lines


def _by_test(since: Since, result: MutantResult) -> bool:
    return any(r.startswith(CHANGED_TEST) for r in since.reasons.get(result.mutant.id, ()))
