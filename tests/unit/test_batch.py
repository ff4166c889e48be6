"""Batches of survivors (breakit.engine.batch): which mutants share one, and their merged text."""

from __future__ import annotations

import textwrap

from breakit.core.model import Mutant
from breakit.engine.batch import (
    IMPORT_TIME_BATCH_SIZE,
    batches,
    function_of,
    hunks,
    merged_mutant,
)

SOURCE = textwrap.dedent(
    """\
    def double(x):
        return x * 2


    class Shouter:
        def shout(self, text):
            text = text.strip()
            return text.upper() + "!"


    LIMIT = 10
    """
)


def mutant(name: str, old: str, new: str, path: str = "pkg/mod.py") -> Mutant:
    assert old in SOURCE
    return Mutant(
        id=name,
        origin="test",
        title=name,
        changes={path: SOURCE.replace(old, new, 1)},
        originals={path: SOURCE},
    )


DOUBLE = mutant("double", "x * 2", "x / 2")
STRIP = mutant("strip", "text.strip()", "text")
SHOUT = mutant("shout", '+ "!"', '+ "?"')
LIMIT = mutant("limit", "LIMIT = 10", "LIMIT = 11")


def test_a_merged_mutant_holds_every_members_edit_and_nothing_else() -> None:
    merged = merged_mutant([DOUBLE, SHOUT])
    text = merged.changes["pkg/mod.py"]
    assert text == SOURCE.replace("x * 2", "x / 2").replace('+ "!"', '+ "?"')
    compile(text or "", "mod.py", "exec")
    assert merged.originals == {"pkg/mod.py": SOURCE}


def test_edits_a_line_apart_share_a_batch_and_one_at_module_level_does_not_join_them() -> None:
    # strip and shout change adjacent lines: never one batch; LIMIT is module level: a batch of
    # its own kind (changes at import share batches with each other only).
    mutants = [DOUBLE, STRIP, SHOUT, LIMIT]
    assert batches(mutants, range(4)) == [[0, 1], [2], [3]]
    # Two edits in one function with a line between them merge; adjacent ones do not.
    body = "def f(x):\n    a = x + 1\n    b = x * 2\n    return a - b\n"

    def edit(old: str, new: str) -> Mutant:
        return Mutant(old, "test", old, {"f.py": body.replace(old, new)}, {"f.py": body})

    first, second, last = edit("x + 1", "x - 1"), edit("x * 2", "x / 2"), edit("a - b", "a + b")
    assert batches([first, last], range(2)) == [[0, 1]]
    assert batches([first, second, last], range(3)) == [[0, 2], [1]]
    merged = merged_mutant([first, last]).changes["f.py"]
    assert merged == body.replace("x + 1", "x - 1").replace("a - b", "a + b")


def test_batches_are_capped_in_size() -> None:
    sources = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(10))
    many = [
        Mutant(
            id=f"m{i}",
            origin="test",
            title="",
            changes={"m.py": sources.replace(f"x + {i}", f"x - {i}")},
            originals={"m.py": sources},
        )
        for i in range(10)
    ]
    assert batches(many, range(10), size=4) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_deleted_file_shares_no_batch() -> None:
    gone = Mutant(
        id="gone", origin="test", title="", changes={"a.py": None}, originals={"a.py": "x = 1\n"}
    )
    assert batches([gone, DOUBLE], range(2)) == [[0], [1]]


def test_function_of_names_the_outermost_function_or_none() -> None:
    (double_hunk,) = hunks(SOURCE, DOUBLE.changes["pkg/mod.py"] or "")
    (strip_hunk,) = hunks(SOURCE, STRIP.changes["pkg/mod.py"] or "")
    (limit_hunk,) = hunks(SOURCE, LIMIT.changes["pkg/mod.py"] or "")
    assert function_of(SOURCE, double_hunk) == (1, 2)
    assert function_of(SOURCE, strip_hunk) == (6, 8)
    assert function_of(SOURCE, limit_hunk) is None


def test_changes_at_import_share_batches_with_each_other_only_and_larger_ones() -> None:
    table = "TABLE = {\n" + "".join(f"    'k{i}': 'v{i}',\n" for i in range(200)) + "}\n\n"
    text = table + SOURCE

    def entry(i: int) -> Mutant:
        changed = text.replace(f"'v{i}'", "''", 1)
        return Mutant(f"e{i}", "test", f"e{i}", {"pkg/mod.py": changed}, {"pkg/mod.py": text})

    def body(old: str, new: str) -> Mutant:
        changed = text.replace(old, new, 1)
        return Mutant(old, "test", old, {"pkg/mod.py": changed}, {"pkg/mod.py": text})

    # Every other entry: a line apart, so 100 of them, in batches of 64 and the rest.
    assert IMPORT_TIME_BATCH_SIZE == 64
    entries = [entry(i) for i in range(0, 200, 2)]
    formed = batches([*entries, body("x * 2", "x / 2")], range(len(entries) + 1))
    assert [len(batch) for batch in formed] == [64, 36, 1]
    assert formed[-1] == [len(entries)]  # the function's change is in none of the entries' batches


def test_a_batch_skips_only_the_tests_every_member_passed_alone() -> None:
    from breakit.core.model import Mutant, MutantResult, Outcome, TestOutcome, Verdict
    from breakit.engine.batch import passed_by_all

    def first(**outcomes: Outcome) -> MutantResult:
        tests = {n: TestOutcome(n, o) for n, o in outcomes.items()}
        return MutantResult(Mutant("m", "op", "t", {}, {}), Verdict.SURVIVED, tests)

    a = first(t1=Outcome.MISSED, t2=Outcome.MISSED, t3=Outcome.NOT_RUN)
    b = first(t1=Outcome.MISSED, t2=Outcome.NOT_RUN, t3=Outcome.MISSED)
    assert passed_by_all([a, b]) == {"t1"}
    assert passed_by_all([]) == frozenset()
