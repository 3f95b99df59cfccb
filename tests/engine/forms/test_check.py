"""What the server cannot check as the browser does, for deployment (engine/forms/check.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.forms import form_problems
from tests.engine.forms.builders import component, dynamic_list, form, group

FORMS_DIR = Path(__file__).resolve().parents[3] / "processes" / "forms"


@pytest.mark.parametrize("path", sorted(FORMS_DIR.glob("*.form")), ids=lambda p: p.stem)
def test_the_alliance_forms_are_fully_checked_on_the_server(path: Path) -> None:
    assert form_problems(json.loads(path.read_text())) == []


def test_readable_expressions_are_no_problem() -> None:
    schema = form(component("number", "n", validate={"max": "=limit * 2"}, readonly="=locked"),
                  group("g", component("textfield", "t", conditional={"hide": '=not(kind = "x")'})),
                  component("select", "s", valuesExpression="=cities"),
                  component("radio", "r", valuesKey="options"))
    assert form_problems(schema) == []


def test_each_problem_names_its_component() -> None:
    schema = form(
        component("textfield", "a", conditional={"hide": "=some x in l satisfies x"}),
        component("textfield", "b", conditional={"hide": "kind == 'x'"}),
        component("textfield", "c", readonly="=is defined(x)"),
        component("number", "d", validate={"min": "=today()"}),
        component("textfield", "e", validate={"pattern": "([a-z]"}),
        component("select", "f"),
        component("taglist", "g", valuesExpression="=for c in cities return c"),
        dynamic_list("", component("textfield", "h")),
    )
    found = [(p.component_id, p.message.split(" ")[0]) for p in form_problems(schema)]
    assert found == [("Field_a", "conditional.hide"), ("Field_b", "conditional.hide"),
                     ("Field_c", "readonly"), ("Field_d", "validate.min"), ("Field_e", "validate.pattern"),
                     ("Field_f", "a"), ("Field_g", "valuesExpression"), ("List_", "a")]
    assert str(form_problems(schema)[0]).startswith("component Field_a: conditional.hide")
