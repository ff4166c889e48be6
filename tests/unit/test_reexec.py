"""Module-level mutants run again in the live module (breakit.runners.fork.reexec): each case gives
what
a fresh import of the mutated module would give, or a refusal (NotHot) with its reason."""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from breakit.runners.fork.function_swap import NotHot
from breakit.runners.fork.import_reads import ParsedSource, Takes, takes_from
from breakit.runners.fork.reexec import module_pairs, plan_reexec


@pytest.fixture
def modules(tmp_path: Path) -> Iterator[dict[str, types.ModuleType]]:
    """Modules imported from `tmp_path` by `load`, dropped from sys.modules afterwards."""
    loaded: dict[str, types.ModuleType] = {}
    yield loaded
    for name in loaded:
        sys.modules.pop(name, None)


def load(
    tmp_path: Path, loaded: dict[str, types.ModuleType], name: str, source: str
) -> types.ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loaded[name] = module
    spec.loader.exec_module(module)
    return module


def rerun(module: types.ModuleType, old: str, new: str, *others: types.ModuleType) -> None:
    """Plan and apply `old` → `new` on `module`, as a hot session and its child do; `others`:
    the project's other modules."""

    def takers(source: types.ModuleType) -> dict[types.ModuleType, Takes]:
        return {
            other: takes_from(
                ast.parse(Path(other.__file__ or "").read_text()),
                other.__name__,
                other.__package__ or "",
                source.__name__,
            )
            for other in (module, *others)
            if other is not source
        }

    pairs = module_pairs(textwrap.dedent(old), textwrap.dedent(new))
    plan_reexec(module, pairs, takers).apply()


TABLE = """
FACTORS = {"km": 1000, "m": 1}
NAMES = {unit: unit.upper() for unit in FACTORS}
LIMIT = 3


def factor(unit):
    return FACTORS[unit]


def clamp(value, limit=LIMIT):
    return min(value, limit)


class Ruler:
    length = 30
    double = length * 2

    def size(self):
        return self.length
"""


def test_a_constant_gets_its_new_value_and_what_was_built_from_it_is_built_again(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "units_a", TABLE)
    factor = m.factor
    rerun(m, TABLE, TABLE.replace('"km": 1000', '"kmXX": 1000'))
    assert m.NAMES == {"kmXX": "KMXX", "m": "M"}
    assert m.factor is factor and factor("m") == 1
    with pytest.raises(KeyError):
        factor("km")


def test_a_default_value_changes_on_the_same_function_object(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "units_b", TABLE)
    clamp = m.clamp
    rerun(m, TABLE, TABLE.replace("LIMIT = 3", "LIMIT = 4"))
    assert m.clamp is clamp and clamp(10) == 4  # its default read LIMIT at import: read again


def test_a_class_attribute_changes_on_the_same_class_and_its_instances_see_it(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "units_c", TABLE)
    ruler_class, ruler = m.Ruler, m.Ruler()
    rerun(m, TABLE, TABLE.replace("length = 30", "length = 31"))
    assert m.Ruler is ruler_class and isinstance(ruler, m.Ruler)
    assert ruler.size() == 31 and m.Ruler.double == 62  # the attribute built from it too


def test_a_module_that_imported_the_value_gets_the_new_one(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "units_d", TABLE)
    user = load(
        tmp_path,
        modules,
        "user_d",
        "from units_d import FACTORS\n\ndef km():\n    return FACTORS['km']\n",
    )
    rerun(m, TABLE, TABLE.replace('"km": 1000', '"km": 1001'), user)
    assert user.km() == 1001 and user.FACTORS is m.FACTORS


def test_a_module_that_read_the_value_at_import_is_refused(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "units_e", TABLE)
    user = load(tmp_path, modules, "user_e", "from units_e import LIMIT\n\nTWICE = LIMIT * 2\n")
    with pytest.raises(NotHot, match=r"user_e reads units_e\.LIMIT at import"):
        rerun(m, TABLE, TABLE.replace("LIMIT = 3", "LIMIT = 4"), user)


