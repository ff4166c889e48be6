"""Reports: what breakit shows and writes, all read from the KillMatrix."""

from breakit.reports.github import github_annotations
from breakit.reports.html import render_html
from breakit.reports.junit import render_junit
from breakit.reports.schema_json import mutation_testing_report

__all__ = ["github_annotations", "mutation_testing_report", "render_html", "render_junit"]
