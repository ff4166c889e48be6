"""What breakit prints, through the real CLI with stdout and stderr piped: error messages keep
the words in brackets, test ids keep their parameters, ids are never wrapped on a pipe, progress
shows on stderr, and ids may be given with --generated."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.cli_harness import MIXED_PROJECT, Breakit
from tests.project_files import write_project

pytestmark = pytest.mark.slow

PARAMETRIZED_TEST = """
    import pytest

    from calc import add


    @pytest.mark.parametrize("a, b", [(1, 2)], ids=["a-1"])
    def test_x(a, b):
        assert add(a, b) == 3
"""


def test_config_errors_name_the_table_and_the_key(small):
    pyproject = small.root / "pyproject.toml"
    original = pyproject.read_text()

    pyproject.write_text(original.replace("timeout_factor", "test"))
    unknown = small("list")
    assert unknown.returncode == 3
    assert "error: [tool.breakit] has an unknown key 'test'" in unknown.stderr

    pyproject.write_text(original.replace('source = ["calc"]', 'source = ["nope"]'))
    missing = small("list", "--generated")
    assert missing.returncode == 3
    assert "error: [tool.breakit] source names 'nope', which does not exist" in missing.stderr

    pyproject.write_text(original.replace("[tool.breakit]", "[tool.other]"))
    no_table = small("list")
    assert no_table.returncode == 3
    assert "pyproject.toml has no [tool.breakit] table" in no_table.stderr
    assert "Traceback" not in no_table.stderr


def test_a_parametrized_test_id_shows_whole_in_apply_and_check(small):
    write_project(small.root, {"tests/test_param.py": PARAMETRIZED_TEST})
    applied = small("apply", "minus")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "test_param.py::test_x[a-1]" in applied.stdout
    checked = small("check", "minus", "-v")
    # The answer key names only test_add: the mismatch lists the parametrized test, whole.
    assert checked.returncode == 6, checked.stdout + checked.stderr
    assert "+ caught, not in the key tests/test_param.py::test_x[a-1]" in checked.stdout
    # -v: the tests that caught it, each with its failure line.
    assert re.search(r"^  caught test_param\.py::test_x\[a-1\] assert", checked.stdout, re.M)


def test_list_generated_on_a_pipe_keeps_every_id_on_one_line(small):
    ids = [m["id"] for m in json.loads(small("list", "--generated", "--json").stdout)["mutants"]]
    assert ids
    # A pipe with the terminal width rich would otherwise assume.
    listed = small.run_with_env({"COLUMNS": "40"}, "list", "--generated")
    assert listed.returncode == 0
    first_words = [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]
    for mutant_id in ids:
        assert mutant_id in first_words


def test_check_on_a_pipe_shows_progress_on_stderr_unless_quiet(small):
    result = small("check", "--generated", "--json")
    assert result.returncode in (0, 1), result.stderr
    total = len(json.loads(result.stdout)["mutants"])
    assert "breakit: baseline: running the suite" in result.stderr
    lines = re.findall(r"^breakit: (\d+)/(\d+) mutants.*$", result.stderr, re.MULTILINE)
    assert lines, result.stderr
    assert all(int(of) == total for _, of in lines)
    assert int(lines[-1][0]) == total
    assert "done in" in result.stderr.splitlines()[-1]
    # No spinner or bar on a pipe: no carriage returns, no cursor movement.
    assert "\r" not in result.stderr and "\x1b[" not in result.stderr

    quiet = small("check", "--generated", "--json", "-q")
    assert json.loads(quiet.stdout)["mutants"]
    assert "breakit:" not in quiet.stderr


UNCAUGHT_COUNTS = re.compile(r"(\d+) (Survived|NoCoverage)\b")


def test_progress_counts_survived_and_no_coverage_as_the_summary_does(tmp_path):
    # Issue 23: progress said "248/248 mutants (48 survived)" for 38 Survived and 10 NoCoverage.
    root = tmp_path / "mixed"
    write_project(root, MIXED_PROJECT)
    (tmp_path / "tmp").mkdir()
    done = Breakit(root, tmp_path / "tmp")("check", "--generated")
    assert done.returncode == 1, done.stderr[-2000:]  # the Survived one
    summary = done.stdout.splitlines()[-1]
    expected = dict((kind, int(n)) for n, kind in UNCAUGHT_COUNTS.findall(summary))
    assert expected.get("Survived") and expected.get("NoCoverage"), summary
    # Under 20 mutants, a line per mutant on a pipe (one every 5 %): the counts as they grow.
    lines = re.findall(r"^breakit: (\d+)/(\d+) mutants(.*)$", done.stderr, re.MULTILINE)
    total = int(lines[-1][1])
    assert [int(n) for n, _, _ in lines] == list(range(1, total + 1)), done.stderr
    counts = [
        dict((kind, int(n)) for n, kind in UNCAUGHT_COUNTS.findall(rest)) for *_, rest in lines
    ]
    assert counts[-1] == expected, (lines[-1], summary)
    for kind in expected:
        grown = [c.get(kind, 0) for c in counts]
        assert grown == sorted(grown)
    assert "survived" not in done.stderr


def test_check_generated_takes_ids_and_names_an_unknown_one(small):
    ids = [m["id"] for m in json.loads(small("list", "--generated", "--json").stdout)["mutants"]]
    chosen = ids[:2]
    for flags in (["--generated"], ["--all"]):
        result = small("check", *flags, *chosen, "--json")
        assert result.returncode in (0, 1), result.stderr
        assert [m["id"] for m in json.loads(result.stdout)["mutants"]] == chosen
    typo = small("check", "--generated", chosen[0][:-1] + "#")
    assert typo.returncode == 2
    assert f"did you mean {chosen[0]!r}" in typo.stderr
    assert "Traceback" not in typo.stderr
    both = small("check", "--generated", chosen[0], "--operator", "arithmetic")
    assert both.returncode == 2
    assert "not both" in both.stderr


def _suite_of(tests: int, functions: int, caught_below: int) -> dict[str, str]:
    """`functions` one-line functions, every test calls them all (so every mutant runs every
    test), and two tests check the values of the first `caught_below` of them."""
    body = "\n".join(f"def f{k}(x):\n    return x + {k + 1}\n\n" for k in range(functions))
    return {
        "calc/__init__.py": body
        + f"\ndef values(x):\n    return [{', '.join(f'f{k}(x)' for k in range(functions))}]\n",
        "tests/test_calc.py": f"""
            import pytest

            from calc import values


            @pytest.mark.parametrize("i", range({tests - 2}))
            def test_call(i):
                assert len(values(i)) == {functions}


            def test_exact_one():
                assert values(1)[:{caught_below}] == list(range(2, {caught_below + 2}))


            def test_exact_two():
                assert values(2)[:{caught_below}] == list(range(3, {caught_below + 3}))
        """,
    }


def _json_len(value: object) -> int:
    return len(json.dumps(value))


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def stated_bound(document: dict) -> int:
    """docs/json.md, "Size": the most the document may take, from what it holds."""
    size = 300 + sum(_json_len(t) + 10 for t in document["baseline"]["tests"])
    for mutant in document["mutants"]:
        texts = [mutant[k] for k in ("id", "title", "origin", "error")]
        listed = [*mutant["files"], *(mutant.get("expected_caught_by") or ())]
        size += 600 + sum(_json_len(t) for t in texts) + sum(_json_len(t) + 10 for t in listed)
        size += _json_len(mutant["tests"]["ran"]) + 12 * len(mutant["order"] or ())
        detected = mutant["tests"]["caught"] + mutant["tests"]["errored"]
        size += sum(80 + _json_len(found["message"]) for found in detected)
        if "triage" in mutant:  # a survivor's: capped, whatever the tests that ran it
            size += 1500 + sum(_json_len(t) + 20 for t in _texts(mutant["triage"]))
    size += 200 if "triage_run" in document else 0
    return size


def test_json_size_stays_within_the_stated_bound(small):
    """200 tests × 30 mutants, each mutant run by all 200: the document spends nothing per test
    that passed, and the terminal gives each survivor's count of tests, not their names."""
    write_project(small.root, _suite_of(tests=200, functions=30, caught_below=20))
    listed = small("list", "--generated", "--operator", "arithmetic", "--json")
    ids = [m["id"] for m in json.loads(listed.stdout)["mutants"]][:30]
    assert len(ids) == 30

    result = small("check", "--generated", *ids, "--json", "-q", timeout=600)
    assert result.returncode == 1, result.stderr  # the last ten functions' mutants survive
    document = json.loads(result.stdout)
    assert len(document["baseline"]["tests"]) == 200
    assert all(m["tests"]["ran"] == "0-199" for m in document["mutants"])
    verdicts = [m["verdict"] for m in document["mutants"]]
    assert verdicts.count("Killed") == 20 and verdicts.count("Survived") == 10
    size = len(result.stdout.encode())
    assert size <= stated_bound(document), (size, stated_bound(document))
    # What docs/json.md says of this very shape ("about 32 KB", and under 1 KB more for each
    # survivor's triage); listing all 6,000 outcomes with their messages and durations took
    # about 1 MB.
    triaged = sum("triage" in m for m in document["mutants"])
    assert triaged == 10
    assert size < 40_000 + 1_000 * triaged, size

    terminal = small("check", "--generated", *ids)
    assert terminal.returncode == 1
    assert terminal.stdout.count("200 tests ran it and passed (-v lists them)") == 10
    # No list of the tests; each survivor's triage names the one test that told it apart.
    assert terminal.stdout.count("test_call") == 10, terminal.stdout
    assert len(terminal.stdout.splitlines()) < 200, terminal.stdout
    verbose = small("check", "--generated", *ids, "-v")
    assert "ran it and passed (200): test_calc.py: test_call ×198, test_exact_one" in verbose.stdout
