"""The KillMatrix as one self-contained HTML page: summary, heatmap, and each mutant's story."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from breakit.core.model import Baseline, KillMatrix, MutantResult, Outcome, Verdict
from breakit.reports import html_tests
from breakit.reports.data_tables import table_findings
from breakit.reports.html_tables import grouped_ids, tables_section
from breakit.reports.schema_json import all_tests, primary_path, ran, status_reason

if TYPE_CHECKING:
    from breakit.mutants.changed_since import Since
    from breakit.triage.value import Triage

_CELL_CLASS = {
    Outcome.CAUGHT: "c",
    Outcome.ERRORED: "e",
    Outcome.MISSED: "m",
    Outcome.NOT_RUN: "n",
}
_OUTCOME_WORDS = {
    Outcome.CAUGHT: "caught (the test failed)",
    Outcome.ERRORED: "errored (the test could not run)",
    Outcome.MISSED: "missed (the test passed)",
    Outcome.NOT_RUN: "not run",
}
_HIGH, _LOW = 80, 60  # Stryker's default thresholds colour the score

_CSS = """
:root{--caught:#1b7f3b;--errored:#e69500;--missed:#dde2e7;--gap:#f08c8c;--notrun:#eceff1;--ink:#1d2329;
--muted:#5f6b76;--line:#d5dbe0;--bg:#fff;--code:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:0;padding:16px 24px 120px;background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}
code,pre,samp{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.sub{color:var(--muted);margin:0 0 12px}
.cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:92px}
.card b{display:block;font-size:20px}
.score b{font-size:28px}.score.high b{color:var(--caught)}.score.mid b{color:#b26a00}
.score.low b{color:#b3261e}
.v{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;
color:#fff;white-space:nowrap}
.v-Killed{background:var(--caught)}.v-Survived{background:#b3261e}
.v-Timeout{background:#1565c0}.v-NoCoverage{background:#8e24aa}
.v-CompileError,.v-RuntimeError{background:#546e7a}.v-Ignored{background:#9e9e9e}
.filters{margin:6px 0}.filters button{font:inherit;font-size:12px;border:1px solid var(--line);
background:#fff;border-radius:12px;padding:1px 10px;cursor:pointer;margin:0 4px 4px 0}
.filters button[aria-pressed=true]{background:var(--ink);color:#fff;border-color:var(--ink)}
.keys span{display:inline-flex;align-items:center;margin-right:14px;font-size:12px}
.keys i{display:inline-block;width:12px;height:12px;margin-right:4px;border:1px solid #0002}
.scroll{overflow:auto;max-height:70vh;border:1px solid var(--line);border-radius:4px}
table.heat{border-collapse:separate;border-spacing:0;font-size:12px}
.heat th,.heat td{padding:0;border-right:1px solid #fff;border-bottom:1px solid #fff}
.heat thead th{position:sticky;top:0;background:#fff;z-index:2;font-weight:500;
color:var(--muted);min-width:15px;height:22px;text-align:center;font-size:10px}
.heat thead th.t:hover{color:var(--ink);background:#e3f2fd}
.heat th.mid{position:sticky;left:0;background:#fff;z-index:1;text-align:left;
padding:0 6px;font-weight:500;white-space:nowrap}
.heat thead th.mid{z-index:3}
.heat td.ver{padding:0 6px;background:#fff}
.heat td.ttl{padding:0 8px;max-width:260px;overflow:hidden;text-overflow:ellipsis;
white-space:nowrap;background:#fff;color:var(--muted)}
.heat td.c,.heat td.e,.heat td.m,.heat td.n{width:15px;min-width:15px;height:15px;cursor:pointer}
.c,.keys i.c{background:var(--caught)}.e,.keys i.e{background:var(--errored)}
.m,.keys i.m{background:var(--missed)}tr[data-verdict=Survived] td.m{background:var(--gap)}
.keys i.gap{background:var(--gap)}
.n,.keys i.n{background:repeating-linear-gradient(45deg,var(--notrun) 0 3px,#fff 3px 6px)}
.heat td.sel{outline:2px solid var(--ink);outline-offset:-2px}
.heat tr.hidden{display:none}
#cell-info{position:fixed;left:0;right:0;bottom:0;background:var(--ink);color:#fff;
padding:8px 24px;white-space:pre-wrap;font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;
max-height:30vh;overflow:auto;z-index:5}
ol.tests{columns:2 440px;column-gap:32px;font-size:12px;padding-left:36px}
ol.tests li{overflow-wrap:anywhere;break-inside:avoid}
ol.tests li{break-inside:avoid}
details.mutant{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 12px}
details.mutant summary{cursor:pointer}
details.mutant summary code{font-weight:600}
.where{color:var(--muted)}
ul.why{margin:4px 0;padding-left:20px}
ul.why samp{color:#b3261e}
pre{background:var(--code);padding:8px;border-radius:4px;overflow:auto;margin:6px 0}
pre.diff span{display:block}
.add{background:#e6ffec;color:#116329}.del{background:#ffebe9;color:#82071e}
details.fold{margin:4px 0;color:var(--muted);font-size:13px}
details.fold summary{cursor:pointer}details.fold p{margin:4px 0 4px 16px}
.hunk{color:#0550ae;background:#ddf4ff}.meta{color:var(--muted);font-weight:600}
"""

_JS = """
(function(){
  var WORDS=%s;
  var info=document.getElementById('cell-info'), heads=document.querySelectorAll('th.t'),
      sel=null;
  function describe(td){
    if(!td.title){
      var col=td.cellIndex-3, th=heads[col];
      td.title=(th?th.title:'')+'\\n'+WORDS[td.className.split(' ')[0]];
    }
    return td.parentNode.dataset.label+'\\n'+td.title;
  }
  var table=document.querySelector('table.heat'), CELLS='td.c,td.e,td.m,td.n';
  table.addEventListener('mouseover',function(ev){
    var td=ev.target.closest(CELLS); if(td) describe(td);
  });
  table.addEventListener('click',function(ev){
    var td=ev.target.closest(CELLS); if(!td) return;
    if(sel) sel.classList.remove('sel'); sel=td; td.classList.add('sel');
    info.textContent=describe(td);
  });
  document.querySelectorAll('.filters button').forEach(function(btn){
    btn.addEventListener('click',function(){
      document.querySelectorAll('.filters button').forEach(function(b){
        b.setAttribute('aria-pressed', b===btn ? 'true' : 'false');
      });
      var want=btn.dataset.verdict;
      table.querySelectorAll('tbody tr').forEach(function(tr){
        tr.classList.toggle('hidden', want!=='all' && tr.dataset.verdict!==want);
      });
    });
  });
})();
"""


def render_html(
    matrix: KillMatrix,
    baseline: Baseline | None,
    root: Path,
    since: Since | None = None,
    triage: Mapping[str, Triage] | None = None,
) -> str:
    """One HTML file with inline CSS and JS: it opens offline, from disk, in any browser. With
    `since` (`check --since REF`), each mutant says what brought it in; with `triage`, each
    triaged survivor why it survived."""
    tests = all_tests(matrix, baseline)
    anchors = {result.mutant.id: index for index, result in enumerate(matrix.results)}
    tables = table_findings(r for r in matrix.results if r.verdict is Verdict.SURVIVED)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>breakit report — {escape(root.resolve().name)}</title>",
        f"<style>{_CSS}{html_tests.CSS}</style></head><body>",
        '<h1>breakit report</h1><p class="sub">project '
        f"<code>{escape(str(root.resolve()))}</code></p>",
        _summary(matrix, baseline, tests),
        _heatmap(matrix, tests),
        html_tests.tests_section(matrix, baseline, anchors),
        tables_section(tables, anchors),
        _mutants(matrix, since, triage or {}, grouped_ids(tables)),
        '<div id="cell-info" role="status">Click a cell of the kill matrix to see the test and '
        "its failure line.</div>",
        f"<script>{_JS.replace('%s', _words_json())}{html_tests.JS}</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _words_json() -> str:
    words = {_CELL_CLASS[o]: w for o, w in _OUTCOME_WORDS.items()}
    # "<" never occurs in these words; escaping it anyway keeps "</script>" out of the script.
    return json.dumps(words).replace("<", "\\u003c")


def _summary(matrix: KillMatrix, baseline: Baseline | None, tests: tuple[str, ...]) -> str:
    score = matrix.score()
    if score is None:
        score_text, grade = "n/a", "mid"
    else:
        score_text = f"{score:.1f}%"
        grade = "high" if score >= _HIGH else "mid" if score >= _LOW else "low"
    counts = Counter(r.verdict for r in matrix.results)
    cards = [
        f'<div class="card score {grade}" title="(Killed + Timeout) / all but CompileError and '
        f'RuntimeError">mutation score<b>{score_text}</b></div>',
        f'<div class="card">mutants<b>{len(matrix.results)}</b></div>',
        f'<div class="card">tests<b>{len(tests)}</b></div>',
    ]
    for verdict in Verdict:
        cards.append(
            f'<div class="card"><span class="v v-{verdict.value}">{verdict.value}</span>'
            f"<b>{counts.get(verdict, 0)}</b></div>"
        )
    if matrix.unchecked:  # --max-time spent: they ran in no engine, and count nowhere
        cards.append(
            f'<div class="card">unchecked (--max-time)<b>{len(matrix.unchecked)}</b></div>'
        )
    out = ['<section id="summary"><h2>Summary</h2><div class="cards">', *cards, "</div>"]
    if matrix.first_catch:
        out.append(
            '<p class="sub">First-catch run: each mutant stopped at its first catching test, so '
            "the matrix is partial (a Killed mutant shows that one test; the tests after it did "
            "not run). Run <code>breakit check</code> without --first-catch for every catching "
            "test.</p>"
        )
    if baseline is not None:
        failing = baseline.failing
        out.append(
            f'<p class="sub">Baseline: {len(baseline.tests)} tests on the unmutated code in '
            f"{baseline.duration_s:.2f}s; {len(failing)} not passing.</p>"
        )
        if failing:
            out.append('<ul class="why">')
            out.extend(
                f"<li><code>{escape(o.nodeid)}</code> {escape(o.outcome.value)}"
                f"{_samp(o.message)}</li>"
                for o in failing
            )
            out.append("</ul>")
    out.append("</section>")
    return "\n".join(out)


def _heatmap(matrix: KillMatrix, tests: tuple[str, ...]) -> str:
    present = [v for v in Verdict if any(r.verdict is v for r in matrix.results)]
    buttons = ['<button type="button" data-verdict="all" aria-pressed="true">all</button>']
    buttons += [
        f'<button type="button" data-verdict="{v.value}" aria-pressed="false">{v.value}</button>'
        for v in present
    ]
    keys = "".join(
        f'<span><i class="{_CELL_CLASS[o]}"></i>{escape(_OUTCOME_WORDS[o])}</span>' for o in Outcome
    )
    keys += '<span><i class="gap"></i>missed, in a survivor\'s row: the gap</span>'
    head = ['<tr><th class="mid">mutant</th><th>verdict</th><th>title</th>']
    head += [f'<th class="t" title="{escape(t)}">{i}</th>' for i, t in enumerate(tests, 1)]
    head.append("</tr>")
    rows = []
    for index, result in enumerate(matrix.results):
        mutant = result.mutant
        label = f"{mutant.id} ({result.verdict.value}): {mutant.title}"
        cells = []
        for nodeid in tests:
            found = result.tests.get(nodeid)
            outcome = found.outcome if found else Outcome.NOT_RUN
            words = _OUTCOME_WORDS[outcome]
            if found is not None and found.message:
                # Only cells with something to say carry their text; JS fills the rest on hover,
                # which keeps a 200 × 60 matrix small.
                text = f"{nodeid}\n{words}: {found.message}"
                title = f' title="{escape(text)}"'
            else:
                title = ""
            cells.append(f'<td class="{_CELL_CLASS[outcome]}"{title}></td>')
        rows.append(
            f'<tr data-verdict="{result.verdict.value}" data-label="{escape(label)}">'
            f'<th class="mid"><a href="#m{index}">{escape(mutant.id)}</a></th>'
            f'<td class="ver"><span class="v v-{result.verdict.value}">'
            f"{result.verdict.value}</span></td>"
            f'<td class="ttl" title="{escape(mutant.title)}">{escape(mutant.title)}</td>'
            + "".join(cells)
            + "</tr>"
        )
    legend = "".join(f"<li><code>{escape(t)}</code></li>" for t in tests)
    return "\n".join(
        [
            '<section id="matrix"><h2>Kill matrix</h2>',
            '<p class="sub">Rows are mutants, columns are tests (numbered; the list below names '
            "them). Hover a cell for its test and failure line; click it to keep it shown.</p>",
            f'<div class="keys">{keys}</div>',
            f'<div class="filters">{"".join(buttons)}</div>',
            '<div class="scroll"><table class="heat">',
            f"<thead>{''.join(head)}</thead><tbody>",
            *rows,
            "</tbody></table></div>",
            f'<h2>Tests</h2><ol class="tests">{legend}</ol></section>',
        ]
    )


def _mutants(
    matrix: KillMatrix,
    since: Since | None = None,
    triage: Mapping[str, Triage] | None = None,
    folded: frozenset[str] = frozenset(),
) -> str:
    out = ['<section id="mutants"><h2>Mutants</h2>']
    if since is not None:
        out.append(
            f'<p class="sub">Since <code>{escape(since.git_diff.ref)}</code>: the mutants on '
            "lines changed since then, and those covered by tests added or changed.</p>"
        )
    for index, result in enumerate(matrix.results):
        why = None if since is None else since.describe(result.mutant.id)
        mutant = result.mutant.id
        out.append(_mutant(index, result, why, (triage or {}).get(mutant), mutant in folded))
    out.append("</section>")
    return "\n".join(out)


def _mutant(
    index: int,
    result: MutantResult,
    brought_in: str | None = None,
    triage: Triage | None = None,
    folded: bool = False,
) -> str:
    mutant = result.mutant
    verdict = result.verdict
    loc = mutant.location
    where = primary_path(mutant) + (f":{loc.start_line}" if loc else "")
    survived = verdict in (Verdict.SURVIVED, Verdict.NO_COVERAGE)
    opened = " open" if survived and not folded else ""  # a table's entries: one finding
    out = [
        f'<details class="mutant" id="m{index}"{opened}><summary>'
        f'<span class="v v-{verdict.value}">{verdict.value}</span> '
        f"<code>{escape(mutant.id)}</code> {escape(mutant.title)} "
        f'<span class="where">— {escape(mutant.origin)}, {escape(where)}</span></summary>'
    ]
    if brought_in:
        out.append(f'<p class="sub">{escape(brought_in)}</p>')
    if mutant.mutation is not None and mutant.mutation.question:
        out.append(f"<p><b>Question:</b> {escape(mutant.mutation.question)}</p>")
    out.append(_why(result))
    if triage is not None:
        lines = triage.lines()
        rest = "".join(f"<br>{escape(line.strip())}" for line in lines[1:])
        followed = triage.followed_as or ""
        out.append(
            f'<p class="triage" data-triage="{triage.kind}" data-followed="{followed}">'
            f"<b>{escape(lines[0])}</b>{rest}</p>"
        )
    if mutant.mutation is not None and mutant.mutation.caught_by is not None:
        expected = ", ".join(mutant.mutation.caught_by) or "no test"
        out.append(f'<p class="sub">Expected to be caught by: <code>{escape(expected)}</code></p>')
    if result.order:
        # Order matters for breakages of shared state: say which order ran.
        out.append(_fold("the order the tests ran in", escape(" → ".join(result.order))))
    out.append(_diff(mutant.diff))
    out.append("</details>")
    return "\n".join(out)


def _why(result: MutantResult) -> str:
    verdict = result.verdict
    covered = ran(result)
    if verdict is Verdict.KILLED:
        items = "".join(
            f"<li><code>{escape(n)}</code>{_samp(result.tests[n].message)}</li>"
            for n in result.catchers
        )
        head = f"<p>Caught by {len(result.catchers)} of the {len(covered)} tests that ran:</p>"
        out = head + f'<ul class="why">{items}</ul>'
    elif verdict is Verdict.SURVIVED:
        passed = [n for n in covered if result.tests[n].outcome is Outcome.MISSED]
        out = (
            f"<p><b>No test failed.</b> {len(passed)} of the {len(covered)} tests that ran "
            "passed with this change in place.</p>"
            + _fold("the tests that passed", ", ".join(f"<code>{escape(n)}</code>" for n in passed))
        )
    elif verdict is Verdict.NO_COVERAGE:
        out = "<p><b>No test runs the changed code</b>, so none could notice.</p>"
    else:
        out = f"<p>What happened:</p><pre>{escape(status_reason(result) or '')}</pre>"
    if result.errored_in:
        items = "".join(
            f"<li><code>{escape(n)}</code>{_samp(result.tests[n].message)}</li>"
            for n in result.errored_in
        )
        out += f'<p>Errored (could not run, not a failure):</p><ul class="why">{items}</ul>'
    return out


def _fold(summary: str, body_html: str) -> str:
    if not body_html:
        return ""
    return f'<details class="fold"><summary>{escape(summary)}</summary><p>{body_html}</p></details>'


def _samp(message: str | None) -> str:
    return f" — <samp>{escape(message)}</samp>" if message else ""


def _diff(diff: str) -> str:
    spans = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---", "diff --git", "deleted file", "\\")):
            cls = "meta"
        elif line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        else:
            cls = "ctx"
        spans.append(f'<span class="{cls}">{escape(line) or " "}</span>')
    return f'<pre class="diff">{"".join(spans)}</pre>'
