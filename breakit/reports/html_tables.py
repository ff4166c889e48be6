"""The HTML report's tables of data (breakit.reports.data_tables): each table whose entries'
mutants survived, as one finding with a link to each of them; their rows start folded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from breakit.reports.data_tables import TableFinding, finding_line


def tables_section(findings: Sequence[TableFinding], anchors: Mapping[str, int]) -> str:
    """The section, or "" when no table's survivors are grouped."""
    if not findings:
        return ""
    out = [
        '<section id="tables"><h2>Tables of data</h2>',
        '<p class="sub">Survivors that are entries of one table of literal data, shown as one '
        "finding (docs/operators.md, “Tables of data”); their rows below start folded.</p>",
        '<ul class="why">',
    ]
    for finding in findings:
        links = ", ".join(
            f'<a href="#m{anchors[r.mutant.id]}"><code>{escape(r.mutant.id)}</code></a>'
            for r in finding.survivors
            if r.mutant.id in anchors
        )
        out.append(f"<li><b>Survived</b> {escape(finding_line(finding))}<br>{links}</li>")
    out.append("</ul></section>")
    return "\n".join(out)


def grouped_ids(findings: Sequence[TableFinding]) -> frozenset[str]:
    """The mutant ids the findings group."""
    return frozenset(r.mutant.id for finding in findings for r in finding.survivors)
