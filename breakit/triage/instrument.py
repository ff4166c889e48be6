"""The probes written into the original source: `rounds` groups the probes into as few runs as
possible (probes at the same node and of the same kind become one call; a run's probes never
overlap), and each round's files are the original text with each probe's call spliced in, on the
same lines (line numbers in tracebacks and warnings stay the original's). A probe whose file no
longer compiles with it is left out, and the mutant is not comparable.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from breakit.triage.probe import Probe

RECORDER = "__import__('breakit.triage.probes').triage.probes"


@dataclass
class Round:
    """One run of the tests: the instrumented files, and which mutant each probe number is."""

    files: dict[str, str] = field(default_factory=dict)
    mutants: dict[int, str] = field(default_factory=dict)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


WRAPPERS = ("value", "truth")  # they only read the value at their span: one may wrap another


def _call(group: Sequence[Probe], numbers: Sequence[int], inner: str | None = None) -> str:
    """The recorder's call for one group of probes; `inner`, for a wrapper, the call at the same
    span that computes the original's value (else the original's code)."""
    first = group[0]
    parts = [f"({part})" for part in first.parts]
    if inner is not None:
        parts[0] = f"({inner})"
    if first.kind == "negation":
        return f"{RECORDER}.negation({parts[0]}, ({''.join(f'{n}, ' for n in numbers)}))"
    if first.kind == "reached":
        return f"{RECORDER}.reached(({''.join(f'{n}, ' for n in numbers)})); "
    if first.kind in ("value", "truth"):
        alts = ", ".join(f"{n}: ({p.alternative})" for n, p in zip(numbers, group, strict=True))
        return f"{RECORDER}.{first.kind}({parts[0]}, {{{alts}}})"
    if first.kind == "operand":
        pairs = zip(numbers, group, strict=True)
        alts = ", ".join(f"{n}: ({p.alternative[0]}, {p.alternative[1]})" for n, p in pairs)
        op = repr(first.ops[0])
        return f"{RECORDER}.operand({parts[0]}, {parts[1]}, {op}, {{{alts}}})"
    if first.kind == "nested":
        pairs = zip(numbers, group, strict=True)
        alts = ", ".join(
            f"{n}: ({p.alternative[0]!r}, {p.alternative[1]}, ({p.alternative[2]}))"
            for n, p in pairs
        )
        compare, binary, side = first.ops
        head = ", ".join(parts)
        return f"{RECORDER}.nested({head}, {compare!r}, {binary!r}, {side}, {{{alts}}})"
    if first.kind == "chain":
        alts = ", ".join(
            f"{n}: {tuple(p.alternative)!r}" for n, p in zip(numbers, group, strict=True)
        )
        thunks = "".join(f"(lambda: {p}), " for p in parts)
        return f"{RECORDER}.chain(({thunks}), {first.pure!r}, {first.ops!r}, {{{alts}}})"
    alts = ", ".join(f"{n}: {p.alternative[0]!r}" for n, p in zip(numbers, group, strict=True))
    op = repr(first.ops[0])
    if first.kind == "boolop":
        pure = first.pure[1]
        return f"{RECORDER}.boolop({parts[0]}, (lambda: {parts[1]}), {pure}, {op}, {{{alts}}})"
    if first.kind == "augmented":
        return f"{RECORDER}.augmented({parts[0]}, {parts[1]}, {op}, {{{alts}}}); "
    return f"{RECORDER}.{first.kind}({parts[0]}, {parts[1]}, {op}, {{{alts}}})"


def spliced(original: str, probe: Probe, call: str) -> str:
    """`original` with `call` in place of the probe's span, on as many lines as the span."""
    lost = original.count("\n", probe.start, probe.end) - call.count("\n")
    if probe.start != probe.end:
        call = f"({call}{chr(10) * max(lost, 0)})"
    return original[: probe.start] + call + original[probe.end :]


