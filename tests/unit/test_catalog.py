"""The catalog: loading mutation modules by file path, lookup by id, and loud load errors."""

from pathlib import Path

import pytest

from breakit.core.config import Config
from breakit.core.errors import ExitCode, MutationError, UnknownMutationError
from breakit.core.model import Mutation
from breakit.mutants.catalog import load_catalog

ROOT = Path(__file__).resolve().parents[2]


def mutation_module(mutation_id: str) -> str:
    return f"""
import libcst as cst

from breakit.core.model import FileEdit, Mutation

MUTATION = Mutation(
    id={mutation_id!r},
    title="title of {mutation_id}",
    question="What breaks?",
    hints=("a nudge",),
    edits=(FileEdit("app.py", cst.CSTTransformer, looks_for="anything"),),
)
"""


def project(tmp_path: Path, files: dict[str, str], folder: str = "muts") -> Config:
    (tmp_path / folder).mkdir()
    for name, text in files.items():
        (tmp_path / folder / name).write_text(text)
    return Config(root=tmp_path, tests=("tests",), mutations=(folder,))


def test_loads_every_module_in_file_name_order(tmp_path):
    config = project(
        tmp_path,
        {
            "zeta.py": mutation_module("last-one"),
            "alpha.py": mutation_module("first-one"),
            "_shared.py": "raise RuntimeError('helpers are not loaded')\n",
            "notes.txt": "not python",
        },
    )
    catalog = load_catalog(config)
    assert catalog.ids == ("first-one", "last-one")
    assert [m.source_file for m in catalog.all()] == ["muts/alpha.py", "muts/zeta.py"]
    found = catalog.get("last-one")
    assert isinstance(found, Mutation)
    assert found.title == "title of last-one"
    assert "first-one" in catalog
    assert len(catalog) == 2


def test_folder_need_not_be_a_package_and_names_do_not_clash(tmp_path):
    # A module named like a stdlib module is loaded from its file, not imported by name.
    config = project(tmp_path, {"json.py": mutation_module("shadow")})
    assert load_catalog(config).ids == ("shadow",)
    import json

    assert hasattr(json, "dumps")


def test_no_mutations_folders_is_an_empty_catalog(tmp_path):
    assert load_catalog(Config(root=tmp_path, tests=("tests",))).all() == ()


def test_an_empty_folder_is_an_empty_catalog(tmp_path):
    catalog = load_catalog(project(tmp_path, {}))
    assert catalog.ids == ()
    with pytest.raises(UnknownMutationError):
        catalog.get("anything")


def test_unknown_id_suggests_the_closest_ones(tmp_path):
    catalog = load_catalog(
        project(tmp_path, {"a.py": mutation_module("constant-id"), "b.py": mutation_module("x")})
    )
    with pytest.raises(UnknownMutationError) as caught:
        catalog.get("constant-ids")
    assert "'constant-ids'" in caught.value.message
    assert "did you mean 'constant-id'?" in caught.value.message
    assert "breakit list" in caught.value.hint
    assert caught.value.exit_code is ExitCode.USAGE


def test_unknown_id_with_nothing_close_makes_no_suggestion(tmp_path):
    catalog = load_catalog(project(tmp_path, {"a.py": mutation_module("constant-id")}))
    with pytest.raises(UnknownMutationError) as caught:
        catalog.get("zzz")
    assert "did you mean" not in caught.value.message


def test_duplicate_id_names_both_files(tmp_path):
    config = project(tmp_path, {"a.py": mutation_module("same"), "b.py": mutation_module("same")})
    with pytest.raises(MutationError) as caught:
        load_catalog(config)
    assert "muts/b.py" in caught.value.message
    assert "muts/a.py" in caught.value.message
    assert "'same'" in caught.value.message
    assert caught.value.exit_code is ExitCode.MUTATION_BROKEN


def test_module_without_mutation_is_an_error(tmp_path):
    config = project(tmp_path, {"ok.py": mutation_module("ok"), "empty.py": "X = 1\n"})
    with pytest.raises(MutationError, match=r"muts/empty.py has no MUTATION"):
        load_catalog(config)


def test_mutation_of_the_wrong_type_is_an_error(tmp_path):
    config = project(tmp_path, {"wrong.py": "MUTATION = 'constant-id'\n"})
    with pytest.raises(MutationError, match=r"muts/wrong.py has MUTATION = 'constant-id'"):
        load_catalog(config)


def test_module_that_raises_on_import_is_an_error(tmp_path):
    config = project(tmp_path, {"boom.py": "raise ValueError('no target here')\n"})
    with pytest.raises(MutationError) as caught:
        load_catalog(config)
    assert caught.value.message == "muts/boom.py failed to import: ValueError: no target here"


def test_module_with_a_syntax_error_is_an_error(tmp_path):
    config = project(tmp_path, {"bad.py": "def (:\n"})
    with pytest.raises(MutationError, match=r"muts/bad.py failed to import: SyntaxError"):
        load_catalog(config)


def test_the_bundled_catalog_loads():
    catalog = load_catalog(
        Config(root=ROOT, tests=("tests/integration",), mutations=("mutations",))
    )
    assert {"constant-id", "no-post-body", "drop-conftest"} <= set(catalog.ids)
    assert len(catalog.ids) >= 11
    for mutation in catalog.all():
        assert mutation.source_file.startswith("mutations/")
        assert mutation.caught_by, mutation.id
        assert len(mutation.hints) == 3, mutation.id
        assert "\n" not in mutation.title, mutation.id
