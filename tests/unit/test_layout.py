"""breakit's shape (issues 14, 25 and 35): no import cycle between its modules, packages by stage
importing only what docs/architecture.md's layer table allows, no module over 400 lines, no function
over 60 lines (breakit/ and bench/), and docs/architecture.md naming every module once, in its
package's section, and no path that is not there.

Between modules, imports under `if TYPE_CHECKING:` aside, every import counts, those inside
functions too: a lazy import still makes the two modules depend on each other. Between packages,
type-only imports count as well: the layers are about what a reader must know, not what runs.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "breakit"
BENCH = PACKAGE.parent / "bench"
MAX_LINES = 400  # one idea per module: a module this long holds more than one
MAX_FUNCTION_LINES = 60  # a function this long is several named steps


def module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def graph(root: Path, *, type_only: bool = False) -> dict[str, set[str]]:
    """Module -> the breakit modules it imports; with `type_only`, those under `TYPE_CHECKING`
    too."""
    modules = {module_name(root, p): p for p in root.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            if (
                not type_only
                and isinstance(node, ast.If)
                and "TYPE_CHECKING" in ast.unparse(node.test)
            ):
                for inner in node.body:
                    skip.update(id(n) for n in ast.walk(inner))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in modules else base)
            for target in targets:
                if target in modules and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for v in edges:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle() -> None:
    assert cycles(graph(PACKAGE)) == []


def test_the_graph_sees_imports_and_cycles() -> None:
    # The check above proves nothing if it reads no edge or misses a cycle.
    edges = graph(PACKAGE)
    assert "breakit.core.config" in edges["breakit.cli.env"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def code_files() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *BENCH.rglob("*.py")])


def test_no_module_over_400_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in code_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def long_functions(path: Path) -> dict[str, int]:
    """`path:function` -> its length in lines, for each function longer than the limit."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{path.relative_to(PACKAGE.parent)}:{node.name}": length
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    }


def test_no_function_over_60_lines() -> None:
    long: dict[str, int] = {}
    for path in code_files():
        long.update(long_functions(path))
    assert long == {}


def test_the_function_check_measures_whole_functions(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    sample = PACKAGE.parent / "tests" / "unit" / "_long_function_sample.py"
    try:
        sample.write_text(f"def long():\n{body}\n\n\ndef short():\n    return 1\n")
        assert long_functions(sample) == {
            "tests/unit/_long_function_sample.py:long": MAX_FUNCTION_LINES + 1
        }
    finally:
        sample.unlink()


def test_every_path_docs_architecture_names_exists() -> None:
    """docs/architecture.md is the map a newcomer reads first: a path it names that is not there
    (it once named `breakit/memlimit.py` after the module moved to `breakit/engine/`) is false."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:breakit|tests|bench|docs|mutations|target_app)/[\w./-]*)`", text))
    assert named, "the pattern no longer finds the paths"
    assert sorted(p for p in named if not (PACKAGE.parent / p).exists()) == []


def test_docs_architecture_names_every_module_once() -> None:
    """Its module table is the one-line-per-module map: a module it does not name is one a
    newcomer cannot find, one it names twice has two descriptions that will drift apart."""
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = re.findall(r"^\| `(breakit/[\w/]+\.py)` \|", text, re.MULTILINE)
    modules = sorted(
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" or len(p.read_text(encoding="utf-8").splitlines()) > 10
    )
    twice = sorted({m for m in named if named.count(m) > 1})
    assert (sorted(set(modules) - set(named)), twice) == ([], [])


def test_no_two_modules_share_a_name() -> None:
    """A name says what a module holds: two `progress.py` (the learner's record and the check's
    bar) made every import of one a guess at which."""
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "__init__.py":
            names.setdefault(path.name, []).append(str(path.relative_to(PACKAGE.parent)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}


ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"


def allowed_imports() -> dict[str, set[str]]:
    """docs/architecture.md's layer table: package -> the packages it may import."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split("### Layers: which package may import which", 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.+) \|$", table, re.MULTILINE)
    allowed = {name: set(re.findall(r"`(\w+)`", may)) for name, may in rows}
    for name, may in rows:
        if may == "every other package":
            allowed[name] = set(allowed) - {name}
    return allowed


def package_of(module: str) -> str:
    """`breakit.engine.lab` -> `engine`; a root module (`breakit`, `breakit.__main__`) -> ``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] != "__main__") else ""


def package_edges(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Package -> the packages its modules import (the package root, `__main__` calling the
    CLI and everyone reading `__version__`, aside)."""
    out: dict[str, set[str]] = {}
    for module, targets in edges.items():
        source = package_of(module)
        if not source:
            continue
        for target in targets:
            if package_of(target) not in ("", source):
                out.setdefault(source, set()).add(package_of(target))
    return out


def test_every_package_imports_only_what_its_layer_allows() -> None:
    allowed = allowed_imports()
    actual = package_edges(graph(PACKAGE, type_only=True))
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert set(allowed) == packages  # the table names every package, and nothing else
    forbidden = {
        f"{source} -> {target}"
        for source, targets in actual.items()
        for target in targets - allowed.get(source, set())
    }
    assert forbidden == set()
    unused = {  # an allowance nothing uses is a layer the table claims and the code lacks
        f"{source} -> {target}"
        for source, may in allowed.items()
        if source != "cli"
        for target in may - actual.get(source, set())
    }
    assert unused == set()


def test_the_layers_hold_the_rules_the_issue_set() -> None:
    allowed = allowed_imports()
    assert allowed["core"] == set()
    assert allowed["inrun"] == {"core"}
    assert all("cli" not in may for name, may in allowed.items() if name != "cli")
    assert cycles({name: set(may) for name, may in allowed.items()}) == []


def test_the_layer_check_sees_type_only_imports() -> None:
    # engine/no_coverage.py names Lab only for its type hints: the module graph skips it, the
    # package graph must not (a type-only import is still a dependency a reader follows).
    edges = {"breakit.core.model": {"breakit.engine.lab"}, "breakit.engine.lab": set()}
    assert package_edges(edges) == {"core": {"engine"}}
    sample = PACKAGE / "core" / "_type_only_sample.py"
    try:
        sample.write_text(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from breakit.engine.lab import Lab\n"
        )
        assert (
            "breakit.engine.lab" in graph(PACKAGE, type_only=True)["breakit.core._type_only_sample"]
        )
        assert "breakit.engine.lab" not in graph(PACKAGE)["breakit.core._type_only_sample"]
    finally:
        sample.unlink()


def test_the_package_root_holds_only_its_entry() -> None:
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]


def test_each_stage_of_docs_architecture_is_one_package() -> None:
    """Each section of "What lives where" names one package (`### N. title: `breakit/x/``) and
    lists that package's modules only; every package has its section."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    where = text.split("## What lives where", 1)[1].split("### Outside the package", 1)[0]
    sections = re.findall(r"^### .*?: `(breakit/(?:\w+/)?)`\n(.*?)(?=^### |\Z)", where, re.M | re.S)
    misplaced = []
    for package, body in sections:
        for module in re.findall(r"^\| `(breakit/[\w/]+\.py)` \|", body, re.MULTILINE):
            inside = module.startswith(package) and (
                package != "breakit/" or module.count("/") == 1
            )
            if not inside:
                misplaced.append(f"{module} under {package}")
    assert misplaced == []
    documented = [package for package, _ in sections]
    packages = sorted(
        f"breakit/{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()
    )
    assert sorted(documented) == sorted(["breakit/", *packages])
