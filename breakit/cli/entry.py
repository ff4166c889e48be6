"""`main`, the console entry point: the one place errors become exit codes, and SIGTERM
handled as Ctrl-C is."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from breakit.cli.group import cli
from breakit.errors import BreakitError, ExitCode, Terminated
from breakit.reports import terminal


def main(argv: Sequence[str] | None = None) -> None:
    err = terminal.make_console(stderr=True)
    previous = _stop_on_sigterm()
    try:
        _main(err, argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(err: Console, argv: Sequence[str] | None) -> None:
    try:
        cli.main(args=argv, prog_name="breakit", standalone_mode=False)
    except BreakitError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        if exc.hint:
            err.print(f"  hint: {escape(exc.hint)}", highlight=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:  # click's word for a KeyboardInterrupt
        _interrupted(err, exc.__cause__)
    except KeyboardInterrupt as exc:
        _interrupted(err, exc)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except SystemExit as exc:
        sys.exit(exc.code)
    except Exception as exc:
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # Ctrl-C or SIGTERM that an import wrapped (__set_name__)
            _interrupted(err, interrupt)
        # A bug in breakit, not in the user's input: one line, the traceback on request.
        if os.environ.get("BREAKIT_DEBUG"):
            raise
        what = escape(f"{type(exc).__name__}: {exc}")
        err.print(f"[bold red]internal error:[/] {what}", highlight=False)
        err.print("  hint: run again with BREAKIT_DEBUG=1 for the traceback, and report it")
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.OK)


def _interrupted(err: Console, cause: BaseException | None) -> NoReturn:
    if isinstance(cause, Terminated):
        err.print("terminated (SIGTERM): nothing was changed in your project")
        sys.exit(ExitCode.TERMINATED)
    err.print("interrupted: nothing was changed in your project")
    sys.exit(ExitCode.INTERRUPTED)


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM an exception was raised from, if it was."""
    seen = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _stop_on_sigterm() -> Any:
    """SIGTERM (`timeout`, a CI time limit) stops breakit as Ctrl-C does: every workspace
    removed, every worker stopped, the results so far kept. The previous handler, to restore
    (None if this is not the main thread, where Python cannot set one)."""

    def on_sigterm(signum: int, frame: object) -> None:
        # Once: a second SIGTERM must not cut the cleanup short (SIGKILL still can).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated(signum)

    try:
        return signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread
        return None
