"""The HTML report's "Tests ranked" section (breakit.verdicts.ranking): one sortable table of the
tests by what they catch, the minimal suite and the subsuming mutants. Everything from the project
is HTML-escaped; the sorting is a few lines of inline JavaScript."""

from __future__ import annotations

from html import escape

from breakit.core.model import Baseline, KillMatrix
from breakit.verdicts.ranking import Ranking, durations, rank_tests

CSS = """
table.rank{border-collapse:collapse;font-size:12px;margin:6px 0}
.rank th,.rank td{padding:2px 10px;border-bottom:1px solid var(--line);text-align:right}
.rank th.tid,.rank td.tid{text-align:left;overflow-wrap:anywhere;max-width:640px}
.rank thead th{cursor:pointer;user-select:none;background:#fff;position:sticky;top:0}
.rank thead th[aria-sort=ascending]::after{content:" \\25B2"}
.rank thead th[aria-sort=descending]::after{content:" \\25BC"}
.rank td.zero{color:#b3261e}.rank tr.min td.tid code{font-weight:700}
.rank-scroll{overflow:auto;max-height:60vh;border:1px solid var(--line);border-radius:4px}
"""

JS = """
(function(){
  var table=document.querySelector('table.rank'); if(!table) return;
  var heads=table.querySelectorAll('thead th'), body=table.tBodies[0];
  heads.forEach(function(th,col){
    th.addEventListener('click',function(){
      var down=th.getAttribute('aria-sort')!=='descending';
      heads.forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',down?'descending':'ascending');
      var rows=Array.prototype.slice.call(body.rows), num=th.dataset.type==='num';
      rows.sort(function(a,b){
        var x=a.cells[col].dataset.v, y=b.cells[col].dataset.v;
        var d=num?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);
        return (down?-d:d)||(a.dataset.rank-b.dataset.rank);
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
})();
"""


def tests_section(matrix: KillMatrix, baseline: Baseline | None, anchors: dict[str, int]) -> str:
    """The section; `anchors`: mutant id → its index in the Mutants section (its `#m` link)."""
    ranking = rank_tests(matrix, durations(baseline))
    return "\n".join(
        [
            '<section id="tests-ranked"><h2>Tests ranked by what they catch</h2>',
            _answers(ranking, anchors),
            '<p class="sub">Click a column to sort. <b>Only it</b>: the mutants no other test '
            "catches; <b>redundant</b>: everything it catches another test catches too (each "
            "alone could go, not all at once); bold: in the minimal suite.</p>",
            _table(ranking),
            "</section>",
        ]
    )


def _answers(ranking: Ranking, anchors: dict[str, int]) -> str:
    credited = len(ranking.credited)
    size = len(ranking.minimal_suite)
    chosen, whole = ranking.minimal_suite_s, ranking.suite_s
    times = (
        f" in {chosen:.3f} s of test time, against {whole:.3f} s for the whole suite"
        if chosen is not None and whole is not None
        else ""
    )
    links = ", ".join(
        f'<a href="#m{anchors[m]}"><code>{escape(m)}</code></a>'
        if m in anchors
        else f"<code>{escape(m)}</code>"
        for m in ranking.subsuming
    )
    items = [
        f"<li><b>Minimal suite:</b> {size} of {len(ranking.tests)} tests catch all {credited} "
        f"mutants the suite catches{times}.</li>",
        f"<li><b>Redundant:</b> {len(ranking.redundant)} tests; "
        f"<b>catch none:</b> {len(ranking.catches_none)}.</li>",
        f"<li><b>Subsuming mutants</b> ({len(ranking.subsuming)} of {credited}: a suite that "
        f"catches these catches the rest): {links or 'none'}.</li>",
    ]
    if ranking.uncredited:
        names = ", ".join(f"<code>{escape(m)}</code>" for m in ranking.uncredited)
        items.append(f"<li><b>Detected, credited to no test</b> (timed out): {names}.</li>")
    return f'<ul class="why">{"".join(items)}</ul>'


def _table(ranking: Ranking) -> str:
    chosen = set(ranking.minimal_suite)
    redundant = set(ranking.redundant)
    head = (
        '<tr><th data-type="num">#</th><th class="tid" data-type="text">test</th>'
        '<th data-type="num">caught</th><th data-type="num">only it</th>'
        '<th data-type="num">time (s)</th><th data-type="text">redundant</th>'
        '<th data-type="text">minimal suite</th></tr>'
    )
    rows = []
    for place, rank in enumerate(ranking.tests, 1):
        seconds = "" if rank.duration_s is None else f"{rank.duration_s:.3f}"
        zero = ' class="zero"' if not rank.caught else ""
        is_redundant = "yes" if rank.id in redundant else "no"
        in_minimal = "yes" if rank.id in chosen else ""
        rows.append(
            f'<tr data-rank="{place}"{" class=min" if rank.id in chosen else ""}>'
            f'<td data-v="{place}">{place}</td>'
            f'<td class="tid" data-v="{escape(rank.id)}"><code>{escape(rank.id)}</code></td>'
            f'<td data-v="{len(rank.caught)}"{zero}>{len(rank.caught)}</td>'
            f'<td data-v="{len(rank.only)}">{len(rank.only)}</td>'
            f'<td data-v="{rank.duration_s or 0.0}">{seconds}</td>'
            f'<td data-v="{is_redundant}">{is_redundant}</td>'
            f'<td data-v="{in_minimal or "no"}">{in_minimal}</td></tr>'
        )
    return (
        f'<div class="rank-scroll"><table class="rank"><thead>{head}</thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )
