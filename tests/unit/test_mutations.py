"""The curated mutations: each transformer on a snippet, on the real project, and loud failures."""

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import libcst.matchers as m
import pytest

from breakit.core.config import Config
from breakit.core.errors import ExitCode, MutationError
from breakit.core.model import FileEdit, Location, Mutation
from breakit.mutants.authoring import assert_no_change, assert_transform
from breakit.mutants.catalog import load_catalog
from breakit.mutants.codemod import apply_mutation, transform_source

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog(Config(root=ROOT, tests=("tests/integration",), mutations=("mutations",)))


def transformer(mutation_id: str, index: int = 0) -> type[cst.CSTTransformer]:
    found = CATALOG.get(mutation_id).edits[index].transformer
    assert found is not None
    return found


# --- each transformer, before and after -------------------------------------------------------


def test_constant_id():
    assert_transform(
        transformer("constant-id"),
        """
        def next_todo_id(session):
            counter.last_id += 1
            return counter.last_id

        def other():
            return 5
        """,
        """
        def next_todo_id(session):
            counter.last_id += 1
            return 1

        def other():
            return 5
        """,
    )
    assert_no_change(transformer("constant-id"), "def next_todo_id(session):\n    return 1\n")


def test_no_post_body():
    assert_transform(
        transformer("no-post-body"),
        """
        @router.post("", response_model=Todo, status_code=201)
        def create_todo(payload, session):
            session.add(todo)
            return todo

        @router.get("", response_model=Todo)
        def get_todo(todo_id, session):
            return find_todo(session, todo_id)
        """,
        """
        @router.post("", response_model=None, status_code=201)
        def create_todo(payload, session):
            session.add(todo)

        @router.get("", response_model=Todo)
        def get_todo(todo_id, session):
            return find_todo(session, todo_id)
        """,
    )


def test_drop_conftest_shares_one_client_per_module():
    shared_client = transformer("drop-conftest", 1)
    setup = sys.modules[shared_client.__module__].SHARED_SETUP.lstrip("\n")
    tests = textwrap.dedent(
        """
        @pytest.mark.parametrize("n", [1, 2])
        def test_a(client, db, n):
            assert client.get("/todos").json() == []


        def test_b(n, engine):
            pass


        def helper(client):
            return client
        """
    )
    after = tests.replace("(client, db, n)", "(n)").replace("(n, engine)", "(n)")
    # The shared setup goes after the docstring and the imports; helpers keep their parameters.
    assert_transform(
        shared_client,
        '"""Docs."""\n\nimport pytest\n\n' + tests,
        '"""Docs."""\n\nimport pytest\n' + setup + "\n" + after,
    )
    assert "client = TestClient(create_app(engine))" in setup
    assert "db = Database(engine)" in setup


def test_drop_conftest_leaves_modules_without_fixtures_alone():
    assert_no_change(
        transformer("drop-conftest", 1),
        """
        def test_pure():
            assert 1 + 1 == 2
        """,
    )


def test_no_404_check():
    assert_transform(
        transformer("no-404-check"),
        """
        def find_todo(session, todo_id):
            todo = session.get(TodoRow, todo_id)
            if todo is None:
                raise HTTPException(404)
            return todo
        """,
        """
        def find_todo(session, todo_id):
            todo = session.get(TodoRow, todo_id)
            return todo
        """,
    )


def test_delete_nothing():
    assert_transform(
        transformer("delete-nothing"),
        """
        def delete_todo(todo_id, session):
            todo = find_todo(session, todo_id)
            session.delete(todo)
            session.commit()
        """,
        """
        def delete_todo(todo_id, session):
            todo = find_todo(session, todo_id)
            session.commit()
        """,
    )


def test_done_filter_ignored():
    assert_transform(
        transformer("done-filter-ignored"),
        """
        def list_todos(session, done=None):
            query = select(TodoRow)
            if done is not None:
                query = query.where(TodoRow.done == done)
            return list(session.scalars(query))
        """,
        """
        def list_todos(session, done=None):
            query = select(TodoRow)
            return list(session.scalars(query))
        """,
    )


def test_put_ignores_done():
    assert_transform(
        transformer("put-ignores-done"),
        """
        def update_todo(todo_id, payload, session):
            todo.title = payload.title
            todo.done = payload.done
            session.commit()
        """,
        """
        def update_todo(todo_id, payload, session):
            todo.title = payload.title
            session.commit()
        """,
    )


