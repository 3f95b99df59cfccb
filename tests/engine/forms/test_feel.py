"""The FEEL subset forms use (engine/forms/feel_parser.py, engine/forms/feel.py).

The expected values are feelin's (the FEEL of form-js): when node and the installed
@bpmn-io/feelin are at hand, every case is also evaluated by feelin itself and compared.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.forms.feel import evaluate, unary_test
from engine.forms.feel_parser import FeelUnsupported, parse_expression

REPO = Path(__file__).resolve().parents[3]

# expression, names, value as an expression, value as a unary test (form-js's `hide`)
CASES: list[tuple[str, dict[str, Any], Any, bool]] = [
    ('x = "a"', {"x": "a"}, True, True),
    ('x = "a"', {"x": "b"}, False, False),
    ("x", {"x": True}, True, True),
    ("x", {}, None, True),  # an unknown name is null, and a null test hides
    ("not(x)", {"x": True}, False, False),
    ("not(x)", {"x": False}, True, True),
    ("not(x)", {}, None, False),
    ("x = true", {}, False, False),
    ('"a"', {}, "a", False),
    ("null", {}, None, True),
    ("x = 1", {"x": "1"}, None, True),
    ("x > 3", {}, None, True),
    ("x > 3", {"x": 5}, True, True),
    ("x >= 3", {"x": 2.5}, False, False),
    ('x != "a"', {}, True, True),
    ("x != null", {}, False, False),
    ("x = null", {}, True, True),
    ("a and b", {"a": True}, None, True),
    ("a or b", {"a": True}, True, True),
    ("a and b", {"a": False}, False, False),
    ("a and b", {"a": True, "b": True}, True, True),
    ("true and null", {}, None, True),
    ("false or null", {}, None, True),
    ("null or true", {}, True, True),
    ("not(null)", {}, None, False),
    ("count(l) > 1", {"l": [1, 2]}, True, True),
    ("count(l) = 0", {"l": []}, True, True),
    ("x.y = 2", {"x": {"y": 2}}, True, True),
    ("x.y", {"x": [{"y": 1}, {"y": 2}]}, [1, 2], False),
    ("l[1] = 5", {"l": [5, 6]}, True, True),
    ("l[-1]", {"l": [5, 6]}, 6, False),
    ("l[3]", {"l": [5, 6]}, None, True),
    ("x between 1 and 3", {"x": 2}, True, True),
    ("x between 1 and 3", {"x": 4}, False, False),
    ('list contains(l, "a")', {"l": ["a"]}, True, True),
    ("x in [1,2]", {"x": 1}, True, True),
    ("x in [1,2]", {"x": 3}, False, False),
    ("string length(s) > 2", {"s": "abc"}, True, True),
    ('contains(s, "b")', {"s": "abc"}, True, True),
    ('starts with(s, "a") and ends with(s, "c")', {"s": "abc"}, True, True),
    ('upper case(s) = "ABC"', {"s": "abc"}, True, True),
    ("1 = true", {}, None, True),
    ('"a" < "b"', {}, True, True),
    ("x < 3", {"x": "a"}, False, False),
    ("this.a", {"this": {"a": True}}, True, True),
    ("0.1 + 0.2 = 0.3", {}, False, False),
    ("a + b", {"a": "x", "b": "y"}, "xy", False),
    ("a * 2 - 1 = 5", {"a": 3}, True, True),
    ("-a < 0", {"a": 3}, True, True),
    ("(a or b) and c", {"a": False, "b": True, "c": True}, True, True),
    ("x = [1,2]", {"x": [1, 2]}, True, True),
    ("1 / 0", {}, None, True),
    ('kind = "group" and size > 10', {"kind": "group", "size": 25}, True, True),
    ('s = "tab\\tquote\\""', {"s": 'tab\tquote"'}, True, True),
]


@pytest.mark.parametrize(("expression", "names", "value", "hidden"), CASES, ids=[c[0] for c in CASES])
def test_evaluates_like_feelin(expression: str, names: dict[str, Any], value: Any, hidden: bool) -> None:
    assert evaluate("=" + expression, names) == value
    assert unary_test("=" + expression, names) is hidden


@pytest.fixture(scope="module")
def feelin() -> list[dict[str, Any]]:
    module = REPO / "node_modules" / "@bpmn-io" / "feelin"
    if shutil.which("node") is None or not module.exists():
        pytest.skip("node and node_modules/@bpmn-io/feelin are needed (make setup)")
    script = (
        "import { unaryTest, evaluate } from '@bpmn-io/feelin';"
        "const cases = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(cases.map(([e, c]) =>"
        " ({value: evaluate(e, c).value ?? null, hidden: unaryTest(e, c).value}))));")
    done = subprocess.run(["node", "--input-type=module", "-e", script,
                           json.dumps([[e, n] for e, n, _v, _h in CASES])],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    return list(json.loads(done.stdout))


def test_the_table_is_what_feelin_says(feelin: list[dict[str, Any]]) -> None:
    for (expression, _names, value, hidden), theirs in zip(CASES, feelin, strict=True):
        assert (value, hidden) == (theirs["value"], theirs["hidden"]), expression


@pytest.mark.parametrize("expression", [
    "x > ", "f(x)", "is defined(x)", "some x in l satisfies x > 1", "l[item > 3]", "{a: 1}",
    "date(\"2018-01-01\")", "x ** 2", "1..3", "'single'", "x =", "", "=", "(x", "not", "a @ b",
    "(" * 50 + "x" + ")" * 50, "x = " + "1" * 3000,
])
def test_what_the_evaluator_does_not_read_is_refused(expression: str) -> None:
    with pytest.raises(FeelUnsupported):
        evaluate("=" + expression, {"x": 1, "l": [1, 5]})


def test_filters_other_than_numbers_and_booleans_are_refused_when_evaluated() -> None:
    with pytest.raises(FeelUnsupported):
        evaluate('=l["a"]', {"l": ["a"]})
    assert evaluate("=l[true]", {"l": [1]}) == [1]


def test_parsing_is_cached_and_pure() -> None:
    assert parse_expression("=a = 1") is parse_expression("=a = 1")
    assert parse_expression("a = 1") == ("cmp", "=", ("name", "a"), ("lit", 1))
