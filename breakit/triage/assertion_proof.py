"""The assertion written for a survivor that reached its test (breakit.triage.assertion),
proven before anyone sees it: a scratch copy of the test files holds every written assertion,
each on only while checked (breakit.triage.switch); every test of its file must pass on the
original with the assertions on (a parametrized test, a helper: the line runs for other tests
too), and its test must fail at its line with the survivor acted out. One that does not is
dropped, and the note says why."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from breakit.triage.assertion import Assertion, scratch, write
from breakit.triage.instrument import Round
from breakit.triage.parts import PluginRuns
from breakit.triage.value import Triage

# Rounds of the original's runs with the assertions on: a test that failed at one assertion
# never reached the others after it, so those left run again.
ORIGINAL_ROUNDS = 3


def _written(
    root: Path,
    round_: Round,
    followed: Mapping[str, Triage],
    new_tests: Mapping[str, Assertion | str],
) -> tuple[dict[str, Assertion], dict[str, str], dict[str, str]]:
    """The assertion written for each of `followed` that reached its test (`new_tests`: those
    of new tests, written already, or why none), the test files' texts (instrumented where the
    round instruments them), and why none for the others."""
    texts: dict[str, str] = {}
    written: dict[str, Assertion] = {}
    notes: dict[str, str] = {}
    for mutant, found in followed.items():
        seen = found.followed
        if seen is None or not seen.reached or found.test is None:
            continue
        path = found.test.split("::", 1)[0]
        if path not in texts:
            texts[path] = round_.files.get(path) or read_text(root / path)
        if mutant in new_tests:
            made = new_tests[mutant]
            if isinstance(made, str):
                notes[mutant] = made
            else:
                written[mutant] = made
            continue
        if seen.literal is None and seen.inner is None and seen.original.startswith("raises "):
            notes[mutant] = "it raises: `pytest.raises(..., match=...)` would check its message"
            continue
        if seen.literal is None and seen.inner is None:
            notes[mutant] = f"it returns {seen.original}, not a literal an assertion can use"
            continue
        made = write(path, texts[path], seen.line, seen.literal, seen.aspect, seen.inner)
        if isinstance(made, str):
            notes[mutant] = made
        else:
            written[mutant] = made
    return written, texts, notes


def with_proven_assertions(
    root: Path,
    round_: Round,
    numbers: Mapping[str, int],
    followed: Mapping[str, Triage],
    parts: PluginRuns,
    tests: Sequence[str],
    name: str,
    new_tests: Mapping[str, Assertion | str] | None = None,
) -> dict[str, Triage]:
    """`followed` with, for each that reached its test, the assertion that kills it where one
    is written and verified (else a note saying why not). A scratch copy of the test files
    holds every written assertion, each on only while checked: it must fail at its line in its
    test with its survivor acted out (a new test's, `new_tests`: fail at all), and every test
    of its file must pass on the original with the assertions on (a parametrized test, a
    helper: the line runs for other tests too)."""
    result = dict(followed)
    written, texts, notes = _written(root, round_, followed, new_tests or {})
    for mutant, note in notes.items():
        result[mutant] = replace(followed[mutant], no_assertion=f"none written: {note}")
    if not written:
        return result
    # One check per distinct assertion: survivors that got the same one share it.
    keys = {m: (a.path, a.after, a.code, a.old) for m, a in written.items()}
    numbered = {key: index for index, key in enumerate(dict.fromkeys(keys.values()))}
    checks = {mutant: numbered[key] for mutant, key in keys.items()}
    files, placed = _scratch_files(round_, texts, written, checks)
    runs_in = {checks[m]: a.runs_in for m, a in written.items()}
    acted = [(followed[m].test or "", numbers[m], checks[m], m) for m in written]
    anywhere = {checks[m] for m, a in written.items() if a.instead}
    refuted, missed = _prove(files, placed, runs_in, acted, parts, tests, name, anywhere)
    for mutant, assertion in written.items():
        why = refuted.get(checks[mutant]) or missed.get(mutant)
        dropped = f"`{assertion.code.strip()}` was written and dropped: {why}"
        kept = followed[mutant]
        if why is None:
            result[mutant] = replace(kept, assertion=assertion)
        else:
            result[mutant] = replace(kept, no_assertion=dropped)
    return result


def _prove(
    files: Mapping[str, str],
    placed: Mapping[int, tuple[str, int]],
    runs_in: Mapping[int, str | None],
    acted: Sequence[tuple[str, int, int, str]],
    parts: PluginRuns,
    tests: Sequence[str],
    name: str,
    anywhere: Collection[int],
) -> tuple[dict[int, str], dict[str, str]]:
    """The checks refuted on the original (why, by check) and the survivors whose acted-out run
    passes their assertion (why, by mutant id; the checks `anywhere` may fail their test
    anywhere: a new test's call may raise)."""
    refuted: dict[int, str] = {}
    missed: dict[str, str] = {}  # survivors whose acted-out run passes the assertion
    again: Sequence[str] = tests
    for attempt in range(ORIGINAL_ROUNDS):
        remaining = {c: placed[c] for c in placed if c not in refuted}
        plan = _original_plan(remaining, runs_in, again)
        for test, number, check, _mutant in acted if attempt == 0 else ():
            plan.setdefault(test, {"lines": [], "mutants": []}).setdefault("checks", [])
            plan[test]["checks"].append([number, check])
        if not plan:
            again = []
            break
        by_test, errors = parts.run(files, plan, f"{name}-verify-{attempt}")
        found, failed = _refuted_on_original(plan, by_test, errors, remaining)
        refuted.update(found)
        if attempt == 0:
            missed = _refuted_acted(acted, by_test, errors, placed, anywhere)
        # Only a test that failed at one assertion left the others after it unchecked.
        again = failed
    for test in again:  # still stopped short after the last round: the rest is not proven
        for check in (
            _original_plan({c: placed[c] for c in placed if c not in refuted}, runs_in, [test])
            .get(test, {})
            .get("all_checks", [])
        ):
            refuted[check] = f"not proven on the original: {test} stops at another one first"
    return refuted, missed


def _scratch_files(
    round_: Round,
    texts: Mapping[str, str],
    written: Mapping[str, Assertion],
    checks: Mapping[str, int],
) -> tuple[dict[str, str], dict[int, tuple[str, int]]]:
    """The round's files with each test file's scratch copy, and each check's (path, line)."""
    files = dict(round_.files)
    placed: dict[int, tuple[str, int]] = {}
    for path in {a.path for a in written.values()}:
        mine = {checks[m]: a for m, a in written.items() if a.path == path}
        files[path], lines = scratch(texts[path], list(mine.items()))
        placed.update((check, (path, line)) for check, line in lines.items())
    return files, placed


def _original_plan(
    remaining: Mapping[int, tuple[str, int]],
    runs_in: Mapping[int, str | None],
    tests: Sequence[str],
) -> dict[str, dict[str, Any]]:
    """Each test that may run an assertion left (every case of the test function holding it;
    every test of its file when a helper holds it), run once with those assertions on."""
    plan: dict[str, dict[str, Any]] = {}
    for test in tests:
        path, _, rest = test.partition("::")
        function = rest.split("[", 1)[0].rsplit("::", 1)[-1]
        on = [c for c, (p, _) in remaining.items() if p == path and runs_in[c] in (None, function)]
        if on:
            plan[test] = {"lines": [], "mutants": [], "all_checks": sorted(on)}
    return plan


def _refuted_on_original(
    plan: Mapping[str, Mapping[str, Any]],
    by_test: Mapping[str, Sequence[Mapping[str, Any]]],
    errors: Mapping[str, str],
    remaining: Mapping[int, tuple[str, int]],
) -> tuple[dict[int, str], list[str]]:
    """The checks that fail on the original (the one whose line a test failed at, or every
    check of the file when a test failed elsewhere or did not run), and the tests that failed
    at one of them."""
    refuted: dict[int, str] = {}
    failed: list[str] = []
    for test, planned in plan.items():
        on = planned.get("all_checks") or []
        if not on:
            continue
        runs = [r for r in by_test.get(test, ()) if r["mutant"] is None and r["checks"]]
        if not runs:
            why = errors.get(test, "its verifying run went wrong: no run")
            refuted.update((c, why) for c in on if c not in refuted)
            continue
        run = runs[0]
        if run["result"] == "passed":
            continue
        at = [c for c in on if _at(run["crash"], *remaining[c])]
        why = f"on the original code {test} {run['result']} with it"
        refuted.update((c, why) for c in (at or on) if c not in refuted)
        if at:
            failed.append(test)
    return refuted, failed


def _refuted_acted(
    acted: Sequence[tuple[str, int, int, str]],
    by_test: Mapping[str, Sequence[Mapping[str, Any]]],
    errors: Mapping[str, str],
    placed: Mapping[int, tuple[str, int]],
    anywhere: Collection[int],
) -> dict[str, str]:
    """The survivors whose test, with the survivor acted out and its check on, does not fail
    at that check's line (or at all, for a check `anywhere`)."""
    found: dict[str, str] = {}
    for test, number, check, mutant in acted:
        runs = by_test.get(test, ())
        run = next((r for r in runs if r["mutant"] == number and r["checks"] == [check]), None)
        if run is None:
            found[mutant] = errors.get(test, "its verifying run went wrong: no run")
        elif run["result"] != "failed" or (
            check not in anywhere and not _at(run["crash"], *placed[check])
        ):
            found[mutant] = "with the mutant acted out it does not fail there"
    return found


def _at(crash: Sequence[Any] | None, path: str, line: int) -> bool:
    return crash is not None and str(crash[0]).endswith(path) and crash[1] == line


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
