"""What `Lab.run` returns: the kill matrix and the facts of the run that made it (`RunOutcome`).

The workers, the trials and the NoCoverage proof hand their counts back as values
(`RunStats`, `ProofFacts`); the lab gathers them here once the run is over, and the CLI reads
them from here (JSON `run`, `coverage_check`, `verify`; the notes on stderr), never from the Lab.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from breakit.core.errors import EngineMismatchError
from breakit.core.model import KillMatrix
from breakit.engine.oracle import Verification
from breakit.runners.run_spec import RunStats

# JSON `coverage_check` of a run that needed no NoCoverage proof.
NO_PROOF: Mapping[str, Any] = {"ran": False, "lines": 0, "hit": []}


@dataclass(frozen=True)
class ProofFacts:
    """What the NoCoverage proof found (from a run, or remembered): JSON `coverage_check`, the
    notes it leaves (claims sent to the whole suite, and why), the proof runs it took."""

    coverage_check: Mapping[str, Any] = field(default_factory=lambda: dict(NO_PROOF))
    notes: tuple[str, ...] = ()
    runs: int = 0


@dataclass(frozen=True)
class RunFacts:
    """How the run went, besides its verdicts."""

    stats: RunStats = field(default_factory=RunStats)  # every runner's counts, summed
    sanity_runs: int = 0  # forced-fail runs (none when one passed under the same key)
    proof: ProofFacts = field(default_factory=ProofFacts)
    verification: Verification | None = None  # what `--verify` found
    timing: Mapping[str, float | None] = field(default_factory=dict)  # JSON `run.timing`

    @property
    def coverage_check(self) -> Mapping[str, Any]:
        return self.proof.coverage_check

    @property
    def notes(self) -> tuple[str, ...]:
        return self.proof.notes


@dataclass(frozen=True)
class RunOutcome:
    matrix: KillMatrix
    facts: RunFacts


class VerifyMismatch(EngineMismatchError):
    """`--verify` found the fast engine and the oracle disagree: the error (exit 70), with the
    run's outcome, what the oracle found in its facts, for the JSON document that says which
    verdicts and why."""

    def __init__(self, error: EngineMismatchError, outcome: RunOutcome) -> None:
        super().__init__(error.message, hint=error.hint)
        self.outcome = outcome
