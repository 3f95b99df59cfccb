"""`validate`: is this data valid for this form? The one authority, for every door.

A task or start event with a form accepts only its fields:
- a key the form does not know is refused (an `unknown_field` error naming it), never
  silently dropped: a client that sends it has misunderstood the form;
- values of hidden (conditional.hide), disabled and read-only fields, and of `expression`
  fields (computed in the browser), are known but not taken: they are dropped without an
  error, since form-js itself leaves the first two out and the others are not user input;
- display components (text, image, button ...) take nothing;
- a field that is absent stays absent (defaults are the browser's business); a field sent
  empty is kept empty ("" for text, None for numbers, dates, single choices and documents,
  [] for checklists and taglists, False for a checkbox);
- when anything is wrong, every error is reported at once (fields in form order, then keys
  the form does not know) and no data is returned.
Without a form (`form is None`) the data is plain case data, as in Camunda: a JSON object
with identifier keys, checked by engine.runtime.data.check_data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from engine import clock
from engine.errors import InvalidInput
from engine.forms.choices import check_documents, check_multiple, check_single
from engine.forms.conditions import Scope, Visibility, entry_scope, is_read_only, root_scope, visibility
from engine.forms.messages import FieldError, field_error
from engine.forms.result import DEFAULT_LIMITS, FormLimits, FormResult
from engine.forms.rules import (
    Checked,
    Settings,
    check_checkbox,
    check_datetime,
    check_number,
    check_text,
    rules_of,
)
from engine.forms.schema import LEAF, Path, Shape, components_of, join_key, kind_of, own_path, shape_of
from engine.runtime.data import check_data

Check = Callable[[dict[str, Any], Any, bool, Scope, Settings], Checked]
CHECKS: dict[str, Check] = {
    "textfield": check_text, "textarea": check_text, "number": check_number,
    "checkbox": check_checkbox, "datetime": check_datetime, "select": check_single,
    "radio": check_single, "checklist": check_multiple, "taglist": check_multiple,
    "filepicker": check_documents,
}


def validate(form: dict[str, Any] | None, submitted: Any, *, limits: FormLimits = DEFAULT_LIMITS,
             context: Mapping[str, Any] | None = None, today: date | None = None) -> FormResult:
    """Check `submitted` against the form-js schema `form`; the cleaned data or the field errors.

    With a form, `submitted` must be a JSON object already decoded (a dict; nothing
    submitted is {}); without one (`form is None`) it is plain case data, JSON text allowed.

    `context` is the case data the form is shown over: hide conditions and FEEL rules read
    it, and `valuesKey` options come from it (without it, such options are not checked).
    `today` (default: the engine clock's UTC date) is for `disallowPassedDates`.
    """
    if form is None:
        return _case_data(submitted)
    if not isinstance(submitted, dict):  # None too: a submission of nothing is {}
        return FormResult({}, (field_error("_form", "not_object"),))
    try:
        size = len(json.dumps(submitted, allow_nan=False))
    except (TypeError, ValueError):
        return FormResult({}, (field_error("_form", "not_json"),))
    if size > limits.max_data_bytes:
        return FormResult({}, (field_error("_form", "data_too_large", size=size,
                                           limit=limits.max_data_bytes),))
    settings = Settings(limits, context, today or clock.now().date())
    walk = _Walk(settings)
    components = components_of(form)
    data: dict[str, Any] = {}
    walk.components(components, root_scope(form, submitted, context), (), data, optional=False)
    walk.unknown_keys(shape_of(components), submitted, "")  # after the fields: errors in form order
    return FormResult({}, tuple(walk.errors)) if walk.errors else FormResult(data)


def _case_data(submitted: Any) -> FormResult:
    """The one "no form" rule: plain case data."""
    try:
        return FormResult(check_data(submitted))
    except InvalidInput as exc:
        key = str(exc.context.get("field") or "_form")
        return FormResult({}, (field_error(key, "case_data", problem=exc.message),))


def _get(data: Any, path: Path) -> tuple[bool, Any]:
    """(present, value) at `path`; anything in the way that is not an object means absent."""
    node = data
    for segment in path:
        if not isinstance(node, Mapping) or segment not in node:
            return False, None
        node = node[segment]
    return True, node


def _set(data: dict[str, Any], path: Path, value: Any) -> None:
    node = data
    for segment in path[:-1]:
        node = node.setdefault(segment, {})
    node[path[-1]] = value


class _Walk:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.errors: list[FieldError] = []

    def unknown_keys(self, shape: Shape, data: Mapping[str, Any], prefix: str) -> None:
        """Refuse keys the form does not know, and values that don't have the form's shape."""
        for key, value in data.items():
            where = join_key(prefix, (str(key),))
            expected = shape.get(key) if isinstance(key, str) else None
            if expected is None:
                self.errors.append(field_error(where, "unknown_field", name=where))
            elif expected == LEAF or value is None:
                continue
            elif isinstance(expected, dict):
                if isinstance(value, dict):
                    self.unknown_keys(expected, value, where)
                else:
                    self.errors.append(field_error(where, "not_group"))
            elif not isinstance(value, list):
                self.errors.append(field_error(where, "not_entries"))
            elif len(value) > self.settings.limits.max_list_items:
                self.errors.append(field_error(where, "too_many_entries",
                                               n=self.settings.limits.max_list_items, size=len(value)))
            else:
                for index, entry in enumerate(value):
                    if isinstance(entry, dict):
                        self.unknown_keys(expected[0], entry, f"{where}[{index}]")
                    else:
                        self.errors.append(field_error(f"{where}[{index}]", "not_group"))

    def components(self, components: list[dict[str, Any]], scope: Scope, base: Path,
                   out: dict[str, Any], optional: bool) -> None:
        """Check the components of one scope; put what they keep into `out`."""
        for component in components:
            kind = kind_of(component)
            if kind in ("display", "computed"):
                continue
            shown = visibility(component, scope)
            if shown is Visibility.HIDDEN:
                continue
            loose = optional or shown is Visibility.UNKNOWN
            path = (*base, *own_path(component))
            if kind == "group":
                self.components(components_of(component), scope, path, out, loose)
            elif kind == "list":
                self.entries(component, scope, path, out, loose)
            else:
                self.field(component, scope, path, out, loose)

    def field(self, component: dict[str, Any], scope: Scope, path: Path, out: dict[str, Any],
              optional: bool) -> None:
        if component.get("disabled") or is_read_only(component, scope):
            return
        present, value = _get(scope.data, path)
        required = bool(rules_of(component).get("required")) and not optional
        if not present and not required:
            return
        checked = CHECKS[str(component.get("type"))](component, value, required, scope, self.settings)
        key = join_key(scope.key_prefix, path)
        self.errors.extend(field_error(key, code, **params) for code, params in checked.problems)
        if present and not checked.problems:
            _set(out, path, checked.value)

    def entries(self, component: dict[str, Any], scope: Scope, path: Path, out: dict[str, Any],
                optional: bool) -> None:
        """A repeating dynamic list: each entry checked as a form of its own."""
        present, value = _get(scope.data, path)
        if not isinstance(value, list) or len(value) > self.settings.limits.max_list_items:
            if present and value is None:
                _set(out, path, None)
            return  # not a list, or too long: reported by unknown_keys
        _, initialized = _get(scope.this, path)
        key = join_key(scope.key_prefix, path)
        kept: list[dict[str, Any]] = []
        for index, entry in enumerate(value):
            if not isinstance(entry, dict):
                continue
            known = initialized[index] if isinstance(initialized, list) and index < len(initialized) \
                and isinstance(initialized[index], dict) else entry
            entry_out: dict[str, Any] = {}
            self.components(components_of(component), entry_scope(scope, entry, known, key, index),
                            (), entry_out, optional)
            kept.append(entry_out)
        _set(out, path, kept)


__all__ = ["validate"]
