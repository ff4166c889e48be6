"""The independent check: a mutant's `breakit diff` applied with `git apply` to a fresh copy of
the project, plain pytest on it, and whether that run is what breakit's verdict claims."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench.corpus import Project
from bench.fetch import IGNORED
from bench.process import Run, clean_env, last_line, run
from bench.trial_cli import Breakit

# What plain pytest must do for each verdict to agree: fail (non-zero exit, or hang for Timeout),
# or pass. NoCoverage claims no test runs the changed code, so the suite must pass.
FAILS = {"Killed", "Timeout", "CompileError", "RuntimeError"}
USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR


def plain_pytest(
    python: Path,
    root: Path,
    project: Project,
    timeout: float,
    path: Sequence[str] = (),
    memory_limit_mb: int | None = None,
) -> Run:
    cmd = [str(python), "-m", "pytest", "-p", "no:cacheprovider", *project.tests]
    env = clean_env({"PYTHONPATH": os.pathsep.join(path)} if path else None)
    return run(
        cmd + list(project.pytest_args),
        root,
        env=env,
        timeout=timeout,
        memory_limit_mb=memory_limit_mb,
    )


def independent(
    python: Path,
    pristine: Path,
    project: Project,
    bk: Breakit,
    mutant_id: str,
    timeout: float,
    memory_limit_mb: int | None = None,
) -> tuple[str, Run | None]:
    """The mutant's diff applied to a fresh copy with `git apply`, and plain pytest on it, under
    breakit's memory ceiling (`memory_limit_mb`, watched by `run`, not by breakit): a mutant
    that allocates without end fails there as it fails on a machine with that much memory, when
    the kernel kills it, instead of running into the check's timeout."""
    diff = bk("diff", mutant_id, timeout=120)
    if diff.rc != 0 or not diff.out.strip():
        return f"no diff (exit {diff.rc}: {last_line(diff.err)})", None
    scratch = pristine.parent / "scratch" / re.sub(r"[^\w.-]", "_", mutant_id)
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(pristine, scratch, ignore=IGNORED)
    try:
        applied = subprocess.run(
            ["git", "apply", "-"], input=diff.out, cwd=scratch, capture_output=True, text=True
        )
        if applied.returncode != 0:
            return f"git apply failed: {last_line(applied.stderr)}", None
        # As if this copy were the installed one: an editable install points at the tree, and
        # a project whose tests do not put their code on sys.path themselves (src/ layout,
        # --import-mode=importlib: attrs) would otherwise test the unmutated tree.
        path = [str(p) for p in (scratch / "src", scratch) if p.is_dir()]
        return "", plain_pytest(python, scratch, project, timeout, path, memory_limit_mb)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def plain_agrees(verdict: str, got: Run, waited_s: float = 0.0) -> bool:
    """Whether plain pytest's run `got` is what `verdict` claims; `waited_s`: how long breakit
    ran the mutant (a Timeout's run, stopped at its timeout)."""
    if got.out_of_memory:
        # The test process died: a failed run (README, verdicts); or, after breakit had already
        # stopped the mutant at its timeout, a run that went on past it (a Timeout).
        return verdict == "Killed" or (verdict == "Timeout" and got.seconds >= waited_s)
    if got.rc is None:
        return verdict == "Timeout"
    if got.rc == USAGE_ERROR:
        # pytest stopped before any test: its configuration imports the mutated code
        # (RuntimeError, CompileError), or a conftest.py it loads first raised (Killed, the
        # conftest named as pytest names it). A test's catch or a hang cannot end so.
        return verdict in ("Killed", "CompileError", "RuntimeError")
    return (got.rc != 0) == (verdict in FAILS)


def describe(got: Run) -> str:
    if got.out_of_memory:
        return f"ran out of memory (breakit's ceiling) after {got.seconds:.0f}s"
    if got.rc is None:
        return f"timed out after {got.seconds:.0f}s"
    return f"exit {got.rc}: {last_line(got.out).strip('= ')}"


def failed_tests(out: str) -> str:
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
    return ", ".join(failed[:5]) + (f" (+{len(failed) - 5})" if len(failed) > 5 else "")
