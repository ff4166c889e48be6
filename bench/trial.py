"""One project's field trial, start to end: laid out, its plain suite, `check` (full and
first-catch), `check --verify` and the independent check on a seeded sample; one row."""

from __future__ import annotations

import random
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.corpus import Project
from bench.document import caught_by
from bench.fetch import IGNORED, lay_out, venv_python
from bench.independent import describe, failed_tests, independent, plain_agrees, plain_pytest
from bench.process import Run, StepError, error_text, pytest_count
from bench.trial_cli import Breakit, file_args, mismatches
from bench.trial_table import Disagreement, Row

TIMEOUT_SUSPECTS = 3  # Timeout mutants added to a sample as suspects, at most


def trial(
    project: Project,
    workdir: Path,
    *,
    seed: int,
    sample: int,
    jobs: int,
    python: str | None = None,
    independent_check: bool = True,
    suspects: int = 10,
) -> Row:
    """One project, start to end; never raises (a failed step is the row's error)."""
    row = Row(project.name)
    started = time.perf_counter()
    try:
        _trial(project, workdir, row, seed, sample, suspects, jobs, python, independent_check)
    except StepError as exc:
        row.error = str(exc)
    except Exception as exc:  # the trial reports a broken project, it does not stop on one
        row.error = f"{type(exc).__name__}: {exc}"
    row.total_s = time.perf_counter() - started
    return row


def _trial(
    project: Project,
    workdir: Path,
    row: Row,
    seed: int,
    sample: int,
    suspects: int,
    jobs: int,
    python: str | None,
    independent_check: bool,
) -> None:
    root = lay_out(project, workdir)
    py = venv_python(project, workdir, root, python)
    # The independent check copies this tree before breakit writes anything into it.
    pristine = workdir / project.name / "pristine"
    shutil.rmtree(pristine, ignore_errors=True)
    shutil.copytree(root, pristine, ignore=IGNORED)

    plain = plain_pytest(py, root, project, timeout=600)
    row.tests = pytest_count(plain.out)
    if plain.rc != 0:
        raise StepError(f"the plain suite fails here ({describe(plain)})")
    timeout = max(60.0, 10 * plain.seconds + 30)

    bk = Breakit(py, root, row, jobs)
    ids, by_id, memory_limit_mb = full_check(bk, project, jobs, row)
    first_catch(bk, project, jobs, row, by_id)

    picked = pick_sample(ids, by_id, seed, sample, suspects)
    row.sample = len(picked)
    row.picked = picked
    if not picked:
        return
    verify(bk, project, jobs, row, picked, by_id)
    if not independent_check:
        return

    def one(mid: str) -> tuple[str, str, Run | None]:
        problem, got = independent(py, pristine, project, bk, mid, timeout, memory_limit_mb)
        return mid, problem, got

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        row.plain_agree = compare_plain(project, row, by_id, pool.map(one, picked))
    if bk.log:
        log = workdir / project.name / "tracebacks.log"
        log.write_text("\n\n".join(bk.log))
        row.notes.append(f"tracebacks: {log}")


def full_check(
    bk: Breakit, project: Project, jobs: int, row: Row
) -> tuple[list[str], dict[str, dict], int | None]:
    """`list`, then `check` of every mutant: the listed ids, check's mutants by id (each with the
    tests that caught it) and breakit's memory ceiling."""
    listed = bk.json("list", "--generated", "--json", *file_args(project), ok=(0,))
    ids = sorted(m["id"] for m in listed["mutants"])
    row.mutants = len(ids)

    t0 = time.perf_counter()
    checked = bk.json(
        "check", "--generated", "--json", "--no-warm", "-j", str(jobs), *file_args(project)
    )
    row.wall_s = time.perf_counter() - t0
    by_id = {m["id"]: {**m, "caught": caught_by(m, checked)} for m in checked["mutants"]}
    row.counts = dict(Counter(m["verdict"] for m in checked["mutants"]))
    if set(by_id) != set(ids):
        row.notes.append(f"check ran {len(by_id)} mutants, list showed {len(ids)}")
    return ids, by_id, checked.get("memory_limit_mb")


