"""A real `breakit check` killed with SIGINT, SIGTERM and SIGKILL: nothing is left behind (no
process, no scratch folder once the next run has started, no change to the tree) and nothing it
finished is lost (the next run reuses it)."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import IO

import pytest

from tests.e2e.cli_harness import Breakit, snapshot
from tests.project_files import write_project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc"),
]

MARKER = "FAULT_TEST_MARKER"  # in the environment of breakit and of all it starts
FLAG = "FAULT_TEST_FLAG"  # a file the hanging mutant creates once it hangs

# `check -v` on a pipe: a progress line per mutant as it finishes (terminal.ProgressLines).
PROGRESS = re.compile(r"^breakit: \d+/\d+ (\S+): (\w+) \((cached|[\d.]+ s)\)$", re.MULTILINE)
REUSED = re.compile(r"\((\d+) reused from \.breakit/\)")


def marked_processes(marker: str) -> list[str]:
    """Processes whose environment carries `marker` (pid and command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if f"{MARKER}={marker}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile, or a zombie
            continue
        found.append(f"{entry.name}: {cmdline}")
    return found


def left_after(marker: str, seconds: float, ignore: str = "\0") -> list[str]:
    """What still runs with `marker` after up to `seconds` (at once, if nothing does)."""
    deadline = time.monotonic() + seconds
    while True:
        left = [p for p in marked_processes(marker) if not p.startswith(f"{ignore}:")]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


BREAKAGE = """
    import libcst as cst
    import libcst.matchers as m

    from breakit.core.model import FileEdit, Mutation


    class Edit(m.MatcherDecoratableTransformer):
        @m.call_if_inside(m.FunctionDef(name=m.Name("f{i}")))
        @m.leave(m.{old}())
        def edit(self, original, updated):
            return cst.{new}()


    MUTATION = Mutation(
        id="{name}-{i}",
        title="f{i}: {old} becomes {new}",
        question="Which test notices?",
        hints=("Look at f{i}.",),
        edits=(FileEdit("calc/__init__.py", Edit, looks_for="{old} in f{i}"),),
    )
"""


def fault_project(count: int) -> dict[str, str]:
    """`count` functions, a test of 0.15 s for each, and two curated breakages of each (curated:
    after the first run they come from .breakit/, so a run reaches its mutants sooner)."""
    files = {
        "pyproject.toml": """
            [project]
            name = "calc"
            version = "0"

            [tool.breakit]
            source = ["calc"]
            tests = ["tests"]
            mutations = ["breakages"]
            timeout_factor = 3.0
            timeout_min_s = 15.0
        """,
        "calc/__init__.py": "\n\n".join(
            f"def f{i}(n):\n    if n > {i}:\n        return n - {i}\n    return n + {i}\n"
            for i in range(count)
        ),
        "tests/test_calc.py": "import time\n\nimport calc\n\n\n"
        + "\n\n".join(
            f"def test_f{i}():\n    time.sleep(0.15)\n"
            f"    assert calc.f{i}({i + 2}) == 2\n    assert calc.f{i}({i}) == {2 * i}\n"
            for i in range(count)
        ),
    }
    for i in range(count):
        for name, old, new in (
            ("ge", "GreaterThan", "GreaterThanEqual"),
            ("add", "Subtract", "Add"),
        ):
            files[f"breakages/{name}_{i}.py"] = BREAKAGE.format(i=i, name=name, old=old, new=new)
    return files


def run_and_kill(
    breakit: Breakit, args: tuple[str, ...], env: dict[str, str], sig: int, rng: random.Random
) -> tuple[subprocess.Popen[str], str]:
    """Start `breakit *args`, send `sig` at a random moment: a third of the time anywhere in
    the first 2.5 s (starting up, making workspaces, starting workers), else within 1.5 s after
    the first mutant finished (whatever the machine's load). The process and its stderr."""
    process = breakit.popen(*args, extra=env)
    assert process.stderr is not None and process.stdout is not None
    lines: list[str] = []
    first = threading.Event()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.append(line)
            if PROGRESS.match(line):
                first.set()

    reader = threading.Thread(target=read, args=(process.stderr,), daemon=True)
    reader.start()
    if rng.random() < 1 / 3:
        time.sleep(rng.uniform(0.1, 2.5))
    else:
        first.wait(30)
        time.sleep(rng.uniform(0.0, 1.5))
    process.send_signal(sig)
    process.stdout.read()
    process.wait(60)
    reader.join(10)
    process.stdout.close()
    process.stderr.close()
    return process, "".join(lines)


def test_random_kills_leave_nothing_behind_and_lose_nothing(tmp_path: Path) -> None:
    rng = random.Random(20261201)
    root, scratch = tmp_path / "calc-project", tmp_path / "tmp"
    write_project(root, fault_project(12))
    scratch.mkdir()
    breakit = Breakit(root, scratch)
    marker = uuid.uuid4().hex
    env = {MARKER: marker}
    args = ("check", "-v", "-j", "2", "--backend", "fork")
    # One full run caches the baseline, the sanity run and the curated mutants: every killed run
    # below gets into the mutant phase soon. Its results are dropped: those runs must run mutants.
    full = breakit.run_with_env(env, *args)
    assert full.returncode in (0, 1), full.stdout[-2000:] + full.stderr[-2000:]
    everything = {m for m, _, _ in PROGRESS.findall(full.stderr)}
    assert len(everything) == 24
    state = root / ".breakit"
    (state / "cache.json").unlink()
    before = snapshot(root)

    finished: set[str] = set()  # ids that finished (and were printed) in the runs so far
    leftovers: set[Path] = set()  # scratch folders a SIGKILLed run left
    kills = {signal.SIGINT: 0, signal.SIGTERM: 0, signal.SIGKILL: 0}
    reused_total = swept = 0
    order = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL] * 8
    rng.shuffle(order)
    for sig in order:
        if sum(kills.values()) >= 21 and min(kills.values()) >= 6:
            break
        if len(finished) > 14:  # start over, or the runs would soon have nothing left to do
            (state / "cache.json").unlink(missing_ok=True)
            (state / "journal.jsonl").unlink(missing_ok=True)
            finished.clear()
        process, stderr = run_and_kill(breakit, args, env, sig, rng)
        what = f"{sig.name} (exit {process.returncode}): {stderr[-1500:]}"
        assert left_after(marker, 1.0) == [], what
        assert snapshot(root) == before, what
        if process.returncode in (0, 1):  # it was done before the signal: no kill
            continue
        kills[sig] += 1
        expected = {
            signal.SIGINT: {130, -signal.SIGINT},  # the latter: before breakit's handler
            signal.SIGTERM: {143, -signal.SIGTERM},
            signal.SIGKILL: {-signal.SIGKILL},
        }[sig]
        assert process.returncode in expected, what
        if process.returncode in (130, 143):
            assert "nothing was changed in your project" in stderr, what
            assert "Traceback" not in stderr, what
        lines = PROGRESS.findall(stderr)
        ran = {m for m, verdict, took in lines if took != "cached" and verdict != "NoCoverage"}
        cached = {m for m, _, took in lines if took == "cached"}
        assert not ran & finished, f"finished before, yet run again: {ran & finished}\n{what}"
        # One result may have been stored but not yet printed when the signal came.
        assert len(cached - finished) <= 1, what
        finished |= cached | {m for m, verdict, took in lines if verdict in ("Killed", "Survived")}
        reused_total += len(cached)
        if lines:  # it got into the mutant phase, so past making its workspaces: it swept
            swept += sum(1 for p in leftovers if not p.exists())
            assert not [p for p in leftovers if p.exists()], what
            leftovers.clear()
        now = set(scratch.iterdir())
        if sig == signal.SIGKILL:
            leftovers |= now
        else:
            assert now <= leftovers, f"{sorted(now - leftovers)} left\n{what}"

    assert sum(kills.values()) >= 21 and min(kills.values()) >= 6, kills
    assert reused_total > 0 and swept > 0, (reused_total, swept)
    # The run after the last kill reuses every mutant finished since the last start-over.
    last = breakit.run_with_env(env, *args)
    assert last.returncode == full.returncode, last.stderr[-2000:]
    lines = PROGRESS.findall(last.stderr)
    assert {m for m, _, _ in lines} == everything
    cached = {m for m, _, took in lines if took == "cached"}
    assert finished <= cached and len(cached - finished) <= 1
    assert REUSED.search(last.stdout) and int(REUSED.search(last.stdout)[1]) == len(cached)
    assert not (state / "journal.jsonl").exists()  # folded into the cache
    assert list(scratch.iterdir()) == []
    assert snapshot(root) == before


