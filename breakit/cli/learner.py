"""The learner's commands: status, verify, reset, hint, explain, catch and watch.

Registered on the `cli` group by breakit.cli.group. Like the other commands, these parse options,
call breakit.learner, render, and raise BreakitError for the exit code.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

import click
from rich.markup import escape

from breakit.cli.env import Env, MutationId, pass_env
from breakit.core.errors import ExitCode, RefusedError, UsageError
from breakit.core.model import FIRST_CATCH, Mutation
from breakit.learner import views
from breakit.learner.exercise_progress import Progress
from breakit.learner.explain import EXERCISE_DOC, answer_for
from breakit.learner.suite import compare, failing, run_suite
from breakit.learner.tree import Tree
from breakit.reports.terminal import render_diff, short_nodeid, spinner
from breakit.store.gateway import Store

# --- fix it: the breakages written into the tree -----------------------------------------


@click.command()
@pass_env
def status(env: Env) -> None:
    """Show which breakages `apply --write` left in your tree, and what became of each file."""
    views.render_status(env.out, Tree(env.config.root).status())


@click.command()
@pass_env
def verify(env: Env) -> None:
    """Run the suite on your tree as it is: is it fixed?

    Exit 0 when every test passes and no breakage is left as written, 1 when a written breakage
    is still there but no test fails (the suite misses it), 4 when tests fail.
    """
    raise SystemExit(verify_tree(env))


def verify_tree(env: Env) -> ExitCode:
    tree = Tree(env.config.root)
    with spinner(env.err, "running the suite on your tree"):
        run = run_suite(env.config)
    out = env.out
    if run.error:
        out.print(f"[red]The suite does not run on your tree:[/] {escape(run.error)}")
        return ExitCode.BASELINE_FAILED
    failed = failing(run)
    total = len(run.outcomes)
    progress = Progress(env.config.root)
    if failed:
        out.print(f"[red]✘ {len(failed)} of {total} tests fail on your tree: not fixed yet[/]")
        views.render_failures(out, run, failed)
        for written in tree.status():
            out.print(f"[dim]Stuck on {escape(written.id)}? `breakit hint {escape(written.id)}`[/]")
        return ExitCode.BASELINE_FAILED
    out.print(f"[green]✔ all {total} tests pass on your tree[/]")
    code = ExitCode.OK
    for written in tree.status():
        if written.untouched:
            out.print(
                f"[yellow]{escape(written.id)} is still in your tree as written, yet every "
                "test passes: "
                f"no test catches it.[/] Write one: [bold]breakit catch {escape(written.id)}[/]"
            )
            code = ExitCode.SURVIVED
            continue
        progress.update(written.id, fixed=True)
        how = "its files are back to the originals" if written.fixed else "your own fix"
        out.print(f"[bold green]{escape(written.id)}: fixed[/] ({how}).")
        if not written.fixed:
            out.print(
                "[dim]Keep your fix, or put the originals back: "
                f"breakit reset {escape(written.id)}[/]"
            )
    return code


@click.command()
@click.argument("mutation_ids", nargs=-1, type=MutationId())
@click.option("--all", "reset_all", is_flag=True, help="Reset every breakage in the tree.")
@click.option("--force", is_flag=True, help="Overwrite your edits to its files without asking.")
@pass_env
def reset(env: Env, mutation_ids: Sequence[str], reset_all: bool, force: bool) -> None:
    """Take breakages out of your tree: their files get back their original bytes.

    Files you edited since (a partial fix) are not overwritten silently: breakit asks, or needs
    --force (a copy of what it overwrites is kept under .breakit/backups/). Without a terminal
    to ask in, it refuses with exit code 2.
    """
    tree = Tree(env.config.root)
    ids = list(tree.ids()) if reset_all else list(dict.fromkeys(mutation_ids))
    if not ids:
        if reset_all or not tree.ids():
            env.out.print("Nothing to reset: no breakage is written in your tree.")
            return
        raise UsageError(
            "name the breakage to reset, or use --all",
            hint=f"written in your tree: {', '.join(tree.ids())}",
        )
    # Every answer is collected before anything is written: a refusal changes nothing.
    plan = []
    for mutation_id in ids:
        written = tree.written(mutation_id)
        overwrite = force
        if written.edited and not force:
            names = ", ".join(f.path for f in written.edited)
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                raise RefusedError(
                    f"resetting {mutation_id} would overwrite your edits to {names}; "
                    "no terminal to ask in",
                    hint="add --force to overwrite them (a copy is kept under "
                    ".breakit/backups/), or undo them first (`breakit status`)",
                )
            env.out.print(
                f"You have edited {escape(names)} since {escape(mutation_id)} was written."
            )
            if not click.confirm("Overwrite your edits with the originals?", default=False):
                env.out.print(f"{escape(mutation_id)}: left as it is.")
                continue
            overwrite = True
        plan.append((mutation_id, overwrite))
    progress = Progress(env.config.root)
    for mutation_id, overwrite in plan:
        overwritten = tree.reset(mutation_id, overwrite_edits=overwrite)
        progress.update(mutation_id, written=False)
        env.out.print(f"[green]{escape(mutation_id)}: reset[/], the original files are back.")
        if overwritten:
            env.out.print(
                f"  your edits to {escape(', '.join(overwritten))} were saved under "
                f"{escape(str(tree.backups_dir().relative_to(env.config.root)))}/"
            )


# --- hints and explanations -----------------------------------------------------------------


@click.command()
@click.argument("mutation_id", type=MutationId())
@click.option("--all", "show_all", is_flag=True, help="Show every hint at once.")
@pass_env
def hint(env: Env, mutation_id: str, show_all: bool) -> None:
    """Show the next hint for a breakage: first a nudge, then the place, then the fix."""
    mutation = env.catalog.get(mutation_id)
    if not mutation.hints:
        name = escape(mutation_id)
        env.out.print(f"{name} has no hints. `breakit show {name}` shows its diff.")
        return
    progress = Progress(env.config.root)
    seen = int(progress.get(mutation_id).get("hints_seen", 0))
    shown = len(mutation.hints) if show_all else min(seen + 1, len(mutation.hints))
    progress.update(mutation_id, hints_seen=max(seen, shown))
    views.render_hints(env.out, mutation, shown)


@click.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def explain(env: Env, mutation_id: str) -> None:
    """After trying a breakage: the question it demonstrates, answered (docs/exercise.md)."""
    mutation = env.catalog.get(mutation_id)
    tried = Progress(env.config.root).get(mutation_id).get("tried") or (
        mutation_id in Store(env.config.root).last_results()
    )
    if not tried:
        raise UsageError(
            f"try {mutation_id} first: the answer means more once you have seen what breaks",
            hint=f"breakit apply {mutation_id} --predict",
        )
    section = answer_for(mutation, env.config.root)
    if mutation.explain is None and section is None:
        env.out.print(f"{escape(mutation_id)} does not say which question it demonstrates.")
        return
    if mutation.explain:
        env.out.print(f"[bold]{escape(mutation.explain)}[/]\n")
    if section is not None:
        env.out.print(f"[bold cyan]{escape(section.heading)}[/]\n")
        env.out.print(escape(section.body))
        env.out.print(f"\n[dim]From {EXERCISE_DOC.as_posix()}, which walks the whole exercise.[/]")


# --- reverse mode: write the test that catches it --------------------------------------------


@click.command()
@click.argument("mutation_id", type=MutationId())
@pass_env
def catch(env: Env, mutation_id: str) -> None:
    """Write the test that catches a breakage: breakit confirms your tests do.

    Runs the suite on the clean app and on the breakage. A test counts when it fails on the
    breakage AND passes on the clean app. Exit 0 when one does, 1 when none does yet.
    """
    raise SystemExit(catch_breakage(env, mutation_id))


def catch_breakage(env: Env, mutation_id: str) -> ExitCode:
    tree = Tree(env.config.root)
    mutation: Mutation | None
    if tree.is_written(mutation_id):
        mutation = env.catalog.get(mutation_id)
        clean, broken = tree.clean_changes(mutation_id), tree.broken_changes(mutation_id)
        diff = None
    else:
        mutant = env.mutant_ids.resolve(mutation_id)
        mutation = mutant.mutation
        clean, broken, diff = {}, dict(mutant.changes), mutant.diff
    with spinner(env.err, "running the suite on the clean app, then on the breakage"):
        comparison = compare(env.config, clean, broken)
    out = env.out
    tests = comparison.clean.order or comparison.broken.order
    if comparison.clean.error:
        out.print(
            f"[red]The suite does not run on the clean app:[/] {escape(comparison.clean.error)}"
        )
        return ExitCode.BASELINE_FAILED
    catchers = comparison.catchers
    known = Store(env.config.root).last_results().get(mutation_id, {})
    # A first-catch run recorded only the first catching test: nothing to tell a new one from.
    before = set(known.get("caught_by", ())) if known.get("matrix") != FIRST_CATCH else set()
    if catchers:
        out.print(
            f"[bold green]✔ {escape(mutation_id)} is caught by {len(catchers)} test"
            f"{'s' if len(catchers) != 1 else ''}[/]: each fails on the breakage and passes on "
            "the clean app."
        )
        for nodeid in catchers:
            new = "  [bold](new)[/]" if before and nodeid not in before else ""
            message = comparison.broken.outcomes[nodeid].message or ""
            name = escape(short_nodeid(nodeid, tests))
            out.print(f"  [green]✔[/] {name}{new}  [dim]{escape(message)}[/]")
        Progress(env.config.root).update(
            mutation_id, tried=True, verdict="Killed", caught_by_new_test=list(catchers)
        )
    else:
        out.print(f"[bold red]✘ no test catches {escape(mutation_id)} yet.[/]")
        out.print(
            "\n[bold]Your task[/]: write a test that fails on this breakage and passes on the "
            "clean app."
        )
        if mutation is not None:
            out.print(f"[bold]Question[/]  {escape(mutation.question)}")
        if diff:
            out.print()
            render_diff(out, diff)
        Progress(env.config.root).update(mutation_id, tried=True, verdict="Survived")
    if comparison.always_failing:
        out.print("\n[yellow]Fail on the clean app too, so they do not count:[/]")
        views.render_failures(out, comparison.clean, comparison.always_failing)
    if not catchers:
        out.print(
            f"\n[dim]Run `breakit catch {escape(mutation_id)}` again when your test is written "
            f"(or `breakit watch {escape(mutation_id)}` to re-run on every save).[/]"
        )
    return ExitCode.OK if catchers else ExitCode.SURVIVED


# --- watch mode -----------------------------------------------------------------------------


@click.command()
@click.argument("mutation_id", required=False, type=MutationId())
@pass_env
def watch(env: Env, mutation_id: str | None) -> None:
    """Re-run on every save of the code or the tests, showing the exercise's state in place.

    \b
    breakit watch          the suite on your tree (fixing a breakage written with --write)
    breakit watch ID       ID written in your tree: the same; else, does a test catch ID yet?
    Ctrl-C stops it.
    """
    from breakit.learner.watch import watch_loop  # watchfiles: only for this command

    tree = Tree(env.config.root)
    if mutation_id is not None and not tree.is_written(mutation_id):
        env.mutant_ids.resolve(mutation_id)  # an unknown id fails now, not on the first save
    runs = 0

    def cycle(changed: list[str]) -> None:
        nonlocal runs
        runs += 1
        if env.out.is_terminal:
            env.out.clear()
        saved = f" · saved {', '.join(changed[:3])}" if changed else ""
        catching = (
            mutation_id if mutation_id is not None and not tree.is_written(mutation_id) else None
        )
        mode = (
            f"does a test catch {catching}?" if catching is not None else "the suite on your tree"
        )
        env.out.print(
            f"[bold]breakit watch[/] — {escape(mode)} — run {runs} at "
            f"{time.strftime('%H:%M:%S')}{escape(saved)}\n"
        )
        if catching is not None:
            catch_breakage(env, catching)
        else:
            verify_tree(env)
            if tree.ids():
                env.out.print()
                views.render_status(env.out, tree.status())
        env.out.print("\n[dim]Watching for changes… (Ctrl-C to stop)[/]")

    watch_loop(env.config.root, cycle)
    env.out.print("Stopped watching.")


COMMANDS = (status, verify, reset, hint, explain, catch, watch)
