"""A fork worker's hot session: the project imported and the suite collected once, then one
forked child per hot mutant that swaps in the mutated functions' code, runs the changed
module-level statements again, and runs its tests.

A fresh child (breakit.runners.fork.child) spends ~0.35 s on the bundled target importing the
project and collecting the suite before its first test; a hot child starts at its first test.
Changes inside function bodies are swapped in (breakit.runners.fork.function_swap), changes at
module level run again (breakit.runners.fork.reexec); what either cannot prove the same as a fresh
import is refused, and the runner runs it fresh. Protocol (breakit.core.wire), after the worker's
SessionRequest: one SessionReply (ready, or refused with why), then for each HotRequest a RunReply
like a fresh run's, or a Fallback (its reason); any other operation, an ErrorReply.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import linecache
import os
import sys
from pathlib import Path
from types import CodeType, ModuleType
from typing import IO

import pytest

from breakit.core.run_records import (
    Collected,
    CollectFailed,
    Finish,
    HotRefused,
    RunRecord,
    first,
    record_line,
)
from breakit.core.wire import (
    ErrorReply,
    Fallback,
    HotRequest,
    RunRequest,
    SessionReply,
    SessionRequest,
    WireError,
    decode_request,
)
from breakit.inrun.pytest_plugin import RecorderPlugin, ordered
from breakit.runners.fork.channel import Channel
from breakit.runners.fork.child import Forker, bytecode_folder, child_setup, enter_workspace
from breakit.runners.fork.function_swap import (
    LiveFunctions,
    NotHot,
    Swap,
    bodies_changed,
    compile_module,
    plan_swaps,
)
from breakit.runners.fork.import_reads import ParsedSource, Takes, function_code_changed, takes_from
from breakit.runners.fork.reexec import Reexec, module_pairs, plan_reexec

SERVED = {HotRequest.NAME: HotRequest}  # the one operation a hot session serves


def hot_session(
    request: SessionRequest, channel: Channel, base_path: list[str], forker: Forker
) -> None:
    """Collect the suite in `request.workdir`, then serve hot runs until the channel closes;
    `forker` forks the hot children."""
    enter_workspace(request.workdir, base_path, bytecode_folder(forker.scratch_dir))
    session = HotSession(channel, Path(request.workdir), forker)
    sys.argv = ["pytest"]
    try:
        pytest.main(list(request.args), plugins=[session, session.recorder])
    except BaseException as exc:  # anything the project's conftest raises
        if not session.answered:
            session.refuse(f"{type(exc).__name__}: {exc}")
        return
    if not session.answered:
        session.refuse("pytest stopped before running any test")


class HotSession:
    """The pytest plugin that turns the worker's session into a server of hot runs."""

    def __init__(self, channel: Channel, root: Path, forker: Forker) -> None:
        self.channel = channel
        self.forker = forker
        self.root = root
        self.answered = False
        self.recorder = RecorderPlugin(self._sink)
        self._early: list[RunRecord] = []  # records of the worker's own collection
        self._out: IO[str] | None = None  # a child's records pipe
        self._sources: dict[str, bytes] = {}
        self._modules: dict[str, ModuleType] = {}  # by path: the project's, as imported
        self._takes: dict[tuple[str, str], Takes] = {}
        self._parsed_sources: dict[str, ParsedSource] = {}
        self._originals: dict[str, CodeType] = {}

    def _sink(self, record: RunRecord) -> None:
        if self._out is None:
            self._early.append(record)
            return
        self._out.write(record_line(record))
        self._out.flush()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        error = first(self._early, CollectFailed)
        if error is not None or session.testsfailed:
            self.refuse(error.message if error is not None else "collection failed")
            return True
        items = {item.nodeid: item for item in session.items}
        order = list(items)
        self._read_project_sources()
        live = LiveFunctions.scan(self.root)
        gc.collect()
        gc.freeze()  # the children share, and never collect, what the session built
        self.answered = True
        self.channel.send(SessionReply(ready=True, tests=len(order), error=None))
        for message in self.channel:
            try:
                request = decode_request(message, SERVED)
            except WireError as exc:
                self.channel.send(ErrorReply(error=str(exc)))
                continue
            assert isinstance(request, HotRequest)
            try:
                swaps, reexecs = self._plan(request, live, session.items)
            except NotHot as exc:
                self.channel.send(Fallback(reason=str(exc)))
                continue
            run = request.run
            chosen = order if run.nodeids is None else [n for n in order if n in set(run.nodeids)]
            if run.order is not None:  # first-catch mode (breakit.engine.order)
                chosen = [chosen[i] for i in ordered(chosen, run.order)]
            tests = [items[n] for n in chosen]
            child = functools.partial(self._child, session, swaps, reexecs, tests, run)
            reply = self.forker.fork(run, child)
            refused = first(reply.records, HotRefused)
            self.channel.send(Fallback(reason=refused.reason) if refused else reply)
        return True

    def _plan(
        self, request: HotRequest, live: LiveFunctions, items: list[pytest.Item]
    ) -> tuple[list[Swap], list[Reexec]]:
        """The new code for live functions (runners.fork.function_swap) and, for a change that ran
        at import, the statements to run again (runners.fork.reexec); NotHot if either cannot be."""
        swaps: list[Swap] = []
        reexecs = []
        for relpath, text in request.changes.items():
            module = self._modules.get(relpath)
            if module is None:
                raise NotHot(f"{relpath} was not imported by the suite")
            pairs = self._parsed(relpath).pairs(text)
            if pairs is None or any(
                changed and function_code_changed(old, new) for old, new, changed in pairs
            ):  # code inside functions changed: swap it (runners.fork.function_swap)
                original = self._originals_for(relpath)
                mutated = compile_module(text, str(self.root / relpath))
                swaps += plan_swaps(original, mutated, live, bodies_run_again=True)
                if not bodies_changed(original, mutated):
                    continue
                pairs = pairs or module_pairs(self._sources[relpath], text)
            if any(changed for _, _, changed in pairs):
                takers = functools.partial(self._takers, items=items)
                reexecs.append(plan_reexec(module, pairs, takers))
        return swaps, reexecs

    def _takers(self, module: ModuleType, items: list[pytest.Item]) -> dict[ModuleType, Takes]:
        """What every other module of the project (tests and conftests too) took at import
        from `module`."""
        found: dict[ModuleType, Takes] = {}
        others = {*self._modules.values(), *(getattr(i, "module", None) for i in items)}
        for other in others:
            if not isinstance(other, ModuleType) or other is module:
                continue
            key = (other.__name__, module.__name__)
            if key not in self._takes:
                self._takes[key] = self._takes_of(other, module.__name__)
            found[other] = self._takes[key]
        return found

    def _takes_of(self, other: ModuleType, source: str) -> Takes:
        filename = getattr(other, "__file__", None) or ""
        try:
            tree = ast.parse(Path(filename).read_bytes())
        except (OSError, SyntaxError, ValueError):
            return Takes()
        return takes_from(tree, other.__name__, other.__package__ or "", source)

    def refuse(self, error: str | None) -> None:
        """The session cannot serve hot runs: `error` says why (hot mutants then run fresh)."""
        self.answered = True
        self.channel.send(SessionReply(ready=False, tests=0, error=error))

    def _read_project_sources(self) -> None:
        """The source of every module imported from the workspace, as it was imported (the
        workspace holds no mutant yet): what the live functions' code was compiled from."""
        prefix = str(self.root) + os.sep
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if not filename or not filename.endswith(".py") or not filename.startswith(prefix):
                continue
            relpath = Path(filename).relative_to(self.root).as_posix()
            with contextlib.suppress(OSError):
                self._sources[relpath] = Path(filename).read_bytes()
                self._modules[relpath] = module

    def _originals_for(self, relpath: str) -> CodeType:
        """The module's code as it was imported (compiled once)."""
        if relpath not in self._originals:
            filename = str(self.root / relpath)
            self._originals[relpath] = compile_module(self._sources[relpath], filename)
        return self._originals[relpath]

    def _parsed(self, relpath: str) -> ParsedSource:
        """The module's source as it was imported (parsed once)."""
        if relpath not in self._parsed_sources:
            try:
                self._parsed_sources[relpath] = ParsedSource.of(self._sources[relpath])
            except (SyntaxError, ValueError) as exc:
                raise NotHot(f"{relpath} does not parse: {exc}") from None
        return self._parsed_sources[relpath]

    def _child(
        self,
        session: pytest.Session,
        swaps: list[Swap],
        reexecs: list[Reexec],
        items: list[pytest.Item],
        run: RunRequest,
        tmpdir: str,
        write_fd: int,
        _output_fd: int,
    ) -> int:
        # Output stays with pytest's capturing, as in the worker: a hot run reports no output.
        child_setup(tmpdir, None, self.forker.worker_pid)
        self.recorder.first_catch = run.first_catch
        self._out = os.fdopen(write_fd, "w", encoding="utf-8")
        for swap in swaps:
            swap.apply()
        try:
            for reexec in reexecs:
                reexec.apply()
        except NotHot as exc:  # the session answers a Fallback: the mutant runs fresh
            self._sink(HotRefused(str(exc)))
            self._out.close()
            return 0
        linecache.clearcache()  # tracebacks read the mutated file, which is on disk now
        self._sink(Collected(tuple(item.nodeid for item in items)))
        for index, item in enumerate(items):
            nextitem = items[index + 1] if index + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.shouldfail or session.shouldstop:
                break
        status = 1 if session.testsfailed else 0
        self._sink(Finish(status))
        self._out.close()
        return status