# A breakage of the small project whose `add` says when it starts to hang, then never returns.
FLAGGED_HANG = """
    import libcst as cst
    import libcst.matchers as m

    from breakit.core.model import FileEdit, Mutation


    class Hang(m.MatcherDecoratableTransformer):
        @m.leave(m.FunctionDef(name=m.Name("add")))
        def hang(self, original, updated):
            body = [
                cst.parse_statement("import os, pathlib"),
                cst.parse_statement("pathlib.Path(os.environ['FAULT_TEST_FLAG']).touch()"),
                cst.parse_statement("while True:\\n    pass\\n"),
            ]
            return updated.with_changes(body=updated.body.with_changes(body=body))


    MUTATION = Mutation(
        id="hang",
        title="add never returns",
        question="What does a test do when the code hangs?",
        hints=("Look at add.",),
        edits=(FileEdit("calc/__init__.py", Hang, looks_for="def add"),),
    )
"""


def _hanging(small: Breakit, tmp_path: Path) -> tuple[dict[str, str], Path]:
    pyproject = small.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("timeout_min_s = 4.0", "timeout_min_s = 60"))
    write_project(small.root, {"breakages/hang.py": FLAGGED_HANG})
    flag = tmp_path / "hanging"
    return {MARKER: uuid.uuid4().hex, FLAG: str(flag)}, flag


