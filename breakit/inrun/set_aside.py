"""The user's pytest plugins and options that would fight breakit's engine, set aside in every run
breakit makes (the baseline, each mutant, the oracle), and the one line that says so.

breakit runs the suite as the user configured it (`addopts`, the plugins installed) minus what
competes with its own engine:

- pytest-cov (`--cov`): breakit records per-test coverage itself; two coverage.py tracers in one
  process fight ("Expected current collector to be …"), and a coverage report of a mutant means
  nothing. Set as `--no-cov` would, before pytest-cov starts its tracer.
- pytest-xdist (`-n`, `--dist`, `--tx`): breakit parallelises across mutants; xdist would fork
  more processes per mutant, and its workers' tests are invisible to breakit's recorder. As `-n 0`.
- pytest-randomly: tests run in file order, so verdicts repeat (unregistered, as `-p no:randomly`
  does, but after its options are parsed: a `--randomly-seed` in addopts stays valid).
- pytest-random-order: the same.
- `--lf`, `--ff`, `--nf`, `--sw` (pytest's cache): they pick or reorder tests from an earlier run.
- pytest-rerunfailures' `--reruns` (or its ini `reruns`): a mutant's failing test fails every
  time, so each rerun only multiplies its cost (with `--reruns-delay`, past the mutant's timeout:
  found on itsdangerous, 39 Killed mutants turned Timeout). Like every mutation tester, breakit
  assumes the suite gives the same result when run twice; a test marked `flaky` keeps its reruns.
- `-x`, `--maxfail`: every test a mutant runs must run, for the kill matrix (first-catch mode
  stops by itself).
- pytest-benchmark's timing rounds (`--benchmark-disable`: each benchmarked function runs once):
  they rerun a function hundreds of times per test, and no verdict depends on their timings —
  unless `--benchmark-compare-fail` makes them, or `--benchmark-only` asks for nothing else.
- Hypothesis's example database: a fresh one per run (`fresh_hypothesis_home`), so a failing
  example saved under one mutant is not replayed under the next, which plain pytest never would.
- pytest-django's `--reuse-db`: every breakit test process has a test database of its own
  (breakit.inrun.django_db), named after its workspace; kept, they would pile up on the database
  server, one per worker and run, and a kept one carries a mutant's schema to the next run.

pytest-timeout, pytest-asyncio, pytest-mock and the rest run as configured: they decide what plain
pytest does with a mutant, and breakit's verdict is a claim about that.

This module runs inside the test process (breakit.inrun.pytest_plugin calls it from hook wrappers,
which run before any other plugin's implementation of the same hook), so it needs nothing but
pytest.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# Whether a note concerns this suite, from its collected tests (None: it always does): a plugin
# that is merely installed (pytest-benchmark, Hypothesis) is not worth a line.
Concerns = Callable[[Sequence[pytest.Item]], bool] | None

# The notes of what was set aside in this run, for the recorder's `set_aside` record.
_NOTES_KEY = pytest.StashKey[list[tuple[str, Concerns]]]()


def _note(config: pytest.Config, note: str, concerns: Concerns = None) -> None:
    notes = config.stash.setdefault(_NOTES_KEY, [])
    if all(note != known for known, _ in notes):
        notes.append((note, concerns))


def notes(config: pytest.Config, items: Sequence[pytest.Item]) -> list[str]:
    """What was set aside in this run that concerns the suite collected as `items`."""
    return [
        note
        for note, concerns in config.stash.get(_NOTES_KEY, [])
        if concerns is None or concerns(items)
    ]


def _uses_benchmark(items: Sequence[pytest.Item]) -> bool:
    return any("benchmark" in getattr(item, "fixturenames", ()) for item in items)


def _uses_hypothesis(items: Sequence[pytest.Item]) -> bool:
    return any(getattr(getattr(item, "obj", None), "is_hypothesis_test", False) for item in items)


def before_conftests(config: pytest.Config) -> None:
    """From `pytest_load_initial_conftests`, before pytest-cov's own (tryfirst) implementation:
    the options parsed so far live in `known_args_namespace`, which pytest-cov reads."""
    known = config.known_args_namespace
    if getattr(known, "cov_source", None) and not getattr(known, "no_cov", False):
        known.no_cov = True
        _note(config, "pytest-cov's --cov (breakit records coverage itself)")


def before_main(config: pytest.Config) -> None:
    """From `pytest_cmdline_main`, before pytest-xdist's (tryfirst) implementation and before any
    plugin's `pytest_configure`: every option is parsed into `config.option`."""
    option = config.option
    if _distributes(option):
        option.numprocesses = 0
        option.dist = "no"
        option.tx = []
        if hasattr(option, "distload"):
            option.distload = False
        _note(config, "pytest-xdist's -n (breakit runs mutants in parallel itself)")
    manager = config.pluginmanager
    for name, label, asked in _SHUFFLERS:
        plugin = manager.get_plugin(name)
        if plugin is not None:
            manager.unregister(plugin, name)
            # Installed is enough to shuffle, but only a run the user configured is worth a line:
            # file order is breakit's documented way, and `apply` says so under its table.
            if asked(option):
                _note(config, f"{label}'s shuffling (tests run in file order)")
    picked = []
    for attr, flag in _CACHE_PICKS:
        if getattr(option, attr, False):
            setattr(option, attr, False)
            picked.append(flag)
    if picked:
        _note(config, f"{'/'.join(picked)} (they pick or reorder tests from an earlier run)")
    if _reruns(config):
        option.reruns = 0  # a value on the command line wins over the ini's `reruns`
        if getattr(option, "force_reruns", None) is not None:
            option.force_reruns = None
        _note(config, "pytest-rerunfailures' --reruns (a mutant's failing test fails every time)")
    if getattr(option, "maxfail", 0):
        option.maxfail = 0
        _note(config, "-x/--maxfail (every test of a mutant runs)")
    if _benchmarks(option):
        option.benchmark_disable = True
        _note(
            config,
            "pytest-benchmark's timing rounds (each benchmarked function runs once)",
            _uses_benchmark,
        )
    if getattr(option, "reuse_db", False):
        option.reuse_db = False
        _note(
            config, "pytest-django's --reuse-db (each test process creates its own test database)"
        )
    if manager.has_plugin("hypothesispytest"):
        fresh_hypothesis_home()
        _note(config, "Hypothesis's example database (a fresh one per run)", _uses_hypothesis)


