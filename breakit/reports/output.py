"""Writing the report files: one output folder with every format, or one file per option."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from breakit import __version__
from breakit.core.model import Baseline, KillMatrix
from breakit.reports.breakit_json import matrix_document

if TYPE_CHECKING:
    from breakit.mutants.changed_since import Since
    from breakit.triage.value import Triage

# The output folder's layout (docs/reports.md); other tools may rely on these names.
OUTPUT_FILES = {
    "report_json": "report.json",  # mutation-testing-report-schema v2
    "html": "report.html",
    "junit": "junit.xml",
    "breakit_json": "breakit.json",  # breakit's own document, as `--json` prints it
    "summary": "summary.md",  # the Markdown summary (GitHub's job summary, a PR comment)
}


@dataclass(frozen=True)
class ReportFiles:
    """The report files a command writes: an output folder, and/or one path per format."""

    output_dir: Path | None = None
    report_json: Path | None = None
    html: Path | None = None
    junit: Path | None = None

    def paths(self) -> dict[str, Path]:
        """Each format to write and where; an explicit option wins over the output folder."""
        chosen: dict[str, Path] = {}
        if self.output_dir is not None:
            chosen = {fmt: self.output_dir / name for fmt, name in OUTPUT_FILES.items()}
        for fmt in ("report_json", "html", "junit"):
            explicit = getattr(self, fmt)
            if explicit is not None:
                chosen[fmt] = explicit
        return chosen


def write_reports(
    files: ReportFiles,
    matrix: KillMatrix,
    baseline: Baseline,
    root: Path,
    coverage_check: Mapping[str, Any] | None = None,
    since: Since | None = None,
    run: Mapping[str, Any] | None = None,
    triage: Mapping[str, Triage] | None = None,
) -> list[Path]:
    """Write every requested report; returns the files written. `run`: breakit.json's keys
    about the run (breakit_json.matrix_document)."""
    from breakit.reports.html import render_html
    from breakit.reports.junit import render_junit
    from breakit.reports.schema_json import mutation_testing_report
    from breakit.reports.summary import summary_markdown

    written = []
    for fmt, path in files.paths().items():
        if fmt == "report_json":
            text = json.dumps(
                mutation_testing_report(matrix, baseline, root, version=__version__, since=since),
                indent=2,
            )
        elif fmt == "html":
            text = render_html(matrix, baseline, root, since, triage)
        elif fmt == "junit":
            text = render_junit(matrix, since)
        elif fmt == "summary":
            text = summary_markdown(matrix, since)
        else:
            document = matrix_document(matrix, baseline, coverage_check, since, run, triage)
            text = json.dumps(document, indent=2)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if files.output_dir is not None:
        # The folder is breakit's output, never something to commit.
        (files.output_dir / ".gitignore").write_text("*\n")
    return written


def write_step_summary(matrix: KillMatrix, since: Since | None = None) -> Path | None:
    """On GitHub Actions (`GITHUB_ACTIONS=true`), append the Markdown summary to the job's
    summary file, `$GITHUB_STEP_SUMMARY`; returns it, or None elsewhere."""
    from breakit.reports.summary import summary_markdown

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as summary:  # other steps write to it too
        summary.write(summary_markdown(matrix, since))
    return path
