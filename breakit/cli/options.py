"""The option sets commands share (filters, the engine's options, report files) and what they
build: each set reaches its command as one value (`filters`, a `Filters`; `engine`, the
`EngineOptions`; `report_files`, the `ReportFiles`), and from the engine's a `Lab`."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from breakit.cli.env import Env
from breakit.core.config import WARM_SETTINGS, Config
from breakit.core.errors import UsageError
from breakit.engine.lab import Lab
from breakit.mutants.mutant_ids import Filters
from breakit.reports.output import ReportFiles
from breakit.runners.factory import BACKENDS, Warm, default_backend

Command = Callable[..., None]
Option = Callable[[Command], Command]


def packed(
    command: Command,
    options: Sequence[Option],
    name: str,
    build: Callable[..., Any],
    fields: Mapping[str, str],
) -> Command:
    """`command` with `options`, which it gets as one value, `name`: what `build` makes of them
    (`fields` maps each option's parameter to `build`'s keyword)."""

    @functools.wraps(command)
    def with_value(*args: Any, **kwargs: Any) -> None:
        values = {field: kwargs.pop(param) for param, field in fields.items()}
        command(*args, **{name: build(**values)}, **kwargs)

    wrapped: Command = with_value
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


class Jobs(click.ParamType):
    """-j: a worker count of 1 or more, or "auto" (None: breakit.engine.worker_count decides)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            return None
        try:
            count = int(value)
        except ValueError:
            count = 0
        if count < 1:
            self.fail(f"{value!r} is neither a worker count of 1 or more nor auto", param, ctx)
        return count


class Duration(click.ParamType):
    """`--max-time`: a duration as `90s`, `30m`, `1h30m` or `2h` (units h, m, s, in that order),
    in seconds; a bad one is a usage error (exit 2)."""

    name = "DURATION"
    _UNITS = (("h", 3600), ("m", 60), ("s", 1))

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, float):
            return value
        seconds = _duration_s(str(value).strip().lower(), self._UNITS)
        if seconds is None or seconds <= 0:
            self.fail(f"{value!r} is not a duration such as 90s, 30m or 1h30m", param, ctx)
        return seconds