def test_no_title_validation():
    assert_transform(
        transformer("no-title-validation"),
        """
        Title = Annotated[str, StringConstraints(min_length=1)]
        Name = Annotated[str, StringConstraints(min_length=1)]
        """,
        """
        Title = str
        Name = Annotated[str, StringConstraints(min_length=1)]
        """,
    )


def test_duplicate_email_500():
    assert_transform(
        transformer("duplicate-email-500"),
        """
        def create_user(payload, session):
            session.add(user)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise HTTPException(409) from None
            return user
        """,
        """
        def create_user(payload, session):
            session.add(user)
            session.commit()
            return user
        """,
    )


def test_no_commit():
    assert_transform(
        transformer("no-commit"),
        """
        def create_todo(payload, session):
            session.add(todo)
            session.commit()
            return todo

        def update_todo(todo_id, payload, session):
            session.commit()
        """,
        """
        def create_todo(payload, session):
            session.add(todo)
            return todo

        def update_todo(todo_id, payload, session):
            session.commit()
        """,
    )


def test_wrong_create_status():
    assert_transform(
        transformer("wrong-create-status"),
        """
        @router.post("", status_code=status.HTTP_201_CREATED)
        def create_todo(payload, session):
            pass

        @router.post("", status_code=status.HTTP_201_CREATED)
        def create_user(payload, session):
            pass
        """,
        """
        @router.post("", status_code=status.HTTP_200_OK)
        def create_todo(payload, session):
            pass

        @router.post("", status_code=status.HTTP_201_CREATED)
        def create_user(payload, session):
            pass
        """,
    )


def test_email_not_validated():
    assert_transform(
        transformer("email-not-validated"),
        """
        class UserCreate(BaseModel):
            name: Name
            email: EmailStr

        class Other(BaseModel):
            email: EmailStr
        """,
        """
        class UserCreate(BaseModel):
            name: Name
            email: str

        class Other(BaseModel):
            email: EmailStr
        """,
    )


def test_todo_id_unbounded():
    assert_transform(
        transformer("todo-id-unbounded"),
        """
        TodoId = Annotated[int, Path(ge=1, le=2**63 - 1)]
        UserId = Annotated[int, Path(ge=1)]
        """,
        """
        TodoId = int
        UserId = Annotated[int, Path(ge=1)]
        """,
    )


def test_extra_fields_allowed():
    assert_transform(
        transformer("extra-fields-allowed"),
        """
        class TodoCreate(BaseModel):
            model_config = ConfigDict(extra="forbid")

        class TodoUpdate(BaseModel):
            model_config = ConfigDict(extra="forbid")
        """,
        """
        class TodoCreate(BaseModel):
            model_config = ConfigDict(extra="ignore")

        class TodoUpdate(BaseModel):
            model_config = ConfigDict(extra="forbid")
        """,
    )


def test_no_body_limit():
    assert_transform(
        transformer("no-body-limit"),
        """
        def create_app(database):
            app.add_middleware(DeclaredBodyLimit, max_bytes=MAX_BODY_BYTES)
            app.add_middleware(Other)
            return app
        """,
        """
        def create_app(database):
            app.add_middleware(Other)
            return app
        """,
    )


def test_every_mutation_has_a_before_after_test():
    tests = [name for name in globals() if name.startswith("test_")]
    untested = [
        mutation_id
        for mutation_id in CATALOG.ids
        if not any(name.startswith("test_" + mutation_id.replace("-", "_")) for name in tests)
    ]
    assert untested == []


# --- each mutation on the real project --------------------------------------------------------

# id -> (the files it changes, text the first changed file gains, text it loses)
ON_THE_PROJECT = {
    "constant-id": ("target_app/ids.py", "    return 1\n", "return counter.last_id"),
    "no-post-body": (
        "target_app/todos.py",
        "response_model=None, status_code",
        '    return todo\n\n\n@router.get("/{todo_id}"',
    ),
    "no-404-check": ("target_app/todos.py", "", "if todo is None:"),
    "delete-nothing": ("target_app/todos.py", "", "session.delete(todo)"),
    "done-filter-ignored": ("target_app/todos.py", "", "if done is not None:"),
    "put-ignores-done": ("target_app/todos.py", "", "todo.done = payload.done"),
    "no-title-validation": ("target_app/schemas.py", "\nTitle = str\n", "Title = Annotated"),
    "duplicate-email-500": ("target_app/users.py", "", "except IntegrityError:"),
    "no-commit": ("target_app/todos.py", "", "    session.add(todo)\n    session.commit()"),
    "wrong-create-status": ("target_app/todos.py", "Todo, status_code=status.HTTP_200_OK)", ""),
    "email-not-validated": (
        "target_app/schemas.py",
        "    name: Name\n    email: str\n",
        "    email: EmailStr\n",
    ),
    "todo-id-unbounded": (
        "target_app/todos.py",
        "\nTodoId = int\n",
        "Path(ge=1, le=2**63 - 1)]\n\n",
    ),
    "extra-fields-allowed": ("target_app/schemas.py", 'extra="ignore"', ""),
    "no-body-limit": ("target_app/app.py", "", "DeclaredBodyLimit, max_bytes"),
}


