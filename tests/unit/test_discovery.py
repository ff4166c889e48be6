"""Discovery: which files, which sites, stable ids, the pragma, errors, and the bundled target."""

from __future__ import annotations

import difflib
import pickle
import re
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

from breakit.core.config import Config, load_config
from breakit.core.errors import ConfigError, MutationError, UnknownMutationError, UsageError
from breakit.mutants.catalog import Catalog
from breakit.mutants.mutant_ids import Filters, MutantIds, former_id
from breakit.mutants.operators import (
    OPERATORS,
    PRAGMA,
    discover,
    generate_mutants,
    mutants_for_source,
    operator_names,
    select_operators,
    source_files,
)
from breakit.mutants.operators import discovery as discovery_module
from breakit.mutants.operators.discovery import _file_mutants, module_label
from breakit.mutants.operators.splice import node_positions
from breakit.verdicts.gate import equivalent_reason

REPO = Path(__file__).resolve().parents[2]

MODULE = '''\
"""A module."""

LIMIT = 10


def check(size, items):
    if size > LIMIT:
        raise ValueError("too big")
    for item in items:
        item.save()
    return size
'''


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _config(
    root: Path, source: tuple[str, ...] = ("pkg",), exclude: tuple[str, ...] = ()
) -> Config:
    return Config(root=root, source=source, tests=("tests",), exclude=exclude)


# --- files ------------------------------------------------------------------------------------


def test_source_files_are_sorted_with_excludes_hidden_and_cache_folders_left_out(tmp_path):
    _write(
        tmp_path,
        {
            "pkg/b.py": "x = 1\n",
            "pkg/a.py": "x = 1\n",
            "pkg/sub/c.py": "x = 1\n",
            "pkg/sub/gen_d.py": "x = 1\n",
            "pkg/legacy/e.py": "x = 1\n",
            "pkg/__pycache__/f.py": "x = 1\n",
            "pkg/.hidden/g.py": "x = 1\n",
            "pkg/notes.txt": "not python\n",
            "single.py": "x = 1\n",
        },
    )
    config = _config(tmp_path, ("pkg", "single.py"), exclude=("*/gen_*.py", "pkg/legacy"))
    assert source_files(config) == ["pkg/a.py", "pkg/b.py", "pkg/sub/c.py", "single.py"]
    assert source_files(config, ["pkg/sub"]) == ["pkg/sub/c.py"]
    assert source_files(config, [str(tmp_path / "pkg" / "b.py")]) == ["pkg/b.py"]


def test_bad_paths_are_usage_errors_and_an_empty_source_a_config_error(tmp_path):
    _write(tmp_path, {"pkg/a.py": "x = 1\n", "pkg/notes.txt": "hello\n"})
    config = _config(tmp_path)
    with pytest.raises(UsageError, match=r"missing\.py does not exist"):
        source_files(config, ["missing.py"])
    with pytest.raises(UsageError, match="not a Python file"):
        source_files(config, ["pkg/notes.txt"])
    with pytest.raises(UsageError, match="outside the project"):
        source_files(config, ["../elsewhere"])
    with pytest.raises(ConfigError, match="source is empty"):
        source_files(_config(tmp_path, ()))


def test_a_file_that_does_not_parse_is_a_mutation_error_naming_it(tmp_path):
    _write(tmp_path, {"pkg/good.py": "x = 1\n", "pkg/bad.py": "x = 1\ndef f(:\n"})
    with pytest.raises(MutationError, match=r"cannot parse pkg/bad\.py \(line 2") as caught:
        generate_mutants(_config(tmp_path))
    assert "exclude" in (caught.value.hint or "")


def test_a_file_that_is_not_utf8_is_a_mutation_error(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "latin.py").write_bytes(b"x = '\xe9'\n")
    with pytest.raises(MutationError, match=r"cannot read pkg/latin\.py"):
        generate_mutants(_config(tmp_path))


# --- mutants ----------------------------------------------------------------------------------


def test_generate_mutants_over_a_project(tmp_path):
    _write(tmp_path, {"pkg/mod.py": MODULE, "pkg/other.py": "FLAG = True\n"})
    mutants = generate_mutants(_config(tmp_path))
    assert [m.location.path for m in mutants] == sorted(m.location.path for m in mutants)
    assert {m.origin for m in mutants if m.location.path == "pkg/other.py"} == {"boolean"}
    by_origin = {m.origin for m in mutants}
    assert {"number", "comparison", "if_condition", "string_emptied", "call_removed"} <= by_origin
    for mutant in mutants:
        (path,) = mutant.changes
        text = mutant.changes[path]
        assert text != mutant.originals[path]
        compile(text, path, "exec", dont_inherit=True)
        # The diff touches only the lines of the mutant's location.
        old, new = mutant.originals[path].splitlines(), text.splitlines()
        changed = [
            line
            for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes()
            if tag != "equal"
            for line in range(i1 + 1, i2 + 1)
        ]
        assert changed, mutant.id
        assert mutant.location.start_line <= min(changed) <= max(changed)
        assert max(changed) <= mutant.location.end_line
        assert mutant.diff.startswith(f"--- a/{path}\n+++ b/{path}\n")
    only = generate_mutants(_config(tmp_path), paths=["pkg/other.py"], operators=["web"])
    assert only == []


