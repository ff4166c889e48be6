"""A corpus project made ready: its sdist fetched from PyPI and laid out afresh (or a local
folder copied), its `[tool.breakit]` table written, and its own venv with breakit from here."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import tarfile
from collections.abc import Sequence
from pathlib import Path

from bench import REPO
from bench.corpus import Project
from bench.process import StepError, clean_env, last_line, run

IGNORED = shutil.ignore_patterns(
    ".breakit", "__pycache__", "*.pyc", ".pytest_cache", ".git", "venv", ".venv", ".tox"
)


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
