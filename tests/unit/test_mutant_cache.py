"""The curated-mutant cache (.breakit/mutants.json): a hit is the Mutant codemod computes, and
anything it was computed from invalidates it; a mutation that no longer applies still fails."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from breakit.core.config import Config
from breakit.core.errors import MutationError, UnknownMutationError
from breakit.core.model import Mutant
from breakit.mutants.catalog import Catalog, load_catalog
from breakit.mutants.codemod import apply_mutation
from breakit.mutants.mutant_cache import MutantCache
from breakit.mutants.mutant_ids import MutantIds

MODULE = '''"""one-is-two: every literal 1 in {path} becomes 2."""

import libcst as cst

from breakit.core.model import FileEdit, Mutation


class OneIsTwo(cst.CSTTransformer):
    def leave_Integer(self, original: cst.Integer, updated: cst.Integer) -> cst.Integer:
        return updated.with_changes(value="2") if updated.value == "1" else updated


MUTATION = Mutation(
    id="one-is-two",
    title="{title}",
    question="Which test notices?",
    hints=("a nudge", "a push"),
    edits=(FileEdit("{path}", OneIsTwo, looks_for="the literal 1"),),
    caught_by=("tests/test_app.py::test_one",),
    explain="Why test the values?",
)
'''

APP = "def one():\n    return 1\n"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    write(
        tmp_path,
        {
            "app.py": APP,
            "muts/one_is_two.py": MODULE.format(path="app.py", title="1 becomes 2"),
        },
    )
    (tmp_path / ".breakit").mkdir()  # breakit has run here before
    return Config(root=tmp_path, tests=("tests",), mutations=("muts",))


def no_catalog() -> Catalog:
    raise AssertionError("a cache hit must not load the catalog")


def cached_ids(config: Config) -> MutantIds:
    return MutantIds(config, lambda: load_catalog(config), MutantCache(config))


def test_a_hit_is_the_mutant_codemod_computes_without_the_catalog(config: Config) -> None:
    computed = cached_ids(config).resolve("one-is-two")
    assert computed.changes == {"app.py": "def one():\n    return 2\n"}
    hit = MutantIds(config, no_catalog, MutantCache(config)).resolve("one-is-two")
    # Everything but the edits' transformers, whose module was not imported.
    assert hit.mutation is not None and computed.mutation is not None
    assert replace(hit, mutation=computed.mutation) == computed
    assert replace(hit.mutation, edits=computed.mutation.edits) == computed.mutation
    assert [(e.path, e.looks_for) for e in hit.mutation.edits] == [("app.py", "the literal 1")]
    assert hit.diff == computed.diff
    assert hit.mutation.source_file == "muts/one_is_two.py"
    # A Mutation from the cache cannot be applied again by mistake: only the catalog's can.
    with pytest.raises(MutationError, match="cannot be applied again"):
        apply_mutation(hit.mutation, config.root)
    # With the catalog loaded anyway (`check`), the Mutant carries the catalog's own Mutation.
    catalog = load_catalog(config)
    (from_check,) = MutantIds(config, catalog, MutantCache(config)).curated()
    assert from_check == replace(computed, mutation=catalog.get("one-is-two"))


@pytest.mark.slow
def test_a_hit_imports_neither_libcst_nor_the_mutation_modules(config: Config) -> None:
    cached_ids(config).resolve("one-is-two")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from breakit.core.config import Config\n"
        "from breakit.mutants.mutant_cache import MutantCache\n"
        "from breakit.mutants.mutant_ids import MutantIds\n"
        f"config = Config(Path({str(config.root)!r}), tests=('tests',), mutations=('muts',))\n"
        "def no_catalog(): raise SystemExit('the catalog was loaded')\n"
        "mutant = MutantIds(config, no_catalog, MutantCache(config)).resolve('one-is-two')\n"
        "print(mutant.changes['app.py'].strip().splitlines()[-1], 'libcst' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["return", "2", "False"]


def resolved_again(config: Config) -> tuple[Mutant, bool]:
    """The mutant as a fresh command resolves it, and whether it came from the cache."""
    loaded: list[bool] = []

    def catalog() -> Catalog:
        loaded.append(True)
        return load_catalog(config)

    return MutantIds(config, catalog, MutantCache(config)).resolve("one-is-two"), not loaded


def test_editing_the_targeted_file_invalidates_it(config: Config) -> None:
    cached_ids(config).resolve("one-is-two")
    assert resolved_again(config)[1]
    (config.root / "app.py").write_text("def one():\n    # still one\n    return 1\n")
    mutant, hit = resolved_again(config)
    assert not hit
    assert "still one" in mutant.originals["app.py"]
    again, hit = resolved_again(config)
    assert hit and again.changes == mutant.changes


def test_a_mutation_that_no_longer_applies_still_fails_loudly(config: Config) -> None:
    cached_ids(config).resolve("one-is-two")
    (config.root / "app.py").write_text("def one():\n    return 3\n")
    with pytest.raises(MutationError) as cached:
        resolved_again(config)
    with pytest.raises(MutationError) as direct:
        apply_mutation(load_catalog(config).get("one-is-two"), config.root)
    assert cached.value.message == direct.value.message
    assert "no longer applies" in cached.value.message
    # A missing file too.
    (config.root / "app.py").unlink()
    with pytest.raises(MutationError, match=r"app\.py does not exist"):
        resolved_again(config)


def test_editing_the_mutation_module_or_a_helper_invalidates_it(config: Config) -> None:
    cached_ids(config).resolve("one-is-two")
    module = config.root / "muts" / "one_is_two.py"
    module.write_text(MODULE.format(path="app.py", title="one is now two"))
    mutant, hit = resolved_again(config)
    assert not hit and mutant.title == "one is now two"
    assert resolved_again(config)[1]
    # A helper the mutation modules may import, and a new mutation module, count too.
    (config.root / "muts" / "_shared.py").write_text("HELP = 1\n")
    assert not resolved_again(config)[1]
    assert resolved_again(config)[1]
    (config.root / "muts" / "another.py").write_text(
        MODULE.format(path="app.py", title="x").replace('id="one-is-two"', 'id="another"')
    )
    assert not resolved_again(config)[1]


def test_a_new_file_matching_a_glob_invalidates_it(config: Config) -> None:
    module = config.root / "muts" / "one_is_two.py"
    module.write_text(MODULE.format(path="pkg/*.py", title="globbed"))
    write(config.root, {"pkg/a.py": APP})
    assert set(cached_ids(config).resolve("one-is-two").changes) == {"pkg/a.py"}
    assert resolved_again(config)[1]
    write(config.root, {"pkg/b.py": APP})
    mutant, hit = resolved_again(config)
    assert not hit and set(mutant.changes) == {"pkg/a.py", "pkg/b.py"}


def test_unknown_ids_still_suggest_and_nothing_is_written_without_breakit_folder(
    config: Config,
) -> None:
    cached_ids(config).resolve("one-is-two")
    with pytest.raises(UnknownMutationError, match="did you mean 'one-is-two'"):
        cached_ids(config).resolve("one-is-too")
    # A project breakit never ran in: `show` and `diff` create no .breakit/ folder.
    assert (config.root / ".breakit" / "mutants.json").exists()
    shutil.rmtree(config.root / ".breakit")
    cached_ids(config).resolve("one-is-two")
    assert not (config.root / ".breakit").exists()


def test_an_unreadable_cache_is_a_miss(config: Config) -> None:
    cached_ids(config).resolve("one-is-two")
    cache = config.root / ".breakit" / "mutants.json"
    for broken in ("not json", "[]", '{"one-is-two": {"format": 1, "key": 3}}'):
        cache.write_text(broken)
        mutant, hit = resolved_again(config)
        assert not hit and mutant.changes == {"app.py": "def one():\n    return 2\n"}
