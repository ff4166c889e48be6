"""The public library bench/bench.py measures, fetched from PyPI and set up, then the bench on it.

    python -m bench.public [--workdir DIR] [BENCH ARGS...]

pyjwt 2.15.1 (issue 15's library: 475 tests, about 7 s of them, three of which sleep 4.5 s
between them), its whole suite, `jwt/api_jwt.py` and `jwt/api_jws.py` mutated. The sdist is
fetched and unpacked as the field trial does it (bench/fetch.py), into DIR/pyjwt/tree, with a
`[tool.breakit]` table; its venv, DIR/pyjwt/bench-venv, has pyjwt (editable), pytest,
cryptography and breakit from this repository with the `bench` extra (mutmut, fermut). Then it
runs `bench/bench.py --project TREE --generated --skip j1 --skip warm --skip apply` (the rows
that hold for any project; BENCH ARGS are added) under that venv's Python. DIR defaults to
~/.cache/breakit-bench.
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
DEFAULT_BENCH_ARGS = ("--generated", "--skip", "j1", "--skip", "warm", "--skip", "apply")


def bench_venv(workdir: Path, tree: Path) -> Path:
    """DIR/pyjwt/bench-venv's Python, made once."""
    venv = workdir / PYJWT.name / "bench-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        for command in (
            [sys.executable, "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "-q", "-e", f"{REPO}[bench]", "pytest",
             "cryptography", "-e", str(tree)],
        ):  # fmt: skip
            done = run(command, cwd=tree, env=clean_env(), timeout=1200)
            if done.rc != 0:
                raise StepError(f"{command[2]} failed: {(done.err or done.out).strip()[-300:]}")
    return python


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path.home() / ".cache" / "breakit-bench")
    args, bench_args = parser.parse_known_args(argv)
    workdir = args.workdir.resolve()
    try:
        tree = lay_out(PYJWT, workdir)
        python = bench_venv(workdir, tree)
    except StepError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    command = [str(python), str(REPO / "bench" / "bench.py"), "--project", str(tree)]
    print(" ".join([*command, *DEFAULT_BENCH_ARGS, *bench_args]), flush=True)
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return subprocess.run([*command, *DEFAULT_BENCH_ARGS, *bench_args], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
