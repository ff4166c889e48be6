"""The workspace: a copy without the clutter, mutants written in and restored byte for byte."""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

from breakit.runners import workspace as workspace_module
from breakit.runners.workspace import Scratch, Workspace


def write(root: Path, files: dict[str, bytes | str]) -> Path:
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
    return root


def snapshot(root: Path) -> dict[str, tuple[str, str | int]]:
    """Every entry under root: a link's target, a file's hash and mode, a folder's presence."""
    found: dict[str, tuple[str, str | int]] = {}
    for path in sorted(root.rglob("*")):
        relpath = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[relpath] = ("link", os.readlink(path))
        elif path.is_dir():
            found[relpath] = ("dir", 0)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[relpath] = (digest, path.stat().st_mode)
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write(
        tmp_path / "proj",
        {
            "pyproject.toml": "[project]\nname = 'proj'\n",
            "pkg/__init__.py": "",
            # CRLF line endings and a byte that is not UTF-8: restored exactly all the same
            "pkg/core.py": b"def f():\r\n    return 1  # \xff\r\n",
            "pkg/build/__init__.py": "# a source package that happens to be called build\n",
            "tests/test_core.py": "from pkg.core import f\n\ndef test_f():\n    assert f() == 1\n",
            "pkg/__pycache__/core.cpython-311.pyc": b"\x00stale",
            "pkg/old.pyc": b"\x00stale",
            ".git/HEAD": "ref: refs/heads/main\n",
            ".venv/pyvenv.cfg": "home = /usr\n",
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/site.py": "",
            "build/lib/pkg/core.py": "",
            "dist/proj.whl": "",
            "proj.egg-info/PKG-INFO": "",
            ".pytest_cache/README.md": "",
            ".breakit/last.json": "{}",
            "data/big.sqlite": "",
        },
    )
    (root / "pkg" / "core.py").chmod(0o640)
    (root / "pkg" / "alias.py").symlink_to("core.py")
    return root


def test_copy_leaves_out_clutter_and_keeps_links(project: Path) -> None:
    with Workspace(project, ignore=("*.sqlite",)) as workspace:
        copied = snapshot(workspace.path)
        assert workspace.path != project and workspace.path.name == "proj"
    assert set(copied) == {
        "pyproject.toml",
        "pkg",
        "pkg/__init__.py",
        "pkg/core.py",
        "pkg/alias.py",
        "pkg/build",
        "pkg/build/__init__.py",
        "tests",
        "tests/test_core.py",
        "data",
    }
    assert copied["pkg/alias.py"] == ("link", "core.py")
    assert copied["pkg/core.py"] == snapshot(project)["pkg/core.py"]


def test_the_copy_is_removed_on_exit_even_after_ctrl_c(project: Path) -> None:
    with Workspace(project) as workspace:
        path = workspace.path
    assert not path.exists()
    with pytest.raises(KeyboardInterrupt), Workspace(project) as workspace:
        path = workspace.path
        raise KeyboardInterrupt
    assert not path.exists() and not path.parent.exists()
    with pytest.raises(RuntimeError, match="not open"):
        _ = workspace.path


def test_mutated_writes_changes_and_restores_exact_bytes(project: Path) -> None:
    user_tree = snapshot(project)
    with Workspace(project) as workspace:
        before = snapshot(workspace.path)
        core = workspace.path / "pkg" / "core.py"
        mtime = core.stat().st_mtime_ns
        changes = {
            "pkg/core.py": "def f():\n    return 2\n",
            "tests/test_core.py": None,  # deleted
            "pkg/extra/new.py": "created = True\n",  # a new file in a new folder
        }
        with workspace.mutated(changes) as root:
            assert root == workspace.path
            assert core.read_text() == "def f():\n    return 2\n"
            assert not (root / "tests" / "test_core.py").exists()
            assert (root / "pkg" / "extra" / "new.py").read_text() == "created = True\n"
        assert snapshot(workspace.path) == before
        assert core.read_bytes() == b"def f():\r\n    return 1  # \xff\r\n"
        assert core.stat().st_mtime_ns == mtime
    assert snapshot(project) == user_tree  # the user's files were never touched


