"""The generic operators, each on a small before/after snippet: sites, counts, text, locations."""

from __future__ import annotations

import pytest

from breakit.core.model import Location, Mutant
from breakit.mutants.operators import mutants_for_source
from tests.operator_cases import code, mutants_of

PATH = "pkg/example.py"


def mutants(source: str, operator: str) -> list[Mutant]:
    return mutants_of(source, operator, PATH)


def assert_mutants(operator: str, before: str, *afters: str) -> list[Mutant]:
    """`operator` makes exactly the mutants `afters` of `before`, in this order."""
    found = mutants(before, operator)
    got = [m.changes[PATH] for m in found]
    assert got == [code(after) for after in afters]
    for mutant in found:
        assert mutant.origin == operator
        assert mutant.originals == {PATH: code(before)}
        assert mutant.id.startswith(f"pkg.example:{operator}:")
    return found


def where(mutant: Mutant) -> tuple[int, int, int, int]:
    loc = mutant.location
    assert isinstance(loc, Location) and loc.path == PATH
    return (loc.start_line, loc.start_column, loc.end_line, loc.end_column)


def test_comparison_swaps_each_operator_of_a_chain():
    found = assert_mutants(
        "comparison",
        """
        def f(a, b, c):
            return a < b <= c
        ok = x in y and x is not None
        """,
        """
        def f(a, b, c):
            return a <= b <= c
        ok = x in y and x is not None
        """,
        """
        def f(a, b, c):
            return a < b < c
        ok = x in y and x is not None
        """,
        """
        def f(a, b, c):
            return a < b <= c
        ok = x not in y and x is not None
        """,
        """
        def f(a, b, c):
            return a < b <= c
        ok = x in y and x is None
        """,
    )
    assert [m.title for m in found] == [
        "`<` → `<=`",
        "`<=` → `<`",
        "`in` → `not in`",
        "`is not` → `is`",
    ]
    assert where(found[0]) == (2, 12, 2, 21)  # the whole comparison `a < b <= c`
    assert where(found[2]) == (3, 6, 3, 11)
    assert [m.replacement for m in found[:2]] == ["a <= b <= c", "a < b < c"]


def test_comparison_swaps_equality_and_order_both_ways():
    assert_mutants("comparison", "a = x == 1\n", "a = x != 1\n")
    assert_mutants("comparison", "a = x != 1\n", "a = x == 1\n")
    assert_mutants("comparison", "a = x > 1\n", "a = x >= 1\n")
    assert_mutants("comparison", "a = x >= 1\n", "a = x > 1\n")
    assert_mutants("comparison", "a = x is y\n", "a = x is not y\n")
    assert_mutants("comparison", "a = x not in y\n", "a = x in y\n")


def test_arithmetic_swaps_and_leaves_string_formatting_alone():
    assert_mutants(
        "arithmetic",
        """
        total = price * count + 1
        label = "%s items" % count
        path = "/api" + suffix
        """,
        # Sites come in file order; of two starting at one place, the inner one first.
        """
        total = price / count + 1
        label = "%s items" % count
        path = "/api" + suffix
        """,
        """
        total = price * count - 1
        label = "%s items" % count
        path = "/api" + suffix
        """,
    )
    assert_mutants("arithmetic", "x = 2**63\n", "x = 2*63\n")
    assert_mutants("arithmetic", "x = a // b\n", "x = a / b\n")


def test_boolean_flips_literals_but_not_other_names():
    found = assert_mutants(
        "boolean",
        """
        done = False
        flag = enabled or True
        """,
        """
        done = True
        flag = enabled or True
        """,
        """
        done = False
        flag = enabled or False
        """,
    )
    assert where(found[1]) == (2, 19, 2, 22)
    assert found[0].title == "`False` → `True`"


def test_and_or_swaps_both_ways():
    assert_mutants(
        "and_or",
        "ok = a and (b or c)\n",
        "ok = a or (b or c)\n",
        "ok = a and (b and c)\n",
    )


def test_not_removed_keeps_parentheses():
    assert_mutants(
        "not_removed",
        """
        if not found:
            pass
        ok = (not (a or b))
        neg = -x
        """,
        """
        if found:
            pass
        ok = (not (a or b))
        neg = -x
        """,
        """
        if not found:
            pass
        ok = ((a or b))
        neg = -x
        """,
    )


def test_number_moves_by_one_and_keeps_the_base():
    found = assert_mutants(
        "number",
        "retries = 3\nmask = 0x10\nzero = 0\n",
        "retries = 4\nmask = 0x10\nzero = 0\n",
        "retries = 2\nmask = 0x10\nzero = 0\n",
        "retries = 3\nmask = 0x11\nzero = 0\n",
        "retries = 3\nmask = 0xf\nzero = 0\n",
        "retries = 3\nmask = 0x10\nzero = 1\n",
    )
    assert [where(m) for m in found[:2]] == [(1, 11, 1, 11)] * 2
    assert where(found[2]) == (2, 8, 2, 11)


