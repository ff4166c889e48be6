"""First-catch's killer-first order (breakit.engine.order), on values: no run needed."""

from __future__ import annotations

from breakit.core.model import (
    Baseline,
    Location,
    Mutant,
    MutantResult,
    Outcome,
    SuiteRun,
    TestOutcome,
    Verdict,
)
from breakit.engine.order import KillerFirst

TESTS = ("t_slow", "t_fast", "t_mid", "t_near", "t_far")
DURATIONS = {"t_slow": 2.0, "t_fast": 0.01, "t_mid": 0.5, "t_near": 1.0, "t_far": 1.5}


def baseline() -> Baseline:
    outcomes = {n: TestOutcome(n, Outcome.MISSED, duration_s=d) for n, d in DURATIONS.items()}
    return Baseline(TESTS, SuiteRun(outcomes, TESTS, 5.0, 0), "k")


def mutant(mutant_id: str, line: int, path: str = "app.py") -> Mutant:
    where = Location(path, line, 1, line, 5)
    return Mutant(mutant_id, "number", mutant_id, {path: "x = 2\n"}, {path: "x = 1\n"}, where)


def test_with_nothing_known_the_fastest_go_first() -> None:
    order = KillerFirst(baseline(), {})
    assert order.order(mutant("m", 10), TESTS) == ("t_fast", "t_mid", "t_near", "t_far", "t_slow")


def test_last_times_killer_first_then_nearby_lines_then_the_fastest() -> None:
    last = {
        "m": {"caught_by": ["t_slow"], "location": {"path": "app.py", "line": 10}},
        # Caught on a line 2 away (t_near) and 9 away (t_far: too far to count).
        "other": {"caught_by": ["t_near"], "location": {"path": "app.py", "line": 12}},
        "far": {"caught_by": ["t_far"], "location": {"path": "app.py", "line": 19}},
        "elsewhere": {"caught_by": ["t_mid"], "location": {"path": "other.py", "line": 10}},
    }
    order = KillerFirst(baseline(), last)
    got = order.order(mutant("m", 10), TESTS)
    assert got == ("t_slow", "t_near", "t_fast", "t_mid", "t_far")


def test_a_result_of_this_run_moves_its_killer_first_for_its_neighbours() -> None:
    order = KillerFirst(baseline(), {})
    seen = []
    learn = order.learning(seen.append)
    done = mutant("done", 20)
    caught = {n: TestOutcome(n, Outcome.MISSED) for n in TESTS}
    caught["t_far"] = TestOutcome("t_far", Outcome.ERRORED)
    learn(MutantResult(done, Verdict.KILLED, caught))
    assert [r.mutant.id for r in seen] == ["done"]
    assert order.order(mutant("next", 21), ("t_fast", "t_far"))[0] == "t_far"
    assert order.order(mutant("away", 40), ("t_fast", "t_far"))[0] == "t_fast"
