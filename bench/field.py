"""The field trial: breakit on public projects nobody here wrote, checked against plain pytest.

    python bench/field.py [--only NAME] [--workdir DIR] [--seed N] [--sample N] [--jobs N]

For each project of a pinned corpus (PROJECTS below) it:

1. fetches the sdist from PyPI (`pip download --no-deps --no-binary NAME NAME==VERSION`) into
   WORKDIR/sdists and unpacks it afresh (a corpus entry may be a sub-project cut out of an sdist);
2. makes the project's own venv (WORKDIR/NAME/venv, reused while its install list is unchanged)
   with the project, its test dependencies and breakit from this repository (`pip install -e`);
3. writes a `[tool.breakit]` table into the project's pyproject.toml (it has none);
4. runs the plain suite (`python -m pytest TESTS`): it must pass, or the row says so;
5. `breakit check --generated --json` (with `--file` where the project is large): verdict counts;
6. `breakit check --generated --verify --json --match ID ...` on a seeded sample of the mutants;
7. the independent check on the same sample: `breakit diff ID` applied with `git apply` to a fresh
   copy of the project, plain `python -m pytest TESTS` (under breakit's memory ceiling, watched
   here), and the verdict compared (Killed and Timeout and CompileError: pytest fails; Survived
   and NoCoverage: pytest passes).

Every Python traceback in breakit's stderr is counted: a traceback is a defect. One project failing
prints its row with the error; the others still run. The table goes to stdout, each disagreement
under it, and with --json-out the whole result as JSON. docs/field.md keeps the latest table.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VERDICTS = ("Killed", "Survived", "Timeout", "NoCoverage", "CompileError", "RuntimeError")
TIMEOUT_SUSPECTS = 3  # Timeout mutants added to a sample as suspects, at most
SHORT = {"Killed": "K", "Survived": "S", "Timeout": "T", "NoCoverage": "NC"}
SHORT.update(CompileError="CE", RuntimeError="RE")
# What plain pytest must do for each verdict to agree: fail (non-zero exit, or hang for Timeout),
# or pass. NoCoverage claims no test runs the changed code, so the suite must pass.
FAILS = {"Killed", "Timeout", "CompileError", "RuntimeError"}
USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR
TRACEBACK = "Traceback (most recent call last)"
IGNORED = shutil.ignore_patterns(
    ".breakit", "__pycache__", "*.pyc", ".pytest_cache", ".git", "venv", ".venv", ".tox"
)


@dataclass(frozen=True)
class Project:
    """One corpus entry: where its code comes from, how to install it, how breakit sees it."""

    name: str
    why: str
    source: tuple[str, ...]
    tests: tuple[str, ...]
    dist: str = ""  # the PyPI name; empty for a local project (the smoke test)
    version: str = ""
    subdir: str = ""  # the project's root inside the unpacked sdist
    cut: tuple[tuple[str, str], ...] = ()  # (from, to) copied out of the sdist into a new root
    write: tuple[tuple[str, str], ...] = ()  # (path, text) written into the project root
    install: tuple[str, ...] = ()  # pip arguments; "." is the project root
    files: tuple[str, ...] = ()  # --file bounds for list/check
    operators: tuple[str, ...] = ()  # --operator bounds for list/check (a large module)
    exclude: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    workaround: str = ""  # a configuration that dodges a known breakit defect, and why
    local: str = ""  # a folder to copy instead of fetching (the smoke test)


SUBPROJECT_PYPROJECT = """\
[project]
name = "{name}"
version = "0"
"""

PROJECTS: tuple[Project, ...] = (
    Project(
        name="fastapi-app-b",
        why="FastAPI's testing example: async def and def handlers, a module-level "
        "`client = TestClient(app)`, the tests next to the app, a single-file `source`",
        dist="fastapi",
        version="0.165.0",
        cut=(("docs_src/app_testing/app_b", "app_b"),),
        write=(("pyproject.toml", SUBPROJECT_PYPROJECT.format(name="app-b")),),
        install=("fastapi==0.165.0", "httpx", "pytest"),
        source=("app_b/main.py",),
        tests=("app_b",),
    ),
    Project(
        name="fastapi-async",
        why="FastAPI's async-tests example: an `async def` test with httpx.AsyncClient over "
        "ASGITransport under the anyio pytest plugin (@pytest.mark.anyio); with it the first "
        "testing example (app_a as app_c: a module-level TestClient, a folder `source`)",
        dist="fastapi",
        version="0.165.0",
        cut=(("docs_src/async_tests/app_a", "app_a"), ("docs_src/app_testing/app_a", "app_c")),
        write=(("pyproject.toml", SUBPROJECT_PYPROJECT.format(name="app-a")),),
        install=("fastapi==0.165.0", "httpx", "anyio", "pytest"),
        source=("app_a", "app_c"),
        exclude=("app_a/test_*.py", "app_c/test_*.py"),
        tests=("app_a", "app_c"),
    ),
    Project(
        name="flaskr",
        why="Flask's tutorial app (from the flask sdist): a test client from a fixture, "
        "SQLite per test, templates, Click commands, filterwarnings = error",
        dist="flask",
        version="3.1.3",
        subdir="examples/tutorial",
        install=("flask==3.1.3", "pytest", "-e", "."),
        source=("flaskr",),
        files=("flaskr/auth.py", "flaskr/db.py"),
        tests=("tests",),
    ),
    Project(
        name="starlette",
        why="Starlette: addopts with --strict-config/--strict-markers, filterwarnings = error "
        "naming its own warning class, the anyio plugin on asyncio and trio, "
        "a TestClient factory fixture, async handlers",
        dist="starlette",
        version="1.10.0",
        install=("-e", ".[full]", "pytest", "trio", "httpx"),
        source=("starlette",),
        files=("starlette/middleware/cors.py",),
        tests=("tests/middleware/test_cors.py",),
    ),
    Project(
        name="pyjwt",
        why="PyJWT: flat layout, addopts -ra, filterwarnings = error plus "
        "`ignore::jwt.warnings.InsecureKeyLengthWarning` (its own warning class)",
        dist="pyjwt",
        version="2.15.1",
        install=("-e", ".", "pytest", "cryptography"),
        source=("jwt",),
        files=("jwt/api_jwt.py",),
        tests=("tests/test_api_jwt.py",),
    ),
    Project(
        name="humanize",
        why="humanize: src/ layout, native [tool.pytest] with addopts --doctest-modules, "
        "filterwarnings = error, plugins (pytest-benchmark, freezegun), a session-scoped "
        "autouse fixture",
        dist="humanize",
        version="4.17.0",
        install=("-e", ".", "pytest", "pytest-benchmark", "freezegun"),
        source=("src/humanize",),
        files=("src/humanize/number.py",),
        tests=("src/humanize/number.py", "tests/test_number.py", "tests/test_benchmarks.py"),
    ),
    Project(
        name="more-itertools",
        why="more-itertools: unittest.TestCase classes with subTest, doctests in the "
        "docstrings, flat layout, a large module (bounded to recipes.py)",
        dist="more-itertools",
        version="11.2.1",
        install=("-e", ".", "pytest"),
        source=("more_itertools",),
        files=("more_itertools/recipes.py",),
        # 706 mutants in recipes.py take over 30 min here: the operators where its subtests
        # decide (polynomial_eval's `if n != 0:` flipped is a comparison), 159 mutants.
        operators=("comparison", "return_none", "boolean"),
        tests=("tests/test_recipes.py",),
    ),
    Project(
        name="toolz",
        why="toolz: the tests inside the package (toolz/tests), plain functions, curried "
        "re-exports that import the module under test a second way",
        dist="toolz",
        version="1.2.0",
        install=("-e", ".", "pytest"),
        source=("toolz",),
        exclude=("toolz/tests/*",),
        files=("toolz/dicttoolz.py",),
        tests=("toolz/tests/test_dicttoolz.py",),
    ),
    Project(
        name="attrs",
        why="attrs: src/ layout, addopts --import-mode=importlib --strict-markers "
        "--strict-config, xfail_strict, hypothesis, a session-scoped fixture; large, "
        "bounded to validators.py",
        dist="attrs",
        version="26.1.0",
        install=("-e", ".", "pytest", "hypothesis"),
        source=("src/attr",),
        files=("src/attr/validators.py",),
        tests=("tests/test_validators.py",),
    ),
    Project(
        name="python-slugify",
        why="python-slugify: addopts --color=yes, filterwarnings = error, a small flat package "
        "with a regex-heavy core",
        dist="python-slugify",
        version="9.2.0",
        install=("-e", ".", "pytest"),
        source=("slugify",),
        exclude=("slugify/__main__.py",),
        files=("slugify/slugify.py",),
        tests=("tests/test_legacy.py",),
    ),
)


@dataclass
class Disagreement:
    project: str
    mutant: str
    kind: str  # "verify" (breakit's oracle), "plain" (the independent check), "first-catch"
    verdict: str
    tests: list[str]
    plain: str
    detail: str = ""


@dataclass
class Row:
    project: str
    tests: int | None = None
    mutants: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    wall_s: float | None = None
    sample: int = 0
    picked: list[str] = field(default_factory=list)
    verify_agree: int | None = None
    plain_agree: int | None = None
    first_catch_s: float | None = None  # the `check --first-catch` wall time
    first_catch_agree: int | None = None  # mutants whose first-catch verdict is the full one's
    first_catch_total: int = 0
    tracebacks: int = 0
    total_s: float | None = None  # the whole row: fetch, venv, plain suite, check, both checks
    error: str = ""
    disagreements: list[Disagreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class StepError(Exception):
    """A step of one project failed; the row shows the message."""


@dataclass
class Run:
    rc: int | None  # None: timed out
    out: str
    err: str
    seconds: float
    out_of_memory: bool = False  # killed past `memory_limit_mb` (run's)


def group_rss_mb(pgid: int) -> float:
    """The resident memory of every process in process group `pgid`, in MB (Linux /proc)."""
    pages = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid:  # state ppid pgrp ... rss is the 22nd after the name
                pages += int(fields[21])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(
    cmd: Sequence[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    memory_limit_mb: int | None = None,
) -> Run:
    """Run a command in its own session so a timeout kills its whole process group; with
    `memory_limit_mb`, the group is killed, and the Run marked out of memory, past that RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = started + timeout
    out_of_memory = False
    while True:
        wait = deadline - time.perf_counter()
        if memory_limit_mb is not None:
            wait = min(wait, 0.2)
        try:
            out, err = proc.communicate(timeout=max(0.0, wait))
            rc: int | None = proc.returncode
            break
        except subprocess.TimeoutExpired:
            out_of_memory = memory_limit_mb is not None and group_rss_mb(proc.pid) > memory_limit_mb
            if out_of_memory or time.perf_counter() >= deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
                rc = -signal.SIGKILL if out_of_memory else None
                break
    return Run(rc, out, err, time.perf_counter() - started, out_of_memory)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every child: no leaked pytest/breakit settings, no warm pools."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "BREAKIT_", "VIRTUAL_ENV", "COV_"))
    }
    env.update(NO_COLOR="1", COLUMNS="200", BREAKIT_WARM="off", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra or {})
    return env


