"""One triage run of some tests in a copy of the project with instrumented files, a plugin
loaded (the triage's recorder, the follow run's), and the tests of a round split in parts of
about the same time, run side by side (`PluginRuns`, for runs that follow a plan)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from breakit.runners.run_spec import RunSpec
from breakit.runners.subprocess_runner import SubprocessRunner
from breakit.runners.workspace import Workspace

# Each survivor's own tests, once more, with probes in them: more time than the mutant's run.
TIMEOUT_FACTOR = 3.0

SpecFor = Callable[[tuple[str, ...]], RunSpec]


def split_tests(
    tests: tuple[str, ...], parts: int, durations: Mapping[str, float]
) -> list[tuple[str, ...]]:
    """`tests` in up to `parts` runs of about the same time (the longest first, each to the part
    with the least so far), each in the tests' order; none for no test."""
    if not tests:
        return []
    count = min(parts, len(tests))
    loads = [0.0] * count
    chosen: list[list[str]] = [[] for _ in range(count)]
    for test in sorted(tests, key=lambda t: -durations.get(t, 0.0)):
        lightest = loads.index(min(loads))
        chosen[lightest].append(test)
        loads[lightest] += durations.get(test, 0.0) or 1e-3
    order = {test: index for index, test in enumerate(tests)}
    return [tuple(sorted(part, key=order.__getitem__)) for part in chosen if part]


def run_instrumented(
    workspace: Workspace,
    files: Mapping[str, str],
    selected: tuple[str, ...],
    spec_for: SpecFor,
    out: Path,
    plugin: tuple[str, ...],
    env: Mapping[str, str],
) -> tuple[list[dict[str, Any]], str | None]:
    """`selected` tests run once in `workspace` with the instrumented `files`, `plugin` loaded
    and `env` set: the JSON lines the plugin wrote to `out`, and what went wrong (None: nothing)."""
    spec = spec_for(selected)
    spec = replace(spec, extra_args=(*spec.extra_args, *plugin))
    if spec.timeout_s is not None:
        spec = replace(spec, timeout_s=spec.timeout_s * TIMEOUT_FACTOR)
    runner = SubprocessRunner(env={**os.environ, **env})
    with workspace.mutated(files) as workdir:
        run = runner.run(workdir, spec)
    lines = []
    if out.exists():
        for text in out.read_text(encoding="utf-8").splitlines():
            try:
                lines.append(json.loads(text))
            except json.JSONDecodeError:  # a line cut short by a kill
                continue
    error = "it timed out" if run.timed_out else run.error
    return lines, error.splitlines()[0] if error else None


class PluginRuns:
    """Runs of planned tests under a plugin that reads its plan from the file `env_key` names
    (the follow run's): the copies of the project, made as needed and kept; one run per part,
    side by side, each part's plan written beside its copy."""

    def __init__(
        self,
        stack: contextlib.ExitStack,
        root: Path,
        spec_for: SpecFor,
        jobs: int,
        durations: Mapping[str, float],
        plugin: tuple[str, ...],
        env_key: str,
    ) -> None:
        self.stack, self.root, self.spec_for = stack, root, spec_for
        self.plugin, self.env_key = plugin, env_key
        self.jobs, self.durations = max(1, jobs), durations
        self.workspaces: list[Workspace] = []
        self.runs = 0

    def run(
        self, files: Mapping[str, str], plan: Mapping[str, Any], name: str
    ) -> tuple[dict[str, list[Mapping[str, Any]]], dict[str, str]]:
        """`plan`'s tests run with `files` in: each test's runs, and what went wrong per test."""
        while len(self.workspaces) < min(self.jobs, len(plan)):
            self.workspaces.append(self.stack.enter_context(Workspace(self.root)))
        split = split_tests(tuple(plan), len(self.workspaces), self.durations)
        with ThreadPoolExecutor(max_workers=len(self.workspaces)) as pool:
            pending = [
                pool.submit(self._run_part, ws, files, part, plan, f"{name}-{i}")
                for i, (ws, part) in enumerate(zip(self.workspaces, split, strict=False))
            ]
            done = [p.result() for p in pending]
        by_test: dict[str, list[Mapping[str, Any]]] = {}
        errors: dict[str, str] = {}  # why a test has no runs: the plugin refused it, or the run
        for part, (lines, error) in zip(split, done, strict=False):
            self.runs += 1
            for line in lines:
                if "refused" in line:
                    errors[line["test"]] = line["refused"]
                else:
                    by_test[line["test"]] = line["runs"]
            if error:
                errors.update((t, f"its run went wrong: {error}") for t in part if t not in errors)
        return by_test, errors

    def _run_part(
        self,
        workspace: Workspace,
        files: Mapping[str, str],
        part: tuple[str, ...],
        plan: Mapping[str, Any],
        name: str,
    ) -> tuple[list[dict[str, Any]], str | None]:
        out = workspace.path.parent / f"follow-{name}.jsonl"
        plan_file = workspace.path.parent / f"follow-{name}.json"
        plan_file.write_text(json.dumps({"out": str(out), "tests": {t: plan[t] for t in part}}))
        env = {self.env_key: str(plan_file)}
        return run_instrumented(workspace, files, part, self.spec_for, out, self.plugin, env)