def _unit(tree: ast.Module, text: str, position: int) -> str | None:
    """The top-level statement of `text` holding `position`, as source (for a quick compile)."""
    line = text.count("\n", 0, position) + 1
    starts = [0]
    starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    for statement in tree.body:
        first = min(
            [statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))]
        )
        last = statement.end_lineno or statement.lineno
        if first <= line <= last:
            begin = starts[first - 1]
            finish = starts[last] if last < len(starts) else len(text)
            return "\n" * (first - 1) + text[begin:finish]
    return None


def _compiles(text: str, flags: int, *, strict: bool = True) -> bool:
    """Whether `text` compiles; `strict`: without a SyntaxWarning either (a suite run with
    `-W error` would fail on one at import)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error" if strict else "ignore")
            compile(text, "<triage>", "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, SyntaxWarning, ValueError, DeprecationWarning):
        return False
    return True


def _compiles_as(original_unit: str | None, unit: str | None, flags: int) -> bool:
    """The probed unit compiles, with no warning the original did not give already."""
    if unit is None:
        return False
    strict = original_unit is None or _compiles(original_unit, flags)
    return _compiles(unit, flags, strict=strict)


def _future_flags(tree: ast.Module) -> int:
    import __future__

    flags = 0
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                flags |= getattr(getattr(__future__, alias.name, None), "compiler_flag", 0)
    return flags


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= end and start <= e for s, e in spans)


@dataclass
class _Call:
    """One call at one span: the probes it records, by number, and its text."""

    first: Probe
    text: str
    mutants: dict[int, str]


def _calls(probes: Sequence[Probe]) -> list[_Call]:
    """The calls for `probes`: one per group of the same key; at one span, the wrappers (a value
    or a truth) around one operator's call, which computes the value they read, so they share a
    run. From the end of each file backwards: a splice never moves the spans still to come."""
    groups: dict[tuple[object, ...], list[Probe]] = {}
    for probe in probes:
        groups.setdefault(probe.key, []).append(probe)
    spans: dict[tuple[str, int, int], list[list[Probe]]] = {}
    for group in groups.values():
        first = group[0]
        spans.setdefault((first.path, first.start, first.end), []).append(group)
    calls: list[_Call] = []
    number = 0
    for _span, at in sorted(spans.items(), key=lambda item: (item[0][0], -item[0][1], -item[0][2])):
        wrappers = [g for g in at if g[0].kind in WRAPPERS and g[0].start != g[0].end]
        others = [g for g in at if g not in wrappers] or wrappers[:1]
        wrappers = [g for g in wrappers if g not in others]
        for index, group in enumerate(others):
            mutants: dict[int, str] = {}
            text: str | None = None
            for members in (group, *(wrappers if index == 0 else ())):
                numbers = list(range(number, number + len(members)))
                mutants.update(zip(numbers, (p.mutant for p in members), strict=True))
                text = _call(members, numbers, inner=text)
                number += len(members)
            assert text is not None
            calls.append(_Call(group[0], text, mutants))
    return calls


def rounds(probes: Sequence[Probe], originals: Mapping[str, str]) -> tuple[list[Round], set[str]]:
    """The runs that record every probe, and the mutants whose probe does not compile."""
    trees = {path: ast.parse(text) for path, text in originals.items()}
    flags = {path: _future_flags(tree) for path, tree in trees.items()}
    made: list[Round] = []
    broken: set[str] = set()
    for call in _calls(probes):
        first = call.first
        original = originals[first.path]
        unit = _unit(trees[first.path], spliced(original, first, call.text), first.start)
        before = _unit(trees[first.path], original, first.start)
        if not _compiles_as(before, unit, flags[first.path]):
            broken.update(call.mutants.values())
            continue
        chosen = next(
            (r for r in made if not _overlaps(r.spans.get(first.path, []), first.start, first.end)),
            None,
        )
        if chosen is None:
            chosen = Round()
            made.append(chosen)
        text = chosen.files.get(first.path, original)
        chosen.files[first.path] = spliced(text, first, call.text)
        chosen.spans.setdefault(first.path, []).append((first.start, first.end))
        chosen.mutants.update(call.mutants)
    return made, broken