# --- fetching and setting up -----------------------------------------------------------------


def fetch(project: Project, workdir: Path) -> Path:
    """The unpacked sdist (downloaded once into WORKDIR/sdists), afresh under WORKDIR/NAME/tree."""
    sdists = workdir / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    want = re.sub(r"[-_.]+", "_", f"{project.dist}-{project.version}.tar.gz").lower()

    def downloaded() -> list[Path]:
        return [
            p for p in sdists.glob("*.tar.gz") if re.sub(r"[-_.]+", "_", p.name).lower() == want
        ]

    found = downloaded()
    if not found:
        # --no-binary names the project only: with :all: pip would also build the build
        # backend (hatchling, flit_core...) from source just to read the metadata.
        got = run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                project.dist,
                f"{project.dist}=={project.version}",
                "-d",
                str(sdists),
            ],
            cwd=workdir,
            env=clean_env(),
            timeout=600,
        )
        found = downloaded()
        if got.rc != 0 or not found:
            raise StepError(f"pip download failed: {last_line(got.err or got.out)}")
    unpacked = workdir / project.name / "unpacked"
    shutil.rmtree(unpacked, ignore_errors=True)
    unpacked.mkdir(parents=True)
    with tarfile.open(found[0]) as tar:
        tar.extractall(unpacked, filter="data")
    (top,) = list(unpacked.iterdir())
    return top


