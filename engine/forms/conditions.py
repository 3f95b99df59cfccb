"""What form-js would hide or lock, evaluated on the server with the FEEL subset of feel.py.

form-js evaluates a component's `conditional.hide` (and a FEEL `readonly`, and FEEL in
`validate.min`/`max`/`minLength`/`maxLength`) over the form's data: the case data the
form was opened with, overlaid with what the user entered, every field that nobody filled
holding its default or empty value. Inside an entry of a repeating list, `this` is the
entry, `parent` the enclosing scope's data, `i` the 1-based entry numbers; bare names
still read the whole form's data (as in form-js).

A hidden component takes no value: it is neither required nor kept, nor is anything
inside it. An expression this evaluator cannot read gives UNKNOWN: the component is
shown, but none of its fields is required (the server cannot tell whether the user saw it).
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.forms.feel import FeelUnsupported, evaluate, unary_test
from engine.forms.feel_parser import is_expression
from engine.forms.schema import components_of, initial_value, kind_of, own_path


class Visibility(enum.Enum):
    SHOWN = "shown"
    HIDDEN = "hidden"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Scope:
    """The data of the form, or of one entry of a repeating list, and its expression names."""

    data: Mapping[str, Any]
    """What was submitted for this scope."""
    names: Mapping[str, Any]
    """What expressions in this scope see."""
    key_prefix: str = ""
    """'' for the form, 'activities[2]' for an entry."""
    this: Mapping[str, Any] = field(default_factory=dict)
    indexes: tuple[int, ...] = ()


def with_initial_values(components: list[dict[str, Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `data` where every field nobody filled holds its default or empty value."""
    out = copy.deepcopy(dict(data))
    _fill(components, out)
    return out


def _fill(components: list[dict[str, Any]], data: dict[str, Any]) -> None:
    for component in components:
        kind = kind_of(component)
        path = own_path(component)
        if kind in ("input", "computed"):
            node = _container(data, path[:-1])
            if node is not None and path[-1] not in node:
                node[path[-1]] = initial_value(component)
        elif kind == "group":
            node = _container(data, path)
            if node is not None:
                _fill(components_of(component), node)
        elif kind == "list":
            entries = _container(data, path[:-1])
            value = entries.get(path[-1]) if entries is not None else None
            for entry in value if isinstance(value, list) else []:
                if isinstance(entry, dict):
                    _fill(components_of(component), entry)


def _container(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    node = data
    for segment in path:
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            return None
        node = child
    return node


def root_scope(form: dict[str, Any], submitted: Mapping[str, Any],
               context: Mapping[str, Any] | None) -> Scope:
    """The scope of the whole form: names are case data overlaid with the submission."""
    data = with_initial_values(components_of(form), {**(context or {}), **submitted})
    return Scope(submitted, _names(data, data, None, ()), "", data, ())


def entry_scope(parent: Scope, entry: Mapping[str, Any], initialized: Mapping[str, Any],
                key: str, index: int) -> Scope:
    """The scope of entry `index` (0-based) of a repeating list whose error key is `key`."""
    indexes = (*parent.indexes, index)
    root = {k: v for k, v in parent.names.items() if k not in _SPECIAL}
    return Scope(entry, _names(root, initialized, parent.this, indexes), f"{key}[{index}]",
                 initialized, indexes)


_SPECIAL = frozenset({"this", "parent", "i", "_this_", "_parent_", "_i_"})


def _names(root: Mapping[str, Any], this: Mapping[str, Any], parent: Mapping[str, Any] | None,
           indexes: tuple[int, ...]) -> dict[str, Any]:
    numbers = [i + 1 for i in indexes]
    special = {"this": this, "parent": parent, "i": numbers}
    return {**special, **root, "_this_": this, "_parent_": parent, "_i_": numbers}


def visibility(component: dict[str, Any], scope: Scope) -> Visibility:
    """Whether form-js would hide the component, as far as the server can tell."""
    conditional = component.get("conditional")
    hide = conditional.get("hide") if isinstance(conditional, dict) else None
    if not hide:
        return Visibility.SHOWN
    if not is_expression(hide):
        return Visibility.UNKNOWN
    try:
        return Visibility.HIDDEN if unary_test(hide, scope.names) else Visibility.SHOWN
    except FeelUnsupported:
        return Visibility.UNKNOWN


def is_read_only(component: dict[str, Any], scope: Scope) -> bool:
    """A read-only field shows a value; the user cannot change it, so it is not taken.

    A FEEL `readonly` the evaluator cannot read counts as editable.
    """
    readonly = component.get("readonly")
    if readonly is True:
        return True
    if is_expression(readonly):
        try:
            return evaluate(readonly, scope.names) is True
        except FeelUnsupported:
            return False
    return False


def rule_value(value: Any, scope: Scope) -> Any:
    """A `validate` setting as form-js uses it: FEEL evaluated, None if it can't be."""
    if not is_expression(value):
        return value
    try:
        return evaluate(value, scope.names)
    except FeelUnsupported:
        return None


__all__ = ["Scope", "Visibility", "entry_scope", "is_read_only", "root_scope", "rule_value",
           "visibility", "with_initial_values"]
