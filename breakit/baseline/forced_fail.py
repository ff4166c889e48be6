"""The forced-fail sanity run: the suite with every source module raising at import must fail.

If it passes, the tests import another copy of the code than the workspace's (an install in
site-packages, an editable install pointing at the user's tree) and every verdict would be wrong:
the lab stops with `ShadowingError` instead. The `raise` goes in with `ast`, not libcst, so the
command's process stays light (docs/architecture.md, "A light CLI process").
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping, Set

from breakit.core.config import Config
from breakit.core.errors import ShadowingError
from breakit.core.model import Outcome
from breakit.mutants.changed_lines import in_source
from breakit.runners.run_spec import Runner, RunSpec
from breakit.runners.workspace import Workspace
from breakit.store.cache_keys import project_files

FORCED_FAILURE = "breakit forced failure"


def check_forced_failure(
    config: Config,
    runner: Runner,
    workspace: Workspace,
    changes: Mapping[str, str],
    spec: RunSpec,
    names: Set[str],
) -> None:
    """Run the suite (`spec`) with `changes` (forced_failure_changes) in `workspace`: raise
    ShadowingError unless it fails. `names`: the source's top-level names, for the message."""
    with workspace.mutated(dict(changes)) as workdir:
        run = runner.run(workdir, spec)
    if run.timed_out:
        raise ShadowingError("the forced-failure sanity run timed out: " + (run.error or ""))
    failed = [o for o in run.outcomes.values() if o.outcome in (Outcome.CAUGHT, Outcome.ERRORED)]
    # pytest itself may be the first to import the source: a filterwarnings entry naming
    # the project's own warning class (`ignore::pkg.warnings.W`) is imported while pytest
    # reads its configuration, and fails with a usage error. If that error's chain holds
    # the forced failure, the first copy of the code on sys.path is the workspace's (the
    # tests only ever add folders of the workspace in front of it): the run has proved it.
    if failed or (run.error and FORCED_FAILURE in run.error):
        return
    if run.error:
        raise ShadowingError(
            f"the forced-failure sanity run did not run:\n{run.error}",
            hint=f"that is pytest's error with every source module raising {FORCED_FAILURE!r}"
            " at import: something pytest loads before the tests (a plugin, a setting in its "
            "configuration) imports the source and fails in a way that does not name it",
        )
    shown = ", ".join(sorted(names))
    raise ShadowingError(
        f"the tests do not import the copy of the code breakit mutates: with every module of "
        f"{', '.join(config.source)} raising {FORCED_FAILURE!r} at import, the suite "
        f"still passes. They import {shown or 'the project'} from somewhere else (an "
        "install in site-packages, or an editable install pointing at your working tree)",
        hint="make the tests import the project from its folder: set pythonpath (pytest's "
        "[tool.pytest.ini_options] pythonpath = [...]) to the folder holding the package, "
        "or use a src/ or flat layout; check with python -c 'import PKG; print(PKG.__file__)'",
    )


def forced_failure_changes(config: Config) -> dict[str, str]:
    """Every Python file of `config.source` with `raise RuntimeError(...)` as its first statement
    (after the docstring and `from __future__` imports, which must stay first)."""
    changes = {}
    root = config.root
    raise_line = f"raise RuntimeError({FORCED_FAILURE!r})"
    for path in project_files(root):
        rel = path.relative_to(root).as_posix()
        if not rel.endswith(".py") or not in_source(rel, config.source):
            continue
        try:
            text = path.read_text(encoding="utf-8").removeprefix("\ufeff")  # no BOM in a str
            with warnings.catch_warnings():  # "invalid escape sequence" and the like: not ours
                warnings.simplefilter("ignore")
                body = ast.parse(text).body
        except (SyntaxError, ValueError):  # ValueError: not UTF-8, or a null byte
            continue
        at = 0
        while at < len(body) and _stays_first(body[at], at):
            at += 1
        # The raise gets a line of its own: right after the last statement that stays first,
        # else just before the first statement (after the comments that head the file).
        lines = text.split("\n") if text else []
        if at:
            line = body[at - 1].end_lineno or body[at - 1].lineno
        elif body:
            decorators = getattr(body[0], "decorator_list", [])
            line = min([body[0].lineno, *(d.lineno for d in decorators)]) - 1
        else:
            line = len(lines) - 1 if text.endswith("\n") else len(lines)
        changes[rel] = "\n".join([*lines[:line], raise_line, *lines[line:]])
    return changes


def _stays_first(statement: ast.stmt, position: int) -> bool:
    if position == 0 and isinstance(statement, ast.Expr):
        value = statement.value
        return isinstance(value, ast.Constant) and isinstance(value.value, str | bytes)
    return isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