@pytest.mark.parametrize("mutation_id", sorted(ON_THE_PROJECT))
def test_applies_to_the_project(mutation_id):
    path, gains, loses = ON_THE_PROJECT[mutation_id]
    mutant = apply_mutation(CATALOG.get(mutation_id), ROOT)
    assert mutant.id == mutation_id
    assert mutant.origin == "mutation"
    assert mutant.mutation is CATALOG.get(mutation_id)
    assert mutant.paths == (path,)
    new, old = mutant.changes[path], mutant.originals[path]
    assert old == (ROOT / path).read_text()
    assert new != old
    if gains:
        assert gains in new and gains not in old
    if loses:
        assert loses in old and loses not in new
    compile(new, path, "exec", dont_inherit=True)
    assert mutant.location is not None and mutant.location.path == path
    assert f"+++ b/{path}" in mutant.diff


def test_every_mutation_applies_to_the_project():
    assert sorted(ON_THE_PROJECT) == sorted(set(CATALOG.ids) - {"drop-conftest"})


def test_drop_conftest_on_the_project():
    mutant = apply_mutation(CATALOG.get("drop-conftest"), ROOT)
    tests = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "tests/integration").glob("test_*.py")
    )
    assert mutant.paths == tuple(sorted(["tests/integration/conftest.py", *tests]))
    assert mutant.changes["tests/integration/conftest.py"] is None
    for path in tests:
        new = mutant.changes[path]
        assert "client = TestClient(create_app(engine))" in new
        assert not re.search(r"def test_\w+\((client|db|engine)\b", new)
        compile(new, path, "exec", dont_inherit=True)
    assert "deleted file mode" in mutant.diff
    # The conftest is only deleted, so the location is the first rewritten test module.
    assert mutant.location.path == tests[0]


def test_answer_keys_name_real_tests():
    for mutation in CATALOG.all():
        for nodeid in mutation.caught_by:
            path, _, name = nodeid.partition("::")
            function = name.partition("[")[0]
            assert f"def {function}(" in (ROOT / path).read_text(), (mutation.id, nodeid)


