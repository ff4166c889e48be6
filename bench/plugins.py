"""The plugin matrix: breakit on a public project with each popular pytest plugin in `addopts`.

    python -m bench.plugins [--workdir DIR] [--sample N] [--only SETUP]

For a public library fetched from PyPI (itsdangerous, src/ layout, 297 tests, a suite of about a
second) it writes each setup's line into the project's `[tool.pytest.ini_options]`, the way the
plugin's docs show it, and measures, next to the same project with no `addopts`:

- a plain `python -m pytest` with that setup (the plugin's own cost);
- `breakit check --generated --no-cache --json` (the wall time, the verdict counts, and whether
  every verdict is the reference's);
- `breakit check --generated --verify --match ID …` on a seeded sample of the mutants: every
  sampled mutant again in a fresh copy under a plain pytest of the whole suite (exit 70 on any
  difference).

The table goes to stdout; docs/field.md ("Plugins in addopts") keeps the latest one. The project's
venv has breakit from this repository and every plugin of the matrix, so that each plugin is
installed in every row (as in a user's environment) and only `addopts` differs.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

if not __package__:  # `python bench/plugins.py`: the checkout first, so `bench` is this package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.corpus import Project
from bench.fetch import lay_out, venv_python
from bench.process import clean_env, run

PLUGINS = (
    "pytest-cov",
    "pytest-xdist",
    "pytest-rerunfailures",
    "pytest-timeout",
    "pytest-randomly",
    "pytest-asyncio",
    "pytest-mock",
    "pytest-benchmark",
    "hypothesis",
)
PROJECT = Project(
    name="itsdangerous-plugins",
    why="itsdangerous: src/ layout, a one-second suite; the plugin matrix's project",
    dist="itsdangerous",
    version="2.2.0",
    install=("-e", ".", "pytest", "freezegun", *PLUGINS),
    source=("src/itsdangerous",),
    tests=("tests",),
)
FILES = ("src/itsdangerous/signer.py", "src/itsdangerous/timed.py")
# name → the lines added to [tool.pytest.ini_options], as each plugin's docs show them.
SETUPS: dict[str, tuple[str, ...]] = {
    "none (reference)": (),
    "pytest-cov": ('addopts = "--cov=itsdangerous --cov-report=term-missing"',),
    "pytest-xdist": ('addopts = "-n 2"',),
    "pytest-xdist + pytest-cov": ('addopts = "-n 2 --cov=itsdangerous --cov-report=term-missing"',),
    "pytest-rerunfailures": ('addopts = "--reruns 2 --reruns-delay 0.1"',),
    "pytest-timeout": ('addopts = "--timeout=30"',),
    "pytest-randomly": ('addopts = "-p randomly --randomly-seed=1234"',),
    "pytest-asyncio": ('asyncio_mode = "auto"',),
    "pytest-mock": ('addopts = "-p pytest_mock"',),
    "pytest-benchmark": ('addopts = "--benchmark-min-rounds=5"',),
    "hypothesis": ('addopts = "--hypothesis-show-statistics"',),
    "-x, --lf (pytest itself)": ('addopts = "-x --lf"',),
}


def with_setup(tree: Path, lines: tuple[str, ...]) -> None:
    """`lines` at the top of the project's [tool.pytest.ini_options] (or a new one)."""
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text()
    text = re.sub(r"(?m)^addopts\s*=.*\n", "", text)  # the project's own addopts, if any
    # pytest-asyncio, installed in every row, warns at every start while this is unset, and the
    # project's filterwarnings = error makes that a failure even for plain pytest.
    block = "\n".join([*lines, 'asyncio_default_fixture_loop_scope = "function"'])
    if "[tool.pytest.ini_options]" in text:
        text = text.replace("[tool.pytest.ini_options]", f"[tool.pytest.ini_options]\n{block}", 1)
    else:
        text += f"\n[tool.pytest.ini_options]\n{block}\n"
    pyproject.write_text(text)


def file_args() -> list[str]:
    return [arg for path in FILES for arg in ("--file", path)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/breakit-plugins"))
    parser.add_argument("--sample", type=int, default=20, help="mutants --verify checks per row")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--only", action="append", default=[], help="a setup's name (repeat)")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    tree = lay_out(PROJECT, args.workdir)
    python = venv_python(PROJECT, args.workdir, tree, None)
    env = clean_env()
    reference: dict[str, str] | None = None
    rows = []
    for name, lines in SETUPS.items():
        if args.only and name not in args.only and reference is not None:
            continue
        tree = lay_out(PROJECT, args.workdir)
        with_setup(tree, lines)
        plain = run([str(python), "-m", "pytest", "-q", *PROJECT.tests], tree, env=env)
        breakit = [str(python), "-m", "breakit", "--no-color", "check", "--generated"]
        started = time.perf_counter()
        got = run([*breakit, "--no-cache", "--json", *file_args()], tree, env=env, timeout=3600)
        wall = time.perf_counter() - started
        if got.rc not in (0, 1):
            rows.append((name, plain, wall, f"exit {got.rc}: {got.err.strip()[-200:]}", "", "", ""))
            continue
        document = json.loads(got.out)
        verdicts = {m["id"]: m["verdict"] for m in document["mutants"]}
        reference = verdicts if reference is None else reference
        counts = Counter(verdicts.values())
        same = "yes" if verdicts == reference else f"no: {diff(reference, verdicts)}"
        sample = random.Random(args.seed).sample(sorted(verdicts), min(args.sample, len(verdicts)))
        matches = [arg for mid in sample for arg in ("--match", mid)]
        checked = run([*breakit, "--verify", "-q", *matches], tree, env=env, timeout=3600)
        said = {0: "agrees", 1: "agrees", 70: "DISAGREES"}
        verified = (
            said.get(checked.rc, f"exit {checked.rc}") if checked.rc is not None else "timed out"
        )
        aside = next(
            (ln.split(": ", 1)[1] for ln in got.err.splitlines() if ln.startswith("set aside")), "–"
        )
        verdict_counts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        rows.append((name, plain, wall, verdict_counts, same, f"{verified} ({len(sample)})", aside))
        print(
            f"{name}: {wall:.1f} s, {verdict_counts}, same: {same}, verify: {verified}", flush=True
        )
    print(table(rows))
    return 0


def diff(reference: dict[str, str], got: dict[str, str]) -> str:
    changed = [mid for mid in reference if got.get(mid) != reference[mid]]
    return ", ".join(f"{mid} {reference[mid]}→{got.get(mid)}" for mid in changed[:3])


def table(rows: list[tuple]) -> str:
    head = (
        "| setup (addopts) | plain pytest s | breakit check s | verdicts | same as reference "
        "| --verify (sampled) | set aside |\n|---|---:|---:|---|---|---|---|"
    )
    body = []
    for name, plain, wall, counts, same, verified, aside in rows:
        plain_s = f"{plain.seconds:.1f}" if plain.rc == 0 else f"exit {plain.rc}"
        body.append(
            f"| {name} | {plain_s} | {wall:.1f} | {counts} | {same} | {verified} | {aside} |"
        )
    return "\n".join([head, *body])


if __name__ == "__main__":
    sys.exit(main())
