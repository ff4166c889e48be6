"""The mutated copy is what runs, however the project is laid out and installed.

Each case is a small project in tmp_path, installed into its own virtualenv (which sees this
environment's packages through a .pth file), and checked with the real CLI run by that
virtualenv's Python: every breakage must be caught by exactly the declared test. A layout whose
tests import an installed copy instead of the project's folder must be a loud error.

The installs are made as pip makes them, without a build (this environment's setuptools cannot
build wheels offline): an editable install is a .pth file naming the package's folder in the
user's tree (what setuptools writes for `pip install -e .`), a normal one a copy of the package
in site-packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.e2e.cli_harness import SMALL_PROJECT, outcomes, snapshot
from tests.project_files import write_project

pytestmark = pytest.mark.slow

SITE = sysconfig.get_paths()["purelib"]


def make_venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This environment's packages (breakit, pytest, setuptools) without installing them again.
    Path(purelib, "_parent_env.pth").write_text(f"import site; site.addsitedir({SITE!r})\n")
    return python


def install(python: Path, root: Path, package_dir: str, editable: bool) -> None:
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    folder = (root / package_dir).resolve()
    if editable:
        (purelib / "__editable__.calc-0.pth").write_text(f"{folder}\n")
    else:
        shutil.copytree(folder / "calc", purelib / "calc")
        info = purelib / "calc-0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: calc\nVersion: 0\n")


def breakit(python: Path, root: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "BREAKIT_"))}
    env.pop("PYTHONPATH", None)
    env.update(TMPDIR=str(tmp), NO_COLOR="1", COLUMNS="120", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [str(python), "-m", "breakit", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def project(root: Path, package_dir: str, pytest_ini: str = "") -> None:
    """The harness's small project, its package moved into `package_dir`."""
    package = "calc" if package_dir == "." else f"{package_dir}/calc"
    files = {}
    for rel, text in SMALL_PROJECT.items():
        text = text.replace('"calc/__init__.py"', f'"{package}/__init__.py"')
        text = text.replace('source = ["calc"]', f'source = ["{package}"]')
        files[rel.replace("calc/", f"{package}/", 1) if rel.startswith("calc/") else rel] = text
    write_project(root, files)
    pyproject = root / "pyproject.toml"
    if pytest_ini:
        pyproject.write_text(f"{pyproject.read_text()}\n[tool.pytest.ini_options]\n{pytest_ini}\n")


@pytest.mark.parametrize(
    ("package_dir", "install_kind", "pytest_ini"),
    [
        (".", "editable", ""),
        (".", "normal", ""),
        ("src", "editable", ""),
        ("lib", "editable", 'pythonpath = ["lib"]\naddopts = "--rootdir=tests"'),
    ],
    ids=["flat-editable", "flat-installed", "src-editable", "pythonpath-rootdir"],
)
def test_the_mutated_copy_runs(
    tmp_path: Path, package_dir: str, install_kind: str, pytest_ini: str
) -> None:
    root = tmp_path / "proj"
    project(root, package_dir, pytest_ini)
    python = make_venv(tmp_path / "venv")
    install(python, root, package_dir, editable=install_kind == "editable")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = snapshot(root)
    result = breakit(python, root, scratch, "check", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    document = json.loads(result.stdout)
    by_id = {m["id"]: m for m in document["mutants"]}
    for mid, caught in (("minus", "test_add"), ("boundary", "test_zero_is_not_positive")):
        tests = outcomes(document, by_id[mid])
        assert [n for n, t in tests.items() if t["outcome"] == "caught"] == [
            f"tests/test_calc.py::{caught}"
        ]
    assert snapshot(root) == before
    assert list(scratch.iterdir()) == []


def test_tests_importing_the_installed_copy_is_a_loud_error(tmp_path: Path):
    # The package lives in lib/ and nothing puts lib/ on the path: the tests import the editable
    # install, which points at the user's tree, not at breakit's mutated copy.
    root = tmp_path / "proj"
    project(root, "lib")
    python = make_venv(tmp_path / "venv")
    install(python, root, "lib", editable=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = breakit(python, root, scratch, "check")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "do not import the copy of the code breakit mutates" in result.stderr
    assert "pythonpath" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(scratch.iterdir()) == []
