"""A never-told-apart survivor's new input (issue 36): the recorder keeps a call of the site's
function whose arguments are literals, `input_for` reads the input the suggestion words, and
`new_test` writes the call with it; the follow run's comparison of that call says whether it
told the mutant apart. No pytest process: the instrumented module runs here."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path
from types import GeneratorType, SimpleNamespace
from typing import Any

from breakit.core.model import MutantResult, Verdict
from breakit.mutants.operators.discovery import mutants_for_source
from breakit.triage.classify import classify, gather
from breakit.triage.instrument import rounds
from breakit.triage.new_input import NewTest, TestFile, appended, compare_new, new_test
from breakit.triage.probe import Probe
from breakit.triage.recorder import recording
from breakit.triage.run import probes_of
from breakit.triage.suggest import Input, inputs_for
from breakit.triage.value import NEVER, TOLD, Example, Triage

PATH = "pkg/code.py"
TEST = "tests/test_code.py::test_it"
SOURCE = textwrap.dedent(
    """
    def grade(score, *, curve=0):
        if score >= 90:
            return "A"
        return "B" if curve == 0 else "C"


    def clamp(value, floor, ceil):
        if value < floor:
            return floor
        return min(value, ceil)


    def scaled(amount, factor):
        return amount * factor


    class Box:
        def big(self, size):
            return size >= 10


    def kept(thing):
        return thing is not None and thing != 0


    def upto(limit, step):
        n = 0
        while n < limit:
            yield n
            n += step
    """
).lstrip()


def triaged(tmp_path: Path, calls: list[tuple[str, tuple[Any, ...]]]) -> dict[str, Any]:
    """Each survivor's probe, triage and recorded call after `calls`, run as one test's, by
    `site → mutated`."""
    results = [
        MutantResult(m, Verdict.SURVIVED, {}) for m in mutants_for_source(SOURCE, PATH).mutants
    ]
    found = probes_of(results)
    made, _broken = rounds([p for p in found.values() if p is not None], {PATH: SOURCE})
    lines = []
    for number, round_ in enumerate(made):
        out = tmp_path / f"{number}.jsonl"
        with recording(str(out)) as recorder:
            recorder.item = SimpleNamespace(path=tmp_path / "test_code.py")  # a test runs
            namespace: dict[str, Any] = {}
            exec(compile(round_.files[PATH], PATH, "exec", dont_inherit=True), namespace)
            for name, args in calls:
                target = namespace["Box"]().big if name == "Box.big" else namespace[name]
                returned = target(*args)
                if isinstance(returned, GeneratorType):
                    list(returned)
            recorder.flush(TEST)
            recorder.item = None
        if out.exists():
            lines.extend(json.loads(line) for line in out.read_text().splitlines())
    numbers = {n: m for r in made for n, m in r.mutants.items()}
    seen = gather(lines, numbers, {r.mutant.id: {TEST} for r in results})
    by_site = {}
    for result in results:
        mutant = result.mutant.id
        triage = classify(found[mutant], seen.get(mutant), mutant)
        call = seen[mutant].call if mutant in seen else None
        by_site[f"{triage.site} → {triage.mutated}"] = (found[mutant], triage, call)
    return by_site


def test_the_recorder_keeps_a_call_whose_arguments_are_all_literals(tmp_path: Path):
    unwritable = Decimal("95")  # no literal writes it
    found = triaged(tmp_path, [("grade", (unwritable,)), ("grade", (95,)), ("grade", (80,))])
    _probe, triage, call = found["score >= 90 → score > 90"]
    assert triage.kind == NEVER
    # grade(Decimal("95")) cannot be written: its first call with literals only is kept.
    assert call == {
        "function": "grade",
        "line": 1,
        "args": [["score", "pos", "95"], ["curve", "kw", "0"]],
        "generator": False,
    }


def test_the_input_the_suggestion_words_is_read_where_it_is_one_name_and_one_value():
    def probe(kind: str, parts: tuple[str, ...], ops: tuple[str, ...], alternative: Any) -> Probe:
        return Probe("m:x:1", kind, PATH, 0, 1, parts, ops, alternative, site=" ".join(parts))

    boundary = probe("compare", ("score", "90"), (">=",), (">",))
    seen = [Example("True", "True", ("95", "90"))]
    assert inputs_for(boundary, seen) == [Input("score", "90")]
    equal = probe("compare", ("value", "floor"), ("<",), ("<=",))
    examples = [Example("False", "False", ("5", "0")), Example("False", "False", ("5", "1"))]
    # `value` given `floor`'s value in the same call, else one `floor` had; or the other way.
    assert inputs_for(equal, examples) == [
        Input("value", same_as="floor"),
        Input("value", "1"),
        Input("value", "0"),
        Input("floor", "5"),
    ]
    moved = probe("operand", ("score", "90"), (">=",), ("1", "89"))
    assert inputs_for(moved, seen) == [Input("score", "89")]
    identity = probe("binop", ("amount", "factor"), ("*",), ("/",))
    assert inputs_for(identity, [Example("3", "3.0", ("3", "1"))]) == [Input("factor", "2")]
    # An operand that is not a plain name: no input a call can be given.
    computed = probe("compare", ("len(values)", "3"), ("<",), ("<=",))
    assert inputs_for(computed, [Example("True", "True", ("1", "3"))]) == []


def test_an_infinite_argument_is_written_as_float():
    from breakit.triage.literals import argument

    assert (argument(float("-inf")), argument(2.5), argument(object())) == (
        "float('-inf')",
        "2.5",
        None,
    )


def never(tmp_path: Path, site: str, calls: list[tuple[str, tuple[Any, ...]]]) -> NewTest | str:
    probe, triage, call = triaged(tmp_path, calls)[site]
    file = TestFile.read("tests/test_code.py", "from pkg.code import clamp\n\ndef test_it(): ...")
    return new_test(triage.mutant, probe, triage, call, file)


def test_the_new_test_is_the_call_its_test_made_with_the_input_that_tells_it_apart(tmp_path):
    made = never(tmp_path, "score >= 90 → score > 90", [("grade", (95,))])
    assert isinstance(made, NewTest)
    assert (made.name, made.call, made.head, made.imported) == (
        "test_grade_score_90",
        "grade(90, curve=0)",
        "grade",
        False,
    )
    assert made.text("assert grade(90, curve=0) == 'A'") == (
        "\n\ndef test_grade_score_90():\n    from pkg.code import grade\n\n"
        "    assert grade(90, curve=0) == 'A'\n"
    )
    # `value <= floor`'s input is `floor`'s own value in the same call; clamp is imported.
    same = never(tmp_path, "value < floor → value <= floor", [("clamp", (5, 0, 10))])
    assert isinstance(same, NewTest)
    assert (same.call, same.imported) == ("clamp(0, 0, 10)", True)


def test_no_new_test_where_a_call_cannot_be_written(tmp_path: Path):
    method = never(tmp_path, "size >= 10 → size > 10", [("Box.big", (12,))])
    assert method == "its site is in the method `Box.big` (a new test would need the object)"
    tried = never(tmp_path, "score >= 90 → score >= 89", [("grade", (89,)), ("grade", (80,))])
    assert tried == "its tests already called `grade` with `score` = 89"


def test_new_tests_go_at_the_end_of_the_file_each_call_once():
    text = "def test_it():\n    assert True\n"
    one = NewTest("t.py", "test_f_x_1", "m", "f", "f(1)")
    two = NewTest("t.py", "test_f_x_2", "m", "f", "f(2)", imported=True)
    written, at = appended(text, [one, one, two])
    lines = written.splitlines()
    assert lines[:2] == ["def test_it():", "    assert True"]  # the user's lines stay put
    assert lines[at["test_f_x_1"] - 1] == "    f(1)"
    assert lines[at["test_f_x_2"] - 1] == "    f(2)"
    assert written.count("def test_f_x_1") == 1


def test_a_generators_new_test_asserts_on_the_first_items_it_yields(tmp_path: Path):
    # upto(5, 2): n is 0, 2, 4, 6, never 5: `n < limit` and `n <= limit` never differ. `n`
    # is no parameter: `limit` is given a value `n` took (the last: 6).
    made = never(tmp_path, "n < limit → n <= limit", [("upto", (5, 2))])
    assert isinstance(made, NewTest) and made.generator
    assert made.expression == "list(islice(upto(6, 2), 50))"
    # The follow run sees one Python call return at the line: the lambda's, with the list.
    assert made.body == "(lambda: list(islice(upto(6, 2), 50)))()"
    assert "    from itertools import islice\n" in made.text("...")
    assertion = made.assertion("[0, 2, 4]", 9, "[0, 2, 4]")
    assert not isinstance(assertion, str)
    assert assertion.code == "    assert list(islice(upto(6, 2), 50)) == [0, 2, 4]"
    assert made.assertion(None, 9, "<zip object>") == (
        "`list(islice(upto(6, 2), 50))` returns <zip object>, not a literal an assertion can use"
    )


def run(result: str, calls: list[list[Any]], mutant: int | None = None) -> dict[str, Any]:
    return {"mutant": mutant, "result": result, "calls": {"7": calls}}


def test_the_new_calls_runs_say_whether_it_told_the_mutant_apart():
    g = NewTest("t.py", "test_g", "m", "g", "g()")
    a = ["d1", "'A'", "'A'", {}]
    b = ["d2", "'B'", "'B'", {}]
    told = compare_new([run("passed", [a]), run("passed", [b], 3), run("passed", [a])], 3, 7, g)
    assert not isinstance(told, str)
    tried, difference = told
    assert (tried.told_apart, tried.original, tried.mutant) == (True, "'A'", "'B'")
    assert difference is not None and difference.literal == "'A'"
    same = compare_new([run("passed", [a]), run("passed", [a], 3), run("passed", [a])], 3, 7, g)
    assert not isinstance(same, str)
    assert same[0].told_apart is False and same[1] is None
    raises = compare_new([run("passed", [a]), run("failed", [], 3), run("passed", [a])], 3, 7, g)
    assert not isinstance(raises, str) and raises[0].told_apart is True
    broken = compare_new([run("failed", []), run("failed", [], 3), run("failed", [])], 3, 7, g)
    assert broken == "`g()` failed on the original code"
    flaky = compare_new([run("passed", [a]), run("passed", [a], 3), run("passed", [b])], 3, 7, g)
    assert flaky == "what `g()` returns changes from run to run"


def test_a_probably_equivalent_survivor_says_so_and_the_input_it_tried():
    from breakit.triage.value import Tried

    found = Triage("m:c:1", NEVER, "value < floor", "value <= floor", reached=2)
    tried = Triage(**{**found.__dict__, "tried": Tried("clamp(0, 0, 10)", False, "0", "0")})
    assert tried.probably_equivalent and not found.probably_equivalent
    assert tried.words == "never told apart, probably equivalent"
    assert tried.to_json()["tried"] == {
        "call": "clamp(0, 0, 10)",
        "told_apart": False,
        "original": "0",
        "mutant": "0",
    }
    assert any("tried clamp(0, 0, 10): 0 on both" in line for line in tried.lines())


def test_an_absorbed_boundary_is_probably_equivalent_only_where_the_two_differ_at_equality():
    from breakit.triage.follow import differs_only_at_equality
    from breakit.triage.value import Followed, Tried

    def compare(op: str, other: str) -> Probe:
        return Probe("m:c:1", "compare", PATH, 0, 1, ("rate", "0"), (op,), (other,))

    assert differs_only_at_equality(compare(">", ">="))
    assert differs_only_at_equality(compare("<=", "<"))
    assert not differs_only_at_equality(compare("<", ">"))  # differ almost everywhere
    assert not differs_only_at_equality(compare("==", "!="))
    absorbed = Triage(
        "m:c:1", TOLD, "rate > 0", "rate >= 0", test="t.py::test_net", line=3,
        followed=Followed(False, 3, "100.0", "100.0"),
        tried=Tried("assert net(100.0, 0) == 100.0", False, "100.0", "100.0"),
    )  # fmt: skip
    assert absorbed.probably_equivalent
    assert absorbed.words == "absorbed before the test, probably equivalent"
    reached = Triage(
        "m:c:1", TOLD, "rate > 0", "rate >= 0", test="t.py::test_net", line=3,
        followed=Followed(True, 3, "100.0", "90.0"),
        tried=Tried("assert net(100.0, 0) == 100.0", False, "100.0", "100.0"),
    )  # fmt: skip
    assert not reached.probably_equivalent  # what reached the test is no equivalence


def test_a_condition_forced_as_it_always_was_gets_the_input_that_flips_it():
    def forced(site: str, to: str) -> Probe:
        return Probe("m:if_condition:1", "truth", PATH, 0, 1, (site,), (), to, site=site)

    never_true = [Example("False", "False", ("False",))]
    assert inputs_for(forced("max_size <= 0", "False"), never_true) == [Input("max_size", "0")]
    assert inputs_for(forced("typed", "False"), never_true) == [Input("typed", "True")]
    assert inputs_for(forced("not ready", "False"), never_true) == [Input("ready", "False")]
    always = [Example("True", "True", ("True",))]
    assert inputs_for(forced("items is not None", "True"), always) == [Input("items", "None")]
    assert inputs_for(forced("count > 10", "True"), always) == [Input("count", "10")]
    assert inputs_for(forced("len(word) == 2", "False"), never_true) == []  # not one name's
