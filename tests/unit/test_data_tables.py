"""reports.data_tables: survivors that are entries of one table of data, as one finding."""

from __future__ import annotations

import io

from rich.console import Console

from breakit.core.model import KillMatrix, Location, Mutant, MutantResult, Verdict
from breakit.reports.check_view import render_check
from breakit.reports.data_tables import findings_json, table_findings, tables_in

ENTRIES = "\n".join(f'    "w{i}": "p{i}",' for i in range(12))
SOURCE = f"""PLURALS = {{
{ENTRIES}
}}
SMALL = ["a", "b"]


class Units:
    NAMES = frozenset([{", ".join(f'"u{i}"' for i in range(10))}])


def plural(word):
    return PLURALS.get(word, word + "s")
"""


def survivor(line: int, name: str = "m") -> MutantResult:
    lines = SOURCE.splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace('"p', '"q', 1)
    mutant = Mutant(
        f"words:{name}:{line}",
        "operator",
        f"entry on line {line} changed",
        {"words.py": "".join(lines)},
        {"words.py": SOURCE},
        location=Location("words.py", line, 10, line, 14),
    )
    return MutantResult(mutant, Verdict.SURVIVED, {})


def test_tables_are_literals_of_many_entries_bound_at_module_or_class_level() -> None:
    found = {(t.name, t.start, t.end, t.entries) for t in tables_in("words.py", SOURCE)}
    assert found == {("PLURALS", 1, 14, 12), ("NAMES", 19, 19, 10)}


def test_three_survivors_of_one_table_are_one_finding_two_are_not() -> None:
    three = [survivor(line) for line in (2, 5, 9)]
    (finding,) = table_findings(three)
    assert (finding.table.name, len(finding.survivors)) == ("PLURALS", 3)
    assert table_findings(three[:2]) == []
    assert findings_json(three) == [
        {
            "name": "PLURALS",
            "path": "words.py",
            "start": 1,
            "end": 14,
            "entries": 12,
            "survived": [r.mutant.id for r in three],
        }
    ]


def test_the_terminal_shows_a_table_once_with_one_example() -> None:
    results = (*[survivor(line) for line in range(2, 8)], survivor(23, "outside"))
    out = io.StringIO()
    console = Console(file=out, width=120, no_color=True)
    render_check(console, KillMatrix(results=results, tests=()), {})
    text = out.getvalue()
    finding = "Survived 6 mutants of entries of the table PLURALS (words.py:1-14, 12 entries)"
    assert text.count(finding) == 1
    assert text.count("Survived words:m:") == 0  # no survivor of the table listed on its own
    assert "-v lists all 6" in text
    assert "Survived words:outside:23" in text  # a survivor outside any table, as before


def test_the_markdown_summary_shows_a_table_once() -> None:
    from breakit.reports.summary import summary_markdown

    results = (*[survivor(line) for line in range(2, 8)], survivor(23, "outside"))
    text = summary_markdown(KillMatrix(results=results, tests=()))
    assert text.count("6 mutants of entries of the table PLURALS") == 1
    assert "words:m:" not in text  # no survivor of the table listed on its own
    assert "`words:outside:23`" in text
    assert "more survivors" not in text  # the table's six count as shown


def test_the_html_report_shows_a_table_once_linking_its_folded_rows(tmp_path) -> None:
    from breakit.reports.html import render_html

    results = (*[survivor(line) for line in range(2, 8)], survivor(23, "outside"))
    page = render_html(KillMatrix(results=results, tests=()), None, tmp_path)
    section = page[page.index('<section id="tables">') : page.index('<section id="mutants">')]
    assert section.count("6 mutants of entries of the table PLURALS") == 1
    assert all(f'href="#m{i}"' in section for i in range(6))
    rows = page[page.index('<section id="mutants">') :]
    assert rows.count('<details class="mutant" id="m') == 7
    assert rows.count(" open><summary>") == 1  # only the survivor outside the table unfolded
