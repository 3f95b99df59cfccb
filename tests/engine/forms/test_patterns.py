"""Formats and patterns from uploaded forms (engine/forms/patterns.py)."""

from __future__ import annotations

import pytest

from engine.forms.patterns import (
    EMAIL,
    PHONE,
    PatternTimeout,
    compile_pattern,
    matches,
    pattern_problem,
)


@pytest.mark.parametrize(("value", "ok"), [
    ("secretariat@msrca.org", True), ("a.b+c@sub.example.org", True), ("no-at-sign", False),
    ("two@@example.org", False), ("space @example.org", False),
])
def test_email(value: str, ok: bool) -> None:
    assert matches(EMAIL, value, 1.0) is ok


@pytest.mark.parametrize(("value", "ok"), [
    ("+4930664040900", True), ("00862566668888", True), ("+8659512345678", True),
    ("12345", False), ("+49 30 664040900", False), ("phone", False),
])
def test_phone_as_form_js_checks_it(value: str, ok: bool) -> None:
    assert matches(PHONE, value, 1.0) is ok


def test_a_pattern_matches_anywhere_unless_anchored_like_javascript_test() -> None:
    assert matches(r"\d{4}", "year 2018!", 1.0) is True
    assert matches(r"^\d{4}$", "year 2018!", 1.0) is False
    assert matches(r"^(?<year>\d{4})-Q[1-4]$", "2018-Q3", 1.0) is True  # JavaScript's named group


def test_the_end_is_the_very_end_as_in_javascript() -> None:
    assert matches(r"^\d{4}$", "2018\n", 1.0) is False  # Python's own `$` would match
    assert matches(r"^[$]\d+$", "$12", 1.0) is True  # a `$` in a class stays a dollar
    assert matches(r"^\$\d+$", "$12", 1.0) is True
    assert matches(EMAIL, "a@b.org\n", 1.0) is False


def test_digits_and_word_characters_are_ascii_as_in_javascript() -> None:
    assert matches(r"^\d+$", "١٢٣", 1.0) is False  # Arabic-Indic digits
    assert matches(r"^\w+$", "café", 1.0) is False


def test_a_catastrophic_pattern_times_out_instead_of_hanging() -> None:
    with pytest.raises(PatternTimeout):
        matches(r"^(a|a)+$", "a" * 5000 + "!", 0.05)


def test_a_broken_pattern_is_reported_not_raised() -> None:
    assert compile_pattern("([a-z]") is None
    assert matches("([a-z]", "abc", 1.0) is None
    assert pattern_problem("([a-z]") is not None
    assert pattern_problem("x" * 2000) is not None
    assert pattern_problem(42) == "the pattern is not text"
    assert pattern_problem(r"^\d{4}$") is None
