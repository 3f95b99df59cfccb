"""The web's side of form validation: the engine decides (engine.forms), this translates.

engine.forms.validate is the one authority on what a form accepts; its field errors are
English templates, translated here with Flask-Babel's gettext. The names below are the
ones the pages and the API have always called.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from engine import forms as engine_forms
from engine.errors import FormInvalid
from engine.forms import FieldError, FieldInfo, input_fields

EMAIL_PATTERN = re.compile(engine_forms.EMAIL_PATTERN)

__all__ = [
    "EMAIL_PATTERN",
    "FieldInfo",
    "FormResult",
    "errors_by_component",
    "input_fields",
    "labelled_errors",
    "labelled_values",
    "translate",
    "translated_errors",
    "unreadable_message",
    "validate_submission",
]


@dataclass(frozen=True)
class FormResult:
    data: dict[str, Any]
    errors: dict[str, list[str]]
    """Translated messages by field key."""

    @property
    def ok(self) -> bool:
        return not self.errors


def unreadable_message() -> str:
    """What a page says when the browser sent data that is not a readable JSON object."""
    return gettext("The form data could not be read (it must be plain JSON). Reload the page.")


def translate(error: FieldError) -> str:
    """The error in the request's language (the English template when there is no translation)."""
    return gettext(error.message) % error.params


def validate_submission(form: dict[str, Any] | None, submitted: Any, *,
                        context: Mapping[str, Any] | None = None) -> FormResult:
    """Check `submitted` against the form (engine.forms.validate); messages translated."""
    result = engine_forms.validate(form, submitted, context=context)
    errors: dict[str, list[str]] = {}
    for error in result.errors:
        errors.setdefault(error.field, []).append(translate(error))
    return FormResult(result.data, errors)


def translated_errors(exc: FormInvalid) -> dict[str, list[str]]:
    """The engine's refusal of a submission, as translated messages by field key."""
    errors: dict[str, list[str]] = {}
    for error in exc.field_errors:
        errors.setdefault(error.field, []).append(translate(error))
    return errors


def errors_by_component(form: dict[str, Any] | None, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The messages keyed by form-js component id (what form-js shows under a field)."""
    return engine_forms.errors_by_component(form, errors)


def labelled_errors(form: dict[str, Any] | None, errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(field label, message) pairs, in form order, for the summary above the form."""
    return engine_forms.labelled_errors(form, errors, fallback=gettext("Form"))


def labelled_values(form: dict[str, Any] | None, data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of what the user typed, to show back when nothing could be saved."""
    return engine_forms.labelled_values(form, data)
