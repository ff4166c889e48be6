"""breakit.learner.tree: a breakage written into a real folder, and reset byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from breakit.core.errors import RefusedError
from breakit.core.model import Mutant
from breakit.learner.tree import FileState, Tree


def mutant(mutant_id: str, root: Path, changes: dict[str, str | None]) -> Mutant:
    originals = {rel: (root / rel).read_text(encoding="utf-8") for rel in changes}
    return Mutant(id=mutant_id, origin="mutation", title="t", changes=changes, originals=originals)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    # CRLF and no final newline: reset must give back these exact bytes.
    (tmp_path / "pkg" / "a.py").write_bytes(b"def f():\r\n    return 1")
    (tmp_path / "pkg" / "b.py").write_bytes(b"X = 2\n")
    (tmp_path / "conftest.py").write_bytes(b"import pytest\n")
    return tmp_path


def test_write_then_reset_restores_the_exact_bytes_and_keeps_other_edits(root: Path) -> None:
    tree = Tree(root)
    before = (root / "pkg" / "a.py").read_bytes()
    tree.write(mutant("one", root, {"pkg/a.py": "def f():\n    return 2\n", "conftest.py": None}))
    assert (root / "pkg" / "a.py").read_text() == "def f():\n    return 2\n"
    assert not (root / "conftest.py").exists()
    assert [w.id for w in tree.status()] == ["one"]
    assert tree.written("one").untouched
    (root / "pkg" / "b.py").write_bytes(b"X = 3  # the learner's own edit\n")
    assert tree.reset("one") == []
    assert (root / "pkg" / "a.py").read_bytes() == before
    assert (root / "conftest.py").read_bytes() == b"import pytest\n"
    assert (root / "pkg" / "b.py").read_bytes() == b"X = 3  # the learner's own edit\n"
    assert tree.ids() == ()
    assert (root / ".breakit" / ".gitignore").read_text().strip().endswith("*")


def test_file_states_follow_the_learner(root: Path) -> None:
    tree = Tree(root)
    tree.write(mutant("one", root, {"pkg/a.py": "def f():\n    return 2\n"}))
    (root / "pkg" / "a.py").write_bytes(b"def f():\n    return 3\n")
    assert tree.written("one").files[0].state is FileState.EDITED
    (root / "pkg" / "a.py").write_bytes(b"def f():\r\n    return 1")
    assert tree.written("one").files[0].state is FileState.RESTORED
    assert tree.written("one").fixed


def test_reset_refuses_to_overwrite_edits_unless_asked_and_keeps_a_copy(root: Path) -> None:
    tree = Tree(root)
    tree.write(mutant("one", root, {"pkg/a.py": "def f():\n    return 2\n"}))
    partial = b"def f():\n    return 2  # half fixed\n"
    (root / "pkg" / "a.py").write_bytes(partial)
    with pytest.raises(RefusedError, match=r"would overwrite your edits to pkg/a\.py"):
        tree.reset("one")
    assert (root / "pkg" / "a.py").read_bytes() == partial
    assert tree.is_written("one")
    assert tree.reset("one", overwrite_edits=True) == ["pkg/a.py"]
    assert (root / "pkg" / "a.py").read_bytes() == b"def f():\r\n    return 1"
    backups = list((root / ".breakit" / "backups").rglob("a.py"))
    assert [b.read_bytes() for b in backups] == [partial]


def test_write_refuses_a_second_breakage_on_the_same_file(root: Path) -> None:
    tree = Tree(root)
    tree.write(mutant("one", root, {"pkg/a.py": "def f():\n    return 2\n"}))
    with pytest.raises(RefusedError, match="already holds the breakage one"):
        tree.write(mutant("two", root, {"pkg/a.py": "def f():\n    return 9\n"}))
    with pytest.raises(RefusedError, match="already written"):
        tree.check_writable("one")
    tree.write(mutant("three", root, {"pkg/b.py": "X = 0\n"}))  # another file is fine
    assert tree.ids() == ("one", "three")
    assert tree.clean_changes("three") == {"pkg/b.py": "X = 2\n"}
    assert tree.broken_changes("three") == {"pkg/b.py": "X = 0\n"}


def test_a_fixed_breakage_can_be_written_again(root: Path) -> None:
    tree = Tree(root)
    tree.write(mutant("one", root, {"pkg/a.py": "def f():\n    return 2\n"}))
    (root / "pkg" / "a.py").write_bytes(b"def f():\r\n    return 1")  # the learner's fix
    tree.write(mutant("one", root, {"pkg/a.py": "def f():\n    return 2\n"}))
    assert (root / "pkg" / "a.py").read_text() == "def f():\n    return 2\n"
    assert tree.written("one").untouched
    assert tree.reset("one") == []
    assert (root / "pkg" / "a.py").read_bytes() == b"def f():\r\n    return 1"
