"""`main`, the console entry point: the one place errors become exit codes (with `--json`, a
JSON document on stdout too), and SIGTERM handled as Ctrl-C is."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.markup import escape

from breakit.cli.group import cli
from breakit.core.errors import BreakitError, ExitCode, Terminated
from breakit.reports import terminal
from breakit.reports.breakit_json import error_document

# The commands whose `--json` prints breakit's document (docs/json.md): an error is one too.
JSON_COMMANDS = frozenset({"list", "apply", "check", "merge"})
INTERRUPTED = "interrupted: nothing was changed in your project"
TERMINATED = "terminated (SIGTERM): nothing was changed in your project"


def main(argv: Sequence[str] | None = None) -> None:
    err = terminal.make_console(stderr=True)
    previous = _stop_on_sigterm()
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        _main(err, args, as_json=wants_json(args))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(err: Console, args: list[str], *, as_json: bool) -> None:
    try:
        cli.main(args=args, prog_name="breakit", standalone_mode=False)
    except BreakitError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        if exc.hint:
            err.print(f"  hint: {escape(exc.hint)}", highlight=False)
        _exit(exc.exit_code, exc.message, exc.hint, as_json=as_json, document=exc.document)
    except click.exceptions.Abort as exc:  # click's word for a KeyboardInterrupt
        _interrupted(err, exc.__cause__, as_json=as_json)
    except KeyboardInterrupt as exc:
        _interrupted(err, exc, as_json=as_json)
    except click.ClickException as exc:
        exc.show()
        code = ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code
        _exit(code, exc.format_message(), None, as_json=as_json)
    except SystemExit as exc:
        sys.exit(exc.code)
    except Exception as exc:
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # Ctrl-C or SIGTERM that an import wrapped (__set_name__)
            _interrupted(err, interrupt, as_json=as_json)
        # A bug in breakit, not in the user's input: one line, the traceback on request.
        if os.environ.get("BREAKIT_DEBUG"):
            raise
        what = f"{type(exc).__name__}: {exc}"
        hint = "run again with BREAKIT_DEBUG=1 for the traceback, and report it"
        err.print(f"[bold red]internal error:[/] {escape(what)}", highlight=False)
        err.print(f"  hint: {hint}")
        _exit(ExitCode.INTERNAL, what, hint, as_json=as_json)
    sys.exit(ExitCode.OK)


def wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks a command that prints breakit's document for it (`--json`
    to list, apply, check or merge): then an error ends in a document too. Read from the words
    as click will parse them: the group's options, the command's name, `--json` before `--`."""
    words = list(args)
    if "--" in words:
        words = words[: words.index("--")]
    command, skip = None, False
    for index, word in enumerate(words):
        if skip or word.startswith("-"):
            skip = word == "--project"  # the group's one option that takes a value
            continue
        command = word
        words = words[index + 1 :]
        break
    return command in JSON_COMMANDS and "--json" in words


def _exit(
    code: int,
    message: str,
    hint: str | None,
    *,
    as_json: bool,
    document: Mapping[str, Any] | None = None,
) -> NoReturn:
    """Exit with `code`; with `--json`, after printing the error's document on stdout."""
    if as_json:
        known = {c.value: c.name.lower() for c in ExitCode}
        kind = known.get(code, "usage")  # click's own codes are usage errors
        found = error_document(code, kind, message, hint, document)
        click.echo(json.dumps(found, indent=2))
    sys.exit(code)


def _interrupted(err: Console, cause: BaseException | None, *, as_json: bool) -> NoReturn:
    if isinstance(cause, Terminated):
        err.print(TERMINATED)
        _exit(ExitCode.TERMINATED, TERMINATED, None, as_json=as_json)
    err.print(INTERRUPTED)
    _exit(ExitCode.INTERRUPTED, INTERRUPTED, None, as_json=as_json)


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
