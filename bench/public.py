"""A public library bench/bench.py measures, fetched from PyPI and set up, then the bench on it.

    python -m bench.public [--library pyjwt|boltons] [--user-like] [--workdir DIR] [BENCH ARGS...]

pyjwt 2.15.1 (issue 15's library: 475 tests, about 7 s of them, three of which sleep 4.5 s
between them), its whole suite, `jwt/api_jwt.py` and `jwt/api_jws.py` mutated; or boltons 26.2.0
(issue 34's: 519 tests in 3.7 s, `boltons/strutils.py` and `boltons/cacheutils.py` mutated, most
of their mutants entries of module-level tables). The sdist is fetched and unpacked as the field
trial does it (bench/fetch.py), into DIR/NAME/tree, with a `[tool.breakit]` table; its venv,
DIR/NAME/bench-venv (DIR/NAME/user-venv with `--user-like`), has the library (editable), pytest,
its test dependencies and breakit from this repository with the `bench` extra (mutmut, fermut,
pytest-cov); `--user-like` adds what a user's venv holds besides (hypothesis, pytest-cov: plugins
every pytest start loads). Then it runs `bench/bench.py --project TREE --generated --skip j1
--skip warm --skip apply` (the rows that hold for any project; BENCH ARGS are added) under that
venv's Python, and says first which venv it is. DIR defaults to ~/.cache/breakit-bench.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

if not __package__:  # `python bench/public.py`: the checkout first, so `bench` is this package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench import REPO
from bench.corpus import Project
from bench.fetch import lay_out
from bench.process import StepError, clean_env, run

MUTATED = ("jwt/api_jwt.py", "jwt/api_jws.py")
PYJWT_FILES = (
    "__init__.py", "algorithms.py", "api_jwk.py", "api_jws.py", "api_jwt.py", "exceptions.py",
    "help.py", "jwk_set_cache.py", "jwks_client.py", "types.py", "utils.py", "warnings.py",
)  # fmt: skip
PYJWT = Project(
    name="pyjwt",
    why="issue 15's public library: a few hundred tests, two modules mutated",
    dist="pyjwt",
    version="2.15.1",
    source=("jwt",),
    tests=("tests",),
    exclude=tuple(f"jwt/{f}" for f in PYJWT_FILES if f"jwt/{f}" not in MUTATED),
)
BOLTONS_MUTATED = ("boltons/strutils.py", "boltons/cacheutils.py")
BOLTONS_FILES = (
    "__init__.py", "cacheutils.py", "debugutils.py", "deprutils.py", "dictutils.py",
    "easterutils.py", "ecoutils.py", "excutils.py", "fileutils.py", "formatutils.py",
    "funcutils.py", "gcutils.py", "ioutils.py", "iterutils.py", "jsonutils.py", "listutils.py",
    "mathutils.py", "mboxutils.py", "namedutils.py", "pathutils.py", "queueutils.py",
    "setutils.py", "socketutils.py", "statsutils.py", "strutils.py", "tableutils.py",
    "tbutils.py", "timeutils.py", "typeutils.py", "urlutils.py",
)  # fmt: skip
BOLTONS = Project(
    name="boltons",
    why="issue 34's library: module-level tables of data, a 3.7 s suite",
    dist="boltons",
    version="26.2.0",
    source=("boltons",),
    tests=("tests",),
    exclude=tuple(f"boltons/{f}" for f in BOLTONS_FILES if f"boltons/{f}" not in BOLTONS_MUTATED),
)
# Each library, and the packages its tests need besides pytest.
LIBRARIES = {"pyjwt": (PYJWT, ("cryptography",)), "boltons": (BOLTONS, ())}
USER_LIKE = ("hypothesis", "pytest-cov")  # what a user's venv holds besides the project's deps
DEFAULT_BENCH_ARGS = ("--generated", "--skip", "j1", "--skip", "warm", "--skip", "apply")


def bench_venv(workdir: Path, tree: Path, library: str, *, user_like: bool) -> Path:
    """DIR/NAME/bench-venv's (or user-venv's) Python, made once."""
    project, deps = LIBRARIES[library]
    venv = workdir / project.name / ("user-venv" if user_like else "bench-venv")
    python = venv / "bin" / "python"
    extra = [*deps, *(USER_LIKE if user_like else ())]
    if not python.exists():
        for command in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "-q", "-e", f"{REPO}[bench]", "pytest",
             *extra, "-e", str(tree)],
        ):  # fmt: skip
            done = run(command, cwd=tree, env=clean_env(), timeout=1200)
            if done.rc != 0:
                raise StepError(f"{command[2]} failed: {(done.err or done.out).strip()[-300:]}")
    return python


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "breakit-bench")
    parser.add_argument("--library", choices=sorted(LIBRARIES), default="pyjwt")
    parser.add_argument(
        "--user-like",
        action="store_true",
        help=f"a venv as a user's: with {' and '.join(USER_LIKE)} installed too",
    )
    args, bench_args = parser.parse_known_args(argv)
    workdir = args.workdir.resolve()
    project, deps = LIBRARIES[args.library]
    try:
        tree = lay_out(project, workdir)
        python = bench_venv(workdir, tree, args.library, user_like=args.user_like)
    except StepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    installed = ["pytest", *deps, *(USER_LIKE if args.user_like else ())]
    kind = "user-like" if args.user_like else "trimmed"
    print(f"{project.name} {project.version}: a {kind} venv ({python.parent.parent}): breakit, "
          f"mutmut, fermut, {', '.join(installed)}", flush=True)  # fmt: skip
    command = [str(python), str(REPO / "bench" / "bench.py"), "--project", str(tree)]
    print(" ".join([*command, *DEFAULT_BENCH_ARGS, *bench_args]), flush=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run([*command, *DEFAULT_BENCH_ARGS, *bench_args], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
