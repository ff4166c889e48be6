"""breakit's JSON document (`--json`, docs/json.md, version 2) read as the docs describe it, not
with breakit's code: shared by the field trial and the end-to-end tests (tests/e2e/cli_harness.py),
so that both check the format as a user's tool reads it."""

from __future__ import annotations


def outcomes(document: dict, mutant: dict) -> dict[str, dict]:
    """One mutant of a breakit JSON document as {node id: {outcome, message}} for every baseline
    test (tests by index into the baseline's list)."""
    tests = document["baseline"]["tests"]
    found = {nodeid: {"outcome": "not_run", "message": None} for nodeid in tests}
    for part in filter(None, mutant["tests"]["ran"].split(",")):
        first, _, last = part.partition("-")
        for i in range(int(first), int(last or first) + 1):
            found[tests[i]] = {"outcome": "missed", "message": None}
    for kind in ("caught", "errored"):
        for entry in mutant["tests"][kind]:
            found[tests[entry["test"]]] = {"outcome": kind, "message": entry["message"]}
    found.update(mutant["tests"].get("other", {}))
    return found


def caught_by(mutant: dict, document: dict) -> list[str]:
    """The tests that caught `mutant`, by node id, in the document's order (none when the
    mutant's row has no `tests`)."""
    tests = document["baseline"]["tests"]
    return [tests[entry["test"]] for entry in (mutant.get("tests") or {}).get("caught", [])]
