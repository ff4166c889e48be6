"""The triage of a run's survivors: each survivor's probe (breakit.triage.probe_sites), the
probes in rounds (breakit.triage.instrument), each round one fresh `python -m pytest` of the
survivors' own tests on the original code with the probes in it (`-p breakit.triage.plugin`),
in a copy of the project; then each survivor classified (breakit.triage.classify).

It runs after the verdicts are final and on the original code: it adds what it saw and never
changes a result. What it cost is returned with it (`TriageRun.duration_s`, `runs`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from breakit.core.model import MutantResult, Outcome
from breakit.runners.workspace import Workspace
from breakit.triage import IMPORT_TIME, TRIAGE_ENV
from breakit.triage.classify import Seen, Triage, classify, gather
from breakit.triage.follow import follow_told
from breakit.triage.instrument import Round, rounds
from breakit.triage.parts import SpecFor, run_instrumented, split_tests
from breakit.triage.probe import Probe, Source
from breakit.triage.probe_sites import find_probe

PLUGIN = ("-p", "breakit.triage.plugin")


@dataclass(frozen=True)
class TriageRun:
    """Each survivor's triage by mutant id, and what it took: runs of pytest, seconds."""

    triage: Mapping[str, Triage]
    runs: int = 0
    duration_s: float = 0.0


def covering(result: MutantResult) -> set[str]:
    """The tests that ran the survivor and passed: those its triage runs."""
    return {n for n, o in result.tests.items() if o.outcome is Outcome.MISSED}


def probes_of(survivors: Sequence[MutantResult]) -> dict[str, Probe | None]:
    """Each survivor's probe (None: none fits), its files parsed once."""
    sources: dict[str, Source | None] = {}
    found: dict[str, Probe | None] = {}
    for result in survivors:
        mutant = result.mutant
        for path, text in mutant.originals.items():
            if path not in sources:
                try:
                    sources[path] = Source(text)
                except Exception:  # a file libcst cannot parse: no probe there, nothing worse
                    sources[path] = None
        parsed = {p: s for p, s in sources.items() if s is not None and p in mutant.originals}
        found[mutant.id] = find_probe(mutant, parsed)
    return found


def triage_survivors(
    root: Path,
    survivors: Sequence[MutantResult],
    tests: Sequence[str],
    spec_for: SpecFor,
    jobs: int = 1,
    durations: Mapping[str, float] | None = None,
) -> TriageRun:
    """Triage `survivors` of a run of the project at `root`; `tests`: the baseline's, in order;
    `spec_for(tests)`: the run of those tests (timeout, memory ceiling, the config's args); each
    round's tests split over `jobs` pytest processes at once, balanced by their `durations` (the
    baseline's, per test)."""
    started = time.monotonic()
    probes = probes_of(survivors)
    originals = {
        probe.path: r.mutant.originals[probe.path]
        for r in survivors
        if (probe := probes[r.mutant.id]) is not None
    }
    planned, broken = rounds([p for p in probes.values() if p is not None], originals)
    needs = {r.mutant.id: covering(r) for r in survivors}
    lines, runs, failed = _run_rounds(root, planned, needs, tests, spec_for, jobs, durations or {})
    numbers = {n: m for r in planned for n, m in r.mutants.items()}
    seen = gather(lines, numbers, needs)
    _quote_the_users_lines(root, seen.values())
    triage = {}
    for result in survivors:
        mutant = result.mutant.id
        probe = None if mutant in broken else probes[mutant]
        note = failed.get(mutant)
        if probe is None:
            why = "its probe would not compile there" if mutant in broken else "no single site"
            note = f"{why}: {len(needs[mutant])} tests ran it"
        went_wrong = probe is not None and mutant in failed
        found = classify(probe, seen.get(mutant), mutant, note=note, went_wrong=went_wrong)
        if probe is None:
            ran = tuple((t, 0) for t in tests if t in needs[mutant])
            placed = probes[mutant]
            site = placed.site if placed is not None else result.mutant.title
            found = replace(found, site=site, tests=ran, probed=False)
        triage[mutant] = found
    calls = {m: found.call for m, found in seen.items()}
    followed = follow_told(
        root, planned, triage, probes, spec_for, jobs, durations or {}, tests, calls
    )
    triage.update(followed.triage)
    runs += followed.runs
    return TriageRun(triage, runs, time.monotonic() - started)


def _quote_the_users_lines(root: Path, seen: Iterable[Seen]) -> None:
    """The test's line each survivor's first difference was seen from, as the user wrote it:
    the recorder read it in the copy, where a survivor of a test file has its probes spliced in
    (same line numbers, other text)."""
    files: dict[str, list[str]] = {}
    for found in seen:
        first, test = found.first, found.first_test
        line = None if first is None else first.get("line")
        if first is None or test is None or not isinstance(line, int):
            continue
        path = test.split("::")[0]
        if path not in files:
            try:
                files[path] = (root / path).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                files[path] = []
        text = files[path][line - 1].strip() if 0 < line <= len(files[path]) else None
        found.first = {**first, "code": text or first.get("code")}


def _run_rounds(
    root: Path,
    planned: Sequence[Round],
    needs: Mapping[str, set[str]],
    tests: Sequence[str],
    spec_for: SpecFor,
    jobs: int,
    durations: Mapping[str, float],
) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    """Each round's runs: the recorder's lines, the runs made, and per mutant of a round whose
    run went wrong (a collection error, a timeout), what went wrong. A round's tests are split
    in up to `jobs` parts of about the same time, each run in a copy of its own, side by side;
    their lines are then put in the tests' order, as one run would have written them."""
    lines: list[dict[str, Any]] = []
    failed: dict[str, str] = {}
    runs = 0
    if not planned:
        return lines, runs, failed
    with contextlib.ExitStack() as stack:
        workspaces = [stack.enter_context(Workspace(root)) for _ in range(max(1, jobs))]
        for number, round_ in enumerate(planned):
            wanted = set().union(*(needs[m] for m in round_.mutants.values()))
            selected = tuple(t for t in tests if t in wanted)
            parts = split_tests(selected, len(workspaces), durations)
            out = f"triage-{number}.jsonl"
            with ThreadPoolExecutor(max_workers=len(workspaces)) as pool:
                runs_of_parts = [
                    pool.submit(_run_round, ws, round_.files, part, spec_for, ws.path.parent / out)
                    for ws, part in zip(workspaces, parts, strict=False)
                ]
                done = [run.result() for run in runs_of_parts]
            place = {test: index for index, test in enumerate(selected)}
            found_here: list[dict[str, Any]] = []
            for index, (found, error) in enumerate(done):
                # Import-time records come from every part: kept once, as one run gives them.
                found_here.extend(x for x in found if index == 0 or x.get("test") != IMPORT_TIME)
                runs += 1
                if error:
                    failed.update(
                        (m, f"its triage run went wrong: {error}") for m in round_.mutants.values()
                    )
            lines.extend(sorted(found_here, key=lambda x: place.get(x.get("test", ""), -1)))
    return lines, runs, failed


def _run_round(
    workspace: Workspace,
    files: Mapping[str, str],
    selected: tuple[str, ...],
    spec_for: SpecFor,
    out: Path,
) -> tuple[list[dict[str, Any]], str | None]:
    env = {TRIAGE_ENV: str(out)}
    return run_instrumented(workspace, files, selected, spec_for, out, PLUGIN, env)
