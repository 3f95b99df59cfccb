"""The checks of choices: select, radio, checklist, taglist, and the documents of a filepicker.

Options come from the component's static `values`, from the case data list named by
`valuesKey` (when the caller passes the case data as `context`), or from a FEEL
`valuesExpression` over the form's data. When the options cannot be known (no context
for a `valuesKey`, an expression the evaluator cannot read) any plain value (text,
number, yes/no) is accepted. Values are compared by type and value, so 1 is not "1" and
not true. Multiple choices may not repeat a value and are capped in number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.forms.conditions import Scope, rule_value
from engine.forms.feel_parser import is_expression
from engine.forms.rules import Checked, Problem, Settings, problem

_PLAIN = (str, int, float, bool)


def canonical(value: Any) -> Any:
    """A hashable stand-in for a JSON value: equal exactly when the values are the same."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, (list, tuple)):
        return ("l", tuple(canonical(v) for v in value))
    if isinstance(value, Mapping):
        return ("d", tuple(sorted((str(k), canonical(v)) for k, v in value.items())))
    return ("z", None) if value is None else ("o", repr(value))


def _allowed_primitive(value: Any) -> bool:
    return isinstance(value, _PLAIN) and (bool(value) or value == 0 or value is False)


def option_values(options: Any) -> list[Any]:
    """The values of an options list, normalized as form-js does (bad entries dropped)."""
    out: list[Any] = []
    for option in options if isinstance(options, list) else []:
        if _allowed_primitive(option):
            out.append(option)
        elif isinstance(option, Mapping):
            labelled = isinstance(option.get("label"), str) and bool(option.get("label"))
            value = option.get("value")
            # form-js: a plain value with or without a label; an object value only with a label
            if _allowed_primitive(value) or (labelled and isinstance(value, Mapping) and value):
                out.append(value)
    return out


def options_of(component: dict[str, Any], scope: Scope, settings: Settings) -> list[Any] | None:
    """The values the user could choose, or None when they cannot be known here."""
    expression = component.get("valuesExpression")
    if expression:
        if not is_expression(expression):
            return None
        values = rule_value(expression, scope)
        return option_values(values) if isinstance(values, list) else None
    key = component.get("valuesKey")
    if key:
        if settings.context is None:
            return None
        return option_values(settings.context.get(str(key)))
    return option_values(component.get("values"))


def _offered(value: Any, offered: set[Any] | None) -> bool:
    if offered is None:
        return isinstance(value, _PLAIN)
    return canonical(value) in offered


def _offered_set(component: dict[str, Any], scope: Scope, settings: Settings) -> set[Any] | None:
    options = options_of(component, scope, settings)
    return None if options is None else {canonical(v) for v in options}


def check_single(component: dict[str, Any], value: Any, required: bool, scope: Scope,
                 settings: Settings) -> Checked:
    """select and radio: one of the options, or nothing."""
    if value is None or value == "":
        return Checked(None, [problem("required")] if required else [])
    if not _offered(value, _offered_set(component, scope, settings)):
        return Checked(value, [problem("not_option")])
    return Checked(value, [])


def check_multiple(component: dict[str, Any], value: Any, required: bool, scope: Scope,
                   settings: Settings) -> Checked:
    """checklist and taglist: a list of distinct options, at most `max_list_items` of them."""
    if value is None:
        value = []
    if not isinstance(value, list):
        return Checked(value, [problem("not_list")])
    if required and not value:
        return Checked(value, [problem("required")])
    limit = settings.limits.max_list_items
    if len(value) > limit:
        return Checked(value, [problem("too_many", n=limit, size=len(value))])
    found: list[Problem] = []
    offered = _offered_set(component, scope, settings)
    if not all(_offered(v, offered) for v in value):
        found.append(problem("not_option"))
    seen: set[Any] = set()
    for item in value:
        marker = canonical(item)
        if marker in seen:
            found.append(problem("duplicate", value=str(item)))
            break
        seen.add(marker)
    return Checked(value, found)


def _is_reference(item: Any) -> bool:
    if not isinstance(item, Mapping) or not all(isinstance(k, str) for k in item):
        return False
    document_id = item.get("document_id")
    return (isinstance(document_id, int) and not isinstance(document_id, bool) and document_id > 0
            and all(v is None or isinstance(v, _PLAIN) for v in item.values()))


def check_documents(component: dict[str, Any], value: Any, required: bool, scope: Scope,
                    settings: Settings) -> Checked:
    """filepicker: a list of document references `{"document_id": 12, ...}` (shape only).

    Whether the documents exist and may be attached is the documents feature's business;
    `multiple` allows more than one, `accept` is left to the door that stores files.
    """
    if value is None or value == []:
        return Checked(None if value is None else [], [problem("required")] if required else [])
    if not isinstance(value, list) or not all(_is_reference(item) for item in value):
        return Checked(value, [problem("not_documents")])
    limit = settings.limits.max_list_items
    if len(value) > limit:
        return Checked(value, [problem("too_many", n=limit, size=len(value))])
    if len(value) > 1 and not component.get("multiple"):
        return Checked(value, [problem("one_document")])
    ids = [item["document_id"] for item in value]
    if len(set(ids)) != len(ids):
        return Checked(value, [problem("duplicate_document")])
    return Checked(value, [])


__all__ = ["canonical", "check_documents", "check_multiple", "check_single", "option_values",
           "options_of"]
