"""Follow the difference to the test (issue 36): for a survivor told apart at its site, does
the difference reach the test? The test that told it apart runs again in one follow run per
round (breakit.triage.follow_plugin), on the original and with the survivor acted out by its
probe (breakit.triage.switch), and what the calls made from the named line of the test returned
is compared:

- **reached the test**: a call returned or raised something else under the mutant (its value,
  the plain data of the object it returned or changed, the exception's message): the test holds
  the difference and asserts nothing on it (breakit.triage.assertion_proof then writes and
  proves the assertion that would);
- **absorbed before the test**: every call from that line returned or raised the same: a new
  input is needed, or a check of a side effect this cannot see (a warning, a log line).

A comparison counts only where the original's runs before and after the mutant's agree (a
counter, a clock or an id differs from run to run: not the mutant's doing). Where nothing can be
said (no call returned to that line, the runs disagree, the acted-out mutant fails the test, a
probe that cannot act out its mutant) the survivor stays "told apart, not checked" with a note.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from breakit.triage import FOLLOW_ENV, IMPORT_TIME
from breakit.triage.assertion import Assertion
from breakit.triage.assertion_proof import read_text, with_proven_assertions
from breakit.triage.instrument import Round
from breakit.triage.new_input import (
    NewTest,
    TestFile,
    appended,
    as_new_test,
    compare_new,
    new_test,
    test_file,
)
from breakit.triage.parts import PluginRuns, SpecFor
from breakit.triage.probe import Probe
from breakit.triage.value import NEVER, TOLD, VALUE_CHARS, Followed, Triage, Tried, clip

PLUGIN = ("-p", "breakit.triage.follow_plugin")
# Probes that cannot return the mutant's value: an augmented assignment (the probe runs before
# the statement, which the original still executes).
CANNOT_ACT = frozenset({"augmented"})
# Probes that take the original's value as an argument: evaluated even when acting the mutant
# out, so only where that evaluation calls nothing (it would run code the mutant does not).
EAGER = frozenset({"value", "truth"})
_CALLS = (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)


@dataclass(frozen=True)
class FollowRun:
    """The followed survivors' triage (a `followed`, or a note saying why not), by mutant id,
    and the follow runs made."""

    triage: Mapping[str, Triage]
    runs: int = 0


def followable(triage: Triage, probe: Probe | None) -> str | None:
    """Why `triage` cannot be followed, or None: it can."""
    if triage.test in (None, IMPORT_TIME):
        return "told apart at import time: no test's call to follow"
    if triage.line is None:
        return "the call into the code came from outside the test's file"
    if probe is None or probe.kind in CANNOT_ACT:
        return "its probe cannot act out the mutant"
    if probe.kind in EAGER and not _calls_nothing(probe.parts[0] if probe.parts else probe.site):
        return "the original's code there calls a function, which acting the mutant out would run"
    return None


def _calls_nothing(code: str) -> bool:
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError:
        return False
    return not any(isinstance(node, _CALLS) for node in ast.walk(tree))


def compare_runs(runs: Sequence[Mapping[str, Any]], mutant: int, line: int) -> Followed | str:
    """What the runs of one test (originals around each mutant's) say of `mutant` at `line`."""
    position = next((i for i, r in enumerate(runs) if r["mutant"] == mutant), None)
    if position is None or position == 0 or position + 1 >= len(runs):
        return "its follow run did not finish"
    before, acted, after = runs[position - 1], runs[position], runs[position + 1]
    key = str(line)
    original = before["calls"].get(key, [])
    if acted["result"] != "passed":
        return f"with the mutant acted out by its probe the test {acted['result']}"
    if not original:
        return f"no call made at line {line} returned to the test"
    if [c[0] for c in original] != [c[0] for c in after["calls"].get(key, [])]:
        return f"what line {line}'s calls return changes from run to run"
    mutated = acted["calls"].get(key, [])
    for mine, theirs in zip(original, mutated, strict=False):
        if mine[0] != theirs[0]:
            aspect, literal = _assertable(original[-1], mutated[-1] if mutated else None)
            shown, values = "", (mine[1], theirs[1])
            if mine[1] == theirs[1]:  # the same repr (a response): show what differs in it
                shown = _differing_aspect(mine, theirs)
                if shown:
                    ours, other = mine[3][shown], theirs[3].get(shown, "?")
                    values = (clip(ours, VALUE_CHARS) or "", clip(other, VALUE_CHARS) or "")
            inner = mine[2] if len(mine) > 2 else None
            return Followed(
                True, line, *values, shown=shown, literal=literal, aspect=aspect, inner=inner
            )
    if len(original) != len(mutated):
        count = f"{len(original)} calls returned, {len(mutated)} under the mutant"
        return Followed(True, line, count, count)
    return Followed(False, line, original[0][1], mutated[0][1])


def _differing_aspect(mine: Sequence[Any], theirs: Sequence[Any]) -> str:
    """The first aspect of a web response (its JSON body, its status) or of a raised exception
    (its message: " match") that differs, or ""."""
    ours = mine[3] if len(mine) > 3 else {}
    other = theirs[3] if len(theirs) > 3 else {}
    aspects = (".json()", ".status_code", " match")
    return next((a for a in aspects if a in ours and ours[a] != other.get(a)), "")


def _assertable(original: Sequence[Any], mutated: Sequence[Any] | None) -> tuple[str, str | None]:
    """What an assertion on the line's last call reads, and the original's literal there: the
    value itself, else the first aspect of it (a response's JSON body, its status) that differs
    under the mutant; ("", None) when none is a literal."""
    if len(original) > 2 and original[2] is not None:
        return "", original[2]
    aspect = _differing_aspect(original, mutated or ())
    if aspect == " match":
        theirs = mutated[3].get(aspect) if mutated is not None and len(mutated) > 3 else None
        return aspect, _telling(original[3][aspect], theirs)
    return (aspect, original[3][aspect]) if aspect else ("", None)


MESSAGE_CHARS = 60  # a longer message is matched by its first words that tell it apart


def _telling(message: str, mutant: str | None) -> str:
    """The message, or where it is long its shortest start (in words, 20 characters at least)
    that the mutant's message does not hold: what `match=` looks for (it searches)."""
    if len(message) <= MESSAGE_CHARS:
        return message
    words = message.split(" ")
    for count in range(1, len(words) + 1):
        start = " ".join(words[:count])
        if len(start) >= 20 and (mutant is None or start not in mutant):
            return start
    return message


def follow_told(
    root: Path,
    planned: Sequence[Round],
    triage: Mapping[str, Triage],
    probes: Mapping[str, Probe | None],
    spec_for: SpecFor,
    jobs: int,
    durations: Mapping[str, float],
    tests: Sequence[str],
    calls: Mapping[str, Mapping[str, Any] | None] | None = None,
) -> FollowRun:
    """Each told-apart survivor of `triage` followed to its test, or given a note saying why
    not, and for one that reached its test the assertion that kills it, verified; each
    never-told-apart one with a new test (breakit.triage.new_input, from `calls`: a call of its
    site's function per survivor) run, and its assertion verified where it tells the mutant
    apart. Per round (its instrumented files) one follow run and one verifying run, the tests
    of each split over up to `jobs` copies side by side. Returns the survivors' new triage (the
    others are not in it)."""
    told: dict[str, Triage] = {}
    result: dict[str, Triage] = {}
    for mutant, found in triage.items():
        if found.kind != TOLD:
            continue
        why = followable(found, probes.get(mutant))
        if why is None:
            told[mutant] = found
        else:
            result[mutant] = noted(found, f"not followed to the test: {why}")
    fresh, unwritten = _new_tests(root, triage, probes, calls or {})
    result.update(unwritten)
    with contextlib.ExitStack() as stack:
        parts = PluginRuns(stack, root, spec_for, jobs, durations, PLUGIN, FOLLOW_ENV)
        for number, round_ in enumerate(planned):
            numbers = {m: n for n, m in round_.mutants.items() if m in told}
            here = {m: n for n, m in round_.mutants.items() if m in fresh}
            if not numbers and not here:
                continue
            files, at, lengths = _with_new_tests(root, round_, [fresh[m] for m in here])
            plan = {**_plan(told, numbers), **_new_plan(fresh, here, at)}
            by_test, errors = parts.run(files, plan, f"{number}")
            followed, noted_told = _told_followed(told, numbers, by_test, errors, probes)
            tried, difference, noted_new = _new_tried(triage, fresh, here, at, by_test, errors)
            result.update({**noted_told, **noted_new, **tried})
            scratch = Round(files, round_.mutants, round_.spans)
            everything = [*tests, *(fresh[m].nodeid for m in here)]
            acted, proving = {**numbers, **here}, {**followed, **difference}
            written = _new_assertions(fresh, difference, at)
            proven = with_proven_assertions(
                root, scratch, acted, proving, parts, everything, f"{number}", written
            )
            for mutant, found in proven.items():
                if mutant in here:
                    new = fresh[mutant]
                    found = _as_never(found, tried[mutant], new, lengths[new.path])
                result[mutant] = found
        runs = parts.runs
    return FollowRun(result, runs)


def _told_followed(
    told: Mapping[str, Triage],
    numbers: Mapping[str, int],
    by_test: Mapping[str, Sequence[Mapping[str, Any]]],
    errors: Mapping[str, str],
    probes: Mapping[str, Probe | None],
) -> tuple[dict[str, Triage], dict[str, Triage]]:
    """The told-apart survivors of a round followed to their test (an absorbed one at the only
    input where its two comparisons differ: the input tried, probably equivalent), and those
    that could not be (with a note saying why)."""
    followed: dict[str, Triage] = {}
    notes: dict[str, Triage] = {}
    for mutant, n in numbers.items():
        found = told[mutant]
        assert found.test is not None and found.line is not None
        if found.test in by_test:
            seen = compare_runs(by_test[found.test], n, found.line)
        else:
            seen = errors.get(found.test, "its follow run went wrong: no run")
        if isinstance(seen, Followed):
            tried = None
            if not seen.reached and differs_only_at_equality(probes.get(mutant)):
                call = found.code or f"line {found.line}"
                tried = Tried(call, False, seen.original, seen.mutant)
            followed[mutant] = replace(found, followed=seen, tried=tried)
        else:
            notes[mutant] = noted(found, f"not followed to the test: {seen}")
    return followed, notes


EQUALITY_ONLY = ({"<", "<="}, {">", ">="})  # such comparisons differ only where a == b


def differs_only_at_equality(probe: Probe | None) -> bool:
    """A comparison whose mutant differs from it only where its operands are equal (`<` and
    `<=`): told apart there and absorbed, no other input of that comparison tells them apart."""
    if probe is None or probe.kind not in ("compare", "chain"):
        return False
    changed = [{a, b} for a, b in zip(probe.ops, probe.alternative, strict=False) if a != b]
    return bool(changed) and all(pair in EQUALITY_ONLY for pair in changed)


def _new_tried(
    triage: Mapping[str, Triage],
    fresh: Mapping[str, NewTest],
    here: Mapping[str, int],
    at: Mapping[str, int],
    by_test: Mapping[str, Sequence[Mapping[str, Any]]],
    errors: Mapping[str, str],
) -> tuple[dict[str, Triage], dict[str, Triage], dict[str, Triage]]:
    """The never-told-apart survivors of a round (`here`) with their new test run (`at`: the
    line of each new test's call, by test name): each with its input tried; of those it told
    apart, the difference to write the assertion from (as a followed triage of the new test);
    and those whose new test said nothing (why, in `no_assertion`)."""
    tried: dict[str, Triage] = {}
    differing: dict[str, Triage] = {}
    notes: dict[str, Triage] = {}
    for mutant, n in here.items():
        new = fresh[mutant]
        runs = by_test.get(new.nodeid)
        seen = compare_new(runs, n, at[new.name], new) if runs else None
        if seen is None or isinstance(seen, str):
            why = seen or errors.get(new.nodeid, "its run went wrong: no run")
            notes[mutant] = replace(triage[mutant], no_assertion=f"no new test: {why}")
            continue
        made, difference = seen
        tried[mutant] = replace(triage[mutant], tried=made)
        if difference is not None:
            differing[mutant] = replace(tried[mutant], test=new.nodeid, followed=difference)
    return tried, differing, notes


def _new_tests(
    root: Path,
    triage: Mapping[str, Triage],
    probes: Mapping[str, Probe | None],
    calls: Mapping[str, Mapping[str, Any] | None],
) -> tuple[dict[str, NewTest], dict[str, Triage]]:
    """The new test of each never-told-apart survivor where one is written, and the others'
    triage with why not (only where an input was suggested: else there is nothing to try)."""
    fresh: dict[str, NewTest] = {}
    unwritten: dict[str, Triage] = {}
    files: dict[str | None, TestFile] = {}
    for mutant, found in sorted(triage.items()):
        probe = probes.get(mutant)
        if found.kind != NEVER or probe is None or not found.reached:
            continue
        path = test_file(found, probe)
        if path not in files:
            files[path] = TestFile.read(path, read_text(root / path) if path else "")
        made = new_test(mutant, probe, found, calls.get(mutant), files[path])
        if isinstance(made, NewTest):
            fresh[mutant] = made
        elif found.suggestion:
            unwritten[mutant] = replace(found, no_assertion=f"no new test: {made}")
    return fresh, unwritten


def _new_assertions(
    fresh: Mapping[str, NewTest], difference: Mapping[str, Triage], at: Mapping[str, int]
) -> dict[str, Assertion | str]:
    """The assertion of each new test that told its survivor apart (or why none): what its
    expression gave on the original, in place of its call while proven."""
    written: dict[str, Assertion | str] = {}
    for mutant, found in difference.items():
        seen, new = found.followed, fresh[mutant]
        assert seen is not None
        written[mutant] = new.assertion(seen.literal, at[new.name], seen.original)
    return written


def _with_new_tests(
    root: Path, round_: Round, fresh: Sequence[NewTest]
) -> tuple[dict[str, str], dict[str, int], dict[str, int]]:
    """The round's files with the new tests added to their test files, the line of each new
    test's call by mutant id, and the lines each of those files had before."""
    files = dict(round_.files)
    at: dict[str, int] = {}
    lengths: dict[str, int] = {}
    for path in sorted({t.path for t in fresh}):
        text = round_.files.get(path) or read_text(root / path)
        lengths[path] = len(text.splitlines())
        files[path], lines = appended(text, [t for t in fresh if t.path == path])
        at.update(lines)
    return files, at, lengths


def _as_never(found: Triage, tried: Triage, new: NewTest, lines: int) -> Triage:
    """A never-told-apart survivor whose new test told it apart, as the proof left it: the new
    test to add after the file's `lines` where its assertion was proven, else why not."""
    if found.assertion is None:
        return replace(tried, no_assertion=found.no_assertion)
    return replace(tried, assertion=as_new_test(found.assertion, new, lines))


def _new_plan(
    fresh: Mapping[str, NewTest], here: Mapping[str, int], at: Mapping[str, int]
) -> dict[str, dict[str, Any]]:
    """Per new test, its call's line to watch and the mutants (their probe numbers) to act out:
    survivors given the same call share its test."""
    plan: dict[str, dict[str, Any]] = {}
    for mutant, number in here.items():
        new = fresh[mutant]
        entry = plan.setdefault(new.nodeid, {"lines": [at[new.name]], "mutants": []})
        entry["mutants"].append(number)
    return plan


def _plan(told: Mapping[str, Triage], numbers: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    """Per test, the lines to watch and the mutants (their probe numbers) to act out."""
    plan: dict[str, dict[str, Any]] = {}
    for mutant, number in numbers.items():
        found = told[mutant]
        assert found.test is not None
        entry = plan.setdefault(found.test, {"lines": [], "mutants": []})
        if found.line not in entry["lines"]:
            entry["lines"].append(found.line)
        entry["mutants"].append(number)
    return plan


def noted(found: Triage, note: str) -> Triage:
    return replace(found, note=f"{found.note}; {note}" if found.note else note)