def test_ids_are_stable_across_runs_and_under_edits_elsewhere_in_the_file(tmp_path):
    _write(tmp_path, {"pkg/mod.py": MODULE})
    first = [m.id for m in generate_mutants(_config(tmp_path))]
    assert first == [m.id for m in generate_mutants(_config(tmp_path))]
    assert len(set(first)) == len(first)
    assert all(re.fullmatch(r"pkg\.mod:[a-z_]+:[0-9a-f]{8}", mutant_id) for mutant_id in first)

    # A new function above shifts every line; the ids of the untouched sites stay.
    edited = MODULE.replace("LIMIT = 10\n", "LIMIT = 10\n\n\ndef helper():\n    return 42\n")
    _write(tmp_path, {"pkg/mod.py": edited})
    second = generate_mutants(_config(tmp_path))
    new_ids = {m.id for m in second}
    assert set(first) <= new_ids
    added = [m for m in second if m.id not in set(first)]
    assert {m.location.start_line for m in added} == {7}  # only the sites of `return 42`


def test_ids_name_the_module_as_imported_a_src_folder_left_out(tmp_path):
    assert module_label("target_app/todos.py") == "target_app.todos"
    assert module_label("src/cachetools/keys.py") == "cachetools.keys"
    assert module_label("src/cachetools/__init__.py") == "cachetools.__init__"
    assert module_label("src/tool.py") == "tool"
    assert module_label("src/pkg/mod.py", src_package=True) == "src.pkg.mod"
    assert module_label("lib/src/mod.py") == "lib.src.mod"
    assert module_label("src.py") == "src"

    _write(tmp_path, {"src/pkg/__init__.py": "", "src/pkg/mod.py": MODULE})
    flat = tmp_path / "flat"
    _write(flat, {"pkg/__init__.py": "", "pkg/mod.py": MODULE})
    src_ids = [m.id for m in generate_mutants(_config(tmp_path, source=("src",)))]
    flat_mutants = generate_mutants(_config(flat))
    assert src_ids and all(i.startswith("pkg.mod:") for i in src_ids)
    # Only the module name changed: the hash is the path's, as before.
    assert len(src_ids) == len(flat_mutants)
    assert {i.split(":")[1] for i in src_ids} == {m.origin for m in flat_mutants}
    assert set(src_ids).isdisjoint(m.id for m in flat_mutants)
    # The id's former spelling, the whole path, resolves to the same mutant, and matches.
    ids = MutantIds(_config(tmp_path, source=("src",)), Catalog(()))
    mutant = ids.resolve(src_ids[0])
    former = former_id(mutant)
    assert former == "src." + src_ids[0]
    assert ids.resolve(former) is mutant
    chosen = ids.for_check([former, src_ids[0]], generated=True, curated=False, filters=Filters())
    assert chosen == [mutant]
    assert Filters(match=("src.pkg.mod:*",)).keep(mutant)
    assert Filters(match=("pkg.mod:*",)).keep(mutant)
    assert equivalent_reason(mutant, {former: "same"}) == "same"
    assert equivalent_reason(mutant, {mutant.id: "new"}) == "new"
    assert [former_id(m) for m in flat_mutants] == [None] * len(flat_mutants)
    with pytest.raises(UnknownMutationError, match="did you mean"):
        ids.resolve(former[:-1] + "#")

    # A src folder that is a package is imported as `src`: its name stays.
    _write(tmp_path, {"src/__init__.py": ""})
    assert all(
        m.id.startswith(("src.pkg.mod:", "src.pkg.__init__:", "src.__init__:"))
        for m in generate_mutants(_config(tmp_path, source=("src",)))
    )


def test_identical_sites_get_distinct_ids_in_file_order():
    source = "a = 1\nb = 1\n"
    ids = [m.id for m in mutants_for_source(source, "m.py", operators=["number"]).mutants]
    assert len(ids) == len(set(ids)) == 4
    again = [m.id for m in mutants_for_source(source, "m.py", operators=["number"]).mutants]
    assert ids == again


def test_pragma_no_mutate_excludes_its_line_only_and_shifts_no_other_id():
    source = "a = 1\nb = 2\nc = 3\n"
    before = {m.location.start_line: m.id for m in mutants_for_source(source, "m.py").mutants}
    pragma = source.replace("b = 2\n", f"b = 2  {PRAGMA}\n")
    after = mutants_for_source(pragma, "m.py").mutants
    assert {m.location.start_line for m in after} == {1, 3}
    assert {m.location.start_line: m.id for m in after} == {1: before[1], 3: before[3]}
    # The marker inside a string is not a comment.
    quoted = source.replace("b = 2\n", f"b = '{PRAGMA}'\n")
    assert 2 in {m.location.start_line for m in mutants_for_source(quoted, "m.py").mutants}


