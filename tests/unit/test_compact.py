"""What a run keeps of each result: brief failure texts that read the same, passing tests shared
with the baseline, and a result cache that names each test once."""

from __future__ import annotations

import json
from pathlib import Path

from breakit.core.failure_text import BRIEF_OVER, brief_longrepr, parse_longrepr
from breakit.core.model import (
    Baseline,
    Mutant,
    MutantResult,
    Outcome,
    SuiteRun,
    TestOutcome,
    Verdict,
)
from breakit.engine.kept_result import compact_result
from breakit.store.gateway import Store
from breakit.store.result_cache import result_from_json, result_to_json

TEST = "tests/test_api.py::test_decode"


def library_frames(count: int) -> str:
    return "".join(
        f'  File "/venv/lib/python3.11/site-packages/lib/mod{i}.py", line {i}, in f{i}\n'
        f"    return f{i + 1}(value)\n"
        for i in range(count)
    )


NATIVE = (
    "Traceback (most recent call last):\n"
    + library_frames(40)
    + "ValueError: inner\n\nDuring handling of the above exception, another exception occurred:\n\n"
    "Traceback (most recent call last):\n"
    '  File "/tmp/ws/tests/test_api.py", line 12, in test_decode\n'
    "    assert decode(token) == {'a': 1}\n"
    + library_frames(30)
    + "jwt.exceptions.DecodeError: Invalid header string\n"
    "  with a second line of detail\n"
)

LONG_STYLE = (
    "    def test_decode():\n>       assert decode(token) == {'a': 1}\n"
    + "".join(f"lib/mod{i}.py:{i}: in f{i}\n    return f{i + 1}(value)\n" for i in range(60))
    + ">       raise DecodeError('bad')\nE       jwt.exceptions.DecodeError: bad\n"
    "E       and more\n\nlib/mod60.py:60: DecodeError\n"
)


def test_a_brief_failure_text_reads_as_the_whole_one() -> None:
    for text in (NATIVE, LONG_STYLE):
        assert len(text) > BRIEF_OVER
        brief = brief_longrepr(text, TEST)
        assert brief is not None and len(brief) < len(text) / 3
        assert parse_longrepr(brief, TEST) == parse_longrepr(text, TEST)
        assert "lines cut" in brief
    line, details, raised = parse_longrepr(brief_longrepr(NATIVE, TEST) or "", TEST)
    assert line == "assert decode(token) == {'a': 1}"
    assert details[0] == "jwt.exceptions.DecodeError: Invalid header string"
    assert raised == "DecodeError"
    short = "Traceback (most recent call last):\nValueError: x\n"
    assert brief_longrepr(short, TEST) == short and brief_longrepr(None) is None


def suite(tests: list[str]) -> Baseline:
    outcomes = {n: TestOutcome(n, Outcome.MISSED, duration_s=0.1) for n in tests}
    run = SuiteRun(outcomes=outcomes, order=tuple(tests), duration_s=1.0, exit_status=0)
    return Baseline(tests=tuple(tests), run=run, key="k")


def test_a_kept_result_shares_the_baselines_passing_outcomes(tmp_path: Path) -> None:
    names = [f"tests/test_api.py::test_{i}" for i in range(50)]
    baseline = suite(names)
    tests = {n: TestOutcome(n, Outcome.MISSED, duration_s=0.2) for n in names}
    tests[names[3]] = TestOutcome(names[3], Outcome.CAUGHT, "DecodeError", 0.2, NATIVE)
    tests[names[4]] = TestOutcome(names[4], Outcome.NOT_RUN)
    mutant = Mutant(id="m", origin="generated", title="m", changes={}, originals={})
    result = MutantResult(mutant, Verdict.KILLED, tests, order=tuple(names), duration_s=1.5)
    kept = compact_result(result, baseline)
    assert kept.tests[names[0]] is baseline.run.outcomes[names[0]]
    assert kept.tests[names[3]].outcome is Outcome.CAUGHT
    assert parse_longrepr(kept.tests[names[3]].longrepr or "", names[3]) == parse_longrepr(
        NATIVE, names[3]
    )
    assert kept.tests[names[4]].outcome is Outcome.NOT_RUN
    # One NOT_RUN object per test, whatever the number of mutants that did not run it.
    assert compact_result(result, baseline).tests[names[4]] is kept.tests[names[4]]
    assert kept.catchers == result.catchers and kept.verdict is result.verdict

    # The cache file: every test named once, whatever the number of mutants.
    store = Store(tmp_path)
    entries = {f"key{i}": result_to_json(kept) for i in range(20)}
    store.store_results(entries, used=())
    written = (tmp_path / ".breakit" / "cache.json").read_text()
    assert written.count(f'"{names[7]}"') == 1 and written.count(f'"{names[4]}"') == 1
    assert len(written) < len(json.dumps(entries)) / 4
    back = result_from_json(mutant, store.cached_results()["key7"])
    assert back is not None and back.cached
    assert {n: o.outcome for n, o in back.tests.items()} == {
        n: o.outcome for n, o in kept.tests.items()
    }
    assert back.order == kept.order and back.verdict is Verdict.KILLED
    assert back.tests[names[3]].message == "DecodeError"


def test_a_cache_from_an_older_breakit_is_ignored(tmp_path: Path) -> None:
    (tmp_path / ".breakit").mkdir()
    (tmp_path / ".breakit" / "cache.json").write_text(json.dumps({"k": {"verdict": "Killed"}}))
    assert Store(tmp_path).cached_results() == {}


def test_a_sequence_keeps_its_order() -> None:
    from breakit.core.ranges import format_sequence, parse_ranges

    for indices in ([4, 5, 6, 0, 1], [], [3], [9, 8, 7], [0, 1, 2, 3]):
        assert parse_ranges(format_sequence(indices)) == indices
    assert format_sequence([4, 5, 6, 0, 1]) == "4-6,0-1"
