"""Each exercise's progress, as rustlings shows it: kept in `.breakit/progress.json`.

The state of an exercise is derived from what the learner did (ran it, predicted, wrote it into
the tree, fixed it, wrote a test for it) and from the tree itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from breakit.store.gateway import read_state_json, remove_state_file, write_state_json

PROGRESS_FILE = "progress.json"


class ExerciseState(StrEnum):
    """Where the learner is with one exercise, best news last."""

    NOT_TRIED = "not tried"
    SURVIVED = "survived"
    WRITTEN = "written, not yet fixed"
    CAUGHT = "caught"
    PREDICTED_RIGHT = "predicted right"
    FIXED = "fixed"


DETECTED = ("Killed", "Timeout")


class Progress:
    """The learner's record per exercise id; every method writes through to the file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def all(self) -> dict[str, dict[str, Any]]:
        data = read_state_json(self.root, PROGRESS_FILE)
        return data if isinstance(data, dict) else {}

    def get(self, exercise_id: str) -> dict[str, Any]:
        return dict(self.all().get(exercise_id) or {})

    def update(self, exercise_id: str, **fields: Any) -> dict[str, Any]:
        data = self.all()
        entry = dict(data.get(exercise_id) or {})
        entry.update(fields)
        data[exercise_id] = entry
        write_state_json(self.root, PROGRESS_FILE, data)
        return entry

    def record_run(
        self, exercise_id: str, verdict: str, prediction: Mapping[str, Any] | None = None
    ) -> None:
        fields: dict[str, Any] = {"tried": True, "verdict": verdict}
        if prediction is not None:
            fields["prediction"] = dict(prediction)
        self.update(exercise_id, **fields)

    def clear(self) -> bool:
        """Forget all progress; True if there was any."""
        return remove_state_file(self.root, PROGRESS_FILE)


def exercise_state(
    entry: Mapping[str, Any] | None, *, written: bool = False, restored: bool = False
) -> ExerciseState:
    """One exercise's state from the learner's record of it and from the tree.

    `written`: the breakage is in the tree; `restored`: its files are back to the originals.
    Runs of `breakit check` are not the learner's: only what the learner did counts.
    """
    entry = entry or {}
    if written and not restored and not entry.get("fixed"):
        return ExerciseState.WRITTEN
    if entry.get("fixed") or (written and restored):
        return ExerciseState.FIXED
    verdict = entry.get("verdict")
    if verdict is None:
        return ExerciseState.NOT_TRIED
    if verdict in DETECTED and (entry.get("prediction") or {}).get("exact"):
        return ExerciseState.PREDICTED_RIGHT
    return ExerciseState.CAUGHT if verdict in DETECTED else ExerciseState.SURVIVED


def progress_counts(states: Iterable[ExerciseState]) -> dict[ExerciseState, int]:
    counts = dict.fromkeys(ExerciseState, 0)
    for state in states:
        counts[state] += 1
    return counts


def progress_line(states: Iterable[ExerciseState], width: int = 20) -> str:
    """`[#####---------------] 4/15 tried · 2 predicted right · 1 fixed` (plain text)."""
    states = list(states)
    counts = progress_counts(states)
    total = len(states)
    tried = total - counts[ExerciseState.NOT_TRIED]
    filled = round(width * tried / total) if total else 0
    bar = "#" * filled + "-" * (width - filled)
    parts = [f"{tried}/{total} tried"]
    for state in (ExerciseState.PREDICTED_RIGHT, ExerciseState.FIXED, ExerciseState.WRITTEN):
        if counts[state]:
            parts.append(f"{counts[state]} {state.value}")
    return f"[{bar}] " + " · ".join(parts)