@pytest.mark.slow
def test_drop_conftest_answer_key_is_what_pytest_reports(tmp_path):
    """The shared-state failures are real assertion failures, exactly the declared ones."""
    for name in ("pyproject.toml", "target_app", "tests/integration"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    mutation = CATALOG.get("drop-conftest")
    for path, text in apply_mutation(mutation, tmp_path).changes.items():
        if text is None:
            (tmp_path / path).unlink()
        else:
            (tmp_path / path).write_text(text)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/integration",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rf",
            "--tb=line",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    failed = re.findall(r"^FAILED (\S+)", run.stdout, re.MULTILINE)
    assert sorted(failed) == sorted(mutation.caught_by), run.stdout[-3000:]
    assert "NameError" not in run.stdout
    assert run.stdout.count("AssertionError") >= len(mutation.caught_by)


# --- loud failures ----------------------------------------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_target_that_changed_names_id_file_and_looks_for(tmp_path):
    write(tmp_path, {"target_app/ids.py": "def make_id(session):\n    return uuid4()\n"})
    mutation = CATALOG.get("constant-id")
    with pytest.raises(MutationError) as caught:
        apply_mutation(mutation, tmp_path)
    message = caught.value.message
    assert message.startswith("mutation 'constant-id' no longer applies: target_app/ids.py has no ")
    assert mutation.edits[0].looks_for in message
    assert "\n" not in message
    assert "mutations/constant_id.py" in caught.value.hint
    assert caught.value.exit_code is ExitCode.MUTATION_BROKEN


def test_an_already_mutated_target_no_longer_applies(tmp_path):
    mutant = apply_mutation(CATALOG.get("no-commit"), ROOT)
    write(tmp_path, {"target_app/todos.py": mutant.changes["target_app/todos.py"]})
    with pytest.raises(MutationError, match=r"'no-commit' no longer applies: target_app/todos.py"):
        apply_mutation(CATALOG.get("no-commit"), tmp_path)


class AddsComment(m.MatcherDecoratableTransformer):
    @m.leave(m.Name("target"))
    def rename(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value="renamed")


def mutation_of(*edits: FileEdit) -> Mutation:
    return Mutation(id="demo", title="demo", question="?", hints=(), edits=edits)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(
        MutationError, match=r"'demo' no longer applies: app/gone.py does not exist"
    ):
        apply_mutation(mutation_of(FileEdit("app/gone.py", AddsComment, "target")), tmp_path)


def test_a_glob_matching_nothing_is_an_error(tmp_path):
    with pytest.raises(MutationError, match=r"no file matches tests/test_\*.py"):
        apply_mutation(mutation_of(FileEdit("tests/test_*.py", AddsComment, "target")), tmp_path)


def test_a_glob_needs_one_changed_file_not_all(tmp_path):
    write(tmp_path, {"t/test_a.py": "x = 1\n", "t/test_b.py": "target = 1\n", "t/c.py": "target\n"})
    mutant = apply_mutation(mutation_of(FileEdit("t/test_*.py", AddsComment, "a target")), tmp_path)
    assert dict(mutant.changes) == {"t/test_b.py": "renamed = 1\n"}
    assert mutant.location == Location("t/test_b.py", 1, 1, 1, 11)


def test_a_glob_changing_no_file_is_an_error(tmp_path):
    write(tmp_path, {"t/test_a.py": "x = 1\n", "t/test_b.py": "y = 2\n"})
    with pytest.raises(MutationError) as caught:
        apply_mutation(
            mutation_of(FileEdit("t/test_*.py", AddsComment, "a name `target`")), tmp_path
        )
    assert caught.value.message == (
        "mutation 'demo' no longer applies: no file matching t/test_*.py has a name `target` "
        "(the target code changed?)"
    )


def test_deleting_only_has_no_location(tmp_path):
    write(tmp_path, {"a.py": "x = 1\n"})
    mutant = apply_mutation(mutation_of(FileEdit("a.py", None, "a.py")), tmp_path)
    assert dict(mutant.changes) == {"a.py": None}
    assert mutant.originals == {"a.py": "x = 1\n"}
    assert mutant.location is None
    assert (tmp_path / "a.py").exists()  # the project itself is never touched


def test_location_is_the_first_changed_lines(tmp_path):
    write(tmp_path, {"a.py": "a = 1\nb = 2\n\n\ndef f():\n    return target\n"})
    mutant = apply_mutation(mutation_of(FileEdit("a.py", AddsComment, "target")), tmp_path)
    assert mutant.location == Location("a.py", 6, 1, 6, len("    return renamed"))


def test_a_syntax_error_in_the_target_is_a_mutation_error(tmp_path):
    write(tmp_path, {"a.py": "def (:\n"})
    with pytest.raises(MutationError, match=r"'demo' cannot parse a.py"):
        apply_mutation(mutation_of(FileEdit("a.py", AddsComment, "target")), tmp_path)


def test_a_crashing_transformer_is_a_mutation_error(tmp_path):
    class Crashes(cst.CSTTransformer):
        def leave_Name(self, original, updated):
            raise RuntimeError("bug in the transformer")

    write(tmp_path, {"a.py": "target = 1\n"})
    with pytest.raises(MutationError, match=r"'demo' crashed on a.py: RuntimeError: bug in the"):
        apply_mutation(mutation_of(FileEdit("a.py", Crashes, "target")), tmp_path)


def test_assert_transform_shows_a_diff_on_mismatch():
    with pytest.raises(AssertionError) as caught:
        assert_transform(AddsComment, "target = 1\n", "something_else = 1\n")
    assert "-something_else = 1" in str(caught.value)
    assert "+renamed = 1" in str(caught.value)
    with pytest.raises(AssertionError, match="changed code it should leave alone"):
        assert_no_change(AddsComment, "target = 1\n")


@pytest.mark.slow
def test_the_diff_applies_with_git(tmp_path):
    for name in ("target_app", "tests/integration"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    mutant = apply_mutation(CATALOG.get("drop-conftest"), tmp_path)
    subprocess.run(["git", "apply"], input=mutant.diff, text=True, cwd=tmp_path, check=True)
    assert not (tmp_path / "tests/integration/conftest.py").exists()
    for path, text in mutant.changes.items():
        if text is not None:
            assert (tmp_path / path).read_text() == text


def test_transform_source_runs_a_fresh_transformer_once():
    assert transform_source("target = target\n", AddsComment) == "renamed = renamed\n"
    assert transform_source("# just a comment\n", AddsComment) == "# just a comment\n"
