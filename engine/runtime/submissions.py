"""What a person submits to a case (a start form, a task's form), as the engine accepts it."""

from __future__ import annotations

from typing import Any

from engine.errors import FormInvalid
from engine.forms.validate import validate as validate_form
from engine.i18n import Message


def accepted(form: dict[str, Any] | None, submitted: Any, *, context: dict[str, Any] | None = None,
             what: Message | None = None) -> dict[str, Any]:
    """What a person submitted, as the form accepts it; `FormInvalid` with field errors otherwise.

    With a form, only its fields are accepted (engine.forms); without one, any case data
    (`check_data`): one rule for every door.
    """
    result = validate_form(form, submitted, context=context)
    if not result.ok:
        raise FormInvalid(result.errors, what=what)
    return dict(result.data)


__all__ = ["accepted"]
