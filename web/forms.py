"""Server-side validation of a form-js submission with a marshmallow schema built from the form.

The browser's form-js validates too, but the server is the authority: whatever
arrives is checked against the same rules form-js applies (required, minLength
and maxLength on the trimmed text, min and max, pattern, email/phone), plus the
types and the options of selects, radios, checklists and taglists. Unknown keys
are dropped; `text`, `button` and other display-only components are ignored;
disabled fields (which form-js does not submit) are ignored too. Fields with a
`conditional` (a FEEL expression the server does not evaluate) are optional.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

EMAIL_PATTERN = re.compile(
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")
PHONE_PATTERN = re.compile(r"^(\+|00)\d{6,20}$")
INPUT_TYPES = {"textfield", "textarea", "number", "checkbox", "select", "radio", "checklist",
               "taglist", "datetime"}
CONTAINER_TYPES = {"group", "dynamiclist"}


@dataclass(frozen=True)
class FieldInfo:
    key: str
    component_id: str
    label: str
    type: str


@dataclass(frozen=True)
class FormResult:
    data: dict[str, Any]
    errors: dict[str, list[str]]
    """Messages by field key."""

    @property
    def ok(self) -> bool:
        return not self.errors


def input_fields(schema: dict[str, Any] | None) -> Iterator[tuple[dict[str, Any], FieldInfo]]:
    """Every input component of a form-js schema (inside groups too), with its key."""
    if not schema:
        return
    stack = list(reversed(schema.get("components") or []))
    while stack:
        component = stack.pop()
        if not isinstance(component, dict):
            continue
        kind = component.get("type")
        if kind in CONTAINER_TYPES and kind == "group" and not component.get("path"):
            stack.extend(reversed(component.get("components") or []))
            continue
        key = component.get("key")
        if kind in INPUT_TYPES and isinstance(key, str) and key and not component.get("disabled"):
            yield component, FieldInfo(key, str(component.get("id") or key),
                                       str(component.get("label") or key), str(kind))


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _skip_blank(check: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(value: Any) -> None:
        if not _blank(value) and not (isinstance(value, str) and not value.strip()):
            check(value)
    return run


def _length(minimum: Any, maximum: Any) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        size = len(str(value).strip())
        if isinstance(minimum, (int, float)) and size < minimum:
            raise ValidationError(_("Enter at least %(n)d characters.", n=int(minimum)))
        if isinstance(maximum, (int, float)) and size > maximum:
            raise ValidationError(_("Enter at most %(n)d characters (you entered %(size)d).",
                                    n=int(maximum), size=size))
    return check


def _range(minimum: Any, maximum: Any) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if isinstance(minimum, (int, float)) and value < minimum:
            raise ValidationError(_("Enter a number of at least %(n)s.", n=minimum))
        if isinstance(maximum, (int, float)) and value > maximum:
            raise ValidationError(_("Enter a number of at most %(n)s.", n=maximum))
    return check


def _decimals(digits: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        text = repr(float(value))
        places = len(text.split(".")[1].rstrip("0")) if "." in text and "e" not in text else 0
        if places > digits:
            raise ValidationError(_("Use at most %(n)d decimal places.", n=digits))
    return check


def _pattern(pattern: str, message: str | None) -> Callable[[Any], None]:
    try:
        compiled = re.compile(pattern)
    except re.error:
        compiled = None

    def check(value: Any) -> None:
        if compiled is not None and not compiled.search(str(value)):
            raise ValidationError(message or _("This value does not have the expected format."))
    return check


def _one_of(values: list[Any]) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value not in values:
            raise ValidationError(_("Choose one of the options offered."))
    return check


def _not_blank(value: Any) -> None:
    if _blank(value) or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_("This field is required."))


def _must_be_true(value: Any) -> None:
    if value is not True:
        raise ValidationError(_("This box must be ticked."))


class IsoDateTime(fields.String):
    """A date, time or date-time in ISO 8601 that stays a string (case data is JSON)."""

    def __init__(self, subtype: str = "date", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.subtype = subtype

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text == "":
            return text
        parser: Callable[[str], Any] = {"date": date.fromisoformat, "time": time.fromisoformat}.get(
            self.subtype, lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")))
        try:
            parser(text)
        except ValueError:
            raise ValidationError(_("Enter a valid date.") if self.subtype == "date"
                                  else _("Enter a valid date and time.")) from None
        return text


def _options(component: dict[str, Any]) -> list[Any] | None:
    values = component.get("values")
    if component.get("valuesKey") or component.get("valuesExpression") or not isinstance(values, list):
        return None  # options come from data at run time
    return [v.get("value") for v in values if isinstance(v, dict)]


def _field(component: dict[str, Any], info: FieldInfo) -> fields.Field:
    rules = component.get("validate") or {}
    required = bool(rules.get("required")) and not component.get("conditional")
    checks: list[Callable[[Any], None]] = []
    messages = {"required": _("This field is required."), "null": _("This field is required.")}
    kind = info.type
    field: fields.Field
    if kind in ("textfield", "textarea"):
        messages["invalid"] = _("Enter text.")
        if "minLength" in rules or "maxLength" in rules:
            checks.append(_skip_blank(_length(rules.get("minLength"), rules.get("maxLength"))))
        if rules.get("validationType") == "email":
            checks.append(_skip_blank(_pattern(EMAIL_PATTERN.pattern, _("Enter a valid e-mail address."))))
        elif rules.get("validationType") == "phone":
            checks.append(_skip_blank(_pattern(PHONE_PATTERN.pattern,
                                               _("Enter an international phone number."))))
        if isinstance(rules.get("pattern"), str) and rules["pattern"]:
            checks.append(_skip_blank(_pattern(rules["pattern"], rules.get("patternErrorMessage"))))
        field_class: type[fields.Field] = fields.String
    elif kind == "number":
        messages["invalid"] = _("Enter a number.")
        digits = component.get("decimalDigits")
        field_class = fields.Integer if digits == 0 else fields.Float
        if isinstance(digits, int) and digits > 0:
            checks.append(_skip_blank(_decimals(digits)))
        if "min" in rules or "max" in rules:
            checks.append(_skip_blank(_range(rules.get("min"), rules.get("max"))))
    elif kind == "checkbox":
        messages["invalid"] = _("Tick the box or leave it empty.")
        field_class = fields.Boolean
        if required:
            checks.append(_must_be_true)
    elif kind in ("select", "radio"):
        options = _options(component)
        if options is not None:
            checks.append(_skip_blank(_one_of(options)))
        field_class = fields.Raw
    elif kind in ("checklist", "taglist"):
        options = _options(component)
        inner: fields.Field = fields.Raw(validate=_one_of(options) if options is not None else None)
        field = fields.List(inner, required=required, allow_none=not required,
                            validate=[_not_blank] if required else [], error_messages={
                                **messages, "invalid": _("Choose from the options offered.")})
        return field
    else:  # datetime
        subtype = str(component.get("subtype") or "date")
        field = IsoDateTime(subtype, required=required, allow_none=not required,
                            validate=[_not_blank] if required else [], error_messages=messages)
        return field
    if required and kind != "checkbox":
        checks.insert(0, _not_blank)
    if field_class is fields.Integer:
        return fields.Integer(required=required, allow_none=not required, strict=True,
                              validate=checks, error_messages={**messages,
                                                               "invalid": _("Enter a whole number.")})
    if field_class is fields.Float:
        return fields.Float(required=required, allow_none=not required, allow_nan=False,
                            validate=checks, error_messages=messages)
    return field_class(required=required, allow_none=not required, validate=checks,
                       error_messages=messages)


class _FormSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    _non_text: frozenset[str] = frozenset()

    @pre_load
    def _empty_to_none(self, data: Any, **_kwargs: Any) -> Any:
        """form-js may send '' for an empty number or date; treat it as no value."""
        if not isinstance(data, dict):
            return data
        return {k: (None if v == "" and k in self._non_text else v) for k, v in data.items()}


def schema_for(form: dict[str, Any] | None) -> Schema:
    """A marshmallow schema for a form-js schema (cached per form would be an easy win)."""
    declared: dict[str, Any] = {}
    non_text: set[str] = set()
    for component, info in input_fields(form):
        declared[info.key] = _field(component, info)
        if info.type not in ("textfield", "textarea"):
            non_text.add(info.key)
    schema_class = _FormSchema.from_dict(declared, name="FormJsSchema")
    setattr(schema_class, "_non_text", frozenset(non_text))  # noqa: B010
    return schema_class()


def validate_submission(form: dict[str, Any] | None, submitted: Any) -> FormResult:
    """Check `submitted` against the form; returns the cleaned data or messages by key."""
    if not isinstance(submitted, dict):
        return FormResult({}, {"_form": [_("The form data could not be read. Reload the page.")]})
    try:
        data = schema_for(form).load(submitted)
    except ValidationError as exc:
        raw = exc.messages if isinstance(exc.messages, dict) else {"_form": exc.messages}
        return FormResult({}, {key: _flatten(value) for key, value in raw.items()})
    return FormResult(dict(data), {})


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list):
        return [m for v in value for m in _flatten(v)]
    return [str(value)]


def errors_by_component(form: dict[str, Any] | None, errors: dict[str, list[str]]
                        ) -> dict[str, list[str]]:
    """The same messages keyed by form-js component id (what form-js shows under a field)."""
    ids = {info.key: info.component_id for _c, info in input_fields(form)}
    return {ids[key]: messages for key, messages in errors.items() if key in ids}


def labelled_errors(form: dict[str, Any] | None, errors: dict[str, list[str]]
                    ) -> list[tuple[str, str]]:
    """(field label, message) pairs, in form order, for the summary above the form."""
    labels = {info.key: info.label for _c, info in input_fields(form)}
    order = list(labels)
    ranked = sorted(errors.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else -1)
    return [(labels.get(key, _("Form")), message) for key, messages in ranked for message in messages]


def labelled_values(form: dict[str, Any] | None, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of what the user typed, to show back when nothing could be saved."""
    out: list[tuple[str, str]] = []
    for _component, info in input_fields(form):
        if info.key in data and not _blank(data[info.key]):
            value = data[info.key]
            out.append((info.label, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
    return out
