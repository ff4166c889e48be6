"""NoCoverage claims settled: from the proof remembered under the same key, or by a proof run that
a worker starts beside the first mutants (breakit.engine.parallel), the claimed mutants waiting.

A mutant no test reaches (TestPlan.reaches_no_test) is reported NoCoverage only once a run of
the suite with a marker on each claimed line (breakit.engine.coverage_proof) saw none of its
lines run. That run takes as long as the suite (6.4 s of pyjwt's 18 s before its first mutant),
and nothing but the claimed mutants depends on it: so it runs as a worker's first job, and the
other mutants start at once. A claimed mutant whose line ran after all then runs the whole
suite; the others are NoCoverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from breakit.core.model import Baseline, Mutant
from breakit.engine.coverage_proof import Claims, Found, no_coverage_claims, proof_note, proof_run
from breakit.engine.selection import WHOLE_SUITE, TestPlan
from breakit.runners.run_spec import Runner
from breakit.runners.workspace import Workspace

if TYPE_CHECKING:
    from breakit.engine.lab import Lab

Plans = list[TestPlan]  # each mutant's, in the lab's order: the proof updates it


@dataclass(frozen=True)
class PendingProof:
    """Claims no remembered proof covers: the proof run a worker owes (`run`)."""

    claims: Claims
    originals: dict[str, str]

    @property
    def indices(self) -> frozenset[int]:
        """The claimed mutants, which wait for the proof."""
        return frozenset(i for claimed in self.claims.values() for i in claimed)

    def run(
        self, lab: Lab, runner: Runner, workspace: Workspace, baseline: Baseline, plans: Plans
    ) -> frozenset[int]:
        """The proof run in `runner` and `workspace`, remembered, then settled into `plans`: the
        claimed mutants it sent to the whole suite."""
        spec = lab.spec(lab.timeout_for(baseline))
        asked = set(self.claims)
        found, error, ran = proof_run(runner, workspace, spec, self.originals, asked)
        lab.proof_runs += ran
        if error is None:
            lab.state.save_proof(lab.sanity_key(baseline), found)
        return settle(lab, self.claims, found, error, plans, cached=False)


def claims_to_prove(
    lab: Lab, mutants: Sequence[Mutant], plans: Plans, baseline: Baseline
) -> PendingProof | None:
    """The run's NoCoverage claims, settled into `plans` at once where the proof run under the
    same key covers them (None then, or when there are none); else the proof the run owes."""
    claims, originals = no_coverage_claims(mutants, plans)
    if not claims:
        return None
    found = lab.state.load_proof(lab.sanity_key(baseline)) if lab.use_cache else None
    if found is None or not set(claims) <= found["asked"]:
        return PendingProof(claims, originals)
    settle(lab, claims, found, None, plans, cached=True)
    return None


def settle(
    lab: Lab, claims: Claims, found: Found, error: str | None, plans: Plans, *, cached: bool
) -> frozenset[int]:
    """What the proof found, into `plans` (a claim whose line ran, or that no marker could stand
    for, or every claim if the proof could not run: the whole suite), JSON `coverage_check` and
    the notes: the mutants sent to the whole suite."""
    asked = set(claims)
    hit = asked if error is not None else found["hit"] & asked
    unchecked = asked - found["checked"] - hit
    lab.coverage_check = {
        "ran": True,
        "lines": len(found["checked"] & asked),
        "hit": [{"path": path, "line": line} for path, line in sorted(hit)],
        "cached": cached,
        "error": error,
    }
    moved: set[int] = set()
    for lines_of, why in ((hit, error), (unchecked, "no marker fits these lines")):
        for path in sorted({path for path, _ in lines_of}):
            lines = {line for p, line in lines_of if p == path}
            sent = {i for line in lines for i in claims[(path, line)]}
            lab.add_note(proof_note(path, len(lines), len(sent), why))
            moved |= sent
    for index in moved:
        plans[index] = WHOLE_SUITE
    return frozenset(moved)
