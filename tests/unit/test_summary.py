"""The Markdown summary (GitHub's job summary, summary.md) read back as Markdown, and the GitHub
annotations of a --since run: on changed lines only."""

from __future__ import annotations

from dataclasses import replace

import report_fixtures as fx
from markdown_it import MarkdownIt

from breakit.core.model import KillMatrix, MutantResult, Verdict
from breakit.mutants.changed_since import CHANGED_LINE, CHANGED_TEST, Since
from breakit.mutants.git_diff import GitDiff
from breakit.reports.github import github_annotations
from breakit.reports.summary import BUDGET, MAX_DIFFS, summary_markdown

SURVIVING = (fx.ID_SURVIVED, fx.ID_NO_COVERAGE, fx.ID_DROP_CONFTEST)


def parse(text: str):
    md = MarkdownIt("commonmark").enable("table")
    return md.parse(text), md.render(text)


def since_for(matrix: KillMatrix) -> Since:
    """The survivor on a changed line; the NoCoverage one and the curated one brought in by a
    changed test; the rest on changed lines."""
    reasons = {r.mutant.id: (CHANGED_LINE,) for r in matrix.results}
    reasons[fx.ID_NO_COVERAGE] = (CHANGED_TEST + fx.T_CREATE,)
    reasons[fx.ID_DROP_CONFTEST] = (CHANGED_TEST + fx.T_CREATE, CHANGED_TEST + fx.T_STATUS)
    git_diff = GitDiff("origin/main", "ab" * 20, {"app/todos.py": frozenset({15})})
    tests = {fx.T_CREATE: ("tests/test_todos.py", 7), fx.T_STATUS: ("tests/test_todos.py", 27)}
    return Since(git_diff=git_diff, reasons=reasons, tests=tests)


def test_the_summary_is_markdown_with_a_heading_a_table_and_each_survivors_folded_diff():
    matrix = fx.build_matrix()
    tokens, html = parse(summary_markdown(matrix))
    kinds = [t.type for t in tokens]
    assert tokens[0].type == "heading_open" and tokens[0].tag == "h2"
    assert f"score {matrix.score():.1f}%" in tokens[1].content
    assert "table_open" in kinds
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "Survived" in cells and "NoCoverage" in cells
    assert kinds.count("list_item_open") == len(SURVIVING)
    fences = [t for t in tokens if t.type == "fence"]
    assert [t.info for t in fences] == ["diff"] * len(SURVIVING)
    assert any("-    return 201 if created else 200" in t.content for t in fences)
    details = [t for t in tokens if t.type == "html_block" and "<details>" in t.content]
    assert len(details) == len(SURVIVING)
    # Titles are text: the `<script>` in two of them is shown, never run as HTML.
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_with_since_it_says_why_each_mutant_came_in():
    matrix = fx.build_matrix()
    text = summary_markdown(matrix, since_for(matrix))
    tokens, _ = parse(text)
    assert "on the change since `origin/main`" in tokens[1].content
    assert f"by changed tests: `{fx.T_CREATE}` 2, `{fx.T_STATUS}` 1" in text
    items = [t.content for t in tokens if t.type == "inline" and t.content.startswith("**")]
    assert len(items) == len(SURVIVING)
    assert any(fx.ID_SURVIVED in i and "(brought in by changed line)" in i for i in items)
    assert any(f"(brought in by changed test `{fx.T_CREATE}`" in i for i in items)


def test_a_big_run_stays_within_the_budget_and_counts_what_it_left_out():
    matrix = fx.build_matrix()
    survivor = next(r for r in matrix.results if r.mutant.id == fx.ID_SURVIVED)
    big_source = "".join(f"line_{i} = {i}\n" for i in range(400))
    many = tuple(
        MutantResult(
            replace(
                survivor.mutant,
                id=f"m{i:04d}",
                originals={"app/big.py": big_source},
                changes={"app/big.py": big_source.replace(" = ", " == ")},
            ),
            Verdict.SURVIVED,
            survivor.tests,
        )
        for i in range(2000)
    )
    text = summary_markdown(KillMatrix(tests=matrix.tests, results=many))
    assert len(text) < BUDGET + 1000
    tokens, _ = parse(text)
    assert len([t for t in tokens if t.type == "fence"]) <= MAX_DIFFS
    assert all(len(t.content.splitlines()) <= 41 for t in tokens if t.type == "fence")
    assert "more survivors: see breakit.json" in text


def test_with_since_annotations_point_at_changed_lines_only():
    matrix = fx.build_matrix()
    lines = github_annotations(matrix, since_for(matrix))
    errors = [line for line in lines if line.startswith("::error")]
    warnings = [line for line in lines if line.startswith("::warning")]
    # The survivor on a changed line, where it is; the curated one, brought in by tests only, not.
    assert len(errors) == 1 and errors[0].startswith("::error file=app/todos.py,line=15")
    # Each changed test that ran a survivor, on the line of its definition that changed.
    assert sorted(w.split("::")[1] for w in warnings) == [
        "warning file=tests/test_todos.py,line=27,endLine=27,title=breakit%3A a changed test",
        "warning file=tests/test_todos.py,line=7,endLine=7,title=breakit%3A a changed test",
    ]
    assert any(fx.ID_DROP_CONFTEST in w and fx.T_CREATE in w for w in warnings)
    # Without --since: every survivor, as before.
    assert len(github_annotations(matrix)) == len(matrix.survivors)
