"""The breakit shim: a folder holding only `breakit` (a link to this package), put on a test
process's path so it imports breakit from where this process found it, never from the project.

It holds nothing else, so it cannot shadow any of the project's own modules, whether breakit is
installed where the tests run or not.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import breakit
from breakit.runners.workspace import remove_tree

PACKAGE = Path(breakit.__file__).resolve().parent  # breakit's own folder


def make_shim(folder: Path) -> Path:
    """`folder/shim`, holding the link `breakit` → this package; the folder to put on the path."""
    shim = folder / "shim"
    shim.mkdir()
    (shim / "breakit").symlink_to(PACKAGE, target_is_directory=True)
    return shim


def remove_with_shim(folder: Path) -> None:
    """Remove `folder`, unlinking its shim's link first: breakit's package must stay, even when
    removing a read-only entry makes remove_tree chmod what it meets."""
    with contextlib.suppress(OSError):
        (folder / "shim" / "breakit").unlink()
    remove_tree(folder)
