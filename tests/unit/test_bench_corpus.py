"""The field trial's corpus, bench/corpus.toml: every entry well-formed, and a malformed one named
in a clear error (bench/corpus.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.corpus import CORPUS, CorpusError, Project, load_corpus

GOOD = """
[[project]]
name = "tiny"
why = "a tiny project"
dist = "tiny"
version = "1.0"
source = ["tiny"]
tests = ["tests"]
"""


def test_every_entry_of_the_corpus_is_well_formed() -> None:
    projects = load_corpus()
    assert len(projects) >= 10
    names = [p.name for p in projects]
    assert len(set(names)) == len(names)
    for p in projects:
        assert p.why and p.source and p.tests, p.name
        # Pinned to one release of one PyPI project: a trial run again meets the same code.
        assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", p.dist), p.name
        assert re.fullmatch(r"\d+(\.\d+)+", p.version), p.name
        assert not p.local, p.name  # a local folder is the smoke test's, never the corpus's
        for rel in (*p.source, *p.tests, *p.files, *p.exclude, p.subdir):
            assert not rel.startswith("/") and ".." not in Path(rel).parts, (p.name, rel)
        for bound in p.files:  # --file bounds lie inside the mutated source
            assert any(bound == s or bound.startswith(s.rstrip("/") + "/") for s in p.source)
        assert all(isinstance(pair, tuple) and len(pair) == 2 for pair in (*p.cut, *p.write))


def test_the_corpus_reads_tables_and_multiline_texts() -> None:
    by_name = {p.name: p for p in load_corpus()}
    app = by_name["fastapi-async"]
    assert app.cut == (
        ("docs_src/async_tests/app_a", "app_a"),
        ("docs_src/app_testing/app_a", "app_c"),
    )
    assert app.write == (("pyproject.toml", '[project]\nname = "app-a"\nversion = "0"\n'),)
    assert by_name["more-itertools"].operators == ("comparison", "return_none", "boolean")
    assert by_name["flaskr"].install == ("flask==3.1.3", "pytest", "-e", ".")


def test_a_well_formed_entry_is_a_project(tmp_path: Path) -> None:
    path = tmp_path / "corpus.toml"
    path.write_text(GOOD + 'files = ["tiny/core.py"]\n[project.cut]\n"src/tiny" = "tiny"\n')
    (project,) = load_corpus(path)
    assert project == Project(
        name="tiny",
        why="a tiny project",
        dist="tiny",
        version="1.0",
        source=("tiny",),
        tests=("tests",),
        files=("tiny/core.py",),
        cut=(("src/tiny", "tiny"),),
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('sources = ["tiny"]\n', "project 2 (broken): unknown key(s) sources"),
        ('local = "/tmp/tiny"\n', "project 2 (broken): unknown key(s) local"),
        ('files = "tiny/core.py"\n', "project 2 (broken): files must be a list of strings"),
        ("files = [1]\n", "project 2 (broken): files must be a list of strings"),
        ("subdir = 3\n", "project 2 (broken): subdir must be a string"),
        ('cut = ["a", "b"]\n', "project 2 (broken): cut must be a table of strings"),
        ("write = { x = 1 }\n", "project 2 (broken): write must be a table of strings"),
    ],
)
def test_a_malformed_entry_is_named_in_the_error(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "corpus.toml"
    path.write_text(GOOD + GOOD.replace('"tiny"', '"broken"', 1) + extra)
    with pytest.raises(CorpusError) as caught:
        load_corpus(path)
    assert str(caught.value).startswith(f"{path}: {message}"), caught.value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('version = "1.0"\n', ""), "project 1 (tiny): missing or empty version"),
        (
            GOOD.replace('tests = ["tests"]', "tests = []"),
            "project 1 (tiny): missing or empty tests",
        ),
        (GOOD.replace('name = "tiny"\n', ""), "project 1: missing or empty name"),
        (GOOD + GOOD, "project name(s) used twice: tiny"),
        ("[[project]]\nname = 'x'\nwhy = [\n", ""),  # not TOML: tomllib's own message
        ("[tool]\nx = 1\n", "unknown top-level key(s) ['tool']"),
        ("", "no [[project]] entries"),
    ],
)
def test_a_malformed_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "corpus.toml"
    path.write_text(text)
    with pytest.raises(CorpusError) as caught:
        load_corpus(path)
    assert str(caught.value).startswith(f"{path}: {message}"), caught.value


def test_the_field_trial_reads_this_file() -> None:
    assert Path(__file__).resolve().parents[2] / "bench" / "corpus.toml" == CORPUS
