"""The warm commands: `breakit warm start|status|stop` (the pool: runners.fork.warm_server)."""

from __future__ import annotations

import click

from breakit.cli.env import Env, pass_env
from breakit.cli.options import EngineOptions, make_lab
from breakit.core.errors import UsageError
from breakit.reports import terminal


@click.group("warm")
def warm_group() -> None:
    """Warm workers: one process per project keeps the suite's packages imported (FastAPI,
    SQLAlchemy, pytest…), so apply and check get their workers in milliseconds, not ~1 s.

    \b
    breakit warm start    start it now (runs the baseline first if it is not cached)
    breakit warm status   this project's warm workers
    breakit warm stop     stop them (nothing is lost: it is only a cache)

    apply and check start one themselves when run in a terminal ([tool.breakit] warm =
    "auto"; "on" everywhere, "off" never; BREAKIT_WARM or --warm/--no-warm override it).
    It never imports your project, and is used only while the Python, breakit, the installed
    packages and the environment are the ones it was started with. It stops by itself after
    warm_idle_minutes (15) unused.
    """


@warm_group.command("start")
@pass_env
def warm_start(env: Env) -> None:
    """Start this project's warm workers, or say they already run."""
    from breakit.core.errors import WarmUnavailable

    lab = make_lab(env, EngineOptions(warm=True))
    baseline_text = "baseline: running the suite on the unmutated code"
    with lab.session(), terminal.spinner(env.err, baseline_text):
        lab.baseline()
    pool = lab.warm_pool()
    if pool is None:
        raise UsageError("warm workers need the fork backend, and os.fork is missing here")
    try:
        with terminal.spinner(env.err, "starting warm workers"):
            info = pool.ensure()
    except WarmUnavailable as exc:
        raise UsageError(f"cannot start warm workers: {exc}") from None
    state = "started" if pool.started else "already running"
    env.out.print(f"warm workers {state}: {terminal.warm_pool_line(info)}", highlight=False)


@warm_group.command("status")
@pass_env
def warm_status(env: Env) -> None:
    """List this project's warm workers."""
    from breakit.runners.fork.warm_client import pools

    found = pools(env.config.root)
    if not found:
        env.out.print("no warm workers for this project (breakit warm start)")
    for info in found:
        env.out.print(terminal.warm_pool_line(info), highlight=False)


@warm_group.command("stop")
@pass_env
def warm_stop(env: Env) -> None:
    """Stop this project's warm workers (a run in progress keeps its own workers)."""
    from breakit.runners.fork.warm_client import stop_pools

    stopped = stop_pools(env.config.root)
    env.out.print(f"stopped {stopped} warm pool{'s' if stopped != 1 else ''}")


COMMANDS = (warm_group,)
