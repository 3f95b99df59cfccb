"""Hidden and read-only fields, FEEL over the form's data (engine/forms/conditions.py)."""

from __future__ import annotations

from engine.forms import validate
from engine.forms.conditions import Visibility, is_read_only, root_scope, visibility, with_initial_values
from tests.engine.forms.builders import codes, component, dynamic_list, errors, form, group

DECISION = [{"label": "Approve", "value": "approve"}, {"label": "Revise", "value": "revise"}]


def _review_form() -> dict:
    return form(component("radio", "decision", values=DECISION, validate={"required": True}),
                component("textarea", "revision_notes", validate={"required": True},
                          conditional={"hide": '=decision != "revise"'}))


def test_a_hidden_field_is_not_required() -> None:
    assert errors(_review_form(), {"decision": "approve"}) == {}
    assert errors(_review_form(), {"decision": "revise"}) == {"revision_notes": ["required"]}


def test_a_hidden_field_is_not_kept() -> None:
    result = validate(_review_form(), {"decision": "approve", "revision_notes": "left over"})
    assert result.ok and result.data == {"decision": "approve"}
    shown = validate(_review_form(), {"decision": "revise", "revision_notes": "Shorten the ToR."})
    assert shown.data == {"decision": "revise", "revision_notes": "Shorten the ToR."}


def test_a_hidden_field_is_not_checked() -> None:
    schema = form(component("checkbox", "has_budget"),
                  component("number", "budget", validate={"min": 0},
                            conditional={"hide": "=not(has_budget)"}))
    assert errors(schema, {"has_budget": False, "budget": "lots"}) == {}
    assert errors(schema, {"has_budget": True, "budget": "lots"}) == {"budget": ["not_number"]}


def test_conditions_see_fields_nobody_filled_as_form_js_does() -> None:
    """An unticked checkbox is false, an empty text field "": not null."""
    schema = form(component("checkbox", "agree"),
                  component("textfield", "why_not", validate={"required": True},
                            conditional={"hide": "=agree = true"}),
                  component("textfield", "name"),
                  component("textfield", "nickname", validate={"required": True},
                            conditional={"hide": '=name = ""'}))
    assert codes(validate(schema, {})) == {"why_not": ["required"]}
    assert codes(validate(schema, {"agree": True, "name": "Li"})) == {"nickname": ["required"]}


def test_conditions_read_the_case_data() -> None:
    schema = form(component("textfield", "chair_note", validate={"required": True},
                            conditional={"hide": '=member_type != "group"'}))
    assert errors(schema, {}, context={"member_type": "individual"}) == {}
    assert errors(schema, {}, context={"member_type": "group"}) == {"chair_note": ["required"]}


def test_the_submission_wins_over_the_case_data() -> None:
    schema = form(component("radio", "kind", values=[{"label": "G", "value": "group"}]),
                  component("textfield", "note", validate={"required": True},
                            conditional={"hide": '=kind != "group"'}))
    assert errors(schema, {"kind": "group"}, context={"kind": "other"}) == {"note": ["required"]}


def test_a_condition_null_hides_like_form_js() -> None:
    """form-js hides when the test is null: `=score > 3` with no score at all hides."""
    schema = form(component("textfield", "why", validate={"required": True},
                            conditional={"hide": "=score > 3"}))
    assert errors(schema, {}) == {}


def test_an_unreadable_condition_makes_the_field_optional_but_checked() -> None:
    schema = form(component("textfield", "x", validate={"required": True, "maxLength": 3},
                            conditional={"hide": "=some s in l satisfies s > 1"}))
    assert errors(schema, {}) == {}  # can't tell whether the user saw it: not required
    assert validate(schema, {"x": "abc"}).data == {"x": "abc"}  # but a value is checked and kept
    assert errors(schema, {"x": "abcd"}) == {"x": ["too_long"]}


def test_a_condition_that_is_not_feel_makes_the_field_optional() -> None:
    schema = form(component("textfield", "x", validate={"required": True},
                            conditional={"hide": "decision == 'revise'"}))
    assert errors(schema, {}) == {}


