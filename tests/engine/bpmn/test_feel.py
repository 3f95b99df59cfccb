"""The FEEL translator: one test per construct, each translated text run in the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from engine.bpmn.feel import INPUT_NAME, FeelError, to_python, unary_tests
from engine.sandbox.evaluator import SandboxEnvironment, check_expression

ENV = SandboxEnvironment()


def feel(text: str, **data: Any) -> Any:
    python = to_python(text)
    check_expression(python)  # what deploy checks
    return ENV.evaluate(python, data)


@pytest.mark.parametrize(("text", "data", "expected"), [
    # literals and arithmetic
    ("1 + 2 * 3", {}, 7), ("2 ** 3", {}, 8), ("-x + 1", {"x": 4}, -3), ('"a" + "b"', {}, "ab"),
    ("true and not(false)", {}, True), ("null", {}, None), (".5 + 1", {}, 1.5),
    # comparisons, = is equality
    ("x = 1", {"x": 1}, True), ("x != 1", {"x": 1}, False), ("x >= 2 and x < 3", {"x": 2}, True),
    # names with spaces: context entries, and variables through feel_var
    ('customer.Service Level = "Premium"', {"customer": {"Service Level": "Premium"}}, True),
    # paths: None-safe, mapped over lists
    ("a.b.c", {"a": {"b": {"c": 7}}}, 7), ("a.missing", {"a": {}}, None),
    ("orders.amount", {"orders": [{"amount": 1}, {"amount": 2}]}, [1, 2]),
    # if then else
    ('if x > 1 then "big" else "small"', {"x": 3}, "big"),
    ('if x > 1 then "big" else "small"', {"x": 0}, "small"),
    # quantifiers
    ("some x in items satisfies x > 3", {"items": [1, 5]}, True),
    ("every x in items satisfies x > 3", {"items": [1, 5]}, False),
    ("some x in a, y in b satisfies x = y", {"a": [1, 2], "b": [2, 3]}, True),
    ("flag and some x in items satisfies x > 3", {"flag": True, "items": [4]}, True),
    # for ... return, ranges
    ("for x in items return x * 2", {"items": [1, 5]}, [2, 10]),
    ("for i in 1..3 return i", {}, [1, 2, 3]),
    # in: ranges, lists, unary tests
    ("x in [1..5]", {"x": 5}, True), ("x in (1..5)", {"x": 5}, False), ("x in ]1..5]", {"x": 1}, False),
    ("x in [1, 2, 3]", {"x": 2}, True), ("x in (< 5, > 10)", {"x": 11}, True),
    ("x in allowed", {"x": "a", "allowed": ["a", "b"]}, True),
    ("x between 1 and 10", {"x": 3}, True),
    # list and context literals, filters and indexes
    ('{a: 1, "b c": 2}', {}, {"a": 1, "b c": 2}), ("[1, 2][2]", {}, 2),
    ("items[item > 2]", {"items": [1, 2, 3, 4]}, [3, 4]), ("items[1]", {"items": [7, 8]}, 7),
    ("items[-1]", {"items": [7, 8]}, 8), ("items[5]", {"items": [7, 8]}, None),
    # string functions
    ("string length(s)", {"s": "abcd"}, 4), ('upper case(s) = "ABCD"', {"s": "abcd"}, True),
    ('lower case("AB")', {}, "ab"), ('contains(s, "bc")', {"s": "abcd"}, True),
    ('starts with(s, "ab") and ends with(s, "cd")', {"s": "abcd"}, True),
    ('substring("foobar", 3)', {}, "obar"), ('substring("foobar", 3, 2)', {}, "ob"),
    ('substring before("a-b", "-")', {}, "a"), ('substring after("a-b", "-")', {}, "b"),
    ('string join(["a", "b"], ", ")', {}, "a, b"), ("string(1)", {}, "1"), ('number("2.5")', {}, 2.5),
    # list functions
    ("count(items)", {"items": [1, 2]}, 2), ("sum(items)", {"items": [1, 2]}, 3),
    ("min(items) + max(items)", {"items": [1, 5]}, 6), ("mean([2, 4])", {}, 3),
    ("list contains(items, 2)", {"items": [1, 2]}, True), ("append([1], 2)", {}, [1, 2]),
    ("concatenate([1], [2, 3])", {}, [1, 2, 3]), ("distinct values([1, 1, 2])", {}, [1, 2]),
    ("flatten([1, [2, [3]]])", {}, [1, 2, 3]), ("index of([1, 2, 1], 1)", {}, [1, 3]),
    ("reverse([1, 2])", {}, [2, 1]), ("sublist([1, 2, 3], 2)", {}, [2, 3]),
    ("all([true, false])", {}, False), ("any([true, false])", {}, True),
    ("product([2, 3])", {}, 6), ("median([1, 3, 2])", {}, 2),
    # numeric functions
    ("abs(-2)", {}, 2), ("floor(1.5)", {}, 1), ("ceiling(1.5)", {}, 2), ("decimal(1.255, 2)", {}, 1.26),
    ("modulo(7, 3)", {}, 1), ("odd(3) and even(4)", {}, True), ("is defined(x)", {"x": None}, False),
    # dates as ISO strings that order correctly
    ('date("2024-01-02") > date("2023-12-31")', {}, True), ('@"2024-01-02" = date("2024-01-02")', {}, True),
])
def test_construct_translates_and_runs_in_the_sandbox(text: str, data: dict[str, Any],
                                                      expected: Any) -> None:
    assert feel(text, **data) == expected


def test_a_top_level_name_with_spaces_is_read_from_the_data() -> None:
    python = to_python("Service Level")
    assert python == "feel_var('Service Level')"
    assert ENV.evaluate(python, {"Service Level": "Gold"}) == "Gold"
    with pytest.raises(NameError):
        ENV.evaluate(python, {})


@pytest.mark.parametrize(("text", "reason"), [
    ("function(x) x + 1", "function definitions are not supported"),
    ('substring(string: "a", start position: 1)', "named arguments"),
    ("x instance of number", "'instance of' is not supported"),
    ('matches(x, "a+")', "'matches' is not supported"),
    ('replace(x, "a", "b")', "'replace' is not supported"),
    ("a +", "expected more"), ("(a", "expected ')'"), ("a $ b", "unexpected character"),
    ("?", "only allowed in decision table input entries"),
])
def test_what_cannot_be_translated_is_refused_by_name(text: str, reason: str) -> None:
    with pytest.raises(FeelError) as info:
        to_python(text)
    assert reason in str(info.value)


@pytest.mark.parametrize(("cell", "value", "matches"), [
    ('"gold"', "gold", True), ('"gold"', "silver", False), ("< 10", 5, True), ("< 10", 10, False),
    ("[1..5]", 5, True), ("(1..5)", 5, False), ('"a", "b"', "b", True), ('"a", "b"', "c", False),
    ('not("a")', "b", True), ('not("a", "b")', "b", False), ("? > 3 and ? < 10", 5, True),
    (">= limit", 7, True), ("true", True, True),
])
def test_decision_table_unary_tests(cell: str, value: Any, matches: bool) -> None:
    python = unary_tests(cell)
    assert python is not None and INPUT_NAME in python
    check_expression(python)
    assert ENV.evaluate(python, {INPUT_NAME: value, "limit": 7}) is matches


@pytest.mark.parametrize("cell", ["-", "", None, "  "])
def test_empty_unary_test_matches_anything(cell: str | None) -> None:
    assert unary_tests(cell) is None
