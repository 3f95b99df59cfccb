"""Server-side validation of form-js submissions (web/forms.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from engine.forms.conditions import Visibility, root_scope, visibility
from web.forms import errors_by_component, input_fields, labelled_values, validate_submission

FORMS = Path(__file__).resolve().parents[2] / "processes" / "forms"


@pytest.fixture(autouse=True)
def context(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


def component(kind: str, key: str = "f", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "key": key, "id": f"Field_{key}", "label": key.title(), **extra}


def form(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": "default", "id": "f", "components": list(components)}


def errors(schema: dict[str, Any], data: Any) -> dict[str, list[str]]:
    return validate_submission(schema, data).errors


def test_text_rules() -> None:
    schema = form(component("textfield", validate={"required": True, "minLength": 3, "maxLength": 5}),
                  component("textarea", "note", validate={"maxLength": 4}))
    assert errors(schema, {"f": "abcd"}) == {}
    assert errors(schema, {}) == {"f": ["This field is required."]}
    assert errors(schema, {"f": "   "}) == {"f": ["This field is required."]}
    assert "at least 3" in errors(schema, {"f": "ab"})["f"][0]
    assert "at most 5" in errors(schema, {"f": "abcdef"})["f"][0]
    assert errors(schema, {"f": "  abc  "}) == {}  # lengths count trimmed text, as form-js does
    assert errors(schema, {"f": 12345}) == {"f": ["Enter text."]}
    assert errors(schema, {"f": "abc", "note": ""}) == {}  # optional and empty
    assert errors(schema, {"f": "abc", "note": None}) == {}


def test_patterns_and_email() -> None:
    schema = form(component("textfield", validate={"pattern": r"^\d{4}-Q[1-4]$"}),
                  component("textfield", "mail", validate={"validationType": "email"}))
    assert errors(schema, {"f": "2018-Q3", "mail": "a@b.org"}) == {}
    assert set(errors(schema, {"f": "2018-Q5", "mail": "nope"})) == {"f", "mail"}


def test_numbers() -> None:
    schema = form(component("number", validate={"required": True, "min": 0, "max": 10}),
                  component("number", "count", decimalDigits=0))
    assert validate_submission(schema, {"f": 2.5, "count": 3}).data == {"f": 2.5, "count": 3}
    assert "at least 0" in errors(schema, {"f": -1})["f"][0]
    assert "at most 10" in errors(schema, {"f": 11})["f"][0]
    assert errors(schema, {"f": "many"}) == {"f": ["Enter a number."]}
    assert errors(schema, {"f": None}) == {"f": ["This field is required."]}
    assert errors(schema, {"f": 1, "count": ""}) == {}
    assert "count" in errors(schema, {"f": 1, "count": 2.5})


def test_choices() -> None:
    values = [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]
    schema = form(component("select", values=values, validate={"required": True}),
                  component("radio", "r", values=values),
                  component("taglist", "tags", values=values, validate={"required": True}),
                  component("checklist", "checks", values=values),
                  component("select", "dynamic", valuesKey="options"))
    good = {"f": "a", "r": "b", "tags": ["a", "b"], "checks": [], "dynamic": "anything"}
    assert errors(schema, good) == {}
    bad = errors(schema, {**good, "f": "c", "r": "z", "tags": ["a", "x"], "checks": "a"})
    assert set(bad) == {"f", "r", "tags", "checks"}
    assert errors(schema, {**good, "tags": []}) == {"tags": ["This field is required."]}


def test_checkbox_and_dates() -> None:
    schema = form(component("checkbox", validate={"required": True}),
                  component("datetime", "day", subtype="date"),
                  component("datetime", "moment", subtype="datetime"))
    assert errors(schema, {"f": True, "day": "2018-06-01", "moment": "2018-06-01T10:00:00Z"}) == {}
    assert errors(schema, {"f": False}) == {"f": ["This box must be ticked."]}
    assert set(errors(schema, {"f": True, "day": "01/06/2018", "moment": "soon"})) == {"day", "moment"}
    data = validate_submission(schema, {"f": True, "day": "2018-06-01"}).data
    assert json.dumps(data) and data["day"] == "2018-06-01"  # dates stay JSON strings


def test_unknown_fields_are_refused_and_display_components_ignored() -> None:
    """A form accepts only its fields (engine.forms decides; tests/engine/forms has the rest)."""
    schema = form({"type": "text", "text": "Hello", "id": "t"}, {"type": "button", "key": "b", "id": "b"},
                  component("textfield"), component("textfield", "locked", disabled=True),
                  {"type": "group", "id": "g", "components": [component("textfield", "inner")]})
    result = validate_submission(schema, {"f": "x", "locked": "y", "inner": "z"})
    assert result.data == {"f": "x", "inner": "z"}
    refused = validate_submission(schema, {"f": "x", "evil": 1, "b": 2})
    assert refused.errors == {"evil": ["This form has no field “evil”."],
                              "b": ["This form has no field “b”."]}
    assert [i.key for _c, i in input_fields(schema)] == ["f", "inner"]


def test_not_an_object() -> None:
    assert "_form" in errors(form(component("textfield")), ["a", "list"])


def test_helpers_for_the_page() -> None:
    schema = form(component("textfield", validate={"required": True}), component("taglist", "t"))
    found = errors(schema, {})
    assert errors_by_component(schema, found) == {"Field_f": ["This field is required."]}
    assert labelled_values(schema, {"f": "typed", "t": ["a", "b"]}) == [("F", "typed"), ("T", "a, b")]


@pytest.mark.parametrize("path", sorted(FORMS.glob("*.form")), ids=lambda p: p.stem)
def test_every_alliance_form_builds_a_schema(path: Path) -> None:
    schema = json.loads(path.read_text())
    result = validate_submission(schema, {})
    scope = root_scope(schema, {}, None)
    required = {i.key for c, i in input_fields(schema) if (c.get("validate") or {}).get("required")
                and "[]" not in i.key  # a list's entries
                and visibility(c, scope) != Visibility.HIDDEN}  # a hidden field is not asked for
    assert set(result.errors) == required
