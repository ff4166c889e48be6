"""Why each survivor survived (issue 26), through the real CLI on a small project written for it:
a boundary its tests never hit, a result computed and never asserted, a call removed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli_harness import Breakit, project_in

pytestmark = pytest.mark.slow

GRADES = {
    "pyproject.toml": """
        [project]
        name = "grades"
        version = "0"

        [tool.breakit]
        source = ["grades"]
        tests = ["tests"]
    """,
    "grades/__init__.py": """
        LOG = []


        def grade(score):
            if score >= 90:
                return "A"
            return "B"


        def total(prices, discount):
            amount = sum(prices) - discount
            LOG.append(amount)
            return amount


        def net_price(price, rate):
            if rate > 0:
                price = price * (1 - rate)
            return price
    """,
    # test_grades never tries 90; test_total computes the total and only checks its sign;
    # test_net_price tries a zero rate, where `rate > 0` and `rate >= 0` differ and the price
    # does not.
    "tests/test_grades.py": """
        from grades import grade, net_price, total


        def test_grades():
            assert grade(95) == "A"
            assert grade(80) == "B"
            assert grade(10) == "B"


        def test_total():
            result = total([3, 4], 2)
            assert result > 0


        def test_net_price():
            assert net_price(100.0, 0) == 100.0
            assert net_price(100.0, 0.5) == 50.0
    """,
}


CLAMP = {
    "pyproject.toml": """
        [project]
        name = "clamp"
        version = "0"

        [tool.breakit]
        source = ["clamp.py"]
        tests = ["tests"]
    """,
    "clamp.py": """
        def clamp(value, floor, ceil):
            if value < floor:
                return floor
            return min(value, ceil)
    """,
    "tests/test_clamp.py": """
        from clamp import clamp


        def test_clamp():
            assert clamp(5, 0, 10) == 5
            assert clamp(-3, 0, 10) == 0
    """,
}


@pytest.fixture
def grades(tmp_path: Path) -> Breakit:
    return project_in(tmp_path, "grades-project", GRADES)


def survivors(grades: Breakit, *args: str) -> dict[str, dict]:
    result = grades("check", "--generated", "--json", *args)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    return {m["title"]: m for m in document["mutants"] if m["verdict"] == "Survived"}


def test_a_boundary_never_hit_is_never_told_apart_with_the_values_seen(grades):
    found = survivors(grades, "--operator", "comparison")
    triage = found["`>=` → `>`"]["triage"]
    assert triage["class"] == "never_told_apart"
    assert triage["site"] == "score >= 90"
    assert triage["reached"] == 3
    assert triage["differed"] == 0
    assert triage["tests"] == {"tests/test_grades.py::test_grades": 3}
    assert triage["seen"] == {"score": ["95", "80", "10"]}
    assert triage["difference"] is None
    assert triage["suggestion"] == "a test where `score` is 90"
    # The input, tried: grade(90), the call its test made with `score` at the boundary, tells
    # them apart; the new test asserting the original's result is verified and suggested.
    assert triage["tried"] == {
        "call": "grade(90)",
        "told_apart": True,
        "original": "'A'",
        "mutant": "'B'",
    }
    assert triage["probably_equivalent"] is False
    assertion = triage["assertion"]
    assert assertion["new_test"] == "test_grade_score_90"
    assert assertion["code"] == "def test_grade_score_90():\n    assert grade(90) == 'A'"
    assert assertion["after_line"] == 17  # the test file's last line


def test_an_input_that_tells_nothing_apart_makes_it_probably_equivalent(tmp_path: Path):
    # clamp's `value < floor` → `value <= floor`: at value == floor both return the same, so
    # the input tried (value = floor = 0) tells nothing apart.
    project = project_in(tmp_path, "clamp", CLAMP)
    found = survivors(project, "--operator", "comparison")
    triage = found["`<` → `<=`"]["triage"]
    assert triage["class"] == "never_told_apart"
    assert triage["tried"] == {
        "call": "clamp(0, 0, 10)",
        "told_apart": False,
        "original": "0",
        "mutant": "0",
    }
    assert triage["probably_equivalent"] is True
    assert triage["assertion"] is None
    shown = project("check", found["`<` → `<=`"]["id"])
    assert "never told apart, probably equivalent" in shown.stdout
    assert "tried clamp(0, 0, 10): 0 on both" in shown.stdout


def test_a_result_never_asserted_is_told_apart_and_the_assertion_it_points_at_kills_it(grades):
    found = survivors(grades, "--operator", "arithmetic")
    mutant = found["`-` → `+`"]
    triage = mutant["triage"]
    assert triage["class"] == "told_apart_not_checked"
    difference = triage["difference"]
    assert difference["test"] == "tests/test_grades.py::test_total"
    assert (difference["line"], difference["code"]) == (11, "result = total([3, 4], 2)")
    assert (difference["original"], difference["mutant"]) == ("5", "9")
    # Followed to the test: total() returned 5 to line 11, under the mutant 9.
    followed = {"reached_test": True, "line": 11, "of": None, "original": "5", "mutant": "9"}
    assert triage["followed"] == followed
    shown = grades("check", mutant["id"])
    assert "reached the test, not checked: in tests/test_grades.py::test_total" in shown.stdout
    assert "the call at tests/test_grades.py:11 returned 5 where the mutant's returns 9" in (
        shown.stdout
    )
    # The assertion breakit wrote and verified (it passes on the original, fails under the
    # mutant acted out), put where it says: the mutant is now Killed.
    assertion = triage["assertion"]
    assert assertion == {
        "path": "tests/test_grades.py",
        "after_line": 11,
        "code": "assert result == 5",
        "needs_import": None,
        "replaces_line": False,
        "new_test": None,
        "verified": True,
    }
    assert "add after tests/test_grades.py:11 (verified): assert result == 5" in shown.stdout
    test_file = grades.root / assertion["path"]
    lines = test_file.read_text().splitlines()
    lines.insert(assertion["after_line"], f"    {assertion['code']}")
    test_file.write_text("\n".join(lines) + "\n")
    again = grades("check", mutant["id"], "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    (result,) = json.loads(again.stdout)["mutants"]
    assert result["verdict"] == "Killed"


def test_a_difference_the_code_absorbs_before_the_test_is_told_so(grades):
    # `rate > 0` → `rate >= 0`: told apart at rate 0 (False, True), yet the price is 100.0
    # either way: no assertion in that test could catch it, a new input is needed.
    found = survivors(grades, "--operator", "comparison")
    triage = found["`>` → `>=`"]["triage"]
    assert triage["class"] == "told_apart_not_checked"
    assert (triage["difference"]["original"], triage["difference"]["mutant"]) == ("False", "True")
    followed = {
        "reached_test": False,
        "line": 16,
        "of": None,
        "original": "100.0",
        "mutant": "100.0",
    }
    assert triage["followed"] == followed
    # `>` and `>=` differ only at rate == 0, the input the test gave: probably equivalent.
    assert triage["probably_equivalent"] is True
    assert triage["tried"] == {
        "call": "assert net_price(100.0, 0) == 100.0",
        "told_apart": False,
        "original": "100.0",
        "mutant": "100.0",
    }
    shown = grades("check", found["`>` → `>=`"]["id"])
    assert (
        "absorbed before the test, probably equivalent: in tests/test_grades.py::test_net_price"
        in shown.stdout
    )
    assert "the call at tests/test_grades.py:16 returned the same on both (100.0)" in shown.stdout
    assert "differ only where their operands are equal" in shown.stdout
    document = json.loads(grades("check", "--generated", "--json", "--no-cache").stdout)
    assert document["triage_run"]["followed"] == {
        "reached_test": 1,
        "absorbed": 2,  # `if rate > 0:` → `if True:` too (not an equality-only difference)
        "not_followed": 0,
    }
    forced = next(m for m in document["mutants"] if m["title"] == "`rate > 0` → `True`")
    assert forced["triage"]["probably_equivalent"] is False


def test_a_removed_call_is_not_comparable_and_says_where_it_was_reached(grades):
    found = survivors(grades, "--operator", "call_removed")
    triage = found["`LOG.append(amount)` → `pass`"]["triage"]
    assert triage["class"] == "not_comparable"
    assert triage["reached"] == 1
    assert triage["tests"] == {"tests/test_grades.py::test_total": 1}
    assert triage["seen"] == {}


def test_no_triage_skips_it_and_the_triage_never_changes_a_verdict(grades):
    with_triage = grades("check", "--generated", "--json")
    without = grades("check", "--generated", "--json", "--no-triage", "--no-cache")
    first, second = json.loads(with_triage.stdout), json.loads(without.stdout)
    verdicts = {m["id"]: m["verdict"] for m in first["mutants"]}
    assert verdicts == {m["id"]: m["verdict"] for m in second["mutants"]}
    assert with_triage.returncode == without.returncode == 1
    survived = [m for m in first["mutants"] if m["verdict"] == "Survived"]
    assert survived and all("triage" in m for m in survived)
    assert not any("triage" in m for m in first["mutants"] if m["verdict"] != "Survived")
    assert first["triage_run"]["survivors"] == len(survived)
    assert first["triage_run"]["runs"] >= 1
    assert not any("triage" in m for m in second["mutants"])
    assert "triage_run" not in second


def test_the_terminal_and_the_html_report_show_it_under_each_survivor(grades):
    result = grades("check", "--generated", "--operator", "comparison", "--html", "report.html")
    assert result.returncode == 1, result.stderr
    assert "why it survived: never told apart: `score >= 90` and `score > 90`" in result.stdout
    assert "seen: `score` was 95, 80, 10" in result.stdout
    assert "tried grade(90): 'A', the mutant's 'B'" in result.stdout
    verified = "add test_grade_score_90 to tests/test_grades.py (verified): assert grade(90) == 'A'"
    assert verified in result.stdout
    html = (grades.root / "report.html").read_text()
    assert 'data-triage="never_told_apart"' in html
    assert "tried grade(90): &#x27;A&#x27;, the mutant&#x27;s &#x27;B&#x27;" in html


def test_the_learner_sees_why_a_curated_breakage_survived(small):
    # Without its zero test, the small project's `boundary` breakage (`n > 0` → `n >= 0`)
    # survives: is_positive is only ever asked about 1.
    test_file = small.root / "tests/test_calc.py"
    text = test_file.read_text()
    test_file.write_text(text[: text.index("def test_zero_is_not_positive")].rstrip() + "\n")
    result = small("apply", "boundary")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Why no test noticed" in result.stdout
    assert "never told apart: `n > 0` and `n >= 0`" in result.stdout
    assert "seen: `n` was 1" in result.stdout
    assert "try: a test where `n` is 0" in result.stdout
    assert "Alter it:" in result.stdout
    quiet = small("apply", "boundary", "--no-triage")
    assert quiet.returncode == 1
    assert "Why no test noticed" not in quiet.stdout


def test_the_learner_is_not_shown_the_assertion_unless_asked(small):
    # test_add computes add(2, 3) and asserts nothing on it: `minus` survives, its difference
    # reaches the test. Writing the assertion is the exercise: `breakit suggest` has it.
    test_file = small.root / "tests/test_calc.py"
    text = test_file.read_text().replace(
        "assert add(2, 3) == 5", "result = add(2, 3)\n    assert result is not None"
    )
    test_file.write_text(text)
    result = small("apply", "minus")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "reached the test, not checked" in result.stdout
    assert "assert result == 5" not in result.stdout
    assert "Stuck? `breakit suggest minus` prints the assertion" in result.stdout
    suggested = small("suggest", "minus")
    assert suggested.returncode == 0, suggested.stderr
    assert "+    assert result == 5  # kills minus" in suggested.stdout


# pytest imports the package while it reads `filterwarnings` (its own warning class), and the
# package's body calls a function with a survivor in it: the probes run, and import the
# recorder, before pytest loads the triage plugin (found on pyjwt, where every triage run
# failed so: the plugin is a module of its own, breakit.triage.plugin).
IMPORTED_BY_THE_CONFIG = {
    "pyproject.toml": """
        [project]
        name = "warnlib"
        version = "0"

        [tool.pytest.ini_options]
        filterwarnings = ["error", "ignore::warnlib.OldWarning"]

        [tool.breakit]
        source = ["warnlib"]
        tests = ["tests"]
    """,
    "warnlib/__init__.py": """
        class OldWarning(UserWarning):
            pass


        def double(x):
            return x * 2


        DEFAULT = double(1)


        def is_big(x):
            return x > 10
    """,
    "tests/test_warnlib.py": """
        from warnlib import double, is_big


        def test_big():
            assert is_big(20)


        def test_double_runs():
            assert double(3) is not None
    """,
}


def test_code_pytest_imports_while_reading_its_configuration_is_triaged(tmp_path: Path) -> None:
    project = project_in(tmp_path, "warnlib-project", IMPORTED_BY_THE_CONFIG)
    found = survivors(project)
    assert found, "the project has survivors to triage"
    triaged = [mutant["triage"] for mutant in found.values()]
    assert "not_triaged" not in {t["class"] for t in triaged}, triaged
    # `x * 2` → `x / 2` in double(): double(3) is 1.5 instead of 6, and nothing asserts it.
    (told,) = [t for t in triaged if t["site"] == "x * 2" and t["mutated"] == "x / 2"]
    assert told["class"] == "told_apart_not_checked", told


def test_the_triage_split_over_two_processes_finds_what_one_process_finds(grades):
    one = survivors(grades, "-j", "1", "--no-cache")
    two = survivors(grades, "-j", "2", "--no-cache")
    assert one.keys() == two.keys() and one
    assert {t: m["triage"] for t, m in one.items()} == {t: m["triage"] for t, m in two.items()}


def test_a_survivor_in_a_test_file_quotes_the_users_line_not_its_probe(grades):
    found = survivors(grades, "--file", "tests/test_grades.py")
    told = [m["triage"]["difference"] for m in found.values() if m["triage"]["difference"]]
    assert told
    lines = (grades.root / "tests/test_grades.py").read_text().splitlines()
    for difference in told:
        assert difference["code"] == lines[difference["line"] - 1].strip()
        assert "breakit" not in difference["code"]


def test_suggest_prints_a_patch_that_git_apply_takes_and_then_the_check_kills_it(grades):
    before = grades("suggest")
    assert before.returncode == 2
    assert "run `breakit check --generated` first" in before.stderr
    assert "Traceback" not in before.stderr
    found = survivors(grades, "--no-cache")
    suggested = [m for m in found.values() if m["triage"]["assertion"]]
    (told,) = [m for m in suggested if m["triage"]["class"] == "told_apart_not_checked"]
    never = [m for m in suggested if m["triage"]["class"] == "never_told_apart"]
    assert never  # `score >= 90`'s boundary mutants, each given a new test
    result = grades("suggest")
    assert result.returncode == 0, result.stderr
    assert f"+    assert result == 5  # kills {told['id']}" in result.stdout
    assert "+def test_grade_score_90():" in result.stdout
    for mutant in never:
        assert mutant["id"] in result.stdout
    assert grades("suggest", "grades:nothing:0").returncode == 2
    test_file = grades.root / "tests/test_grades.py"
    original = test_file.read_text()
    assert test_file.read_text() == original  # suggest never touches the user's files
    applied = subprocess.run(
        ["git", "apply"], input=result.stdout, cwd=grades.root, text=True, capture_output=True
    )
    assert applied.returncode == 0, applied.stderr
    # The patch changed the test file: the kept suggestions no longer fit it.
    stale = grades("suggest")
    assert stale.returncode == 2 and "changed since the last check" in stale.stderr
    again = grades("check", *(m["id"] for m in suggested), "--json")
    verdicts = {m["verdict"] for m in json.loads(again.stdout)["mutants"]}
    assert verdicts == {"Killed"}
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests"],
        cwd=grades.root,
        capture_output=True,
        text=True,
    )
    assert plain.returncode == 0, plain.stdout  # the original suite still passes with it


PARAMETRIZED = {
    "pyproject.toml": """
        [project]
        name = "prices"
        version = "0"

        [tool.breakit]
        source = ["prices"]
        tests = ["tests"]
    """,
    "prices/__init__.py": """
        def net(prices, discount):
            return sum(prices) - discount


        def discount_of(rate):
            if rate < 0:
                raise ValueError("a discount is never negative")
            return rate
    """,
    "tests/test_prices.py": """
        import pytest

        from prices import discount_of, net


        @pytest.mark.parametrize(("prices", "discount"), [([3, 4], 2), ([10], 1)])
        def test_net(prices, discount):
            amount = net(prices, discount)
            assert amount > 0


        def test_negative_discount():
            with pytest.raises(ValueError):
                discount_of(-1)
    """,
}


def test_an_assertion_that_holds_for_one_parameter_only_is_never_suggested(tmp_path: Path):
    # `-` → `+` reaches test_net[…0] at `amount = net(...)`: `assert amount == 5` kills it
    # there, yet the same line runs for the other parameter, where the original gives 9.
    project = project_in(tmp_path, "prices-project", PARAMETRIZED)
    found = survivors(project, "--operator", "arithmetic")
    triage = found["`-` → `+`"]["triage"]
    assert triage["followed"]["reached_test"] is True
    assert triage["assertion"] is None
    why = triage["no_assertion"]
    assert "`assert amount == 5` was written and dropped: on the original code" in why
    assert "tests/test_prices.py::test_net[prices1-1] failed with it" in why
    assert project("suggest").stdout == ""


def test_an_exception_whose_message_differs_reached_the_test(tmp_path: Path):
    # The message emptied: pytest.raises(ValueError) passes either way, yet the test holds the
    # difference (it could say `match=`): reached, not absorbed.
    project = project_in(tmp_path, "prices-project", PARAMETRIZED)
    found = survivors(project, "--operator", "string_emptied")
    triage = found['`"a discount is never negative"` → `""`']["triage"]
    followed = triage["followed"]
    assert followed["reached_test"] is True, triage
    assert followed["original"].startswith("raises ValueError: a discount is")
    assert followed["mutant"] == "raises ValueError: "
    # What kills it: the message as `match=` on the test's own `pytest.raises` (that line
    # changed), proven, and through `breakit suggest` and `git apply` the check then kills it.
    assertion = triage["assertion"]
    changed = "with pytest.raises(ValueError, match='a discount is never negative'):"
    assert (assertion["code"], assertion["replaces_line"]) == (changed, True), assertion
    assert assertion["after_line"] == 13  # the `with` line of test_negative_discount
    patch = project("suggest")
    assert patch.returncode == 0, patch.stderr
    applied = subprocess.run(
        ["git", "apply"], input=patch.stdout, cwd=project.root, text=True, capture_output=True
    )
    assert applied.returncode == 0, applied.stderr
    mutant = found['`"a discount is never negative"` → `""`']["id"]
    (again,) = json.loads(project("check", mutant, "--json").stdout)["mutants"]
    assert again["verdict"] == "Killed"
