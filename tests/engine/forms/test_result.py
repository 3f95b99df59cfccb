"""What validate returns (engine/forms/result.py)."""

from __future__ import annotations

from engine.forms import DEFAULT_LIMITS, FormResult
from engine.forms.messages import field_error
from engine.runtime.data import MAX_DATA_BYTES


def test_errors_grouped_by_field_and_in_english() -> None:
    result = FormResult({}, (field_error("a", "required"), field_error("b", "not_text"),
                             field_error("a", "too_short", n=3)))
    assert not result.ok
    assert [e.code for e in result.by_field()["a"]] == ["required", "too_short"]
    assert result.messages() == {"a": ["This field is required.", "Enter at least 3 characters."],
                                 "b": ["Enter text."]}


def test_a_result_without_errors_is_ok() -> None:
    assert FormResult({"a": 1}).ok


def test_default_limits() -> None:
    assert 100 <= DEFAULT_LIMITS.max_list_items <= 500
    assert DEFAULT_LIMITS.max_text_length == 20_000
    assert DEFAULT_LIMITS.max_data_bytes == MAX_DATA_BYTES
