"""Selects, radios, checklists, taglists and filepickers (engine/forms/choices.py)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.forms import FormLimits, validate
from engine.forms.choices import option_values
from tests.engine.forms.builders import component, errors, form

VALUES = [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}, {"label": "Three", "value": 3}]
SINGLE = ["select", "radio"]
MULTIPLE = ["checklist", "taglist"]


@pytest.mark.parametrize("kind", SINGLE)
def test_one_of_the_static_options(kind: str) -> None:
    schema = form(component(kind, values=VALUES))
    assert validate(schema, {"f": "a"}).data == {"f": "a"}
    assert validate(schema, {"f": 3}).data == {"f": 3}
    for wrong in ["c", "3", True, ["a"], {"value": "a"}]:
        assert errors(schema, {"f": wrong}) == {"f": ["not_option"]}, wrong
    assert validate(schema, {"f": ""}).data == {"f": None}


@pytest.mark.parametrize("kind", SINGLE)
def test_required_choice(kind: str) -> None:
    schema = form(component(kind, values=VALUES, validate={"required": True}))
    assert errors(schema, {}) == {"f": ["required"]}
    assert errors(schema, {"f": None}) == {"f": ["required"]}
    assert errors(schema, {"f": ""}) == {"f": ["required"]}


@pytest.mark.parametrize("kind", MULTIPLE)
def test_options_of_multiple_choices(kind: str) -> None:
    schema = form(component(kind, values=VALUES))
    assert validate(schema, {"f": ["a", 3]}).data == {"f": ["a", 3]}
    assert validate(schema, {"f": []}).data == {"f": []}
    assert validate(schema, {"f": None}).data == {"f": []}
    assert errors(schema, {"f": ["a", "x"]}) == {"f": ["not_option"]}
    assert errors(schema, {"f": "a"}) == {"f": ["not_list"]}


@pytest.mark.parametrize("kind", MULTIPLE)
def test_required_multiple_choice_needs_one(kind: str) -> None:
    schema = form(component(kind, values=VALUES, validate={"required": True}))
    assert errors(schema, {"f": ["b"]}) == {}
    assert errors(schema, {"f": []}) == {"f": ["required"]}
    assert errors(schema, {}) == {"f": ["required"]}


@pytest.mark.parametrize("kind", MULTIPLE)
def test_no_value_twice(kind: str) -> None:
    schema = form(component(kind, values=VALUES))
    result = validate(schema, {"f": ["a", "b", "a"]})
    assert [(e.code, e.text()) for e in result.errors] == [
        ("duplicate", "Choose each option only once (“a” is chosen more than once).")]
    assert errors(schema, {"f": [3, 3.0]}) == {"f": ["duplicate"]}  # the same number for JSON


@pytest.mark.parametrize("kind", MULTIPLE)
def test_list_cap(kind: str) -> None:
    many = [{"label": str(n), "value": n} for n in range(10)]
    schema = form(component(kind, values=many))
    limits = FormLimits(max_list_items=5)
    assert errors(schema, {"f": [0, 1, 2, 3, 4]}, limits=limits) == {}
    result = validate(schema, {"f": list(range(6))}, limits=limits)
    assert [(e.code, e.params) for e in result.errors] == [("too_many", {"n": 5, "size": 6})]


def test_default_cap_on_multiple_choices() -> None:
    schema = form(component("taglist", valuesKey="cities"))
    cities = [f"city{n}" for n in range(300)]
    assert errors(schema, {"f": cities[:200]}, context={"cities": cities}) == {}
    assert errors(schema, {"f": cities[:201]}, context={"cities": cities}) == {"f": ["too_many"]}


@pytest.mark.parametrize("kind", SINGLE + MULTIPLE)
def test_options_from_case_data_by_values_key(kind: str) -> None:
    schema = form(component(kind, valuesKey="committees"))
    context = {"committees": [{"label": "Tourism", "value": "tourism"}, "sports"]}
    good: Any = ["tourism", "sports"] if kind in MULTIPLE else "sports"
    bad: Any = ["tourism", "finance"] if kind in MULTIPLE else "finance"
    assert errors(schema, {"f": good}, context=context) == {}
    assert errors(schema, {"f": bad}, context=context) == {"f": ["not_option"]}
    assert errors(schema, {"f": bad}, context={}) == {"f": ["not_option"]}  # no list: no options


@pytest.mark.parametrize("kind", SINGLE + MULTIPLE)
def test_without_case_data_dynamic_options_take_any_plain_value(kind: str) -> None:
    schema = form(component(kind, valuesKey="committees"))
    plain: Any = ["anything", 1] if kind in MULTIPLE else "anything"
    nested: Any = [{"x": 1}] if kind in MULTIPLE else {"x": 1}
    assert errors(schema, {"f": plain}) == {}
    assert errors(schema, {"f": nested}) == {"f": ["not_option"]}


def test_options_from_a_values_expression() -> None:
    schema = form(component("select", valuesExpression="=registry.cities"),
                  component("select", "g", valuesExpression="=cities[item.active]"))
    context = {"registry": {"cities": ["quanzhou", "chongqing"]}}
    assert errors(schema, {"f": "quanzhou"}, context=context) == {}
    assert errors(schema, {"f": "paris"}, context=context) == {"f": ["not_option"]}
    assert errors(schema, {"g": "anything"}, context=context) == {}  # unreadable: not checked


def test_option_normalization_follows_form_js() -> None:
    assert option_values(["a", 0, False, "", None, {"value": "b"}, {"label": "C", "value": "c"},
                          {"label": "", "value": "d"}, {"label": "E", "value": {"id": 1}},
                          {"value": {"id": 2}}, {"label": "F"}, [1]]) == [
        "a", 0, False, "b", "c", "d", {"id": 1}]
    assert option_values("not a list") == []


def test_a_choice_without_options_accepts_nothing() -> None:
    assert errors(form(component("radio")), {"f": "a"}) == {"f": ["not_option"]}


def test_documents_shape() -> None:
    schema = form(component("filepicker", multiple=True, accept=".pdf,.docx"))
    good = [{"document_id": 12, "name": "tor.pdf"}, {"document_id": 13}]
    assert validate(schema, {"f": good}).data == {"f": good}
    for bad in ["tor.pdf", {"document_id": 12}, [{"document_id": "12"}], [{"document_id": 0}],
                [{"document_id": True}], [{"name": "tor.pdf"}], [{"document_id": 1, "meta": {"a": 1}}],
                [12]]:
        assert errors(schema, {"f": bad}) == {"f": ["not_documents"]}, bad


def test_one_document_unless_multiple() -> None:
    schema = form(component("filepicker"))
    assert errors(schema, {"f": [{"document_id": 1}]}) == {}
    assert errors(schema, {"f": [{"document_id": 1}, {"document_id": 2}]}) == {"f": ["one_document"]}


def test_documents_are_distinct_and_capped() -> None:
    schema = form(component("filepicker", multiple=True))
    assert errors(schema, {"f": [{"document_id": 1}, {"document_id": 1}]}) == {
        "f": ["duplicate_document"]}
    many = [{"document_id": n} for n in range(1, 5)]
    assert errors(schema, {"f": many}, limits=FormLimits(max_list_items=3)) == {"f": ["too_many"]}


def test_required_documents() -> None:
    schema = form(component("filepicker", validate={"required": True}))
    assert errors(schema, {}) == {"f": ["required"]}
    assert errors(schema, {"f": []}) == {"f": ["required"]}
    assert errors(schema, {"f": None}) == {"f": ["required"]}
