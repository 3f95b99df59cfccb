"""The engine's rules for values from outside: text, JSON, ids."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.runtime import values
from engine.runtime.data import check_data


@pytest.mark.parametrize(("text", "reason"), [
    ('{"a": "x\\u0000"}', "NUL"), ('{"a": "\\ud800"}', "lone surrogate"),
    ('{"\\u0000": 1}', "a key: text may not contain a NUL"), ('{"a": NaN}', "NaN is not"),
    ('{"a": Infinity}', "Infinity is not"), ('{"a": -Infinity}', "Infinity is not"),
    ('{"a": 1e999}', "not finite"), ('{"a": ' + "9" * 5000 + "}", "does not fit in 64 bits"),
    ('{"a": 9223372036854775808}', "64 bits"), ("[" * 100 + "]" * 100, "nested more than 64"),
    ("[" * 100_000 + "]" * 100_000, "nested more than 64"), ("{", "not valid JSON"),
    (b'{"a": "\xff"}', "not UTF-8"),
])
def test_loads_refuses_with_a_reason(text: str | bytes, reason: str) -> None:
    with pytest.raises(values.ValueRefused, match=reason):
        values.loads(text)


def test_loads_accepts_ordinary_json() -> None:
    assert values.loads('{"a": [1, 2.5, "x", null, true], "b": {"c": -9223372036854775807}}') == \
        {"a": [1, 2.5, "x", None, True], "b": {"c": -9223372036854775807}}
    assert values.loads("[" * 64 + "]" * 64) is not None


def test_ids_and_text() -> None:
    assert values.id_problem(2**31 - 1) is None
    assert "out of range" in (values.id_problem(2**31) or "")
    assert values.text_problem("plain text, 北京") is None


def test_case_data_follows_the_rules() -> None:
    with pytest.raises(InvalidInput, match="NUL"):
        check_data({"note": "a\x00b"})
    with pytest.raises(InvalidInput, match="not a JSON number"):
        check_data({"x": float("inf")})
    with pytest.raises(InvalidInput, match="nested more than 64"):
        nested: list[object] = []
        for _ in range(70):
            nested = [nested]
        check_data({"x": nested})
    with pytest.raises(InvalidInput, match="not valid JSON"):
        check_data("{")
    assert check_data('{"x": 1}') == {"x": 1}
