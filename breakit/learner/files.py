"""Small, atomic reads and writes of breakit's own JSON files under `.breakit/`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATE_DIR = ".breakit"
_IGNORE = "# breakit's cache and progress: never committed\n*\n"


def state_dir(root: Path) -> Path:
    """`.breakit/` at the project root, created with its own `.gitignore` (never committed)."""
    folder = Path(root) / STATE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text(_IGNORE)
    return folder


def read_json(path: Path) -> Any:
    """The JSON in `path`, or None when it is missing or unreadable (it is only a cache)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)  # atomic: an interrupted write never leaves half a file