@pytest.mark.parametrize(
    ("source", "old", "new", "reason"),
    [
        (  # a decorator saw the default (FastAPI, click, pydantic read signatures)
            "import functools\n\n@functools.lru_cache\ndef f(x=1):\n    return x\n",
            "x=1",
            "x=2",
            "decorated",
        ),
        (  # an Enum's metaclass built its members from the body
            "import enum\n\nclass Color(enum.Enum):\n    RED = 1\n",
            "RED = 1",
            "RED = 2",
            "metaclass",
        ),
        (  # a base's __init_subclass__ saw the subclass's body
            "class Base:\n    def __init_subclass__(cls):\n        pass\n\n"
            "class Sub(Base):\n    X = 1\n",
            "X = 1",
            "X = 2",
            "__init_subclass__",
        ),
        (  # __slots__ made the class's member descriptors, once
            "class Key(list):\n    __slots__ = 'hash_value'\n",
            "'hash_value'",
            "''",
            "read only as the class is made",
        ),
        (  # `X = X + 1` run again on its own would add twice
            "X = 1\nX = X + 1\n",
            "X = X + 1",
            "X = X + 2",
            "assigns into what it reads",
        ),
        (  # a changed `if` at import
            "import os\nif os.sep == '/':\n    X = 1\n",
            "X = 1",
            "X = 2",
            "if statement",
        ),
        (  # globals() at import: names no syntax can follow
            "X = 1\nglobals()['Y'] = X\n",
            "X = 1",
            "X = 2",
            "run time",
        ),
        (  # the old table kept by what a function called at import built
            "KEPT = []\nTABLE = {'a': 1}\ndef keep():\n    KEPT.append(TABLE)\nkeep()\n",
            "'a': 1",
            "'a': 2",
            "held by a list",
        ),
        (  # a statement that raises when it runs again
            "X = 1\n",
            "X = 1",
            "X = 1 // 0",
            "ZeroDivisionError",
        ),
    ],
)
def test_what_cannot_be_run_again_safely_is_refused(
    tmp_path: Path,
    modules: dict[str, types.ModuleType],
    source: str,
    old: str,
    new: str,
    reason: str,
) -> None:
    name = f"refused_{len(modules)}_{abs(hash((source, new))) % 10**6}"
    m = load(tmp_path, modules, name, source)
    mutated = source.replace(old, new)
    with pytest.raises(NotHot, match=reason):
        rerun(m, source, mutated)


