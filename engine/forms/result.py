"""What validating a submission returns, and the bounds it is checked against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.forms.messages import FieldError
from engine.runtime.data import MAX_DATA_BYTES


@dataclass(frozen=True)
class FormLimits:
    """Bounds the engine puts on every submission, whatever the form says.

    A form's own `maxLength` replaces `max_text_length` for that field; nothing replaces
    the others.
    """

    max_list_items: int = 200
    """Options chosen in a checklist or taglist, entries of a dynamic list, documents picked."""
    max_text_length: int = 20_000
    """Characters in a text field or text area whose form sets no maxLength."""
    max_data_bytes: int = MAX_DATA_BYTES
    """The whole submission, as JSON."""
    pattern_timeout: float = 0.1
    """Seconds one `pattern` may take on one value (patterns come from uploaded forms)."""


DEFAULT_LIMITS = FormLimits()


@dataclass(frozen=True)
class FormResult:
    """The cleaned data (only the form's fields) when `ok`, else the errors in form order."""

    data: dict[str, Any]
    errors: tuple[FieldError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def by_field(self) -> dict[str, list[FieldError]]:
        """The errors grouped by field key, in form order."""
        out: dict[str, list[FieldError]] = {}
        for error in self.errors:
            out.setdefault(error.field, []).append(error)
        return out

    def messages(self) -> dict[str, list[str]]:
        """English messages by field key (for the CLI and the API)."""
        return {key: [e.text() for e in errors] for key, errors in self.by_field().items()}


__all__ = ["DEFAULT_LIMITS", "FormLimits", "FormResult"]