def _wait_for(flag: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["fork", "subprocess"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_run_killed_during_a_hanging_mutant_leaves_no_process(
    small: Breakit, tmp_path: Path, backend: str, sig: signal.Signals
) -> None:
    # Issue 17: after `timeout` sent SIGTERM, the workers ran on inside a 228 s mutant.
    env, flag = _hanging(small, tmp_path)
    before = snapshot(small.root)
    process = small.popen("check", "hang", "--backend", backend, extra=env)
    _wait_for(flag, process)
    process.send_signal(sig)
    assert left_after(env[MARKER], 1.0) == []  # breakit itself included
    _, stderr = process.communicate(timeout=5)
    assert snapshot(small.root) == before
    if sig == signal.SIGTERM:
        assert process.returncode == 143, stderr
        assert "terminated (SIGTERM): nothing was changed in your project" in stderr
        assert "Traceback" not in stderr
        assert list(small.tmp.iterdir()) == []
    else:
        assert list(small.tmp.iterdir())  # what a SIGKILLed run cannot remove…
        after = small.run_with_env(env, "check", "minus")
        assert after.returncode == 0, after.stderr
        assert list(small.tmp.iterdir()) == []  # …the next run does


def test_a_warm_worker_dies_with_its_sigkilled_command_and_the_pool_lives_on(
    small: Breakit, tmp_path: Path
) -> None:
    env, flag = _hanging(small, tmp_path)
    warm = {**env, "BREAKIT_WARM": "on"}
    try:
        assert small.run_with_env(warm, "warm", "start").returncode == 0
        pool = small.run_with_env(warm, "warm", "status").stdout.split(",")[0].removeprefix("pid ")
        process = small.popen("check", "hang", extra=warm)
        _wait_for(flag, process)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=5)
        # The worker forked from the pool, and its child inside `hang`, stop within a second.
        assert left_after(env[MARKER], 1.0, ignore=pool) == []
        assert marked_processes(env[MARKER])  # the pool: it is meant to outlive the command
        deadline = time.monotonic() + 5  # it notices its worker is gone within a second or so
        while "unused for" not in small.run_with_env(warm, "warm", "status").stdout:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        small.run_with_env(warm, "warm", "stop")
