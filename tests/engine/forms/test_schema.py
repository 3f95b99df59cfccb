"""Reading form-js schemas: fields, paths, shapes (engine/forms/schema.py)."""

from __future__ import annotations

from engine.forms import input_fields
from engine.forms.schema import LEAF, key_template, kind_of, shape_of
from tests.engine.forms.builders import component, dynamic_list, form, group


def test_kinds() -> None:
    assert kind_of(component("textfield")) == "input"
    assert kind_of(component("filepicker")) == "input"
    assert kind_of({"type": "textfield"}) == "display"  # an input without a key takes nothing
    assert kind_of(component("expression")) == "computed"
    assert kind_of({"type": "text", "text": "Hi"}) == "display"
    assert kind_of({"type": "button", "key": "b"}) == "display"
    assert kind_of({"type": "my-custom-widget", "key": "c"}) == "display"
    assert kind_of(group(None)) == "group"
    assert kind_of(dynamic_list("rows")) == "list"
    assert kind_of(dynamic_list("rows", isRepeating=False)) == "group"


def test_fields_in_form_order_with_their_value_paths() -> None:
    schema = form(
        component("textfield", "title", validate={"required": True}),
        group(None, component("number", "budget")),
        group("address", component("textfield", "city"), group("geo", component("number", "lat"))),
        dynamic_list("activities", component("textfield", "name"),
                     dynamic_list("steps", component("datetime", "due"))),
        component("textfield", "person.name"),
        component("textfield", "locked", disabled=True),
        component("filepicker", "files", multiple=True, accept=".pdf"),
        {"type": "text", "text": "display only"})
    infos = [info for _c, info in input_fields(schema)]
    assert [i.key for i in infos] == ["title", "budget", "address.city", "address.geo.lat",
                                      "activities[].name", "activities[].steps[].due", "person.name",
                                      "files"]
    assert infos[0].required and infos[0].label == "Title" and infos[0].component_id == "Field_title"
    assert infos[-1].metadata == {"multiple": True, "accept": ".pdf"}


def test_a_field_without_label_is_known_by_its_key() -> None:
    schema = form({"type": "textfield", "key": "plain", "id": "x"})
    assert next(input_fields(schema))[1].label == "plain"


def test_no_form_has_no_fields() -> None:
    assert list(input_fields(None)) == []
    assert list(input_fields({"components": "nonsense"})) == []


def test_key_templates() -> None:
    assert key_template("title") == ("title", ())
    assert key_template("activities[2].steps[0].due") == ("activities[].steps[].due", (2, 0))


def test_shape_knows_every_keyed_component_hidden_or_not() -> None:
    schema = form(
        component("textfield", "a", conditional={"hide": "=true"}),
        component("textfield", "locked", disabled=True),
        component("expression", "total", expression="=1 + 1"),
        group("address", component("textfield", "city")),
        group("address", component("textfield", "zip")),
        dynamic_list("rows", component("number", "n")),
        component("textfield", "person.name"),
        {"type": "button", "key": "b"})
    assert shape_of(schema["components"]) == {
        "a": LEAF, "locked": LEAF, "total": LEAF, "address": {"city": LEAF, "zip": LEAF},
        "rows": [{"n": LEAF}], "person": {"name": LEAF}}


def test_a_key_that_is_also_a_group_path_keeps_the_field() -> None:
    schema = form(component("textfield", "address"), group("address", component("textfield", "city")))
    assert shape_of(schema["components"]) == {"address": LEAF}
