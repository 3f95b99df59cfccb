"""Field errors: what is wrong with one field, as an English template the doors translate.

Every template is marked with `N_()` so that pybabel can extract it (add `-k N_` to the
extraction keywords); the web layer translates with `gettext(error.message) % error.params`,
the CLI and the API show `error.text()`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from engine.i18n import N_

MESSAGES: dict[str, str] = {
    # the submission as a whole
    "not_object": N_("The form data could not be read: it must be a JSON object."),
    "not_json": N_("The form data could not be read: it is not plain JSON."),
    "data_too_large": N_("The form data is too large (%(size)d bytes, limit %(limit)d)."),
    "unknown_field": N_("This form has no field “%(name)s”."),
    "case_data": N_("%(problem)s"),
    # every field
    "required": N_("This field is required."),
    # text
    "not_text": N_("Enter text."),
    "too_short": N_("Enter at least %(n)d characters."),
    "too_long": N_("Enter at most %(n)d characters (you entered %(size)d)."),
    "pattern": N_("This value does not have the expected format."),
    "pattern_custom": N_("%(message)s"),
    "pattern_timeout": N_("This value could not be checked against the expected format; shorten it."),
    "email": N_("Enter a valid e-mail address."),
    "phone": N_("Enter an international phone number, such as +4930664040900."),
    # numbers
    "not_number": N_("Enter a number."),
    "not_integer": N_("Enter a whole number."),
    "too_small": N_("Enter a number of at least %(n)s."),
    "too_large": N_("Enter a number of at most %(n)s."),
    "decimals": N_("Use at most %(n)d decimal places."),
    "increment": N_("Choose a valid value; the two nearest are %(below)s and %(above)s."),
    # yes/no
    "not_boolean": N_("Tick the box or leave it empty."),
    "must_tick": N_("This box must be ticked."),
    # dates and times
    "bad_date": N_("Enter a valid date."),
    "bad_time": N_("Enter a valid time."),
    "bad_datetime": N_("Enter a valid date and time."),
    "past_date": N_("Choose today or a later date."),
    # choices
    "not_option": N_("Choose one of the options offered."),
    "not_list": N_("Choose from the options offered."),
    "duplicate": N_("Choose each option only once (“%(value)s” is chosen more than once)."),
    "too_many": N_("Choose at most %(n)d (you chose %(size)d)."),
    # groups and dynamic lists
    "not_group": N_("This part of the form could not be read: it must be a set of fields."),
    "not_entries": N_("This list could not be read: it must be a list of entries."),
    "too_many_entries": N_("Add at most %(n)d entries (there are %(size)d)."),
    # documents
    "not_documents": N_("Choose documents from the list."),
    "one_document": N_("Choose one document only."),
    "duplicate_document": N_("Each document can be chosen only once."),
}
"""Every code a FieldError may carry, with its English template."""


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One problem with one field.

    `field` is the value path of the field: its key (`title`), keys under a group's path
    (`address.city`), entries of a dynamic list with a 0-based index (`activities[2].title`);
    `_form` for the submission as a whole. `message` is an English template with
    `%(name)s` placeholders filled from `params`.
    """

    field: str
    code: str
    message: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def text(self) -> str:
        """The message in English, placeholders filled in."""
        return self.message % self.params


def field_error(key: str, code: str, **params: Any) -> FieldError:
    """The error `code` (one of MESSAGES) for the field at `key`."""
    return FieldError(key, code, MESSAGES[code], params)


__all__ = ["MESSAGES", "N_", "FieldError", "field_error"]
