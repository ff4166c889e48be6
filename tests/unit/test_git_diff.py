"""What changed since a git revision (breakit.mutants.git_diff), and which tests that makes changed
(breakit.mutants.changed_since): the hunk parser on git's own output, and the real git on small
repositories."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from breakit.core.errors import ExitCode
from breakit.mutants.changed_since import changed_tests
from breakit.mutants.git_diff import GitDiff, GitError, changed_since, parse_diff, unquote_path
from tests.git_helper import git

DIFF = textwrap.dedent(
    """\
    diff --git a/app/calc.py b/app/calc.py
    index 1111111..2222222 100644
    --- a/app/calc.py
    +++ b/app/calc.py
    @@ -3 +3 @@ def add(a, b):
    -    return a + b
    +    return a - b
    @@ -10,0 +11,3 @@ def sub(a, b):
    +
    +def double(n):
    +    return n * 2
    @@ -20,2 +23,0 @@ def mul(a, b):
    -    x = 1
    -    y = 2
    diff --git a/app/new.py b/app/new.py
    new file mode 100644
    index 0000000..3333333
    --- /dev/null
    +++ b/app/new.py
    @@ -0,0 +1,2 @@
    +A = 1
    +B = 2
    diff --git a/app/gone.py b/app/gone.py
    deleted file mode 100644
    index 4444444..0000000
    --- a/app/gone.py
    +++ /dev/null
    @@ -1,2 +0,0 @@
    -X = 1
    -Y = 2
    diff --git "a/app/sp\\303\\251cial \\"q\\".py" "b/app/sp\\303\\251cial \\"q\\".py"
    index 5555555..6666666 100644
    --- "a/app/sp\\303\\251cial \\"q\\".py"
    +++ "b/app/sp\\303\\251cial \\"q\\".py"
    @@ -1 +1 @@
    -a = 1
    +a = 2
    """
)


def test_hunks_give_the_new_sides_lines_and_the_gap_of_a_deletion():
    lines, new = parse_diff(DIFF)
    # A changed line, three added lines, and a pure deletion after new line 23: lines 23 and 24.
    assert lines["app/calc.py"] == {3, 11, 12, 13, 23, 24}
    assert lines["app/new.py"] == {1, 2}
    assert new == {"app/new.py"}
    assert "app/gone.py" not in lines  # deleted: no mutant can be on it
    assert lines['app/spécial "q".py'] == {1}


def test_quoted_paths_are_unquoted_as_git_quotes_them():
    assert unquote_path("b/plain.py") == "b/plain.py"
    assert unquote_path('"b/tab\\there.py"') == "b/tab\there.py"
    assert unquote_path('"b/caf\\303\\251.py"') == "b/café.py"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_calc.py").write_text(
        "from app.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    (root / ".gitignore").write_text("ignored.py\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    return root


@pytest.mark.slow
def test_staged_unstaged_and_untracked_changes_all_count(repo: Path):
    (repo / "app" / "calc.py").write_text("def add(a, b):\n    return a - b\n")  # unstaged
    (repo / "app" / "staged.py").write_text("S = 1\n")
    git(repo, "add", "app/staged.py")
    (repo / "app" / "untracked.py").write_text("U = 1\nV = 2\n")
    (repo / "ignored.py").write_text("I = 1\n")  # .gitignore'd: not the project's
    git_diff = changed_since(repo, "HEAD")
    assert git_diff.lines == {
        "app/calc.py": frozenset({2}),
        "app/staged.py": frozenset({1}),
        "app/untracked.py": frozenset({1, 2}),
    }
    assert git_diff.new == {"app/staged.py", "app/untracked.py"}
    assert git_diff.commit == git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.slow
def test_a_project_in_a_subfolder_of_the_repository_sees_its_own_paths(repo: Path):
    (repo / "app" / "calc.py").write_text("def add(a, b):\n    return b + a\n")
    (repo / "tests" / "test_calc.py").write_text("# changed\n")
    git_diff = changed_since(repo / "app", "HEAD")
    assert git_diff.lines == {"calc.py": frozenset({2})}


@pytest.mark.slow
def test_git_errors_are_usage_errors_with_a_hint(repo: Path, tmp_path: Path, monkeypatch):
    with pytest.raises(GitError, match="unknown git revision 'no-such-branch'") as bad_ref:
        changed_since(repo, "no-such-branch")
    assert bad_ref.value.exit_code is ExitCode.USAGE
    assert "fetch-depth: 0" in (bad_ref.value.hint or "")
    with pytest.raises(GitError, match="not a git revision"):
        changed_since(repo, "--output=x")
    outside = tmp_path / "outside"
    outside.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(GitError, match="not inside one"):
        changed_since(outside, "HEAD")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(GitError, match="no `git` command was found"):
        changed_since(repo, "HEAD")


TEST_MODULE = textwrap.dedent(
    """\
    import pytest


    def test_one():
        assert True


    @pytest.mark.parametrize("n", [1, 2])
    def test_param(n):
        assert n


    class TestGroup:
        limit = 3

        def test_a(self):
            assert self.limit

        def test_b(self):
            assert True
    """
)
NODE = "tests/test_m.py::"


def changed(tmp_path: Path, lines: set[int]) -> set[str]:
    (tmp_path / "tests").mkdir(exist_ok=True)
    (tmp_path / "tests" / "test_m.py").write_text(TEST_MODULE)
    tests = [
        NODE + "test_one",
        NODE + "test_param[1]",
        NODE + "test_param[2]",
        NODE + "TestGroup::test_a",
        NODE + "TestGroup::test_b",
        NODE + "test_inherited_from_elsewhere",
    ]
    git_diff = GitDiff("HEAD", "0" * 40, {"tests/test_m.py": frozenset(lines)})
    return set(changed_tests(tests, git_diff, tmp_path))


def test_a_test_is_changed_when_a_line_of_its_own_definition_is(tmp_path: Path):
    # A line of test_one's body: it, and the test breakit cannot find (module-wide fallback).
    assert changed(tmp_path, {5}) == {NODE + "test_one", NODE + "test_inherited_from_elsewhere"}
    # The decorator of a parametrized test: each of its cases.
    assert NODE + "test_param[2]" in changed(tmp_path, {8})
    assert NODE + "test_one" not in changed(tmp_path, {8})
    # A class attribute is part of each method's test; one method's body only of its own.
    assert {NODE + "TestGroup::test_a", NODE + "TestGroup::test_b"} <= changed(tmp_path, {14})
    in_a = changed(tmp_path, {17})
    assert NODE + "TestGroup::test_a" in in_a and NODE + "TestGroup::test_b" not in in_a
    # The import line is no test's definition.
    assert changed(tmp_path, {1}) == {NODE + "test_inherited_from_elsewhere"}


def test_bring_in_keeps_the_mutants_on_changed_lines_and_those_changed_tests_cover(tmp_path: Path):
    from breakit.core.model import Mutant
    from breakit.mutants.changed_since import bring_in

    source = "def add(a, b):\n    return a + b\n\n\ndef neg(n):\n    return -n\n"

    def mutant(mutant_id: str, old: str, new: str) -> Mutant:
        return Mutant(
            id=mutant_id,
            origin="op",
            title=mutant_id,
            changes={"app/calc.py": source.replace(old, new)},
            originals={"app/calc.py": source},
        )

    add, neg = mutant("add", "a + b", "a - b"), mutant("neg", "-n", "n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_calc.py").write_text(
        "def test_add():\n    assert True\n\n\ndef test_neg():\n    assert True\n"
    )
    tests = ["tests/test_calc.py::test_add", "tests/test_calc.py::test_neg"]
    coverage = {
        tests[0]: frozenset({("app/calc.py", 2)}),
        tests[1]: frozenset({("app/calc.py", 6)}),
    }
    # test_neg's body changed; add's line too.
    git_diff = GitDiff(
        "HEAD", "0" * 40, {"app/calc.py": frozenset({2}), "tests/test_calc.py": frozenset({6})}
    )
    chosen, since = bring_in([add, neg], git_diff, tests, coverage, tmp_path)
    assert [m.id for m in chosen] == ["add", "neg"]
    assert since.reasons == {"add": ("changed-line",), "neg": (f"changed-test:{tests[1]}",)}
    assert since.tests == {tests[1]: ("tests/test_calc.py", 6)}
    # Nothing changed in a test, and neg's line did not change: only add.
    only_source = GitDiff("HEAD", "0" * 40, {"app/calc.py": frozenset({2})})
    assert [m.id for m in bring_in([add, neg], only_source, tests, coverage, tmp_path)[0]] == [
        "add"
    ]
    # Without per-test coverage, a changed test brings in every mutant (nothing is assumed).
    chosen, since = bring_in([add, neg], git_diff, tests, None, tmp_path)
    assert since.reasons["neg"] == (f"changed-test:{tests[1]}",)
    assert since.reasons["add"] == ("changed-line", f"changed-test:{tests[1]}")