def test_running_again_a_statement_that_reads_and_binds_after_its_input_was_rebound(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    source = "X = 1\nX = X + 1\n"
    m = load(tmp_path, modules, "chain_g", source)
    rerun(m, source, "X = 5\nX = X + 1\n")
    assert m.X == 6  # both statements ran again, in order: a fresh import's value


def test_a_statement_that_reads_and_binds_another_name_is_left_alone(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    source = "X = 1\nX = X + 1\nY = 5\n"
    m = load(tmp_path, modules, "chain_h", source)
    rerun(m, source, "X = 1\nX = X + 1\nY = 6\n")
    assert (m.X, m.Y) == (2, 6)


@pytest.mark.parametrize(
    "mutated",
    [
        TABLE.replace('"km": 1000', '"km": 1001'),
        TABLE.replace("length = 30", "length = 31"),
        TABLE.replace("return min(value, limit)", "return max(value, limit)"),
    ],
)
def test_parsing_only_the_changed_statements_reads_the_mutant_as_a_whole_parse_does(
    mutated: str,
) -> None:
    fast = ParsedSource.of(TABLE).pairs(mutated)
    whole = module_pairs(TABLE, mutated)
    assert fast is not None
    dump = functools.partial(ast.dump, include_attributes=True)
    assert [(dump(a), dump(b), c) for a, b, c in fast] == [
        (dump(a), dump(b), c) for a, b, c in whole
    ]
    assert sum(c for _, _, c in fast) == 1


def test_a_mutant_with_other_lines_is_parsed_whole() -> None:
    assert ParsedSource.of(TABLE).pairs(TABLE.replace("LIMIT = 3", "LIMIT = (\n    3\n)")) is None


def test_a_docstring_changes_on_the_module_and_on_the_class(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    source = '"""Units."""\n\n\nclass Ruler:\n    """A ruler."""\n\n    length = 30\n'
    m = load(tmp_path, modules, "doc_i", source)
    rerun(m, source, source.replace("Units.", "").replace("A ruler.", "XXA ruler.XX"))
    assert (m.__doc__, m.Ruler.__doc__) == ("", "XXA ruler.XX")


def test_a_statement_runs_again_under_the_modules_future_imports(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    # `Nowhere` is defined nowhere: only postponed annotations let the def run (again).
    source = "from __future__ import annotations\n\n\ndef f(x: Nowhere = 1):\n    return x\n"
    m = load(tmp_path, modules, "future_j", source)
    f = m.f
    rerun(m, source, source.replace("= 1", "= 2"))
    assert m.f is f and f() == 2


def test_an_old_class_attribute_held_by_what_was_built_at_import_is_refused(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    source = (
        "KEPT = []\n\n\nclass Units:\n    NAMES = ['km', 'm']\n\n\n"
        "def keep():\n    KEPT.append(Units.NAMES)\n\n\nkeep()\n"
    )
    m = load(tmp_path, modules, "kept_k", source)
    with pytest.raises(NotHot, match="held by a list"):
        rerun(m, source, source.replace("'km'", "''"))


FIELDS = """
DEFAULT_NAME = "STATUS"


class StatusField:
    def __init__(self, *, choices_name=DEFAULT_NAME):
        self.choices_name = choices_name
"""


def test_a_method_default_read_from_a_module_constant_changes_on_the_live_class(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "fields_l", FIELDS)
    field_class = m.StatusField
    rerun(m, FIELDS, FIELDS.replace('"STATUS"', '""'))
    assert m.StatusField is field_class and m.StatusField().choices_name == ""


def test_a_class_another_module_used_at_import_is_refused_when_it_changed(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    # Django's models make their fields at import: a field made with the old default stays.
    m = load(tmp_path, modules, "fields_m", FIELDS)
    user = load(
        tmp_path,
        modules,
        "models_m",
        "from fields_m import StatusField\n\nstatus = StatusField()\n",
    )
    with pytest.raises(NotHot, match=r"models_m reads fields_m\.StatusField at import"):
        rerun(m, FIELDS, FIELDS.replace('"STATUS"', '""'), user)


def test_a_subclass_of_a_class_patched_in_place_sees_the_change(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    source = "class Base:\n    SIZE = 1\n\n\nclass Sub(Base):\n    pass\n"
    m = load(tmp_path, modules, "sub_n", source)
    sub = m.Sub
    rerun(m, source, source.replace("SIZE = 1", "SIZE = 2"))
    assert m.Sub is sub and sub.SIZE == 2


def test_a_class_held_in_a_parametrize_list_is_the_same_class_patched_in_place(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    m = load(tmp_path, modules, "units_o", TABLE)
    holder = load(
        tmp_path,
        modules,
        "test_units_o",
        "import pytest\nfrom units_o import Ruler\n\n\n"
        "@pytest.mark.parametrize('kind', [Ruler])\ndef test_size(kind):\n    pass\n",
    )
    rerun(m, TABLE, TABLE.replace("length = 30", "length = 31"), holder)
    assert m.Ruler.length == 31
    deriving = load(
        tmp_path, modules, "derive_o", "from units_o import Ruler\n\nLENGTH = Ruler.length\n"
    )
    with pytest.raises(NotHot, match=r"derive_o reads units_o\.Ruler at import"):
        rerun(m, TABLE, TABLE.replace("length = 30", "length = 32"), deriving)


def test_a_name_re_exported_by_a_package_is_given_the_new_value_there_too(
    tmp_path: Path, modules: dict[str, types.ModuleType]
) -> None:
    # A package's `__init__` re-exports a constant; the tests import it from the package.
    m = load(tmp_path, modules, "constants_p", 'UNIT = "m"\n')
    package = load(tmp_path, modules, "package_p", "from constants_p import UNIT as DEFAULT_UNIT\n")
    user = load(tmp_path, modules, "user_p", "from package_p import DEFAULT_UNIT\n")
    rerun(m, 'UNIT = "m"\n', 'UNIT = ""\n', package, user)
    assert (m.UNIT, package.DEFAULT_UNIT, user.DEFAULT_UNIT) == ("", "", "")