def test_a_hidden_group_hides_everything_inside() -> None:
    schema = form(component("checkbox", "has_contact"),
                  group("contact", component("textfield", "email", validate={"required": True}),
                        conditional={"hide": "=not(has_contact)"}))
    assert errors(schema, {"has_contact": False}) == {}
    assert validate(schema, {"has_contact": False, "contact": {"email": "x"}}).data == {
        "has_contact": False}
    assert errors(schema, {"has_contact": True}) == {"contact.email": ["required"]}


def test_an_unreadable_condition_on_a_group_loosens_everything_inside() -> None:
    schema = form(group(None, component("textfield", "a", validate={"required": True}),
                        conditional={"hide": "=date(x) > today()"}))
    assert errors(schema, {}) == {}


def test_conditions_inside_list_entries_see_this_parent_and_i() -> None:
    schema = form(component("textfield", "call_kind"),
                  dynamic_list("activities",
                               component("checkbox", "funded"),
                               component("number", "amount", validate={"required": True},
                                         conditional={"hide": "=not(this.funded)"}),
                               component("textfield", "first_note", validate={"required": True},
                                         conditional={"hide": "=i[1] != 1"}),
                               component("textfield", "call_note", validate={"required": True},
                                         conditional={"hide": '=call_kind != "open"'})))
    data = {"call_kind": "closed", "activities": [{"funded": True, "first_note": "n"}, {"funded": False}]}
    assert errors(schema, data) == {"activities[0].amount": ["required"]}
    data["call_kind"] = "open"
    assert set(errors(schema, data)) == {"activities[0].amount", "activities[0].call_note",
                                         "activities[1].call_note"}


def test_parent_inside_nested_lists() -> None:
    detail = component("textfield", "detail", validate={"required": True},
                       conditional={"hide": "=not(parent.detailed)"})
    schema = form(dynamic_list("plans", component("checkbox", "detailed"), dynamic_list("steps", detail)))
    data = {"plans": [{"detailed": True, "steps": [{}]}, {"detailed": False, "steps": [{}]}]}
    assert errors(schema, data) == {"plans[0].steps[0].detail": ["required"]}


def test_read_only_fields_are_not_taken() -> None:
    schema = form(component("textfield", "committee", readonly=True, validate={"required": True}),
                  component("textfield", "locked_when", readonly="=status = \"final\""),
                  component("textfield", "note"))
    result = validate(schema, {"committee": "forged", "locked_when": "x", "note": "n"},
                      context={"status": "final"})
    assert result.ok and result.data == {"note": "n"}
    assert validate(schema, {"locked_when": "x"}, context={"status": "draft"}).data == {"locked_when": "x"}


def test_disabled_fields_are_not_taken_nor_required() -> None:
    schema = form(component("textfield", "ref", disabled=True, validate={"required": True}))
    result = validate(schema, {"ref": "forged"})
    assert result.ok and result.data == {}


def test_visibility_and_read_only_helpers() -> None:
    schema = form(component("textfield", "a"))
    scope = root_scope(schema, {"a": "x"}, {"b": 1})
    assert visibility({"conditional": {"hide": '=a = "x"'}}, scope) is Visibility.HIDDEN
    assert visibility({"conditional": {"hide": "=b = 2"}}, scope) is Visibility.SHOWN
    assert visibility({"conditional": {"hide": "=a("}}, scope) is Visibility.UNKNOWN
    assert visibility({"conditional": {}}, scope) is Visibility.SHOWN
    assert visibility({}, scope) is Visibility.SHOWN
    assert is_read_only({"readonly": "=b = 1"}, scope) is True
    assert is_read_only({"readonly": "=b("}, scope) is False


def test_initial_values_fill_only_what_is_missing() -> None:
    schema = form(component("textfield", "t"), component("checkbox", "c"), component("taglist", "l"),
                  component("number", "n", defaultValue=5), group("g", component("select", "s")),
                  dynamic_list("rows", component("textfield", "r")))
    filled = with_initial_values(schema["components"], {"t": "kept", "rows": [{}, {"r": "x"}]})
    assert filled == {"t": "kept", "c": False, "l": [], "n": 5, "g": {"s": None},
                      "rows": [{"r": ""}, {"r": "x"}]}
