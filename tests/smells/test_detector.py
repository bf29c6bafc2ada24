"""The detector finds each of the nine idioms where the fixture says, and nothing else."""
import ast
import re
from pathlib import Path

import pytest

from smells.detector import detect
from smells.findings import IDIOMS

FIXTURE = Path(__file__).parents[1] / "data" / "smells" / "all_idioms.py"
MARKER = re.compile(r"# smell: ([a-z-]+)$")


def findings_of(source: str):
    findings, _, _ = detect(ast.parse(source), "x.py")
    return findings


def expected_markers():
    expected = set()
    for number, line in enumerate(FIXTURE.read_text().splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            expected.add((number, match.group(1)))
    return expected


def test_fixture_has_every_idiom():
    assert {idiom for _, idiom in expected_markers()} == set(IDIOMS)


def test_fixture_findings_match_markers_exactly():
    findings = findings_of(FIXTURE.read_text())
    assert {(f.line, f.idiom) for f in findings} == expected_markers()


def test_suggestions_are_valid_python_with_the_idiomatic_form():
    by_idiom = {f.idiom: f.suggestion for f in findings_of(FIXTURE.read_text())}
    assert by_idiom["set-comprehension"] == "squares = {item * item for item in items if item > 0}"
    assert by_idiom["chain-comparison"] == "lower < value < upper"
    assert by_idiom["star-in-call"] == "*record[:3]"
    assert by_idiom["for-multiple-targets"] == "for row_0, row_1, *_ in pairs:"
    for idiom in ("list-comprehension", "dict-comprehension", "assign-multiple-targets", "chain-comparison"):
        ast.parse(by_idiom[idiom])


def test_finding_records_enclosing_function_and_span():
    findings = {(f.idiom, f.function): f for f in findings_of(FIXTURE.read_text())}
    set_comp = findings[("set-comprehension", "Config.method")]
    assert (set_comp.line, set_comp.end_line) == (22, 25)
    assert ("list-comprehension", "outer.inner") in findings
    assert ("list-comprehension", "<module>") in findings


@pytest.mark.parametrize(
    "source, suggestion",
    [
        ("if x == []:\n    pass\n", "not x"),
        ("if [] != x:\n    pass\n", "x"),
        ("while s == '':\n    pass\n", "not s"),
        ("assert n == 0\n", "not n"),
        ("if a and b == dict():\n    pass\n", "not b"),
        ("y = 1 if v == () else 2\n", "not v"),
        ("z = [i for i in xs if i == 0]\n", "not i"),
        ("if a + b == 0:\n    pass\n", "not a + b"),
    ],
)
def test_truth_value_test_contexts(source, suggestion):
    [finding] = findings_of(source)
    assert finding.idiom == "truth-value-test"
    assert finding.suggestion == suggestion
    # The suggestion keeps operator precedence: `not a + b` parses as `not (a + b)`.
    assert ast.dump(ast.parse(finding.suggestion, mode="eval").body) == ast.dump(
        ast.parse(suggestion, mode="eval").body
    )


@pytest.mark.parametrize("literal", ["None", "True", "False"])
def test_no_truth_value_suggestion_that_changes_meaning(literal):
    assert findings_of(f"if x == {literal}:\n    pass\n") == []


def test_truth_value_only_in_tests_where_value_is_unused():
    assert findings_of("flag = x != [] or y\n") == []
    assert [f.idiom for f in findings_of("if x != [] or y:\n    pass\n")] == ["truth-value-test"]


def test_chain_comparison_merges_a_run_of_three():
    [finding] = findings_of("if a < b and b <= c and c < d:\n    pass\n")
    assert finding.suggestion == "a < b <= c < d"


@pytest.mark.parametrize(
    "source",
    [
        "if a < b and c > b:\n    pass\n",  # would reorder operands
        "if b > a and b < c:\n    pass\n",  # would reorder operands
        "if a < f() and f() < c:\n    pass\n",  # impure middle operand evaluated once
        "if a in b and b in c:\n    pass\n",  # membership chains are not the idiom
        "if a < b or b < c:\n    pass\n",  # `or` is not a chain
    ],
)
def test_chain_comparison_not_offered(source):
    assert findings_of(source) == []


def test_assign_multiple_targets_respects_dependencies():
    assert findings_of("a = 1\nb = a\n") == []
    assert findings_of("a = 1\na = 2\n") == []
    [finding] = findings_of("self.x = 1\nself.y = 2\n")
    assert finding.suggestion == "self.x, self.y = 1, 2"
    # A dependency splits the run: `c` starts a new group with `d`.
    runs = findings_of("a = 1\nb = 2\nc = a\nd = 4\n")
    assert [(f.line, f.end_line) for f in runs] == [(1, 2), (3, 4)]


def test_star_in_call_requires_consecutive_indices_of_one_name():
    assert findings_of("f(a[0], a[2])\n") == []
    assert findings_of("f(a[0], b[1])\n") == []
    [finding] = findings_of("f(x, a[1], a[2], y)\n")
    assert finding.suggestion == "*a[1:3]"


def test_for_multiple_targets_needs_only_constant_indices():
    assert findings_of("for p in xs:\n    g(p[0] + p[i])\n") == []
    assert findings_of("for p in xs:\n    p[0] = 1\n    g(p[1] + p[2])\n") == []
    assert findings_of("for p in xs:\n    g(p[0])\n") == []  # one index is not an unpacking
    [finding] = findings_of("for p in xs:\n    g(p[0] + p[2])\n")
    assert finding.suggestion == "for p_0, _, p_2, *_ in xs:"


def test_for_else_both_flag_polarities():
    source = (
        "ok = True\n"
        "for x in xs:\n"
        "    if bad(x):\n"
        "        ok = False\n"
        "        break\n"
        "if ok:\n"
        "    accept()\n"
    )
    [finding] = findings_of(source)
    assert finding.idiom == "for-else"
    assert "else: accept()" in finding.suggestion
    # The flag is read again later: dropping it would change the program.
    assert findings_of(source + "print(ok)\n") == []


def test_comprehension_with_nested_loops():
    source = "out = []\nfor row in grid:\n    for cell in row:\n        out.append(cell)\n"
    [finding] = findings_of(source)
    assert finding.suggestion == "out = [cell for row in grid for cell in row]"


def test_nested_functions_are_reported_once_each():
    source = "def a():\n    def b():\n        x = 1\n        y = 2\n    p = 1\n    q = 2\n"
    findings = findings_of(source)
    assert sorted((f.function, f.line) for f in findings) == [("a", 5), ("a.b", 3)]


def test_scopes_and_calls_are_collected():
    source = "import numpy as np\nclass T:\n    def fit(self, x):\n        return np.concatenate(x).sum()\n"
    _, scopes, imports = detect(ast.parse(source), "m.py")
    assert imports == {"numpy"}
    assert [(s.kind, s.name, s.class_name) for s in scopes] == [
        ("module", "<module>", ""), ("class", "T", "T"), ("function", "T.fit", "T")
    ]
    assert {"np.concatenate", "*.sum"} <= scopes[2].calls


def test_assign_multiple_targets_attribute_dependencies():
    assert findings_of("self.x = 1\nself.y = self.x + 1\n") == []
    assert findings_of("self.x = 1\nself.y = self.total()\n") == []  # the call may read self.x
    [finding] = findings_of("self.x = 1\nself.y = other.x\n")
    assert finding.idiom == "assign-multiple-targets"


@pytest.mark.parametrize(
    "source",
    [
        "out = []\nn = 0\nfor x in xs:\n    out.append(x)\n",  # statement between init and loop
        "out = []\nfor x in xs:\n    if x:\n        out.append(x)\n    else:\n        out.append(0)\n",  # if/else
        "if x >= 0 and x <= 9:\n    pass\n",  # ordered only after flipping the first comparison
    ],
)
def test_documented_deliberate_misses(source):
    assert [f for f in findings_of(source) if f.idiom != "assign-multiple-targets"] == []
