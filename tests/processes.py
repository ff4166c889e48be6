"""Processes and process groups read from /proc: for the tests that check nothing is left."""

from __future__ import annotations

import time
from pathlib import Path

# A test module whose second test starts a child that would outlive it, writes both pids to the
# file $PIDS_FILE names, then hangs.
HANGING = """
import os
import subprocess
import sys
import time
from pathlib import Path


def test_quick():
    pass


def test_hangs():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    Path(os.environ["PIDS_FILE"]).write_text(f"{os.getpid()} {child.pid}")
    time.sleep(60)


def test_never_reached():
    pass
"""


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in a process group, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, group = stat.rpartition(")")[2].split()[:3]
        if int(group) == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], pgid: int, within_s: float = 3.0) -> bool:
    """Whether, within `within_s`, every one of `pids` and every member of group `pgid` is gone."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not group_members(pgid) and not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False