def _duration_s(text: str, units: Sequence[tuple[str, int]]) -> float | None:
    """`1h30m` → 5400.0; None unless each unit comes once, in order, with whole numbers."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if not text or match is None:
        return None
    return float(
        sum(int(n) * size for n, (_, size) in zip(match.groups(), units, strict=True) if n)
    )


def filter_options(command: Command) -> Command:
    """Filters on generated mutants, shared by `list` and `check`."""
    options = [
        click.option(
            "--file",
            "files",
            multiple=True,
            metavar="PATH",
            help="Only mutants in this file or folder (repeatable).",
        ),
        click.option(
            "--operator",
            "operators",
            multiple=True,
            metavar="NAME",
            help="Only this operator, or family: generic, web (repeatable; see docs/operators.md).",
        ),
        click.option(
            "--match",
            multiple=True,
            metavar="PATTERN",
            help="Only mutant ids matching this glob, e.g. 'target_app.todos:*' (repeatable).",
        ),
    ]
    # The command gets them as one value, `filters` (a Filters).
    return packed(
        command, options, "filters", Filters, {f: f for f in ("files", "operators", "match")}
    )


def engine_options(command: Command) -> Command:
    """How `apply` and `check` run mutants (docs/architecture.md, "The engine")."""
    options = [
        click.option(
            "--no-cache",
            is_flag=True,
            help="Run everything again: ignore the cached baseline and results in .breakit/.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=Jobs(),
            help="Parallel workers, or auto (the default): one per core, more when the baseline's "
            "tests wait (sleep, I/O) rather than compute (docs/config.md).",
        ),
        click.option(
            "--backend",
            type=click.Choice(BACKENDS),
            help="fork: workers that import the packages once (default where os.fork exists); "
            "subprocess: a fresh pytest per mutant.",
        ),
        click.option(
            "--no-hot",
            is_flag=True,
            help="fork: import the project afresh for every mutant, also for changes inside "
            "function bodies (which otherwise run in a worker that collected the suite once).",
        ),
        click.option(
            "--warm/--no-warm",
            default=None,
            help="fork: fork workers from the project's warm pool, which outlives the command "
            "(default: BREAKIT_WARM, else [tool.breakit] warm; auto starts one only in a "
            "terminal). `breakit warm --help`.",
        ),
        click.option(
            "--no-batch",
            is_flag=True,
            help="Prove each survivor of its covering tests on the whole suite alone, not in "
            'batches of survivors (docs/architecture.md, "Survivor proofs in batches").',
        ),
        click.option(
            "--verify", is_flag=True, help="Check every result against a fresh pytest per mutant."
        ),
    ]

    # The command gets them as one value, `engine` (EngineOptions).
    fields = {name: name for name in EngineOptions.__dataclass_fields__}
    return packed(command, options, "engine", EngineOptions, fields)


@dataclass(frozen=True)
class EngineOptions:
    """`engine_options` as the command line gave them."""

    no_cache: bool = False
    jobs: int | None = None  # None: auto
    backend: str | None = None
    no_hot: bool = False
    warm: bool | None = None
    no_batch: bool = False
    verify: bool = False


def report_options(command: Command) -> Command:
    """The report-file options of `check` and `merge` (docs/reports.md)."""
    path = click.Path(path_type=Path, dir_okay=False)
    options = [
        click.option(
            "--output",
            "output_dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="Write every report into DIR: report.json, report.html, junit.xml, breakit.json, "
            "summary.md.",
        ),
        click.option("--report-json", type=path, help="Write mutation-testing-report-schema JSON."),
        click.option("--html", "html_path", type=path, help="Write the HTML kill-matrix report."),
        click.option(
            "--junit", "junit_path", type=path, help="Write JUnit XML (one case a mutant)."
        ),
    ]
    # The command gets the files as one value, `report_files` (ReportFiles), and `quiet` alone.
    fields = {"output_dir": "output_dir", "report_json": "report_json"}
    fields |= {"html_path": "html", "junit_path": "junit"}
    command = click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")(
        command
    )
    return packed(command, options, "report_files", ReportFiles, fields)


def warm_mode(config: Config, flag: bool | None) -> Warm:
    """The Lab's warm mode: --warm/--no-warm, else BREAKIT_WARM, else [tool.breakit] warm.
    "auto" starts a pool only for a command run in a terminal; elsewhere (CI, scripts) it uses
    one that is already running, and never leaves a process behind."""
    if flag is not None:
        return Warm.ON if flag else Warm.OFF
    setting = os.environ.get("BREAKIT_WARM", "").strip().lower() or config.warm
    if setting not in WARM_SETTINGS:
        raise UsageError(
            f"BREAKIT_WARM is {setting!r}", hint=f"set it to one of {', '.join(WARM_SETTINGS)}"
        )
    if setting == "auto":
        interactive = sys.stdin.isatty() and sys.stderr.isatty()
        return Warm.ON if interactive else Warm.IF_RUNNING
    return Warm(setting)


def make_lab(
    env: Env,
    engine: EngineOptions,
    *,
    reuse_results: bool = True,
    first_catch: bool = False,
    max_time_s: float | None = None,
) -> Lab:
    """The Lab for a command: its engine options, the config's warm setting and the command's
    start time (`max_time_s` counts from it), all through the constructor."""
    return Lab(
        env.config,
        backend=engine.backend or default_backend(),
        first_catch=first_catch,
        use_cache=not engine.no_cache,
        jobs=engine.jobs,
        verify=engine.verify,
        reuse_results=reuse_results,
        hot=not engine.no_hot,
        batch_proofs=not engine.no_batch,
        started=env.started,
        max_time_s=max_time_s,
        warm=warm_mode(env.config, engine.warm),
        warm_idle_s=env.config.warm_idle_minutes * 60,
    )
