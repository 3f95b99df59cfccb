"""Errors and values arranged for pages (engine/forms/display.py)."""

from __future__ import annotations

from engine.forms import errors_by_component, labelled_errors, labelled_values, validate
from engine.forms.display import field_label
from tests.engine.forms.builders import component, dynamic_list, form, group

SCHEMA = form(component("textfield", "title", validate={"required": True}),
              group("address", component("textfield", "city", validate={"required": True})),
              dynamic_list("activities", component("textfield", "name", validate={"required": True}),
                           dynamic_list("steps", component("textfield", "what",
                                                           validate={"required": True}))),
              component("taglist", "tags", values=[{"label": "A", "value": "a"}]))


def test_errors_keyed_by_component_id_as_form_js_holds_them() -> None:
    result = validate(SCHEMA, {"activities": [{"name": "a", "steps": [{}, {}]}, {}], "evil": 1})
    found = errors_by_component(SCHEMA, {k: [e.code for e in v] for k, v in result.by_field().items()})
    assert found == {
        "Field_title": ["required"],
        "Field_city": ["required"],
        "Field_name": {"1": ["required"]},
        "Field_what": {"0": {"0": ["required"], "1": ["required"]}},
    }  # `evil` belongs to no component: it is in the summary only


def test_labels_name_the_entry() -> None:
    assert field_label(SCHEMA, "title") == "Title"
    assert field_label(SCHEMA, "address.city") == "City"
    assert field_label(SCHEMA, "activities[2].name") == "Activities 3 / Name"
    assert field_label(SCHEMA, "activities[0].steps[1].what") == "Activities 1 / Steps 2 / What"
    assert field_label(SCHEMA, "evil") == "Form"
    assert field_label(SCHEMA, "_form", fallback="Formular") == "Formular"


def test_labelled_errors_in_form_order_with_stray_keys_first() -> None:
    errors = {"tags": ["t"], "activities[1].name": ["n1"], "activities[0].name": ["n0"],
              "title": ["a", "b"], "evil": ["e"]}
    assert labelled_errors(SCHEMA, errors, fallback="Form") == [
        ("Form", "e"), ("Title", "a"), ("Title", "b"), ("Activities 1 / Name", "n0"),
        ("Activities 2 / Name", "n1"), ("Tags", "t")]


def test_labelled_values_show_what_was_typed() -> None:
    data = {"title": "Regatta", "address": {"city": "Qingdao"}, "tags": ["a", "b"],
            "activities": [{"name": "Sail", "steps": [{"what": "Book"}]}], "evil": "ignored"}
    assert labelled_values(SCHEMA, data) == [
        ("Title", "Regatta"), ("City", "Qingdao"), ("Activities 1 / Name", "Sail"),
        ("Activities 1 / Steps 1 / What", "Book"), ("Tags", "a, b")]
    assert labelled_values(SCHEMA, {"title": "", "tags": []}) == []


def test_documents_are_shown_by_name_or_number() -> None:
    schema = form(component("filepicker", "files", multiple=True))
    assert labelled_values(schema, {"files": [{"document_id": 3, "name": "tor.pdf"}, {"document_id": 4}]}) \
        == [("Files", "tor.pdf, #4")]


def test_no_form() -> None:
    assert errors_by_component(None, {"x": ["e"]}) == {}
    assert labelled_errors(None, {"x": ["e"]}) == [("Form", "e")]
    assert labelled_values(None, {"x": 1}) == []
