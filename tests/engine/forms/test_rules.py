"""Text, number, checkbox and date checks (engine/forms/rules.py), through validate()."""

from __future__ import annotations

import json
from datetime import date

import pytest

from engine.forms import FormLimits, validate
from tests.engine.forms.builders import component, errors, form

TEXT_KINDS = ["textfield", "textarea"]


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_required_text(kind: str) -> None:
    schema = form(component(kind, validate={"required": True}))
    assert errors(schema, {"f": "x"}) == {}
    assert errors(schema, {}) == {"f": ["required"]}
    assert errors(schema, {"f": ""}) == {"f": ["required"]}
    assert errors(schema, {"f": "   "}) == {"f": ["required"]}  # blank is not an answer
    assert errors(schema, {"f": None}) == {"f": ["required"]}


@pytest.mark.parametrize("kind", TEXT_KINDS)
def test_text_must_be_text(kind: str) -> None:
    schema = form(component(kind))
    assert errors(schema, {"f": 12}) == {"f": ["not_text"]}
    assert errors(schema, {"f": ["a"]}) == {"f": ["not_text"]}
    assert validate(schema, {"f": ""}).data == {"f": ""}  # optional and empty: kept empty
    assert validate(schema, {"f": None}).data == {"f": None}
    assert validate(schema, {}).data == {}


def test_min_length_counts_trimmed_text() -> None:
    schema = form(component("textfield", validate={"minLength": 3}))
    assert errors(schema, {"f": "abc"}) == {}
    assert errors(schema, {"f": " ab "}) == {"f": ["too_short"]}
    result = validate(schema, {"f": "ab"})
    assert result.errors[0].text() == "Enter at least 3 characters."


def test_max_length_counts_trimmed_text() -> None:
    schema = form(component("textarea", validate={"maxLength": 5}))
    assert errors(schema, {"f": "  abcde  "}) == {}
    result = validate(schema, {"f": "abcdef"})
    assert [(e.code, e.params) for e in result.errors] == [("too_long", {"n": 5, "size": 6})]
    assert result.errors[0].text() == "Enter at most 5 characters (you entered 6)."


def test_lengths_may_be_feel() -> None:
    schema = form(component("number", "limit"),
                  component("textfield", validate={"maxLength": "=limit", "minLength": "=nonsense("}))
    assert errors(schema, {"limit": 3, "f": "abcd"}) == {"f": ["too_long"]}
    assert errors(schema, {"limit": 4, "f": "a"}) == {}  # an unreadable minLength is no rule


def test_text_without_max_length_is_capped() -> None:
    schema = form(component("textarea"))
    limits = FormLimits(max_text_length=10)
    assert errors(schema, {"f": "x" * 10}, limits=limits) == {}
    result = validate(schema, {"f": "x" * 11}, limits=limits)
    assert [(e.code, e.params) for e in result.errors] == [("too_long", {"n": 10, "size": 11})]
    assert errors(schema, {"f": "x" * 20_000}) == {}
    assert errors(schema, {"f": "x" * 20_001}) == {"f": ["too_long"]}


def test_the_form_s_own_max_length_replaces_the_cap() -> None:
    schema = form(component("textarea", validate={"maxLength": 50}))
    assert errors(schema, {"f": "x" * 40}, limits=FormLimits(max_text_length=10)) == {}


def test_pattern_with_and_without_its_message() -> None:
    schema = form(component("textfield", validate={"pattern": r"^\d{4}-Q[1-4]$"}),
                  component("textfield", "g", validate={"pattern": "^[A-Z]+$",
                                                        "patternErrorMessage": "Capitals only."}))
    assert errors(schema, {"f": "2018-Q3", "g": "ABC"}) == {}
    result = validate(schema, {"f": "2018-Q5", "g": "abc"})
    assert [(e.field, e.code, e.text()) for e in result.errors] == [
        ("f", "pattern", "This value does not have the expected format."),
        ("g", "pattern_custom", "Capitals only.")]
    assert errors(schema, {"f": ""}) == {}  # patterns apply to values, not to empty fields


def test_a_pattern_that_takes_too_long_fails_the_field() -> None:
    schema = form(component("textfield", validate={"pattern": "^(a|a)+$"}))
    limits = FormLimits(pattern_timeout=0.05)
    assert errors(schema, {"f": "a" * 5000 + "!"}, limits=limits) == {"f": ["pattern_timeout"]}


def test_a_broken_pattern_is_no_rule() -> None:
    assert errors(form(component("textfield", validate={"pattern": "([a-z]"})), {"f": "x"}) == {}


def test_email() -> None:
    schema = form(component("textfield", validate={"validationType": "email"}))
    assert errors(schema, {"f": "focal.point@msrca.org"}) == {}
    assert errors(schema, {"f": "focal point"}) == {"f": ["email"]}


def test_phone() -> None:
    schema = form(component("textfield", validate={"validationType": "phone"}))
    assert errors(schema, {"f": "+8659512345678"}) == {}
    assert errors(schema, {"f": "0592 1234"}) == {"f": ["phone"]}


def test_required_number() -> None:
    schema = form(component("number", validate={"required": True}))
    assert errors(schema, {"f": 0}) == {}
    assert errors(schema, {}) == {"f": ["required"]}
    assert errors(schema, {"f": None}) == {"f": ["required"]}
    assert errors(schema, {"f": ""}) == {"f": ["required"]}


@pytest.mark.parametrize("value", ["many", True, [1], {"n": 1}, "1,5", "NaN", "Infinity", "1e400"])
def test_number_must_be_a_number(value: object) -> None:
    assert errors(form(component("number")), {"f": value}) == {"f": ["not_number"]}