def test_each_mutant_file_gets_a_modification_time_no_bytecode_has(project: Path) -> None:
    """A .pyc is keyed on its source's size and modification time in whole seconds: two
    mutants of one size written within a second would share it. Every write gets a second of
    its own, never the original's, and the original's exact time comes back."""
    with Workspace(project) as workspace:
        core = workspace.path / "pkg" / "core.py"
        original = core.stat().st_mtime_ns
        seconds = {original // 1_000_000_000}
        for value in ("2", "3", "4"):  # the same size each time, within one second
            with workspace.mutated({"pkg/core.py": f"def f():\n    return {value}\n"}):
                seconds.add(core.stat().st_mtime_ns // 1_000_000_000)
            assert core.stat().st_mtime_ns == original
        assert len(seconds) == 4


def test_restores_after_an_exception_and_serves_many_mutants(project: Path) -> None:
    with Workspace(project) as workspace:
        before = snapshot(workspace.path)
        with pytest.raises(ZeroDivisionError), workspace.mutated({"pkg/core.py": "broken"}):
            1 / 0  # noqa: B018
        assert snapshot(workspace.path) == before
        for n in range(3):
            with workspace.mutated({"pkg/core.py": f"value = {n}\n"}) as root:
                assert (root / "pkg" / "core.py").read_text() == f"value = {n}\n"
            assert snapshot(workspace.path) == before


def test_a_symlinked_file_is_replaced_not_written_through(project: Path) -> None:
    with Workspace(project) as workspace:
        before = snapshot(workspace.path)
        with workspace.mutated({"pkg/alias.py": "alias = 'mutated'\n"}) as root:
            assert not (root / "pkg" / "alias.py").is_symlink()
            assert (root / "pkg" / "core.py").read_bytes() == (project / "pkg/core.py").read_bytes()
        assert snapshot(workspace.path) == before


@pytest.mark.parametrize("relpath", ["../escape.py", "pkg/../../escape.py", "/tmp/escape.py", ""])
def test_paths_outside_the_root_are_refused(project: Path, relpath: str) -> None:
    with Workspace(project) as workspace:
        before = snapshot(workspace.path)
        with pytest.raises(ValueError), workspace.mutated({"pkg/core.py": "x", relpath: "x"}):
            pass
        assert snapshot(workspace.path) == before  # nothing was written, not even pkg/core.py
    assert not (project.parent / "escape.py").exists()


def test_a_symlinked_folder_cannot_lead_out_of_the_copy(project: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"secret.py": "keep = True\n"})
    (project / "linked").symlink_to(outside, target_is_directory=True)
    with (
        Workspace(project) as workspace,
        pytest.raises(ValueError, match="symlink"),
        workspace.mutated({"linked/secret.py": "keep = False\n"}),
    ):
        pass
    assert (outside / "secret.py").read_text() == "keep = True\n"


def test_one_mutant_at_a_time(project: Path) -> None:
    with (
        Workspace(project) as workspace,
        workspace.mutated({"pkg/core.py": "a = 1\n"}),
        pytest.raises(RuntimeError, match="one at a time"),
        workspace.mutated({}),
    ):
        pass


def _owned_by_a_killed_process(folder: Path, prefix: str) -> Path:
    """A Scratch made by another process, which is then killed with SIGKILL (no cleanup)."""
    import signal
    import subprocess
    import sys

    code = (
        "import sys, time\n"
        "from breakit.runners.workspace import Scratch\n"
        f"print(Scratch({prefix!r}, folder=sys.argv[1]).path, flush=True)\n"
        "time.sleep(60)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    path = Path(owner.stdout.readline().strip())
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    return path


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="owner markers need flock")
def test_sweep_removes_only_folders_whose_owner_is_dead(tmp_path: Path) -> None:
    from breakit.runners.workspace import OWNER_MARKER, Scratch, sweep_stale

    dead = _owned_by_a_killed_process(tmp_path, "breakit-ws-")
    assert (dead / OWNER_MARKER).read_text().strip().isdigit()
    live = Scratch("breakit-run-", folder=tmp_path)  # this process lives: never swept
    unmarked = tmp_path / "breakit-1000"  # e.g. the warm pools' socket folder: no marker
    unmarked.mkdir()
    other = tmp_path / "someone-else"
    other.mkdir()
    (other / OWNER_MARKER).write_text("1\n")  # the marker alone does not make it breakit's
    try:
        assert sweep_stale(tmp_path) == [dead]
        assert not dead.exists()
        assert live.path.is_dir() and unmarked.is_dir() and other.is_dir()
    finally:
        live.remove()
    assert not live.path.exists()
    assert sweep_stale(tmp_path) == []


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="owner markers need flock")
def test_a_workspace_sweeps_what_killed_runs_left_and_owns_its_folder(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from breakit.runners.workspace import OWNER_MARKER, sweep_once

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    left = _owned_by_a_killed_process(scratch, "breakit-worker-")
    sweep_once.cache_clear()
    with Workspace(project) as workspace:
        assert not left.exists()
        folder = workspace.path.parent
        assert folder.name.startswith("breakit-ws-") and (folder / OWNER_MARKER).exists()
        assert [p.name for p in scratch.iterdir()] == [folder.name]
    assert list(scratch.iterdir()) == []


def test_ctrl_c_while_a_scratch_folder_is_made_waits_until_it_is_recorded(tmp_path: Path) -> None:
    # A signal between mkdtemp and the owner's `try` once left a workspace behind after SIGTERM
    # (tests/e2e/test_cli_faults.py): the folder is recorded before the signal is raised.
    made: list[Scratch] = []
    original_mkdtemp = tempfile.mkdtemp

    def mkdtemp_then_ctrl_c(*args: Any, **kwargs: Any) -> str:
        path = original_mkdtemp(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)  # Ctrl-C right after the folder exists
        return path

    # Python's own Ctrl-C handler, whatever this process inherited (a background job ignores
    # SIGINT, as CI's runs do).
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(tempfile, "mkdtemp", mkdtemp_then_ctrl_c)
            with pytest.raises(KeyboardInterrupt):
                made.append(Scratch("breakit-test-", tmp_path))
        handler_after = signal.getsignal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert made == []  # the owner never got it...
    (left,) = tmp_path.iterdir()
    assert any(scratch.path == left for scratch in workspace_module._live)  # ...but it is recorded
    workspace_module._remove_left_scratch()  # what the process's exit does
    assert list(tmp_path.iterdir()) == []
    assert handler_after is signal.default_int_handler  # the handler is back


def test_the_exit_cleanup_removes_only_this_process_folders(tmp_path: Path) -> None:
    scratch = Scratch("breakit-test-", tmp_path)
    try:
        scratch._pid = os.getpid() + 1  # as a forked child sees its parent's folder
        workspace_module._remove_left_scratch()
        assert scratch.path.exists()
    finally:
        scratch.remove()
    assert scratch not in workspace_module._live and not scratch.path.exists()