def test_number_on_floats():
    assert_mutants("number", "rate = 1.5\n", "rate = 2.5\n", "rate = 0.0\n")
    assert_mutants("number", "rate = 0.0\n", "rate = 1.0\n")


def test_string_emptied_skips_docstrings_fstring_pieces_empty_strings_and_annotations():
    found = assert_mutants(
        "string_emptied",
        '''
        """Module docstring."""


        def f(name: "Forward") -> str:
            """Function docstring."""
            empty = ""
            message = f"hello {name['x']}"
            return b'abc'
        ''',
        '''
        """Module docstring."""


        def f(name: "Forward") -> str:
            """Function docstring."""
            empty = ""
            message = f"hello {name['x']}"
            return b''
        ''',
    )
    assert found[0].title == "`b'abc'` → `b''`"
    assert where(found[0]) == (8, 12, 8, 17)


def test_return_none_skips_bare_returns_and_none():
    found = assert_mutants(
        "return_none",
        """
        def f(x):
            if x:
                return
            if x is None:
                return None
            return(x + 1)
        """,
        """
        def f(x):
            if x:
                return
            if x is None:
                return None
            return(None)
        """,
    )
    assert found[0].title == "`(x + 1)` → `(None)`"


def test_call_removed_replaces_statement_calls_with_pass():
    found = assert_mutants(
        "call_removed",
        """
        async def f(cache, session):
            cache.clear(); log("x")
            await notify()
            session.commit()
            value = compute()
        """,
        """
        async def f(cache, session):
            pass; log("x")
            await notify()
            session.commit()
            value = compute()
        """,
        """
        async def f(cache, session):
            cache.clear(); pass
            await notify()
            session.commit()
            value = compute()
        """,
        """
        async def f(cache, session):
            cache.clear(); log("x")
            pass
            session.commit()
            value = compute()
        """,
    )
    assert [where(m) for m in found] == [(2, 5, 2, 17), (2, 20, 2, 27), (3, 5, 3, 18)]
    assert found[0].title == "`cache.clear()` → `pass`"


def test_if_condition_forces_if_and_elif_both_ways():
    found = assert_mutants(
        "if_condition",
        """
        if a > 1:
            x = 1
        elif(b):
            x = 2
        """,
        """
        if True:
            x = 1
        elif(b):
            x = 2
        """,
        """
        if False:
            x = 1
        elif(b):
            x = 2
        """,
        """
        if a > 1:
            x = 1
        elif(True):
            x = 2
        """,
        """
        if a > 1:
            x = 1
        elif(False):
            x = 2
        """,
    )
    assert where(found[0]) == (1, 4, 1, 8)
    assert where(found[2]) == (3, 6, 3, 6)  # `b`, inside its parentheses


def test_if_condition_leaves_literal_conditions_main_guard_and_type_checking_alone():
    source = """
    if True:
        x = 1
    if TYPE_CHECKING:
        import os
    if __name__ == "__main__":
        main()
    """
    assert mutants(source, "if_condition") == []
    assert mutants(source, "call_removed") == []


def test_augmented_assignment_swaps():
    assert_mutants(
        "augmented_assignment",
        "n += 1\nn *= 2\nn |= 4\n",
        "n -= 1\nn *= 2\nn |= 4\n",
        "n += 1\nn /= 2\nn |= 4\n",
    )


def test_imports_all_and_annotations_are_never_mutated():
    source = """
    from x import y as z
    import os.path
    __all__ = ["z", "f"]


    def f(a: int = 1, b: "str" = "s") -> Literal[True]:
        return a
    """
    everything = mutants_for_source(code(source), PATH).mutants
    assert [(m.origin, m.location.start_line) for m in everything] == [
        ("number", 6),
        ("number", 6),
        ("string_emptied", 6),  # the default "s", not the annotation "str"
        ("return_none", 7),
    ]


@pytest.mark.parametrize(
    "operator",
    ["comparison", "boolean", "number", "string_emptied", "call_removed", "if_condition"],
)
def test_no_mutant_is_identical_to_the_original_or_fails_to_compile(operator):
    source = code(
        """
        def f(x, y=0):
            if x < 1 or not y:
                print("small", True)
            return x
        """
    )
    found = mutants_for_source(source, PATH, operators=[operator]).mutants
    assert found
    for mutant in found:
        text = mutant.changes[PATH]
        assert text != source
        compile(text, PATH, "exec", dont_inherit=True)
