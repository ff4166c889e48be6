"""Generated ids in a src/ layout read as the tests import the code (issue 23): `pkg.calc:…`,
not `src.pkg.calc:…`; every command takes them, and the former spelling still works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit
from tests.project_files import write_project

pytestmark = pytest.mark.slow

SRC_LAYOUT = {
    "pyproject.toml": """
        [project]
        name = "pkg"
        version = "0"

        [tool.pytest.ini_options]
        pythonpath = ["src"]

        [tool.breakit]
        source = ["src/pkg"]
        tests = ["tests"]
    """,
    "src/pkg/__init__.py": """
        def double(x):
            return x * 2
    """,
    "src/pkg/calc.py": """
        def add(a, b):
            return a + b


        def is_positive(n):
            return n > 0
    """,
    "tests/test_pkg.py": """
        from pkg import double
        from pkg.calc import add, is_positive


        def test_add():
            assert add(2, 3) == 5


        def test_double():  # too weak: only a mutant that breaks 0 * 2 is caught
            assert double(0) == 0


        def test_positive():
            assert is_positive(1)
            assert not is_positive(0)
    """,
}


def listed(breakit: Breakit, *args: str) -> list[dict]:
    done = breakit("list", "--generated", "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["mutants"]


def checked(breakit: Breakit, *args: str) -> dict[str, dict]:
    done = breakit("check", "--generated", "--json", *args)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    return {m["id"]: m for m in json.loads(done.stdout)["mutants"]}


def test_src_layout_ids_leave_src_out_and_every_command_takes_them(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write_project(root, SRC_LAYOUT)
    (tmp_path / "tmp").mkdir()
    breakit = Breakit(root, tmp_path / "tmp")

    mutants = listed(breakit)
    ids = [m["id"] for m in mutants]
    assert {i.split(":")[0] for i in ids} == {"pkg.__init__", "pkg.calc"}
    assert {f for m in mutants for f in m["files"]} == {"src/pkg/__init__.py", "src/pkg/calc.py"}
    human = breakit("list", "--generated")
    assert "src." not in human.stdout and all(i in human.stdout for i in ids)
    (minus,) = [m["id"] for m in mutants if m["id"].startswith("pkg.calc:arithmetic:")]
    former = f"src.{minus}"

    # apply, diff, check IDS: the id as listed, and its former spelling for the same mutant.
    applied = breakit("apply", minus)
    assert applied.returncode == 0, applied.stdout[-2000:] + applied.stderr[-2000:]
    assert minus in applied.stdout and "test_pkg.py::test_add" in applied.stdout
    diff = breakit("diff", minus)
    assert diff.returncode == 0 and diff.stdout.startswith("--- a/src/pkg/calc.py\n")
    assert breakit("diff", former).stdout == diff.stdout
    assert checked(breakit, minus)[minus]["verdict"] == "Killed"
    assert list(checked(breakit, former)) == [minus]
    typo = breakit("check", "--generated", minus[:-1] + "#")
    assert typo.returncode == 2 and f"did you mean {minus!r}" in typo.stderr

    # --file takes the path, --match the id (or its former spelling).
    in_calc = [i for i in ids if i.startswith("pkg.calc:")]
    assert [m["id"] for m in listed(breakit, "--file", "src/pkg/calc.py")] == in_calc
    assert [m["id"] for m in listed(breakit, "--match", "pkg.calc:*")] == in_calc
    assert [m["id"] for m in listed(breakit, "--match", "src.pkg.calc:*")] == in_calc

    # The whole run; then shards of it (reused from .breakit/) merge into the same ids.
    whole = checked(breakit)
    assert sorted(whole) == sorted(ids)
    assert {i for i, m in whole.items() if m["cached"]} == {minus}  # the checks above were kept
    shards = []
    for k in (1, 2):
        done = breakit("check", "--generated", "--shard", f"{k}/2", "--json")
        assert done.returncode in (0, 1), done.stderr[-2000:]
        (tmp_path / f"shard{k}.json").write_text(done.stdout)
        shards.append(str(tmp_path / f"shard{k}.json"))
    merged = breakit("merge", *shards, "--json")
    assert merged.returncode in (0, 1), merged.stderr[-2000:]
    assert sorted(m["id"] for m in json.loads(merged.stdout)["mutants"]) == sorted(ids)

    # [tool.breakit.equivalent] takes the id, and its former spelling as written before.
    survivors = [i for i, m in whole.items() if m["verdict"] == "Survived"]
    assert survivors, whole
    pyproject = root / "pyproject.toml"
    table = "".join(f'"src.{i}" = "equivalent: a test of the spec"\n' for i in survivors)
    pyproject.write_text(f"{pyproject.read_text()}\n[tool.breakit.equivalent]\n{table}")
    ignored = checked(breakit)
    assert [i for i, m in ignored.items() if m["verdict"] == "Ignored"] == survivors
    done = breakit("check", "--generated")
    assert done.returncode == 0, done.stdout[-2000:]
