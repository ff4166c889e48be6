"""`--shard k/n`: a deterministic split of the mutants across CI jobs (the CI matrix runs them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from breakit.core.errors import UsageError
from breakit.core.model import Mutant


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as people count jobs
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index_text, count_text = text.split("/")
            shard = cls(int(index_text), int(count_text))
        except ValueError:
            raise UsageError(
                f"--shard {text!r} is not of the form k/n", hint="e.g. --shard 1/4 … --shard 4/4"
            ) from None
        if not 1 <= shard.index <= shard.count:
            raise UsageError(f"--shard {text!r}: k must be between 1 and n")
        return shard

    def pick(self, mutants: Sequence[Mutant]) -> list[Mutant]:
        """This shard's mutants: every n-th of them sorted by id, so that the shards are the
        same size (±1), each mutant lands in exactly one, and the split does not depend on the
        order the mutants were found in. Every job must see the same mutants (the same commit)."""
        ranked = sorted(range(len(mutants)), key=lambda i: mutants[i].id)
        mine = {i for rank, i in enumerate(ranked) if rank % self.count == self.index - 1}
        return [m for i, m in enumerate(mutants) if i in mine]
