"""breakit.verdicts.ranking on hand-made kill matrices: catches, only-its, redundant tests, the
minimal
suite and the subsuming mutants, as docs/json.md defines them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import report_fixtures as fx

from breakit.core.model import KillMatrix, Mutant, MutantResult, Outcome, TestOutcome, Verdict
from breakit.reports import render_html
from breakit.verdicts.ranking import durations, minimal_suite, rank_tests, subsuming_mutants

C, E, M, N = Outcome.CAUGHT, Outcome.ERRORED, Outcome.MISSED, Outcome.NOT_RUN


def result(mutant_id: str, verdict: Verdict, **outcomes: Outcome) -> MutantResult:
    mutant = Mutant(id=mutant_id, origin="op", title=mutant_id, changes={}, originals={})
    tests = {n: TestOutcome(n, o) for n, o in outcomes.items()}
    return MutantResult(mutant=mutant, verdict=verdict, tests=tests)


TESTS = ("a", "b", "c", "d")


def matrix(*results: MutantResult) -> KillMatrix:
    return KillMatrix(tests=TESTS, results=results)


def test_caught_only_and_ran_per_test() -> None:
    ranking = rank_tests(
        matrix(
            result("m1", Verdict.KILLED, a=C, b=C, c=M, d=N),
            result("m2", Verdict.KILLED, a=C, b=M, c=M, d=N),
            result("m3", Verdict.KILLED, a=M, b=M, c=E, d=N),  # errored counts as a catch
            result("s", Verdict.SURVIVED, a=M, b=M, c=M, d=M),
        ),
        {"a": 0.5, "b": 0.1, "c": 0.2, "d": 0.3},
    )
    a, b, c, d = (ranking.test(t) for t in TESTS)
    assert (a.caught, a.only) == (("m1", "m2"), ("m2",))
    assert (b.caught, b.only) == (("m1",), ())
    assert (c.caught, c.only) == (("m3",), ("m3",))
    assert (d.caught, d.only, d.ran) == ((), (), 1)
    assert (a.ran, c.ran, a.duration_s) == (4, 4, 0.5)
    # Ranked by what only it catches, then what it catches, then speed: a, c (faster than d
    # and catching more), b (nothing of its own), d (nothing).
    assert [r.id for r in ranking.tests] == ["a", "c", "b", "d"]
    assert ranking.redundant == ("b", "d")  # each alone removable without losing a catch
    assert ranking.catches_none == ("d",)
    assert b.subsumed_by == "a" and a.subsumed_by is None and d.subsumed_by is None
    assert ranking.minimal_suite == ("a", "c")
    assert ranking.minimal_suite_s == pytest.approx(0.7) and ranking.suite_s == pytest.approx(1.1)
    assert ranking.credited == ("m1", "m2", "m3") and ranking.mutants == 4


def test_two_tests_catching_the_same_are_both_redundant_but_one_stays_in_the_minimal_suite():
    ranking = rank_tests(
        matrix(result("m1", Verdict.KILLED, a=C, b=C), result("m2", Verdict.KILLED, a=C, b=C)),
        {"a": 0.9, "b": 0.1},
    )
    assert ranking.redundant == ("a", "b", "c", "d")
    # Either alone goes; not both: the faster one is kept.
    assert ranking.minimal_suite == ("b",)
    # Of two equal tests the later is subsumed by the earlier, never each by the other.
    assert ranking.test("b").subsumed_by == "a" and ranking.test("a").subsumed_by is None


def test_timeouts_and_invalid_verdicts_credit_no_test() -> None:
    ranking = rank_tests(
        matrix(
            result("hang", Verdict.TIMEOUT, a=M, b=N),  # stopped: no test is credited
            result("hang-after-a-failure", Verdict.TIMEOUT, a=C, b=N),
            result("broken", Verdict.COMPILE_ERROR),
            result("import", Verdict.RUNTIME_ERROR, a=N),
            result("nocov", Verdict.NO_COVERAGE),
            result("eq", Verdict.IGNORED),
            # A test outside the baseline (a breakage that added it to the suite) is nobody's.
            result("added", Verdict.KILLED, a=M, **{"tests/new.py::t": C}),
        )
    )
    assert ranking.uncredited == ("hang", "added")
    assert ranking.credited == ("hang-after-a-failure",)
    assert ranking.test("a").caught == ("hang-after-a-failure",)
    assert ranking.minimal_suite == ("a",)
    assert ranking.suite_s is None and ranking.test("a").duration_s is None


def test_greedy_cover_prefers_the_test_catching_most_then_prunes() -> None:
    # x catches 1,2; y catches 3,4; z catches 2,3 and is picked first by no rule; w catches all
    # four but is slow: greedy still takes it (most left), and nothing else is needed.
    catchers = {
        "1": frozenset({"x", "w"}),
        "2": frozenset({"x", "z", "w"}),
        "3": frozenset({"y", "z", "w"}),
        "4": frozenset({"y", "w"}),
    }
    tests = ("x", "y", "z", "w")
    assert minimal_suite(catchers, {"w": 10.0}, tests) == ("w",)
    # Without w, x and y cover it; z would only add time.
    without_w = {m: found - {"w"} for m, found in catchers.items()}
    assert minimal_suite(without_w, {}, tests) == ("x", "y")
    # An essential test (the only catcher of 5) is always in, and the greedy pick it makes
    # unnecessary is pruned: q (only catcher of 5) also catches 1 and 2; y covers 3 and 4.
    catchers = {**without_w, "5": frozenset({"q"})}
    catchers["1"] = catchers["1"] | {"q"}
    catchers["2"] = catchers["2"] | {"q"}
    assert minimal_suite(catchers, {}, ("x", "y", "z", "q")) == ("y", "q")


def test_minimal_suite_breaks_ties_by_speed_then_baseline_order() -> None:
    catchers = {"1": frozenset({"slow", "fast"}), "2": frozenset({"p", "q"})}
    tests = ("slow", "fast", "p", "q")
    assert minimal_suite(catchers, {"slow": 2.0, "fast": 0.1}, tests) == ("fast", "p")


def test_subsuming_mutants() -> None:
    catchers = {
        "wide": frozenset({"a", "b", "c"}),  # a suite catching `narrow` catches this too
        "narrow": frozenset({"a"}),
        "narrow-again": frozenset({"a"}),  # the same tests as `narrow`: one of them is kept
        "other": frozenset({"c"}),
        "both": frozenset({"a", "c"}),
    }
    subsuming, subsumed_by = subsuming_mutants(catchers)
    assert subsuming == ("narrow", "other")
    assert subsumed_by == {"wide": "narrow", "narrow-again": "narrow", "both": "narrow"}


def test_the_exercise_words() -> None:
    curated = Mutant(id="k", origin="mutation", title="k", changes={}, originals={})
    ranking = rank_tests(
        KillMatrix(
            tests=("a",),
            results=(MutantResult(curated, Verdict.KILLED, {"a": TestOutcome("a", C)}),),
        )
    )
    assert ranking.all_origins_curated
    assert not rank_tests(matrix(result("m", Verdict.KILLED, a=C))).all_origins_curated


def test_an_empty_matrix() -> None:
    ranking = rank_tests(KillMatrix(tests=("a",)))
    assert ranking.minimal_suite == () and ranking.subsuming == ()
    assert ranking.redundant == ("a",) and ranking.catches_none == ("a",)


# --- the HTML report's view -------------------------------------------------------------------


class RankTable(HTMLParser):
    """The rows of the report's `table.rank`, each a list of its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.rows: list[list[str]] = []
        self.heads: list[str] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("class", "rank") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def test_the_html_report_has_the_ranked_table(tmp_path) -> None:
    project = fx.write_todo_project(tmp_path / "project")
    matrix = fx.build_matrix()
    baseline = fx.build_baseline()
    page = render_html(matrix, baseline, project)
    # Next to the heatmap: after the kill matrix, before each mutant's story.
    assert page.index('id="matrix"') < page.index('id="tests-ranked"') < page.index('id="mutants"')
    parser = RankTable()
    parser.feed(page)
    head, *rows = parser.rows
    assert head == ["#", "test", "caught", "only it", "time (s)", "redundant", "minimal suite"]
    ranking = rank_tests(matrix, durations(baseline))
    assert [row[1] for row in rows] == [r.id for r in ranking.tests]  # unescaped by the parser
    for row, rank in zip(rows, ranking.tests, strict=True):
        assert row[2:4] == [str(len(rank.caught)), str(len(rank.only))]
        assert row[5] == ("yes" if rank.id in ranking.redundant else "no")
        assert row[6] == ("yes" if rank.id in ranking.minimal_suite else "")
    assert any(fx.XSS in row[1] for row in rows)  # a test id holding <script> is text
    assert "<script>alert" not in page
    # Every column sorts: one header per column, each typed for the sorting script.
    assert page.count('<th data-type="') + page.count('<th class="tid" data-type="') == 7
    assert "Minimal suite:</b> " in page and "Subsuming mutants" in page
