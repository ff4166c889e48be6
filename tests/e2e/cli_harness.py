"""The harness for end-to-end tests: run the real `breakit` CLI on copies of projects."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# The one reader of breakit's JSON document as docs/json.md describes it, shared with the field
# trial (bench/document.py).
from bench.document import outcomes as outcomes
from tests.project_files import write_project

REPO = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "*.pyc",
    ".breakit",
    "*.egg-info",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    ".ci",
    "node_modules",
)


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the tree (but breakit's own .breakit/ cache) and a hash of its bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == ".breakit" or "__pycache__" in rel.parts or not path.is_file():
            continue
        found[rel.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


class Breakit:
    """Runs the real CLI (`python -m breakit`) in a project folder."""

    def __init__(
        self,
        root: Path,
        tmp: Path,
        pythonpath: Sequence[Path] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.tmp = tmp  # TMPDIR for breakit: its workspaces must be gone afterwards
        self.pythonpath = tuple(pythonpath)  # folders first on PYTHONPATH (tests/e2e/plugin_site)
        self.environ = dict(environ or {})  # the project's own settings (a database server's)

    def env(self) -> dict[str, str]:
        # GITHUB_*: this suite run on GitHub Actions must not annotate or write its job summary.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "BREAKIT_", "GITHUB_"))
        }
        env.update(TMPDIR=str(self.tmp), NO_COLOR="1", COLUMNS="120", PYTHONDONTWRITEBYTECODE="1")
        env.update(self.environ)
        if self.pythonpath:
            front = [str(path) for path in self.pythonpath]
            env["PYTHONPATH"] = os.pathsep.join([*front, *filter(None, [env.get("PYTHONPATH")])])
        return env

    def __call__(
        self, *args: str, cwd: Path | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "breakit", *args],
            cwd=cwd or self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def run_with_env(self, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "breakit", *args],
            cwd=self.root,
            env={**self.env(), **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def popen(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "breakit", *args],
            cwd=self.root,
            env={**self.env(), **(extra or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A shell runs background jobs with SIGINT ignored, and a child inherits that: undo it,
            # so the tests' Ctrl-C reaches breakit however the suite itself was started.
            preexec_fn=_default_sigint,
        )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def answering(breakit: Breakit, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI with `answer` on its standard input (no terminal: --predict reads a line)."""
    return subprocess.run(
        [sys.executable, "-m", "breakit", *args],
        cwd=breakit.root,
        env=breakit.env(),
        input=answer,
        capture_output=True,
        text=True,
        timeout=300,
    )


SMALL_PROJECT = {
    "pyproject.toml": """
        [project]
        name = "calc"
        version = "0"

        [tool.breakit]
        source = ["calc"]
        tests = ["tests"]
        mutations = ["breakages"]
        timeout_factor = 1.0
        timeout_min_s = 4.0
    """,
    "calc/__init__.py": """
        def add(a, b):
            return a + b


        def is_positive(n):
            return n > 0
    """,
    "tests/test_calc.py": """
        from calc import add, is_positive


        def test_add():
            assert add(2, 3) == 5


        def test_positive():
            assert is_positive(1)


        def test_zero_is_not_positive():
            assert not is_positive(0)
    """,
    "breakages/minus.py": """
        import libcst as cst
        import libcst.matchers as m

        from breakit.core.model import FileEdit, Mutation


        class Minus(m.MatcherDecoratableTransformer):
            @m.leave(m.BinaryOperation(operator=m.Add()))
            def minus(self, original, updated):
                return updated.with_changes(operator=cst.Subtract())


        MUTATION = Mutation(
            id="minus",
            title="add subtracts",
            question="add now subtracts. Which test notices?",
            hints=("Look at add.",),
            edits=(FileEdit("calc/__init__.py", Minus, looks_for="a + in calc"),),
            caught_by=("tests/test_calc.py::test_add",),
        )
    """,
    "breakages/boundary.py": """
        import libcst as cst
        import libcst.matchers as m

        from breakit.core.model import FileEdit, Mutation


        class AtLeast(m.MatcherDecoratableTransformer):
            @m.leave(m.ComparisonTarget(operator=m.GreaterThan()))
            def at_least(self, original, updated):
                return updated.with_changes(operator=cst.GreaterThanEqual())


        MUTATION = Mutation(
            id="boundary",
            title="is_positive accepts zero",
            question="0 is now positive. Which test notices?",
            hints=("Look at the comparison.",),
            edits=(FileEdit("calc/__init__.py", AtLeast, looks_for="a > comparison in calc"),),
            caught_by=("tests/test_calc.py::test_zero_is_not_positive",),
        )
    """,
}


# A project whose generated mutants get every kind of verdict that counts: Killed (`add`),
# Survived (`is_positive`'s `>` → `>=`: no test tries 0) and NoCoverage (`unused`).
MIXED_PROJECT = {
    "pyproject.toml": """
        [project]
        name = "calc"
        version = "0"

        [tool.breakit]
        source = ["calc"]
        tests = ["tests"]
    """,
    "calc/__init__.py": """
        def add(a, b):
            return a + b


        def is_positive(n):
            return n > 0


        def unused(x):
            return x * 2
    """,
    "tests/test_calc.py": """
        from calc import add, is_positive


        def test_add():
            assert add(2, 3) == 5


        def test_positive():
            assert is_positive(1)
    """,
}


def verdicts(document: dict[str, Any]) -> dict[str, str]:
    """A `--json` document's verdict by mutant id."""
    return {mutant["id"]: mutant["verdict"] for mutant in document["mutants"]}


def verdict_counts(document: dict[str, Any]) -> dict[str, int]:
    """How many mutants of a `--json` document have each verdict."""
    counts: dict[str, int] = {}
    for mutant in document["mutants"]:
        counts[mutant["verdict"]] = counts.get(mutant["verdict"], 0) + 1
    return counts


def project_in(tmp: Path, name: str, files: dict[str, str]) -> Breakit:
    """A project written from `files` into `tmp/name`, and the CLI to run in it (its TMPDIR in
    `tmp/tmp`)."""
    root = tmp / name
    write_project(root, files)
    scratch = tmp / "tmp"
    scratch.mkdir()
    return Breakit(root, scratch)


# A breakage of the small project whose `add` never returns: a Timeout, or a run to interrupt.
HANG_BREAKAGE = """
                import libcst as cst
                import libcst.matchers as m

                from breakit.core.model import FileEdit, Mutation


                class Hang(m.MatcherDecoratableTransformer):
                    @m.leave(m.FunctionDef(name=m.Name("add")))
                    def hang(self, original, updated):
                        loop = cst.parse_statement("while True:\\n    pass\\n")
                        return updated.with_changes(body=updated.body.with_changes(body=[loop]))


                MUTATION = Mutation(
                    id="hang",
                    title="add never returns",
                    question="What does a test do when the code hangs?",
                    hints=("Look at add.",),
                    edits=(FileEdit("calc/__init__.py", Hang, looks_for="def add"),),
                )
            """
