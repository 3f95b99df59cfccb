"""Every form of the Alliance's processes (processes/forms/*.form) through engine.forms.validate.

For each form a valid submission is built from the form itself and must pass untouched;
then each rule of each field is broken, one at a time, and must be reported on that
field's key. A new form with a pattern needs a sample in PATTERN_SAMPLES.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.forms import FieldInfo, input_fields, validate
from engine.forms.choices import option_values
from engine.forms.conditions import Visibility, root_scope, visibility

FORMS_DIR = Path(__file__).resolve().parents[3] / "processes" / "forms"
FORMS = {path.stem: json.loads(path.read_text()) for path in sorted(FORMS_DIR.glob("*.form"))}
PATTERN_SAMPLES = {
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "focal.point@msrca.org",
    r"^\d{4}-Q[1-4]$": "2018-Q3",
}


def _rules(component: dict[str, Any]) -> dict[str, Any]:
    return component.get("validate") or {}


def _text(component: dict[str, Any]) -> str:
    rules = _rules(component)
    if rules.get("validationType") == "email":
        return "focal.point@msrca.org"
    if rules.get("validationType") == "phone":
        return "+8659512345678"
    if rules.get("pattern"):
        return PATTERN_SAMPLES[rules["pattern"]]
    size = max(int(rules.get("minLength") or 0), 3)
    if rules.get("maxLength") is not None:
        size = min(size, int(rules["maxLength"]))
    return "x" * size


def _valid(component: dict[str, Any]) -> Any:
    kind = component["type"]
    rules = _rules(component)
    if kind in ("textfield", "textarea"):
        return _text(component)
    if kind == "number":
        return rules.get("min", rules.get("max", 1) if rules.get("max", 1) < 1 else 1)
    values = option_values(component.get("values")) or ["from-the-case"]  # valuesKey: any value
    if kind in ("select", "radio"):
        return values[0]
    if kind in ("checklist", "taglist"):
        return values[:2]
    if kind == "checkbox":
        return True
    if kind == "datetime":
        return {"time": "10:30", "datetime": "2030-06-01T10:30Z"}.get(component.get("subtype"), "2030-06-01")
    if kind == "filepicker":
        return [{"document_id": 1}]
    raise AssertionError(f"no sample for a {kind}")


def _put(data: dict[str, Any], key: str, value: Any) -> str:
    """Set `value` at a FieldInfo key ('a[].b' uses entry 0); returns the concrete key."""
    node: Any = data
    parts = key.replace("[]", ".[]").split(".")
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        if following is None:
            node[part] = value
        elif following == "[]":
            node = node.setdefault(part, [{}])
        elif part == "[]":
            node = node[0]
        else:
            node = node.setdefault(part, {})
    return key.replace("[]", "[0]")


def _fields(schema: dict[str, Any]) -> list[tuple[dict[str, Any], FieldInfo]]:
    return [(c, i) for c, i in input_fields(schema) if not c.get("readonly")]


def _sample(schema: dict[str, Any]) -> dict[str, Any]:
    """A value for every field the form shows; a conditional field only when the values
    already chosen show it (a hidden one, e.g. a list filled from the case, stays out)."""
    data: dict[str, Any] = {}
    later = []
    for component, info in _fields(schema):
        if component.get("conditional") and "[]" not in info.key:
            later.append((component, info))
        else:
            _put(data, info.key, _valid(component))
    for component, info in later:
        if visibility(component, root_scope(schema, data, None)) == Visibility.SHOWN:
            _put(data, info.key, _valid(component))
    return data


def _violations(schema: dict[str, Any]) -> Iterator[tuple[str, str, Any, set[str]]]:
    """(field key, rule, bad value or None to leave it out, the codes that report that rule)."""
    for component, info in _fields(schema):
        if component.get("conditional"):
            continue  # whether it is shown depends on the sample: tests/engine/forms/test_conditions.py
        kind, rules = component["type"], _rules(component)
        if rules.get("required"):
            yield info.key, "required", None, {"required", "must_tick"}
        if kind in ("textfield", "textarea"):
            yield info.key, "type", 42, {"not_text"}
            if int(rules.get("minLength") or 0) >= 2:
                yield info.key, "minLength", "x" * (rules["minLength"] - 1), {"too_short"}
            if rules.get("maxLength") is not None:
                yield info.key, "maxLength", "x" * (rules["maxLength"] + 1), {"too_long"}
            if rules.get("pattern") or rules.get("validationType"):
                yield info.key, "format", "!!", {"pattern", "pattern_custom", "email", "phone"}
        elif kind == "number":
            yield info.key, "type", "many", {"not_number"}
            if "min" in rules:
                yield info.key, "min", rules["min"] - 1, {"too_small"}
            if "max" in rules:
                yield info.key, "max", rules["max"] + 1, {"too_large"}
            if isinstance(component.get("decimalDigits"), int):
                digits = component["decimalDigits"]
                yield info.key, "decimalDigits", _valid(component) + 10 ** -(digits + 1), {
                    "decimals", "not_integer"}
        elif kind in ("select", "radio", "checklist", "taglist") \
                and not option_values(component.get("values")):
            continue  # options from the case data (valuesKey): checked with the case as context
        elif kind in ("select", "radio"):
            yield info.key, "options", "not-an-option", {"not_option"}
        elif kind in ("checklist", "taglist"):
            yield info.key, "options", ["not-an-option"], {"not_option"}
            first = option_values(component.get("values"))[0]
            yield info.key, "duplicates", [first, first], {"duplicate"}
            yield info.key, "type", first, {"not_list"}
        elif kind == "datetime":
            yield info.key, "format", "not a date", {"bad_date", "bad_time", "bad_datetime"}
        elif kind == "checkbox":
            yield info.key, "type", "yes", {"not_boolean"}


CASES = [pytest.param(name, key, value, expected, id=f"{name}-{key}-{rule}")
         for name, schema in FORMS.items() for key, rule, value, expected in _violations(schema)]


def test_there_are_forms_and_cases() -> None:
    assert len(FORMS) >= 20 and len(CASES) > len(FORMS) * 3


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_valid_submission_passes_untouched(name: str) -> None:
    sample = _sample(FORMS[name])
    result = validate(FORMS[name], sample)
    assert result.errors == ()
    # A field hidden by its condition for this sample (the amount of a partial approval, when
    # the sample approves in full) takes no value; every other value passes untouched.
    hidden = {i.key for c, i in _fields(FORMS[name]) if c.get("conditional") and i.key not in result.data}
    assert result.data == {k: v for k, v in sample.items() if k not in hidden}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_an_empty_submission_names_every_required_field(name: str) -> None:
    schema = FORMS[name]
    scope = root_scope(schema, {}, None)
    required = {i.key for c, i in _fields(schema) if _rules(c).get("required") and "[]" not in i.key
                and visibility(c, scope) != Visibility.HIDDEN}  # hidden when the form opens empty
    assert set(validate(schema, {}).by_field()) == required


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_key_the_form_does_not_know_is_refused(name: str) -> None:
    result = validate(FORMS[name], {**_sample(FORMS[name]), "not_in_this_form": 1})
    assert [(e.field, e.code) for e in result.errors] == [("not_in_this_form", "unknown_field")]


@pytest.mark.parametrize(("name", "key", "value", "expected"), CASES)
def test_each_broken_rule_is_reported_on_its_field(name: str, key: str, value: Any,
                                                   expected: set[str]) -> None:
    data = copy.deepcopy(_sample(FORMS[name]))
    concrete = _put(data, key, value)
    if value is None:  # break `required` by leaving the field out
        parent, _dot, leaf = concrete.rpartition(".")
        container: Any = data
        for part in filter(None, parent.replace("[0]", ".0").split(".")):
            container = container[int(part)] if part.isdigit() else container[part]
        del container[leaf]
    result = validate(FORMS[name], data)
    found = result.by_field()
    assert set(found) == {concrete}, result.messages()
    assert {e.code for e in found[concrete]} & expected, result.messages()