def test_numbers_keep_their_json_type_and_numeric_text_becomes_a_number() -> None:
    schema = form(component("number"), component("number", "g"), component("number", "h"))
    assert validate(schema, {"f": 2.5, "g": 3, "h": ""}).data == {"f": 2.5, "g": 3, "h": None}
    data = validate(schema, {"f": " 12 ", "g": "2.50", "h": "-1e2"}).data
    assert data == {"f": 12, "g": 2.5, "h": -100.0} and isinstance(data["f"], int)


def test_serialize_to_string_keeps_the_number_as_text() -> None:
    schema = form(component("number", serializeToString=True, decimalDigits=2))
    assert validate(schema, {"f": "12.50"}).data == {"f": "12.50"}
    assert validate(schema, {"f": 3}).data == {"f": "3"}


def test_min_and_max() -> None:
    schema = form(component("number", validate={"min": 0, "max": 10}))
    assert errors(schema, {"f": 0}) == {} and errors(schema, {"f": 10}) == {}
    low = validate(schema, {"f": -1})
    assert [(e.code, e.text()) for e in low.errors] == [("too_small", "Enter a number of at least 0.")]
    high = validate(schema, {"f": 10.5})
    assert [(e.code, e.text()) for e in high.errors] == [("too_large", "Enter a number of at most 10.")]


def test_min_and_max_may_be_feel_over_the_case_data() -> None:
    schema = form(component("number", validate={"max": "=budget_left"}))
    assert errors(schema, {"f": 600}, context={"budget_left": 500}) == {"f": ["too_large"]}
    assert errors(schema, {"f": 400}, context={"budget_left": 500}) == {}


def test_decimal_digits() -> None:
    schema = form(component("number", decimalDigits=2), component("number", "n", decimalDigits=0))
    assert errors(schema, {"f": 12.25, "n": 3}) == {}
    assert errors(schema, {"f": 12.255}) == {"f": ["decimals"]}
    assert errors(schema, {"f": "0.125"}) == {"f": ["decimals"]}
    assert errors(schema, {"n": 2.5}) == {"n": ["not_integer"]}
    assert validate(schema, {"n": 3.0}).data == {"n": 3}  # a whole float is a whole number


def test_increment() -> None:
    schema = form(component("number", increment="0.5"))
    assert errors(schema, {"f": 2.5}) == {}
    result = validate(schema, {"f": 2.7})
    assert [(e.code, e.params) for e in result.errors] == [("increment", {"below": "2.5", "above": "3"})]


def test_checkbox() -> None:
    schema = form(component("checkbox"))
    assert validate(schema, {"f": True}).data == {"f": True}
    assert validate(schema, {"f": False}).data == {"f": False}
    assert validate(schema, {"f": None}).data == {"f": False}
    assert errors(schema, {"f": "yes"}) == {"f": ["not_boolean"]}
    assert errors(schema, {"f": 1}) == {"f": ["not_boolean"]}


def test_a_required_checkbox_must_be_ticked() -> None:
    schema = form(component("checkbox", validate={"required": True}))
    assert errors(schema, {"f": True}) == {}
    assert errors(schema, {"f": False}) == {"f": ["must_tick"]}
    assert errors(schema, {}) == {"f": ["must_tick"]}


@pytest.mark.parametrize(("subtype", "good", "bad", "code"), [
    ("date", ["2018-06-01", "2024-02-29"], ["01/06/2018", "2018-6-1", "2018-02-30", "2023-02-29",
                                            "2018-06-01T10:00", "20180601"], "bad_date"),
    ("time", ["10:15", "23:59", "10:15Z", "10:15+08:00", "10:15:30"], ["25:00", "10h15", "10:60", "1015"],
     "bad_time"),
    ("datetime", ["2018-06-01T10:00", "2018-06-01T10:00Z", "2018-06-01T10:00:00+08:00"],
     ["2018-06-01", "2018-06-01 10:00", "2018-06-01T24:30", "soon"], "bad_datetime"),
])
def test_datetime_subtypes(subtype: str, good: list[str], bad: list[str], code: str) -> None:
    schema = form(component("datetime", subtype=subtype))
    for value in good:
        assert validate(schema, {"f": value}).data == {"f": value}, value  # stays JSON text
    for value in [*bad, 20180601]:
        assert errors(schema, {"f": value}) == {"f": [code]}, value


def test_required_datetime_and_empty_values() -> None:
    schema = form(component("datetime", validate={"required": True}))
    assert errors(schema, {"f": None}) == {"f": ["required"]}
    assert errors(schema, {"f": ""}) == {"f": ["required"]}
    assert validate(form(component("datetime")), {"f": ""}).data == {"f": None}


def test_disallow_passed_dates_with_a_day_of_grace() -> None:
    schema = form(component("datetime", disallowPassedDates=True),
                  component("datetime", "at", subtype="datetime", disallowPassedDates=True))
    today = date(2026, 3, 10)
    assert errors(schema, {"f": "2026-03-10", "at": "2026-03-09T23:00"}, today=today) == {}
    assert errors(schema, {"f": "2026-03-08", "at": "2026-03-01T10:00"}, today=today) == {
        "f": ["past_date"], "at": ["past_date"]}


def test_cleaned_data_is_json() -> None:
    schema = form(component("number"), component("datetime", "d"), component("checkbox", "c"))
    data = validate(schema, {"f": "7", "d": "2018-06-01", "c": True}).data
    assert json.loads(json.dumps(data)) == data