def test_duplicates_from_two_operators_are_kept_once():
    discovery = mutants_for_source("x = not not y\n", "m.py")
    assert [m.changes["m.py"] for m in discovery.mutants] == ["x = not y\n"]
    assert discovery.duplicates == 1  # dropping either `not` gives the same code


def test_operator_selection_by_name_and_family():
    assert operator_names()[0] == "comparison"
    assert len(set(operator_names())) == len(OPERATORS)
    assert {op.family for op in select_operators(["web"])} == {"web"}
    assert [op.name for op in select_operators(["number", "comparison"])] == [
        "comparison",
        "number",
    ]
    with pytest.raises(UsageError, match="unknown operator 'numbr'") as caught:
        select_operators(["numbr"])
    assert caught.value.hint == "did you mean number?"


# --- the splice is exact ----------------------------------------------------------------------

TRICKY = (
    "class A:\n"
    "\tdef f(self, x):\n"
    "\t\tif x:\r\n"
    "\t\t\t# keep me\n"
    "\t\t\tcall(\n"
    "\t\t\t\tx, 1,\n"
    "\t\t\t)\n"
    "\t\treturn {'a': 1,\n"
    "\t\t        'b': not x}\n"
    "\n"
    "x = [1, 2]  # é\n"
    "y = 'no newline at the end'"
)


@pytest.mark.parametrize("name", ["tricky", "mod"])
def test_spliced_text_equals_the_tree_regenerated_with_the_one_node_replaced(name):
    source = TRICKY if name == "tricky" else MODULE
    fast = _file_mutants("m.py", source, OPERATORS, fast=True).mutants
    slow = _file_mutants("m.py", source, OPERATORS, fast=False).mutants
    assert len(fast) >= 8
    assert [(m.id, m.changes) for m in fast] == [(m.id, m.changes) for m in slow]


def test_spliced_text_equals_regeneration_on_the_bundled_target(monkeypatch):
    config = load_config(REPO)
    sources = {rel: (REPO / rel).read_text(encoding="utf-8") for rel in source_files(config)}

    def no_fallback(module, edit):
        raise AssertionError(f"the splice fell back to regenerating for {edit.node}")

    with monkeypatch.context() as patch:
        patch.setattr(discovery_module, "regenerate", no_fallback)
        fast = {rel: _file_mutants(rel, text, OPERATORS).mutants for rel, text in sources.items()}
    for rel, text in sources.items():
        slow = _file_mutants(rel, text, OPERATORS, fast=False).mutants
        assert [m.changes for m in fast[rel]] == [m.changes for m in slow], rel


def test_one_pass_positions_match_libcsts_providers():
    module = cst.parse_module(TRICKY)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions, spans = node_positions(module)
    assert dict(wrapper.resolve(PositionProvider)) == dict(positions)
    assert dict(wrapper.resolve(WhitespaceInclusivePositionProvider)) == dict(spans)


# --- the bundled target -----------------------------------------------------------------------


def test_bundled_target():
    discovery = discover(load_config(REPO))
    mutants = discovery.mutants
    assert 100 <= len(mutants) <= 400
    assert len({m.id for m in mutants}) == len(mutants)
    assert discovery.uncompilable == 0
    counts = discovery.per_operator()
    for web_operator in (
        "status_code",
        "raise_http_removed",
        "route_method",
        "route_path",
        "response_model_dropped",
        "param_filter_removed",
        "pydantic_constraint_removed",
        "depends_removed",
        "db_commit_removed",
        "db_write_removed",
        "except_reraises",
    ):
        assert counts.get(web_operator, 0) >= 1, web_operator
    assert [m.id for m in generate_mutants(load_config(REPO))] == [m.id for m in mutants]
    assert not any(
        "__all__" in m.changes[m.location.path].splitlines()[m.location.start_line - 1]
        for m in mutants
    )


def test_docs_describe_every_operator_and_the_pragma():
    text = (REPO / "docs" / "operators.md").read_text(encoding="utf-8")
    for operator in OPERATORS:
        assert f"`{operator.name}`" in text, operator.name
    assert PRAGMA in text


def test_snippets_in_a_dedented_block_keep_their_indentation():
    source = textwrap.dedent(
        """
        def f(items):
            for item in items:
                if item:
                    item.save()
        """
    )
    (mutant,) = mutants_for_source(source, "m.py", operators=["call_removed"]).mutants
    assert mutant.changes["m.py"] == source.replace("item.save()", "pass")


def test_changes_read_like_a_dict_and_survive_pickling():
    (mutant,) = mutants_for_source("x = 1\n", "m.py", operators=["number"]).mutants[:1]
    assert dict(mutant.changes) == {"m.py": "x = 2\n"}
    assert mutant.changes == {"m.py": "x = 2\n"}
    assert list(mutant.changes) == ["m.py"] and len(mutant.changes) == 1
    with pytest.raises(KeyError):
        mutant.changes["other.py"]
    assert pickle.loads(pickle.dumps(mutant)) == mutant
    assert "+x = 2" in mutant.diff
