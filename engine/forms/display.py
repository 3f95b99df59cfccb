"""What pages need to show a form's errors and values: pure functions over the form.

They work on errors keyed by field (`FormResult.by_field()`, or the same keys with
translated strings), so a door can translate first and arrange after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from engine.forms.schema import FieldInfo, input_fields, key_template, split_path

T = TypeVar("T")


def _fields(form: dict[str, Any] | None) -> dict[str, FieldInfo]:
    return {info.key: info for _component, info in input_fields(form)}


def errors_by_component(form: dict[str, Any] | None, errors: Mapping[str, Sequence[T]]
                        ) -> dict[str, Any]:
    """The errors keyed by form-js component id, as form-js holds them in its `errors` state.

    A field outside repeating lists gets a list of messages; a field inside one gets
    {entry index: messages} (nested once per list level). Keys that are not fields of the
    form (`_form`, unknown keys) are left out: show them with labelled_errors.
    """
    fields = _fields(form)
    out: dict[str, Any] = {}
    for key, messages in errors.items():
        template, indexes = key_template(key)
        info = fields.get(template)
        if info is None:
            continue
        if not indexes:
            out.setdefault(info.component_id, []).extend(messages)
            continue
        node = out.setdefault(info.component_id, {})
        if not isinstance(node, dict):
            continue
        for index in indexes[:-1]:
            node = node.setdefault(str(index), {})
        node.setdefault(str(indexes[-1]), []).extend(messages)
    return out


def field_label(form: dict[str, Any] | None, key: str, fallback: str = "Form") -> str:
    """The label a person knows a field by; entries of lists are numbered from 1.

    'activities[2].title' -> 'Activities 3 / Title'; a key that is no field -> `fallback`.
    """
    return _label(form, _fields(form), key, fallback)


def _label(form: dict[str, Any] | None, fields: dict[str, FieldInfo], key: str, fallback: str) -> str:
    template, indexes = key_template(key)
    info = fields.get(template)
    if info is None:
        return fallback
    if not indexes:
        return info.label
    lists = _list_labels(form)
    parts: list[str] = []
    prefix = ""
    for index, piece in zip(indexes, template.split("[]")[:-1], strict=True):
        prefix += piece + "[]"
        parts.append(f"{lists.get(prefix, prefix[:-2].rsplit('.', 1)[-1])} {index + 1}")
    return " / ".join([*parts, info.label])


def _list_labels(form: dict[str, Any] | None) -> dict[str, str]:
    """Label of each repeating list, by its key template with a trailing '[]'."""
    from_fields: dict[str, str] = {}
    stack: list[tuple[list[Any], str]] = [((form or {}).get("components") or [], "")]
    while stack:
        components, prefix = stack.pop()
        for component in components if isinstance(components, list) else []:
            if not isinstance(component, dict):
                continue
            path = ".".join(split_path(component.get("path")))
            here = f"{prefix}.{path}" if prefix and path else (prefix or path)
            if component.get("type") == "dynamiclist" and component.get("isRepeating") and path:
                label = component.get("label")
                from_fields[here + "[]"] = label if isinstance(label, str) and label else path
                stack.append((component.get("components") or [], here + "[]"))
            elif component.get("type") in ("group", "dynamiclist"):
                stack.append((component.get("components") or [], here))
    return from_fields


def labelled_errors(form: dict[str, Any] | None, errors: Mapping[str, Sequence[T]],
                    fallback: str = "Form") -> list[tuple[str, T]]:
    """(field label, message) pairs in form order, for the summary above the form.

    Errors that belong to no field (`_form`, unknown keys) come first, labelled `fallback`.
    """
    fields = _fields(form)
    order = {key: rank for rank, key in enumerate(fields)}

    def rank(key: str) -> tuple[int, tuple[int, ...]]:
        template, indexes = key_template(key)
        return order.get(template, -1), indexes

    ranked = sorted(errors.items(), key=lambda item: rank(item[0]))
    return [(_label(form, fields, key, fallback), message)
            for key, messages in ranked for message in messages]


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        name = value.get("name")
        return str(name) if name else f"#{value.get('document_id', '?')}"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def labelled_values(form: dict[str, Any] | None, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of what was entered, in form order, to show back when nothing was saved."""
    fields = _fields(form)
    out: list[tuple[str, str]] = []
    for key, value in _leaves(form, data):
        if value is None or value == "" or value == []:
            continue
        out.append((_label(form, fields, key, key), _show(value)))
    return out


def _leaves(form: dict[str, Any] | None, data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(key, value) of every field of the form that `data` holds a value for."""
    found: list[tuple[str, Any]] = []
    for _component, info in input_fields(form):
        found.extend(_values_at(info.key, data, ""))
    return found


def _values_at(template: str, data: Any, prefix: str) -> list[tuple[str, Any]]:
    head, sep, rest = template.partition("[]")
    node = data
    for segment in split_path(head.strip(".")):
        if not isinstance(node, Mapping) or segment not in node:
            return []
        node = node[segment]
    where = prefix + head
    if not sep:
        return [(where, node)]
    if not isinstance(node, list):
        return []
    out: list[tuple[str, Any]] = []
    for index, entry in enumerate(node):
        out.extend(_values_at(rest, entry, f"{where}[{index}]"))
    return out


__all__ = ["errors_by_component", "field_label", "labelled_errors", "labelled_values"]
