"""What a form accepts as a whole (engine/forms/validate.py): keys, groups, lists, no form."""

from __future__ import annotations

import pytest

from engine.forms import FormLimits, validate
from tests.engine.forms.builders import codes, component, dynamic_list, errors, form, group


def test_only_the_form_s_fields_are_accepted() -> None:
    schema = form(component("textfield", "title"))
    result = validate(schema, {"title": "x", "evil": 1, "_internal": True})
    assert not result.ok and result.data == {}
    assert [(e.field, e.code, e.text()) for e in result.errors] == [
        ("evil", "unknown_field", "This form has no field “evil”."),
        ("_internal", "unknown_field", "This form has no field “_internal”.")]


def test_display_components_take_nothing() -> None:
    schema = form({"type": "text", "id": "t", "text": "Hello"}, {"type": "button", "key": "b", "id": "b"},
                  {"type": "image", "id": "i"}, {"type": "table", "id": "tb", "dataSource": "=rows"},
                  {"type": "html", "id": "h", "content": "<b>x</b>"}, {"type": "spacer", "id": "s"},
                  component("textfield", "title"))
    assert validate(schema, {"title": "x"}).data == {"title": "x"}
    assert errors(schema, {"title": "x", "b": "submit"}) == {"b": ["unknown_field"]}


def test_expression_fields_are_known_but_never_taken() -> None:
    schema = form(component("number", "a"), component("expression", "total", expression="=a * 2"))
    result = validate(schema, {"a": 2, "total": 999})
    assert result.ok and result.data == {"a": 2}


def test_nothing_submitted_is_an_empty_object() -> None:
    schema = form(component("textfield", "note"))
    assert validate(schema, {}).ok and validate(schema, {}).data == {}


@pytest.mark.parametrize("submitted", [["a"], "text", 3, None, '{"note": "JSON text is not decoded"}'])
def test_the_submission_must_be_an_object(submitted: object) -> None:
    assert errors(form(component("textfield")), submitted) == {"_form": ["not_object"]}


def test_the_submission_must_be_plain_json() -> None:
    assert errors(form(component("number")), {"f": float("nan")}) == {"_form": ["not_json"]}
    assert errors(form(component("textfield")), {"f": object()}) == {"_form": ["not_json"]}


def test_the_submission_has_a_size_bound() -> None:
    schema = form(component("textarea", validate={"maxLength": 10**9}))
    result = validate(schema, {"f": "x" * 2000}, limits=FormLimits(max_data_bytes=1000))
    assert [(e.field, e.code) for e in result.errors] == [("_form", "data_too_large")]
    assert result.errors[0].params["limit"] == 1000


def test_no_form_means_plain_case_data() -> None:
    assert validate(None, {"approved": True, "notes": ["a"]}).data == {"approved": True, "notes": ["a"]}
    assert validate(None, None).data == {}
    assert validate(None, '{"a": 1}').data == {"a": 1}


@pytest.mark.parametrize(("submitted", "key"), [
    ({"_secret": 1}, "_secret"), ({"not an identifier": 1}, "not an identifier"), ([1], "_form"),
    ("{bad json", "_form"), ({"x": "y" * 1_000_001}, "_form"),
])
def test_no_form_refuses_what_case_data_refuses(submitted: object, key: str) -> None:
    result = validate(None, submitted)
    assert [(e.field, e.code) for e in result.errors] == [(key, "case_data")]
    assert result.errors[0].text()  # check_data's own message, in English


def test_a_form_without_fields_accepts_only_nothing() -> None:
    schema = form({"type": "text", "id": "t", "text": "Just confirm."})
    assert validate(schema, {}).ok
    assert errors(schema, {"approved": True}) == {"approved": ["unknown_field"]}


def test_a_group_without_path_is_transparent() -> None:
    schema = form(group(None, component("textfield", "inner", validate={"required": True})))
    assert validate(schema, {"inner": "z"}).data == {"inner": "z"}
    assert errors(schema, {}) == {"inner": ["required"]}


