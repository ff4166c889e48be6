"""Kills out of file order (breakit.engine.order_check): which catching tests ran without exactly
the tests before them, and the per-test answer to "does it pass alone on the unmutated code"."""

from __future__ import annotations

import threading

from breakit.core.model import Mutant, MutantResult, Outcome, TestOutcome, Verdict
from breakit.engine.order_check import AloneOnOriginal, out_of_order_catchers

FILE_ORDER = ("t::a", "t::b", "t::c", "t::d")


def killed(order: tuple[str, ...], **caught: Outcome) -> MutantResult:
    tests = {n: TestOutcome(n, Outcome.MISSED) for n in order}
    tests.update({f"t::{n}": TestOutcome(f"t::{n}", o) for n, o in caught.items()})
    return MutantResult(Mutant("m", "op", "t", {}, {}), Verdict.KILLED, tests, order=order)


def test_a_catch_after_exactly_the_tests_before_it_in_file_order_is_trusted() -> None:
    assert out_of_order_catchers(killed(("t::a", "t::b"), b=Outcome.CAUGHT), FILE_ORDER) == ()
    assert out_of_order_catchers(killed(("t::a",), a=Outcome.ERRORED), FILE_ORDER) == ()


def test_a_catch_after_a_subset_or_a_new_order_is_doubtful() -> None:
    # A first pass on the tests reaching the change: t::b left out before t::c.
    subset = killed(("t::a", "t::c"), c=Outcome.CAUGHT)
    assert out_of_order_catchers(subset, FILE_ORDER) == ("t::c",)
    # First-catch's killer-first order: t::c first.
    moved = killed(("t::c", "t::a"), c=Outcome.CAUGHT, a=Outcome.ERRORED)
    assert out_of_order_catchers(moved, FILE_ORDER) == ("t::c", "t::a")


def test_a_test_module_that_failed_to_import_is_not_doubtful() -> None:
    # Recorded under its path, never in the run's order: no test ran before it to matter.
    result = killed(("t::a",), **{})
    tests = {**result.tests, "tests/test_x.py": TestOutcome("tests/test_x.py", Outcome.ERRORED)}
    broken = MutantResult(result.mutant, Verdict.KILLED, tests, order=("t::a",))
    assert out_of_order_catchers(broken, FILE_ORDER) == ()


def test_each_test_is_checked_once_and_the_answer_kept_across_threads() -> None:
    asked: list[str] = []

    def check(nodeid: str) -> bool:
        asked.append(nodeid)
        return nodeid != "t::b"

    alone = AloneOnOriginal()
    threads = [
        threading.Thread(target=lambda: [alone.passes(n, check) for n in FILE_ORDER])
        for _ in range(1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert alone.passes("t::a", check) and not alone.passes("t::b", check)
    assert sorted(asked) == sorted(FILE_ORDER)  # the later asks were answered from memory
    assert alone.failing == {"t::b"}