def lay_out(project: Project, workdir: Path) -> Path:
    """The project's root, fresh: from the sdist (or the local folder), with its config written."""
    tree = workdir / project.name / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    if project.local:
        shutil.copytree(project.local, tree, ignore=IGNORED)
    else:
        top = fetch(project, workdir)
        if project.cut:
            tree.mkdir(parents=True)
            for src, dst in project.cut:
                shutil.copytree(top / src, tree / dst, ignore=IGNORED)
        else:
            shutil.copytree(top / project.subdir if project.subdir else top, tree, ignore=IGNORED)
    for rel, text in project.write:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    write_breakit_table(project, tree)
    return tree


def toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def write_breakit_table(project: Project, root: Path) -> None:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text() if pyproject.exists() else ""
    if re.search(r"^\[tool\.breakit\]", text, re.M):
        return
    lines = [
        "",
        "[tool.breakit]",
        f"source = {toml_list(project.source)}",
        f"tests = {toml_list(project.tests)}",
        f"exclude = {toml_list(project.exclude)}",
        f"pytest_args = {toml_list(project.pytest_args)}",
        'warm = "off"',
        "",
    ]
    pyproject.write_text(text.rstrip("\n") + "\n" + "\n".join(lines))


def venv_python(project: Project, workdir: Path, root: Path, python: str | None) -> Path:
    """The project's venv (made once per install list), with breakit from this repository."""
    if python:
        return Path(python)
    venv = workdir / project.name / "venv"
    stamp = hashlib.sha256(json.dumps([project.install, str(REPO)]).encode()).hexdigest()
    marker = venv / "field-stamp"
    py = venv / "bin" / "python"
    if not (marker.exists() and marker.read_text() == stamp):
        shutil.rmtree(venv, ignore_errors=True)
        made = run([sys.executable, "-m", "venv", str(venv)], cwd=workdir, timeout=300)
        if made.rc != 0:
            raise StepError(f"venv failed: {last_line(made.err)}")
        # An editable install of the project points into this run's tree; re-laid out the
        # next run at the same path, so the venv stays valid.
        pip = [str(py), "-m", "pip", "install", "-q", *project.install, "-e", str(REPO)]
        got = run(pip, cwd=root, env=clean_env(), timeout=1200)
        if got.rc != 0:
            raise StepError(f"pip install failed: {last_line(got.err or got.out)}")
        marker.write_text(stamp)
    return py


