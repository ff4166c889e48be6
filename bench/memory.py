"""Peak memory of a process tree, for the benchmark's rows: every process counted, none twice.

A forked worker shares its parent's pages until it writes them, so adding up RSS counts the
shared pages once per process and overstates a forking tool (breakit and mutmut both fork).
PSS (proportional set size, /proc/PID/smaps_rollup) splits each shared page between the
processes that map it: the sum over a tree is the memory the tree holds. Sampled every 0.1 s;
a process that lives less than that can be missed, so the figure is a lower bound on the peak.
Linux only (/proc); elsewhere the peak is None.

As a command, it runs one and says what held the memory at its peak, process by process:

    python -m bench.memory CMD [ARGS...]
    python -m bench.memory breakit check --generated -q --no-cache
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

_PROC = Path("/proc")


def _children() -> dict[int, list[int]]:
    """Parent pid → its children's pids, from /proc/*/stat."""
    found: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields follow the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        found.setdefault(int(fields[1]), []).append(int(entry.name))
    return found


def _pss_kb(pid: int) -> int:
    try:
        text = (_PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_pss_mb(root: int, *, include_root: bool = True) -> float:
    """The PSS of `root` and every process descended from it, in MB."""
    children = _children()
    todo, total = [root], 0
    seen = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        if pid != root or include_root:
            total += _pss_kb(pid)
        todo.extend(children.get(pid, ()))
    return total / 1024


class PeakMemory:
    """`with PeakMemory(pid) as peak: ...`, then `peak.mb`: the highest tree PSS sampled."""

    def __init__(self, root: int | None = None, *, include_root: bool = True) -> None:
        self.root = os.getpid() if root is None else root
        self.include_root = include_root
        self.mb: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while True:
            now = tree_pss_mb(self.root, include_root=self.include_root)
            self.mb = now if self.mb is None else max(self.mb, now)
            if self._stop.wait(0.1):
                return

    def __enter__(self) -> PeakMemory:
        if _PROC.is_dir():
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def _command_line(pid: int) -> str:
    try:
        return (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:100]
    except OSError:
        return "?"


def _tree(root: int) -> list[tuple[int, int, str]]:
    """(pid, PSS kB, command line) of `root` and its descendants."""
    children = _children()
    todo, rows, seen = [root], [], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        rows.append((pid, _pss_kb(pid), _command_line(pid)))
        todo.extend(children.get(pid, ()))
    return rows


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    started = time.perf_counter()
    proc = subprocess.Popen(argv)
    peak: list[tuple[int, int, str]] = []
    peak_at = 0.0
    while proc.poll() is None:
        rows = _tree(proc.pid)
        if sum(r[1] for r in rows) > sum(r[1] for r in peak):
            peak, peak_at = rows, time.perf_counter() - started
        time.sleep(0.1)
    wall = time.perf_counter() - started
    total = sum(r[1] for r in peak) / 1024
    print(f"exit {proc.returncode}, {wall:.1f} s; peak PSS {total:.0f} MB at {peak_at:.1f} s:")
    for pid, kb, command in peak:
        print(f"  {pid:>8}  {kb / 1024:6.0f} MB  {command}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