def pick_sample(
    ids: Sequence[str], by_id: dict[str, dict], seed: int, sample: int, suspects: int
) -> list[str]:
    """`sample` of the listed mutants at random, and up to `suspects` more of the rare verdicts
    (where a wrong claim hides: NoCoverage that is not, a crash called CompileError), from the
    same seeded generator. A Timeout costs its whole timeout twice (in --verify's oracle and in
    the plain check), so at most TIMEOUT_SUSPECTS of them; the other rare verdicts first."""
    rng = random.Random(seed)
    picked = rng.sample(list(ids), min(sample, len(ids)))
    rare = sorted(i for i in by_id if by_id[i]["verdict"] not in ("Killed", "Survived"))
    rare = [i for i in rare if i not in picked]
    hangs = [i for i in rare if by_id[i]["verdict"] == "Timeout"]
    others = [i for i in rare if by_id[i]["verdict"] != "Timeout"]
    chosen = rng.sample(others, min(suspects, len(others)))
    room = min(TIMEOUT_SUSPECTS, suspects - len(chosen))
    chosen += rng.sample(hangs, min(max(0, room), len(hangs)))
    return sorted(picked + chosen)


def verify(
    bk: Breakit, project: Project, jobs: int, row: Row, picked: list[str], by_id: dict[str, dict]
) -> None:
    """`check --verify` on the sample: breakit's own oracle, each mismatch a disagreement."""
    match = [a for mid in picked for a in ("--match", mid)]
    verified = bk(
        "check", "--generated", "--verify", "--json", "--no-warm", "-j", str(jobs), *match
    )
    if verified.rc in (0, 1):
        row.verify_agree = len(picked)
    elif verified.rc == 70 and "disagrees with the oracle" in verified.err:
        wrong = mismatches(verified.err)
        row.verify_agree = len(picked) - len(wrong)
        for mid, detail in wrong.items():
            m = by_id.get(mid, {})
            row.disagreements.append(
                Disagreement(
                    project.name,
                    mid,
                    "verify",
                    m.get("verdict", "?"),
                    m.get("caught", []),
                    "breakit's oracle differs",
                    detail,
                )
            )
    else:
        row.notes.append(f"--verify exit {verified.rc}: {error_text(verified.err)}")


def compare_plain(
    project: Project,
    row: Row,
    by_id: dict[str, dict],
    results: Iterable[tuple[str, str, Run | None]],
) -> int:
    """How many of the independent check's runs agree with breakit's verdicts; each that does
    not is a disagreement, each that could not run a note."""
    agree = 0
    for mid, problem, got in results:
        m = by_id.get(mid)
        if m is None:
            row.notes.append(f"{mid}: not in check's result")
            continue
        if got is None:
            row.notes.append(f"{mid}: {problem}")
            continue
        if plain_agrees(m["verdict"], got, m.get("duration_s") or 0.0):
            agree += 1
            continue
        row.disagreements.append(
            Disagreement(
                project.name,
                mid,
                "plain",
                m["verdict"],
                m.get("caught", []),
                describe(got),
                failed_tests(got.out),
            )
        )
    return agree


def first_catch(bk: Breakit, project: Project, jobs: int, row: Row, full: dict) -> None:
    """`check --first-catch` on every mutant the full check ran (--no-cache: a first-catch run
    would reuse the full results), each verdict against the full run's. Timeout in full and
    Killed in first-catch agree by rule (a catch before the hang: README, "Which mode where")."""
    t0 = time.perf_counter()
    fast = bk.json(
        "check",
        "--generated",
        "--json",
        "--no-warm",
        "--no-cache",
        "--first-catch",
        "-j",
        str(jobs),
        *file_args(project),
    )
    row.first_catch_s = time.perf_counter() - t0
    agree = 0
    for m in fast["mutants"]:
        was = full.get(m["id"], {}).get("verdict")
        if m["verdict"] == was or (was, m["verdict"]) == ("Timeout", "Killed"):
            agree += 1
        else:
            row.disagreements.append(
                Disagreement(
                    project.name,
                    m["id"],
                    "first-catch",
                    was or "-",
                    [],
                    f"first-catch says {m['verdict']}",
                    detail="the first-catch verdict differs from the full run's",
                )
            )
    row.first_catch_agree = agree
    row.first_catch_total = len(full)
