"""A new test for a never-told-apart survivor (issue 36): the call of the function that holds
its site, as one of its tests made it (the recorder's `calls`: every argument a literal), with
the argument its suggestion names given the input that tells the mutant apart
(breakit.triage.suggest.input_for). It is appended to the test file of the first test that
reached the site, in the scratch copy the follow run uses (breakit.triage.follow): run on the
original and with the mutant acted out, the call tells it apart or not. One that does gets its
assertion written and proven as any other (breakit.triage.assertion_proof), and is suggested as
a new test; one that does not makes the survivor "probably equivalent", the input tried said.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from breakit.mutants.operators.discovery import module_label
from breakit.triage.assertion import Assertion, asserted
from breakit.triage.probe import Probe
from breakit.triage.suggest import Input, inputs_for, literal_value
from breakit.triage.value import Followed, Triage, Tried

CALL_CHARS = 200  # a longer call makes no test a person would keep
YIELDS = 50  # a generator's first items asserted on (it may never end)


@dataclass(frozen=True)
class NewTest:
    """A test of one call, `call`, of `module`'s function (`head` imported from it), added at
    the end of the test file `path` as the function `name`. A generator function's call is
    asserted on as the list of what it yields first (`expression`)."""

    path: str
    name: str
    module: str
    head: str
    call: str
    imported: bool = False  # the test file imports `head` from `module` already
    generator: bool = False
    pytest_imported: bool = False  # the test file imports pytest (`pytest.approx`)

    @property
    def nodeid(self) -> str:
        return f"{self.path}::{self.name}"

    @property
    def expression(self) -> str:
        """What the assertion is on: the call, or the first items a generator yields."""
        return f"list(islice({self.call}, {YIELDS}))" if self.generator else self.call

    @property
    def body(self) -> str:
        """The follow run's statement: one Python-level call from the test's line returning
        `expression`'s value (a generator's items are taken inside a lambda, whose return the
        follow run sees; its resumptions are not calls from the line)."""
        return f"(lambda: {self.expression})()" if self.generator else self.call

    def text(self, body: str) -> str:
        """The test as added to its file (two blank lines first), `body` its last line."""
        imports = ["    from itertools import islice"] if self.generator else []
        if not self.imported:
            imports.append(f"    from {self.module} import {self.head}")
        head = "\n".join(imports) + "\n\n" if imports else ""
        return f"\n\ndef {self.name}():\n{head}    {body}\n"

    def assertion(self, literal: str | None, line: int, shown: str) -> Assertion | str:
        """The assertion that `expression` gives `literal` (the original's value, `shown` as
        seen), taking the place of the call at `line` while proven; or why none."""
        made = asserted(self.expression, literal)
        if made is None:
            return f"`{self.expression}` returns {shown}, not a literal an assertion can use"
        code, approx = made
        needs = approx and not self.pytest_imported
        return Assertion(
            self.path, line, f"    {code}", needs_pytest=needs, runs_in=self.name, instead=True
        )


def test_file(found: Triage, probe: Probe) -> str | None:
    """The file of the first test function that reached the site (not a doctest, not the
    mutated file): where its new test goes."""
    for test, _count in found.tests:
        path, _, name = test.partition("::")
        if name and path.endswith(".py") and path != probe.path:
            return path
    return None


@dataclass
class TestFile:
    """What a test file holds that new tests must fit: the names it defines, the names it
    imports from modules (`from m import f`: (m, f)), and the new tests written for it so far
    (by call: mutants with the same call share one)."""

    path: str | None
    names: set[str] = field(default_factory=set)
    imports: set[tuple[str, str]] = field(default_factory=set)
    written: dict[str, NewTest] = field(default_factory=dict)
    pytest: bool = False  # it imports pytest

    __test__ = False  # not a test class, whatever pytest thinks of its name

    @classmethod
    def read(cls, path: str | None, text: str) -> TestFile:
        found = cls(path)
        try:
            tree = ast.parse(text)
        except SyntaxError:
            return found
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.names.add(node.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.imports.update((node.module, a.name) for a in node.names if not a.asname)
            elif isinstance(node, ast.Import):
                found.pytest |= any(a.name == "pytest" and not a.asname for a in node.names)
        return found


def _chosen(inputs: Sequence[Input], given: Mapping[str, str]) -> tuple[Input, str] | str:
    """The first input a call with the arguments `given` can take (a parameter given a value
    it did not have), with its value; else why none (`{function}` to fill in)."""
    why = ""
    for wanted in inputs:
        if wanted.name not in given:
            why = why or f"`{wanted.name}` is not a parameter of `{{function}}`"
            continue
        value = wanted.value if wanted.same_as is None else given.get(wanted.same_as)
        if value is None:
            why = why or f"`{wanted.same_as}` is not a parameter of `{{function}}`"
        elif literal_value(given[wanted.name]) == literal_value(value):
            why = why or f"its tests already called `{{function}}` with `{wanted.name}` = {value}"
        else:
            return wanted, value
    return why


def _module(mutant: str, probe: Probe) -> str | None:
    """The module its tests import the mutated file as (the generated id's first part)."""
    label = mutant.split(":", 1)[0]
    if label not in (module_label(probe.path), module_label(probe.path, True)):
        return None
    return label.removesuffix(".__init__")


def new_test(
    mutant: str, probe: Probe, found: Triage, call: Mapping[str, Any] | None, file: TestFile
) -> NewTest | str:
    """The new test for never-told-apart `found` (its probe, the call its tests made), or why
    none is written; `file`: what the test file holds (the same call is one test, named
    after its input)."""
    inputs = inputs_for(probe, found.examples)
    if not inputs:
        return "no input simple enough to write"
    if call is None:
        return "no call of its function had only literal arguments"
    function = str(call["function"])
    args = [(str(name), str(kind), str(text)) for name, kind, text in call["args"]]
    names = [name for name, _, _ in args]
    if "<" in function:
        return f"its site is in `{function}`, which a test cannot import"
    if call.get("method") or ("." in function and names[:1] in (["self"], ["cls"])):
        return f"its site is in the method `{function}` (a new test would need the object)"
    given = dict((name, text) for name, _, text in args)
    chosen = _chosen(inputs, given)
    if isinstance(chosen, str):
        return chosen.replace("{function}", function)
    wanted, value = chosen
    module = _module(mutant, probe)
    if module is None or file.path is None:
        return "no test file, or no module, to write it with"
    parts = []
    for name, kind, text in args:
        text = value if name == wanted.name else text
        parts.append(f"{name}={text}" if kind == "kw" else text)
    written = f"{function}({', '.join(parts)})"
    if len(written) > CALL_CHARS:
        return f"the call would be {len(written)} characters long"
    if written in file.written:
        return file.written[written]
    head = function.split(".", 1)[0]
    said = re.sub(r"\W+", "_", value).strip("_")[:20] or "empty"
    name = base = f"test_{function.rsplit('.', 1)[-1].lstrip('_')}_{wanted.name}_{said}"
    count = 1
    while name in file.names:
        count += 1
        name = f"{base}_{count}"
    file.names.add(name)
    imported = (module, head) in file.imports
    generator = bool(call.get("generator"))
    made = NewTest(file.path, name, module, head, written, imported, generator, file.pytest)
    file.written[written] = made
    return made


def appended(text: str, tests: Sequence[NewTest]) -> tuple[str, dict[str, int]]:
    """`text` (a test file) with each new test added at its end, its body the bare call, and
    the line of each one's call, by test name."""
    lines = text.rstrip("\n").split("\n") if text.strip() else []
    calls: dict[str, int] = {}
    for test in tests:
        if test.name not in calls:
            lines.extend(test.text(test.body).rstrip("\n").split("\n"))
            calls[test.name] = len(lines)
    return "\n".join(lines) + "\n", calls


def compare_new(
    runs: Sequence[Mapping[str, Any]], number: int, line: int, new: NewTest
) -> tuple[Tried, Followed | None] | str:
    """What a new test's runs (originals around the mutant's, acted out) say: the input tried,
    and where it told the mutant apart, the difference as an assertion is written from it; or
    why nothing can be said."""
    call = new.expression
    position = next((i for i, r in enumerate(runs) if r["mutant"] == number), None)
    if position is None or position == 0 or position + 1 >= len(runs):
        return "its run did not finish"
    before, acted, after = runs[position - 1], runs[position], runs[position + 1]
    key = str(line)
    if before["result"] != "passed":
        return f"`{call}` {before['result']} on the original code"
    original, again = before["calls"].get(key, []), after["calls"].get(key, [])
    if not original:
        return f"`{call}` returned nothing to the test"
    if [c[0] for c in original] != [c[0] for c in again]:
        return f"what `{call}` returns changes from run to run"
    last = original[-1]  # the test's own call returns last (the calls it makes, before it)
    if acted["result"] != "passed":
        tried = Tried(call, True, last[1], f"fails the test ({acted['result']})")
        return tried, Followed(True, line, last[1], tried.mutant, literal=last[2])
    mutated = acted["calls"].get(key, [])
    theirs = mutated[-1] if mutated else None
    if theirs is not None and theirs[0] == last[0]:
        return Tried(call, False, last[1], theirs[1]), None
    shown = "nothing" if theirs is None else theirs[1]
    return Tried(call, True, last[1], shown), Followed(True, line, last[1], shown, literal=last[2])


def as_new_test(assertion: Assertion, test: NewTest, lines: int) -> Assertion:
    """The proven assertion of a new test's call as the test the user adds: the whole test,
    after the file's last line (`lines`)."""
    code = test.text(assertion.code.strip()).rstrip("\n")
    return Assertion(
        test.path, lines, code, needs_pytest=assertion.needs_pytest, runs_in=test.name,
        new_test=test.name,
    )  # fmt: skip
