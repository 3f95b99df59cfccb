"""What in a form the server cannot check as the browser does: for deployment to report.

validate() never fails on a form: a pattern that does not compile is no rule, a FEEL
expression it cannot read makes a field optional. Deployment should rather say so to
the analyst; `form_problems` lists those places, each naming the component. It reads
the form alone: an expression that parses but fails on the data (an index that is not a
number, say) shows up only when validating.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.forms.feel import FeelUnsupported
from engine.forms.feel_parser import is_expression, parse_expression, parse_unary_tests
from engine.forms.patterns import pattern_problem
from engine.forms.schema import components_of, kind_of, split_path

CHOICE_TYPES = frozenset({"select", "radio", "checklist", "taglist"})


@dataclass(frozen=True)
class FormProblem:
    component_id: str
    message: str

    def __str__(self) -> str:
        return f"component {self.component_id}: {self.message}"


def form_problems(form: dict[str, Any] | None) -> list[FormProblem]:
    """Places where the server would check less than form-js does, in form order."""
    return list(_walk(components_of(form)))


def _walk(components: list[dict[str, Any]]) -> Iterator[FormProblem]:
    for component in components:
        where = str(component.get("id") or component.get("key") or component.get("type"))
        yield from (FormProblem(where, message) for message in _problems(component))
        yield from _walk(components_of(component))


def _problems(component: dict[str, Any]) -> Iterator[str]:
    conditional = component.get("conditional")
    hide = conditional.get("hide") if isinstance(conditional, dict) else None
    if hide:
        reason = _unreadable(hide, unary=True)
        if reason:
            yield (f"conditional.hide {hide!r} cannot be evaluated on the server ({reason}); "
                   "its fields will not be required there")
    readonly = component.get("readonly")
    if is_expression(readonly) and (reason := _unreadable(readonly)):
        yield f"readonly {readonly!r} cannot be evaluated on the server ({reason}); it counts as editable"
    rules = component.get("validate") if isinstance(component.get("validate"), dict) else {}
    for name in ("min", "max", "minLength", "maxLength"):
        value = (rules or {}).get(name)
        if is_expression(value) and (reason := _unreadable(value)):
            yield f"validate.{name} {value!r} cannot be evaluated on the server ({reason}); it is not checked"
    pattern = (rules or {}).get("pattern")
    if pattern and (reason := pattern_problem(pattern)):
        yield f"validate.pattern {pattern!r}: {reason}; it is not checked"
    if component.get("type") in CHOICE_TYPES and kind_of(component) == "input":
        expression = component.get("valuesExpression")
        if expression and (not is_expression(expression) or _unreadable(expression)):
            yield (f"valuesExpression {expression!r} cannot be evaluated on the server; "
                   "any plain value will be accepted")
        elif not expression and not component.get("valuesKey") \
                and not isinstance(component.get("values"), list):
            yield "a choice without options (values, valuesKey or valuesExpression): nothing can be chosen"
    if component.get("type") == "dynamiclist" and component.get("isRepeating") \
            and not split_path(component.get("path")):
        yield "a repeating dynamic list without a path: its entries have nowhere to go"


def _unreadable(expression: str, unary: bool = False) -> str | None:
    if not is_expression(expression):
        return "not a FEEL expression (it must start with '=')"
    try:
        if unary:
            parse_unary_tests(expression)
        else:
            parse_expression(expression)
    except FeelUnsupported as exc:
        return str(exc)
    return None


__all__ = ["FormProblem", "form_problems"]