# --- running ---------------------------------------------------------------------------------


def error_text(text: str) -> str:
    """breakit's `error: ...` message with the lines after it (else the last line)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if line.startswith("error:"):
            return " ".join(lines[i : i + 4])[:400]
    return last_line(text)


def last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "(no output)"


def pytest_count(text: str) -> int | None:
    """Tests in pytest's closing line (`3 passed, 1 skipped in 0.2s`)."""
    for line in reversed(text.splitlines()):
        found = re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)", line)
        if found:
            return sum(int(n) for n, _ in found)
    return None


class Breakit:
    """The project venv's `breakit`, with every traceback in its stderr counted."""

    def __init__(self, python: Path, root: Path, row: Row, jobs: int) -> None:
        self.python = python
        self.root = root
        self.row = row
        self.jobs = jobs
        self.log: list[str] = []

    def __call__(self, *args: str, timeout: float = 1800) -> Run:
        cmd = [str(self.python), "-m", "breakit", "--no-color", *args]
        got = run(cmd, self.root, env=clean_env(), timeout=timeout)
        # stderr only: breakit's JSON on stdout may quote pytest's own traceback text (a
        # RuntimeError's reason), which is a report, not a crash of breakit.
        if TRACEBACK in got.err:
            self.row.tracebacks += got.err.count(TRACEBACK)
            self.log.append(f"$ {' '.join(args)}\n{got.err[-4000:]}")
        if got.rc is None:
            raise StepError(f"`breakit {args[0]}` timed out after {timeout:.0f}s")
        return got

    def json(self, *args: str, ok: Sequence[int] = (0, 1), timeout: float = 1800) -> dict:
        got = self(*args, timeout=timeout)
        if got.rc not in ok:
            raise StepError(f"`breakit {' '.join(args[:3])}` exit {got.rc}: {error_text(got.err)}")
        try:
            return json.loads(got.out)
        except json.JSONDecodeError as exc:
            raise StepError(f"`breakit {args[0]}` printed no JSON ({exc})") from None