def test_a_group_with_a_path_nests_its_values() -> None:
    schema = form(group("address", component("textfield", "city", validate={"required": True}),
                        group("geo", component("number", "lat", validate={"min": -90, "max": 90}))))
    data = {"address": {"city": "Quanzhou", "geo": {"lat": 24.9}}}
    assert validate(schema, data).data == data
    assert errors(schema, {"address": {"geo": {"lat": 100}}}) == {
        "address.city": ["required"], "address.geo.lat": ["too_large"]}
    assert errors(schema, {}) == {"address.city": ["required"]}
    assert errors(schema, {"address": {"city": "Q", "zip": "1"}}) == {"address.zip": ["unknown_field"]}


def test_a_group_value_must_be_an_object() -> None:
    schema = form(group("address", component("textfield", "city")))
    assert errors(schema, {"address": "Quanzhou"}) == {"address": ["not_group"]}


def test_dotted_keys_nest_too() -> None:
    schema = form(component("textfield", "person.name", validate={"required": True}))
    assert validate(schema, {"person": {"name": "Li"}}).data == {"person": {"name": "Li"}}
    assert errors(schema, {}) == {"person.name": ["required"]}


def _activities(**extra: object) -> dict:
    return form(component("textfield", "committee"),
                dynamic_list("activities",
                             component("textfield", "title", validate={"required": True, "maxLength": 20}),
                             component("number", "budget", validate={"min": 0}),
                             **extra))


def test_each_entry_of_a_dynamic_list_is_checked() -> None:
    data = {"committee": "sports", "activities": [{"title": "Regatta", "budget": 10}, {"title": "Run"}]}
    assert validate(_activities(), data).data == data
    bad = {"activities": [{"title": "Regatta"}, {"budget": -1}, {"title": "x" * 21}]}
    assert errors(_activities(), bad) == {"activities[1].title": ["required"],
                                          "activities[1].budget": ["too_small"],
                                          "activities[2].title": ["too_long"]}


def test_entries_refuse_unknown_keys_and_non_objects() -> None:
    bad = {"activities": [{"title": "a", "owner": "me"}, "second"]}
    assert errors(_activities(), bad) == {"activities[0].owner": ["unknown_field"],
                                          "activities[1]": ["not_group"]}


def test_a_dynamic_list_must_be_a_list() -> None:
    assert errors(_activities(), {"activities": {"title": "a"}}) == {"activities": ["not_entries"]}
    assert validate(_activities(), {"activities": None}).data == {"activities": None}
    assert validate(_activities(), {"activities": []}).data == {"activities": []}


def test_dynamic_lists_are_capped() -> None:
    many = {"activities": [{"title": str(n)} for n in range(4)]}
    result = validate(_activities(), many, limits=FormLimits(max_list_items=3))
    assert [(e.field, e.code, e.params) for e in result.errors] == [
        ("activities", "too_many_entries", {"n": 3, "size": 4})]


def test_a_dynamic_list_that_does_not_repeat_is_a_group() -> None:
    schema = form(dynamic_list("contact", component("textfield", "email"), isRepeating=False))
    assert validate(schema, {"contact": {"email": "a@b.org"}}).data == {"contact": {"email": "a@b.org"}}


def test_nested_lists_and_groups() -> None:
    schema = form(dynamic_list("plans", group("owner", component("textfield", "name",
                                                                 validate={"required": True})),
                               dynamic_list("steps", component("datetime", "due"))))
    data = {"plans": [{"owner": {"name": "A"}, "steps": [{"due": "2018-01-01"}]}]}
    assert validate(schema, data).data == data
    bad = {"plans": [{"owner": {}, "steps": [{"due": "soon"}]}]}
    assert errors(schema, bad) == {"plans[0].owner.name": ["required"],
                                   "plans[0].steps[0].due": ["bad_date"]}


def test_a_hidden_dynamic_list_is_dropped() -> None:
    schema = form(component("checkbox", "has_plan"),
                  dynamic_list("steps", component("textfield", "t", validate={"required": True}),
                               conditional={"hide": "=not(has_plan)"}))
    result = validate(schema, {"has_plan": False, "steps": [{}]})
    assert result.ok and result.data == {"has_plan": False}


def test_every_error_is_reported_at_once_in_form_order() -> None:
    schema = form(component("textfield", "a", validate={"required": True}),
                  component("number", "b", validate={"required": True}),
                  component("checkbox", "c", validate={"required": True}))
    assert list(codes(validate(schema, {"zz": 1}))) == ["a", "b", "c", "zz"]
