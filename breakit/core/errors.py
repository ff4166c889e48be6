"""The BreakitError family: every failure a user can cause or meet, each with its exit code."""

from collections.abc import Mapping
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    """breakit's exit codes; listed in `breakit --help` and the README. Never renumber."""

    OK = 0  # every mutant run was caught (or the command did what it was asked)
    SURVIVED = 1  # at least one mutant survived
    USAGE = 2  # bad command line: unknown id, bad option (click's own usage errors use 2 too)
    CONFIG = 3  # pyproject.toml / [tool.breakit] missing or invalid
    BASELINE_FAILED = 4  # the suite does not pass on the unmutated code
    MUTATION_BROKEN = 5  # a curated mutation no longer applies to the code, or fails to load
    ANSWER_KEY = 6  # a mutation was caught, but not by the tests its answer key declares
    SCORE_TOO_LOW = 7  # the mutation score is under --fail-under
    REFUSED = 8  # breakit would overwrite edits of yours (apply --write, reset): nothing changed
    # Added in issue 33: a CI job must never be green when it checked nothing.
    NOTHING_CHECKED = 9  # check/merge: the selection (ids, filters, --shard) holds no mutant
    BUDGET_SPENT = 10  # check --max-time: the time ran out with mutants left unchecked
    INTERNAL = 70  # a bug in breakit itself (EX_SOFTWARE); BREAKIT_DEBUG=1 shows the traceback
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), after cleaning up
    TERMINATED = 143  # SIGTERM (128 + SIGTERM: `timeout`, a CI time limit), after cleaning up


class BreakitError(Exception):
    """An error to show as one line (no traceback) and exit with `exit_code`."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self, message: str, *, hint: str | None = None, document: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # With --json: the document the command had made when it failed (`--verify` finding a
        # disagreement), printed with the error in it (breakit.cli.entry, docs/json.md).
        self.document = document


class UsageError(BreakitError):
    exit_code = ExitCode.USAGE


class UnknownMutationError(UsageError):
    pass


class RefusedError(UsageError):
    """breakit will not change the tree: it would lose (or has lost track of) the learner's work."""

    exit_code = ExitCode.REFUSED


class NothingCheckedError(BreakitError):
    """`check` selected no mutant (a `--match` typo, an empty shard) or `merge` was given shards
    holding none: nothing was checked, which must never pass as green. `check --since` finding no
    changed source is not this: that run is green (exit 0)."""

    exit_code = ExitCode.NOTHING_CHECKED


class ConfigError(BreakitError):
    exit_code = ExitCode.CONFIG


class BaselineFailedError(BreakitError):
    exit_code = ExitCode.BASELINE_FAILED


class MutationError(BreakitError):
    """A curated mutation cannot be loaded or no longer matches the code it targets."""

    exit_code = ExitCode.MUTATION_BROKEN


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so every cleanup that Ctrl-C runs runs for it too."""


class ShadowingError(BreakitError):
    """The forced-fail sanity run passed: the tests import another copy of the code."""

    exit_code = ExitCode.CONFIG


class EngineMismatchError(BreakitError):
    """The fast engine and the oracle disagree about a mutant."""

    exit_code = ExitCode.INTERNAL  # a wrong verdict is a bug in breakit, never in the project


class RecorderConflictError(BreakitError):
    """pytest stops in breakit's baseline, and a plain pytest of the same suite passes: breakit's
    own setup (its recorder, a plugin of the user's it did not set aside) failed, not the suite."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, error: str) -> None:
        super().__init__(
            f"pytest stops only when breakit runs it; a plain `python -m pytest` passes: "
            f"{error.splitlines()[0] if error else 'no error text'}",
            hint="breakit's own setup failed, not your suite: please report it with this "
            "line. A plugin of yours may fight breakit's recorder: `-p no:NAME` in "
            "[tool.breakit] pytest_args sets it aside (docs/config.md)",
        )


class WorkerDied(RuntimeError):
    """The fork worker process ended while it had a run to do (killed, or Ctrl-C)."""


class WarmUnavailable(RuntimeError):
    """No warm pool can be used here (no Unix sockets, an unsafe folder, it did not start)."""
