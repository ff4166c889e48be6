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

from breakit.core.model import Mutant
from breakit.engine.coverage_proof import Claims, Found, no_coverage_claims, proof_note, proof_run
from breakit.engine.policy import RunPolicy
from breakit.engine.run_outcome import ProofFacts
from breakit.engine.selection import WHOLE_SUITE, TestPlan
from breakit.runners.run_spec import Runner
from breakit.runners.workspace import Workspace
from breakit.store.gateway import Store

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
        self, policy: RunPolicy, runner: Runner, workspace: Workspace, plans: Plans, store: Store
    ) -> tuple[frozenset[int], ProofFacts]:
        """The proof run in `runner` and `workspace`, remembered in `store`, then settled into
        `plans`: the claimed mutants it sent to the whole suite, and what it found."""
        spec = policy.spec(policy.timeout_for())
        asked = set(self.claims)
        found, error, ran = proof_run(runner, workspace, spec, self.originals, asked)
        if error is None:
            store.save_proof(policy.sanity_key, found)
        moved, facts = settle(self.claims, found, error, plans, cached=False)
        return moved, ProofFacts(facts.coverage_check, facts.notes, runs=ran)


def claims_to_prove(
    policy: RunPolicy, store: Store, mutants: Sequence[Mutant], plans: Plans, *, use_cache: bool
) -> tuple[PendingProof | None, ProofFacts]:
    """The run's NoCoverage claims, settled into `plans` at once where the proof run under the
    same key covers them (no proof owed then, or when there are none; what it found); else the
    proof the run owes."""
    claims, originals = no_coverage_claims(mutants, plans)
    if not claims:
        return None, ProofFacts()
    found = store.load_proof(policy.sanity_key) if use_cache else None
    if found is None or not set(claims) <= found["asked"]:
        return PendingProof(claims, originals), ProofFacts()
    return None, settle(claims, found, None, plans, cached=True)[1]


def settle(
    claims: Claims, found: Found, error: str | None, plans: Plans, *, cached: bool
) -> tuple[frozenset[int], ProofFacts]:
    """What the proof found, into `plans` (a claim whose line ran, or that no marker could stand
    for, or every claim if the proof could not run: the whole suite): the mutants sent to the
    whole suite, and JSON `coverage_check` with the notes."""
    asked = set(claims)
    hit = asked if error is not None else found["hit"] & asked
    unchecked = asked - found["checked"] - hit
    coverage_check = {
        "ran": True,
        "lines": len(found["checked"] & asked),
        "hit": [{"path": path, "line": line} for path, line in sorted(hit)],
        "cached": cached,
        "error": error,
    }
    moved: set[int] = set()
    notes: list[str] = []
    for lines_of, why in ((hit, error), (unchecked, "no marker fits these lines")):
        for path in sorted({path for path, _ in lines_of}):
            lines = {line for p, line in lines_of if p == path}
            sent = {i for line in lines for i in claims[(path, line)]}
            notes.append(proof_note(path, len(lines), len(sent), why))
            moved |= sent
    for index in moved:
        plans[index] = WHOLE_SUITE
    return frozenset(moved), ProofFacts(coverage_check, tuple(dict.fromkeys(notes)))