# Plugins that shuffle the tests: their registered name, what the user knows them as, and whether
# the user's options ask for something particular of them (a seed, a bucket).
_SHUFFLERS: tuple[tuple[str, str, Callable[[object], bool]], ...] = (
    ("randomly", "pytest-randomly", lambda o: getattr(o, "randomly_seed", "default") != "default"),
    (
        "random_order",
        "pytest-random-order",
        lambda o: bool(
            getattr(o, "random_order", False)
            or getattr(o, "random_order_bucket", None)
            or getattr(o, "random_order_seed", None)
        ),
    ),
)

# `config.option` attributes of pytest's cache plugin and stepwise, and the flag a user writes.
_CACHE_PICKS = (
    ("lf", "--lf"),
    ("failedfirst", "--ff"),
    ("newfirst", "--nf"),
    ("stepwise", "--sw"),
    ("stepwise_skip", "--sw-skip"),
)


def _distributes(option: object) -> bool:
    """Would pytest-xdist (if loaded: it defines these options) distribute the tests?"""
    return bool(
        getattr(option, "numprocesses", None)
        or getattr(option, "tx", None)
        or getattr(option, "distload", False)
        or getattr(option, "dist", "no") not in ("no", None)
    )


def _reruns(config: pytest.Config) -> bool:
    """Would pytest-rerunfailures (if loaded) rerun every failing test (its option, its ini
    `reruns`, `--force-reruns`)? A `flaky` marker on a test is left alone: that test is known to
    fail by chance, and plain pytest reruns it."""
    option = config.option
    if not hasattr(option, "reruns"):
        return False
    if option.reruns or getattr(option, "force_reruns", None):
        return True
    if option.reruns is not None:
        return False
    try:
        return bool(int(config.getini("reruns") or 0))
    except (TypeError, ValueError):
        return False


def _benchmarks(option: object) -> bool:
    """Would pytest-benchmark (if loaded) time its benchmarks with no verdict depending on it?"""
    if getattr(option, "benchmark_disable", None) is not False:
        return False  # not loaded, or already disabled
    return not (
        getattr(option, "benchmark_only", False)
        or getattr(option, "benchmark_enable", False)
        or getattr(option, "benchmark_compare_fail", None)
    )


def fresh_hypothesis_home() -> None:
    """Point Hypothesis's storage (its example database) at a folder in this run's own temporary
    folder, which dies with the run: breakit sets TMPDIR per run, and a hot mutant's child calls
    this again (breakit.runners.fork.child.child_setup). Hypothesis reads the environment variable
    when it first needs storage; once it has, only its setter moves it."""
    home = Path(tempfile.gettempdir()) / "hypothesis"
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(home)
    configuration = sys.modules.get("hypothesis.configuration")
    if configuration is not None:
        configuration.set_hypothesis_home_dir(home)
