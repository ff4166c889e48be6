"""The triage's parts on real code: each generated mutant's probe, the instrumented module run
for real (it must compute exactly what the original does, each operand once), what the probes
record, the classes and suggestions made of it, and compiled-code equivalence."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from breakit.core.model import MutantResult, Verdict
from breakit.mutants.operators.discovery import mutants_for_source
from breakit.triage.assertion import Assertion, scratch, write
from breakit.triage.classify import classify, gather
from breakit.triage.follow import compare_runs, followable
from breakit.triage.identical import SAME_AS_ORIGINAL, split_identical, twins_results
from breakit.triage.instrument import rounds
from breakit.triage.recorder import recording
from breakit.triage.run import probes_of
from breakit.triage.switch import switch_to
from breakit.triage.value import NEVER, NOT_COMPARABLE, TOLD, Followed

PATH = "pkg/code.py"
SOURCE = textwrap.dedent(
    """
    CALLS = []


    def taken(values):
        CALLS.append(len(values))
        return values.pop()


    def grade(score):
        return "A" if score >= 90 else "B"


    def total(prices, discount):
        CALLS.append(len(prices))
        return sum(prices) - discount


    def first_and_rest(values):
        return taken(values) * 2 + len(values)


    def both(a, b):
        return a and not b


    def within(low, x, high):
        return low < x < taken(high)


    def count(xs):
        n = 0
        for x in xs:
            n += x
        return n


    def fits(packed, raw):
        return len(packed) < len(raw) - 1
    """
).lstrip()

CALLS_TO_MAKE = [
    ("grade", (95,)),
    ("grade", (90,)),
    ("grade", (10,)),
    ("total", ([3, 4], 2)),
    ("first_and_rest", ([1, 2, 3],)),
    ("both", (1, 0)),
    ("both", (0, 1)),
    ("within", (0, 1, [5])),
    ("within", (2, 1, [5])),  # the original never evaluates `taken(high)`
    ("within", (1, 1, [5])),  # nor here, where `low <= x` would need it
    ("count", ([1, 2, 3],)),
    ("fits", ("abcdefgh", "ab")),  # never packed smaller: `- 1` → `+ 1` changes no result
    ("fits", ("abcdefgh", "abc")),
]


Calls = list[tuple[str, tuple[Any, ...]]]


def run_module(text: str, calls: Calls = CALLS_TO_MAKE) -> tuple[list[Any], list[Any]]:
    """Each call of `calls` on a fresh copy of the module: the results, and its side effects."""
    namespace: dict[str, Any] = {}
    exec(compile(text, PATH, "exec", dont_inherit=True), namespace)
    results = []
    for name, args in calls:
        fresh = tuple(list(a) if isinstance(a, list) else a for a in args)
        results.append(namespace[name](*fresh))
    return results, namespace["CALLS"]


def survivors(source: str = SOURCE) -> list[MutantResult]:
    mutants = mutants_for_source(source, PATH).mutants
    return [MutantResult(m, Verdict.SURVIVED, {}) for m in mutants]


def test_every_generated_operator_gets_a_probe_of_its_kind():
    found = probes_of(survivors())
    kinds = {}
    for result in survivors():
        probe = found[result.mutant.id]
        assert probe is not None, result.mutant.title
        kinds.setdefault(result.mutant.origin, set()).add(probe.kind)
    assert kinds["comparison"] == {"compare", "chain"}
    # `len(raw) - 1` in `len(packed) < …`: the comparison's result is what is compared.
    assert kinds["arithmetic"] == {"binop", "nested"}
    assert kinds["and_or"] == {"boolop"}
    assert kinds["not_removed"] == {"negation"}
    assert kinds["augmented_assignment"] == {"augmented"}
    assert kinds["call_removed"] == {"reached"}
    assert kinds["return_none"] == {"value"}
    # `score >= 90`: the comparison, with 89 or 91; `len(raw) - 1`: the comparison, with
    # `len(raw) - 0` or `- 2`; `n = 0`: the value.
    assert kinds["number"] == {"operand", "nested", "value"}
    assert kinds["string_emptied"] == {"value"}


def test_the_instrumented_module_computes_exactly_what_the_original_does(tmp_path: Path):
    expected = run_module(SOURCE)
    found = probes_of(survivors())
    made, broken = rounds([p for p in found.values() if p is not None], {PATH: SOURCE})
    assert not broken
    assert len(made) >= 2  # nested and same-node probes wait for another run
    for number, round_ in enumerate(made):
        text = round_.files[PATH]
        assert text.count("\n") == SOURCE.count("\n")  # tracebacks keep their line numbers
        with recording(str(tmp_path / f"{number}.jsonl")):
            assert run_module(text) == expected
        assert run_module(text) == expected  # outside a triage run the probes only compute


def test_a_value_read_at_an_operators_span_shares_its_run():
    # `if score >= 90:` forced True and False, `score >= 90` returned as None, and `>=` → `>`:
    # the forced values wrap the comparison's call, one run for all of them.
    source = "def grade(score):\n    if score >= 90:\n        return 1\n    return 0\n"
    results = survivors(source)
    found = probes_of(results)
    made, broken = rounds([p for p in found.values() if p is not None], {PATH: source})
    assert not broken
    at_comparison = {r.mutant.id for r in results if found[r.mutant.id].site == "score >= 90"}
    assert len(at_comparison) == 5  # `>`, forced True, forced False, 91, 89
    kinds = {found[m].kind for m in at_comparison}
    assert kinds == {"compare", "truth", "operand"}
    shared = [
        r for r in made if {"compare", "truth"} <= {found[m].kind for m in r.mutants.values()}
    ]
    assert len(shared) == 1
    assert "truth((" in shared[0].files[PATH] and ".compare(" in shared[0].files[PATH]


def observed(tmp_path: Path, calls: Calls = CALLS_TO_MAKE) -> dict[str, Any]:
    """Each survivor's triage after running `calls` under every round's probes, by
    `site → mutated`."""
    source = SOURCE
    results = survivors(source)
    found = probes_of(results)
    made, _broken = rounds([p for p in found.values() if p is not None], {PATH: source})
    lines = []
    for number, round_ in enumerate(made):
        path = tmp_path / f"{number}.jsonl"
        with recording(str(path)):
            run_module(round_.files[PATH], calls)
        if path.exists():  # nothing reached, nothing written
            lines.extend(json.loads(line) for line in path.read_text().splitlines())
    numbers = {n: m for r in made for n, m in r.mutants.items()}
    covering = {r.mutant.id: set() for r in results}
    seen = gather(lines, numbers, covering)  # no test ran: all of it at "import time"
    triaged = [classify(found[r.mutant.id], seen.get(r.mutant.id), r.mutant.id) for r in results]
    return {f"{t.site} → {t.mutated}": t for t in triaged}


def test_what_the_probes_saw_makes_each_class(tmp_path: Path):
    triaged = observed(tmp_path)
    # `>=` → `>`: 90 was tried, so they differed there.
    assert triaged["score >= 90 → score > 90"].kind == TOLD
    assert triaged["score >= 90 → score > 90"].first.operands == ("90", "90")
    # `sum(prices) - discount` → `+`: 5 where the mutant gives 9.
    minus = triaged["sum(prices) - discount → sum(prices) + discount"]
    assert (minus.kind, minus.first.original, minus.first.mutant) == (TOLD, "5", "9")
    assert triaged["CALLS.append(len(prices)) → pass"].kind == NOT_COMPARABLE
    assert triaged["CALLS.append(len(prices)) → pass"].reached == 1
    # `len(raw) - 1` differs from `len(raw) + 1` (1 against 3), the comparison never does.
    plus = triaged["len(packed) < len(raw) - 1 → len(packed) < len(raw) + 1"]
    assert (plus.kind, plus.reached, plus.site) == (NEVER, 2, "len(packed) < len(raw) - 1")
    assert plus.suggestion == "a test where `len(packed)` is near `len(raw) - 1`"


def test_a_boundary_never_hit_suggests_it(tmp_path: Path):
    triaged = observed(tmp_path, [("grade", (95,)), ("grade", (80,))])
    strict = triaged["score >= 90 → score > 90"]
    assert strict.kind == NEVER
    assert strict.suggestion == "a test where `score` is 90"
    assert "`score` was 95, 80" in strict.lines()[1]
    lower = triaged["score >= 90 → score >= 89"]
    assert (lower.kind, lower.suggestion) == (NEVER, "a test where `score` is 89")


def test_a_mutant_needing_code_the_original_skipped_is_not_compared(tmp_path: Path):
    triaged = observed(tmp_path)
    # `low < x < taken(high)` → `low <= x < taken(high)`: at (1, 1) the original stops at
    # `low < x` and never calls taken(high); the mutant would, so that time is not compared
    # (run_module's side effects, compared in another test, show taken() was not called).
    first = triaged["low < x < taken(high) → low <= x < taken(high)"]
    assert (first.reached, first.differed, first.kind) == (3, 0, NEVER)


def test_a_piece_of_an_implicit_concatenation_is_only_counted():
    source = 'def message():\n    return ("one " "two")\n'
    found = probes_of(survivors(source))
    kinds = {p.kind for p in found.values() if p is not None}
    assert kinds == {"reached", "value"}  # the pieces counted; `return None` compared
    made, broken = rounds([p for p in found.values() if p is not None], {PATH: source})
    assert not broken and made


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ('def f(x):\n    "doc"\n    "a note"\n    return x\n', SAME_AS_ORIGINAL),
        ("X = 1 + 1\n", "its compiled code is"),
    ],
)
def test_mutants_whose_compiled_code_is_known_are_not_run(source: str, reason: str):
    mutants = mutants_for_source(source, PATH).mutants
    to_run, ignored, twins = split_identical(mutants)
    ran = {m.id for m in to_run}
    assert ran | {r.mutant.id for r in ignored} | set(twins) == {m.id for m in mutants}
    assert all(r.verdict is Verdict.IGNORED and r.error == SAME_AS_ORIGINAL for r in ignored)
    if reason == SAME_AS_ORIGINAL:
        assert ignored
        return
    # A twin is not run: it takes the verdict of the one it repeats, which is run.
    assert twins and set(twins.values()) <= ran
    results = [MutantResult(mutant=m, verdict=Verdict.KILLED, tests={}) for m in to_run]
    taken = twins_results(mutants, results, twins)
    assert {r.mutant.id for r in taken} == set(twins)
    assert all(r.verdict is Verdict.KILLED and r.error.startswith(reason) for r in taken)


def test_a_survivor_without_a_probe_is_not_comparable():
    triage = classify(None, None, "m", note="no single site: 2 tests ran it")
    assert triage.kind == NOT_COMPARABLE
    assert SimpleNamespace(**triage.to_json()).note == "no single site: 2 tests ran it"


def test_a_rounds_tests_are_split_in_parts_of_about_the_same_time():
    from breakit.triage.parts import split_tests

    durations = {"a": 2.0, "b": 0.1, "c": 2.0, "d": 0.5, "e": 0.1}
    parts = split_tests(("a", "b", "c", "d", "e"), 2, durations)
    assert parts == [("a", "d"), ("b", "c", "e")]  # 2.5 s and 2.2 s, each in the tests' order
    assert split_tests(("a",), 2, {}) == [("a",)]
    assert split_tests((), 2, {}) == []


def test_a_probe_switched_to_its_mutant_computes_what_the_mutant_does(tmp_path: Path):
    # The follow run acts a survivor out through its probe (issue 36): each probe that can
    # must then give every call's result and side effect exactly as the mutated module does.
    results = survivors()
    found = probes_of(results)
    made, _broken = rounds([p for p in found.values() if p is not None], {PATH: SOURCE})
    acted = 0
    for round_ in made:
        for number, mutant_id in round_.mutants.items():
            (result,) = [r for r in results if r.mutant.id == mutant_id]
            if not followable_kind(found[mutant_id]):
                continue
            mutated = result.mutant.changes[PATH]
            assert mutated is not None
            switch_to(number)
            try:
                seen = run_module(round_.files[PATH])
            finally:
                switch_to(None)
            assert seen == run_module(mutated), result.mutant.title
            acted += 1
    assert acted >= 15  # every operator's kind but an augmented assignment and a removed call


def followable_kind(probe: Any) -> bool:
    if probe is None or probe.kind == "reached":
        return False
    triage = SimpleNamespace(test="tests/test_x.py::test_x", line=3)
    return followable(triage, probe) is None  # type: ignore[arg-type]


def runs_of(*calls_per_run: dict[str, list[list[str]]], mutant: int = 7, outcome: str = "passed"):
    runs = []
    for index, calls in enumerate(calls_per_run):
        acted = index % 2 == 1
        runs.append(
            {
                "mutant": mutant if acted else None,
                "result": outcome if acted else "passed",
                "calls": calls,
            }
        )
    return runs


def test_a_follow_runs_comparison_makes_each_finding():
    same = {"11": [["d5", "5"]]}
    reached = compare_runs(runs_of(same, {"11": [["d9", "9"]]}, same), 7, 11)
    assert reached == Followed(True, 11, "5", "9")
    absorbed = compare_runs(runs_of(same, same, same), 7, 11)
    assert absorbed == Followed(False, 11, "5", "5")
    # The originals around the mutant's run disagree (a counter, a clock): nothing is claimed.
    unstable = compare_runs(runs_of(same, {"11": [["d9", "9"]]}, {"11": [["d6", "6"]]}), 7, 11)
    assert unstable == "what line 11's calls return changes from run to run"
    failed = compare_runs(runs_of(same, same, same, outcome="failed"), 7, 11)
    assert failed == "with the mutant acted out by its probe the test failed"
    assert compare_runs(runs_of({}, {}, {}), 7, 11) == (
        "no call made at line 11 returned to the test"
    )
    more = compare_runs(runs_of(same, {"11": [["d5", "5"], ["d5", "5"]]}, same), 7, 11)
    assert isinstance(more, Followed) and more.reached


TEST_FILE = textwrap.dedent(
    """
    from grades import net_price, total


    def test_total():
        result = total([3, 4], 2)
        total([1], 0)
        assert total([2], 1) > 0
        with open(__file__):
            pass
    """
).lstrip()


@pytest.mark.parametrize(
    ("line", "value", "expected"),
    [
        (5, "5", "    assert result == 5"),  # an assignment: its target, after it
        (6, "1", "    assert total([1], 0) == 1"),  # a bare call: the call
        (7, "1", "    assert total([2], 1) == 1"),  # an assertion on a call: the call
        (5, "7.5", "    assert result == pytest.approx(7.5)"),
        (5, "None", "    assert result is None"),
    ],
)
def test_the_assertion_is_written_from_the_statement_at_the_line(line, value, expected):
    written = write("tests/test_grades.py", TEST_FILE, line, value)
    assert isinstance(written, Assertion)
    assert (written.code, written.after) == (expected, line)
    assert written.needs_pytest == ("approx" in expected)


def test_no_assertion_is_written_where_no_one_value_is_plain():
    assert write("t.py", TEST_FILE, 8, "1") == "the statement at line 8 is a `With`"
    assert write("t.py", TEST_FILE, 5, "<Response [200]>") == "the value is not a literal"


def test_the_scratch_copy_guards_each_assertion_by_its_check():
    first = write("t.py", TEST_FILE, 5, "5")
    second = write("t.py", TEST_FILE, 6, "1")
    assert isinstance(first, Assertion) and isinstance(second, Assertion)
    text, where = scratch(TEST_FILE, [(0, first), (1, second)])
    lines = text.splitlines()
    assert lines[where[0] - 1].strip().endswith("checking(0): assert result == 5")
    assert lines[where[1] - 1].strip().endswith("checking(1): assert total([1], 0) == 1")
    assert where == {0: 6, 1: 8}
    compile(text, "t.py", "exec")


def test_an_assertion_knows_which_test_function_runs_it():
    helper = textwrap.dedent(
        """
        from grades import total


        def check(value):
            result = total([value], 0)
            assert result


        class TestTotals:
            def test_one(self):
                result = total([1], 0)
                assert result
        """
    ).lstrip()
    in_helper = write("t.py", helper, 5, "1")
    in_method = write("t.py", helper, 11, "1")
    assert isinstance(in_helper, Assertion) and in_helper.runs_in is None
    assert isinstance(in_method, Assertion) and in_method.runs_in == "test_one"
    in_test = write("t.py", TEST_FILE, 5, "5")
    assert isinstance(in_test, Assertion) and in_test.runs_in == "test_total"


def test_a_message_never_matched_is_written_as_match_on_the_tests_own_raises():
    text = textwrap.dedent(
        """
        import pytest


        def test_negative():
            with pytest.raises(ValueError) as caught:
                check(-1)
            assert caught
        """
    ).lstrip()
    written = write("t.py", text, 6, "value (-1) is negative", " match")
    assert isinstance(written, Assertion) and written.replaces
    expected = r"with pytest.raises(ValueError, match='value \\(\\-1\\) is negative') as caught:"
    assert (written.after, written.code.strip()) == (5, expected)
    scratched, where = scratch(text, [(3, written)])
    assert where == {3: 5}
    assert "checking(3) else pytest.raises(ValueError)) as caught:" in scratched
    compile(scratched, "t.py", "exec")
    assert write("t.py", text, 7, "x", " match") == "it raises, outside a `with pytest.raises(...)`"


def test_a_long_message_is_matched_by_its_first_words_that_tell_it_apart():
    from breakit.triage.follow import _telling

    long = "'test' must be <class 'dict'> (got None that is a <class 'NoneType'>)."
    assert _telling(long, "") == "'test' must be <class"
    assert _telling(long, "'test' must be <class 'list'>") == "'test' must be <class 'dict'>"
    assert _telling("Invalid issuer", "") == "Invalid issuer"


def test_no_assertion_is_written_on_a_builtins_call():
    text = "def test_len():\n    assert len(values(3)) == 3\n"
    assert write("t.py", text, 2, "[1, 2, 3]") == "the call at line 2 is the builtin `len`"


def test_a_unittest_assertion_on_a_call_gets_the_assertion_on_that_call():
    text = "class T:\n    def test_it(self):\n        self.assertFalse(mi.all_equal('ab'))\n"
    # The line's own call (assertFalse) returns None; the first that differed, all_equal, False.
    made = write("tests/test_mi.py", text, 3, "None", "", inner="False")
    assert isinstance(made, Assertion)
    assert made.code == "        assert mi.all_equal('ab') is False"
    # Its other arguments call something: which call returned first is not known, none written.
    other = "class T:\n    def test_it(self):\n        self.assertEqual(f(1), g(2))\n"
    assert write("tests/test_mi.py", other, 3, "None", "", inner="3") == (
        "line 3 is a unittest assertion on more than one call"
    )
