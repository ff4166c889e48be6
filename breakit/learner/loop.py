"""The learner's loop around `apply` and `list`, as values and records: what the prediction
scores, the progress a run leaves, a breakage written into the tree, each exercise's state.

Nothing here prompts or prints: breakit.cli.learning_loop asks and renders around these.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from breakit.core.config import Config
from breakit.core.errors import UsageError
from breakit.core.model import Mutant, MutantResult, Mutation
from breakit.learner.exercise_progress import ExerciseState, Progress, exercise_state
from breakit.learner.predict import Score, score
from breakit.learner.tree import Tree, Written

MAX_ALONE = 20  # "passes alone" runs one pytest per catching test: bounded


def refuse_written(root: Path, mutation_id: str, *, write: bool) -> None:
    """Refuse early (before any run) what cannot work with the tree as it is."""
    tree = Tree(root)
    if tree.is_written(mutation_id):
        if write:
            tree.check_writable(mutation_id)
        raise UsageError(
            f"{mutation_id} is written in your tree, so the clean code it breaks is not there",
            hint=f"`breakit verify` runs the suite on your tree; `breakit reset {mutation_id}` "
            "takes the breakage out",
        )


def check_writable(root: Path, mutant: Mutant) -> None:
    Tree(root).check_writable(mutant.id, mutant.changes)


def touches_tests(config: Config, mutant: Mutant) -> bool:
    """Does the breakage change the suite itself (a conftest, a test module)?"""
    prefixes = [t.rstrip("/") for t in config.tests if not t.startswith("-")]
    return any(
        path.rpartition("/")[2] == "conftest.py"
        or any(path == p or path.startswith(p + "/") for p in prefixes)
        for path in mutant.changes
    )


def record_run(
    root: Path, mutant: Mutant, result: MutantResult, predicted: frozenset[str] | None
) -> Score | None:
    """The prediction's score (None without one), and the run kept in the learner's progress
    (curated mutations only: they are the exercises)."""
    prediction = score(predicted, result) if predicted is not None else None
    if mutant.mutation is not None:
        Progress(root).record_run(
            mutant.id, result.verdict.value, prediction.to_json() if prediction else None
        )
    return prediction


def write_breakage(root: Path, mutant: Mutant) -> Written:
    """`apply --write`: the breakage left in the tree, and so recorded."""
    written = Tree(root).write(mutant)
    Progress(root).update(mutant.id, written=True, fixed=False)
    return written


def exercise_states(root: Path, mutations: Sequence[Mutation]) -> dict[str, ExerciseState]:
    progress = Progress(root).all()
    tree = Tree(root)
    states = {}
    for mutation in mutations:
        written = tree.is_written(mutation.id)
        restored = written and tree.written(mutation.id).fixed
        states[mutation.id] = exercise_state(
            progress.get(mutation.id), written=written, restored=restored
        )
    return states
