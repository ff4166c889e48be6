"""Reports: what breakit shows and writes, all read from the KillMatrix."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from breakit.reports.github import github_annotations
    from breakit.reports.html import render_html
    from breakit.reports.junit import render_junit
    from breakit.reports.schema_json import mutation_testing_report

__all__ = ["github_annotations", "mutation_testing_report", "render_html", "render_junit"]

_MODULES = {
    "github_annotations": "github",
    "mutation_testing_report": "schema_json",
    "render_html": "html",
    "render_junit": "junit",
}


def __getattr__(name: str) -> Any:
    # Imported when first asked for: the terminal (every command) needs none of these formats.
    if name in _MODULES:
        return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
