"""The KillMatrix as a mutation-testing-report-schema (version 2) document, Stryker's standard."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from breakit.core.model import (
    Baseline,
    KillMatrix,
    Location,
    Mutant,
    MutantResult,
    Outcome,
    Verdict,
)

if TYPE_CHECKING:
    from breakit.mutants.changed_since import Since

SCHEMA_VERSION = "2"


# --- helpers the other reports share ----------------------------------------------------------


def primary_path(mutant: Mutant) -> str:
    """The file a mutant is reported under: where it changes code, else its first changed file."""
    if mutant.location is not None:
        return mutant.location.path
    # Curated mutants may delete files or touch only tests: the first file they name stands in.
    return next(iter(mutant.changes), "")


def mutator_name(mutant: Mutant) -> str:
    """The operator's name, or for a curated mutant the mutation's id."""
    if mutant.mutation is not None:
        return mutant.mutation.id
    return mutant.origin


def ran(result: MutantResult) -> tuple[str, ...]:
    """The tests that actually ran under this mutant (the schema's coveredBy)."""
    return tuple(n for n, o in result.tests.items() if o.outcome is not Outcome.NOT_RUN)


def status_reason(result: MutantResult) -> str | None:
    """Why the mutant got its verdict, in one or a few lines."""
    verdict = result.verdict
    if verdict is Verdict.KILLED:
        lines = []
        for nodeid in (*result.catchers, *result.errored_in):
            message = result.tests[nodeid].message
            lines.append(f"{nodeid}: {message}" if message else nodeid)
        return "\n".join(lines) or None
    if verdict is Verdict.SURVIVED:
        passed = sum(o.outcome is Outcome.MISSED for o in result.tests.values())
        return f"no test failed: {passed} of the {len(ran(result))} tests that ran passed"
    if verdict is Verdict.NO_COVERAGE:
        return "no test runs the changed code"
    if verdict is Verdict.IGNORED:
        return f"equivalent: {result.error}" if result.error else "declared equivalent"
    return result.error or verdict.value


def all_tests(matrix: KillMatrix, baseline: Baseline | None = None) -> tuple[str, ...]:
    """Every test id the matrix, its results or the baseline name, first-seen order."""
    seen: dict[str, None] = dict.fromkeys(matrix.tests)
    if baseline is not None:
        seen.update(dict.fromkeys(baseline.tests))
    for result in matrix.results:
        seen.update(dict.fromkeys(result.tests))
    return tuple(seen)


# --- the document -----------------------------------------------------------------------------


def mutation_testing_report(
    matrix: KillMatrix,
    baseline: Baseline | None,
    root: Path,
    *,
    thresholds: tuple[int, int] = (80, 60),
    version: str,
    since: Since | None = None,
) -> dict:
    """Build the report; `root` is the project root, from which file sources are read. With
    `since`, each mutant's description says why `--since` brought it in."""
    high, low = thresholds
    sources: dict[str, str] = {}
    mutants: dict[str, list[dict[str, object]]] = {}
    for result in matrix.results:
        path = primary_path(result.mutant)
        if path not in sources:
            sources[path] = _source(root, path, result.mutant)
        entry = _mutant(result, sources[path])
        if since is not None:
            entry["description"] = f"{entry['description']} ({since.describe(result.mutant.id)})"
        mutants.setdefault(path, []).append(entry)
    for mutant in matrix.unchecked:  # --max-time spent before they ran: the schema's Pending
        path = primary_path(mutant)
        if path not in sources:
            sources[path] = _source(root, path, mutant)
        mutants.setdefault(path, []).append(_pending(mutant, sources[path]))
    files = {
        path: {"language": "python", "source": sources[path], "mutants": mutants[path]}
        for path in sources
    }

    mutation_ms = sum(r.duration_s for r in matrix.results) * 1000
    return {
        "schemaVersion": SCHEMA_VERSION,
        "thresholds": {"high": high, "low": low},
        "projectRoot": str(root.resolve()),
        "files": files,
        "testFiles": _test_files(all_tests(matrix, baseline), root),
        "framework": {"name": "breakit", "version": version},
        "performance": {
            # breakit's setup (discovery, sandboxes) is not part of the KillMatrix: not measured.
            "setup": 0,
            "initialRun": round(baseline.duration_s * 1000) if baseline else 0,
            "mutation": round(mutation_ms),
        },
    }


def _source(root: Path, path: str, mutant: Mutant) -> str:
    file = root / path
    if file.is_file():
        return file.read_text(encoding="utf-8", errors="replace")
    return mutant.originals.get(path, "")


def _mutant(result: MutantResult, source: str) -> dict[str, object]:
    mutant = result.mutant
    out: dict[str, object] = {
        "id": mutant.id,
        "mutatorName": mutator_name(mutant),
        "location": _location(mutant.location, source),
        "status": result.verdict.value,
        "description": mutant.title,
        "killedBy": list(result.catchers),
        "coveredBy": list(ran(result)),
        "testsCompleted": len(ran(result)),
        "duration": round(result.duration_s * 1000),
    }
    if mutant.replacement is not None:
        out["replacement"] = mutant.replacement
    reason = status_reason(result)
    if reason:
        out["statusReason"] = reason
    return out


def _pending(mutant: Mutant, source: str) -> dict[str, object]:
    return {
        "id": mutant.id,
        "mutatorName": mutator_name(mutant),
        "location": _location(mutant.location, source),
        "status": "Pending",
        "statusReason": "unchecked: --max-time was spent before it ran",
        "description": mutant.title,
    }


def _location(location: Location | None, source: str) -> dict[str, dict[str, int]]:
    if location is None:
        # A curated mutant with no single site: point at the start of its first file's first line.
        first_line = source.splitlines()[0] if source else ""
        return {
            "start": {"line": 1, "column": 1},
            "end": {"line": 1, "column": len(first_line) + 1},
        }
    # breakit's end column is inclusive; the schema's end is exclusive.
    return {
        "start": {"line": max(location.start_line, 1), "column": max(location.start_column, 1)},
        "end": {"line": max(location.end_line, 1), "column": max(location.end_column + 1, 1)},
    }


def _test_files(tests: tuple[str, ...], root: Path) -> dict[str, dict[str, object]]:
    by_file: dict[str, list[str]] = {}
    for nodeid in tests:
        by_file.setdefault(nodeid.split("::", 1)[0], []).append(nodeid)
    out: dict[str, dict[str, object]] = {}
    for path, nodeids in by_file.items():
        file = root / path
        source = file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None
        lines = _def_lines(source) if source is not None else {}
        entries = []
        for nodeid in nodeids:
            name = nodeid.split("::", 1)[1] if "::" in nodeid else nodeid
            entry: dict[str, object] = {"id": nodeid, "name": name}
            # Parametrized ids ("test_x[a-b]") live at the plain function's def line.
            found = lines.get(name.split("[", 1)[0])
            if found is not None:
                entry["location"] = {"start": {"line": found[0], "column": found[1]}}
            entries.append(entry)
        out[path] = {"tests": entries}
        if source is not None:
            out[path]["source"] = source
    return out


def _def_lines(source: str) -> dict[str, tuple[int, int]]:
    """Map "test_x" and "TestClass::test_x" to the 1-based (line, column) of their def."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, tuple[int, int]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(prefix + node.name, (node.lineno, node.col_offset + 1))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}::")

    visit(tree.body, "")
    return found
