"""Warm pools (breakit.runners.fork.warm_client): shared by commands, keyed by what they were made
from, and gone
when stopped, idle, or killed. That a warm worker gives the same results as a worker of its own
is tested by running every test of test_engine_forkserver.py with both."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from breakit.core.errors import WarmUnavailable
from breakit.core.model import Outcome
from breakit.runners.fork.client import ForkRunner
from breakit.runners.fork.pool_key import fingerprint, runtime_dir
from breakit.runners.fork.warm_client import WarmPool, pools, stop_pools
from breakit.runners.run_spec import RunSpec
from tests.processes import wait_gone
from tests.project_files import CALC, TEST_ADD, tiny_project

MODULES = ["json"]
PROJECT = ["calc", "tests"]
SPEC = RunSpec(("tests",), timeout_s=60)
NODE = "tests/test_calc.py::test_add"


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    project = tiny_project(tmp_path / "proj", {"calc.py": CALC, "tests/test_calc.py": TEST_ADD})
    yield project
    stop_pools(project)


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])


def run_add(fork: ForkRunner, root: Path) -> Outcome:
    try:
        return fork.run(root, SPEC).outcomes[NODE].outcome
    finally:
        fork.close()


@pytest.mark.slow
def test_commands_share_one_pool_and_each_gets_its_own_worker(root: Path) -> None:
    first, second = (WarmPool(root, MODULES, PROJECT) for _ in range(2))
    one = ForkRunner(MODULES, project=PROJECT, pool=first)
    two = ForkRunner(MODULES, project=PROJECT, pool=second)
    one.start()
    two.start()
    try:
        assert first.started and not second.started
        assert one.stats.warm and two.stats.warm
        (info,) = pools(root)
        assert one.worker_pid != two.worker_pid
        assert parent_of(one.worker_pid) == parent_of(two.worker_pid) == info.pid  # type: ignore[arg-type]
        assert info.workers == 2
    finally:
        one.close()
        two.close()
    assert run_add(ForkRunner(MODULES, project=PROJECT, pool=second), root) is Outcome.MISSED


@pytest.mark.slow
def test_a_command_that_may_not_start_one_uses_a_worker_of_its_own(root: Path) -> None:
    pool = WarmPool(root, MODULES, PROJECT, start=False)
    fork = ForkRunner(MODULES, project=PROJECT, pool=pool)
    assert run_add(fork, root) is Outcome.MISSED
    assert not fork.stats.warm and pool.error
    assert pools(root) == []


def test_what_the_pool_was_made_from_is_its_key() -> None:
    env = {"HOME": "/home/learner", "PWD": "/a", "_": "/usr/bin/breakit"}
    key = fingerprint(MODULES, PROJECT, env)
    # Shell bookkeeping does not change what an import does…
    assert fingerprint(MODULES, PROJECT, {**env, "PWD": "/b", "_": "/bin/x"}) == key
    # …nor do settings pytest and breakit read when a run starts, in the command's environment.
    assert fingerprint(MODULES, PROJECT, {**env, "BREAKIT_WARM": "on"}) == key
    assert fingerprint(MODULES, PROJECT, {**env, "PYTEST_PLUGINS": "trace"}) == key
    # …the environment, the modules to preload and the project's names do.
    assert fingerprint(MODULES, PROJECT, {**env, "SQLALCHEMY_WARN_20": "1"}) != key
    assert fingerprint([*MODULES, "sqlite3"], PROJECT, env) != key
    assert fingerprint(MODULES, ["calc"], env) != key


@pytest.mark.slow
def test_another_environment_starts_another_pool_and_stops_the_old(root: Path) -> None:
    old = WarmPool(root, MODULES, PROJECT)
    old.ensure()
    new = WarmPool(root, MODULES, PROJECT, env={**os.environ, "SOME_LIBRARY_SETTING": "new"})
    assert new.socket_path != old.socket_path
    new.ensure()
    assert [info.socket for info in pools(root)] == [new.socket_path]


@pytest.mark.slow
def test_an_idle_pool_stops_by_itself(root: Path) -> None:
    pool = WarmPool(root, MODULES, PROJECT, idle_s=0.5)
    pid = pool.ensure().pid
    assert wait_gone([pid], pid, within_s=10)
    assert pools(root) == []
    assert not pool.socket_path.exists()
    assert not pool.socket_path.with_suffix(".d").exists()  # its folder, with the breakit shim


@pytest.mark.slow
def test_a_killed_pool_is_replaced(root: Path) -> None:
    pool = WarmPool(root, MODULES, PROJECT)
    pid = pool.ensure().pid
    os.kill(pid, signal.SIGKILL)
    assert wait_gone([pid], pid)
    assert pool.socket_path.exists()  # it could not clean up after itself
    assert pool.socket_path.with_suffix(".d").is_dir()
    again = WarmPool(root, MODULES, PROJECT)
    fork = ForkRunner(MODULES, project=PROJECT, pool=again)
    assert run_add(fork, root) is Outcome.MISSED
    assert fork.stats.warm and again.started
    (info,) = pools(root)
    assert info.pid != pid
    assert stop_pools(root) == 1
    assert wait_gone([info.pid], info.pid)
    assert list(pool.socket_path.parent.glob(pool.socket_path.stem.split("-")[0] + "-*")) == []


@pytest.mark.slow
def test_stop_ends_the_pool_but_not_a_worker_in_use(root: Path) -> None:
    fork = ForkRunner(MODULES, project=PROJECT, pool=WarmPool(root, MODULES, PROJECT))
    fork.start()
    (info,) = pools(root)
    assert stop_pools(root) == 1
    assert wait_gone([info.pid], info.pid)
    try:
        assert fork.run(root, SPEC).outcomes[NODE].outcome is Outcome.MISSED
    finally:
        fork.close()
    assert stop_pools(root) == 0


def test_sockets_live_in_a_folder_only_this_user_can_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(WarmUnavailable, match="no warm pool"):
        runtime_dir(create=False)  # looking for a pool leaves no trace
    assert not (tmp_path / "breakit").exists()
    assert runtime_dir().stat().st_mode & 0o777 == 0o700
    (tmp_path / "breakit").chmod(0o755)
    with pytest.raises(WarmUnavailable, match="not private"):
        runtime_dir()


@pytest.mark.slow
def test_a_worker_takes_the_commands_environment_and_folder(root: Path, tmp_path: Path) -> None:
    pool = WarmPool(root, MODULES, PROJECT)
    info = pool.ensure()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    worker = pool.worker(dict(os.environ), scratch)
    assert worker is not None and worker.alive()
    try:
        assert parent_of(worker.pid) == info.pid
        assert Path(f"/proc/{worker.pid}/cwd").resolve() == scratch.resolve()
    finally:
        worker.stop()
    assert wait_gone([worker.pid], worker.pid)
    # The environment is the command's, not the pool's: what the tests see.
    (root / "tests/test_env.py").write_text(
        "import os\n\ndef test_env():\n    assert os.environ['ONLY_HERE'] == 'yes'\n"
    )
    env = {**os.environ, "ONLY_HERE": "yes"}
    fork = ForkRunner(MODULES, project=PROJECT, pool=pool, env=env)
    try:
        run = fork.run(root, RunSpec(("tests/test_env.py",), timeout_s=60))
    finally:
        fork.close()
    assert fork.stats.warm
    assert run.outcomes["tests/test_env.py::test_env"].outcome is Outcome.MISSED