def file_args(project: Project) -> list[str]:
    """The --file and --operator bounds of a project's list and check."""
    bounds = [a for f in project.files for a in ("--file", f)]
    return bounds + [a for o in project.operators for a in ("--operator", o)]


def plain_pytest(
    python: Path,
    root: Path,
    project: Project,
    timeout: float,
    path: Sequence[str] = (),
    memory_limit_mb: int | None = None,
) -> Run:
    cmd = [str(python), "-m", "pytest", "-p", "no:cacheprovider", *project.tests]
    env = clean_env({"PYTHONPATH": os.pathsep.join(path)} if path else None)
    return run(
        cmd + list(project.pytest_args),
        root,
        env=env,
        timeout=timeout,
        memory_limit_mb=memory_limit_mb,
    )


def mismatches(err: str) -> dict[str, str]:
    """EngineMismatchError's list: `  ID: what differs` lines, per mutant id."""
    found = {}
    for line in err.splitlines():
        m = re.match(r"\s{2}(\S+:\S+:[0-9a-f]+): (.*)", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def caught_by(mutant: dict, document: dict) -> list[str]:
    """The tests that caught `mutant`, by node id, from a breakit JSON document (docs/json.md,
    version 2: tests by index into the baseline's list)."""
    tests = document["baseline"]["tests"]
    return [tests[entry["test"]] for entry in (mutant.get("tests") or {}).get("caught", [])]


def independent(
    python: Path,
    pristine: Path,
    project: Project,
    bk: Breakit,
    mutant_id: str,
    timeout: float,
    memory_limit_mb: int | None = None,
) -> tuple[str, Run | None]:
    """The mutant's diff applied to a fresh copy with `git apply`, and plain pytest on it, under
    breakit's memory ceiling (`memory_limit_mb`, watched by `run`, not by breakit): a mutant
    that allocates without end fails there as it fails on a machine with that much memory, when
    the kernel kills it, instead of running into the check's timeout."""
    diff = bk("diff", mutant_id, timeout=120)
    if diff.rc != 0 or not diff.out.strip():
        return f"no diff (exit {diff.rc}: {last_line(diff.err)})", None
    scratch = pristine.parent / "scratch" / re.sub(r"[^\w.-]", "_", mutant_id)
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(pristine, scratch, ignore=IGNORED)
    try:
        applied = subprocess.run(
            ["git", "apply", "-"], input=diff.out, cwd=scratch, capture_output=True, text=True
        )
        if applied.returncode != 0:
            return f"git apply failed: {last_line(applied.stderr)}", None
        # As if this copy were the installed one: an editable install points at the tree, and
        # a project whose tests do not put their code on sys.path themselves (src/ layout,
        # --import-mode=importlib: attrs) would otherwise test the unmutated tree.
        path = [str(p) for p in (scratch / "src", scratch) if p.is_dir()]
        return "", plain_pytest(python, scratch, project, timeout, path, memory_limit_mb)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def plain_agrees(verdict: str, got: Run, waited_s: float = 0.0) -> bool:
    """Whether plain pytest's run `got` is what `verdict` claims; `waited_s`: how long breakit
    ran the mutant (a Timeout's run, stopped at its timeout)."""
    if got.out_of_memory:
        # The test process died: a failed run (README, verdicts); or, after breakit had already
        # stopped the mutant at its timeout, a run that went on past it (a Timeout).
        return verdict == "Killed" or (verdict == "Timeout" and got.seconds >= waited_s)
    if got.rc is None:
        return verdict == "Timeout"
    if got.rc == USAGE_ERROR:
        # pytest stopped before any test: its configuration imports the mutated code
        # (RuntimeError, CompileError), or a conftest.py it loads first raised (Killed, the
        # conftest named as pytest names it). A test's catch or a hang cannot end so.
        return verdict in ("Killed", "CompileError", "RuntimeError")
    return (got.rc != 0) == (verdict in FAILS)


def describe(got: Run) -> str:
    if got.out_of_memory:
        return f"ran out of memory (breakit's ceiling) after {got.seconds:.0f}s"
    if got.rc is None:
        return f"timed out after {got.seconds:.0f}s"
    return f"exit {got.rc}: {last_line(got.out).strip('= ')}"


def trial(
    project: Project,
    workdir: Path,
    *,
    seed: int,
    sample: int,
    jobs: int,
    python: str | None = None,
    independent_check: bool = True,
    suspects: int = 10,
) -> Row:
    """One project, start to end; never raises (a failed step is the row's error)."""
    row = Row(project.name)
    started = time.perf_counter()
    try:
        _trial(project, workdir, row, seed, sample, suspects, jobs, python, independent_check)
    except StepError as exc:
        row.error = str(exc)
    except Exception as exc:  # the trial reports a broken project, it does not stop on one
        row.error = f"{type(exc).__name__}: {exc}"
    row.total_s = time.perf_counter() - started
    return row


def _trial(
    project: Project,
    workdir: Path,
    row: Row,
    seed: int,
    sample: int,
    suspects: int,
    jobs: int,
    python: str | None,
    independent_check: bool,
) -> None:
    root = lay_out(project, workdir)
    py = venv_python(project, workdir, root, python)
    # The independent check copies this tree before breakit writes anything into it.
    pristine = workdir / project.name / "pristine"
    shutil.rmtree(pristine, ignore_errors=True)
    shutil.copytree(root, pristine, ignore=IGNORED)

    plain = plain_pytest(py, root, project, timeout=600)
    row.tests = pytest_count(plain.out)
    if plain.rc != 0:
        raise StepError(f"the plain suite fails here ({describe(plain)})")
    timeout = max(60.0, 10 * plain.seconds + 30)

    bk = Breakit(py, root, row, jobs)
    listed = bk.json("list", "--generated", "--json", *file_args(project), ok=(0,))
    ids = sorted(m["id"] for m in listed["mutants"])
    row.mutants = len(ids)

    t0 = time.perf_counter()
    checked = bk.json(
        "check", "--generated", "--json", "--no-warm", "-j", str(jobs), *file_args(project)
    )
    row.wall_s = time.perf_counter() - t0
    memory_limit_mb = checked.get("memory_limit_mb")
    by_id = {m["id"]: {**m, "caught": caught_by(m, checked)} for m in checked["mutants"]}
    row.counts = dict(Counter(m["verdict"] for m in checked["mutants"]))
    if set(by_id) != set(ids):
        row.notes.append(f"check ran {len(by_id)} mutants, list showed {len(ids)}")
    first_catch(bk, project, jobs, row, by_id)

    rng = random.Random(seed)
    picked = rng.sample(ids, min(sample, len(ids)))
    # The rare verdicts are where a wrong claim hides (NoCoverage that is not, a crash called
    # CompileError): up to `suspects` more of them, from the same seeded generator.
    # A Timeout costs its whole timeout twice (in --verify's oracle and in the plain check), so
    # at most TIMEOUT_SUSPECTS of them; the other rare verdicts first.
    rare = sorted(i for i in by_id if by_id[i]["verdict"] not in ("Killed", "Survived"))
    rare = [i for i in rare if i not in picked]
    hangs = [i for i in rare if by_id[i]["verdict"] == "Timeout"]
    others = [i for i in rare if by_id[i]["verdict"] != "Timeout"]
    chosen = rng.sample(others, min(suspects, len(others)))
    room = min(TIMEOUT_SUSPECTS, suspects - len(chosen))
    chosen += rng.sample(hangs, min(max(0, room), len(hangs)))
    picked = sorted(picked + chosen)
    row.sample = len(picked)
    row.picked = picked
    if not picked:
        return
    match = [a for mid in picked for a in ("--match", mid)]
    verified = bk(
        "check", "--generated", "--verify", "--json", "--no-warm", "-j", str(jobs), *match
    )
    if verified.rc in (0, 1):
        row.verify_agree = len(picked)
    elif verified.rc == 70 and "disagrees with the oracle" in verified.err:
        wrong = mismatches(verified.err)
        row.verify_agree = len(picked) - len(wrong)
        for mid, detail in wrong.items():
            m = by_id.get(mid, {})
            row.disagreements.append(
                Disagreement(
                    project.name,
                    mid,
                    "verify",
                    m.get("verdict", "?"),
                    m.get("caught", []),
                    "breakit's oracle differs",
                    detail,
                )
            )
    else:
        row.notes.append(f"--verify exit {verified.rc}: {error_text(verified.err)}")

    if not independent_check:
        return

    def one(mid: str) -> tuple[str, str, Run | None]:
        problem, got = independent(py, pristine, project, bk, mid, timeout, memory_limit_mb)
        return mid, problem, got

    agree = 0
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for mid, problem, got in pool.map(one, picked):
            m = by_id.get(mid)
            if m is None:
                row.notes.append(f"{mid}: not in check's result")
                continue
            if got is None:
                row.notes.append(f"{mid}: {problem}")
                continue
            if plain_agrees(m["verdict"], got, m.get("duration_s") or 0.0):
                agree += 1
                continue
            row.disagreements.append(
                Disagreement(
                    project.name,
                    mid,
                    "plain",
                    m["verdict"],
                    m.get("caught", []),
                    describe(got),
                    failed_tests(got.out),
                )
            )
    row.plain_agree = agree
    if bk.log:
        log = workdir / project.name / "tracebacks.log"
        log.write_text("\n\n".join(bk.log))
        row.notes.append(f"tracebacks: {log}")


def failed_tests(out: str) -> str:
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", out, re.M)
    return ", ".join(failed[:5]) + (f" (+{len(failed) - 5})" if len(failed) > 5 else "")


# --- the table -------------------------------------------------------------------------------


def first_catch(bk: Breakit, project: Project, jobs: int, row: Row, full: dict) -> None:
    """`check --first-catch` on every mutant the full check ran (--no-cache: a first-catch run
    would reuse the full results), each verdict against the full run's. Timeout in full and
    Killed in first-catch agree by rule (a catch before the hang: README, "Which mode where")."""
    t0 = time.perf_counter()
    fast = bk.json(
        "check",
        "--generated",
        "--json",
        "--no-warm",
        "--no-cache",
        "--first-catch",
        "-j",
        str(jobs),
        *file_args(project),
    )
    row.first_catch_s = time.perf_counter() - t0
    agree = 0
    for m in fast["mutants"]:
        was = full.get(m["id"], {}).get("verdict")
        if m["verdict"] == was or (was, m["verdict"]) == ("Timeout", "Killed"):
            agree += 1
        else:
            row.disagreements.append(
                Disagreement(
                    project.name,
                    m["id"],
                    "first-catch",
                    was or "-",
                    [],
                    f"first-catch says {m['verdict']}",
                    detail="the first-catch verdict differs from the full run's",
                )
            )
    row.first_catch_agree = agree
    row.first_catch_total = len(full)


def cells(row: Row) -> list[str]:
    def n(v: int | None) -> str:
        return "-" if v is None else str(v)

    verify = "-" if row.verify_agree is None else f"{row.verify_agree}/{row.sample}"
    plain = "-" if row.plain_agree is None else f"{row.plain_agree}/{row.sample}"
    return [
        row.project,
        n(row.tests),
        n(row.mutants),
        *(str(row.counts.get(v, 0)) if row.counts else "-" for v in VERDICTS),
        "-" if row.wall_s is None else f"{row.wall_s:.0f}",
        "-" if row.first_catch_s is None else f"{row.first_catch_s:.0f}",
        "-"
        if row.first_catch_agree is None
        else f"{row.first_catch_agree}/{row.first_catch_total}",
        "-" if row.total_s is None else f"{row.total_s:.0f}",
        verify,
        plain,
        str(row.tracebacks),
        row.error or "; ".join(row.notes)[:120],
    ]


HEADER = ["project", "tests", "mutants", "K", "S", "T", "NC", "CE", "RE", "check s"]
HEADER += ["first-catch s", "first-catch = full", "row s"]
HEADER += ["verify", "plain", "tracebacks", "error / note"]


def table(rows: Sequence[Row]) -> str:
    body = [HEADER, *(cells(r) for r in rows)]
    widths = [max(len(r[i]) for r in body) for i in range(len(HEADER))]
    out = []
    for i, r in enumerate(body):
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if i == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(out)


def report(rows: Sequence[Row]) -> str:
    lines = [table(rows), ""]
    found = [d for r in rows for d in r.disagreements]
    lines.append(f"Disagreements: {len(found)}")
    for d in found:
        tests = ", ".join(d.tests[:3]) or "none"
        lines.append(
            f"- {d.project} {d.mutant} [{d.kind}]: breakit {d.verdict} (caught by: {tests}); "
            f"plain pytest: {d.plain}" + (f" — {d.detail}" if d.detail else "")
        )
    return "\n".join(lines)


def load_row(data: dict) -> Row:
    found = [Disagreement(**d) for d in data.pop("disagreements", [])]
    return Row(**data, disagreements=found)


def git_head() -> str:
    got = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    return got.stdout.strip() or "?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this project (repeatable)")
    parser.add_argument(
        "--workdir", type=Path, default=Path.home() / ".cache" / "breakit-field", help="cache dir"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, default=30, help="mutants verified per project")
    parser.add_argument(
        "--suspects",
        type=int,
        default=10,
        help="also verify up to N mutants whose verdict is neither Killed nor Survived",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json-out", type=Path, help="also write every row as JSON here")
    parser.add_argument("--list", action="store_true", help="print the corpus and exit")
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="print the table of earlier --json-out files (in order) and exit",
    )
    args = parser.parse_args(argv)

    if args.report:
        print(report([load_row(r) for path in args.report for r in json.loads(path.read_text())]))
        return 0

    if args.list:
        for p in PROJECTS:
            print(f"{p.name:16} {p.dist}=={p.version}  {p.why}")
        return 0
    chosen = [p for p in PROJECTS if not args.only or p.name in args.only]
    unknown = set(args.only or ()) - {p.name for p in PROJECTS}
    if unknown:
        parser.error(f"unknown project(s): {', '.join(sorted(unknown))} (see --list)")
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    began = time.perf_counter()
    for project in chosen:
        print(f"== {project.name}", file=sys.stderr, flush=True)
        row = trial(
            project,
            workdir,
            seed=args.seed,
            sample=args.sample,
            suspects=args.suspects,
            jobs=args.jobs,
        )
        print(table([row]), file=sys.stderr, flush=True)
        rows.append(row)
        if args.json_out:  # after every row: a run cut short keeps the rows it finished
            args.json_out.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    print(report(rows))
    mutants = sum(r.mutants or 0 for r in rows)
    sampled = sum(r.sample for r in rows)
    print(
        f"\n{len(rows)} projects, {mutants} mutants, {sampled} sampled, "
        f"{sum(r.tracebacks for r in rows)} tracebacks, "
        f"{time.perf_counter() - began:.0f}s in all (--seed {args.seed} --sample {args.sample} "
        f"--suspects {args.suspects} --jobs {args.jobs}, breakit {REPO} at {git_head()})"
    )
    bad = any(r.error or r.disagreements or r.tracebacks for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
