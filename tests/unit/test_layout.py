"""breakit's shape (issues 14 and 25): no import cycle between its modules, no module over 400
lines, no function over 60 lines (breakit/ and bench/), and docs/architecture.md naming every
module once and no path that is not there.

Imports under `if TYPE_CHECKING:` aside, every import counts, those inside functions too: a lazy
import still makes the two modules depend on each other.
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


def graph(root: Path) -> dict[str, set[str]]:
    modules = {module_name(root, p): p for p in root.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
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
    assert "breakit.config" in edges["breakit.cli.env"]
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
