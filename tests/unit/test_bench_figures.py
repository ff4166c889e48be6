"""The benchmark's figures (bench/figures.py), each against a value computed by hand: a limit or a
ratio computed wrong is a wrong claim in the README and bench/README.md."""

from __future__ import annotations

import math

import pytest

from bench import figures
from bench.bench_table import Row, table

SUITE = ("t::a", "t::b", "t::c", "t::d")
DURATIONS = {"t::a": 1.0, "t::b": 2.0, "t::c": 4.0, "t::d": 8.0}  # the whole suite: 15 s


def test_the_physical_limit_adds_each_mutants_tests_over_the_workers() -> None:
    plans = [("m1", ("t::a", "t::b")), ("m2", ("t::c",)), ("m3", None)]
    # m1: 1 + 2, m2: 4, m3 (the whole suite): 15 → 22 s of tests.
    assert figures.physical_limit(plans, SUITE, DURATIONS, 1) == pytest.approx(22.0)
    assert figures.physical_limit(plans, SUITE, DURATIONS, 2) == pytest.approx(11.0)
    assert figures.physical_limit(plans, SUITE, DURATIONS, 4) == pytest.approx(5.5)


def test_a_mutant_of_no_test_adds_nothing_and_an_unknown_test_counts_zero() -> None:
    plans = [("nocov", ()), ("m", ("t::d", "t::gone"))]
    assert figures.physical_limit(plans, SUITE, DURATIONS, 1) == pytest.approx(8.0)


def test_a_survivor_on_a_subset_adds_one_whole_suite_proof() -> None:
    plans = [("m1", ("t::a",)), ("m2", ("t::b",)), ("m3", None)]
    survivors = frozenset({"m1", "m3"})
    # m1: 1 + its proof on the whole suite (15); m2: 2; m3 already ran the whole suite: 15.
    assert figures.physical_limit(plans, SUITE, DURATIONS, 1, survivors) == pytest.approx(33.0)
    assert figures.physical_limit(plans, SUITE, DURATIONS, 3, survivors) == pytest.approx(11.0)
    # The suite's proof counts the suite's own tests only, not the durations of other tests.
    extra = {**DURATIONS, "elsewhere": 100.0}
    assert figures.physical_limit(plans, SUITE, extra, 1, survivors) == pytest.approx(33.0)


def test_rates_and_speedups() -> None:
    assert figures.rate(15, 7.5) == pytest.approx(2.0)
    assert figures.rate(690, 255.8) == pytest.approx(2.697, abs=1e-3)  # bench/README.md: 2.70
    assert math.isinf(figures.rate(3, 0.0))
    assert figures.speedup(19.0, 8.5) == pytest.approx(2.235, abs=1e-3)
    assert math.isinf(figures.speedup(1.0, 0.0))
    assert figures.mutant_phase_s(1094, 14.12) == pytest.approx(77.48, abs=1e-2)


def test_the_notes_put_the_ratios_the_right_way_round() -> None:
    # 58.2 s naive against 14.1 s: 4.1x faster; 14.1 s against a 15.7 s limit: 0.90x of it.
    assert figures.engine_note(58.2, 14.1, 15.7) == "4.1x naive; 0.90x the limit"
    assert figures.engine_note(10.0, 5.0, 2.0) == "2.0x naive; 2.50x the limit"
    assert figures.naive_note(51.0, 12.0) == "4.2x naive"
    assert figures.first_mutant_note(32.5, 6.63) == "; first mutant after 32.5 s, 4.90x a plain run"
    assert figures.first_mutant_note(None, 6.6) == ""
    assert figures.first_mutant_note(0.0, 6.6) == ""


def test_the_baseline_note() -> None:
    note = figures.baseline_note("sys.monitoring", 9.0, 6.7, 5.624)
    assert note == (
        "baseline with per-test coverage (sys.monitoring): 9.0 s, 1.34x a plain pytest run: "
        "6.7 s; the tests alone: 5.62 s"
    )


def test_the_naive_way_is_sampled_evenly_and_scaled_up() -> None:
    items = list(range(10))
    assert figures.evenly_spaced(items, 5) == [0, 2, 4, 6, 8]
    assert figures.evenly_spaced(items, 3) == [0, 3, 6]  # step 3.33: 0, 3.33, 6.67
    assert figures.evenly_spaced(items, 1) == [0]
    # 5 of 690 mutants took 38.73 s: 690 take 138 times that.
    assert figures.estimate(38.73, 5, 690) == pytest.approx(5344.74)
    assert figures.estimate(3.0, 3, 3) == pytest.approx(3.0)


def test_first_catch_agrees_with_the_full_run_or_says_which_differ() -> None:
    full = {"a": "Killed", "b": "Survived", "c": "Timeout"}
    assert figures.verdicts_note(full, {"a": "Killed", "b": "Survived"}) == "same verdicts"
    # A Timeout the first catching test caught first is Killed: agreed by rule, not the reverse.
    assert figures.verdicts_note(full, {"c": "Killed"}) == "same verdicts"
    assert figures.verdicts_note({"a": "Killed"}, {"a": "Timeout"}) == ("1 verdicts differ: ['a']")
    assert figures.verdicts_note(full, {"a": "Survived", "b": "Killed", "d": "Killed"}) == (
        "3 verdicts differ: ['a', 'b', 'd']"
    )


def test_the_apply_lines() -> None:
    walls = {"x": 2.09, "fast": 0.8, "slow": 4.55, "y": 0.95}
    lines = figures.apply_lines("constant-id", [2.69, 2.18, 2.25], [1.14, 1.23, 1.28], walls)
    assert lines == [
        "breakit apply constant-id, warm baseline cache, no warm workers: 2.18 s best of 3 "
        "(2.69, 2.18, 2.25)",
        "breakit apply constant-id, warm baseline cache, warm workers: 1.14 s best of 3 "
        "(1.14, 1.23, 1.28)",
        # sorted 0.80, 0.95, 2.09, 4.55: the median is the upper middle one of an even count
        "breakit apply, each of the 4 curated (again), warm workers: min 0.80 s (fast), "
        "median 2.09 s, max 4.55 s; under 1 s: fast, y",
    ]
    odd = figures.apply_lines("a", [1.0], [1.0], {"p": 3.0, "q": 1.0, "r": 2.0})
    assert odd[2].endswith("min 1.00 s (q), median 2.00 s, max 3.00 s; under 1 s: none")


def test_the_peers_counts() -> None:
    statuses = figures.mutmut_statuses([1, 3, 0, 33, 5, 0, 1, 99])
    assert statuses == {"killed": 3, "survived": 2, "no tests": 2, "other": 1}
    assert figures.summary(statuses) == "3 killed, 2 no tests, 1 other, 2 survived"
    report = {"outcomes": [{"status": "killed"}, {"status": "skipped"}, {"status": "killed"}, {}]}
    fermut = figures.fermut_statuses(report)
    assert fermut == {"killed": 2, "skipped": 1, "other": 1}
    assert figures.ran(fermut) == 3  # skipped: filtered out before any test ran
    assert figures.fermut_statuses({}) == {}


def test_a_row_prints_its_rate_from_its_wall_time() -> None:
    printed = table(
        "t",
        [Row("breakit", 15, 7.4, "note", 257.4), Row("peer", 0, None, "not installed")],
    )
    assert printed.splitlines() == [
        "t",
        "-",
        "         mutants  wall s  mutants/s  peak MB",
        "breakit       15     7.4       2.03      257  note",
        "peer           0       -          -        -  not installed",
    ]
