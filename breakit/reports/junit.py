"""The KillMatrix as JUnit XML: one testcase per mutant, so CI test views list the gaps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from breakit.core.model import KillMatrix, MutantResult, Verdict
from breakit.reports.schema_json import ran, status_reason

if TYPE_CHECKING:
    from breakit.mutants.changed_since import Since

# Characters XML 1.0 cannot carry at all, not even escaped: ElementTree would write them raw.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

_ERRORS = (Verdict.TIMEOUT, Verdict.COMPILE_ERROR, Verdict.RUNTIME_ERROR)
_FAILURES = (Verdict.SURVIVED, Verdict.NO_COVERAGE)


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render_junit(matrix: KillMatrix, since: Since | None = None) -> str:
    """A `<testsuites>` holding one `<testsuite name="breakit">`, as pytest's own --junitxml. With
    `since`, each testcase has a `breakit.mutants.changed_since` property: why --since brought
    it in."""
    failures = sum(r.verdict in _FAILURES for r in matrix.results)
    errors = sum(r.verdict in _ERRORS for r in matrix.results)
    skipped = sum(r.verdict is Verdict.IGNORED for r in matrix.results) + len(matrix.unchecked)
    total_s = sum(r.duration_s for r in matrix.results)
    counts = {
        "tests": str(len(matrix.results) + len(matrix.unchecked)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
        "time": f"{total_s:.3f}",
    }
    suites = ET.Element("testsuites", {"name": "breakit", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "breakit", **counts})
    for result in matrix.results:
        case = _testcase(result)
        if since is not None:
            properties = ET.Element("properties")
            value = _clean(since.describe(result.mutant.id))
            ET.SubElement(
                properties, "property", {"name": "breakit.mutants.changed_since", "value": value}
            )
            case.insert(0, properties)
        suite.append(case)
    for mutant in matrix.unchecked:  # --max-time spent before they ran: skipped, said why
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _clean(f"breakit.{mutant.origin}"),
                "name": _clean(f"{mutant.id}: {mutant.title}"),
                "time": "0.000",
            },
        )
        ET.SubElement(case, "skipped", {"message": "unchecked: --max-time was spent before it ran"})
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _testcase(result: MutantResult) -> ET.Element:
    mutant = result.mutant
    case = ET.Element(
        "testcase",
        {
            "classname": _clean(f"breakit.{mutant.origin}"),
            "name": _clean(f"{mutant.id}: {mutant.title}"),
            "time": f"{result.duration_s:.3f}",
        },
    )
    verdict = result.verdict
    if verdict is Verdict.SURVIVED:
        message = f"survived: no test caught it (covered by {len(ran(result))} tests)"
        _child(case, "failure", message, verdict, mutant.diff)
    elif verdict is Verdict.NO_COVERAGE:
        _child(case, "failure", "no test runs the changed code", verdict, mutant.diff)
    elif verdict is Verdict.IGNORED:
        reason = f"equivalent: {result.error or 'declared in [tool.breakit.equivalent]'}"
        ET.SubElement(case, "skipped", {"message": _clean(reason)})
    elif verdict in _ERRORS:
        message = result.error or verdict.value
        first = message.splitlines()[0] if message.strip() else verdict.value
        _child(case, "error", first, verdict, f"{message}\n\n{mutant.diff}")
    else:
        out = ET.SubElement(case, "system-out")
        out.text = _clean(f"caught by:\n{status_reason(result) or ''}\n")
    return case


def _child(case: ET.Element, tag: str, message: str, verdict: Verdict, text: str) -> None:
    child = ET.SubElement(case, tag, {"message": _clean(message), "type": verdict.value})
    child.text = _clean(text)
