"""Reading a form-js schema: which components take input, where their values live.

form-js (schemaVersion 19) places a field's value at its `key`, split on dots, under the
`path` of every enclosing `group` or `dynamiclist` (a group without a path adds nothing).
A `dynamiclist` with `isRepeating` holds a list of entries, each an object laid out by the
list's components. Display components (text, html, image, iframe, table, spacer,
separator, button, documentPreview) take no input; neither do unknown component types.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

INPUT_TYPES = frozenset({"textfield", "textarea", "number", "checkbox", "select", "radio",
                         "checklist", "taglist", "datetime", "filepicker"})
COMPUTED_TYPES = frozenset({"expression"})
"""Keyed, but computed by the browser from other fields: never taken from a submission."""
EMPTY_VALUES: dict[str, Any] = {"textfield": "", "textarea": "", "checkbox": False, "checklist": [],
                                "taglist": []}
"""What form-js puts in a field nobody filled (null for the types not listed)."""

Path = tuple[str, ...]


def components_of(container: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The child components of a form or container, ignoring anything that is not an object."""
    children = (container or {}).get("components")
    return [c for c in children if isinstance(c, dict)] if isinstance(children, list) else []


def split_path(value: Any) -> Path:
    """A form-js key or path ('a.b') as segments; () for none."""
    if not isinstance(value, str) or not value:
        return ()
    return tuple(value.split("."))


def kind_of(component: dict[str, Any]) -> str:
    """'input', 'computed', 'group' (path or not), 'list' (repeating), or 'display'."""
    kind = component.get("type")
    if kind in INPUT_TYPES:
        return "input" if split_path(component.get("key")) else "display"
    if kind in COMPUTED_TYPES:
        return "computed" if split_path(component.get("key")) else "display"
    if kind == "dynamiclist" and component.get("isRepeating") and split_path(component.get("path")):
        return "list"
    if kind in ("group", "dynamiclist"):
        return "group"
    return "display"


def own_path(component: dict[str, Any]) -> Path:
    """Where the component puts its value (or its children's) relative to its parent."""
    kind = kind_of(component)
    if kind in ("input", "computed"):
        return split_path(component.get("key"))
    if kind in ("group", "list"):
        return split_path(component.get("path"))
    return ()


def join_key(prefix: str, path: Path) -> str:
    """The error key of `path` inside the scope `prefix` ('' or 'activities[2]')."""
    tail = ".".join(path)
    if not prefix:
        return tail
    return f"{prefix}.{tail}" if tail else prefix


def initial_value(component: dict[str, Any]) -> Any:
    """What the browser holds in a field before anyone types: its default, else its empty value."""
    if "defaultValue" in component:
        return component["defaultValue"]
    return EMPTY_VALUES.get(str(component.get("type")))


@dataclass(frozen=True)
class FieldInfo:
    """An input field of a form, for pages and error summaries.

    `key` is the field's value path in the submission: `title`, `address.city`, and for
    fields of a repeating list `activities[].title` (`[]` stands for each entry).
    `metadata` keeps what a door may want to show: for a filepicker, `multiple` and `accept`.
    """

    key: str
    component_id: str
    label: str
    type: str
    required: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


def _info(component: dict[str, Any], key: str) -> FieldInfo:
    kind = str(component.get("type"))
    metadata: dict[str, Any] = {}
    if kind == "filepicker":
        metadata = {"multiple": bool(component.get("multiple")), "accept": component.get("accept")}
    rules = component.get("validate") if isinstance(component.get("validate"), dict) else {}
    label = component.get("label")
    return FieldInfo(key, str(component.get("id") or key),
                     str(label) if isinstance(label, str) and label else key, kind,
                     bool((rules or {}).get("required")), metadata)


def input_fields(form: dict[str, Any] | None) -> Iterator[tuple[dict[str, Any], FieldInfo]]:
    """Every input component of a form in form order (inside groups and lists too), with its info.

    Disabled fields are left out: form-js neither shows them as inputs nor submits them.
    """
    yield from _fields(components_of(form), "")


def _fields(components: list[dict[str, Any]], prefix: str
            ) -> Iterator[tuple[dict[str, Any], FieldInfo]]:
    for component in components:
        kind = kind_of(component)
        key = join_key(prefix, own_path(component))
        if kind == "input" and not component.get("disabled"):
            yield component, _info(component, key)
        elif kind == "group":
            yield from _fields(components_of(component), key)
        elif kind == "list":
            yield from _fields(components_of(component), key + "[]")


_INDEX = re.compile(r"\[(\d+)\]")


def key_template(key: str) -> tuple[str, tuple[int, ...]]:
    """'activities[2].title' -> ('activities[].title', (2,)): the FieldInfo key and the indexes."""
    indexes = tuple(int(i) for i in _INDEX.findall(key))
    return _INDEX.sub("[]", key), indexes


# The shape of the data a form accepts, to find keys it does not know: a dict maps a key to
# LEAF (a field's value: anything below is the field's business), to a nested shape (a group's
# path or a dotted key), or to a one-element list holding the shape of each entry of a list.
LEAF = "leaf"
Shape = dict[str, Any]


def shape_of(components: list[dict[str, Any]]) -> Shape:
    """The keys a scope of the form knows (hidden, disabled and read-only fields included)."""
    shape: Shape = {}
    for component in components:
        kind = kind_of(component)
        if kind == "display":
            continue
        path = own_path(component)
        if kind in ("input", "computed"):
            _place(shape, path, LEAF)
        elif kind == "list":
            _place(shape, path, [shape_of(components_of(component))])
        else:
            target = _place(shape, path, {}) if path else shape
            if isinstance(target, dict):
                _merge(target, shape_of(components_of(component)))
    return shape


def _place(shape: Shape, path: Path, value: Any) -> Any:
    node = shape
    for segment in path[:-1]:
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            return None  # a field's key is also used as a group's path: the field wins
        node = child
    existing = node.get(path[-1])
    if existing is None:
        node[path[-1]] = value
        return value
    if isinstance(existing, dict) and isinstance(value, dict):
        _merge(existing, value)
        return existing
    if isinstance(existing, list) and isinstance(value, list):
        _merge(existing[0], value[0])
        return existing
    if value == LEAF:
        node[path[-1]] = LEAF
    return None


def _merge(into: Shape, other: Shape) -> None:
    for key, value in other.items():
        _place(into, (key,), value)


__all__ = ["EMPTY_VALUES", "INPUT_TYPES", "LEAF", "FieldInfo", "Path", "Shape", "components_of",
           "initial_value", "input_fields", "join_key", "key_template", "kind_of", "own_path",
           "shape_of", "split_path"]
